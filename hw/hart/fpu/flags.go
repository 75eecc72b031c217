package fpu

// Accrued-exception bits, in the layout of the fflags CSR.
const (
	NX uint8 = 1 << 0 // inexact
	UF uint8 = 1 << 1 // underflow
	OF uint8 = 1 << 2 // overflow
	DZ uint8 = 1 << 3 // divide by zero
	NV uint8 = 1 << 4 // invalid operation
)

// Rounding modes, as encoded in an instruction's rm field and in frm.
// Values outside RNE..RMM are treated as RNE; the hart never passes them.
const (
	RNE uint8 = 0 // round to nearest, ties to even
	RTZ uint8 = 1 // round towards zero
	RDN uint8 = 2 // round down (towards -inf)
	RUP uint8 = 3 // round up (towards +inf)
	RMM uint8 = 4 // round to nearest, ties to max magnitude
)

// Canonical NaNs: the only NaN any operation produces.
const (
	CanonicalNaN32 uint32 = 0x7fc00000
	CanonicalNaN64 uint64 = 0x7ff8000000000000
)

// Bits of the fclass.s / fclass.d result.
const (
	ClassNegInf       uint64 = 1 << 0
	ClassNegNormal    uint64 = 1 << 1
	ClassNegSubnormal uint64 = 1 << 2
	ClassNegZero      uint64 = 1 << 3
	ClassPosZero      uint64 = 1 << 4
	ClassPosSubnormal uint64 = 1 << 5
	ClassPosNormal    uint64 = 1 << 6
	ClassPosInf       uint64 = 1 << 7
	ClassSNaN         uint64 = 1 << 8
	ClassQNaN         uint64 = 1 << 9
)

// Box32 NaN-boxes a binary32 value for a 64-bit FP register (FLEN=64).
func Box32(v uint32) uint64 { return 0xffffffff_00000000 | uint64(v) }

// Unbox32 reads a binary32 operand from a 64-bit FP register: a value that is
// not properly NaN-boxed reads as the canonical NaN.
func Unbox32(r uint64) uint32 {
	if r>>32 != 0xffffffff {
		return CanonicalNaN32
	}
	return uint32(r)
}
