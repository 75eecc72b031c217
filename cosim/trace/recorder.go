package trace

import (
	"fmt"
	"io"

	"cosim/hw/sim"
)

// Recorder is the sim.Observer that writes a running model's events to a
// trace. Attach it to every hart and device of a run; it is not safe for
// concurrent use, which the engine's single run goroutine guarantees.
//
// Observe cannot return an error, so the first one is kept and returned by
// Close; after it the recorder drops events.
type Recorder struct {
	w      *Writer
	filter Filter
	closer io.Closer
	events uint64
	err    error
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
		return nil, err
	}
	r := &Recorder{w: tw, filter: opts.Filter}
	if c, ok := w.(io.Closer); ok {
		r.closer = c
	}
	if opts.Filter.String() != "" {
		r.Observe(&sim.Event{Kind: sim.KindMeta, Hart: -1, Text: "filter=" + opts.Filter.String()})
	}
	return r, nil
}

// Observe records e if it passes the filter. It copies what it keeps.
func (r *Recorder) Observe(e *sim.Event) {
	if r.err != nil || !r.filter.Match(e) {
		return
	}
	if err := r.w.WriteEvent(e, 0); err != nil {
		r.err = err
		return
	}
	r.events++
}

// Wants tells event sources (sim.KindSelector) what the filter keeps, so
// that a hart need not step one instruction at a time for a trace that
// keeps no retirements.
func (r *Recorder) Wants(hart int32, k sim.Kind) bool { return r.filter.Wants(hart, k) }

// Events returns how many events were written.
func (r *Recorder) Events() uint64 { return r.events }

// Err returns the first write error, if any.
func (r *Recorder) Err() error { return r.err }

// Close flushes the trace and closes the underlying writer if it is a Closer.
func (r *Recorder) Close() error {
	err := r.err
	if ferr := r.w.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if r.closer != nil {
		if cerr := r.closer.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("trace: close: %w", cerr)
		}
	}
	return err
}
