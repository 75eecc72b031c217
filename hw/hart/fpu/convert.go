package fpu

import (
	"math"
	"math/bits"
)

// intFormat is an integer destination of a float-to-integer conversion.
type intFormat struct {
	signed bool
	width  uint // 32 or 64
}

var (
	int32Fmt  = intFormat{signed: true, width: 32}
	uint32Fmt = intFormat{signed: false, width: 32}
	int64Fmt  = intFormat{signed: true, width: 64}
	uint64Fmt = intFormat{signed: false, width: 64}
)

// maxMagnitude is the largest magnitude representable with the given sign.
func (t intFormat) maxMagnitude(neg bool) uint64 {
	switch {
	case !t.signed && neg:
		return 0
	case !t.signed:
		return math.MaxUint64 >> (64 - t.width)
	case neg:
		return 1 << (t.width - 1)
	default:
		return 1<<(t.width-1) - 1
	}
}

// saturate is the invalid result for a value of the given sign that does not
// fit: the spec's table sends NaN and too-large positives to the maximum and
// too-large negatives to the minimum (0 when unsigned).
func (t intFormat) saturate(neg bool) (uint64, uint8) {
	return t.finish(neg, t.maxMagnitude(neg)), NV
}

// finish applies the sign to a magnitude that fits and writes it as rd
// receives it: 32-bit results are sign-extended from bit 31 for both signed
// and unsigned conversions.
func (t intFormat) finish(neg bool, mag uint64) uint64 {
	v := mag
	if neg {
		v = -mag
	}
	if t.width == 32 {
		return uint64(int64(int32(uint32(v))))
	}
	return v
}

// toInt converts a to the integer format t, rounding per rm.
func (f *format) toInt(a uint64, t intFormat, rm uint8) (uint64, uint8) {
	neg := f.sign(a)
	switch {
	case f.isNaN(a):
		return t.saturate(false)
	case f.isInf(a):
		return t.saturate(neg)
	case f.isZero(a):
		return 0, 0
	}
	exp, sig := f.unpackFinite(a)
	mag, inexact, ok := roundToInteger(exp, sig, neg, rm)
	// A negative value that rounds to zero fits an unsigned format.
	if !ok || mag > t.maxMagnitude(neg) {
		return t.saturate(neg)
	}
	if inexact {
		return t.finish(neg, mag), NX
	}
	return t.finish(neg, mag), 0
}

// roundToInteger rounds sig × 2^exp (sig < 2^53) to an integer magnitude;
// ok is false when that magnitude does not fit in 64 bits.
func roundToInteger(exp int32, sig uint64, neg bool, rm uint8) (mag uint64, inexact, ok bool) {
	if exp >= 0 {
		if exp >= 64 || bits.Len64(sig)+int(exp) > 64 {
			return 0, false, false
		}
		return sig << uint(exp), false, true
	}
	// Split into an integer part and a 64-bit binary fraction whose top bit
	// is the one-half place.
	k := uint(-exp)
	var intPart, frac uint64
	switch {
	case k < 64:
		intPart, frac = sig>>k, sig<<(64-k)
	case k == 64:
		frac = sig
	default:
		frac = shiftRightJam(sig, k-64)
	}
	if frac == 0 {
		return intPart, false, true
	}
	const half = 1 << 63
	up := false
	switch rm {
	case RTZ:
	case RDN:
		up = neg
	case RUP:
		up = !neg
	case RMM:
		up = frac >= half
	default:
		up = frac > half || frac == half && intPart&1 == 1
	}
	if up {
		intPart++ // intPart < 2^53 here: no wrap
	}
	return intPart, true, true
}

// fromInt converts the integer ±mag to the format, rounding per rm.
func (f *format) fromInt(neg bool, mag uint64, rm uint8) (uint64, uint8) {
	if mag == 0 {
		return 0, 0
	}
	return f.roundPack(neg, 0, mag, rm)
}

// convert converts a from format src to format dst (widening is exact).
func convert(dst, src *format, a uint64, rm uint8) (uint64, uint8) {
	neg := src.sign(a)
	switch {
	case src.isNaN(a):
		if src.isSNaN(a) {
			return dst.canonNaN, NV
		}
		return dst.canonNaN, 0
	case src.isInf(a):
		return dst.inf(neg), 0
	case src.isZero(a):
		return dst.zero(neg), 0
	}
	exp, sig := src.unpackFinite(a)
	return dst.roundPack(neg, exp, sig, rm)
}
