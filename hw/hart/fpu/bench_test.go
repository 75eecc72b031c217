package fpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Operands as ordinary programs see them: moderate magnitudes, full
// significands, so most results are inexact and normal.
func benchOperands64() []uint64 {
	r := rand.New(rand.NewPCG(1, 2))
	v := make([]uint64, 1024)
	for i := range v {
		v[i] = math.Float64bits((r.Float64()*2 - 1) * math.Ldexp(1, r.IntN(40)-20))
	}
	return v
}

func benchOperands32() []uint32 {
	v64 := benchOperands64()
	v := make([]uint32, len(v64))
	for i, x := range v64 {
		v[i] = math.Float32bits(float32(math.Float64frombits(x)))
	}
	return v
}

var sink64 uint64
var sink32 uint32
var sinkFlags uint8

// modes: RNE exercises the host fast path for inexact results, RUP the
// software path (an inexact result in a directed mode).
var benchModes = []struct {
	name string
	rm   uint8
}{{"rne", RNE}, {"rup", RUP}}

func bench64(b *testing.B, op func(a, c uint64, rm uint8) (uint64, uint8)) {
	v := benchOperands64()
	for _, m := range benchModes {
		b.Run(m.name, func(b *testing.B) {
			var acc uint64
			var fl uint8
			for i := range b.N {
				r, f := op(v[i&1023], v[(i+1)&1023], m.rm)
				acc += r
				fl |= f
			}
			sink64, sinkFlags = acc, fl
		})
	}
}

func bench32(b *testing.B, op func(a, c uint32, rm uint8) (uint32, uint8)) {
	v := benchOperands32()
	for _, m := range benchModes {
		b.Run(m.name, func(b *testing.B) {
			var acc uint32
			var fl uint8
			for i := range b.N {
				r, f := op(v[i&1023], v[(i+1)&1023], m.rm)
				acc += r
				fl |= f
			}
			sink32, sinkFlags = acc, fl
		})
	}
}

func BenchmarkAdd64(b *testing.B) { bench64(b, Add64) }
func BenchmarkMul64(b *testing.B) { bench64(b, Mul64) }
func BenchmarkDiv64(b *testing.B) { bench64(b, Div64) }
func BenchmarkSqrt64(b *testing.B) {
	bench64(b, func(a, _ uint64, rm uint8) (uint64, uint8) { return Sqrt64(a&^(1<<63), rm) })
}
func BenchmarkMulAdd64(b *testing.B) {
	bench64(b, func(a, c uint64, rm uint8) (uint64, uint8) { return MulAdd64(a, c, a^c, false, false, rm) })
}
func BenchmarkAdd32(b *testing.B) { bench32(b, Add32) }
func BenchmarkMul32(b *testing.B) { bench32(b, Mul32) }
func BenchmarkDiv32(b *testing.B) { bench32(b, Div32) }
func BenchmarkSqrt32(b *testing.B) {
	bench32(b, func(a, _ uint32, rm uint8) (uint32, uint8) { return Sqrt32(a&^(1<<31), rm) })
}
func BenchmarkMulAdd32(b *testing.B) {
	bench32(b, func(a, c uint32, rm uint8) (uint32, uint8) { return MulAdd32(a, c, a^c, false, false, rm) })
}
func BenchmarkF64ToI64(b *testing.B) {
	bench64(b, func(a, _ uint64, rm uint8) (uint64, uint8) { return F64ToI64(a, rm) })
}
func BenchmarkI64ToF64(b *testing.B) {
	bench64(b, func(a, _ uint64, rm uint8) (uint64, uint8) { return I64ToF64(int64(a), rm) })
}
func BenchmarkF64ToF32(b *testing.B) {
	bench64(b, func(a, _ uint64, rm uint8) (uint64, uint8) { r, f := F64ToF32(a, rm); return uint64(r), f })
}
func BenchmarkLt64(b *testing.B) {
	bench64(b, func(a, c uint64, _ uint8) (uint64, uint8) { r, f := Lt64(a, c); return b2u(r), f })
}

// TestNoAllocations: the hot loop must not allocate.
func TestNoAllocations(t *testing.T) {
	a, c := math.Float64bits(1.1), math.Float64bits(3.7)
	a32, c32 := math.Float32bits(1.1), math.Float32bits(3.7)
	calls := map[string]func(){
		"Add64":    func() { sink64, sinkFlags = Add64(a, c, RUP) },
		"Sub64":    func() { sink64, sinkFlags = Sub64(a, c, RNE) },
		"Mul64":    func() { sink64, sinkFlags = Mul64(a, c, RUP) },
		"Div64":    func() { sink64, sinkFlags = Div64(a, c, RUP) },
		"Sqrt64":   func() { sink64, sinkFlags = Sqrt64(a, RUP) },
		"MulAdd64": func() { sink64, sinkFlags = MulAdd64(a, c, a, true, false, RUP) },
		"Min64":    func() { sink64, sinkFlags = Min64(a, c) },
		"Le64":     func() { _, sinkFlags = Le64(a, c) },
		"Class64":  func() { sink64 = Class64(a) },
		"F64ToU32": func() { sink64, sinkFlags = F64ToU32(a, RMM) },
		"U64ToF64": func() { sink64, sinkFlags = U64ToF64(a, RDN) },
		"F64ToF32": func() { sink32, sinkFlags = F64ToF32(a, RTZ) },
		"Add32":    func() { sink32, sinkFlags = Add32(a32, c32, RUP) },
		"Div32":    func() { sink32, sinkFlags = Div32(a32, c32, RUP) },
		"Sqrt32":   func() { sink32, sinkFlags = Sqrt32(a32, RUP) },
		"MulAdd32": func() { sink32, sinkFlags = MulAdd32(a32, c32, a32, false, true, RNE) },
		"F32ToI64": func() { sink64, sinkFlags = F32ToI64(a32, RNE) },
		"I32ToF32": func() { sink32, sinkFlags = I32ToF32(-7, RNE) },
		"F32ToF64": func() { sink64, sinkFlags = F32ToF64(a32) },
	}
	for name, call := range calls {
		if n := testing.AllocsPerRun(100, call); n != 0 {
			t.Errorf("%s allocates %.0f times per call", name, n)
		}
	}
}
