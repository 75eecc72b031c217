package hart

import (
	"fmt"
	"slices"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// Privilege levels.
const (
	PrivU = 0
	PrivS = 1
	PrivM = 3
)

// System is what harts sharing one physical address space share: the bus,
// the clock, and the bookkeeping that lets a store by one hart (or a DMA
// write) invalidate the decoded instructions and break the LR reservations
// of every hart.
type System struct {
	bus   *mem.Bus
	clock *sim.Clock
	harts []*Hart
	// writer is the hart whose store is being reported to the RAM watch
	// callback (nil for device DMA and loaders), so that its own
	// reservation is not broken by its own store.
	writer *Hart
}

// NewSystem creates the shared state of the harts on bus. RAM may be mapped
// before or after: a hart installs the watched-write callback on a region
// the first time it watches one of its pages.
func NewSystem(bus *mem.Bus, clock *sim.Clock) *System {
	return &System{bus: bus, clock: clock}
}

// watch marks a page of ram with flag and makes sure writes to it reach
// the harts.
func (s *System) watch(ram *mem.RAM, pa uint64, flag uint8) {
	if ram.OnWatchedWrite == nil {
		ram.OnWatchedWrite = func(pa uint64, n int) { s.watchedWrite(ram, pa, n) }
	}
	ram.Watch[(pa-ram.Base)>>pageShift] |= flag
}

// Harts returns the harts created so far, in creation order.
func (s *System) Harts() []*Hart { return s.harts }

// watchedWrite runs for every write to a RAM page some hart watches: it is
// the one place where the coherence policy of decoded instructions lives.
// A hart without caches or with a coherent I-cache drops its decoded copy
// at once; one with a non-coherent I-cache keeps it (its decoded
// instructions are the I-cache's lines, dropped on fence.i or eviction).
func (s *System) watchedWrite(ram *mem.RAM, pa uint64, n int) {
	for _, h := range s.harts {
		if !h.nonCoherentI {
			// A non-coherent I-cache keeps the bytes it fetched; the
			// hart's decoded instructions are exactly those lines.
			h.invalidateCode(pa, n)
		}
		if h != s.writer && h.resValid && pa < h.resAddr+resGranule && h.resAddr < pa+uint64(n) {
			h.clearReservation()
		}
	}
}

// Hart is one RV64 hardware thread. All methods must be called from the
// goroutine that runs the simulation.
type Hart struct {
	// r holds x0..x31 (x0 reads as zero), f0..f31 at fBase, and a scratch
	// entry for writes to x0 at xZeroSink. Indexing with a uint8 needs no
	// bounds check.
	r    [256]uint64
	pc   uint64
	priv uint8

	cfg      Config
	ext      ext
	sys      *System
	bus      *mem.Bus
	misa     uint64
	hasS     bool
	hasU     bool
	modes    uint16 // bit set of accepted satp modes (8 Sv39, 9 Sv48, 10 Sv57)
	pmpGrain uint   // G of the spec: grain is 2^(G+2) bytes

	// Optional CSRs the board leaves out (privspec.go).
	privSpec  PrivSpec // 0: the latest
	noTimeCSR bool     // rdtime traps

	// Obs receives an event per retired instruction, trap and fence when
	// non-nil. If it wants retirements, Run captures them in batches
	// inside the interpreter loop when Obs is a sim.RetireObserver
	// (capture.go), and otherwise steps one instruction at a time.
	Obs sim.Observer
	// MHook, when set, is offered every trap that would enter M-mode. It
	// sees the hart as the trap found it (pc = the trapping instruction,
	// or for an interrupt the next instruction to run) and returns true
	// if it handled the trap itself (typically by updating registers and
	// calling SetPC), false to let the trap enter M-mode normally.
	MHook func(h *Hart, cause uint64, tval uint64) bool

	csrState
	counters
	reservation
	mmuState
	pmpState
	cacheState
	captureState

	// code maps a physical page number to this hart's decoded copy of
	// the page.
	code map[uint64]*codePage

	// Run-loop control.
	stopReq  bool // leave Run at the next instruction boundary
	resync   bool // state changed under the run loop: re-read locals
	wfi      bool // executed WFI and waits for an interrupt
	stepping bool // Run executes one instruction per inner-loop call
	running  bool
	// trapBudget is how many more traps this Run may take.
	trapBudget uint64

	// Exception being raised by a slow path.
	excCause uint64
	excTval  uint64

	crossTmp slot // decoded page-crossing instruction

	// Observation of the instruction being stepped.
	obsEvent sim.Event
	obsPC    uint64
	obsPriv  uint8
	obsPre   [fBase + 32]uint64
}

// reservation is the LR/SC state: a granule of resGranule bytes and the
// value LR read, as QEMU compares it at SC time.
type reservation struct {
	resValid bool
	resVA    uint64   // virtual address LR used (SC must match it)
	resAddr  uint64   // physical granule, for other harts' stores
	resVal   uint64   // value LR read
	resRAM   *mem.RAM // RAM holding the granule (nil for devices)
}

// resGranule is the reservation size in bytes (QEMU reserves the accessed
// doubleword; we reserve the aligned 8 bytes containing it).
const resGranule = 8

// NewHart adds a hart configured by cfg to the system and resets it.
func (s *System) NewHart(cfg Config) (*Hart, error) {
	e, misa, err := parseISA(cfg.ISA)
	if err != nil {
		return nil, err
	}
	h := &Hart{cfg: cfg, ext: e, sys: s, bus: s.bus, code: make(map[uint64]*codePage)}
	h.cfg.MMUModes = slices.Clone(cfg.MMUModes)
	h.hasS, h.hasU = cfg.SMode, cfg.UMode || cfg.SMode
	misa |= 2 << 62
	if h.hasS {
		misa |= 1 << ('s' - 'a')
	}
	if h.hasU {
		misa |= 1 << ('u' - 'a')
	}
	h.misa = misa
	if !h.hasS && len(cfg.MMUModes) > 0 {
		return nil, fmt.Errorf("hart %d: MMU modes %v need S-mode", cfg.HartID, cfg.MMUModes)
	}
	for _, m := range cfg.MMUModes {
		switch m {
		case "sv39":
			h.modes |= 1 << satpSv39
		case "sv48":
			h.modes |= 1 << satpSv48
		case "sv57":
			h.modes |= 1 << satpSv57
		default:
			return nil, fmt.Errorf("hart %d: MMU mode %q not supported", cfg.HartID, m)
		}
	}
	if cfg.PMPEntries < 0 || cfg.PMPEntries > 64 || (cfg.PMPEntries != 0 && cfg.PMPEntries != 16 && cfg.PMPEntries != 64 && cfg.PMPEntries > 16) {
		return nil, fmt.Errorf("hart %d: %d PMP entries (0..16 or 64)", cfg.HartID, cfg.PMPEntries)
	}
	g := cfg.PMPGranularity
	if g == 0 {
		g = 4
	}
	if g < 4 || g&(g-1) != 0 {
		return nil, fmt.Errorf("hart %d: PMP granularity %d is not a power of two >= 4", cfg.HartID, g)
	}
	for g > 4 {
		h.pmpGrain++
		g >>= 1
	}
	if cfg.HPMCounters < 0 || cfg.HPMCounters > 29 {
		return nil, fmt.Errorf("hart %d: %d HPM counters (0..29)", cfg.HartID, cfg.HPMCounters)
	}
	if h.cfg.ClockHz == 0 {
		h.cfg.ClockHz = 1_000_000_000
	}
	if h.cfg.TimebaseHz == 0 {
		h.cfg.TimebaseHz = 10_000_000
	}
	if e&extSstc != 0 && !h.hasS {
		return nil, fmt.Errorf("hart %d: Sstc needs S-mode", cfg.HartID)
	}
	s.harts = append(s.harts, h)
	h.Reset()
	return h, nil
}

// Reset puts the hart in its reset state: M-mode at ResetPC, registers
// zero, MMU and PMP off, no reservation, decoded instructions dropped.
// Counters and local time keep running (a reset does not rewind time).
func (h *Hart) Reset() {
	h.r = [256]uint64{}
	h.pc = h.cfg.ResetPC
	h.priv = PrivM
	h.csrState = csrState{}
	h.mstatus = mstatusResetValue
	h.mhartid = h.cfg.HartID
	for i := range h.tdata1 {
		h.tdata1[i] = tdata1Type2
	}
	h.clearReservation()
	h.pmpChanged()
	h.updateDataPriv()
	h.wfi = false
	h.stopReq = false
	clear(h.code)
	if h.caches.I != nil {
		h.caches.I.InvalidateAll()
	}
	h.flushTLB()
}

// Config returns the hart's configuration.
func (h *Hart) Config() Config { return h.cfg }

// HartID is the value of mhartid.
func (h *Hart) HartID() uint64 { return h.cfg.HartID }

// PC returns the address of the next instruction to run.
func (h *Hart) PC() uint64 { return h.pc }

// SetPC sets the next instruction to run.
func (h *Hart) SetPC(pc uint64) { h.pc = pc; h.resync = true }

// X returns integer register i (x0 reads zero).
func (h *Hart) X(i int) uint64 {
	if i <= 0 || i > 31 {
		return 0
	}
	return h.r[i]
}

// SetX sets integer register i; writes to x0 are ignored.
func (h *Hart) SetX(i int, v uint64) {
	if i > 0 && i <= 31 {
		h.r[i] = v
	}
}

// F returns the raw 64 bits of floating-point register i.
func (h *Hart) F(i int) uint64 {
	if i < 0 || i > 31 {
		return 0
	}
	return h.r[fBase+i]
}

// SetF sets the raw 64 bits of floating-point register i.
func (h *Hart) SetF(i int, v uint64) {
	if i >= 0 && i <= 31 {
		h.r[fBase+i] = v
	}
}

// Priv returns the current privilege level (PrivU, PrivS, PrivM).
func (h *Hart) Priv() uint8 { return h.priv }

// SetPriv changes the privilege level as a debugger would.
func (h *Hart) SetPriv(p uint8) {
	if p == PrivM || (p == PrivS && h.hasS) || (p == PrivU && h.hasU) {
		h.priv = p
		h.updateDataPriv()
		h.resync = true
	}
}

// Stop makes a running Run return at the next instruction boundary. Device
// callbacks may call it while the hart runs.
func (h *Hart) Stop() { h.stopReq = true }

// SetIRQ drives one of the mip bits wired to devices (MSIP, MTIP, MEIP,
// SEIP); it implements sim.IRQSink. Other bit numbers are ignored.
func (h *Hart) SetIRQ(n int, level bool) {
	var bit uint64
	switch n {
	case sim.IRQMachineSoftware, sim.IRQMachineTimer, sim.IRQMachineExternal, sim.IRQSupervisorExternal:
		bit = 1 << n
	default:
		return
	}
	if n == sim.IRQSupervisorExternal && !h.hasS {
		return
	}
	if level {
		h.mipHW |= bit
	} else {
		h.mipHW &^= bit
	}
	h.resync = true
}

// Sleeping reports whether the hart waits in WFI with no interrupt pending
// that would wake it (the spec's rule: any pending interrupt enabled in
// mie wakes the hart, whatever the global enables).
func (h *Hart) Sleeping() bool {
	return h.wfi && h.readMIP()&h.mie == 0
}

var _ sim.IRQSink = (*Hart)(nil)
