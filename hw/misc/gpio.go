package misc

import (
	"fmt"

	"cosim/hw/sim"
)

// SiFive GPIO registers (FU540/FU740 manuals; QEMU hw/gpio/sifive_gpio.c).
const (
	gpioInputVal  = 0x00
	gpioInputEn   = 0x04
	gpioOutputEn  = 0x08
	gpioOutputVal = 0x0C
	gpioPUE       = 0x10
	gpioDS        = 0x14
	gpioRiseIE    = 0x18
	gpioRiseIP    = 0x1C
	gpioFallIE    = 0x20
	gpioFallIP    = 0x24
	gpioHighIE    = 0x28
	gpioHighIP    = 0x2C
	gpioLowIE     = 0x30
	gpioLowIP     = 0x34
	gpioIOFEn     = 0x38
	gpioIOFSel    = 0x3C
	gpioOutXor    = 0x40
	gpioPTHighIE  = 0x44
	gpioPTLowIE   = 0x48
	// GPIOSize is the register window.
	GPIOSize = 0x1000
)

// GPIOConfig describes a SiFive GPIO block.
type GPIOConfig struct {
	Name string
	Pins int // 16 on the FU540/FU740
	// OnOutput is told each change of a pin the block drives (output
	// enabled), e.g. the FU740's PCIe PWREN (5) and PERST# (8), or a
	// gpio-restart/poweroff line.
	OnOutput func(pin int, level bool)
	Obs      sim.Observer
}

// GPIO models the pins' levels and the four interrupt kinds per pin. A pin
// with output enabled is driven to port XOR out_xor; otherwise to what
// SetInput last drove, or high with its pull-up enabled, or low.
type GPIO struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs    sim.Observer
	cfg    GPIOConfig
	mask   uint32
	r      map[uint64]uint32
	ext    uint32 // levels driven from outside
	extOn  uint32 // which pins are driven from outside
	level  uint32 // current pin levels
	driven uint32 // output-enabled pins' levels last reported
	prevOE uint32 // output enables at the last report
	irqLvl uint32
	// IRQ holds one interrupt wire per pin.
	IRQ []sim.Line
}

// NewGPIO builds the block with every register zero.
func NewGPIO(cfg GPIOConfig) (*GPIO, error) {
	if cfg.Pins < 1 || cfg.Pins > 32 {
		return nil, fmt.Errorf("gpio %s: %d pins (want 1..32)", cfg.Name, cfg.Pins)
	}
	g := &GPIO{cfg: cfg, Obs: cfg.Obs, mask: uint32(1<<cfg.Pins - 1), r: map[uint64]uint32{}, IRQ: make([]sim.Line, cfg.Pins)}
	g.update()
	return g, nil
}

// SetInput drives pin from outside the chip.
func (g *GPIO) SetInput(pin int, level bool) {
	if pin < 0 || pin >= g.cfg.Pins {
		return
	}
	g.extOn |= 1 << pin
	if level {
		g.ext |= 1 << pin
	} else {
		g.ext &^= 1 << pin
	}
	g.update()
}

// ReleaseInput stops driving pin from outside.
func (g *GPIO) ReleaseInput(pin int) {
	if pin >= 0 && pin < g.cfg.Pins {
		g.extOn &^= 1 << pin
		g.update()
	}
}

// Level reports pin's current level.
func (g *GPIO) Level(pin int) bool { return pin >= 0 && pin < 32 && g.level>>pin&1 != 0 }

// Read implements mem.Device (32-bit registers).
func (g *GPIO) Read(off uint64, size int) (uint64, bool) {
	if size != 4 || off%4 != 0 || off >= GPIOSize {
		return 0, false
	}
	var v uint32
	if off == gpioInputVal {
		v = g.level & g.r[gpioInputEn]
	} else if off <= gpioPTLowIE {
		v = g.r[off]
	}
	observeMMIO(g.Obs, g.cfg.Name, off, uint64(v), size, false)
	return uint64(v), true
}

// Write implements mem.Device.
func (g *GPIO) Write(off uint64, size int, v uint64) bool {
	if size != 4 || off%4 != 0 || off >= GPIOSize {
		return false
	}
	observeMMIO(g.Obs, g.cfg.Name, off, v, size, true)
	x := uint32(v) & g.mask
	switch off {
	case gpioInputVal:
		// read-only
	case gpioRiseIP, gpioFallIP, gpioHighIP, gpioLowIP:
		g.r[off] &^= x // write one to clear
	default:
		if off <= gpioPTLowIE {
			g.r[off] = x
		}
	}
	g.update()
	return true
}

// update recomputes pin levels, latches edge and level interrupts, reports
// output changes and drives the interrupt wires.
func (g *GPIO) update() {
	oe := g.r[gpioOutputEn]
	out := (g.r[gpioOutputVal] ^ g.r[gpioOutXor]) & oe
	in := g.ext&g.extOn | g.r[gpioPUE]&^g.extOn
	lvl := (out | in&^oe) & g.mask
	ien := g.r[gpioInputEn]
	rise, fall := lvl&^g.level&ien, g.level&^lvl&ien
	g.level = lvl
	g.r[gpioRiseIP] |= rise
	g.r[gpioFallIP] |= fall
	g.r[gpioHighIP] |= lvl & ien
	g.r[gpioLowIP] |= ^lvl & ien & g.mask
	changed := oe & ((lvl ^ g.driven) | oe&^g.prevOE)
	g.driven, g.prevOE = lvl&oe, oe
	for pin := 0; pin < g.cfg.Pins && g.cfg.OnOutput != nil; pin++ {
		if changed>>pin&1 != 0 {
			g.cfg.OnOutput(pin, lvl>>pin&1 != 0)
		}
	}
	irq := g.r[gpioRiseIP]&g.r[gpioRiseIE] | g.r[gpioFallIP]&g.r[gpioFallIE] |
		g.r[gpioHighIP]&g.r[gpioHighIE] | g.r[gpioLowIP]&g.r[gpioLowIE]
	for pin := 0; pin < g.cfg.Pins; pin++ {
		if (irq^g.irqLvl)>>pin&1 != 0 {
			g.IRQ[pin].Set(irq>>pin&1 != 0)
		}
	}
	g.irqLvl = irq
}
