package fpu

import "math/bits"

// format describes one IEEE-754 binary interchange format. Both formats are
// handled in uint64 containers; a binary32 value sits in the low 32 bits.
type format struct {
	fracBits uint   // stored fraction bits: 23 or 52
	expMax   uint64 // all-ones exponent field: infinities and NaNs
	bias     int32
	signBit  uint64
	canonNaN uint64
}

var (
	fmt32 = &format{fracBits: 23, expMax: 0xff, bias: 127, signBit: 1 << 31, canonNaN: uint64(CanonicalNaN32)}
	fmt64 = &format{fracBits: 52, expMax: 0x7ff, bias: 1023, signBit: 1 << 63, canonNaN: CanonicalNaN64}
)

func (f *format) fracMask() uint64         { return 1<<f.fracBits - 1 }
func (f *format) quietBit() uint64         { return 1 << (f.fracBits - 1) }
func (f *format) expField(x uint64) uint64 { return x >> f.fracBits & f.expMax }
func (f *format) sign(x uint64) bool       { return x&f.signBit != 0 }
func (f *format) magnitude(x uint64) uint64 {
	return x &^ f.signBit
}
func (f *format) isZero(x uint64) bool { return f.magnitude(x) == 0 }
func (f *format) isInf(x uint64) bool  { return f.magnitude(x) == f.expMax<<f.fracBits }
func (f *format) isNaN(x uint64) bool  { return f.magnitude(x) > f.expMax<<f.fracBits }
func (f *format) isSNaN(x uint64) bool { return f.isNaN(x) && x&f.quietBit() == 0 }

func (f *format) zero(neg bool) uint64 {
	if neg {
		return f.signBit
	}
	return 0
}

func (f *format) inf(neg bool) uint64 { return f.zero(neg) | f.expMax<<f.fracBits }

func (f *format) maxFinite(neg bool) uint64 {
	return f.zero(neg) | (f.expMax-1)<<f.fracBits | f.fracMask()
}

// unpackFinite splits a finite nonzero value into an integer significand
// (hidden bit included, not normalised for subnormals) and the exponent of its
// least significant bit: |x| = sig × 2^exp.
func (f *format) unpackFinite(x uint64) (exp int32, sig uint64) {
	e := f.expField(x)
	sig = x & f.fracMask()
	if e == 0 {
		return 1 - f.bias - int32(f.fracBits), sig
	}
	return int32(e) - f.bias - int32(f.fracBits), sig | 1<<f.fracBits
}

// normalizeTo shifts a nonzero significand left so its leading one sits at
// bit pos, adjusting the exponent so sig × 2^exp is unchanged. Callers only
// pass significands no wider than pos+1 bits.
func normalizeTo(exp int32, sig uint64, pos int) (int32, uint64) {
	shift := bits.LeadingZeros64(sig) - (63 - pos)
	return exp - int32(shift), sig << uint(shift)
}

// shiftRightJam shifts right, ORing every bit shifted out into bit 0 so that
// a later rounding still sees the value as inexact.
func shiftRightJam(x uint64, n uint) uint64 {
	if n == 0 {
		return x
	}
	if n >= 64 {
		if x != 0 {
			return 1
		}
		return 0
	}
	jam := uint64(0)
	if x<<(64-n) != 0 {
		jam = 1
	}
	return x>>n | jam
}

// zeroSum is the sign rule for an exact zero sum: equal signs keep their
// sign, opposite signs give +0 except when rounding down.
func (f *format) zeroSum(negA, negB bool, rm uint8) uint64 {
	if negA == negB {
		return f.zero(negA)
	}
	return f.zero(rm == RDN)
}

// invalid is the result of an invalid operation: the canonical NaN and NV.
func (f *format) invalid() (uint64, uint8) { return f.canonNaN, NV }

// nanResult is the result of an operation with at least one NaN operand and
// no other invalid condition: the canonical NaN, NV only for signalling NaNs.
func (f *format) nanResult(a, b uint64) (uint64, uint8) {
	if f.isSNaN(a) || f.isSNaN(b) {
		return f.canonNaN, NV
	}
	return f.canonNaN, 0
}
