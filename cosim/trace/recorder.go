package trace

import (
	"fmt"
	"io"

	"cosim/hw/sim"
)

// Recorder is the sim.Observer that writes a running model's events to a
// trace. Attach it to every hart and device of a run; its methods are
// called from the engine's single run goroutine.
//
// Harts capture retirements inside their interpreter loop and hand them
// over in batches (the recorder is a sim.RetireObserver), which the
// recorder stores as retire batch records as they arrive; before any
// other event it takes what the harts hold, so the trace keeps the order
// in which things happened. The file is written on the run's goroutine:
// writing it on a goroutine of its own was measured slower (260 against
// 234 ms on the compute benchmark, two cores): moving the buffers between
// the cores' caches cost more than the write calls.
//
// Observe cannot return an error, so the first one is kept and returned by
// Close; after it the recorder drops events.
type Recorder struct {
	w       *Writer
	out     io.Writer
	filter  Filter
	flushes []func()
	keepPC  func(uint64) bool // per retirement; nil when the filter has no pc ranges
	events  uint64
	err     error
	closed  bool
}

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	Header Header
	Filter Filter
}

// NewRecorder starts a trace on w. If w is an io.Closer, Close closes it.
func NewRecorder(w io.Writer, opts RecorderOptions) (*Recorder, error) {
	tw, err := NewWriter(w, opts.Header)
	if err != nil {
		if c, ok := w.(io.Closer); ok {
			c.Close()
		}
		return nil, err
	}
	r := &Recorder{w: tw, out: w, filter: opts.Filter}
	if len(opts.Filter.ranges) != 0 {
		r.keepPC = opts.Filter.matchPC
	}
	if opts.Filter.String() != "" {
		r.Observe(&sim.Event{Kind: sim.KindMeta, Hart: -1, Text: "filter=" + opts.Filter.String()})
	}
	return r, nil
}

// Observe records e if it passes the filter, after the retirements the
// harts hold.
func (r *Recorder) Observe(e *sim.Event) {
	if r.err != nil || r.closed || !r.filter.Match(e) {
		return
	}
	for _, flush := range r.flushes {
		flush()
	}
	if err := r.w.WriteEvent(e, 0); err != nil {
		r.err = err
		return
	}
	r.events++
}

// ObserveRetirements records a hart's batch (sim.RetireObserver): the
// retirements the filter keeps and the fence events it keeps. A batch
// the filter keeps whole is stored as the hart coded it.
func (r *Recorder) ObserveRetirements(b sim.Retirements) {
	if r.err != nil || r.closed {
		b.Release()
		return
	}
	hart := b.Hart()
	keepPC := r.keepPC
	if !r.filter.Wants(hart, sim.KindRetire) {
		keepPC = keepNone
	}
	var keep func(*sim.Event) bool
	if r.keepPC != nil || !r.filter.Wants(hart, sim.KindFence) || !r.filter.Wants(hart, sim.KindFenceI) || !r.filter.Wants(hart, sim.KindSfenceVMA) {
		keep = r.filter.Match
	}
	n, err := r.w.WriteRetirements(b, keepPC, keep)
	r.events += n
	if err != nil {
		r.err = err
	}
}

func keepNone(uint64) bool { return false }

// AddRetireSource registers a hart's flush (sim.RetireObserver).
func (r *Recorder) AddRetireSource(flush func()) { r.flushes = append(r.flushes, flush) }

// Wants tells event sources (sim.KindSelector) what the filter keeps, so
// that a hart need not record retirements for a trace that keeps none.
func (r *Recorder) Wants(hart int32, k sim.Kind) bool { return r.filter.Wants(hart, k) }

// Events returns how many events were written.
func (r *Recorder) Events() uint64 { return r.events }

// Err returns the first write error, if any.
func (r *Recorder) Err() error { return r.err }

// Close records what the harts hold, flushes the trace and closes the
// underlying writer if it is a Closer.
func (r *Recorder) Close() error {
	if r.closed {
		return r.err
	}
	for _, flush := range r.flushes {
		flush()
	}
	r.closed = true
	err := r.err
	if ferr := r.w.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if c, ok := r.out.(io.Closer); ok {
		if cerr := c.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("trace: close: %w", cerr)
		}
	}
	return err
}
