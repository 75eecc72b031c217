package intc

import (
	"fmt"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// Register layout of the SiFive CLINT and of the ACLINT MSWI/MTIMER devices
// (ACLINT spec 1.0; QEMU riscv_aclint). The CLINT is an MSWI block at +0 and
// an MTIMER block at +0x4000 whose mtime sits at +0x7FF8 in that block.
const (
	CLINTSize       = 0x1_0000
	MSWISize        = 0x4000
	MTimerSize      = 0x8000
	clintMTimerBase = 0x4000
	mtimeOffset     = 0x7FF8 // within the MTIMER block
	maxCLINTHarts   = 4095
)

// CLINTConfig describes a CLINT (or a pair of ACLINT MSWI and MTIMER
// blocks, which are views of the same model).
type CLINTConfig struct {
	Name string
	// Harts is how many harts the block serves; hart i's registers are the
	// i-th msip word and the i-th mtimecmp doubleword.
	Harts int
	// TimebaseHz is the rate of mtime (the DTB's timebase-frequency).
	TimebaseHz uint64
	Clock      *sim.Clock
	// Now, when set, gives a finer current time than Clock.Now for reads
	// and writes a hart makes in the middle of its quantum. It must never
	// run behind Clock.Now.
	Now func() sim.Time
	Obs sim.Observer
}

// CLINT models msip, mtimecmp and mtime. MTIP for a hart is a level, true
// while mtime >= mtimecmp; an alarm on the clock raises it at the moment it
// becomes true. As in QEMU 7.2, a hart's comparator is inactive (MTIP low)
// until software first writes its mtimecmp.
type CLINT struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs      sim.Observer
	cfg      CLINTConfig
	msip     []bool
	mtimecmp []uint64
	armed    []bool
	mtip     []bool
	alarm    []*sim.Alarm
	delta    uint64 // mtime minus the tick count of simulated time
	// MSIP and MTIP hold one wire per hart, to be connected to the hart's
	// sim.IRQMachineSoftware and sim.IRQMachineTimer inputs.
	MSIP []sim.Line
	MTIP []sim.Line
}

// NewCLINT builds a CLINT.
func NewCLINT(cfg CLINTConfig) (*CLINT, error) {
	if cfg.Harts < 1 || cfg.Harts > maxCLINTHarts {
		return nil, fmt.Errorf("clint %s: %d harts (want 1..%d)", cfg.Name, cfg.Harts, maxCLINTHarts)
	}
	if cfg.TimebaseHz == 0 {
		return nil, fmt.Errorf("clint %s: timebase frequency is zero", cfg.Name)
	}
	if cfg.Clock == nil {
		return nil, fmt.Errorf("clint %s: no clock", cfg.Name)
	}
	n := cfg.Harts
	return &CLINT{Obs: cfg.Obs,
		cfg: cfg, msip: make([]bool, n), mtimecmp: make([]uint64, n), armed: make([]bool, n),
		mtip: make([]bool, n), alarm: make([]*sim.Alarm, n),
		MSIP: make([]sim.Line, n), MTIP: make([]sim.Line, n),
	}, nil
}

func (c *CLINT) now() sim.Time {
	t := c.cfg.Clock.Now()
	if c.cfg.Now != nil {
		if f := c.cfg.Now(); f > t {
			t = f
		}
	}
	return t
}

// MTime returns the current value of mtime.
func (c *CLINT) MTime() uint64 { return c.mtimeAt(c.now()) }

func (c *CLINT) mtimeAt(t sim.Time) uint64 {
	return sim.Ticks(t, c.cfg.TimebaseHz) + c.delta
}

// Read implements mem.Device for the CLINT layout.
func (c *CLINT) Read(off uint64, size int) (uint64, bool) {
	if off < clintMTimerBase {
		return c.readMSWI(off, size)
	}
	if off >= CLINTSize {
		return 0, false
	}
	return c.readMTimer(off-clintMTimerBase, size)
}

// Write implements mem.Device for the CLINT layout.
func (c *CLINT) Write(off uint64, size int, v uint64) bool {
	if off < clintMTimerBase {
		return c.writeMSWI(off, size, v)
	}
	if off >= CLINTSize {
		return false
	}
	return c.writeMTimer(off-clintMTimerBase, size, v)
}

// MSWI returns the ACLINT MSWI view (msip words only).
func (c *CLINT) MSWI() mem.Device { return mswiView{c} }

// MTimer returns the ACLINT MTIMER view (mtimecmp at 0, mtime at 0x7FF8).
func (c *CLINT) MTimer() mem.Device { return mtimerView{c} }

type mswiView struct{ c *CLINT }

func (v mswiView) Read(off uint64, size int) (uint64, bool)  { return v.c.readMSWI(off, size) }
func (v mswiView) Write(off uint64, size int, x uint64) bool { return v.c.writeMSWI(off, size, x) }

type mtimerView struct{ c *CLINT }

func (v mtimerView) Read(off uint64, size int) (uint64, bool)  { return v.c.readMTimer(off, size) }
func (v mtimerView) Write(off uint64, size int, x uint64) bool { return v.c.writeMTimer(off, size, x) }

// MSWI: one 32-bit register per hart, bit 0 writable. Only 32-bit accesses
// are answered; words past the last hart read as zero.
func (c *CLINT) readMSWI(off uint64, size int) (uint64, bool) {
	if size != 4 || off%4 != 0 || off >= MSWISize {
		return 0, false
	}
	var v uint64
	if h := int(off / 4); h < c.cfg.Harts && c.msip[h] {
		v = 1
	}
	c.observe(off, v, size, false)
	return v, true
}

func (c *CLINT) writeMSWI(off uint64, size int, v uint64) bool {
	if size != 4 || off%4 != 0 || off >= MSWISize {
		return false
	}
	c.observe(off, v, size, true)
	if h := int(off / 4); h < c.cfg.Harts {
		lvl := v&1 != 0
		if lvl != c.msip[h] {
			c.msip[h] = lvl
			c.MSIP[h].Set(lvl)
		}
	}
	return true
}

// MTIMER: 64-bit mtimecmp per hart and mtime, each readable and writable as
// one doubleword or two words.
func (c *CLINT) readMTimer(off uint64, size int) (uint64, bool) {
	if (size != 4 && size != 8) || off%uint64(size) != 0 || off >= MTimerSize {
		return 0, false
	}
	var full uint64
	base := off &^ 7
	switch {
	case base == mtimeOffset:
		full = c.MTime()
	case base/8 < uint64(c.cfg.Harts):
		full = c.mtimecmp[base/8]
	}
	v := full
	if size == 4 {
		v = full >> ((off & 4) * 8) & 0xFFFF_FFFF
	}
	c.observe(clintMTimerBase+off, v, size, false)
	return v, true
}

func (c *CLINT) writeMTimer(off uint64, size int, v uint64) bool {
	if (size != 4 && size != 8) || off%uint64(size) != 0 || off >= MTimerSize {
		return false
	}
	c.observe(clintMTimerBase+off, v, size, true)
	base := off &^ 7
	switch {
	case base == mtimeOffset:
		c.setMTime(merge(c.MTime(), off, size, v))
	case base/8 < uint64(c.cfg.Harts):
		h := int(base / 8)
		c.mtimecmp[h] = merge(c.mtimecmp[h], off, size, v)
		c.armed[h] = true
		c.rearm(h)
	}
	return true
}

// merge replaces the word or doubleword of old that an access at off writes.
func merge(old uint64, off uint64, size int, v uint64) uint64 {
	if size == 8 {
		return v
	}
	shift := (off & 4) * 8
	return old&^(0xFFFF_FFFF<<shift) | (v&0xFFFF_FFFF)<<shift
}

func (c *CLINT) setMTime(v uint64) {
	c.delta = v - sim.Ticks(c.now(), c.cfg.TimebaseHz)
	for h := range c.mtimecmp {
		if c.armed[h] {
			c.rearm(h)
		}
	}
}

// rearm evaluates hart h's comparator now and schedules the alarm for the
// moment mtime reaches mtimecmp.
func (c *CLINT) rearm(h int) {
	c.cfg.Clock.Cancel(c.alarm[h])
	c.alarm[h] = nil
	now := c.now()
	mt := c.mtimeAt(now)
	if mt >= c.mtimecmp[h] {
		c.setMTIP(h, true)
		return
	}
	c.setMTIP(h, false)
	raw := sim.Ticks(now, c.cfg.TimebaseHz) + (c.mtimecmp[h] - mt)
	if raw < sim.Ticks(now, c.cfg.TimebaseHz) {
		return // past the end of time: never fires
	}
	at := sim.FromTicks(raw, c.cfg.TimebaseHz)
	if at == sim.Never {
		return
	}
	c.alarm[h] = c.cfg.Clock.At(at, func() {
		c.alarm[h] = nil
		c.setMTIP(h, true)
	})
}

func (c *CLINT) setMTIP(h int, lvl bool) {
	if c.mtip[h] != lvl {
		c.mtip[h] = lvl
		c.MTIP[h].Set(lvl)
	}
}

// TimerPending reports hart h's MTIP level.
func (c *CLINT) TimerPending(h int) bool { return h >= 0 && h < len(c.mtip) && c.mtip[h] }

// SoftwarePending reports hart h's MSIP level.
func (c *CLINT) SoftwarePending(h int) bool { return h >= 0 && h < len(c.msip) && c.msip[h] }

func (c *CLINT) observe(off, v uint64, size int, write bool) {
	if c.Obs == nil {
		return
	}
	c.Obs.Observe(&sim.Event{Kind: sim.KindMMIO, Hart: -1, Device: c.cfg.Name, Addr: off, Value: v, Size: uint8(size), Write: write})
}
