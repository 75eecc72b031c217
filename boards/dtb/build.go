package dtb

import (
	"fmt"
	"sort"

	"cosim/boards"
)

// Interrupt numbers the RISC-V hart-local interrupt controller exposes.
const (
	irqMSoft  = 3
	irqMTimer = 7
	irqSExt   = 9
	irqMExt   = 11
	// irqHidden marks a context S-mode software must not use (Linux's
	// SiFive trees write it for M-mode PLIC contexts).
	irqHidden = 0xffffffff

	irqTypeLevelLow = 8
	gpioActiveLow   = 1
)

// Marshal builds the board's DTB blob.
func Marshal(b *boards.Board) ([]byte, error) {
	t, err := FromBoard(b)
	if err != nil {
		return nil, err
	}
	return t.Marshal()
}

// FromBoard builds the device tree of a board configuration: root
// identity, /chosen and /aliases, one cpu node per hart present (with its
// interrupt controller and cache geometry), DRAM, and one node per device
// under /soc in board-file order. Devices with no node of their own
// (nvme, dtim, lim) appear only through their host.
func FromBoard(b *boards.Board) (*Tree, error) {
	bd := &builder{b: b, t: NewTree(), phandle: map[string]uint32{}}
	return bd.build()
}

type builder struct {
	b       *boards.Board
	t       *Tree
	next    uint32
	cpu     []uint32          // cpu node phandles by hart
	intc    []uint32          // hart interrupt-controller phandles
	phandle map[string]uint32 // device (or clock) name -> phandle
	soc     *Node
}

func (bd *builder) alloc() uint32 {
	bd.next++
	return bd.next
}

// referenced kinds get a phandle whether or not anything points at them,
// so numbering does not depend on which references a board has.
var referenced = map[boards.Kind]bool{
	boards.KindPLIC: true, boards.KindGPIO: true, boards.KindPRCI: true,
	boards.KindL2Cache: true, boards.KindTestFinisher: true,
}

func (bd *builder) build() (*Tree, error) {
	b, root := bd.b, bd.t.Root
	for range b.Harts {
		bd.cpu = append(bd.cpu, bd.alloc())
		bd.intc = append(bd.intc, bd.alloc())
	}
	for _, d := range b.Devices {
		if referenced[d.Kind] {
			bd.phandle[d.Name] = bd.alloc()
		}
		if d.Kind == boards.KindPRCI {
			bd.phandle["hfclk"] = bd.alloc()
			bd.phandle["rtcclk"] = bd.alloc()
		}
	}
	for _, h := range b.Harts {
		if h.Boot {
			bd.t.BootCPU = uint32(h.ID)
			break
		}
	}

	root.SetCells("#address-cells", 2).SetCells("#size-cells", 2)
	root.SetStrings("compatible", b.Compatible...)
	root.SetString("model", b.Model)

	if err := bd.chosen(); err != nil {
		return nil, err
	}
	bd.cpus()
	for _, r := range b.Memory {
		if r.Kind == boards.DRAM {
			root.Add(fmt.Sprintf("memory@%x", r.Base)).
				SetString("device_type", "memory").
				SetCells("reg", regCells(r.Base, r.Size)...)
		}
	}
	for _, d := range b.Devices {
		if p, ok := d.Params.(*boards.PRCI); ok {
			bd.fixedClock("hfclk", p.HFClkHz)
			bd.fixedClock("rtcclk", p.RTCClkHz)
		}
	}
	bd.soc = root.Add("soc").
		SetCells("#address-cells", 2).SetCells("#size-cells", 2).
		SetString("compatible", "simple-bus").SetEmpty("ranges")
	for i := range b.Devices {
		if err := bd.device(&b.Devices[i]); err != nil {
			return nil, fmt.Errorf("dtb: %s: device %s: %w", b.Name, b.Devices[i].Name, err)
		}
	}
	if b.DTBOrder == boards.DTBOrderNewestFirst {
		reverse(root.Children)
		reverse(bd.soc.Children)
	}
	return bd.t, nil
}

func reverse(nodes []*Node) {
	for i, j := 0, len(nodes)-1; i < j; i, j = i+1, j-1 {
		nodes[i], nodes[j] = nodes[j], nodes[i]
	}
}

// nodeName is where a device sits in the tree.
func nodeName(d *boards.Device) string {
	if d.Size == 0 {
		return d.Node
	}
	return fmt.Sprintf("%s@%x", d.Node, d.Base)
}

func (bd *builder) devicePath(name string) (string, error) {
	d, ok := bd.b.Device(name)
	if !ok || d.Node == "" {
		return "", fmt.Errorf("%q has no device-tree node", name)
	}
	if d.Size == 0 {
		return "/" + nodeName(d), nil
	}
	return "/soc/" + nodeName(d), nil
}

func (bd *builder) chosen() error {
	b, root := bd.b, bd.t.Root
	chosen := root.Add("chosen")
	if b.Console != "" {
		p, err := bd.devicePath(b.Console)
		if err != nil {
			return fmt.Errorf("dtb: console: %w", err)
		}
		chosen.SetString("stdout-path", p)
	}
	if len(b.Aliases) == 0 {
		return nil
	}
	names := make([]string, 0, len(b.Aliases))
	for a := range b.Aliases {
		names = append(names, a)
	}
	sort.Strings(names)
	al := root.Add("aliases")
	for _, a := range names {
		p, err := bd.devicePath(b.Aliases[a])
		if err != nil {
			return fmt.Errorf("dtb: alias %s: %w", a, err)
		}
		al.SetString(a, p)
	}
	return nil
}

func (bd *builder) cpus() {
	b := bd.b
	cpus := bd.t.Root.Add("cpus").
		SetCells("#address-cells", 1).SetCells("#size-cells", 0).
		SetCells("timebase-frequency", uint32(b.TimebaseHz))
	l2 := uint32(0)
	if b.L2 != nil {
		l2 = bd.phandle[b.L2.Controller]
	}
	for i, h := range b.Harts {
		c := cpus.Add(fmt.Sprintf("cpu@%x", h.ID)).
			SetString("device_type", "cpu").
			SetCells("reg", uint32(h.ID)).
			SetString("status", "okay").
			SetStrings("compatible", h.Compatible...).
			SetString("riscv,isa", h.ISA)
		if m := h.MaxMMU(); m != "" {
			c.SetString("mmu-type", "riscv,"+m)
		}
		if ic := h.ICache; ic != nil {
			c.SetCells("i-cache-block-size", uint32(ic.Line)).
				SetCells("i-cache-sets", uint32(ic.Sets())).
				SetCells("i-cache-size", uint32(ic.Size))
		}
		if dc := h.DCache; dc != nil {
			c.SetCells("d-cache-block-size", uint32(dc.Line)).
				SetCells("d-cache-sets", uint32(dc.Sets())).
				SetCells("d-cache-size", uint32(dc.Size))
		}
		if h.ITLB > 0 {
			c.SetCells("i-tlb-sets", 1).SetCells("i-tlb-size", uint32(h.ITLB))
		}
		if h.DTLB > 0 {
			c.SetCells("d-tlb-sets", 1).SetCells("d-tlb-size", uint32(h.DTLB))
		}
		if h.ITLB > 0 && h.DTLB > 0 {
			c.SetEmpty("tlb-split")
		}
		if l2 != 0 {
			c.SetCells("next-level-cache", l2)
		}
		c.SetCells("phandle", bd.cpu[i])
		c.Add("interrupt-controller").
			SetCells("#address-cells", 0).
			SetCells("#interrupt-cells", 1).
			SetEmpty("interrupt-controller").
			SetString("compatible", "riscv,cpu-intc").
			SetCells("phandle", bd.intc[i])
	}
	cluster := cpus.Add("cpu-map").Add("cluster0")
	for i, h := range b.Harts {
		cluster.Add(fmt.Sprintf("core%d", h.ID)).SetCells("cpu", bd.cpu[i])
	}
}

func (bd *builder) fixedClock(name string, hz uint64) {
	bd.t.Root.Add(name).
		SetCells("#clock-cells", 0).
		SetString("compatible", "fixed-clock").
		SetCells("clock-frequency", uint32(hz)).
		SetString("clock-output-names", name).
		SetCells("phandle", bd.phandle[name])
}

func regCells(base, size uint64) []uint32 {
	return []uint32{uint32(base >> 32), uint32(base), uint32(size >> 32), uint32(size)}
}

// device adds a device's node: the properties every device has, then its
// kind's own.
func (bd *builder) device(d *boards.Device) error {
	if d.Node == "" {
		return nil
	}
	parent := bd.soc
	if d.Size == 0 {
		parent = bd.t.Root
	}
	n := parent.Add(nodeName(d))
	if len(d.Compatible) > 0 {
		n.SetStrings("compatible", d.Compatible...)
	}
	if d.Size > 0 {
		var reg []uint32
		for _, w := range d.Windows() {
			reg = append(reg, regCells(w.Base, w.Size)...)
		}
		n.SetCells("reg", reg...)
	}
	if len(d.IRQs) > 0 {
		ph, ok := bd.phandle[d.IRQParent]
		if !ok {
			return fmt.Errorf("interrupt parent %q has no phandle", d.IRQParent)
		}
		n.SetCells("interrupt-parent", ph)
		n.SetCells("interrupts", bd.interruptCells(d.IRQParent, d.IRQs)...)
	}
	if d.PRCIClock >= 0 {
		prci, err := bd.prci()
		if err != nil {
			return err
		}
		n.SetCells("clocks", prci, uint32(d.PRCIClock))
	}
	if ph, ok := bd.phandle[d.Name]; ok {
		n.SetCells("phandle", ph)
	}
	if f := kindNodes[d.Kind]; f != nil {
		return f(bd, d, n)
	}
	return nil
}

// interruptCells encodes IRQs for the parent's #interrupt-cells: one cell
// for a PLIC, line and trigger for a GPIO controller.
func (bd *builder) interruptCells(parent string, irqs []uint32) []uint32 {
	p, _ := bd.b.Device(parent)
	if p != nil && p.Kind == boards.KindGPIO {
		out := make([]uint32, 0, 2*len(irqs))
		for _, q := range irqs {
			out = append(out, q, irqTypeLevelLow)
		}
		return out
	}
	return append([]uint32(nil), irqs...)
}

func (bd *builder) prci() (uint32, error) {
	for _, d := range bd.b.Devices {
		if d.Kind == boards.KindPRCI {
			return bd.phandle[d.Name], nil
		}
	}
	return 0, fmt.Errorf("prci_clock needs a prci device on the board")
}

func (bd *builder) gpio(name string) (uint32, error) {
	if name == "" {
		for _, d := range bd.b.Devices {
			if d.Kind == boards.KindGPIO {
				return bd.phandle[d.Name], nil
			}
		}
		return 0, fmt.Errorf("no GPIO controller on the board")
	}
	ph, ok := bd.phandle[name]
	if !ok {
		return 0, fmt.Errorf("no GPIO controller %q", name)
	}
	return ph, nil
}

var kindNodes = map[boards.Kind]func(bd *builder, d *boards.Device, n *Node) error{
	boards.KindPLIC:         plicNode,
	boards.KindCLINT:        clintNode,
	boards.KindUART:         uartNode,
	boards.KindTestFinisher: testFinisherNode,
	boards.KindPCIeECAM:     pcieECAMNode,
	boards.KindPCIeDW:       pcieDWNode,
	boards.KindPRCI:         prciNode,
	boards.KindL2Cache:      l2Node,
	boards.KindGPIO:         gpioNode,
	boards.KindI2C:          i2cNode,
	boards.KindPWM: func(_ *builder, d *boards.Device, n *Node) error {
		n.SetCells("#pwm-cells", uint32(d.Params.(*boards.PWM).Cells))
		return nil
	},
	boards.KindSPI: func(_ *builder, _ *boards.Device, n *Node) error {
		n.SetCells("#address-cells", 1).SetCells("#size-cells", 0)
		return nil
	},
	boards.KindGEM: gemNode,
	boards.KindOTP: func(_ *builder, d *boards.Device, n *Node) error {
		if f := d.Params.(*boards.OTP).Fuses; f > 0 {
			n.SetCells("fuse-count", uint32(f))
		}
		return nil
	},
	boards.KindPDMA: func(_ *builder, d *boards.Device, n *Node) error {
		if c := d.Params.(*boards.PDMA).Channels; c > 0 {
			n.SetCells("dma-channels", uint32(c))
		}
		n.SetCells("#dma-cells", 1)
		return nil
	},
}

func plicNode(bd *builder, d *boards.Device, n *Node) error {
	p := d.Params.(*boards.PLIC)
	var ext []uint32
	for _, c := range p.Contexts {
		irq := uint32(irqSExt)
		if c.Mode == 'M' {
			irq = irqMExt
			if p.HideMContextsInDTB {
				irq = irqHidden
			}
		}
		ext = append(ext, bd.intc[c.Hart], irq)
	}
	n.SetCells("#address-cells", 0).
		SetCells("#interrupt-cells", 1).
		SetEmpty("interrupt-controller").
		SetCells("riscv,ndev", uint32(p.Sources)).
		SetCells("interrupts-extended", ext...)
	return nil
}

func clintNode(bd *builder, _ *boards.Device, n *Node) error {
	var ext []uint32
	for i := range bd.b.Harts {
		ext = append(ext, bd.intc[i], irqMSoft, bd.intc[i], irqMTimer)
	}
	n.SetCells("interrupts-extended", ext...)
	return nil
}

func uartNode(_ *builder, d *boards.Device, n *Node) error {
	u := d.Params.(*boards.UART)
	if u.Variant != "ns16550a" {
		return nil
	}
	n.SetCells("clock-frequency", uint32(u.ClockHz))
	if u.RegShift != 0 {
		n.SetCells("reg-shift", uint32(u.RegShift))
	}
	if u.RegIOWidth != 1 {
		n.SetCells("reg-io-width", uint32(u.RegIOWidth))
	}
	return nil
}

// testFinisherNode also adds the syscon poweroff/reboot nodes that point at
// it, with the finisher's pass and reset codes.
func testFinisherNode(bd *builder, d *boards.Device, _ *Node) error {
	ph := bd.phandle[d.Name]
	nodes := []struct {
		node, compat string
		value        uint32
	}{{"poweroff", "syscon-poweroff", 0x5555}, {"reboot", "syscon-reboot", 0x7777}}
	if bd.b.DTBOrder == boards.DTBOrderNewestFirst {
		// QEMU creates /reboot first, so /poweroff ends up listed first.
		nodes[0], nodes[1] = nodes[1], nodes[0]
	}
	for _, s := range nodes {
		bd.t.Root.Add(s.node).
			SetString("compatible", s.compat).
			SetCells("regmap", ph).
			SetCells("offset", 0).
			SetCells("value", s.value)
	}
	return nil
}

// PCI address-space codes of a ranges entry (IEEE 1275 PCI binding):
// bit 31 n (non-relocatable), bit 30 p (prefetchable), bits 25:24 space.
var pciSpaceCode = map[boards.PCISpace]uint32{
	boards.PCIIO:       0x01000000,
	boards.PCIMem:      0x02000000,
	boards.PCIMem64:    0x03000000,
	boards.PCIPrefetch: 0x43000000,
}

func pciRanges(ws []boards.PCIWindow, flags uint32) []uint32 {
	var out []uint32
	for _, w := range ws {
		out = append(out, pciSpaceCode[w.Type]|flags,
			uint32(w.PCI>>32), uint32(w.PCI),
			uint32(w.CPU>>32), uint32(w.CPU),
			uint32(w.Size>>32), uint32(w.Size))
	}
	return out
}

func pciHost(n *Node, buses int) {
	n.SetString("device_type", "pci").
		SetCells("#address-cells", 3).
		SetCells("#size-cells", 2).
		SetCells("#interrupt-cells", 1).
		SetEmpty("dma-coherent").
		SetCells("bus-range", 0, uint32(buses-1))
}

func pcieECAMNode(bd *builder, d *boards.Device, n *Node) error {
	p := d.Params.(*boards.PCIeECAM)
	pciHost(n, p.Buses)
	n.SetCells("linux,pci-domain", uint32(p.Domain))
	n.SetCells("ranges", pciRanges(p.Windows, 0)...)
	plic := bd.phandle[d.IRQParent]
	var imap []uint32
	for slot := uint32(0); slot < 4; slot++ {
		for pin := uint32(1); pin <= 4; pin++ {
			i := pin - 1
			if p.IntxSwizzle {
				i = (slot + pin - 1) % 4
			}
			imap = append(imap, slot<<11, 0, 0, pin, plic, d.IRQs[i])
		}
	}
	n.SetCells("interrupt-map-mask", 0x1800, 0, 0, 7)
	n.SetCells("interrupt-map", imap...)
	return nil
}

func pcieDWNode(bd *builder, d *boards.Device, n *Node) error {
	p := d.Params.(*boards.PCIeDW)
	n.SetStrings("reg-names", "dbi", "config", "mgmt")
	pciHost(n, p.Buses)
	n.SetCells("ranges", pciRanges(p.Windows, 0x80000000)...)
	if p.Lanes > 0 {
		n.SetCells("num-lanes", uint32(p.Lanes))
	}
	n.SetStrings("interrupt-names", "msi", "inta", "intb", "intc", "intd")
	plic := bd.phandle[d.IRQParent]
	var imap []uint32
	for pin := uint32(1); pin <= 4; pin++ {
		imap = append(imap, 0, 0, 0, pin, plic, p.IntxIRQs[pin-1])
	}
	n.SetCells("interrupt-map-mask", 0, 0, 0, 7)
	n.SetCells("interrupt-map", imap...)
	if d.PRCIClock >= 0 {
		n.SetString("clock-names", "pcie_aux")
	}
	if p.PowerGPIO >= 0 || p.ResetGPIO >= 0 {
		g, err := bd.gpio(p.GPIO)
		if err != nil {
			return err
		}
		if p.PowerGPIO >= 0 {
			n.SetCells("pwren-gpios", g, uint32(p.PowerGPIO), 0)
		}
		if p.ResetGPIO >= 0 {
			n.SetCells("reset-gpios", g, uint32(p.ResetGPIO), 0)
		}
	}
	if p.PRCIReset >= 0 {
		prci, err := bd.prci()
		if err != nil {
			return err
		}
		n.SetCells("resets", prci, uint32(p.PRCIReset))
	}
	return nil
}

func prciNode(bd *builder, d *boards.Device, n *Node) error {
	p := d.Params.(*boards.PRCI)
	n.SetCells("clocks", bd.phandle["hfclk"], bd.phandle["rtcclk"]).
		SetCells("#clock-cells", 1)
	if p.Variant == "fu740" {
		n.SetCells("#reset-cells", 1)
	}
	return nil
}

func l2Node(bd *builder, _ *boards.Device, n *Node) error {
	l2 := bd.b.L2
	if l2 == nil {
		return fmt.Errorf("an l2cache device needs the board's [l2] geometry")
	}
	sets := l2.Sets()
	if l2.DTSets != 0 {
		sets = l2.DTSets
	}
	n.SetCells("cache-block-size", uint32(l2.Line)).
		SetCells("cache-level", 2).
		SetCells("cache-sets", uint32(sets)).
		SetCells("cache-size", uint32(l2.Size)).
		SetEmpty("cache-unified")
	return nil
}

// gpioNode also adds gpio-poweroff / gpio-restart for the lines wired to
// them (active low, as on the Unmatched and QEMU's sifive_u).
func gpioNode(bd *builder, d *boards.Device, n *Node) error {
	g := d.Params.(*boards.GPIO)
	n.SetEmpty("gpio-controller").
		SetCells("#gpio-cells", 2).
		SetEmpty("interrupt-controller").
		SetCells("#interrupt-cells", 2).
		SetCells("#address-cells", 0)
	ph := bd.phandle[d.Name]
	if g.PowerOffLine >= 0 {
		bd.t.Root.Add("gpio-poweroff").
			SetString("compatible", "gpio-poweroff").
			SetCells("gpios", ph, uint32(g.PowerOffLine), gpioActiveLow)
	}
	if g.RestartLine >= 0 {
		bd.t.Root.Add("gpio-restart").
			SetString("compatible", "gpio-restart").
			SetCells("gpios", ph, uint32(g.RestartLine), gpioActiveLow)
	}
	return nil
}

func i2cNode(bd *builder, d *boards.Device, n *Node) error {
	p := d.Params.(*boards.I2C)
	n.SetCells("reg-shift", uint32(p.RegShift)).
		SetCells("reg-io-width", uint32(p.RegIOWidth)).
		SetCells("#address-cells", 1).
		SetCells("#size-cells", 0)
	if p.PMIC == nil {
		return nil
	}
	m := n.Add(fmt.Sprintf("pmic@%x", p.PMIC.Addr)).
		SetString("compatible", "dlg,"+p.PMIC.Model).
		SetCells("reg", uint32(p.PMIC.Addr))
	if p.PMIC.GPIOIRQ >= 0 {
		g, err := bd.gpio("")
		if err != nil {
			return err
		}
		m.SetCells("interrupt-parent", g).
			SetCells("interrupts", uint32(p.PMIC.GPIOIRQ), irqTypeLevelLow).
			SetEmpty("interrupt-controller").
			SetCells("#interrupt-cells", 2).
			SetCells("#address-cells", 0)
	}
	// The DA9063's functions, as Linux's binding names them.
	for _, f := range []string{"onkey", "rtc", "watchdog"} {
		m.Add(f).SetString("compatible", "dlg,"+p.PMIC.Model+"-"+f)
	}
	return nil
}

func gemNode(bd *builder, d *boards.Device, n *Node) error {
	g := d.Params.(*boards.GEM)
	phy := bd.alloc()
	n.SetCells("#address-cells", 1).
		SetCells("#size-cells", 0).
		SetString("reg-names", "control").
		Set("local-mac-address", append([]byte(nil), g.MAC[:]...)).
		SetString("phy-mode", g.PHYMode).
		SetCells("phy-handle", phy)
	if d.PRCIClock >= 0 {
		prci, err := bd.prci()
		if err != nil {
			return err
		}
		n.SetStrings("clock-names", "pclk", "hclk").
			SetCells("clocks", prci, uint32(d.PRCIClock), prci, uint32(d.PRCIClock))
	}
	n.Add("ethernet-phy@0").SetCells("reg", 0).SetCells("phandle", phy)
	return nil
}
