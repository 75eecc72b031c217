package fpu

// Binary32 operations. Operands and results are raw bit patterns; NaN-boxing
// in the 64-bit register file is the caller's business (see Box32, Unbox32).

// Add32 is fadd.s.
func Add32(a, b uint32, rm uint8) (uint32, uint8) {
	if r, fl, ok := fastAdd32(a, b, rm); ok {
		return r, fl
	}
	r, fl := fmt32.add(uint64(a), uint64(b), rm)
	return uint32(r), fl
}

// Sub32 is fsub.s.
func Sub32(a, b uint32, rm uint8) (uint32, uint8) {
	return Add32(a, b^uint32(fmt32.signBit), rm)
}

// Mul32 is fmul.s.
func Mul32(a, b uint32, rm uint8) (uint32, uint8) {
	if r, fl, ok := fastMul32(a, b, rm); ok {
		return r, fl
	}
	r, fl := fmt32.mul(uint64(a), uint64(b), rm)
	return uint32(r), fl
}

// Div32 is fdiv.s.
func Div32(a, b uint32, rm uint8) (uint32, uint8) {
	if r, fl, ok := fastDiv32(a, b, rm); ok {
		return r, fl
	}
	r, fl := fmt32.div(uint64(a), uint64(b), rm)
	return uint32(r), fl
}

// Sqrt32 is fsqrt.s.
func Sqrt32(a uint32, rm uint8) (uint32, uint8) {
	if r, fl, ok := fastSqrt32(a, rm); ok {
		return r, fl
	}
	r, fl := fmt32.sqrt(uint64(a), rm)
	return uint32(r), fl
}

// MulAdd32 computes ±(a×b) ± c with one rounding: negProduct negates a×b,
// negAddend negates c (fmadd: false,false; fmsub: false,true; fnmsub:
// true,false; fnmadd: true,true).
func MulAdd32(a, b, c uint32, negProduct, negAddend bool, rm uint8) (uint32, uint8) {
	r, fl := fmt32.mulAdd(uint64(a), uint64(b), uint64(c), negProduct, negAddend, rm)
	return uint32(r), fl
}

// Min32 is fmin.s (IEEE 754-2019 minimumNumber, -0 < +0).
func Min32(a, b uint32) (uint32, uint8) {
	r, fl := fmt32.minMax(uint64(a), uint64(b), false)
	return uint32(r), fl
}

// Max32 is fmax.s (IEEE 754-2019 maximumNumber, -0 < +0).
func Max32(a, b uint32) (uint32, uint8) {
	r, fl := fmt32.minMax(uint64(a), uint64(b), true)
	return uint32(r), fl
}

// Eq32 is feq.s: NV only for a signalling NaN.
func Eq32(a, b uint32) (bool, uint8) { return fmt32.compare(uint64(a), uint64(b), cmpEq) }

// Lt32 is flt.s: NV for any NaN.
func Lt32(a, b uint32) (bool, uint8) { return fmt32.compare(uint64(a), uint64(b), cmpLt) }

// Le32 is fle.s: NV for any NaN.
func Le32(a, b uint32) (bool, uint8) { return fmt32.compare(uint64(a), uint64(b), cmpLe) }

// Class32 is fclass.s.
func Class32(a uint32) uint64 { return fmt32.class(uint64(a)) }

// F32ToI32 is fcvt.w.s; the result is sign-extended to 64 bits.
func F32ToI32(a uint32, rm uint8) (uint64, uint8) { return fmt32.toInt(uint64(a), int32Fmt, rm) }

// F32ToU32 is fcvt.wu.s; the result is sign-extended from bit 31.
func F32ToU32(a uint32, rm uint8) (uint64, uint8) { return fmt32.toInt(uint64(a), uint32Fmt, rm) }

// F32ToI64 is fcvt.l.s.
func F32ToI64(a uint32, rm uint8) (uint64, uint8) { return fmt32.toInt(uint64(a), int64Fmt, rm) }

// F32ToU64 is fcvt.lu.s.
func F32ToU64(a uint32, rm uint8) (uint64, uint8) { return fmt32.toInt(uint64(a), uint64Fmt, rm) }

// I32ToF32 is fcvt.s.w.
func I32ToF32(v int32, rm uint8) (uint32, uint8) {
	r, fl := fmt32.fromInt(v < 0, absInt64(int64(v)), rm)
	return uint32(r), fl
}

// U32ToF32 is fcvt.s.wu.
func U32ToF32(v uint32, rm uint8) (uint32, uint8) {
	r, fl := fmt32.fromInt(false, uint64(v), rm)
	return uint32(r), fl
}

// I64ToF32 is fcvt.s.l.
func I64ToF32(v int64, rm uint8) (uint32, uint8) {
	r, fl := fmt32.fromInt(v < 0, absInt64(v), rm)
	return uint32(r), fl
}

// U64ToF32 is fcvt.s.lu.
func U64ToF32(v uint64, rm uint8) (uint32, uint8) {
	r, fl := fmt32.fromInt(false, v, rm)
	return uint32(r), fl
}

// F32ToF64 is fcvt.d.s (exact; NV only for a signalling NaN).
func F32ToF64(a uint32) (uint64, uint8) { return convert(fmt64, fmt32, uint64(a), RNE) }

// F64ToF32 is fcvt.s.d.
func F64ToF32(a uint64, rm uint8) (uint32, uint8) {
	if r, fl, ok := fastF64ToF32(a, rm); ok {
		return r, fl
	}
	r, fl := convert(fmt32, fmt64, a, rm)
	return uint32(r), fl
}

// absInt64 is |v| as an unsigned magnitude (correct for math.MinInt64).
func absInt64(v int64) uint64 {
	if v < 0 {
		return -uint64(v)
	}
	return uint64(v)
}
