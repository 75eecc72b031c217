package hart

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
	canonicalNaN64 = 0x7ff8000000000000
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
