// Package intc owns the boards' interrupt controllers: the PLIC (platform
// interrupt sources to per-context external-interrupt lines) and the
// CLINT/ACLINT (per-hart software interrupts, mtime and mtimecmp).
//
// Interrupt inputs arrive through sim.IRQSink; outputs are sim.Line values the
// SoC builder wires into harts. The package must not know which board or
// which harts it is wired to beyond the data of its config, and it never
// reads the host clock: mtime is derived from the sim.Clock.
package intc
