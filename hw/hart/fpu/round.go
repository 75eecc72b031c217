package fpu

import "math/bits"

// roundSig rounds sig to drop its low rb bits (1 <= rb <= 63) in mode rm for a
// value of the given sign, returning the kept bits and whether any dropped bit
// was set.
func roundSig(sig uint64, rb uint, neg bool, rm uint8) (uint64, bool) {
	rem := sig & (1<<rb - 1)
	kept := sig >> rb
	if rem == 0 {
		return kept, false
	}
	half := uint64(1) << (rb - 1)
	switch rm {
	case RTZ:
	case RDN:
		if neg {
			kept++
		}
	case RUP:
		if !neg {
			kept++
		}
	case RMM:
		if rem >= half {
			kept++
		}
	default: // RNE
		if rem > half || rem == half && kept&1 == 1 {
			kept++
		}
	}
	return kept, true
}

// overflow is the result of a finite value too large for the format: infinity
// or the largest finite value, depending on the direction of rounding.
func (f *format) overflow(neg bool, rm uint8) (uint64, uint8) {
	toInf := rm == RNE || rm == RMM || rm > RMM || (rm == RDN && neg) || (rm == RUP && !neg)
	if toInf {
		return f.inf(neg), OF | NX
	}
	return f.maxFinite(neg), OF | NX
}

// roundPack rounds the exact value ±sig × 2^exp to the format. sig must be
// nonzero; its bit 0 may be a sticky bit standing for nonzero bits below it,
// provided at least two bits separate it from the format's rounding position.
// Tininess is detected after rounding, as RISC-V specifies.
func (f *format) roundPack(neg bool, exp int32, sig uint64, rm uint8) (uint64, uint8) {
	// Put the leading one at bit 62 so a rounding carry cannot overflow.
	if lz := bits.LeadingZeros64(sig); lz == 0 {
		sig = sig>>1 | sig&1
		exp++
	} else {
		sig <<= uint(lz - 1)
		exp -= int32(lz - 1)
	}
	roundBits := 62 - f.fracBits
	biased := exp + 62 + f.bias // biased exponent of the leading one
	signBits := f.zero(neg)
	if biased >= int32(f.expMax) {
		return f.overflow(neg, rm)
	}
	if biased <= 0 {
		// Tiny after rounding unless rounding to full precision with an
		// unbounded exponent would carry the value up to the smallest normal.
		tiny := true
		if biased == 0 {
			kept, _ := roundSig(sig, roundBits, neg, rm)
			tiny = kept>>(f.fracBits+1) == 0
		}
		sig = shiftRightJam(sig, uint(1-biased))
		kept, inexact := roundSig(sig, roundBits, neg, rm)
		// kept carries into the exponent field by itself if it reaches the
		// smallest normal.
		var flags uint8
		if inexact {
			flags = NX
			if tiny {
				flags |= UF
			}
		}
		return signBits | kept, flags
	}
	kept, inexact := roundSig(sig, roundBits, neg, rm)
	// kept includes the hidden bit, which adds one to the exponent field; a
	// rounding carry adds one more, exactly as the encoding needs.
	mag := uint64(biased-1)<<f.fracBits + kept
	if mag >= f.expMax<<f.fracBits {
		return f.overflow(neg, rm)
	}
	if inexact {
		return signBits | mag, NX
	}
	return signBits | mag, 0
}
