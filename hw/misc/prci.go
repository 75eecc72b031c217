package misc

import (
	"fmt"
	"sort"

	"cosim/hw/sim"
)

// PRCISize is the PRCI register window.
const PRCISize = 0x1000

// PLL configuration word (Analog Bits WRPLL as the SiFive PRCI wraps it;
// Linux drivers/clk/sifive/sifive-prci.h): divr [5:0], divf [14:6], divq
// [17:15], range [20:18], bypass 24, fse 25, lock 31.
// f_out = f_ref / (divr+1) * 2*(divf+1) / 2^divq.
const (
	pllLock   = 1 << 31
	pllFSE    = 1 << 25
	pllBypass = 1 << 24
	hfxoscEn  = 1 << 30
	hfxoscRdy = 1 << 31
	clkEnable = 1 << 31 // CKE of a PLL's CFG1/outdiv register
)

// PLLConfig encodes a PLL configuration word with the lock bit set.
func PLLConfig(divr, divf, divq, rng uint32) uint32 {
	return divr&0x3F | (divf&0x1FF)<<6 | (divq&7)<<15 | (rng&7)<<18 | pllFSE | pllLock
}

// PLLRate computes the output of a PLL configured by cfg from refHz.
func PLLRate(cfg uint32, refHz uint64) uint64 {
	if cfg&pllBypass != 0 {
		return refHz
	}
	divr, divf, divq := uint64(cfg&0x3F), uint64(cfg>>6&0x1FF), uint64(cfg>>15&7)
	return refHz * 2 * (divf + 1) / (divr + 1) >> divq
}

// PRCIVariant names a register layout.
type PRCIVariant int

const (
	// PRCIFU740 is the FU740-C000 PRCI with the values firmware finds
	// after U-Boot SPL on a HiFive Unmatched.
	PRCIFU740 PRCIVariant = iota
	// PRCIFU540 is the FU540-C000 PRCI as QEMU 7.2's sifive_u_prci models it.
	PRCIFU540
)

// prciReg is one register: its reset value, the bits a write cannot clear
// (lock and ready bits of PLLs that lock at once), and whether writes are
// ignored.
type prciReg struct {
	name     string
	reset    uint32
	forceSet uint32
	readOnly bool
}

// FU740 register map (Linux fu740-prci/sifive-prci.h, coreboot's fu740
// clock.c for the undocumented ones) and reset values.
//
// Facts: the offsets; hfclk 26 MHz; U-Boot's fu740-c000-u-boot.dtsi asks
// for corepll 1.2 GHz, the DDR controller clock 933333324 Hz and gemgxlpll
// 125.125 MHz; the PLL formula and VCO range 2.4-4.8 GHz; PCLK = hfpclkpll /
// (HFPCLKPLLDIV + 2).
// Derived: the nearest PLL settings the WRPLL rules give for those requests
// from 26 MHz: corepll divr 0 divf 91 divq 2 = 1196 MHz (4784 MHz VCO),
// ddrpll divr 0 divf 71 divq 2 = 936 MHz, gemgxlpll divr 0 divf 76 divq 5 =
// 125.125 MHz.
// *Unverified* defaults: hfpclkpll 260 MHz (divf 79 divq 4) with divider 0,
// so PCLK (UART, I2C, GPIO, SPI, PWM) = 130 MHz; range field 4 for a 26 MHz
// reference; the reset register with every device out of reset (0x3F);
// PCIE_AUX enabled; CLKMUXSTATUS 0 (tlclk = coreclk/2); dvfscorepll and
// cltxpll unconfigured.
var fu740Regs = map[uint64]prciReg{
	0x00: {"hfxosccfg", hfxoscEn | hfxoscRdy, hfxoscRdy, false},
	0x04: {"corepllcfg0", PLLConfig(0, 91, 2, 4), pllLock, false},
	0x08: {"corepllcfg1", clkEnable, 0, false},
	0x0C: {"ddrpllcfg0", PLLConfig(0, 71, 2, 4), pllLock, false},
	0x10: {"ddrpllcfg1", clkEnable, 0, false},
	0x14: {"pcie_aux", 1, 0, false},
	0x1C: {"gemgxlpllcfg0", PLLConfig(0, 76, 5, 4), pllLock, false},
	0x20: {"gemgxlpllcfg1", clkEnable, 0, false},
	0x24: {"coreclksel", 0, 0, false},
	0x28: {"devicesresetreg", 0x3F, 0, false},
	0x2C: {"clkmuxstatusreg", 0, 0, true},
	0x30: {"cltxpllcfg0", PLLConfig(0, 0, 0, 0), pllLock, false},
	0x34: {"cltxpllcfg1", 0, 0, false},
	0x38: {"dvfscorepllcfg0", PLLConfig(0, 0, 0, 0), pllLock, false},
	0x3C: {"dvfscorepllcfg1", 0, 0, false},
	0x40: {"corepllsel", 0, 0, false},
	0x50: {"hfpclkpllcfg0", PLLConfig(0, 79, 4, 4), pllLock, false},
	0x54: {"hfpclkpllcfg1", clkEnable, 0, false},
	0x58: {"hfpclkpllsel", 0, 0, false},
	0x5C: {"hfpclkplldiv", 0, 0, false},
	0xE0: {"prcipll", 0x3F, 0, true},
	0xF0: {"procmoncfg", 0, 0, false},
}

// FU540 register map and reset values exactly as QEMU 7.2 reads them
// (hw/misc/sifive_u_prci.c): hfxosc ready, the three PLLs at divr 1 divf 31
// divq 3 with fse and lock, coreclksel 1. Writes to the oscillator and PLL
// configurations keep ready/lock set.
var fu540Regs = map[uint64]prciReg{
	0x00: {"hfxosccfg", hfxoscEn | hfxoscRdy, hfxoscRdy, false},
	0x04: {"corepllcfg0", 0x820187C1, pllLock, false},
	0x0C: {"ddrpllcfg0", 0x820187C1, pllLock, false},
	0x10: {"ddrpllcfg1", 0, 0, false},
	0x1C: {"gemgxlpllcfg0", 0x820187C1, pllLock, false},
	0x20: {"gemgxlpllcfg1", 0, 0, false},
	0x24: {"coreclksel", 1, 0, false},
	0x28: {"devicesresetreg", 0, 0, false},
	0x2C: {"clkmuxstatusreg", 0, 0, false},
}

// PRCIConfig describes a PRCI block.
type PRCIConfig struct {
	Name    string
	Variant PRCIVariant
	// HfclkHz is the reference oscillator (26 MHz on the FU740, 33.33 MHz
	// on QEMU's sifive_u); it is used only by the rate helpers.
	HfclkHz uint64
	// Reset overrides reset values by offset (board data).
	Reset map[uint64]uint32
	Obs   sim.Observer
}

// PRCI is the power, reset, clock and interrupt block: a table of 32-bit
// registers whose PLLs lock as soon as they are configured.
type PRCI struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs  sim.Observer
	cfg  PRCIConfig
	regs map[uint64]prciReg
	val  map[uint64]uint32
}

// NewPRCI builds a PRCI in its reset state.
func NewPRCI(cfg PRCIConfig) (*PRCI, error) {
	var regs map[uint64]prciReg
	switch cfg.Variant {
	case PRCIFU740:
		regs = fu740Regs
		if cfg.HfclkHz == 0 {
			cfg.HfclkHz = 26_000_000
		}
	case PRCIFU540:
		regs = fu540Regs
		if cfg.HfclkHz == 0 {
			cfg.HfclkHz = 33_333_333
		}
	default:
		return nil, fmt.Errorf("prci %s: unknown variant %d", cfg.Name, cfg.Variant)
	}
	p := &PRCI{cfg: cfg, Obs: cfg.Obs, regs: regs, val: make(map[uint64]uint32, len(regs))}
	for off, r := range regs {
		p.val[off] = r.reset
	}
	offs := make([]uint64, 0, len(cfg.Reset))
	for off := range cfg.Reset {
		offs = append(offs, off)
	}
	sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
	for _, off := range offs {
		if _, ok := regs[off]; !ok {
			return nil, fmt.Errorf("prci %s: reset value for unknown register %#x", cfg.Name, off)
		}
		p.val[off] = cfg.Reset[off]
	}
	return p, nil
}

// Read implements mem.Device (32-bit registers; offsets without a register
// read as zero, as QEMU's model).
func (p *PRCI) Read(off uint64, size int) (uint64, bool) {
	if size != 4 || off%4 != 0 || off >= PRCISize {
		return 0, false
	}
	v := p.val[off]
	observeMMIO(p.Obs, p.cfg.Name, off, uint64(v), size, false)
	return uint64(v), true
}

// Write implements mem.Device.
func (p *PRCI) Write(off uint64, size int, v uint64) bool {
	if size != 4 || off%4 != 0 || off >= PRCISize {
		return false
	}
	observeMMIO(p.Obs, p.cfg.Name, off, v, size, true)
	r, ok := p.regs[off]
	if !ok || r.readOnly {
		return true
	}
	p.val[off] = uint32(v) | r.forceSet
	return true
}

// Register returns the current value of the register at off.
func (p *PRCI) Register(off uint64) uint32 { return p.val[off] }

// CoreClockHz is the hart clock the registers select: hfclk while
// CORECLKSEL picks it, else the core PLL (or, on the FU740, the DVFS PLL
// when COREPLLSEL picks it).
func (p *PRCI) CoreClockHz() uint64 {
	if p.val[0x24]&1 != 0 {
		return p.cfg.HfclkHz
	}
	pll := uint64(0x04)
	if p.cfg.Variant == PRCIFU740 && p.val[0x40]&1 != 0 {
		pll = 0x38
	}
	return PLLRate(p.val[pll], p.cfg.HfclkHz)
}

// PeripheralClockHz is the FU740's PCLK (UART, I2C, SPI, GPIO, PWM
// input), hfpclkpll or hfclk divided by HFPCLKPLLDIV+2. On the FU540 the
// peripherals run from tlclk = coreclk/2.
func (p *PRCI) PeripheralClockHz() uint64 {
	if p.cfg.Variant == PRCIFU540 {
		return p.CoreClockHz() / 2
	}
	src := p.cfg.HfclkHz
	if p.val[0x58]&1 == 0 {
		src = PLLRate(p.val[0x50], p.cfg.HfclkHz)
	}
	return src / (uint64(p.val[0x5C]) + 2)
}
