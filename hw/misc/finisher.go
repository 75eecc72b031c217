package misc

import "cosim/hw/sim"

// Finisher status codes (low 16 bits of the word written at offset 0), as
// QEMU's hw/misc/sifive_test.c.
const (
	FinisherFail  = 0x3333
	FinisherPass  = 0x5555
	FinisherReset = 0x7777
	// FinisherSize is the register window (one page on QEMU virt).
	FinisherSize = 0x1000
)

// TestFinisherConfig describes a sifive,test0/test1 device.
type TestFinisherConfig struct {
	Name   string
	OnExit func(Exit)
	Obs    sim.Observer
}

// TestFinisher ends the run when software writes a status word: pass exits
// 0, fail exits with the code in bits 31:16, reset asks for a reboot. Other
// values are ignored, as in QEMU.
type TestFinisher struct {
	cfg TestFinisherConfig
	// Obs receives events; nil = off. It starts as the config's.
	Obs sim.Observer
}

// NewTestFinisher builds the finisher.
func NewTestFinisher(cfg TestFinisherConfig) *TestFinisher {
	return &TestFinisher{cfg: cfg, Obs: cfg.Obs}
}

// Read implements mem.Device: the register reads as zero. QEMU accepts 2-
// and 4-byte accesses.
func (f *TestFinisher) Read(off uint64, size int) (uint64, bool) {
	if (size != 2 && size != 4) || !aligned(off, size) || off >= FinisherSize {
		return 0, false
	}
	return 0, true
}

// Write implements mem.Device.
func (f *TestFinisher) Write(off uint64, size int, v uint64) bool {
	if (size != 2 && size != 4) || !aligned(off, size) || off >= FinisherSize {
		return false
	}
	observeMMIO(f.Obs, f.cfg.Name, off, v, size, true)
	if off != 0 {
		return true
	}
	var e Exit
	switch v & 0xFFFF {
	case FinisherPass:
		e = Exit{Code: 0}
	case FinisherFail:
		e = Exit{Code: int(v >> 16 & 0xFFFF)}
	case FinisherReset:
		e = Exit{Reboot: true}
	default:
		return true
	}
	observeDevice(f.Obs, f.cfg.Name, finisherText(e), v)
	if f.cfg.OnExit != nil {
		f.cfg.OnExit(e)
	}
	return true
}

func finisherText(e Exit) string {
	switch {
	case e.Reboot:
		return "finisher: reset"
	case e.Code == 0:
		return "finisher: pass"
	default:
		return "finisher: fail"
	}
}
