package uart

import (
	"fmt"
	"io"

	"cosim/hw/sim"
)

// SiFive UART registers (FU540/FU740 manuals; QEMU hw/char/sifive_uart.c).
const (
	sifTxdata = 0x00
	sifRxdata = 0x04
	sifTxctrl = 0x08
	sifRxctrl = 0x0C
	sifIE     = 0x10
	sifIP     = 0x14
	sifDiv    = 0x18
	// SiFiveSize is the register block's extent.
	SiFiveSize = 0x20 // QEMU SIFIVE_UART_MAX; 0x1C reads zero

	sifFull   = 1 << 31 // txdata: FIFO full
	sifEmpty  = 1 << 31 // rxdata: FIFO empty
	sifTXWM   = 1 << 0
	sifRXWM   = 1 << 1
	sifFIFO   = 8
	sifCntPos = 16
)

// SiFiveConfig describes one SiFive UART.
type SiFiveConfig struct {
	Name string
	Out  io.Writer
	IRQ  sim.Line
	Obs  sim.Observer
}

// SiFive is the SiFive UART: 8-entry transmit and receive FIFOs with
// watermark interrupts. Transmission is immediate (the transmit FIFO is
// always empty), as in QEMU, so txwm is pending whenever txcnt > 0.
type SiFive struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs    sim.Observer
	cfg    SiFiveConfig
	txctrl uint32
	rxctrl uint32
	ie     uint32
	div    uint32
	rx     []byte
	irq    bool
	outErr error
	// IRQ is the interrupt output (to a PLIC source).
	IRQ sim.Line
}

// NewSiFive builds a SiFive UART in its reset state (all registers zero, as
// QEMU 7.2's model reads after reset).
func NewSiFive(cfg SiFiveConfig) (*SiFive, error) {
	return &SiFive{cfg: cfg, Obs: cfg.Obs, IRQ: cfg.IRQ}, nil
}

// OutputError returns the first error the console writer reported.
func (u *SiFive) OutputError() error { return u.outErr }

// Read implements mem.Device. Registers are 32-bit; QEMU answers 32-bit
// accesses only.
func (u *SiFive) Read(off uint64, size int) (uint64, bool) {
	if size != 4 || off%4 != 0 || off >= SiFiveSize {
		return 0, false
	}
	var v uint32
	switch off {
	case sifTxdata:
		v = 0 // never full: bytes leave at once
	case sifRxdata:
		v = u.pop()
	case sifTxctrl:
		v = u.txctrl
	case sifRxctrl:
		v = u.rxctrl
	case sifIE:
		v = u.ie
	case sifIP:
		v = u.ip()
	case sifDiv:
		v = u.div
	}
	observeMMIO(u.Obs, u.cfg.Name, off, uint64(v), size, false)
	return uint64(v), true
}

// Write implements mem.Device.
func (u *SiFive) Write(off uint64, size int, v uint64) bool {
	if size != 4 || off%4 != 0 || off >= SiFiveSize {
		return false
	}
	observeMMIO(u.Obs, u.cfg.Name, off, v, size, true)
	x := uint32(v)
	switch off {
	case sifTxdata:
		u.transmit(byte(x))
	case sifTxctrl:
		u.txctrl = x & (3 | 7<<sifCntPos)
	case sifRxctrl:
		u.rxctrl = x & (1 | 7<<sifCntPos)
	case sifIE:
		u.ie = x & (sifTXWM | sifRXWM)
	case sifDiv:
		u.div = x & 0xFFFF
	}
	u.update()
	return true
}

func (u *SiFive) pop() uint32 {
	if len(u.rx) == 0 {
		return sifEmpty
	}
	b := u.rx[0]
	u.rx = u.rx[1:]
	u.update()
	return uint32(b)
}

func (u *SiFive) transmit(b byte) {
	if u.cfg.Out != nil {
		if _, err := u.cfg.Out.Write([]byte{b}); err != nil && u.outErr == nil {
			u.outErr = fmt.Errorf("uart %s: console: %w", u.cfg.Name, err)
		}
	}
	observeConsole(u.Obs, u.cfg.Name, b)
}

// ip: txwm while the transmit FIFO holds fewer than txcnt entries (it is
// always empty here); rxwm while the receive FIFO holds more than rxcnt.
func (u *SiFive) ip() uint32 {
	var ip uint32
	if (u.txctrl>>sifCntPos)&7 > 0 {
		ip |= sifTXWM
	}
	if uint32(len(u.rx)) > (u.rxctrl>>sifCntPos)&7 {
		ip |= sifRXWM
	}
	return ip
}

func (u *SiFive) update() {
	lvl := u.ip()&u.ie != 0
	if lvl != u.irq {
		u.irq = lvl
		u.IRQ.Set(lvl)
	}
}

// RXSpace returns how many bytes Receive would accept now.
func (u *SiFive) RXSpace() int { return sifFIFO - len(u.rx) }

// Receive queues bytes into the receive FIFO and returns how many fitted.
// As in QEMU, reception does not depend on rxen.
func (u *SiFive) Receive(b []byte) int {
	n := min(len(b), u.RXSpace())
	u.rx = append(u.rx, b[:n]...)
	u.update()
	return n
}

// IRQLevel reports the interrupt output.
func (u *SiFive) IRQLevel() bool { return u.irq }
