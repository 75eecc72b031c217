// Package engine owns the run: it steps every hart of a machine on one
// goroutine in quanta of simulated time, in an order a seed chooses, advances
// the device event queue between quanta, skips time when every hart sleeps,
// and ends the run with an exit status.
//
// It must not know what devices a board has or how a hart executes: it
// drives harts through their Run/Sleeping/LocalTime interface and devices
// through the clock and the pollers the SoC builder registers.
package engine

import (
	"errors"
	"fmt"

	"cosim/hw/hart"
	"cosim/hw/sim"
)

// Exit is how a run ended.
type Exit struct {
	Code   int    // process exit status
	Reason string // for people: "poweroff", "test finisher: fail 3", ...
	Reboot bool   // the guest asked for a reset
}

// ErrDeadlock is returned when no hart can run and no event is pending.
var ErrDeadlock = errors.New("engine: every hart is stopped or asleep and no event is pending")

// Limits bound a run.
type Limits struct {
	Instructions uint64   // total retired over all harts; 0 = unbounded
	Time         sim.Time // simulated time; 0 = unbounded
}

// Machine is what the engine runs.
type Machine struct {
	Clock *sim.Clock
	Harts []*hart.Hart
	// Quantum is the simulated time each hart runs before the next one
	// does and devices see time move.
	Quantum sim.Time
	// Seed chooses the order of harts in each quantum and the quantum's
	// length per hart. Seed 0 means plain round robin with fixed quanta.
	Seed uint64
	// Pollers run between quanta (console input, HTIF).
	Pollers []func()

	parked  []bool
	exit    *Exit
	current int // hart running now, -1 between quanta
	rng     splitmix
}

// DefaultQuantum is short enough that interrupt delivery lags a real
// timer by at most a microsecond and long enough that switching costs little.
const DefaultQuantum = sim.Microsecond

// New prepares a machine; all harts start parked except those the caller
// unparks (firmware decides which harts run at reset).
func New(clock *sim.Clock, harts []*hart.Hart, seed uint64) *Machine {
	m := &Machine{Clock: clock, Harts: harts, Quantum: DefaultQuantum, Seed: seed, current: -1}
	m.parked = make([]bool, len(harts))
	for i := range m.parked {
		m.parked[i] = true
	}
	m.rng = splitmix(seed)
	return m
}

// Park stops (true) or resumes (false) scheduling hart i.
func (m *Machine) Park(i int, parked bool) {
	m.parked[i] = parked
	if !parked {
		m.Harts[i].AdvanceIdle(m.Clock.Now())
	}
}

// Parked reports whether hart i is parked.
func (m *Machine) Parked(i int) bool { return m.parked[i] }

// Finish ends the run after the current instruction. The first call wins.
func (m *Machine) Finish(e Exit) {
	if m.exit != nil {
		return
	}
	m.exit = &e
	if m.current >= 0 {
		m.Harts[m.current].Stop()
	}
}

// Now is the finest simulated time known: the running hart's own time
// within its quantum, else the clock's. Devices that read time (mtime, RTC)
// use it so a hart never sees time run backwards between the time CSR and a
// timer register.
func (m *Machine) Now() sim.Time {
	if m.current >= 0 {
		if t := m.Harts[m.current].LocalTime(); t > m.Clock.Now() {
			return t
		}
	}
	return m.Clock.Now()
}

// Run steps the machine until a device or the firmware ends the run, or a
// limit is reached (then Exit is nil and err is nil).
func (m *Machine) Run(lim Limits) (*Exit, error) {
	order := make([]int, len(m.Harts))
	var retired uint64
	for m.exit == nil {
		start := m.Clock.Now()
		end := start + m.Quantum
		m.shuffle(order)
		ran := false
		for _, i := range order {
			if m.exit != nil {
				break
			}
			if m.parked[i] || m.Harts[i].Sleeping() {
				continue
			}
			retired += m.runHart(i, m.sliceEnd(start, end))
			ran = true
		}
		if m.exit != nil {
			break
		}
		if !ran {
			next, ok := m.nextWake()
			if !ok {
				return nil, ErrDeadlock
			}
			end = max(end, next)
		}
		for i, h := range m.Harts {
			if m.parked[i] || h.LocalTime() < end {
				h.AdvanceIdle(end)
			}
		}
		m.Clock.AdvanceTo(end)
		for _, p := range m.Pollers {
			p()
		}
		if lim.Instructions != 0 && retired >= lim.Instructions || lim.Time != 0 && m.Clock.Now() >= lim.Time {
			return nil, nil
		}
	}
	return m.exit, nil
}

// nextWake is the earliest moment something can wake a sleeping machine:
// a device event, or a hart's own timer (Sstc's stimecmp).
func (m *Machine) nextWake() (sim.Time, bool) {
	next, ok := m.Clock.Next()
	for i, h := range m.Harts {
		if m.parked[i] {
			continue
		}
		if t, armed := h.WakeTime(); armed && (!ok || t < next) {
			next, ok = t, true
		}
	}
	return next, ok
}

// runHart runs hart i until its local time reaches end.
func (m *Machine) runHart(i int, end sim.Time) uint64 {
	h := m.Harts[i]
	now := h.LocalTime()
	if now >= end {
		return 0
	}
	hz := h.Config().ClockHz
	budget := sim.Ticks(end, hz) - sim.Ticks(now, hz)
	if budget == 0 {
		budget = 1
	}
	m.current = i
	n := h.Run(budget)
	m.current = -1
	return n
}

// sliceEnd varies a hart's quantum between half and all of it when a seed
// is set, so that different seeds interleave harts at different points.
func (m *Machine) sliceEnd(start, end sim.Time) sim.Time {
	if m.Seed == 0 {
		return end
	}
	q := end - start
	return start + q/2 + sim.Time(m.rng.next()%uint64(q/2+1))
}

func (m *Machine) shuffle(order []int) {
	for i := range order {
		order[i] = i
	}
	if m.Seed == 0 {
		return
	}
	for i := len(order) - 1; i > 0; i-- {
		j := int(m.rng.next() % uint64(i+1))
		order[i], order[j] = order[j], order[i]
	}
}

// String summarises the machine's state for error messages.
func (m *Machine) String() string {
	return fmt.Sprintf("machine: %d harts at t=%d ps", len(m.Harts), m.Clock.Now())
}

// splitmix is SplitMix64: a tiny, well-mixed, seedable generator whose
// sequence is fixed by its seed on every platform.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
