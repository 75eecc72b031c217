// Package misc owns the boards' small devices: the sifive,test finisher,
// the goldfish RTC, HTIF (tohost/fromhost), the SiFive PRCI clock and reset
// block, the SiFive L2 cache controller's registers, SiFive GPIO, the
// SiFive/OpenCores I2C controller with the DA9063 PMIC behind it, and a plain
// register file for hardware the DTB names but whose behaviour nothing
// observes.
//
// Devices report through sim.Observer and end runs through callbacks
// (OnExit, OnPower); they must not know the engine, the board or the
// host clock. Anything a guest writes yields an architectural answer, never
// a panic.
package misc

import "cosim/hw/sim"

// Exit is how a device asks the engine to end the run.
type Exit struct {
	Code   int  // process exit status for the run
	Reboot bool // the guest asked for a reset rather than a power-off
}

func observeMMIO(obs sim.Observer, name string, off, v uint64, size int, write bool) {
	if obs == nil {
		return
	}
	obs.Observe(&sim.Event{Kind: sim.KindMMIO, Hart: -1, Device: name, Addr: off, Value: v, Size: uint8(size), Write: write})
}

func observeDevice(obs sim.Observer, name, text string, v uint64) {
	if obs == nil {
		return
	}
	obs.Observe(&sim.Event{Kind: sim.KindDevice, Hart: -1, Device: name, Text: text, Value: v, ValueValid: true})
}

func aligned(off uint64, size int) bool {
	switch size {
	case 1, 2, 4, 8:
		return off%uint64(size) == 0
	}
	return false
}

// subword extracts the size-byte part at off of a register whose value is
// reg and whose base offset is base (little-endian).
func subword(reg uint64, base, off uint64, size int) uint64 {
	v := reg >> ((off - base) * 8)
	if size < 8 {
		v &= 1<<(uint(size)*8) - 1
	}
	return v
}

// deposit writes the size-byte value v at off into a register at base.
func deposit(reg uint64, base, off uint64, size int, v uint64) uint64 {
	shift := (off - base) * 8
	mask := ^uint64(0)
	if size < 8 {
		mask = 1<<(uint(size)*8) - 1
	}
	return reg&^(mask<<shift) | (v&mask)<<shift
}
