//go:build !fpu

package hart

// execFP runs a floating-point computational instruction. Until the fpu
// package is merged, they raise illegal instruction (loads, stores and
// moves of raw bits are implemented in the run loop).
func (h *Hart) execFP(s *slot) bool { return false }
