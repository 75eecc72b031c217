package soc

import (
	"fmt"

	"cosim/boards"
	"cosim/hw/intc"
	"cosim/hw/mem"
	"cosim/hw/misc"
	"cosim/hw/nvme"
	"cosim/hw/pcie"
	"cosim/hw/sim"
	"cosim/hw/uart"
	"cosim/hw/virtio"
)

// adder creates one device from its board description and places it.
type adder func(s *SoC, d *boards.Device) error

// adders is the table from device kind to model. Kinds whose hardware has
// no behaviour the software we run can observe get a register file
// (misc.Stub); each is listed as such on the board's page.
var adders = map[boards.Kind]adder{
	boards.KindPLIC:         addPLIC,
	boards.KindCLINT:        addCLINT,
	boards.KindUART:         addUART,
	boards.KindTestFinisher: addTestFinisher,
	boards.KindRTCGoldfish:  addRTC,
	boards.KindVirtioMMIO:   addVirtio,
	boards.KindPCIeECAM:     addPCIeECAM,
	boards.KindPCIeDW:       addPCIeDW,
	boards.KindNVMe:         addNVMe,
	boards.KindHTIF:         addHTIF,
	boards.KindPRCI:         addPRCI,
	boards.KindL2Cache:      addL2Cache,
	boards.KindGPIO:         addGPIO,
	boards.KindI2C:          addI2C,
	boards.KindDTIM:         addSRAM,
	boards.KindLIM:          addSRAM,
	boards.KindPWM:          addStub,
	boards.KindSPI:          addStub,
	boards.KindGEM:          addStub,
	boards.KindOTP:          addStub,
	boards.KindDDRCtrl:      addStub,
	boards.KindPDMA:         addStub,
}

// AddDevice creates, maps and wires the named device.
func (s *SoC) AddDevice(name string) error {
	d, ok := s.Board.Device(name)
	if !ok {
		return fmt.Errorf("soc: %s: no device %q", s.Board.Name, name)
	}
	add, ok := adders[d.Kind]
	if !ok {
		return fmt.Errorf("soc: %s: device %s: kind %q has no model", s.Board.Name, d.Name, d.Kind)
	}
	if err := add(s, d); err != nil {
		return fmt.Errorf("soc: %s: device %s: %w", s.Board.Name, d.Name, err)
	}
	return nil
}

func addPLIC(s *SoC, d *boards.Device) error {
	p := d.Params.(*boards.PLIC)
	ctxs := make([]intc.PLICContext, len(p.Contexts))
	for i, c := range p.Contexts {
		ctxs[i] = intc.PLICContext{Hart: c.Hart, Mode: intc.ModeM}
		if c.Mode == 'S' {
			ctxs[i].Mode = intc.ModeS
		}
	}
	plic, err := intc.NewPLIC(intc.PLICConfig{Name: d.Name, NDev: p.Sources, MaxPriority: uint32(p.Priorities), Contexts: ctxs, Size: d.Size})
	if err != nil {
		return err
	}
	for i, c := range ctxs {
		if c.Hart < len(s.Harts) {
			plic.Outputs[i] = sim.Line{Sink: s.Harts[c.Hart], N: c.Mode.MIPBit()}
		}
	}
	s.PLIC = plic
	s.observed = append(s.observed, func(o sim.Observer) { plic.Obs = o })
	return s.mapDevice(d, plic)
}

func addCLINT(s *SoC, d *boards.Device) error {
	c, err := intc.NewCLINT(intc.CLINTConfig{Name: d.Name, Harts: len(s.Harts), TimebaseHz: s.Board.TimebaseHz, Clock: s.Clock, Now: s.opts.Now})
	if err != nil {
		return err
	}
	for i, h := range s.Harts {
		c.MSIP[i] = sim.Line{Sink: h, N: sim.IRQMachineSoftware}
		c.MTIP[i] = sim.Line{Sink: h, N: sim.IRQMachineTimer}
	}
	s.CLINT = c
	s.observed = append(s.observed, func(o sim.Observer) { c.Obs = o })
	return s.mapDevice(d, c)
}

func addUART(s *SoC, d *boards.Device) error {
	p := d.Params.(*boards.UART)
	var dev interface {
		mem.Device
		InputSink
	}
	switch p.Variant {
	case "ns16550a":
		u, err := uart.NewNS16550A(uart.NS16550AConfig{Name: d.Name, RegShift: uint(p.RegShift), RegIOWidth: p.RegIOWidth,
			ClockHz: p.ClockHz, Clock: s.Clock, Out: s.consoleOut(d), IRQ: s.irq(d, 0)})
		if err != nil {
			return err
		}
		s.observed = append(s.observed, func(o sim.Observer) { u.Obs = o })
		dev = u
	case "sifive":
		u, err := uart.NewSiFive(uart.SiFiveConfig{Name: d.Name, Out: s.consoleOut(d), IRQ: s.irq(d, 0)})
		if err != nil {
			return err
		}
		s.observed = append(s.observed, func(o sim.Observer) { u.Obs = o })
		dev = u
	default:
		return fmt.Errorf("uart variant %q has no model", p.Variant)
	}
	if d.Name == s.Board.Console {
		s.Console = dev
	}
	return s.mapDevice(d, dev)
}

// consoleOut is where a UART's transmitter goes: the run's console for the
// board's console UART; other UARTs transmit into nothing (their bytes are
// still observable as console events).
func (s *SoC) consoleOut(d *boards.Device) writerFunc {
	if d.Name == s.Board.Console {
		return writerFunc(s.opts.Console.Write)
	}
	return func(p []byte) (int, error) { return len(p), nil }
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func addTestFinisher(s *SoC, d *boards.Device) error {
	f := misc.NewTestFinisher(misc.TestFinisherConfig{Name: d.Name, OnExit: func(e misc.Exit) {
		s.exit(Exit{Code: e.Code, Reboot: e.Reboot, Reason: d.Name})
	}})
	s.observed = append(s.observed, func(o sim.Observer) { f.Obs = o })
	return s.mapDevice(d, f)
}

func addRTC(s *SoC, d *boards.Device) error {
	r, err := misc.NewGoldfishRTC(misc.GoldfishRTCConfig{Name: d.Name, Clock: s.Clock, EpochNs: s.opts.RTCEpochNs, IRQ: s.irq(d, 0)})
	if err != nil {
		return err
	}
	s.observed = append(s.observed, func(o sim.Observer) { r.Obs = o })
	return s.mapDevice(d, r)
}

// addVirtio adds one virtio-mmio transport. QEMU's virt fills transports
// from the highest address down, so the first virtio drive lands in the
// last transport.
func addVirtio(s *SoC, d *boards.Device) error {
	p := d.Params.(*boards.VirtioMMIO)
	count := len(s.Board.DevicesOf(boards.KindVirtioMMIO))
	img, ok, err := s.drive("virtio", count-1-p.Transport)
	if err != nil {
		return err
	}
	cfg := virtio.MMIOConfig{Name: d.Name, Legacy: true, Bus: s.Bus, Clock: s.Clock, IRQ: s.irq(d, 0)}
	var blk *virtio.Block
	if ok {
		blk, err = virtio.NewBlock(virtio.BlockConfig{Name: d.Name + "-blk", Image: img, Bus: s.Bus})
		if err != nil {
			return err
		}
		cfg.Device = blk
	}
	t, err := virtio.NewMMIO(cfg)
	if err != nil {
		return err
	}
	s.virtio = append(s.virtio, d.Name)
	s.observed = append(s.observed, func(o sim.Observer) {
		t.Obs = o
		if blk != nil {
			blk.Obs = o
		}
	})
	return s.mapDevice(d, t)
}

func (s *SoC) intx(lines []uint32) [4]sim.Line {
	var l [4]sim.Line
	for i := range l {
		if i < len(lines) && s.PLIC != nil {
			l[i] = sim.Line{Sink: s.PLIC, N: int(lines[i])}
		}
	}
	return l
}

func addPCIeECAM(s *SoC, d *boards.Device) error {
	p := d.Params.(*boards.PCIeECAM)
	h, err := pcie.NewECAMHost(pcie.ECAMConfig{Name: d.Name, Buses: p.Buses, HostBridge: &pcie.GPEXHostBridge, INTx: s.intx(d.IRQs), DMA: s.Bus})
	if err != nil {
		return err
	}
	if err := s.mapDevice(d, h.ConfigSpace()); err != nil {
		return err
	}
	s.Devices[d.Name] = h
	for _, w := range p.Windows {
		dev := h.MemWindow(w.PCI)
		if w.Type == boards.PCIIO {
			dev = h.IOWindow(w.PCI)
		}
		if err := s.Bus.MapDevice(d.Name+"."+w.Type.String(), w.CPU, w.Size, dev); err != nil {
			return err
		}
	}
	return nil
}

func addPCIeDW(s *SoC, d *boards.Device) error {
	p := d.Params.(*boards.PCIeDW)
	var msi sim.Line
	if s.PLIC != nil {
		msi = sim.Line{Sink: s.PLIC, N: int(p.MSIIRQ)}
	}
	h, err := pcie.NewDWHost(pcie.DWConfig{Name: d.Name, RootPort: pcie.FU740RootPort, MaxSpeed: 3, Width: uint8(p.Lanes),
		INTx: s.intx(p.IntxIRQs[:]), MSI: msi, DMA: s.Bus})
	if err != nil {
		return err
	}
	if err := s.mapDevice(d, h.DBI()); err != nil {
		return err
	}
	s.Devices[d.Name] = h
	maps := []struct {
		name string
		w    boards.Window
		dev  mem.Device
	}{
		{"config", p.Config, h.CPUWindow(p.Config.Base)},
		{"mgmt", p.Mgmt, h.Mgmt()},
	}
	for _, w := range p.Windows {
		maps = append(maps, struct {
			name string
			w    boards.Window
			dev  mem.Device
		}{w.Type.String(), boards.Window{Base: w.CPU, Size: w.Size}, h.CPUWindow(w.CPU)})
	}
	for _, m := range maps {
		if err := s.Bus.MapDevice(d.Name+"."+m.name, m.w.Base, m.w.Size, m.dev); err != nil {
			return err
		}
	}
	return nil
}

// addNVMe attaches an NVMe controller to its PCIe host when a drive is
// given for it, as a slot with a drive plugged in; without a drive the slot
// stays empty (so default runs enumerate what QEMU's default does).
func addNVMe(s *SoC, d *boards.Device) error {
	p := d.Params.(*boards.NVMe)
	spec, _ := s.driveSpec("nvme", s.nvmes)
	img, ok, err := s.drive("nvme", s.nvmes)
	s.nvmes++
	if err != nil || !ok {
		return err
	}
	serial := p.Serial
	if spec.Serial != "" {
		serial = spec.Serial
	}
	ns := p.Namespaces[0]
	shift := uint8(9)
	for ns.BlockSize > 1<<shift {
		shift++
	}
	lat := nvme.Latency{Admin: sim.Time(p.Latency.Admin.Nanoseconds()) * sim.Nanosecond,
		Read: sim.Time(p.Latency.Read.Nanoseconds()) * sim.Nanosecond, Write: sim.Time(p.Latency.Write.Nanoseconds()) * sim.Nanosecond,
		Flush: sim.Time(p.Latency.Flush.Nanoseconds()) * sim.Nanosecond}
	c, err := nvme.New(nvme.Config{Name: d.Name, Serial: serial, Latency: lat}, s.Clock, nvme.Namespace{Image: img, LBAShift: shift})
	if err != nil {
		return err
	}
	s.closers = append(s.closers, c.Close)
	s.observed = append(s.observed, func(o sim.Observer) { c.Obs = o })
	switch h := s.Devices[p.Host].(type) {
	case *pcie.ECAMHost:
		err = h.Attach(p.Slot, 0, c)
	case *pcie.DWHost:
		err = h.Attach(0, c)
	default:
		err = fmt.Errorf("host %q is not a PCIe host built before it", p.Host)
	}
	s.Devices[d.Name] = c
	return err
}

func addHTIF(s *SoC, d *boards.Device) error {
	to, from := d.Base, uint64(0)
	if d.Params.(*boards.HTIF).FromELF {
		to, from = s.opts.HTIFToHost, s.opts.HTIFFromHost
	}
	if to == 0 {
		return fmt.Errorf("no tohost address (the payload has no tohost symbol)")
	}
	h, err := misc.NewHTIF(misc.HTIFConfig{Name: d.Name, Bus: s.Bus, ToHost: to, FromHost: from, Out: s.opts.Console,
		OnExit: func(e misc.Exit) { s.exit(Exit{Code: e.Code, Reason: d.Name}) }})
	if err != nil {
		return err
	}
	s.Devices[d.Name] = h
	s.Console = h
	s.Pollers = append(s.Pollers, func() { h.Poll() })
	s.observed = append(s.observed, func(o sim.Observer) { h.Obs = o })
	return nil
}

func addPRCI(s *SoC, d *boards.Device) error {
	p := d.Params.(*boards.PRCI)
	v := misc.PRCIFU740
	if p.Variant == "fu540" {
		v = misc.PRCIFU540
	}
	r, err := misc.NewPRCI(misc.PRCIConfig{Name: d.Name, Variant: v, HfclkHz: p.HFClkHz})
	if err != nil {
		return err
	}
	s.observed = append(s.observed, func(o sim.Observer) { r.Obs = o })
	return s.mapDevice(d, r)
}

func addL2Cache(s *SoC, d *boards.Device) error {
	cfg := misc.L2ConfigFU740(d.Name)
	if s.Board.Family == boards.FamilySiFiveFU540 {
		cfg = misc.L2ConfigFU540(d.Name)
	}
	c, err := misc.NewL2Cache(cfg)
	if err != nil {
		return err
	}
	s.observed = append(s.observed, func(o sim.Observer) { c.Obs = o })
	return s.mapDevice(d, c)
}

// addGPIO adds the GPIO block; a line the board names as gpio-poweroff or
// gpio-restart ends the run when software drives it active.
func addGPIO(s *SoC, d *boards.Device) error {
	p := d.Params.(*boards.GPIO)
	g, err := misc.NewGPIO(misc.GPIOConfig{Name: d.Name, Pins: p.Lines, OnOutput: func(pin int, level bool) {
		switch {
		case pin == p.PowerOffLine && !level: // PMICSHDN: active low
			s.exit(Exit{Reason: d.Name + " poweroff line"})
		case pin == p.RestartLine && level:
			s.exit(Exit{Reboot: true, Reason: d.Name + " restart line"})
		}
	}})
	if err != nil {
		return err
	}
	for i := range g.IRQ {
		g.IRQ[i] = s.irq(d, i)
	}
	s.observed = append(s.observed, func(o sim.Observer) { g.Obs = o })
	return s.mapDevice(d, g)
}

func addI2C(s *SoC, d *boards.Device) error {
	p := d.Params.(*boards.I2C)
	c := misc.NewI2C(misc.I2CConfig{Name: d.Name, IRQ: s.irq(d, 0)})
	if p.PMIC != nil {
		pm, err := misc.NewDA9063(misc.DA9063Config{Name: d.Name + "-pmic", OnPower: func(off bool) {
			s.exit(Exit{Reboot: !off, Reason: "da9063 pmic"})
		}})
		if err != nil {
			return err
		}
		if err := c.Attach(p.PMIC.Addr, pm); err != nil {
			return err
		}
		s.observed = append(s.observed, func(o sim.Observer) { pm.Obs = o })
	}
	s.observed = append(s.observed, func(o sim.Observer) { c.Obs = o })
	return s.mapDevice(d, c)
}

// addSRAM backs a tightly integrated or scratchpad memory with RAM.
func addSRAM(s *SoC, d *boards.Device) error {
	ram, err := mem.NewRAM(d.Name, d.Base, d.Size, false)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, ram.Close)
	s.Memories[d.Name] = ram
	s.Devices[d.Name] = ram
	return s.Bus.MapRAM(ram)
}

func addStub(s *SoC, d *boards.Device) error {
	for i, w := range d.Windows() {
		st := misc.NewStub(w.Name, w.Size)
		if i == 0 {
			s.Devices[d.Name] = st
		}
		if err := s.Bus.MapDevice(w.Name, w.Base, w.Size, st); err != nil {
			return err
		}
	}
	return nil
}
