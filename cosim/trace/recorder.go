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
// recorder codes into retire batch records as they arrive; before any
// other event it takes what the harts hold, so the trace keeps the order
// in which things happened. The file is written by a goroutine of its
// own, so on a host with a spare core the run does not wait for the disk.
//
// Observe cannot return an error, so the first one is kept and returned by
// Close; after it the recorder drops events.
type Recorder struct {
	w       *Writer
	out     *asyncWriter
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
	out := newAsyncWriter(w)
	tw, err := NewWriter(out, opts.Header)
	if err != nil {
		out.Close()
		return nil, err
	}
	r := &Recorder{w: tw, out: out, filter: opts.Filter}
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
// retirements the filter keeps and the fence events it keeps.
func (r *Recorder) ObserveRetirements(b sim.Retirements) {
	defer b.Release()
	if r.err != nil || r.closed {
		return
	}
	keepPC := r.keepPC
	if !r.filter.Wants(b.Hart(), sim.KindRetire) {
		keepPC = keepNone
	}
	n, err := r.w.WriteRetirements(b, keepPC, r.filter.Match)
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
	if cerr := r.out.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("trace: close: %w", cerr)
	}
	return err
}
