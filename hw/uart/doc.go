// Package uart owns the serial ports: the ns16550a (QEMU virt's console, the
// 8250 family OpenSBI, U-Boot and Linux drive) and the SiFive UART of the
// FU540/FU740.
//
// Transmitted bytes go to an io.Writer (the console) and are reported as
// sim.KindConsole events; received bytes are offered through Receive, which
// accepts only what the FIFO has room for so the engine can retry the rest at
// a later quantum boundary. The package must not read stdin or the host
// clock itself: the engine feeds input deterministically.
package uart

import "cosim/hw/sim"

func observeConsole(obs sim.Observer, name string, b byte) {
	if obs == nil {
		return
	}
	buf := [1]byte{b}
	obs.Observe(&sim.Event{Kind: sim.KindConsole, Hart: -1, Device: name, Data: buf[:], Size: 1, Value: uint64(b)})
}

func observeMMIO(obs sim.Observer, name string, off, v uint64, size int, write bool) {
	if obs == nil {
		return
	}
	obs.Observe(&sim.Event{Kind: sim.KindMMIO, Hart: -1, Device: name, Addr: off, Value: v, Size: uint8(size), Write: write})
}
