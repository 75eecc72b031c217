package fpu

// less orders two non-NaN values, with -0 < +0 when zeroOrdered is set
// (fmin/fmax) and -0 == +0 otherwise (flt/fle/feq).
func (f *format) less(a, b uint64, zeroOrdered bool) bool {
	negA, negB := f.sign(a), f.sign(b)
	if !zeroOrdered && f.isZero(a) && f.isZero(b) {
		return false
	}
	switch {
	case negA != negB:
		return negA
	case negA:
		return a > b
	default:
		return a < b
	}
}

func (f *format) equal(a, b uint64) bool {
	return a == b || f.isZero(a) && f.isZero(b)
}

// minMax implements IEEE 754-2019 minimumNumber (wantMax false) and
// maximumNumber: a NaN operand loses to a number, two NaNs give the canonical
// NaN, and only signalling NaNs raise NV.
func (f *format) minMax(a, b uint64, wantMax bool) (uint64, uint8) {
	var flags uint8
	if f.isSNaN(a) || f.isSNaN(b) {
		flags = NV
	}
	nanA, nanB := f.isNaN(a), f.isNaN(b)
	switch {
	case nanA && nanB:
		return f.canonNaN, flags
	case nanA:
		return b, flags
	case nanB:
		return a, flags
	}
	if f.less(a, b, true) != wantMax {
		return a, flags
	}
	return b, flags
}

// compare implements feq (quiet: NV only for signalling NaNs) and flt/fle
// (signalling: NV for any NaN).
func (f *format) compare(a, b uint64, op compareOp) (bool, uint8) {
	if f.isNaN(a) || f.isNaN(b) {
		if op != cmpEq || f.isSNaN(a) || f.isSNaN(b) {
			return false, NV
		}
		return false, 0
	}
	switch op {
	case cmpEq:
		return f.equal(a, b), 0
	case cmpLt:
		return f.less(a, b, false), 0
	default:
		return f.less(a, b, false) || f.equal(a, b), 0
	}
}

type compareOp uint8

const (
	cmpEq compareOp = iota
	cmpLt
	cmpLe
)

// class implements fclass: exactly one bit set.
func (f *format) class(a uint64) uint64 {
	neg := f.sign(a)
	var pos, negBit uint64
	switch {
	case f.isNaN(a):
		if f.isSNaN(a) {
			return ClassSNaN
		}
		return ClassQNaN
	case f.isInf(a):
		pos, negBit = ClassPosInf, ClassNegInf
	case f.isZero(a):
		pos, negBit = ClassPosZero, ClassNegZero
	case f.expField(a) == 0:
		pos, negBit = ClassPosSubnormal, ClassNegSubnormal
	default:
		pos, negBit = ClassPosNormal, ClassNegNormal
	}
	if neg {
		return negBit
	}
	return pos
}
