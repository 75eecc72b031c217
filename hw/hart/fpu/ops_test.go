package fpu

// The table of RISC-V F/D instructions under test: how to run each in this
// package, in the oracle, and (in qemu_test.go) on QEMU, and how to pick its
// operands.

import (
	"fmt"
	"math/big"
)

// operand describes one source or the destination of an instruction.
type operand uint8

const (
	none operand = iota
	f32          // binary32 in an FP register (NaN-boxed there)
	f64          // binary64 in an FP register
	x32          // integer register, low 32 bits used
	x64          // integer register
)

type fn func(a, b, c uint64, rm uint8) (uint64, uint8)

type opCase struct {
	name   string // assembler mnemonic
	srcs   []operand
	dst    operand
	rounds bool // takes a static rm
	// asmNoRM: the assembler takes no rm operand (exact conversions such as
	// fcvt.d.w); QEMU runs it once, the oracle test in every mode.
	asmNoRM bool
	impl    fn
	oracle  fn
	gen     func(g *gen) (a, b, c uint64)
	spec    spec // the format the generator draws floats from
}

func b2u(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

func genUnary(g *gen) (uint64, uint64, uint64) { return g.value(), 0, 0 }
func genBinary(g *gen) (uint64, uint64, uint64) {
	a, b := g.pair()
	return a, b, 0
}
func genTernary(g *gen) (uint64, uint64, uint64) { return g.triple() }
func genDiv(g *gen) (uint64, uint64, uint64) {
	a, b := g.quotient()
	return a, b, 0
}
func genSqrt(g *gen) (uint64, uint64, uint64) { return g.square(), 0, 0 }

// genToInt draws values around the integers: fractions, halves and the
// limits of 32- and 64-bit ranges.
func genToInt(g *gen) (uint64, uint64, uint64) {
	if g.r.IntN(2) == 0 {
		return g.value(), 0, 0
	}
	e := uint64(g.bias() + g.r.IntN(68) - 2)
	return g.pack(g.sign(), e, g.frac()), 0, 0
}

func genInt(width int) func(g *gen) (uint64, uint64, uint64) {
	return func(g *gen) (uint64, uint64, uint64) {
		v := g.integer(width)
		if width == 32 && g.r.IntN(4) == 0 {
			v |= g.r.Uint64() << 32 // upper bits of rs1 must be ignored
		}
		return v, 0, 0
	}
}

// floatOps lists the instructions of one format ("s" or "d").
func floatOps(sfx string) []opCase {
	s, t := spec32, f32
	if sfx == "d" {
		s, t = spec64, f64
	}
	// Adapt the package's typed functions to the common shape.
	var add, sub, mul, div func(a, b uint64, rm uint8) (uint64, uint8)
	var sqrt func(a uint64, rm uint8) (uint64, uint8)
	var fma func(a, b, c uint64, np, nc bool, rm uint8) (uint64, uint8)
	var minf, maxf func(a, b uint64) (uint64, uint8)
	var cmp func(a, b uint64, op compareOp) (uint64, uint8)
	var class func(a uint64) uint64
	var toInt func(a uint64, signed bool, width int, rm uint8) (uint64, uint8)
	var fromInt func(v uint64, signed bool, width int, rm uint8) (uint64, uint8)
	if sfx == "s" {
		w := func(op func(a, b uint32, rm uint8) (uint32, uint8)) func(a, b uint64, rm uint8) (uint64, uint8) {
			return func(a, b uint64, rm uint8) (uint64, uint8) {
				r, fl := op(uint32(a), uint32(b), rm)
				return uint64(r), fl
			}
		}
		add, sub, mul, div = w(Add32), w(Sub32), w(Mul32), w(Div32)
		sqrt = func(a uint64, rm uint8) (uint64, uint8) { r, fl := Sqrt32(uint32(a), rm); return uint64(r), fl }
		fma = func(a, b, c uint64, np, nc bool, rm uint8) (uint64, uint8) {
			r, fl := MulAdd32(uint32(a), uint32(b), uint32(c), np, nc, rm)
			return uint64(r), fl
		}
		minf = func(a, b uint64) (uint64, uint8) { r, fl := Min32(uint32(a), uint32(b)); return uint64(r), fl }
		maxf = func(a, b uint64) (uint64, uint8) { r, fl := Max32(uint32(a), uint32(b)); return uint64(r), fl }
		cmp = func(a, b uint64, op compareOp) (uint64, uint8) {
			r, fl := []func(a, b uint32) (bool, uint8){Eq32, Lt32, Le32}[op](uint32(a), uint32(b))
			return b2u(r), fl
		}
		class = func(a uint64) uint64 { return Class32(uint32(a)) }
		toInt = func(a uint64, signed bool, width int, rm uint8) (uint64, uint8) {
			return map[[2]int]func(uint32, uint8) (uint64, uint8){
				{1, 32}: F32ToI32, {0, 32}: F32ToU32, {1, 64}: F32ToI64, {0, 64}: F32ToU64,
			}[[2]int{int(b2u(signed)), width}](uint32(a), rm)
		}
		fromInt = func(v uint64, signed bool, width int, rm uint8) (uint64, uint8) {
			var r uint32
			var fl uint8
			switch {
			case signed && width == 32:
				r, fl = I32ToF32(int32(v), rm)
			case width == 32:
				r, fl = U32ToF32(uint32(v), rm)
			case signed:
				r, fl = I64ToF32(int64(v), rm)
			default:
				r, fl = U64ToF32(v, rm)
			}
			return uint64(r), fl
		}
	} else {
		add, sub, mul, div, sqrt, fma = Add64, Sub64, Mul64, Div64, Sqrt64, MulAdd64
		minf, maxf, class = Min64, Max64, Class64
		cmp = func(a, b uint64, op compareOp) (uint64, uint8) {
			r, fl := []func(a, b uint64) (bool, uint8){Eq64, Lt64, Le64}[op](a, b)
			return b2u(r), fl
		}
		toInt = func(a uint64, signed bool, width int, rm uint8) (uint64, uint8) {
			return map[[2]int]func(uint64, uint8) (uint64, uint8){
				{1, 32}: F64ToI32, {0, 32}: F64ToU32, {1, 64}: F64ToI64, {0, 64}: F64ToU64,
			}[[2]int{int(b2u(signed)), width}](a, rm)
		}
		fromInt = func(v uint64, signed bool, width int, rm uint8) (uint64, uint8) {
			switch {
			case signed && width == 32:
				return I32ToF64(int32(v), rm)
			case width == 32:
				return U32ToF64(uint32(v), rm)
			case signed:
				return I64ToF64(int64(v), rm)
			default:
				return U64ToF64(v, rm)
			}
		}
	}
	neg := func(x uint64) uint64 { return x ^ 1<<(s.width-1) }
	ops := []opCase{
		{name: "fadd", srcs: []operand{t, t}, dst: t, rounds: true, gen: genBinary,
			impl:   func(a, b, _ uint64, rm uint8) (uint64, uint8) { return add(a, b, rm) },
			oracle: func(a, b, _ uint64, rm uint8) (uint64, uint8) { return s.oracleAdd(a, b, rm) }},
		{name: "fsub", srcs: []operand{t, t}, dst: t, rounds: true, gen: genBinary,
			impl: func(a, b, _ uint64, rm uint8) (uint64, uint8) { return sub(a, b, rm) },
			oracle: func(a, b, _ uint64, rm uint8) (uint64, uint8) {
				if s.isNaN(b) { // a NaN's sign is not negated into a different NaN class
					return s.oracleAdd(a, b, rm)
				}
				return s.oracleAdd(a, neg(b), rm)
			}},
		{name: "fmul", srcs: []operand{t, t}, dst: t, rounds: true, gen: genBinary,
			impl:   func(a, b, _ uint64, rm uint8) (uint64, uint8) { return mul(a, b, rm) },
			oracle: func(a, b, _ uint64, rm uint8) (uint64, uint8) { return s.oracleMul(a, b, rm) }},
		{name: "fdiv", srcs: []operand{t, t}, dst: t, rounds: true, gen: genDiv,
			impl:   func(a, b, _ uint64, rm uint8) (uint64, uint8) { return div(a, b, rm) },
			oracle: func(a, b, _ uint64, rm uint8) (uint64, uint8) { return s.oracleDiv(a, b, rm) }},
		{name: "fsqrt", srcs: []operand{t}, dst: t, rounds: true, gen: genSqrt,
			impl:   func(a, _, _ uint64, rm uint8) (uint64, uint8) { return sqrt(a, rm) },
			oracle: func(a, _, _ uint64, rm uint8) (uint64, uint8) { return s.oracleSqrt(a, rm) }},
		{name: "fmin", srcs: []operand{t, t}, dst: t, gen: genBinary,
			impl:   func(a, b, _ uint64, _ uint8) (uint64, uint8) { return minf(a, b) },
			oracle: func(a, b, _ uint64, _ uint8) (uint64, uint8) { return s.oracleMinMax(a, b, false) }},
		{name: "fmax", srcs: []operand{t, t}, dst: t, gen: genBinary,
			impl:   func(a, b, _ uint64, _ uint8) (uint64, uint8) { return maxf(a, b) },
			oracle: func(a, b, _ uint64, _ uint8) (uint64, uint8) { return s.oracleMinMax(a, b, true) }},
		{name: "fclass", srcs: []operand{t}, dst: x64, gen: genUnary,
			impl:   func(a, _, _ uint64, _ uint8) (uint64, uint8) { return class(a), 0 },
			oracle: func(a, _, _ uint64, _ uint8) (uint64, uint8) { return s.oracleClass(a), 0 }},
	}
	for i, name := range []string{"fmadd", "fmsub", "fnmsub", "fnmadd"} {
		np, nc := i >= 2, i == 1 || i == 3
		ops = append(ops, opCase{name: name, srcs: []operand{t, t, t}, dst: t, rounds: true, gen: genTernary,
			impl:   func(a, b, c uint64, rm uint8) (uint64, uint8) { return fma(a, b, c, np, nc, rm) },
			oracle: func(a, b, c uint64, rm uint8) (uint64, uint8) { return s.oracleMulAdd(a, b, c, np, nc, rm) }})
	}
	for op, name := range []string{"feq", "flt", "fle"} {
		ops = append(ops, opCase{name: name, srcs: []operand{t, t}, dst: x64, gen: genBinary,
			impl:   func(a, b, _ uint64, _ uint8) (uint64, uint8) { return cmp(a, b, compareOp(op)) },
			oracle: func(a, b, _ uint64, _ uint8) (uint64, uint8) { return s.oracleCompare(a, b, compareOp(op)) }})
	}
	for _, it := range []struct {
		suffix string
		signed bool
		width  int
	}{{"w", true, 32}, {"wu", false, 32}, {"l", true, 64}, {"lu", false, 64}} {
		src := x64
		if it.width == 32 {
			src = x32
		}
		ops = append(ops,
			opCase{name: "fcvt." + it.suffix, srcs: []operand{t}, dst: x64, rounds: true, gen: genToInt,
				impl: func(a, _, _ uint64, rm uint8) (uint64, uint8) { return toInt(a, it.signed, it.width, rm) },
				oracle: func(a, _, _ uint64, rm uint8) (uint64, uint8) {
					return s.oracleToInt(a, it.signed, it.width, rm)
				}},
			opCase{name: "fcvt." + sfx + "." + it.suffix, srcs: []operand{src}, dst: t, rounds: true, gen: genInt(it.width),
				asmNoRM: sfx == "d" && it.width == 32,
				impl:    func(a, _, _ uint64, rm uint8) (uint64, uint8) { return fromInt(a, it.signed, it.width, rm) },
				oracle: func(a, _, _ uint64, rm uint8) (uint64, uint8) {
					return s.oracleFromInt(bigInt(a, it.signed, it.width), rm)
				}})
	}
	for i := range ops {
		ops[i].spec = s
		if ops[i].name == "fcvt.w" || ops[i].name == "fcvt.wu" || ops[i].name == "fcvt.l" || ops[i].name == "fcvt.lu" {
			ops[i].name += "." + sfx
		} else if ops[i].srcs[0] != x32 && ops[i].srcs[0] != x64 {
			ops[i].name += "." + sfx
		}
	}
	return ops
}

func bigInt(v uint64, signed bool, width int) *big.Int {
	switch {
	case signed && width == 32:
		return big.NewInt(int64(int32(v)))
	case width == 32:
		return new(big.Int).SetUint64(uint64(uint32(v)))
	case signed:
		return big.NewInt(int64(v))
	default:
		return new(big.Int).SetUint64(v)
	}
}

// allOps is every F and D instruction with an arithmetic meaning (moves and
// sign injection are the hart's business).
func allOps() []opCase {
	ops := append(floatOps("s"), floatOps("d")...)
	return append(ops,
		opCase{name: "fcvt.d.s", srcs: []operand{f32}, dst: f64, gen: genUnary, spec: spec32,
			impl: func(a, _, _ uint64, _ uint8) (uint64, uint8) { return F32ToF64(uint32(a)) },
			oracle: func(a, _, _ uint64, _ uint8) (uint64, uint8) {
				return spec64.oracleConvert(spec32, a, RNE)
			}},
		opCase{name: "fcvt.s.d", srcs: []operand{f64}, dst: f32, rounds: true, gen: genUnary, spec: spec64,
			impl: func(a, _, _ uint64, rm uint8) (uint64, uint8) { r, fl := F64ToF32(a, rm); return uint64(r), fl },
			oracle: func(a, _, _ uint64, rm uint8) (uint64, uint8) {
				return spec32.oracleConvert(spec64, a, rm)
			}},
	)
}

func (o opCase) describe(a, b, c uint64, rm uint8) string {
	s := o.name
	for i, v := range []uint64{a, b, c}[:len(o.srcs)] {
		s += fmt.Sprintf(" %s=%#x", string(rune('a'+i)), v)
	}
	if o.rounds {
		s += fmt.Sprintf(" rm=%d", rm)
	}
	return s
}
