package fpu

import "math"

// The host FPU rounds to nearest even and its NaNs and flags differ from
// RISC-V's, so a host result is used only when it is provably the answer:
// operands and result are finite, the result lies far enough above the
// subnormal range that tininess and the exactness test cannot be disturbed by
// underflow, and an error-free transformation (TwoSum, or a fused
// multiply-add of the residual) says whether it is exact. An exact result is
// the answer in every rounding mode; an inexact one only for RNE, with NX.
// Everything else falls through to the software path.

// hostOK32 accepts a binary32 host result of magnitude in [2^-125, max]:
// finite, and at least twice the smallest normal so tininess is excluded.
func hostOK32(r float32) bool {
	e := math.Float32bits(r) >> 23 & 0xff
	return e >= 2 && e < 0xff
}

// expField64 is the exponent field of a binary64 value.
func expField64(x float64) uint64 { return math.Float64bits(x) >> 52 & 0x7ff }

// twoSumErr returns the exact rounding error of s = a + b (Knuth's TwoSum);
// it is exact whenever no intermediate overflows.
func twoSumErr(a, b, s float64) float64 {
	bb := s - a
	return (a - (s - bb)) + (b - bb)
}

// hostAnswer turns a host result into the package's answer, or reports that
// the software path must decide.
func hostAnswer(exact bool, rm uint8) (flags uint8, ok bool) {
	if exact {
		return 0, true
	}
	if rm == RNE {
		return NX, true
	}
	return 0, false
}

// Products that feed a comparison or another operation are wrapped in an
// explicit conversion, which the Go spec says rounds and so forbids fusing
// them into a multiply-add on architectures that would.

// Binary32 fast paths compute in binary64 and round once more to binary32:
// for +, -, ×, / and sqrt that double rounding is innocuous because
// 53 >= 2×24+2.

func fastAdd32(a, b uint32, rm uint8) (uint32, uint8, bool) {
	fa, fb := float64(math.Float32frombits(a)), float64(math.Float32frombits(b))
	s := fa + fb
	r := float32(s)
	if !hostOK32(r) {
		return 0, 0, false
	}
	flags, ok := hostAnswer(twoSumErr(fa, fb, s) == 0 && float64(r) == s, rm)
	return math.Float32bits(r), flags, ok
}

func fastMul32(a, b uint32, rm uint8) (uint32, uint8, bool) {
	p := float64(float64(math.Float32frombits(a)) * float64(math.Float32frombits(b))) // exact: 24+24 bits
	r := float32(p)
	if !hostOK32(r) {
		return 0, 0, false
	}
	flags, ok := hostAnswer(float64(r) == p, rm)
	return math.Float32bits(r), flags, ok
}

func fastDiv32(a, b uint32, rm uint8) (uint32, uint8, bool) {
	fa, fb := float64(math.Float32frombits(a)), float64(math.Float32frombits(b))
	r := float32(fa / fb)
	if !hostOK32(r) {
		return 0, 0, false
	}
	// r×b is exact in binary64, so the quotient is exact iff it gives a back.
	flags, ok := hostAnswer(float64(float64(r)*fb) == fa, rm)
	return math.Float32bits(r), flags, ok
}

func fastSqrt32(a uint32, rm uint8) (uint32, uint8, bool) {
	fa := float64(math.Float32frombits(a))
	r := float32(math.Sqrt(fa))
	if !hostOK32(r) {
		return 0, 0, false
	}
	flags, ok := hostAnswer(float64(float64(r)*float64(r)) == fa, rm)
	return math.Float32bits(r), flags, ok
}

// Binary64 fast paths. Results (and for division the dividend) are kept at
// or above 2^-960 so a nonzero residual of a product, at least
// ulp(x)×ulp(y) >= 2^-1065, cannot underflow to zero in math.FMA.
const minExpField64 = 1023 - 960

func fastAdd64(a, b uint64, rm uint8) (uint64, uint8, bool) {
	fa, fb := math.Float64frombits(a), math.Float64frombits(b)
	s := fa + fb
	// Operands below 2^1022 keep TwoSum's intermediates from overflowing.
	if e := expField64(s); e < 2 || e == 0x7ff || expField64(fa) >= 0x7fe || expField64(fb) >= 0x7fe {
		return 0, 0, false
	}
	flags, ok := hostAnswer(twoSumErr(fa, fb, s) == 0, rm)
	return math.Float64bits(s), flags, ok
}

func fastMul64(a, b uint64, rm uint8) (uint64, uint8, bool) {
	fa, fb := math.Float64frombits(a), math.Float64frombits(b)
	p := float64(fa * fb)
	if e := expField64(p); e < minExpField64 || e == 0x7ff {
		return 0, 0, false
	}
	flags, ok := hostAnswer(math.FMA(fa, fb, -p) == 0, rm)
	return math.Float64bits(p), flags, ok
}

func fastDiv64(a, b uint64, rm uint8) (uint64, uint8, bool) {
	fa, fb := math.Float64frombits(a), math.Float64frombits(b)
	q := fa / fb
	if e := expField64(q); e < minExpField64 || e == 0x7ff || expField64(fa) < minExpField64 || expField64(fb) == 0 {
		return 0, 0, false
	}
	flags, ok := hostAnswer(math.FMA(q, fb, -fa) == 0, rm)
	return math.Float64bits(q), flags, ok
}

func fastSqrt64(a uint64, rm uint8) (uint64, uint8, bool) {
	fa := math.Float64frombits(a)
	if e := expField64(fa); e < minExpField64 || e == 0x7ff || fa < 0 {
		return 0, 0, false
	}
	r := math.Sqrt(fa)
	flags, ok := hostAnswer(math.FMA(r, r, -fa) == 0, rm)
	return math.Float64bits(r), flags, ok
}

func fastF64ToF32(a uint64, rm uint8) (uint32, uint8, bool) {
	x := math.Float64frombits(a)
	r := float32(x)
	if !hostOK32(r) {
		return 0, 0, false
	}
	flags, ok := hostAnswer(float64(r) == x, rm)
	return math.Float32bits(r), flags, ok
}
