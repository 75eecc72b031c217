package boards

import (
	"fmt"
	"net"
	"sort"
	"strings"
)

// kindSpec is one device kind's part of the schema: the keys it allows
// (besides name and kind), whether it is memory mapped, its DTB defaults and
// how its typed parameters are built.
type kindSpec struct {
	keys   string // space-separated
	mapped mapping
	node   string // default DTB node name; "" = no node of its own
	compat func(d *deviceTOML) []string
	build  func(l *loader, path string, d *deviceTOML, out *Device) Params
}

type mapping int

const (
	mapRequired mapping = iota // base and size required
	mapOptional                // both or neither
	mapNone                    // not memory mapped
)

func fixed(c ...string) func(*deviceTOML) []string {
	return func(*deviceTOML) []string { return c }
}

const dtKeys = " compatible node"

var kindSpecs = map[Kind]*kindSpec{
	KindPLIC: {
		keys: "base size sources priorities contexts dtb_hide_m_contexts" + dtKeys,
		node: "interrupt-controller", compat: fixed("sifive,plic-1.0.0", "riscv,plic0"),
		build: buildPLIC,
	},
	KindCLINT: {
		keys: "base size" + dtKeys,
		node: "clint", compat: fixed("sifive,clint0", "riscv,clint0"),
		build: func(*loader, string, *deviceTOML, *Device) Params { return &CLINT{} },
	},
	KindUART: {
		keys: "base size irqs interrupt_parent variant clock reg_shift reg_io_width prci_clock" + dtKeys,
		node: "serial",
		compat: func(d *deviceTOML) []string {
			if d.Variant == "sifive" {
				return []string{"sifive,uart0"}
			}
			return []string{"ns16550a"}
		},
		build: buildUART,
	},
	KindTestFinisher: {
		keys: "base size" + dtKeys,
		node: "test", compat: fixed("sifive,test1", "sifive,test0", "syscon"),
		build: func(*loader, string, *deviceTOML, *Device) Params { return &TestFinisher{} },
	},
	KindRTCGoldfish: {
		keys: "base size irqs interrupt_parent" + dtKeys,
		node: "rtc", compat: fixed("google,goldfish-rtc"),
		build: func(*loader, string, *deviceTOML, *Device) Params { return &RTCGoldfish{} },
	},
	KindVirtioMMIO: {
		keys: "base size irqs interrupt_parent count" + dtKeys,
		node: "virtio_mmio", compat: fixed("virtio,mmio"),
		build: func(*loader, string, *deviceTOML, *Device) Params { return &VirtioMMIO{} },
	},
	KindPCIeECAM: {
		keys: "base size irqs interrupt_parent windows buses intx_swizzle domain" + dtKeys,
		node: "pci", compat: fixed("pci-host-ecam-generic"),
		build: buildPCIeECAM,
	},
	KindPCIeDW: {
		keys: "base size irqs interrupt_parent config mgmt windows buses num_lanes gpio pwren_gpio perst_gpio prci_clock prci_reset" + dtKeys,
		node: "pcie", compat: fixed("sifive,fu740-pcie"),
		build: buildPCIeDW,
	},
	KindNVMe: {
		keys: "host slot serial namespaces latency", mapped: mapNone,
		build: buildNVMe,
	},
	KindHTIF: {
		keys: "base size" + dtKeys, mapped: mapOptional,
		node: "htif", compat: fixed("ucb,htif0"),
		build: func(_ *loader, _ string, d *deviceTOML, _ *Device) Params { return &HTIF{FromELF: d.Base == nil} },
	},
	KindPRCI: {
		keys: "base size variant hfclk rtcclk" + dtKeys,
		node: "clock-controller",
		compat: func(d *deviceTOML) []string {
			return []string{"sifive," + d.Variant + "-c000-prci"}
		},
		build: buildPRCI,
	},
	KindL2Cache: {
		keys: "base size irqs interrupt_parent" + dtKeys,
		node: "cache-controller", compat: fixed("sifive,ccache0", "cache"),
		build: func(*loader, string, *deviceTOML, *Device) Params { return &L2Controller{} },
	},
	KindGPIO: {
		keys: "base size irqs interrupt_parent lines poweroff_line restart_line prci_clock" + dtKeys,
		node: "gpio", compat: fixed("sifive,gpio0"),
		build: buildGPIO,
	},
	KindI2C: {
		keys: "base size irqs interrupt_parent reg_shift reg_io_width pmic prci_clock" + dtKeys,
		node: "i2c", compat: fixed("sifive,i2c0"),
		build: buildI2C,
	},
	KindPWM: {
		keys: "base size irqs interrupt_parent pwm_cells prci_clock" + dtKeys,
		node: "pwm", compat: fixed("sifive,pwm0"),
		build: func(_ *loader, _ string, d *deviceTOML, _ *Device) Params {
			return &PWM{Cells: intOr(d.PWMCells, 3)}
		},
	},
	KindSPI: {
		keys: "base size regs irqs interrupt_parent prci_clock" + dtKeys,
		node: "spi", compat: fixed("sifive,spi0"),
		build: func(*loader, string, *deviceTOML, *Device) Params { return &SPI{} },
	},
	KindGEM: {
		keys: "base size regs irqs interrupt_parent mac phy_mode prci_clock" + dtKeys,
		node: "ethernet", compat: fixed("sifive,fu540-c000-gem"),
		build: buildGEM,
	},
	KindOTP: {
		keys: "base size fuses" + dtKeys,
		node: "otp", compat: fixed("sifive,fu540-c000-otp"),
		build: func(_ *loader, _ string, d *deviceTOML, _ *Device) Params { return &OTP{Fuses: d.Fuses} },
	},
	KindDDRCtrl: {
		keys: "base size regs prci_clock" + dtKeys,
		node: "dmc", compat: fixed("sifive,fu740-c000-ddr"),
		build: func(*loader, string, *deviceTOML, *Device) Params { return &DDRCtrl{} },
	},
	KindPDMA: {
		keys: "base size irqs interrupt_parent channels prci_clock" + dtKeys,
		node: "dma", compat: fixed("sifive,fu540-c000-pdma"),
		build: func(_ *loader, _ string, d *deviceTOML, _ *Device) Params { return &PDMA{Channels: d.Channels} },
	},
	KindDTIM: {
		keys:  "base size hart",
		build: buildDTIM,
	},
	KindLIM: {
		keys:  "base size",
		build: func(*loader, string, *deviceTOML, *Device) Params { return &LIM{} },
	},
}

// Kinds lists every device kind, sorted.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kindSpecs))
	for k := range kindSpecs {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// KindKeys lists the keys a device of kind k accepts, name and kind first.
func KindKeys(k Kind) []string {
	s, ok := kindSpecs[k]
	if !ok {
		return nil
	}
	return append([]string{"name", "kind"}, strings.Fields(s.keys)...)
}

func (s *kindSpec) allows(key string) bool {
	if key == "name" || key == "kind" {
		return true
	}
	for _, k := range strings.Fields(s.keys) {
		if k == key {
			return true
		}
	}
	return false
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func buildPLIC(l *loader, path string, d *deviceTOML, _ *Device) Params {
	p := &PLIC{Sources: d.Sources, Priorities: intOr(d.Priorities, 7), HideMContextsInDTB: d.DTBHideMContexts}
	if d.Sources < 1 || d.Sources > 1023 {
		l.errorf(path+".sources", "a PLIC has 1..1023 sources (riscv,ndev), got %d", d.Sources)
	}
	if p.Priorities < 1 {
		l.errorf(path+".priorities", "need at least 1 priority level, got %d", p.Priorities)
	}
	all := l.allHarts
	if d.Contexts == nil {
		// The SiFive layout: per hart in order, an M context, then an S
		// context if the hart has S-mode.
		for _, h := range all {
			p.AllContexts = append(p.AllContexts, PLICContext{Hart: h.ID, Mode: 'M'})
			if h.SMode {
				p.AllContexts = append(p.AllContexts, PLICContext{Hart: h.ID, Mode: 'S'})
			}
		}
	} else {
		seen := map[PLICContext]bool{}
		for i, s := range d.Contexts {
			c, err := parseContext(s)
			if err != nil {
				l.errorf(path+".contexts", "context %d: %v", i, err)
				continue
			}
			switch {
			case c.Hart >= len(all):
				l.errorf(path+".contexts", "context %d (%q) names hart %d, but the board declares harts 0..%d", i, s, c.Hart, len(all)-1)
				continue
			case c.Mode == 'S' && !all[c.Hart].SMode:
				l.errorf(path+".contexts", "context %d (%q): hart %d has no S-mode", i, s, c.Hart)
				continue
			case seen[c]:
				l.errorf(path+".contexts", "context %d (%q) is listed twice", i, s)
				continue
			}
			seen[c] = true
			p.AllContexts = append(p.AllContexts, c)
		}
	}
	for _, c := range p.AllContexts {
		if c.Hart < l.nHarts {
			p.Contexts = append(p.Contexts, c)
		}
	}
	return p
}

// parseContext parses "3:S" (hart 3, supervisor).
func parseContext(s string) (PLICContext, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	var c PLICContext
	if !ok {
		return c, fmt.Errorf("%q is not HART:MODE such as \"1:S\"", s)
	}
	if _, err := fmt.Sscanf(h, "%d", &c.Hart); err != nil || c.Hart < 0 {
		return c, fmt.Errorf("%q: bad hart number", s)
	}
	switch strings.ToUpper(m) {
	case "M":
		c.Mode = 'M'
	case "S":
		c.Mode = 'S'
	default:
		return c, fmt.Errorf("%q: mode must be M or S", s)
	}
	return c, nil
}

func buildUART(l *loader, path string, d *deviceTOML, _ *Device) Params {
	u := &UART{Variant: d.Variant, ClockHz: uint64(d.Clock), RegShift: intOr(d.RegShift, 0), RegIOWidth: intOr(d.RegIOWidth, 1)}
	switch d.Variant {
	case "ns16550a":
	case "sifive":
		if d.RegShift != nil || d.RegIOWidth != nil {
			l.errorf(path+".reg_shift", "reg_shift and reg_io_width apply to ns16550a UARTs only")
		}
	case "":
		l.errorf(path, "missing required key \"variant\" (\"ns16550a\" or \"sifive\")")
	default:
		l.errorf(path+".variant", "unknown UART variant %q (want \"ns16550a\" or \"sifive\")", d.Variant)
	}
	if u.ClockHz == 0 {
		l.errorf(path, "missing required key \"clock\" (the UART's input clock)")
	}
	if u.RegShift < 0 || u.RegShift > 3 {
		l.errorf(path+".reg_shift", "reg_shift must be 0..3, got %d", u.RegShift)
	}
	if w := u.RegIOWidth; w != 1 && w != 2 && w != 4 {
		l.errorf(path+".reg_io_width", "reg_io_width must be 1, 2 or 4, got %d", w)
	}
	return u
}

func (l *loader) pciWindows(path string, ws []pciWindowTOML) []PCIWindow {
	var out []PCIWindow
	for i, w := range ws {
		var t PCISpace = -1
		for j, n := range pciSpaceNames {
			if w.Type == n {
				t = PCISpace(j)
			}
		}
		if t < 0 {
			l.errorf(path+".windows", "window %d: type %q is not one of io, mem, mem64, prefetch", i, w.Type)
			continue
		}
		if w.Base == nil || w.Size == nil || *w.Size == 0 {
			l.errorf(path+".windows", "window %d: base and a non-zero size are required", i)
			continue
		}
		pw := PCIWindow{Type: t, Size: uint64(*w.Size)}
		if w.Base.Keyword == "above-dram" {
			dram, ok := l.dram()
			if !ok {
				l.errorf(path+".windows", "window %d: \"above-dram\" needs a DRAM region", i)
				continue
			}
			if pw.Size&(pw.Size-1) != 0 {
				l.errorf(path+".windows", "window %d: \"above-dram\" needs a power-of-two size", i)
				continue
			}
			pw.CPU = (dram.Base + dram.Size + pw.Size - 1) &^ (pw.Size - 1)
		} else if w.Base.Keyword != "" {
			l.errorf(path+".windows", "window %d: base %q is not an address or \"above-dram\"", i, w.Base.Keyword)
			continue
		} else {
			pw.CPU = w.Base.Value
		}
		switch {
		case w.PCI != nil:
			pw.PCI = uint64(*w.PCI)
		case t == PCIIO:
			pw.PCI = 0
		default:
			pw.PCI = pw.CPU
		}
		out = append(out, pw)
	}
	return out
}

func buildPCIeECAM(l *loader, path string, d *deviceTOML, out *Device) Params {
	p := &PCIeECAM{Windows: l.pciWindows(path, d.Windows), IntxSwizzle: d.IntxSwizzle, Domain: d.Domain}
	p.Buses = d.Buses
	if p.Buses == 0 && d.Size != nil {
		p.Buses = int(uint64(*d.Size) >> 20) // 1 MiB of ECAM per bus
	}
	if p.Buses < 1 || p.Buses > 256 {
		l.errorf(path+".buses", "a PCIe host has 1..256 buses, got %d", p.Buses)
	}
	if len(d.IRQs) != 4 {
		l.errorf(path+".irqs", "want 4 IRQs (INTA..INTD), got %d", len(d.IRQs))
	}
	return p
}

func (l *loader) window(path string, w *windowTOML) Window {
	if w == nil || w.Base == nil || w.Size == nil || w.Base.Keyword != "" {
		l.errorf(path, "want { base = ..., size = ... }")
		return Window{}
	}
	return Window{Name: w.Name, Base: w.Base.Value, Size: uint64(*w.Size)}
}

func buildPCIeDW(l *loader, path string, d *deviceTOML, out *Device) Params {
	p := &PCIeDW{Windows: l.pciWindows(path, d.Windows), Buses: d.Buses, Lanes: d.Lanes, GPIO: d.GPIO,
		PowerGPIO: intOr(d.PowerGPIO, -1), ResetGPIO: intOr(d.ResetGPIO, -1), PRCIReset: intOr(d.PRCIReset, -1)}
	if p.Buses == 0 {
		p.Buses = 256
	}
	if d.Config == nil {
		l.errorf(path, "missing required key \"config\" (the configuration-space window)")
	} else {
		p.Config = l.window(path+".config", d.Config)
		p.Config.Name = "config"
	}
	if d.Mgmt == nil {
		l.errorf(path, "missing required key \"mgmt\" (the management registers)")
	} else {
		p.Mgmt = l.window(path+".mgmt", d.Mgmt)
		p.Mgmt.Name = "mgmt"
	}
	// Config and mgmt are register windows of the host: decode and overlap
	// checks see them like any other.
	out.Regs = append(out.Regs, p.Config, p.Mgmt)
	if len(d.IRQs) < 5 {
		l.errorf(path+".irqs", "want at least 5 IRQs (MSI, INTA..INTD), got %d", len(d.IRQs))
	} else {
		p.MSIIRQ = d.IRQs[0]
		copy(p.IntxIRQs[:], d.IRQs[1:5])
	}
	if (p.PowerGPIO >= 0 || p.ResetGPIO >= 0) && p.GPIO == "" {
		l.errorf(path+".gpio", "pwren_gpio/perst_gpio need \"gpio\" naming the GPIO controller")
	}
	return p
}

func buildNVMe(l *loader, path string, d *deviceTOML, _ *Device) Params {
	p := &NVMe{Host: d.Host, Slot: d.Slot, Serial: d.Serial}
	if d.Host == "" {
		l.errorf(path, "missing required key \"host\" (the PCIe host the controller sits behind)")
	}
	if d.Slot < 0 || d.Slot > 31 {
		l.errorf(path+".slot", "PCI device number must be 0..31, got %d", d.Slot)
	}
	if d.Latency != nil {
		p.Latency = NVMeLatency{Read: durationOf(d.Latency.Read), Write: durationOf(d.Latency.Write),
			Flush: durationOf(d.Latency.Flush), Admin: durationOf(d.Latency.Admin)}
	}
	if len(d.Namespaces) == 0 {
		l.errorf(path, "missing required key \"namespaces\"")
	}
	ids := map[int]bool{}
	for i, ns := range d.Namespaces {
		n := Namespace{ID: ns.ID, BlockSize: ns.BlockSize}
		if n.ID == 0 {
			n.ID = i + 1
		}
		if n.BlockSize == 0 {
			n.BlockSize = 512
		}
		if ids[n.ID] {
			l.errorf(path+".namespaces", "namespace %d: id %d is used twice", i, n.ID)
		}
		ids[n.ID] = true
		if n.BlockSize < 512 || n.BlockSize&(n.BlockSize-1) != 0 {
			l.errorf(path+".namespaces", "namespace %d: block_size must be a power of two >= 512, got %d", i, n.BlockSize)
		}
		if ns.Size == nil || *ns.Size == 0 || uint64(*ns.Size)%uint64(max(n.BlockSize, 1)) != 0 {
			l.errorf(path+".namespaces", "namespace %d: size must be a non-zero multiple of the block size", i)
		} else {
			n.Size = uint64(*ns.Size)
		}
		p.Namespaces = append(p.Namespaces, n)
	}
	return p
}

func buildPRCI(l *loader, path string, d *deviceTOML, _ *Device) Params {
	p := &PRCI{Variant: d.Variant, HFClkHz: uint64(d.HFClk), RTCClkHz: uint64(d.RTCClk)}
	if d.Variant != "fu740" && d.Variant != "fu540" {
		l.errorf(path+".variant", "PRCI variant must be \"fu740\" or \"fu540\", got %q", d.Variant)
	}
	if p.HFClkHz == 0 || p.RTCClkHz == 0 {
		l.errorf(path, "missing required keys \"hfclk\" and \"rtcclk\" (the PRCI's input clocks)")
	}
	return p
}

func buildGPIO(l *loader, path string, d *deviceTOML, _ *Device) Params {
	p := &GPIO{Lines: d.Lines, PowerOffLine: intOr(d.PowerOff, -1), RestartLine: intOr(d.Restart, -1)}
	if p.Lines < 1 || p.Lines > 32 {
		l.errorf(path+".lines", "a SiFive GPIO has 1..32 lines, got %d", p.Lines)
	}
	if len(d.IRQs) != 0 && len(d.IRQs) != p.Lines {
		l.errorf(path+".irqs", "want one IRQ per line (%d), got %d", p.Lines, len(d.IRQs))
	}
	for _, ln := range []struct {
		key string
		v   int
	}{{"poweroff_line", p.PowerOffLine}, {"restart_line", p.RestartLine}} {
		if ln.v >= p.Lines {
			l.errorf(path+"."+ln.key, "line %d does not exist (the controller has %d)", ln.v, p.Lines)
		}
	}
	return p
}

func buildI2C(l *loader, path string, d *deviceTOML, _ *Device) Params {
	p := &I2C{RegShift: intOr(d.RegShift, 2), RegIOWidth: intOr(d.RegIOWidth, 1)}
	if d.PMIC != nil {
		m := &PMIC{Model: d.PMIC.Model, GPIOIRQ: intOr(d.PMIC.GPIOIRQ, -1)}
		if m.Model != "da9063" {
			l.errorf(path+".pmic.model", "unknown PMIC %q (known: \"da9063\")", m.Model)
		}
		if d.PMIC.Addr == nil || *d.PMIC.Addr > 0x7f {
			l.errorf(path+".pmic", "pmic needs a 7-bit I2C \"addr\"")
		} else {
			m.Addr = uint8(*d.PMIC.Addr)
		}
		p.PMIC = m
	}
	return p
}

func buildGEM(l *loader, path string, d *deviceTOML, _ *Device) Params {
	p := &GEM{PHYMode: d.PHYMode}
	if p.PHYMode == "" {
		p.PHYMode = "gmii"
	}
	if d.MAC != "" {
		hw, err := net.ParseMAC(d.MAC)
		if err != nil || len(hw) != 6 {
			l.errorf(path+".mac", "%q is not a MAC address such as \"52:54:00:12:34:56\"", d.MAC)
		} else {
			copy(p.MAC[:], hw)
		}
	}
	return p
}

func buildDTIM(l *loader, path string, d *deviceTOML, _ *Device) Params {
	p := &DTIM{Hart: intOr(d.Hart, 0)}
	if p.Hart < 0 || p.Hart >= len(l.allHarts) {
		l.errorf(path+".hart", "hart %d does not exist", p.Hart)
	}
	return p
}
