package uart

import (
	"fmt"
	"io"

	"cosim/hw/sim"
)

// 16550 register indices (before reg-shift) and bits, as in the National
// PC16550D data sheet and QEMU's hw/char/serial.c.
const (
	regRBR = 0 // THR on write, DLL with DLAB
	regIER = 1 // DLM with DLAB
	regIIR = 2 // FCR on write
	regLCR = 3
	regMCR = 4
	regLSR = 5
	regMSR = 6
	regSCR = 7

	ierRDI  = 0x01
	ierTHRI = 0x02
	ierRLSI = 0x04
	ierMSI  = 0x08

	iirNoInt = 0x01
	iirMSI   = 0x00
	iirTHRI  = 0x02
	iirRDI   = 0x04
	iirRLSI  = 0x06
	iirCTI   = 0x0C
	iirFIFO  = 0xC0

	fcrEnable  = 0x01
	fcrClearRX = 0x02
	fcrClearTX = 0x04

	lcrDLAB = 0x80

	mcrLoop = 0x10
	mcrOUT2 = 0x08

	lsrDR      = 0x01
	lsrOE      = 0x02
	lsrBI      = 0x10
	lsrTHRE    = 0x20
	lsrTEMT    = 0x40
	lsrIntMask = 0x1E

	msrDeltas = 0x0F
	msrReset  = 0xB0 // DCD, DSR, CTS asserted: a cable is attached

	fifoDepth = 16
)

// rxTriggers are the FIFO receive trigger levels FCR[7:6] selects.
var rxTriggers = [4]int{1, 4, 8, 14}

// NS16550AConfig describes one 16550A-compatible port.
type NS16550AConfig struct {
	Name string
	// RegShift is the DTB's reg-shift: register i sits at offset i<<RegShift.
	RegShift uint
	// RegIOWidth is the DTB's reg-io-width (1 or 4). Accesses of other
	// widths are still answered with the register in the low byte, as
	// QEMU's serial_mm does.
	RegIOWidth int
	// ClockHz is the input clock (3686400 on QEMU virt); with a Clock it
	// times the receive-timeout interrupt (four character times).
	ClockHz uint64
	Clock   *sim.Clock
	Out     io.Writer
	IRQ     sim.Line
	Obs     sim.Observer
}

// NS16550A is the 16550A UART. Transmission is immediate, as in QEMU with a
// console backend: THR empties at once and raises THRE. Reception goes
// through Receive.
type NS16550A struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs     sim.Observer
	cfg     NS16550AConfig
	div     uint16
	rbr     byte
	ier     byte
	iir     byte
	fcr     byte
	lcr     byte
	mcr     byte
	lsr     byte
	msr     byte
	scr     byte
	rx      []byte // receive FIFO (or the single RBR holding when FIFOs are off)
	thrPend bool   // THRE interrupt pending until IIR is read or THR written
	ctiPend bool   // character-timeout interrupt pending
	timeout *sim.Alarm
	irq     bool
	outErr  error
	// IRQ is the interrupt output (to a PLIC source).
	IRQ sim.Line
}

// NewNS16550A builds a 16550A in its reset state.
func NewNS16550A(cfg NS16550AConfig) (*NS16550A, error) {
	if cfg.RegShift > 3 {
		return nil, fmt.Errorf("uart %s: reg-shift %d out of range", cfg.Name, cfg.RegShift)
	}
	switch cfg.RegIOWidth {
	case 0:
		cfg.RegIOWidth = 1
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("uart %s: reg-io-width %d", cfg.Name, cfg.RegIOWidth)
	}
	if cfg.ClockHz == 0 {
		cfg.ClockHz = 3_686_400
	}
	u := &NS16550A{cfg: cfg, Obs: cfg.Obs, IRQ: cfg.IRQ}
	u.Reset()
	return u, nil
}

// Reset puts the registers in their power-on state (QEMU serial_reset).
func (u *NS16550A) Reset() {
	u.div, u.rbr, u.ier, u.fcr, u.lcr, u.scr = 0, 0, 0, 0, 0, 0
	u.iir = iirNoInt
	u.lsr = lsrTEMT | lsrTHRE
	u.msr = msrReset
	u.mcr = mcrOUT2
	u.rx = u.rx[:0]
	u.thrPend, u.ctiPend = false, false
	u.cancelTimeout()
	u.updateIRQ()
}

// Size returns the extent of the register block.
func (u *NS16550A) Size() uint64 { return 8 << u.cfg.RegShift }

// OutputError returns the first error the console writer reported.
func (u *NS16550A) OutputError() error { return u.outErr }

func (u *NS16550A) index(off uint64, size int) (int, bool) {
	if size != 1 && size != 2 && size != 4 && size != 8 {
		return 0, false
	}
	if off >= u.Size() || off+uint64(size) > u.Size() {
		return 0, false
	}
	return int(off >> u.cfg.RegShift), true
}

// Read implements mem.Device.
func (u *NS16550A) Read(off uint64, size int) (uint64, bool) {
	i, ok := u.index(off, size)
	if !ok {
		return 0, false
	}
	v := uint64(u.read(i))
	observeMMIO(u.Obs, u.cfg.Name, off, v, size, false)
	return v, true
}

// Write implements mem.Device.
func (u *NS16550A) Write(off uint64, size int, v uint64) bool {
	i, ok := u.index(off, size)
	if !ok {
		return false
	}
	observeMMIO(u.Obs, u.cfg.Name, off, v, size, true)
	u.write(i, byte(v))
	return true
}

func (u *NS16550A) dlab() bool { return u.lcr&lcrDLAB != 0 }

func (u *NS16550A) read(i int) byte {
	switch i {
	case regRBR:
		if u.dlab() {
			return byte(u.div)
		}
		return u.readRBR()
	case regIER:
		if u.dlab() {
			return byte(u.div >> 8)
		}
		return u.ier
	case regIIR:
		v := u.iir
		if v&0x0F == iirTHRI {
			u.thrPend = false
			u.updateIRQ()
		}
		return v
	case regLCR:
		return u.lcr
	case regMCR:
		return u.mcr
	case regLSR:
		v := u.lsr
		if u.lsr&(lsrBI|lsrOE) != 0 {
			u.lsr &^= lsrBI | lsrOE
			u.updateIRQ()
		}
		return v
	case regMSR:
		return u.readMSR()
	default:
		return u.scr
	}
}

func (u *NS16550A) readRBR() byte {
	if len(u.rx) > 0 {
		u.rbr = u.rx[0]
		u.rx = u.rx[1:]
	}
	if len(u.rx) == 0 {
		u.lsr &^= lsrDR | lsrBI
	}
	u.ctiPend = false
	u.cancelTimeout()
	if len(u.rx) > 0 {
		u.armTimeout()
	}
	u.updateIRQ()
	return u.rbr
}

func (u *NS16550A) readMSR() byte {
	if u.mcr&mcrLoop != 0 {
		// Loopback wires the modem outputs back: DTR->DSR, RTS->CTS,
		// OUT1->RI, OUT2->DCD.
		m := u.mcr
		return (m&0x0C)<<4 | (m&0x01)<<5 | (m&0x02)<<3
	}
	v := u.msr
	if u.msr&msrDeltas != 0 {
		u.msr &^= msrDeltas
		u.updateIRQ()
	}
	return v
}

func (u *NS16550A) write(i int, v byte) {
	switch i {
	case regRBR:
		if u.dlab() {
			u.div = u.div&0xFF00 | uint16(v)
			return
		}
		u.transmit(v)
	case regIER:
		if u.dlab() {
			u.div = u.div&0x00FF | uint16(v)<<8
			return
		}
		u.writeIER(v)
	case regIIR:
		u.writeFCR(v)
	case regLCR:
		u.lcr = v
	case regMCR:
		u.mcr = v & 0x1F
	case regLSR, regMSR:
		// Read-only status; writes are ignored as on the part (QEMU too).
	default:
		u.scr = v
	}
}

func (u *NS16550A) writeIER(v byte) {
	v &= 0x0F
	changed := u.ier ^ v
	u.ier = v
	if changed&ierTHRI != 0 {
		u.thrPend = u.ier&ierTHRI != 0 && u.lsr&lsrTHRE != 0
	}
	u.updateIRQ()
}

func (u *NS16550A) writeFCR(v byte) {
	if (u.fcr^v)&fcrEnable != 0 {
		// Switching the FIFOs on or off empties them.
		v |= fcrClearRX | fcrClearTX
	}
	if v&fcrClearRX != 0 {
		u.rx = u.rx[:0]
		u.lsr &^= lsrDR | lsrBI
		u.ctiPend = false
		u.cancelTimeout()
	}
	if v&fcrClearTX != 0 {
		u.lsr |= lsrTHRE | lsrTEMT
		u.thrPend = u.ier&ierTHRI != 0
	}
	u.fcr = v & 0xC9
	if u.fcr&fcrEnable != 0 {
		u.iir |= iirFIFO
	} else {
		u.iir &^= iirFIFO
	}
	u.updateIRQ()
}

func (u *NS16550A) fifoOn() bool { return u.fcr&fcrEnable != 0 }

func (u *NS16550A) trigger() int { return rxTriggers[u.fcr>>6] }

func (u *NS16550A) transmit(b byte) {
	u.thrPend = false
	if u.mcr&mcrLoop != 0 {
		u.receiveByte(b)
	} else {
		if u.cfg.Out != nil {
			if _, err := u.cfg.Out.Write([]byte{b}); err != nil && u.outErr == nil {
				u.outErr = fmt.Errorf("uart %s: console: %w", u.cfg.Name, err)
			}
		}
		observeConsole(u.Obs, u.cfg.Name, b)
	}
	// The shift register empties at once: THR is ready again.
	u.lsr |= lsrTHRE | lsrTEMT
	u.thrPend = true
	u.updateIRQ()
}

// RXSpace returns how many bytes Receive would accept now.
func (u *NS16550A) RXSpace() int {
	if u.fifoOn() {
		return fifoDepth - len(u.rx)
	}
	if u.lsr&lsrDR != 0 {
		return 0
	}
	return 1
}

// Receive offers bytes arriving on the line and returns how many were
// taken: no more than the receiver holds, so nothing is overrun.
func (u *NS16550A) Receive(b []byte) int {
	n := min(len(b), u.RXSpace())
	for _, c := range b[:n] {
		u.receiveByte(c)
	}
	return n
}

func (u *NS16550A) receiveByte(c byte) {
	if u.fifoOn() {
		if len(u.rx) >= fifoDepth {
			u.lsr |= lsrOE
		} else {
			u.rx = append(u.rx, c)
		}
		u.armTimeout()
	} else {
		if u.lsr&lsrDR != 0 {
			u.lsr |= lsrOE
		}
		u.rx = append(u.rx[:0], c)
	}
	u.lsr |= lsrDR
	u.updateIRQ()
}

// armTimeout schedules the character-timeout interrupt four character
// times ahead (the 16550's rule for data sitting below the trigger level).
// Without a clock the timeout is due at once.
func (u *NS16550A) armTimeout() {
	u.cancelTimeout()
	if u.cfg.Clock == nil {
		u.ctiPend = true
		return
	}
	u.timeout = u.cfg.Clock.After(4*u.charTime(), func() {
		u.timeout = nil
		if len(u.rx) > 0 {
			u.ctiPend = true
			u.updateIRQ()
		}
	})
}

func (u *NS16550A) cancelTimeout() {
	if u.timeout != nil {
		u.cfg.Clock.Cancel(u.timeout)
		u.timeout = nil
	}
}

// charTime is one frame (start, data, parity, stop bits) at the programmed
// baud rate; a zero divisor counts as one.
func (u *NS16550A) charTime() sim.Time {
	bits := uint64(1 + 5 + u.lcr&3 + 1)
	if u.lcr&0x08 != 0 {
		bits++
	}
	if u.lcr&0x04 != 0 {
		bits++
	}
	div := max(uint64(u.div), 1)
	return sim.FromTicks(bits*16*div, u.cfg.ClockHz)
}

// updateIRQ recomputes IIR by the 16550's priorities and drives the line.
func (u *NS16550A) updateIRQ() {
	id := byte(iirNoInt)
	switch {
	case u.ier&ierRLSI != 0 && u.lsr&lsrIntMask != 0:
		id = iirRLSI
	case u.ier&ierRDI != 0 && u.ctiPend:
		id = iirCTI
	case u.ier&ierRDI != 0 && u.lsr&lsrDR != 0 && (!u.fifoOn() || len(u.rx) >= u.trigger()):
		id = iirRDI
	case u.ier&ierTHRI != 0 && u.thrPend:
		id = iirTHRI
	case u.ier&ierMSI != 0 && u.msr&msrDeltas != 0:
		id = iirMSI
	}
	u.iir = id | u.iir&0xF0
	lvl := id != iirNoInt
	if lvl != u.irq {
		u.irq = lvl
		u.IRQ.Set(lvl)
	}
}

// IRQLevel reports the interrupt output.
func (u *NS16550A) IRQLevel() bool { return u.irq }
