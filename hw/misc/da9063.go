package misc

import (
	"fmt"

	"cosim/hw/sim"
)

// DA9063 PMIC registers (Dialog DA9063 data sheet; Linux
// include/linux/mfd/da9063/registers.h; OpenSBI platform/generic/sifive/
// fu740.c). Register addresses are 9-bit; a transfer's 8-bit address is
// taken inside the 256-register window PAGE_CON selects.
const (
	DA9063Addr = 0x58 // 7-bit I2C address on the HiFive Unmatched

	daPageCon  = 0x000
	daControlA = 0x00E
	daControlD = 0x011
	daControlF = 0x013
	daDeviceID = 0x181
	daVariant  = 0x182

	daControlAStandby   = 1 << 3
	daControlFShutdown  = 1 << 1
	daControlFWakeup    = 1 << 2
	daRegisters         = 0x200
	daChipIDDA9063      = 0x61
	daVariantIDDefault  = 0x63
	daPageConWindowBits = 0x06
)

// DA9063Config describes the PMIC.
type DA9063Config struct {
	Name string
	// OnPower is called when software powers the board off (off = true) or
	// asks the PMIC to cycle power (off = false: a reboot).
	OnPower func(off bool)
	// Reset overrides power-on register values by 9-bit address.
	Reset map[uint16]uint8
	Obs   sim.Observer
}

// DA9063 is the PMIC's register file with the two actions OpenSBI's FU740
// reset driver uses: CONTROL_F.SHUTDOWN powers off; CONTROL_A.STANDBY with
// CONTROL_F.WAKEUP set powers down and straight back up (a reboot), and
// STANDBY alone powers off.
type DA9063 struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs     sim.Observer
	cfg     DA9063Config
	regs    [daRegisters]uint8
	ptr     uint16 // register pointer within the window
	havePtr bool   // the first byte of a write transfer sets the pointer
	wakeup  bool   // CONTROL_F.WAKEUP was written
	done    bool   // power already cut: the chip ignores further traffic
}

// NewDA9063 builds the PMIC. DEVICE_ID reads 0x61 (DA9063); VARIANT_ID
// defaults to 0x63 (*unverified*: the variant fitted to the Unmatched).
func NewDA9063(cfg DA9063Config) (*DA9063, error) {
	d := &DA9063{cfg: cfg, Obs: cfg.Obs}
	d.regs[daDeviceID] = daChipIDDA9063
	d.regs[daVariant] = daVariantIDDefault
	for a, v := range cfg.Reset {
		if a >= daRegisters {
			return nil, fmt.Errorf("da9063 %s: register %#x out of range", cfg.Name, a)
		}
		d.regs[a] = v
	}
	return d, nil
}

// Register returns the 9-bit register a.
func (d *DA9063) Register(a uint16) uint8 {
	if a >= daRegisters {
		return 0
	}
	return d.regs[d.canonical(a)]
}

// canonical folds PAGE_CON's mirrors (it appears at the start of every
// 128-register page) onto address 0.
func (d *DA9063) canonical(a uint16) uint16 {
	if a&0x7F == 0 {
		return daPageCon
	}
	return a
}

// addr maps a transfer's 8-bit pointer into the 9-bit register space:
// PAGE_CON's page field selects pages 0-1 (0) or 2-3 (2).
func (d *DA9063) addr(p uint16) uint16 {
	page := uint16(d.regs[daPageCon] & daPageConWindowBits)
	return d.canonical((page*0x80 + p) % daRegisters)
}

// Start implements I2CTarget.
func (d *DA9063) Start(read bool) bool {
	if !read {
		d.havePtr = false
	}
	return !d.done
}

// Send implements I2CTarget.
func (d *DA9063) Send(b byte) bool {
	if d.done {
		return false
	}
	if !d.havePtr {
		d.ptr, d.havePtr = uint16(b), true
		return true
	}
	d.store(d.addr(d.ptr), b)
	d.ptr = (d.ptr + 1) & 0xFF
	return true
}

// Recv implements I2CTarget.
func (d *DA9063) Recv(bool) byte {
	v := d.regs[d.addr(d.ptr)]
	d.ptr = (d.ptr + 1) & 0xFF
	return v
}

// Stop implements I2CTarget.
func (d *DA9063) Stop() {}

func (d *DA9063) store(a uint16, v uint8) {
	switch a {
	case daDeviceID, daVariant, daDeviceID + 2, daDeviceID + 3:
		return // identification is read-only
	}
	d.regs[a] = v
	if d.Obs != nil {
		d.Obs.Observe(&sim.Event{Kind: sim.KindMMIO, Hart: -1, Device: d.cfg.Name, Addr: uint64(a), Value: uint64(v), Size: 1, Write: true})
	}
	switch a {
	case daControlF:
		if v&daControlFWakeup != 0 {
			d.wakeup = true
		}
		if v&daControlFShutdown != 0 {
			d.power(true)
		}
	case daControlA:
		if v&daControlAStandby != 0 {
			d.power(!d.wakeup)
		}
	}
}

func (d *DA9063) power(off bool) {
	if d.done {
		return
	}
	d.done = true
	text := "da9063: power off"
	if !off {
		text = "da9063: power cycle (reboot)"
	}
	observeDevice(d.Obs, d.cfg.Name, text, 0)
	if d.cfg.OnPower != nil {
		d.cfg.OnPower(off)
	}
}
