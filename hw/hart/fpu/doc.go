// Package fpu is the hart's IEEE-754 arithmetic: the RISC-V F and D
// extensions' operations on raw binary32/binary64 bit patterns, for every
// static rounding mode, returning the result and the accrued-exception bits in
// the fflags layout.
//
// It is a software float (softfloat) written to the RISC-V rules where they
// differ from what a host FPU does: every NaN result is the canonical NaN,
// fmin/fmax follow IEEE 754-2019 minimumNumber/maximumNumber with -0 < +0,
// tininess is detected after rounding, conversions to integers saturate, and
// fused multiply-add raises NV for inf×0 even when the addend is a quiet NaN.
// Where the host FPU provably gives the same bits and flags (round to nearest
// even, or an exact result, away from the subnormal and overflow ranges) it is
// used as a fast path.
//
// The package owns arithmetic only. It must not know about registers, CSRs,
// NaN-boxing policy of the register file (Box32/Unbox32 are helpers the hart
// may call), instruction decoding or the dynamic rounding mode: the hart
// resolves rm=7 to frm and rejects reserved modes before calling in. No
// function allocates, and none panics for any input.
//
// Its tests compare every instruction in every rounding mode with an exact
// math/big model (TestOracle, -fpu.oracle=N cases per instruction and mode)
// and with QEMU 7.2 running a bare-metal program built at test time
// (TestQEMU, -fpu.qemu=N vectors per instruction, 0 to skip; needs
// riscv64-unknown-elf-gcc and qemu-system-riscv64); -fpu.seed picks the
// operands, and FuzzOracle runs open-ended campaigns against the model.
package fpu
