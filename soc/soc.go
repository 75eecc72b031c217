// Package soc owns the assembly of a board's model: from a validated board
// IR it creates the harts, memories and devices, maps them on the bus and
// wires their interrupts. The generated packages soc/<board> call the same
// adders in an unrolled, checked sequence; Build runs them from the IR for
// any board, compiled in or not.
//
// It must not run anything: firmware, payloads and the scheduler belong to
// the engine (package cosim/...), which receives a ready SoC.
package soc

import (
	"errors"
	"fmt"
	"io"

	"cosim/boards"
	"cosim/hw/blockdev"
	"cosim/hw/cache"
	"cosim/hw/hart"
	"cosim/hw/intc"
	"cosim/hw/mem"
	"cosim/hw/sim"
)

// Exit is how the guest asked the board to end the run.
type Exit struct {
	Code   int
	Reboot bool
	Reason string // which device ended the run, for people
}

// Drive is a disk image given on the command line.
type Drive struct {
	Path      string
	Interface string // "virtio" or "nvme"
	Snapshot  bool
	ReadOnly  bool
	// Serial overrides the controller's serial number (the board's
	// default), as QEMU's -device nvme,serial=; NVMe drives only.
	Serial string
}

// Options are the per-run choices that are not board data.
type Options struct {
	// Console receives what the console UART (and HTIF) transmit.
	Console io.Writer
	// Drives are attached in order: virtio drives to the virtio-mmio
	// transports from the highest address down (as QEMU fills them), NVMe
	// drives to the board's NVMe controllers in file order.
	Drives []Drive
	// RTCEpochNs is the wall-clock time the RTC reports at reset.
	RTCEpochNs uint64
	// Now gives devices the finest simulated time (the running hart's);
	// nil means the clock's.
	Now func() sim.Time
	// HTIFToHost/HTIFFromHost locate HTIF when the board takes them from
	// the payload's ELF symbols.
	HTIFToHost, HTIFFromHost uint64
	// NoCaches leaves the board's caches out (faster; fetches then always
	// see memory, as with a coherent I-cache).
	NoCaches bool
}

// InputSink is a device that accepts console input (a UART, HTIF).
type InputSink interface {
	Receive(b []byte) int
}

// SoC is an assembled board.
type SoC struct {
	Board  *boards.Board
	Clock  *sim.Clock
	Bus    *mem.Bus
	System *hart.System
	Harts  []*hart.Hart
	// L2 is the shared cache behind every hart's L1 (nil: none or
	// caches off); each hart's own are in its Caches().
	L2 *cache.Cache

	PLIC  *intc.PLIC
	CLINT *intc.CLINT
	// Devices maps a device name to its model (register block or host).
	Devices map[string]any
	// Memories maps a region name to its RAM.
	Memories map[string]*mem.RAM
	// Console is the device console input goes to (nil if none).
	Console InputSink
	// Pollers run between quanta (HTIF).
	Pollers []func()
	// OnExit is called when a device ends the run; the engine sets it.
	OnExit func(Exit)
	// Observers are set on every hart and device by Observe.
	observed []func(sim.Observer)

	opts    Options
	closers []func() error
	virtio  []string // virtio transports in file order, filled by adders
	nvmes   int      // NVMe controllers attached so far
}

// New creates an empty SoC for b: clock, bus and harts, but no memory or
// devices yet.
func New(b *boards.Board, o Options) (*SoC, error) {
	if o.Console == nil {
		o.Console = io.Discard
	}
	s := &SoC{
		Board: b, Clock: &sim.Clock{}, Bus: &mem.Bus{},
		Devices: map[string]any{}, Memories: map[string]*mem.RAM{}, opts: o,
	}
	if s.opts.Now == nil {
		s.opts.Now = s.Clock.Now
	}
	s.System = hart.NewSystem(s.Bus, s.Clock)
	for i, bh := range b.Harts {
		h, err := s.System.NewHart(HartConfig(b, bh))
		if err != nil {
			return nil, fmt.Errorf("soc: %s: hart %d: %w", b.Name, i, err)
		}
		h.SetPrivSpec(hart.PrivSpec(bh.PrivSpec))
		h.SetTimeCSR(!bh.NoTimeCSR)
		s.Harts = append(s.Harts, h)
		s.observed = append(s.observed, func(o sim.Observer) { h.Obs = o })
	}
	if !o.NoCaches {
		if err := s.addCaches(); err != nil {
			return nil, fmt.Errorf("soc: %s: %w", b.Name, err)
		}
	}
	return s, nil
}

// HartConfig turns a board's hart description into the hart model's config.
func HartConfig(b *boards.Board, h boards.Hart) hart.Config {
	cfg := hart.Config{
		HartID: uint64(h.ID), ISA: h.ISA, SMode: h.SMode, UMode: h.UMode,
		MMUModes: h.MMU, PMPEntries: h.PMPEntries, PMPGranularity: h.PMPGranularity,
		MVendorID: h.MVendorID, MArchID: h.MArchID, MImpID: h.MImpID,
		HPMCounters: h.HPMCounters, ClockHz: h.ClockHz, TimebaseHz: b.TimebaseHz,
		ResetPC:        b.Boot.ResetVector,
		ErratumCIP1200: h.HasErratum("cip-1200"),
		ErratumCIP453:  h.HasErratum("cip-453"),
	}
	if h.AD == boards.ADFault {
		cfg.AD = hart.ADFault
	}
	if h.Misaligned == boards.MisalignedEmulate {
		cfg.Misaligned = hart.MisalignedEmulate
	}
	return cfg
}

// Build assembles the whole board from its IR: every memory region, then
// every device in file order, then the drives.
func Build(b *boards.Board, o Options) (*SoC, error) {
	s, err := New(b, o)
	if err != nil {
		return nil, err
	}
	for _, r := range b.Memory {
		if err := s.AddMemory(r.Name); err != nil {
			s.Close()
			return nil, err
		}
	}
	for _, name := range b.BuildOrder() {
		if err := s.AddDevice(name); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.Finish(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Finish checks that every drive found a place.
func (s *SoC) Finish() error {
	var virtio, nvme int
	for _, d := range s.opts.Drives {
		if d.Interface == "nvme" {
			nvme++
		} else {
			virtio++
		}
	}
	if virtio > len(s.virtio) {
		return fmt.Errorf("soc: %s: %d virtio drives but %d virtio-mmio transports", s.Board.Name, virtio, len(s.virtio))
	}
	if nvme > s.nvmes {
		return fmt.Errorf("soc: %s: %d NVMe drives but %d NVMe controllers", s.Board.Name, nvme, s.nvmes)
	}
	return nil
}

// Observe gives o every event of every hart and device (nil switches
// observation off).
func (s *SoC) Observe(o sim.Observer) {
	for _, f := range s.observed {
		f(o)
	}
}

// Close releases memory and flushes and closes disk images.
func (s *SoC) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// AddMemory creates and maps the named memory region.
func (s *SoC) AddMemory(name string) error {
	for _, r := range s.Board.Memory {
		if r.Name != name {
			continue
		}
		ram, err := mem.NewRAM(r.Name, r.Base, r.Size, r.Kind == boards.ROM)
		if err != nil {
			return fmt.Errorf("soc: %w", err)
		}
		s.closers = append(s.closers, ram.Close)
		s.Memories[r.Name] = ram
		return s.Bus.MapRAM(ram)
	}
	return fmt.Errorf("soc: %s: no memory region %q", s.Board.Name, name)
}

// exit reports a device's request to end the run.
func (s *SoC) exit(e Exit) {
	if s.OnExit != nil {
		s.OnExit(e)
	}
}

// irq returns the wire from device d's i-th interrupt to its controller.
func (s *SoC) irq(d *boards.Device, i int) sim.Line {
	if i >= len(d.IRQs) || s.PLIC == nil {
		return sim.Line{}
	}
	return sim.Line{Sink: s.PLIC, N: int(d.IRQs[i])}
}

// drive returns the next drive for an interface, opened.
func (s *SoC) drive(iface string, nth int) (*blockdev.Image, bool, error) {
	d, ok := s.driveSpec(iface, nth)
	if !ok {
		return nil, false, nil
	}
	img, err := blockdev.Open(d.Path, blockdev.Options{Snapshot: d.Snapshot, ReadOnly: d.ReadOnly})
	if err != nil {
		return nil, false, fmt.Errorf("soc: drive %s: %w", d.Path, err)
	}
	s.closers = append(s.closers, img.Close)
	return img, true, nil
}

// driveSpec returns the nth drive given for an interface.
func (s *SoC) driveSpec(iface string, nth int) (Drive, bool) {
	n := 0
	for _, d := range s.opts.Drives {
		want := d.Interface
		if want == "" {
			want = "virtio"
		}
		if want != iface {
			continue
		}
		if n == nth {
			return d, true
		}
		n++
	}
	return Drive{}, false
}

func (s *SoC) mapDevice(d *boards.Device, dev mem.Device) error {
	if err := s.Bus.MapDevice(d.Name, d.Base, d.Size, dev); err != nil {
		return fmt.Errorf("soc: %s: %w", s.Board.Name, err)
	}
	s.Devices[d.Name] = dev
	return nil
}
