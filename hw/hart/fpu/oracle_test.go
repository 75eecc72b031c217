package fpu

// An independent model of the RISC-V F/D semantics built on math/big: exact
// arithmetic, then one rounding with big.Float's own rounding modes, with the
// exponent range, subnormals, overflow and the flags handled here. It is slow
// and shares no code with the package except the bit-level constants.

import (
	"math"
	"math/big"
)

type spec struct {
	p, emin, emax int // precision (hidden bit included) and exponent range
	width         int // 32 or 64
	canonNaN      uint64
}

var (
	spec32 = spec{p: 24, emin: -126, emax: 127, width: 32, canonNaN: uint64(CanonicalNaN32)}
	spec64 = spec{p: 53, emin: -1022, emax: 1023, width: 64, canonNaN: CanonicalNaN64}
)

var bigModes = [...]big.RoundingMode{
	RNE: big.ToNearestEven, RTZ: big.ToZero, RDN: big.ToNegativeInf, RUP: big.ToPositiveInf, RMM: big.ToNearestAway,
}

// host converts a value to a float64 (exactly, for both formats).
func (s spec) host(x uint64) float64 {
	if s.width == 32 {
		return float64(math.Float32frombits(uint32(x)))
	}
	return math.Float64frombits(x)
}

func (s spec) isNaN(x uint64) bool  { return math.IsNaN(s.host(x)) }
func (s spec) isSNaN(x uint64) bool { return s.isNaN(x) && x>>(s.p-2)&1 == 0 }
func (s spec) isInf(x uint64) bool  { return math.IsInf(s.host(x), 0) }
func (s spec) isZero(x uint64) bool { return s.host(x) == 0 }
func (s spec) neg(x uint64) bool    { return math.Signbit(s.host(x)) }

func (s spec) bits(f float64) uint64 {
	if s.width == 32 {
		return uint64(math.Float32bits(float32(f)))
	}
	return math.Float64bits(f)
}

func (s spec) zero(neg bool) uint64 {
	if neg {
		return s.bits(math.Copysign(0, -1))
	}
	return 0
}

func (s spec) inf(neg bool) uint64 {
	if neg {
		return s.bits(math.Inf(-1))
	}
	return s.bits(math.Inf(1))
}

func (s spec) maxFinite(neg bool) uint64 {
	m := math.MaxFloat64
	if s.width == 32 {
		m = math.MaxFloat32
	}
	if neg {
		m = -m
	}
	return s.bits(m)
}

// exact returns a finite value as an exact big.Float.
func (s spec) exact(x uint64) *big.Float {
	return new(big.Float).SetPrec(64).SetFloat64(s.host(x))
}

func pow2(e int) *big.Float { return new(big.Float).SetMantExp(big.NewFloat(1), e) }

// round rounds an exact nonzero value to the format per rm, with the flags.
func (s spec) round(x *big.Float, rm uint8) (uint64, uint8) {
	neg := x.Sign() < 0
	mode := bigModes[rm]
	lead := x.MantExp(nil) - 1 // exponent of the leading one
	// Tininess after rounding: round to p bits with an unbounded exponent.
	unbounded := new(big.Float).SetPrec(uint(s.p)).SetMode(mode).Set(x)
	tiny := new(big.Float).Abs(unbounded).Cmp(pow2(s.emin)) < 0

	var y *big.Float
	inexact := false
	if prec := s.p - max(0, s.emin-lead); prec >= 1 {
		y = new(big.Float).SetPrec(uint(prec)).SetMode(mode).Set(x)
		inexact = y.Acc() != big.Exact
	} else {
		// Below the smallest subnormal: the result is 0 or that subnormal.
		inexact = true
		minSub := pow2(s.emin - s.p + 1)
		half := pow2(s.emin - s.p)
		ax := new(big.Float).Abs(x)
		up := false
		switch rm {
		case RTZ:
		case RDN:
			up = neg
		case RUP:
			up = !neg
		case RMM:
			up = ax.Cmp(half) >= 0
		default:
			up = ax.Cmp(half) > 0
		}
		if !up {
			return s.zero(neg), NX | UF
		}
		y = minSub
		if neg {
			y.Neg(y)
		}
	}
	if y.MantExp(nil)-1 > s.emax {
		toInf := rm == RNE || rm == RMM || rm == RDN && neg || rm == RUP && !neg
		if toInf {
			return s.inf(neg), OF | NX
		}
		return s.maxFinite(neg), OF | NX
	}
	var out uint64
	var acc big.Accuracy
	if s.width == 32 {
		var f float32
		f, acc = y.Float32()
		out = uint64(math.Float32bits(f))
	} else {
		var f float64
		f, acc = y.Float64()
		out = math.Float64bits(f)
	}
	if acc != big.Exact {
		panic("oracle: rounded value not representable")
	}
	var flags uint8
	if inexact {
		flags = NX
		if tiny {
			flags |= UF
		}
	}
	return out, flags
}

// roundOrZero rounds x, giving an exact zero the sign zeroNeg.
func (s spec) roundOrZero(x *big.Float, zeroNeg bool, rm uint8) (uint64, uint8) {
	if x.Sign() == 0 {
		return s.zero(zeroNeg), 0
	}
	return s.round(x, rm)
}

func (s spec) nanIn(flagsIfQuiet uint8, xs ...uint64) (uint64, uint8, bool) {
	nan, signalling := false, false
	for _, x := range xs {
		nan = nan || s.isNaN(x)
		signalling = signalling || s.isSNaN(x)
	}
	if !nan {
		return 0, 0, false
	}
	if signalling {
		return s.canonNaN, NV, true
	}
	return s.canonNaN, flagsIfQuiet, true
}

const wide = 1 << 13 // enough bits for any exact sum of two products' worth of range

func (s spec) oracleAdd(a, b uint64, rm uint8) (uint64, uint8) {
	if r, fl, ok := s.nanIn(0, a, b); ok {
		return r, fl
	}
	if s.isInf(a) && s.isInf(b) && s.neg(a) != s.neg(b) {
		return s.canonNaN, NV
	}
	if s.isInf(a) {
		return a, 0
	}
	if s.isInf(b) {
		return b, 0
	}
	sum := new(big.Float).SetPrec(wide).Add(s.exact(a), s.exact(b))
	zeroNeg := rm == RDN
	if s.isZero(a) && s.isZero(b) && s.neg(a) == s.neg(b) {
		zeroNeg = s.neg(a)
	}
	return s.roundOrZero(sum, zeroNeg, rm)
}

func (s spec) oracleMul(a, b uint64, rm uint8) (uint64, uint8) {
	if r, fl, ok := s.nanIn(0, a, b); ok {
		return r, fl
	}
	neg := s.neg(a) != s.neg(b)
	if s.isInf(a) || s.isInf(b) {
		if s.isZero(a) || s.isZero(b) {
			return s.canonNaN, NV
		}
		return s.inf(neg), 0
	}
	return s.roundOrZero(new(big.Float).SetPrec(wide).Mul(s.exact(a), s.exact(b)), neg, rm)
}

// withSticky nudges a value truncated towards zero at 512 bits so it lies
// strictly inside the interval the true value lies in; no rounding boundary
// of a 24- or 53-bit format is that fine.
func withSticky(x *big.Float, inexact bool) *big.Float {
	if !inexact {
		return x
	}
	tiny := pow2(x.MantExp(nil) - 600)
	if x.Sign() < 0 {
		tiny.Neg(tiny)
	}
	return new(big.Float).SetPrec(wide).Add(x, tiny)
}

func (s spec) oracleDiv(a, b uint64, rm uint8) (uint64, uint8) {
	if r, fl, ok := s.nanIn(0, a, b); ok {
		return r, fl
	}
	neg := s.neg(a) != s.neg(b)
	switch {
	case s.isInf(a) && s.isInf(b), s.isZero(a) && s.isZero(b):
		return s.canonNaN, NV
	case s.isInf(a):
		return s.inf(neg), 0
	case s.isInf(b), s.isZero(a):
		return s.zero(neg), 0
	case s.isZero(b):
		return s.inf(neg), DZ
	}
	q := new(big.Float).SetPrec(512).SetMode(big.ToZero).Quo(s.exact(a), s.exact(b))
	return s.round(withSticky(q, q.Acc() != big.Exact), rm)
}

func (s spec) oracleSqrt(a uint64, rm uint8) (uint64, uint8) {
	if r, fl, ok := s.nanIn(0, a); ok {
		return r, fl
	}
	if s.isZero(a) {
		return a, 0
	}
	if s.neg(a) {
		return s.canonNaN, NV
	}
	if s.isInf(a) {
		return a, 0
	}
	x := s.exact(a)
	r := new(big.Float).SetPrec(512).SetMode(big.ToZero).Sqrt(x)
	// Sqrt's accuracy is not reported: decide exactness by squaring, and
	// nudge towards the true root.
	sq := new(big.Float).SetPrec(wide).Mul(r, r)
	switch sq.Cmp(x) {
	case 0:
		return s.round(r, rm)
	case 1:
		tiny := pow2(r.MantExp(nil) - 600)
		return s.round(new(big.Float).SetPrec(wide).Sub(r, tiny), rm)
	default:
		return s.round(withSticky(r, true), rm)
	}
}

func (s spec) oracleMulAdd(a, b, c uint64, negProduct, negAddend bool, rm uint8) (uint64, uint8) {
	infTimesZero := s.isInf(a) && s.isZero(b) || s.isZero(a) && s.isInf(b)
	var quietFlags uint8
	if infTimesZero {
		quietFlags = NV
	}
	if r, fl, ok := s.nanIn(quietFlags, a, b, c); ok {
		return r, fl
	}
	if infTimesZero {
		return s.canonNaN, NV
	}
	negP := s.neg(a) != s.neg(b) != negProduct
	negC := s.neg(c) != negAddend
	if s.isInf(a) || s.isInf(b) {
		if s.isInf(c) && negC != negP {
			return s.canonNaN, NV
		}
		return s.inf(negP), 0
	}
	if s.isInf(c) {
		return s.inf(negC), 0
	}
	p := new(big.Float).SetPrec(wide).Mul(s.exact(a), s.exact(b))
	if negProduct {
		p.Neg(p)
	}
	cc := s.exact(c)
	if negAddend {
		cc.Neg(cc)
	}
	sum := new(big.Float).SetPrec(wide).Add(p, cc)
	if sum.Acc() != big.Exact {
		panic("oracle: fma sum not exact")
	}
	zeroNeg := rm == RDN
	if p.Sign() == 0 && cc.Sign() == 0 && negP == negC {
		zeroNeg = negP
	}
	return s.roundOrZero(sum, zeroNeg, rm)
}

// oracleMinMax orders by value with -0 < +0.
func (s spec) oracleMinMax(a, b uint64, wantMax bool) (uint64, uint8) {
	var flags uint8
	if s.isSNaN(a) || s.isSNaN(b) {
		flags = NV
	}
	switch {
	case s.isNaN(a) && s.isNaN(b):
		return s.canonNaN, flags
	case s.isNaN(a):
		return b, flags
	case s.isNaN(b):
		return a, flags
	}
	fa, fb := s.host(a), s.host(b)
	aFirst := fa < fb || fa == fb && s.neg(a) // a is the smaller
	if aFirst != wantMax {
		return a, flags
	}
	return b, flags
}

func (s spec) oracleCompare(a, b uint64, op compareOp) (uint64, uint8) {
	if s.isNaN(a) || s.isNaN(b) {
		if op == cmpEq && !s.isSNaN(a) && !s.isSNaN(b) {
			return 0, 0
		}
		return 0, NV
	}
	fa, fb := s.host(a), s.host(b)
	r := false
	switch op {
	case cmpEq:
		r = fa == fb
	case cmpLt:
		r = fa < fb
	default:
		r = fa <= fb
	}
	if r {
		return 1, 0
	}
	return 0, 0
}

func (s spec) oracleClass(a uint64) uint64 {
	f := s.host(a)
	smallest := math.Ldexp(1, s.emin)
	var bit uint
	switch {
	case s.isSNaN(a):
		return 1 << 8
	case s.isNaN(a):
		return 1 << 9
	case math.IsInf(f, -1):
		bit = 0
	case f <= -smallest:
		bit = 1
	case f < 0:
		bit = 2
	case f == 0 && s.neg(a):
		bit = 3
	case f == 0:
		bit = 4
	case f < smallest:
		bit = 5
	case !math.IsInf(f, 1):
		bit = 6
	default:
		bit = 7
	}
	return 1 << bit
}

// oracleToInt converts to a signed or unsigned integer of the given width,
// with the result as rd receives it (32-bit results sign-extended).
func (s spec) oracleToInt(a uint64, signed bool, width int, rm uint8) (uint64, uint8) {
	lo, hi := new(big.Int), new(big.Int).Lsh(big.NewInt(1), uint(width))
	if signed {
		hi.Rsh(hi, 1)
		lo.Neg(hi)
	}
	hi.Sub(hi, big.NewInt(1))
	var v *big.Int
	var flags uint8
	switch {
	case s.isNaN(a):
		v, flags = hi, NV
	case s.isInf(a) && s.neg(a):
		v, flags = lo, NV
	case s.isInf(a):
		v, flags = hi, NV
	default:
		x := s.exact(a)
		ip, _ := x.Int(nil) // truncated; the fraction decides the rounding
		frac := new(big.Float).SetPrec(wide).Sub(x, new(big.Float).SetInt(ip))
		if frac.Sign() != 0 {
			flags = NX
			half := big.NewFloat(0.5)
			af := new(big.Float).Abs(frac)
			awayFromZero := false
			switch rm {
			case RTZ:
			case RDN:
				awayFromZero = x.Sign() < 0
			case RUP:
				awayFromZero = x.Sign() > 0
			case RMM:
				awayFromZero = af.Cmp(half) >= 0
			default:
				awayFromZero = af.Cmp(half) > 0 || af.Cmp(half) == 0 && ip.Bit(0) == 1
			}
			if awayFromZero {
				ip.Add(ip, big.NewInt(int64(x.Sign())))
			}
		}
		v = ip
		if v.Cmp(lo) < 0 {
			v, flags = lo, NV
		} else if v.Cmp(hi) > 0 {
			v, flags = hi, NV
		}
	}
	out := new(big.Int).And(v, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
	if width == 32 {
		out = uint64(int64(int32(uint32(out))))
	}
	return out, flags
}

func (s spec) oracleFromInt(v *big.Int, rm uint8) (uint64, uint8) {
	return s.roundOrZero(new(big.Float).SetPrec(wide).SetInt(v), false, rm)
}

// oracleConvert converts from format src (this spec is the destination).
func (s spec) oracleConvert(src spec, a uint64, rm uint8) (uint64, uint8) {
	if src.isNaN(a) {
		if src.isSNaN(a) {
			return s.canonNaN, NV
		}
		return s.canonNaN, 0
	}
	if src.isInf(a) {
		return s.inf(src.neg(a)), 0
	}
	return s.roundOrZero(src.exact(a), src.neg(a), rm)
}
