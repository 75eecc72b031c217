// Package machine owns a run's set-up: it assembles the board's SoC, writes
// the device tree, places firmware, payload and boot ROM the way QEMU does
// for the same command line, starts the harts the firmware mode says, feeds
// console input, and hands everything to the engine.
//
// It is the one place that knows all of board, SoC, firmware and engine; the
// command line (cmd/cosim) and the integration tests call it, nothing in
// hw/ or soc/ does.
package machine

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"cosim/boards"
	"cosim/boards/dtb"
	"cosim/cosim/engine"
	"cosim/cosim/firmware"
	"cosim/hw/mem"
	"cosim/hw/sim"
	"cosim/soc"
	_ "cosim/soc/all" // the compiled models of the built-in boards
)

// Config is one run's command line.
type Config struct {
	Board *boards.Board
	// Firmware is "builtin" (the Go SBI; the payload starts in S-mode),
	// "none" (the payload starts in M-mode from the boot ROM, as QEMU's
	// -bios none) or a firmware image path (started from the boot ROM,
	// payload handed over through fw_dynamic_info and a1 = FDT). Empty
	// means the board's default.
	Firmware string
	// Kernel is the payload: an ELF or a raw image for the payload address.
	Kernel *firmware.Image
	// Append is the kernel command line (/chosen/bootargs).
	Append string
	// DTB, when set, replaces the board's generated device tree (as QEMU's
	// -dtb): it is packed as QEMU packs it, and Append, if any, is set in
	// its /chosen. The models are still the board's: the blob must
	// describe the same machine.
	DTB     []byte
	Drives  []soc.Drive
	Seed    uint64
	Quantum sim.Time
	Console io.Writer
	// Input feeds the console UART (stdin); nil means none.
	Input io.Reader
	// RTCEpochNs is the RTC's wall-clock time at reset (deterministic).
	RTCEpochNs uint64
	// NoCaches leaves the board's caches out (see soc.Options).
	NoCaches bool
}

// Machine is a booted, runnable machine.
type Machine struct {
	Config Config
	SoC    *soc.SoC
	Engine *engine.Machine
	SBI    *firmware.SBI // nil unless the built-in SBI runs
	DTB    []byte
	FDT    uint64 // where the DTB lies
	input  *inputPump
}

// Boot assembles the board and places everything; the first instruction
// runs on Run.
func Boot(c Config) (*Machine, error) {
	if c.Board == nil {
		return nil, errors.New("machine: no board")
	}
	if c.Firmware == "" {
		c.Firmware = c.Board.Boot.Firmware
	}
	if c.Kernel == nil && c.Firmware == "builtin" {
		return nil, errors.New("machine: the built-in SBI needs a payload (--kernel)")
	}
	m := &Machine{Config: c}
	opts := soc.Options{Console: c.Console, Drives: c.Drives, RTCEpochNs: c.RTCEpochNs,
		Now: func() sim.Time { return m.Engine.Now() }, NoCaches: c.NoCaches}
	if c.Kernel != nil {
		opts.HTIFToHost, opts.HTIFFromHost = c.Kernel.Symbols["tohost"], c.Kernel.Symbols["fromhost"]
	}
	s, err := soc.Assemble(c.Board, opts)
	if err != nil {
		return nil, err
	}
	m.SoC = s
	m.Engine = engine.New(s.Clock, s.Harts, c.Seed)
	if c.Quantum != 0 {
		m.Engine.Quantum = c.Quantum
	}
	s.OnExit = func(e soc.Exit) {
		m.Engine.Finish(engine.Exit{Code: e.Code, Reboot: e.Reboot, Reason: e.Reason})
	}
	m.Engine.Pollers = append(m.Engine.Pollers, s.Pollers...)
	if c.Input != nil && s.Console != nil {
		m.input = newInputPump(c.Input, s.Console)
		m.Engine.Pollers = append(m.Engine.Pollers, m.input.poll)
	}
	for _, h := range s.Harts {
		h.Reset()
	}
	if err := m.place(); err != nil {
		s.Close()
		return nil, err
	}
	return m, nil
}

// Run runs until the guest ends the run or a limit is reached (nil Exit).
func (m *Machine) Run(lim engine.Limits) (*engine.Exit, error) {
	return m.Engine.Run(lim)
}

// Close flushes disk images and releases memory.
func (m *Machine) Close() error {
	if m.input != nil {
		m.input.stop()
	}
	return m.SoC.Close()
}

// place writes DTB, firmware, payload and boot ROM, and starts harts.
func (m *Machine) place() error {
	c, b, bus := m.Config, m.Config.Board, m.SoC.Bus
	if err := m.buildDTB(); err != nil {
		return err
	}
	if err := bus.Load(m.FDT, m.DTB); err != nil {
		return fmt.Errorf("machine: device tree at %#x: %w", m.FDT, err)
	}
	kernelEntry := uint64(0)
	if c.Kernel != nil {
		c.Kernel.Relocate(b.Boot.Payload)
		if c.Firmware == "none" {
			c.Kernel.Relocate(dramBase(b))
		}
		if err := c.Kernel.Place(bus); err != nil {
			return err
		}
		kernelEntry = c.Kernel.Entry
	}
	switch c.Firmware {
	case "builtin":
		return m.startBuiltin(kernelEntry)
	case "none":
		if c.Kernel == nil {
			return errors.New("machine: --bios none needs a --kernel to run")
		}
		return m.startFromROM(kernelEntry, kernelEntry, firmware.NextModeM)
	default:
		fw, err := firmware.ReadFile(c.Firmware, dramBase(b))
		if err != nil {
			return err
		}
		if err := fw.Place(bus); err != nil {
			return err
		}
		if c.Kernel != nil && overlaps(fw, c.Kernel) {
			return fmt.Errorf("machine: firmware [%#x, %#x) overlaps the payload at %#x", fw.Low(), fw.End(), c.Kernel.Low())
		}
		return m.startFromROM(fw.Entry, kernelEntry, firmware.NextModeS)
	}
}

// qemuDTBBuffer is the size QEMU 7.2 places a -dtb file by: its loader
// (load_device_tree) opens the blob into a buffer of twice the file size
// plus 10000 bytes, and the FDT address is computed from that size before
// the blob is packed.
func qemuDTBBuffer(fileSize int) uint64 { return uint64(fileSize+10000) * 2 }

// deviceTree is the tree to boot with: the given blob's or the board's.
func (m *Machine) deviceTree() (*dtb.Tree, error) {
	if m.Config.DTB != nil {
		return dtb.Parse(m.Config.DTB)
	}
	return dtb.FromBoard(m.Config.Board)
}

func overlaps(a, b *firmware.Image) bool { return a.Low() < b.End() && b.Low() < a.End() }

func dramBase(b *boards.Board) uint64 {
	d, _ := b.DRAM()
	return d.Base
}

func (m *Machine) buildDTB() error {
	if m.Config.DTB != nil && m.Config.Append == "" {
		blob, err := dtb.Pack(m.Config.DTB)
		if err != nil {
			return fmt.Errorf("machine: --dtb: %w", err)
		}
		m.DTB, m.FDT = blob, m.Config.Board.FDTAddress(qemuDTBBuffer(len(m.Config.DTB)))
		return nil
	}
	t, err := m.deviceTree()
	if err != nil {
		return fmt.Errorf("machine: %w", err)
	}
	if m.Config.Append != "" {
		chosen := t.Lookup("/chosen")
		if chosen == nil {
			chosen = t.Root.Add("chosen")
		}
		chosen.SetString("bootargs", m.Config.Append)
	}
	if m.DTB, err = t.Marshal(); err != nil {
		return fmt.Errorf("machine: %w", err)
	}
	m.FDT = m.Config.Board.FDTAddress(uint64(len(m.DTB)))
	return nil
}

// startFromROM writes the boot ROM (QEMU's reset vector and
// fw_dynamic_info, or Spike's) and releases every hart at the reset vector,
// as a power-on does.
func (m *Machine) startFromROM(start, next, nextMode uint64) error {
	b := m.Config.Board
	rom, err := firmware.LookupResetROM(resetROMName(b))
	if err != nil {
		return err
	}
	region, ok := regionHolding(b, b.Boot.ResetVector)
	if !ok {
		return fmt.Errorf("machine: reset vector %#x is in no memory region", b.Boot.ResetVector)
	}
	if region.Base+rom.EntryOffset() != b.Boot.ResetVector {
		return fmt.Errorf("machine: reset vector %#x does not match the %s boot ROM at %#x", b.Boot.ResetVector, rom.Name, region.Base)
	}
	if err := m.SoC.Bus.Load(region.Base, rom.Build(start, m.FDT, next, nextMode)); err != nil {
		return fmt.Errorf("machine: boot ROM: %w", err)
	}
	for i := range m.SoC.Harts {
		m.Engine.Park(i, false)
	}
	return nil
}

// resetROMName picks the boot ROM by board family: the ROMs are facts of
// QEMU's and Spike's boards, not of the TOML. QEMU's sifive_u ROM loads
// 8-byte words from 4-byte boundaries, which only harts that perform
// misaligned accesses survive; the others get the same ROM re-aligned.
func resetROMName(b *boards.Board) string {
	switch b.Family {
	case boards.FamilySiFiveFU540, boards.FamilySiFiveFU740:
		if trapsMisaligned(b) {
			return "sifive-aligned"
		}
		return "qemu-sifive-u"
	case boards.FamilySpike:
		return "spike"
	}
	return "qemu-virt"
}

func trapsMisaligned(b *boards.Board) bool {
	for _, h := range b.Harts {
		if h.Misaligned == boards.MisalignedTrap {
			return true
		}
	}
	return false
}

func regionHolding(b *boards.Board, addr uint64) (boards.Region, bool) {
	for _, r := range b.Memory {
		if addr >= r.Base && addr-r.Base < r.Size {
			return r, true
		}
	}
	return boards.Region{}, false
}

// startBuiltin installs the Go SBI and starts the payload on the boot hart
// (the first S-capable hart the board allows to boot); the others wait for
// SBI HSM hart_start.
func (m *Machine) startBuiltin(entry uint64) error {
	s := m.SoC
	m.SBI = firmware.NewSBI(firmware.Platform{
		Bus: s.Bus, Harts: s.Harts, Console: m.console(), CLINTBase: clintBase(m.Config.Board),
		Park: m.Engine.Park,
		Reset: func(kind uint32, failure bool) {
			e := engine.Exit{Reason: "SBI system reset: shutdown", Reboot: kind != 0}
			if kind != 0 {
				e.Reason = "SBI system reset: reboot"
			}
			if failure {
				e.Code, e.Reason = 1, e.Reason+" (system failure)"
			}
			m.Engine.Finish(e)
		},
	})
	for i, bh := range m.Config.Board.Harts {
		if bh.Boot && bh.SMode {
			m.SBI.Start(i, entry, m.FDT)
			return nil
		}
	}
	return fmt.Errorf("machine: %s: no hart may boot an S-mode payload", m.Config.Board.Name)
}

func clintBase(b *boards.Board) uint64 {
	if cl := b.DevicesOf(boards.KindCLINT); len(cl) > 0 {
		return cl[0].Base
	}
	return 0
}

// console drives the board's console UART through its registers, as
// firmware does.
func (m *Machine) console() firmware.Console {
	b := m.Config.Board
	d, ok := b.Device(b.Console)
	if !ok {
		return discardConsole{}
	}
	u, _ := d.Params.(*boards.UART)
	if u == nil {
		return discardConsole{}
	}
	return &uartConsole{bus: m.SoC.Bus, base: d.Base, sifive: u.Variant == "sifive", shift: uint(u.RegShift), width: max(u.RegIOWidth, 1)}
}

type discardConsole struct{}

func (discardConsole) PutByte(byte)          {}
func (discardConsole) GetByte() (byte, bool) { return 0, false }

// uartConsole is the SBI's console driver: ns16550a (THR/RBR at 0, LSR at
// 5) or SiFive UART (txdata 0, rxdata 4).
type uartConsole struct {
	bus    *mem.Bus
	base   uint64
	sifive bool
	shift  uint
	width  int
}

func (u *uartConsole) reg(i uint64) uint64 { return u.base + i<<u.shift }

func (u *uartConsole) PutByte(b byte) {
	if u.sifive {
		u.bus.Write(u.base, 4, uint64(b))
		return
	}
	u.bus.Write(u.reg(0), u.width, uint64(b))
}

func (u *uartConsole) GetByte() (byte, bool) {
	if u.sifive {
		v, ok := u.bus.Read(u.base+4, 4)
		if !ok || v&(1<<31) != 0 {
			return 0, false
		}
		return byte(v), true
	}
	lsr, ok := u.bus.Read(u.reg(5), u.width)
	if !ok || lsr&1 == 0 {
		return 0, false
	}
	v, _ := u.bus.Read(u.reg(0), u.width)
	return byte(v), true
}

// String describes the machine for logs.
func (m *Machine) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %d harts, firmware %s, FDT at %#x", m.Config.Board.Name, len(m.SoC.Harts), m.Config.Firmware, m.FDT)
	return sb.String()
}
