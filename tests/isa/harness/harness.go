// Package harness runs bare-metal RISC-V test programs on one hw/hart hart
// inside a minimal machine shaped like QEMU's virt board (DRAM at
// 0x8000_0000, the sifive,test0 finisher at 0x10_0000, an ns16550a transmit
// register at 0x1000_0000 and a CLINT at 0x200_0000), and the same programs
// on qemu-system-riscv64, so the two can be compared.
//
// It is a test fixture: the devices here implement only what test programs
// use and are not the project's device models (those live in hw/).
package harness

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"cosim/hw/hart"
	"cosim/hw/mem"
	"cosim/hw/sim"
)

// Addresses of the virt-like machine.
const (
	DRAMBase     = 0x8000_0000
	FinisherBase = 0x10_0000
	UARTBase     = 0x1000_0000
	CLINTBase    = 0x200_0000
	TimebaseHz   = 10_000_000
)

// VirtConfig is the hart configuration of QEMU 7.2's virt board with
// -cpu rv64,h=false.
func VirtConfig() hart.Config {
	return hart.Config{
		ISA:            "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc",
		SMode:          true,
		UMode:          true,
		MMUModes:       []string{"sv39", "sv48", "sv57"},
		PMPEntries:     16,
		PMPGranularity: 4,
		AD:             hart.ADHardware,
		Misaligned:     hart.MisalignedEmulate,
		HPMCounters:    16,
		MArchID:        0x70216,
		MImpID:         0x70216,
		ClockHz:        1_000_000_000,
		TimebaseHz:     TimebaseHz,
		ResetPC:        DRAMBase,
	}
}

// Result is how a program ended.
type Result struct {
	Output  string // bytes written to the UART
	Passed  bool   // finisher written with 0x5555
	Code    uint32 // failure code ((code<<16)|0x3333)
	Retired uint64
}

func (r Result) String() string {
	if r.Passed {
		return "PASS"
	}
	return fmt.Sprintf("FAIL(%d)", r.Code)
}

// Machine is one hart with DRAM, finisher, UART sink and CLINT.
type Machine struct {
	Bus   mem.Bus
	Clock sim.Clock
	RAM   *mem.RAM
	Sys   *hart.System
	Hart  *hart.Hart

	uart     bytes.Buffer
	dlab     bool
	done     bool
	passed   bool
	code     uint32
	mtimecmp uint64
	msip     bool
}

// NewMachine builds a machine with dramSize bytes of DRAM and one hart
// configured by cfg.
func NewMachine(cfg hart.Config, dramSize uint64) (*Machine, error) {
	m := &Machine{} // mtimecmp resets to 0, as in QEMU: MTIP pending
	ram, err := mem.NewRAM("dram", DRAMBase, dramSize, false)
	if err != nil {
		return nil, err
	}
	m.RAM = ram
	if err := m.Bus.MapRAM(ram); err != nil {
		return nil, err
	}
	if err := m.Bus.MapDevice("finisher", FinisherBase, 0x1000, finisher{m}); err != nil {
		return nil, err
	}
	if err := m.Bus.MapDevice("uart", UARTBase, 0x100, uart{m}); err != nil {
		return nil, err
	}
	if err := m.Bus.MapDevice("clint", CLINTBase, 0x10000, clint{m}); err != nil {
		return nil, err
	}
	m.Sys = hart.NewSystem(&m.Bus, &m.Clock)
	h, err := m.Sys.NewHart(cfg)
	if err != nil {
		return nil, err
	}
	m.Hart = h
	return m, nil
}

// Close releases the DRAM.
func (m *Machine) Close() error { return m.RAM.Close() }

// Output returns what the program printed so far.
func (m *Machine) Output() string { return m.uart.String() }

// LoadELF copies the program's loadable segments into memory and points
// the hart at its entry.
func (m *Machine) LoadELF(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Filesz == 0 {
			continue
		}
		data := make([]byte, p.Filesz)
		if _, err := p.ReadAt(data, 0); err != nil {
			return fmt.Errorf("harness: %s: segment at %#x: %w", path, p.Paddr, err)
		}
		if err := m.Bus.Load(p.Paddr, data); err != nil {
			return fmt.Errorf("harness: %s: %w", path, err)
		}
	}
	m.Hart.SetPC(f.Entry)
	return nil
}

// ErrTimeout is returned when a program runs past its instruction limit.
var ErrTimeout = errors.New("harness: instruction limit reached")

// Run runs until the finisher is written or maxInsns retire.
func (m *Machine) Run(maxInsns uint64) (Result, error) {
	h := m.Hart
	const quantum = 10_000
	m.updateTimer()
	for !m.done {
		if h.Instret() >= maxInsns {
			return m.result(), ErrTimeout
		}
		if h.Sleeping() {
			t := m.nextWake()
			if t == sim.Never {
				return m.result(), fmt.Errorf("harness: hart sleeps in WFI with no wake-up pending (pc %#x)", h.PC())
			}
			h.AdvanceIdle(t)
		} else {
			h.Run(min(quantum, maxInsns-h.Instret()))
		}
		m.Clock.AdvanceTo(h.LocalTime())
		m.updateTimer()
	}
	return m.result(), nil
}

func (m *Machine) result() Result {
	return Result{Output: m.uart.String(), Passed: m.passed, Code: m.code, Retired: m.Hart.Instret()}
}

func (m *Machine) mtime() uint64 { return sim.Ticks(m.Hart.LocalTime(), TimebaseHz) }

func (m *Machine) updateTimer() {
	m.Hart.SetIRQ(sim.IRQMachineTimer, m.mtime() >= m.mtimecmp)
}

// nextWake is the earliest local time a timer will raise an interrupt.
func (m *Machine) nextWake() sim.Time {
	t := sim.Never
	if m.mtimecmp != ^uint64(0) {
		t = sim.FromTicks(m.mtimecmp, TimebaseHz)
	}
	if w, ok := m.Hart.WakeTime(); ok && w < t {
		t = w
	}
	return t
}

type finisher struct{ m *Machine }

func (f finisher) Read(off uint64, size int) (uint64, bool) { return 0, true }
func (f finisher) Write(off uint64, size int, v uint64) bool {
	if off != 0 {
		return true
	}
	switch v & 0xffff {
	case 0x5555:
		f.m.done, f.m.passed = true, true
	case 0x3333:
		f.m.done, f.m.code = true, uint32(v>>16)
	default:
		return true
	}
	f.m.Hart.Stop()
	return true
}

type uart struct{ m *Machine }

func (u uart) Read(off uint64, size int) (uint64, bool) {
	if off == 5 { // LSR: transmitter empty
		return 0x60, true
	}
	return 0, true
}

func (u uart) Write(off uint64, size int, v uint64) bool {
	switch off {
	case 0:
		if !u.m.dlab { // with LCR.DLAB set, offset 0 is the divisor latch
			u.m.uart.WriteByte(byte(v))
		}
	case 3:
		u.m.dlab = v&0x80 != 0
	}
	return true
}

type clint struct{ m *Machine }

func (c clint) Read(off uint64, size int) (uint64, bool) {
	var v uint64
	base := off
	switch {
	case off < 4:
		base = 0
		if c.m.msip {
			v = 1
		}
	case off >= 0x4000 && off < 0x4008:
		base, v = 0x4000, c.m.mtimecmp
	case off >= 0xbff8 && off < 0xc000:
		base, v = 0xbff8, c.m.mtime()
	}
	v >>= 8 * (off - base)
	if size < 8 {
		v &= 1<<(8*size) - 1
	}
	return v, true
}

func (c clint) Write(off uint64, size int, v uint64) bool {
	switch {
	case off == 0:
		c.m.msip = v&1 != 0
		c.m.Hart.SetIRQ(sim.IRQMachineSoftware, c.m.msip)
	case off == 0x4000 && size == 8:
		c.m.mtimecmp = v
	case off == 0x4000 && size == 4:
		c.m.mtimecmp = c.m.mtimecmp&^0xffffffff | v&0xffffffff
	case off == 0x4004 && size == 4:
		c.m.mtimecmp = c.m.mtimecmp&0xffffffff | v<<32
	}
	c.m.updateTimer()
	return true
}

// RunELF builds a machine, loads path and runs it.
func RunELF(cfg hart.Config, path string, maxInsns uint64) (Result, error) {
	m, err := NewMachine(cfg, 64<<20)
	if err != nil {
		return Result{}, err
	}
	defer m.Close()
	if err := m.LoadELF(path); err != nil {
		return Result{}, err
	}
	return m.Run(maxInsns)
}

// QEMU is the reference emulator's binary.
const QEMU = "qemu-system-riscv64"

// RunQEMU runs an ELF on qemu-system-riscv64 -M virt -cpu rv64,h=false
// -bios none and returns its UART output and exit status.
func RunQEMU(path string, timeout time.Duration) (Result, error) {
	if _, err := exec.LookPath(QEMU); err != nil {
		return Result{}, fmt.Errorf("harness: %s not installed (Debian package qemu-system-misc): %w", QEMU, err)
	}
	cmd := exec.Command(QEMU, "-M", "virt", "-cpu", "rv64,h=false", "-m", "256M", "-smp", "1",
		"-bios", "none", "-kernel", path, "-nographic", "-monitor", "none", "-serial", "stdio")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("harness: starting qemu: %w", err)
	}
	timer := time.AfterFunc(timeout, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	timedOut := !timer.Stop()
	res := Result{Output: out.String()}
	if timedOut {
		return res, fmt.Errorf("harness: qemu timed out after %v running %s", timeout, path)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		res.Passed = true
	case errors.As(err, &ee) && ee.ExitCode() > 0:
		res.Code = uint32(ee.ExitCode())
	default:
		return res, fmt.Errorf("harness: qemu: %w: %s", err, errb.String())
	}
	return res, nil
}

// GCC is the cross compiler used to build test programs.
const GCC = "riscv64-unknown-elf-gcc"

// Build compiles and links sources into out with the linker script ld
// (which places the program in DRAM) and the flags the ISA tests use.
func Build(out, ld string, extraFlags []string, sources ...string) error {
	if _, err := exec.LookPath(GCC); err != nil {
		return fmt.Errorf("harness: %s not installed (Debian package gcc-riscv64-unknown-elf): %w", GCC, err)
	}
	args := []string{"-nostdlib", "-nostartfiles", "-march=rv64gc_zba_zbb_zbc_zbs", "-mabi=lp64d",
		"-mcmodel=medany", "-T", ld, "-Wl,--no-relax", "-o", out}
	args = append(args, extraFlags...)
	args = append(args, sources...)
	cmd := exec.Command(GCC, args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("harness: building %s: %w\n%s", filepath.Base(out), err, b)
	}
	return nil
}

// Need reports a missing tool as an error message suitable for t.Fatal.
func Need(tools ...string) error {
	var missing []string
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing tools: %s (install qemu-system-misc and gcc-riscv64-unknown-elf)", strings.Join(missing, ", "))
	}
	return nil
}

// TempDir returns a directory for build products under dir (created).
func TempDir(dir string) (string, error) {
	return os.MkdirTemp(dir, "isa-")
}

// Addresses of a fw_jump boot on the virt machine.
const (
	FWJumpPayload = 0x8020_0000
	FWJumpFDT     = 0x83e0_0000
)

// inert answers every access with zero: a stand-in for the PLIC, which
// OpenSBI initialises but the harness's programs never use. The project's
// PLIC model lives in hw/intc.
type inert struct{}

func (inert) Read(off uint64, size int) (uint64, bool)  { return 0, true }
func (inert) Write(off uint64, size int, v uint64) bool { return true }

// LoadFWJump prepares an OpenSBI fw_jump boot: the firmware at DRAM's
// base, the payload at 0x8020_0000, the device tree near the top of 64 MiB
// and an inert stand-in where virt's PLIC is; a0/a1 as QEMU's reset vector
// sets them.
func (m *Machine) LoadFWJump(fw, payload, dtb string) error {
	return m.LoadFWJumpAt(fw, payload, dtb, FWJumpFDT)
}

// LoadFWJumpAt is LoadFWJump with the device tree at fdt.
func (m *Machine) LoadFWJumpAt(fw, payload, dtb string, fdt uint64) error {
	if err := m.Bus.MapDevice("plic-standin", 0x0c00_0000, 0x60_0000, inert{}); err != nil {
		return err
	}
	for _, f := range []struct {
		path string
		addr uint64
	}{{fw, DRAMBase}, {payload, FWJumpPayload}, {dtb, fdt}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			return fmt.Errorf("harness: %w", err)
		}
		if err := m.Bus.Load(f.addr, b); err != nil {
			return fmt.Errorf("harness: %s: %w", f.path, err)
		}
	}
	m.Hart.SetPC(DRAMBase)
	m.Hart.SetX(10, 0)
	m.Hart.SetX(11, fdt)
	return nil
}
