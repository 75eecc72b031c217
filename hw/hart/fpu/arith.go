package fpu

import (
	"math"
	"math/bits"
)

// add returns a + b rounded. Subtraction is addition of the negated operand.
func (f *format) add(a, b uint64, rm uint8) (uint64, uint8) {
	if f.isNaN(a) || f.isNaN(b) {
		return f.nanResult(a, b)
	}
	negA, negB := f.sign(a), f.sign(b)
	if f.isInf(a) {
		if f.isInf(b) && negA != negB {
			return f.invalid()
		}
		return a, 0
	}
	if f.isInf(b) {
		return b, 0
	}
	if f.isZero(a) {
		if f.isZero(b) {
			return f.zeroSum(negA, negB, rm), 0
		}
		return b, 0
	}
	if f.isZero(b) {
		return a, 0
	}
	expA, sigA := f.unpackFinite(a)
	expB, sigB := f.unpackFinite(b)
	// Bit 62 stays free for the carry of an effective addition.
	expA, sigA = normalizeTo(expA, sigA, 61)
	expB, sigB = normalizeTo(expB, sigB, 61)
	if expA < expB || expA == expB && sigA < sigB {
		expA, expB, sigA, sigB, negA, negB = expB, expA, sigB, sigA, negB, negA
	}
	// The low bits of sigA are zero, so jamming sigB keeps the difference odd
	// and off every rounding boundary; heavy cancellation only happens when
	// the shift is at most one and nothing was lost.
	sigB = shiftRightJam(sigB, uint(expA-expB))
	if negA == negB {
		return f.roundPack(negA, expA, sigA+sigB, rm)
	}
	diff := sigA - sigB
	if diff == 0 {
		return f.zero(rm == RDN), 0
	}
	return f.roundPack(negA, expA, diff, rm)
}

// mul returns a × b rounded.
func (f *format) mul(a, b uint64, rm uint8) (uint64, uint8) {
	if f.isNaN(a) || f.isNaN(b) {
		return f.nanResult(a, b)
	}
	neg := f.sign(a) != f.sign(b)
	if f.isInf(a) || f.isInf(b) {
		if f.isZero(a) || f.isZero(b) {
			return f.invalid()
		}
		return f.inf(neg), 0
	}
	if f.isZero(a) || f.isZero(b) {
		return f.zero(neg), 0
	}
	exp, hi, lo := f.mulExact(a, b)
	return f.roundPack(neg, exp+64, jam(hi, lo), rm)
}

// mulExact returns the exact product of the magnitudes of two finite nonzero
// values as a 128-bit significand (hi:lo, leading one at bit 126 or 127, at
// least 22 low zero bits) and the exponent of its least significant bit.
func (f *format) mulExact(a, b uint64) (exp int32, hi, lo uint64) {
	expA, sigA := f.unpackFinite(a)
	expB, sigB := f.unpackFinite(b)
	expA, sigA = normalizeTo(expA, sigA, 63)
	expB, sigB = normalizeTo(expB, sigB, 63)
	hi, lo = bits.Mul64(sigA, sigB)
	return expA + expB, hi, lo
}

// jam folds the low word of a 128-bit significand into a sticky bit.
func jam(hi, lo uint64) uint64 {
	if lo != 0 {
		return hi | 1
	}
	return hi
}

// div returns a / b rounded.
func (f *format) div(a, b uint64, rm uint8) (uint64, uint8) {
	if f.isNaN(a) || f.isNaN(b) {
		return f.nanResult(a, b)
	}
	neg := f.sign(a) != f.sign(b)
	if f.isInf(a) {
		if f.isInf(b) {
			return f.invalid()
		}
		return f.inf(neg), 0
	}
	if f.isInf(b) {
		return f.zero(neg), 0
	}
	if f.isZero(b) {
		if f.isZero(a) {
			return f.invalid()
		}
		return f.inf(neg), DZ
	}
	if f.isZero(a) {
		return f.zero(neg), 0
	}
	expA, sigA := f.unpackFinite(a)
	expB, sigB := f.unpackFinite(b)
	// sigA < sigB makes the 128/64 division legal and its quotient has more
	// than 62 bits.
	expA, sigA = normalizeTo(expA, sigA, 62)
	expB, sigB = normalizeTo(expB, sigB, 63)
	q, r := bits.Div64(sigA, 0, sigB)
	if r != 0 {
		q |= 1
	}
	return f.roundPack(neg, expA-expB-64, q, rm)
}

// sqrt returns the square root of a rounded.
func (f *format) sqrt(a uint64, rm uint8) (uint64, uint8) {
	if f.isNaN(a) {
		return f.nanResult(a, a)
	}
	if f.isZero(a) {
		return a, 0
	}
	if f.sign(a) {
		return f.invalid()
	}
	if f.isInf(a) {
		return a, 0
	}
	exp, sig := f.unpackFinite(a)
	exp, sig = normalizeTo(exp, sig, 62)
	// |a| = m × 2^e with e even and m < 2^126 held in hi:lo.
	var hi, lo uint64
	e := exp - 62
	if e&1 == 0 {
		hi, lo = sig>>2, sig<<62
	} else {
		hi, lo = sig>>1, sig<<63
		e--
	}
	root, exact := isqrt128(hi, lo)
	if !exact {
		root |= 1
	}
	return f.roundPack(false, e/2, root, rm)
}

// isqrt128 returns floor(sqrt(hi:lo)) for 2^124 <= hi:lo < 2^126 and whether
// it is exact.
func isqrt128(hi, lo uint64) (uint64, bool) {
	// The host estimate is within about 2^12 of the root; one Newton step
	// brings it within one, and the loops finish the job.
	g := uint64(math.Sqrt(float64(hi)*0x1p64 + float64(lo)))
	q, _ := bits.Div64(hi, lo, g) // g >= 2^61 > hi, so this cannot trap
	g = g>>1 + q>>1 + g&q&1
	for square128Greater(g, hi, lo) {
		g--
	}
	for !square128Greater(g+1, hi, lo) {
		g++
	}
	sh, sl := bits.Mul64(g, g)
	return g, sh == hi && sl == lo
}

// square128Greater reports whether g² > hi:lo.
func square128Greater(g, hi, lo uint64) bool {
	sh, sl := bits.Mul64(g, g)
	return sh > hi || sh == hi && sl > lo
}

// mulAdd returns ±(a×b) ± c with a single rounding.
func (f *format) mulAdd(a, b, c uint64, negProduct, negAddend bool, rm uint8) (uint64, uint8) {
	if f.isNaN(a) || f.isNaN(b) || f.isNaN(c) {
		var flags uint8
		if f.isSNaN(a) || f.isSNaN(b) || f.isSNaN(c) || f.isInfTimesZero(a, b) {
			flags = NV
		}
		return f.canonNaN, flags
	}
	negP := f.sign(a) != f.sign(b) != negProduct
	negC := f.sign(c) != negAddend
	if f.isInf(a) || f.isInf(b) {
		if f.isInfTimesZero(a, b) || f.isInf(c) && negC != negP {
			return f.invalid()
		}
		return f.inf(negP), 0
	}
	if f.isInf(c) {
		return f.inf(negC), 0
	}
	if f.isZero(a) || f.isZero(b) {
		if f.isZero(c) {
			return f.zeroSum(negP, negC, rm), 0
		}
		return f.zero(negC) | f.magnitude(c), 0
	}
	expP, pHi, pLo := f.mulExact(a, b)
	if f.isZero(c) {
		return f.roundPack(negP, expP+64, jam(pHi, pLo), rm)
	}
	// Both terms as 128-bit significands with the leading one at bit 126.
	if pHi>>63 != 0 {
		pHi, pLo = pHi>>1, pLo>>1|pHi<<63 // the low bits are zero: nothing lost
		expP++
	}
	expC, sigC := f.unpackFinite(c)
	expC, sigC = normalizeTo(expC, sigC, 63)
	cHi, cLo := sigC>>1, sigC<<63
	expC -= 63
	// Order by magnitude; equal exponents compare the significands.
	if expP < expC || expP == expC && (pHi < cHi || pHi == cHi && pLo < cLo) {
		expP, expC, pHi, pLo, cHi, cLo, negP, negC = expC, expP, cHi, cLo, pHi, pLo, negC, negP
	}
	cHi, cLo = shiftRightJam128(cHi, cLo, uint(expP-expC))
	var hi, lo uint64
	if negP == negC {
		var carry uint64
		lo, carry = bits.Add64(pLo, cLo, 0)
		hi, _ = bits.Add64(pHi, cHi, carry)
	} else {
		var borrow uint64
		lo, borrow = bits.Sub64(pLo, cLo, 0)
		hi, _ = bits.Sub64(pHi, cHi, borrow)
		if hi == 0 && lo == 0 {
			return f.zero(rm == RDN), 0
		}
	}
	// Normalise the 128-bit result so its top word carries every bit that
	// matters, folding the rest into a sticky bit.
	shift := uint(bits.LeadingZeros64(hi))
	if hi == 0 {
		shift = 64 + uint(bits.LeadingZeros64(lo))
	}
	hi, lo = shiftLeft128(hi, lo, shift)
	return f.roundPack(negP, expP+64-int32(shift), jam(hi, lo), rm)
}

func (f *format) isInfTimesZero(a, b uint64) bool {
	return f.isInf(a) && f.isZero(b) || f.isZero(a) && f.isInf(b)
}

// shiftRightJam128 is shiftRightJam for a 128-bit value.
func shiftRightJam128(hi, lo uint64, n uint) (uint64, uint64) {
	switch {
	case n == 0:
		return hi, lo
	case n < 64:
		sticky := lo<<(64-n) != 0
		lo = lo>>n | hi<<(64-n)
		hi >>= n
		if sticky {
			lo |= 1
		}
		return hi, lo
	case n < 128:
		sticky := lo != 0 || hi<<(128-n) != 0
		lo = hi >> (n - 64)
		if sticky {
			lo |= 1
		}
		return 0, lo
	default:
		if hi != 0 || lo != 0 {
			return 0, 1
		}
		return 0, 0
	}
}

// shiftLeft128 shifts a 128-bit value left by n < 128 bits.
func shiftLeft128(hi, lo uint64, n uint) (uint64, uint64) {
	if n >= 64 {
		return lo << (n - 64), 0
	}
	if n == 0 {
		return hi, lo
	}
	return hi<<n | lo>>(64-n), lo << n
}
