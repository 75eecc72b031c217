package fpu

// Seeded operand generators biased towards the cases where floating-point
// implementations go wrong: zeros, subnormals, the ends of the exponent
// range, halfway cases, NaNs, infinities, cancellation and integer limits.

import (
	"math"
	"math/big"
	"math/rand/v2"
)

type gen struct {
	r *rand.Rand
	s spec
}

func newGen(seed uint64, s spec) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), s: s}
}

func (g *gen) fracBits() int  { return g.s.p - 1 }
func (g *gen) expMax() uint64 { return 1<<(g.s.width-g.s.p) - 1 }
func (g *gen) bias() int      { return g.s.emax }

func (g *gen) pack(neg bool, exp, frac uint64) uint64 {
	v := exp<<g.fracBits() | frac&(1<<g.fracBits()-1)
	if neg {
		v |= 1 << (g.s.width - 1)
	}
	return v
}

func (g *gen) sign() bool { return g.r.IntN(2) == 0 }

// frac picks a fraction field: uniform, sparse (few bits: exact results and
// ties), dense (runs of ones: carries), or at either end.
func (g *gen) frac() uint64 {
	n := g.fracBits()
	switch g.r.IntN(6) {
	case 0:
		return 0
	case 1:
		return 1<<n - 1 - uint64(g.r.IntN(4))
	case 2:
		var f uint64
		for range g.r.IntN(4) + 1 {
			f |= 1 << g.r.IntN(n)
		}
		return f
	case 3:
		lo := g.r.IntN(n)
		hi := lo + g.r.IntN(n-lo) + 1
		return (1<<hi - 1) &^ (1<<lo - 1)
	default:
		return g.r.Uint64() & (1<<n - 1)
	}
}

// value returns one operand.
func (g *gen) value() uint64 {
	em := g.expMax()
	switch g.r.IntN(20) {
	case 0:
		return g.r.Uint64() & (1<<g.s.width - 1)
	case 1:
		return g.pack(g.sign(), 0, 0)
	case 2:
		return g.pack(g.sign(), em, 0)
	case 3: // NaN: quiet or signalling, any payload
		f := g.frac() | 1<<g.r.IntN(g.fracBits())
		return g.pack(g.sign(), em, f)
	case 4, 5: // subnormal
		return g.pack(g.sign(), 0, g.frac()|1<<g.r.IntN(g.fracBits()))
	case 6, 7: // bottom of the normal range
		return g.pack(g.sign(), uint64(1+g.r.IntN(3)), g.frac())
	case 8, 9: // top of the exponent range
		return g.pack(g.sign(), em-1-uint64(g.r.IntN(3)), g.frac())
	case 10: // small integers and halves
		k := float64(g.r.IntN(64) - 32)
		return g.s.bits(k / float64(int(1)<<g.r.IntN(3)))
	case 11: // near integer limits
		e := []int{31, 32, 63, 64, 24, 53}[g.r.IntN(6)]
		v := g.s.bits(math.Ldexp(1, e)) + uint64(g.r.IntN(5)) - 2
		if g.sign() {
			v |= 1 << (g.s.width - 1)
		}
		return v
	default: // moderate exponents
		return g.pack(g.sign(), uint64(g.bias()+g.r.IntN(40)-20), g.frac())
	}
}

// near returns an operand related to x: a few ulps away, negated (for
// cancellation), or with a nearby exponent (for alignment and rounding).
func (g *gen) near(x uint64) uint64 {
	signBit := uint64(1) << (g.s.width - 1)
	mask := uint64(1)<<g.s.width - 1
	switch g.r.IntN(5) {
	case 0:
		return (x + uint64(g.r.IntN(7)) - 3) & mask
	case 1:
		return ((x ^ signBit) + uint64(g.r.IntN(5)) - 2) & mask
	case 2:
		e := int(x>>g.fracBits()&g.expMax()) + g.r.IntN(2*g.s.p+6) - g.s.p - 3
		e = max(0, min(e, int(g.expMax())))
		return g.pack(g.sign(), uint64(e), g.frac())
	default:
		return g.value()
	}
}

func (g *gen) pair() (uint64, uint64) {
	a := g.value()
	if g.r.IntN(2) == 0 {
		return a, g.near(a)
	}
	return a, g.value()
}

// finite returns a finite value from value(), replacing NaNs and infinities.
func (g *gen) finite() uint64 {
	for {
		if v := g.value(); !g.s.isNaN(v) && !g.s.isInf(v) {
			return v
		}
	}
}

// nudge moves x a few ulps either way (a no-op on non-finite values).
func (g *gen) nudge(x uint64) uint64 {
	if g.s.isNaN(x) || g.s.isInf(x) || g.s.isZero(x) {
		return x
	}
	return x + uint64(g.r.IntN(5)) - 2
}

// quotient gives division operands whose quotient lies within a few ulps of
// a representable value, where a lost remainder would go unnoticed.
func (g *gen) quotient() (uint64, uint64) {
	if g.r.IntN(2) == 0 {
		return g.pair()
	}
	q, b := g.finite(), g.finite()
	return g.nudge(g.s.bits(g.s.host(q) * g.s.host(b))), b
}

// square gives a square root operand within a few ulps of a square.
func (g *gen) square() uint64 {
	if g.r.IntN(2) == 0 {
		return g.value()
	}
	r := g.finite()
	return g.nudge(g.s.bits(g.s.host(r) * g.s.host(r)))
}

// triple gives FMA operands: the addend often close to minus the product so
// the sum cancels, or at an exponent near the product's so alignment and
// sticky bits matter.
func (g *gen) triple() (uint64, uint64, uint64) {
	a, b := g.pair()
	switch g.r.IntN(3) {
	case 0:
		return a, b, g.value()
	case 1:
		if g.s.isNaN(a) || g.s.isNaN(b) || g.s.isInf(a) || g.s.isInf(b) || g.s.isZero(a) || g.s.isZero(b) {
			return a, b, g.value()
		}
		fa, fb := new(big.Float).SetFloat64(g.s.host(a)), new(big.Float).SetFloat64(g.s.host(b))
		pe := new(big.Float).Mul(fa, fb).MantExp(nil) + g.bias() - 1
		e := pe + g.r.IntN(4*g.s.p+16) - 2*g.s.p - 8
		e = max(0, min(e, int(g.expMax())-1))
		return a, b, g.pack(g.sign(), uint64(e), g.frac())
	}
	p := g.s.host(a) * g.s.host(b)
	c := g.s.bits(-p)
	if g.sign() {
		c = g.s.bits(p)
	}
	if g.s.isNaN(c) || g.s.isInf(c) {
		return a, b, g.value()
	}
	if g.r.IntN(3) == 0 {
		return a, b, g.near(c)
	}
	return a, b, c
}

// integer returns an integer operand for conversions of the given width,
// biased to powers of two, values needing exactly p+1 bits (ties), and the
// ends of the range.
func (g *gen) integer(width int) uint64 {
	var v uint64
	switch g.r.IntN(6) {
	case 0:
		v = uint64(g.r.IntN(200)) - 100
	case 1:
		v = 1<<g.r.IntN(width) + uint64(g.r.IntN(5)) - 2
	case 2: // p+1 or p+2 significant bits starting at a random place
		bitsN := g.s.p + 1 + g.r.IntN(2)
		if bitsN > width {
			v = g.r.Uint64()
			break
		}
		top := bitsN - 1 + g.r.IntN(width-bitsN+1)
		v = 1<<top | g.r.Uint64()&(1<<top-1)&^(1<<(top-bitsN+1)-1)
		if g.r.IntN(2) == 0 {
			v |= 1 << (top - bitsN + 1)
		}
	case 3:
		v = []uint64{0, 1, math.MaxUint64, 1 << 63, 1<<63 - 1, 1 << 31, 1<<31 - 1, 1<<32 - 1}[g.r.IntN(8)]
	default:
		v = g.r.Uint64()
	}
	if width == 32 {
		v &= math.MaxUint32
	}
	return v
}
