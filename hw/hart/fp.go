package hart

import "cosim/hw/hart/fpu"

// execFP runs a floating-point computational instruction (FS is known to
// be on). The ones that only move or combine raw bits are here; the
// arithmetic comes from the fpu package (fpArith). False means illegal
// instruction.
func (h *Hart) execFP(s *slot) bool {
	r := &h.r
	switch s.op {
	case opFSGNJS, opFSGNJNS, opFSGNJXS:
		a, b := unbox32(r[s.rs1]), unbox32(r[s.rs2])
		sign := b
		switch s.op {
		case opFSGNJNS:
			sign = ^b
		case opFSGNJXS:
			sign = a ^ b
		}
		r[s.rd] = nanBox | uint64(a&^(1<<31)|sign&(1<<31))
	case opFSGNJD, opFSGNJND, opFSGNJXD:
		a, b := r[s.rs1], r[s.rs2]
		sign := b
		switch s.op {
		case opFSGNJND:
			sign = ^b
		case opFSGNJXD:
			sign = a ^ b
		}
		r[s.rd] = a&^(1<<63) | sign&(1<<63)
	case opFMVXW:
		r[s.rd] = sx32(uint32(r[s.rs1]))
		return true // writes an x register: FS unchanged
	case opFMVWX:
		r[s.rd] = nanBox | uint64(uint32(r[s.rs1]))
	case opFMVXD:
		r[s.rd] = r[s.rs1]
		return true
	case opFMVDX:
		r[s.rd] = r[s.rs1]
	default:
		return h.fpArith(s)
	}
	h.mstatus |= fsDirty
	return true
}

// unbox32 returns the single-precision value held in a 64-bit f register:
// an improperly NaN-boxed value reads as the canonical NaN.
func unbox32(v uint64) uint32 {
	if v>>32 != 0xffffffff {
		return canonicalNaN32
	}
	return uint32(v)
}

const (
	canonicalNaN32 = 0x7fc00000
)

// roundingMode resolves an instruction's rm field (7 = dynamic, from frm);
// false means the mode is reserved and the instruction illegal.
func (h *Hart) roundingMode(s *slot) (uint8, bool) {
	rm := uint8(s.imm)
	if rm == 7 {
		rm = h.frm
	}
	return rm, rm <= 4
}

// fpArith runs F/D arithmetic through the fpu package: values in, value
// and exception flags out. Flags accrue in fflags; FS becomes dirty when an
// f register or fflags changes.
func (h *Hart) fpArith(s *slot) bool {
	r := &h.r
	var flags uint8
	fdest := true
	rm := uint8(0)
	if opHasRM[s.op] {
		var ok bool
		if rm, ok = h.roundingMode(s); !ok {
			return false
		}
	}
	a32, b32, c32 := unbox32(r[s.rs1]), unbox32(r[s.rs2]), unbox32(r[fBase+uint8(s.insn>>27)])
	a64, b64, c64 := r[s.rs1], r[s.rs2], r[fBase+uint8(s.insn>>27)]
	set32 := func(v uint32, f uint8) { r[s.rd], flags = nanBox|uint64(v), f }
	set64 := func(v uint64, f uint8) { r[s.rd], flags = v, f }
	setX := func(v uint64, f uint8) { r[s.rd], flags, fdest = v, f, false }
	setB := func(v bool, f uint8) { setX(b2u(v), f) }
	switch s.op {
	case opFADDS:
		set32(fpu.Add32(a32, b32, rm))
	case opFSUBS:
		set32(fpu.Sub32(a32, b32, rm))
	case opFMULS:
		set32(fpu.Mul32(a32, b32, rm))
	case opFDIVS:
		set32(fpu.Div32(a32, b32, rm))
	case opFSQRTS:
		set32(fpu.Sqrt32(a32, rm))
	case opFMADDS:
		set32(fpu.MulAdd32(a32, b32, c32, false, false, rm))
	case opFMSUBS:
		set32(fpu.MulAdd32(a32, b32, c32, false, true, rm))
	case opFNMSUBS:
		set32(fpu.MulAdd32(a32, b32, c32, true, false, rm))
	case opFNMADDS:
		set32(fpu.MulAdd32(a32, b32, c32, true, true, rm))
	case opFMINS:
		set32(fpu.Min32(a32, b32))
	case opFMAXS:
		set32(fpu.Max32(a32, b32))
	case opFEQS:
		setB(fpu.Eq32(a32, b32))
	case opFLTS:
		setB(fpu.Lt32(a32, b32))
	case opFLES:
		setB(fpu.Le32(a32, b32))
	case opFCLASSS:
		setX(fpu.Class32(a32), 0)
	case opFCVTWS:
		setX(fpu.F32ToI32(a32, rm))
	case opFCVTWUS:
		setX(fpu.F32ToU32(a32, rm))
	case opFCVTLS:
		setX(fpu.F32ToI64(a32, rm))
	case opFCVTLUS:
		setX(fpu.F32ToU64(a32, rm))
	case opFCVTSW:
		set32(fpu.I32ToF32(int32(r[s.rs1]), rm))
	case opFCVTSWU:
		set32(fpu.U32ToF32(uint32(r[s.rs1]), rm))
	case opFCVTSL:
		set32(fpu.I64ToF32(int64(r[s.rs1]), rm))
	case opFCVTSLU:
		set32(fpu.U64ToF32(r[s.rs1], rm))

	case opFADDD:
		set64(fpu.Add64(a64, b64, rm))
	case opFSUBD:
		set64(fpu.Sub64(a64, b64, rm))
	case opFMULD:
		set64(fpu.Mul64(a64, b64, rm))
	case opFDIVD:
		set64(fpu.Div64(a64, b64, rm))
	case opFSQRTD:
		set64(fpu.Sqrt64(a64, rm))
	case opFMADDD:
		set64(fpu.MulAdd64(a64, b64, c64, false, false, rm))
	case opFMSUBD:
		set64(fpu.MulAdd64(a64, b64, c64, false, true, rm))
	case opFNMSUBD:
		set64(fpu.MulAdd64(a64, b64, c64, true, false, rm))
	case opFNMADDD:
		set64(fpu.MulAdd64(a64, b64, c64, true, true, rm))
	case opFMIND:
		set64(fpu.Min64(a64, b64))
	case opFMAXD:
		set64(fpu.Max64(a64, b64))
	case opFEQD:
		setB(fpu.Eq64(a64, b64))
	case opFLTD:
		setB(fpu.Lt64(a64, b64))
	case opFLED:
		setB(fpu.Le64(a64, b64))
	case opFCLASSD:
		setX(fpu.Class64(a64), 0)
	case opFCVTWD:
		setX(fpu.F64ToI32(a64, rm))
	case opFCVTWUD:
		setX(fpu.F64ToU32(a64, rm))
	case opFCVTLD:
		setX(fpu.F64ToI64(a64, rm))
	case opFCVTLUD:
		setX(fpu.F64ToU64(a64, rm))
	case opFCVTDW:
		set64(fpu.I32ToF64(int32(r[s.rs1]), rm))
	case opFCVTDWU:
		set64(fpu.U32ToF64(uint32(r[s.rs1]), rm))
	case opFCVTDL:
		set64(fpu.I64ToF64(int64(r[s.rs1]), rm))
	case opFCVTDLU:
		set64(fpu.U64ToF64(r[s.rs1], rm))
	case opFCVTSD:
		set32(fpu.F64ToF32(a64, rm))
	case opFCVTDS:
		set64(fpu.F32ToF64(a32))
	default:
		return false
	}
	if flags != 0 {
		h.fflags |= flags
	}
	if fdest || flags != 0 {
		h.mstatus |= fsDirty
	}
	return true
}

// opHasRM says which opcodes carry a rounding-mode field.
var opHasRM [numOps]bool

func init() {
	for i := range encodings {
		if encodings[i].flags&fRM != 0 {
			opHasRM[encodings[i].op] = true
		}
	}
}
