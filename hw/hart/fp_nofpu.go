//go:build !fpu

package hart

// fpArith runs F/D arithmetic. Until the fpu package is merged, these
// instructions raise illegal instruction; everything else of F/D (loads,
// stores, moves, sign injection, fcsr) is implemented.
func (h *Hart) fpArith(s *slot) bool { return false }
