package fpu

// Binary64 operations on raw bit patterns.

// Add64 is fadd.d.
func Add64(a, b uint64, rm uint8) (uint64, uint8) {
	if r, fl, ok := fastAdd64(a, b, rm); ok {
		return r, fl
	}
	return fmt64.add(a, b, rm)
}

// Sub64 is fsub.d.
func Sub64(a, b uint64, rm uint8) (uint64, uint8) {
	return Add64(a, b^fmt64.signBit, rm)
}

// Mul64 is fmul.d.
func Mul64(a, b uint64, rm uint8) (uint64, uint8) {
	if r, fl, ok := fastMul64(a, b, rm); ok {
		return r, fl
	}
	return fmt64.mul(a, b, rm)
}

// Div64 is fdiv.d.
func Div64(a, b uint64, rm uint8) (uint64, uint8) {
	if r, fl, ok := fastDiv64(a, b, rm); ok {
		return r, fl
	}
	return fmt64.div(a, b, rm)
}

// Sqrt64 is fsqrt.d.
func Sqrt64(a uint64, rm uint8) (uint64, uint8) {
	if r, fl, ok := fastSqrt64(a, rm); ok {
		return r, fl
	}
	return fmt64.sqrt(a, rm)
}

// MulAdd64 computes ±(a×b) ± c with one rounding; see MulAdd32.
func MulAdd64(a, b, c uint64, negProduct, negAddend bool, rm uint8) (uint64, uint8) {
	return fmt64.mulAdd(a, b, c, negProduct, negAddend, rm)
}

// Min64 is fmin.d (IEEE 754-2019 minimumNumber, -0 < +0).
func Min64(a, b uint64) (uint64, uint8) { return fmt64.minMax(a, b, false) }

// Max64 is fmax.d (IEEE 754-2019 maximumNumber, -0 < +0).
func Max64(a, b uint64) (uint64, uint8) { return fmt64.minMax(a, b, true) }

// Eq64 is feq.d: NV only for a signalling NaN.
func Eq64(a, b uint64) (bool, uint8) { return fmt64.compare(a, b, cmpEq) }

// Lt64 is flt.d: NV for any NaN.
func Lt64(a, b uint64) (bool, uint8) { return fmt64.compare(a, b, cmpLt) }

// Le64 is fle.d: NV for any NaN.
func Le64(a, b uint64) (bool, uint8) { return fmt64.compare(a, b, cmpLe) }

// Class64 is fclass.d.
func Class64(a uint64) uint64 { return fmt64.class(a) }

// F64ToI32 is fcvt.w.d; the result is sign-extended to 64 bits.
func F64ToI32(a uint64, rm uint8) (uint64, uint8) { return fmt64.toInt(a, int32Fmt, rm) }

// F64ToU32 is fcvt.wu.d; the result is sign-extended from bit 31.
func F64ToU32(a uint64, rm uint8) (uint64, uint8) { return fmt64.toInt(a, uint32Fmt, rm) }

// F64ToI64 is fcvt.l.d.
func F64ToI64(a uint64, rm uint8) (uint64, uint8) { return fmt64.toInt(a, int64Fmt, rm) }

// F64ToU64 is fcvt.lu.d.
func F64ToU64(a uint64, rm uint8) (uint64, uint8) { return fmt64.toInt(a, uint64Fmt, rm) }

// I32ToF64 is fcvt.d.w (always exact).
func I32ToF64(v int32, rm uint8) (uint64, uint8) {
	return fmt64.fromInt(v < 0, absInt64(int64(v)), rm)
}

// U32ToF64 is fcvt.d.wu (always exact).
func U32ToF64(v uint32, rm uint8) (uint64, uint8) { return fmt64.fromInt(false, uint64(v), rm) }

// I64ToF64 is fcvt.d.l.
func I64ToF64(v int64, rm uint8) (uint64, uint8) { return fmt64.fromInt(v < 0, absInt64(v), rm) }

// U64ToF64 is fcvt.d.lu.
func U64ToF64(v uint64, rm uint8) (uint64, uint8) { return fmt64.fromInt(false, v, rm) }
