package sim

// Clock is the device event queue and the current simulated time. Events
// fire in (time, order of scheduling) order, so a run is deterministic.
// Only the engine advances it; models read Now and schedule events.
type Clock struct {
	now  Time
	heap []*Alarm
	seq  uint64
}

// Alarm is a scheduled callback; Cancel stops it from firing.
type Alarm struct {
	at    Time
	seq   uint64
	index int // position in the heap, -1 once fired or cancelled
	fn    func()
}

// Now returns the current simulated time.
func (c *Clock) Now() Time { return c.now }

// At schedules fn to run when simulated time reaches t (or at once, on the
// next AdvanceTo, if t is already past).
func (c *Clock) At(t Time, fn func()) *Alarm {
	c.seq++
	e := &Alarm{at: t, seq: c.seq, fn: fn, index: len(c.heap)}
	c.heap = append(c.heap, e)
	c.up(e.index)
	return e
}

// After schedules fn d after the current time.
func (c *Clock) After(d Time, fn func()) *Alarm {
	t := c.now + d
	if t < c.now {
		t = Never
	}
	return c.At(t, fn)
}

// Cancel removes e from the queue; cancelling a fired or cancelled event
// (or nil) does nothing.
func (c *Clock) Cancel(e *Alarm) {
	if e == nil || e.index < 0 || e.index >= len(c.heap) || c.heap[e.index] != e {
		return
	}
	i := e.index
	last := len(c.heap) - 1
	c.swap(i, last)
	c.heap = c.heap[:last]
	e.index = -1
	if i < last {
		c.down(i)
		c.up(i)
	}
}

// Pending reports whether e is still waiting to fire.
func (e *Alarm) Pending() bool { return e != nil && e.index >= 0 }

// Next returns the time of the earliest pending event.
func (c *Clock) Next() (Time, bool) {
	if len(c.heap) == 0 {
		return Never, false
	}
	return c.heap[0].at, true
}

// AdvanceTo moves simulated time to t (never backwards) and runs, in order,
// every event due at or before t. An event may schedule further events; those
// due by t run in the same call.
func (c *Clock) AdvanceTo(t Time) {
	for len(c.heap) > 0 && c.heap[0].at <= t {
		e := c.heap[0]
		if e.at > c.now {
			c.now = e.at
		}
		c.Cancel(e)
		e.fn()
	}
	if t > c.now {
		c.now = t
	}
}

func (c *Clock) less(i, j int) bool {
	a, b := c.heap[i], c.heap[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (c *Clock) swap(i, j int) {
	c.heap[i], c.heap[j] = c.heap[j], c.heap[i]
	c.heap[i].index = i
	c.heap[j].index = j
}

func (c *Clock) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !c.less(i, p) {
			return
		}
		c.swap(i, p)
		i = p
	}
}

func (c *Clock) down(i int) {
	n := len(c.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && c.less(r, l) {
			m = r
		}
		if !c.less(m, i) {
			return
		}
		c.swap(i, m)
		i = m
	}
}
