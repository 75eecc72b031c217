package trace

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"cosim/hw/sim"
)

// FileInput is a trace file the comparison reads: our pcapng, or a QEMU log
// imported on the fly; either may be gzip-compressed.
type FileInput struct {
	Path string
	QEMU QEMUOptions // used when the file is a QEMU log
}

// Name returns the path.
func (f FileInput) Name() string { return f.Path }

// Open opens the file from its start.
func (f FileInput) Open() (Source, io.Closer, error) { return OpenFile(f.Path, f.QEMU) }

var pcapngMagic = []byte{0x0a, 0x0d, 0x0d, 0x0a}

// OpenFile opens a trace or QEMU log as a Source, telling them apart by
// their first bytes.
func OpenFile(path string, q QEMUOptions) (Source, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("trace: %w", err)
	}
	src, closer, err := openStream(f, q)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("trace: %s: %w", path, err)
	}
	return src, multiCloser{closer, f}, nil
}

// OpenStream reads a trace or QEMU log from r (a pipe works: nothing is
// read twice).
func OpenStream(r io.Reader, q QEMUOptions) (Source, io.Closer, error) {
	return openStream(r, q)
}

func openStream(r io.Reader, q QEMUOptions) (Source, io.Closer, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(4)
	if err != nil && len(head) < 2 {
		return nil, nil, fmt.Errorf("empty or unreadable input: %w", err)
	}
	var in io.Reader = br
	if head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		zb := bufio.NewReaderSize(zr, 1<<16)
		if head, err = zb.Peek(4); err != nil && len(head) == 0 {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		in = zb
	}
	if bytes.HasPrefix(head, pcapngMagic) {
		tr, err := NewReader(in)
		if err != nil {
			return nil, nil, err
		}
		return tr, tr, nil
	}
	qs := startQEMUSource(in, q)
	return qs, qs, nil
}

type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var first error
	for _, c := range m {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// qemuSource runs an importer on a goroutine and hands records over in
// batches, so the comparison pulls from a log as it pulls from a file.
type qemuSource struct {
	ch    chan []*Record
	done  chan struct{}
	wg    sync.WaitGroup
	batch []*Record
	err   error
	stats QEMUStats
	once  sync.Once
}

const qemuBatch = 256

func startQEMUSource(r io.Reader, q QEMUOptions) *qemuSource {
	return startProducer(func(emit func(*Record) error) (QEMUStats, error) {
		return ImportQEMU(r, q, emit)
	})
}

// StartQEMU runs QEMU (see RunQEMU) and returns its log as a Source, so a
// comparison can read QEMU's side while QEMU runs, with no file between.
// Close stops QEMU if it is still running.
func StartQEMU(run QEMURun) (Source, io.Closer) {
	s := startProducer(func(emit func(*Record) error) (QEMUStats, error) {
		return RunQEMU(run, emit)
	})
	return s, s
}

// OnlyHart passes one hart's retire, trap and interrupt records of src:
// the stream DiffHart compares.
func OnlyHart(src Source, hart int) Source {
	return &hartFilter{src: src, hart: hart, name: "input"}
}

func startProducer(produce func(emit func(*Record) error) (QEMUStats, error)) *qemuSource {
	s := &qemuSource{ch: make(chan []*Record, 16), done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(s.ch)
		var batch []*Record
		stats, err := produce(func(rec *Record) error {
			c := *rec
			batch = append(batch, &c)
			if len(batch) < qemuBatch {
				return nil
			}
			select {
			case s.ch <- batch:
				batch = nil
				return nil
			case <-s.done:
				return ErrStop
			}
		})
		if err == nil && len(batch) > 0 {
			select {
			case s.ch <- batch:
			case <-s.done:
			}
		}
		s.stats, s.err = stats, err
	}()
	return s
}

func (s *qemuSource) Next() (*Record, error) {
	for len(s.batch) == 0 {
		b, ok := <-s.ch
		if !ok {
			s.wg.Wait()
			if s.err != nil {
				return nil, fmt.Errorf("qemu log: %w", s.err)
			}
			return nil, io.EOF
		}
		s.batch = b
	}
	r := s.batch[0]
	s.batch = s.batch[1:]
	return r, nil
}

func (s *qemuSource) Close() error {
	s.once.Do(func() { close(s.done) })
	for range s.ch {
	}
	s.wg.Wait()
	if s.err != nil && !errors.Is(s.err, ErrStop) {
		return s.err
	}
	return nil
}

// Stream runs a model on a goroutine with an Observer whose events become
// a Source, so a run can be compared as it runs (e.g. against StartQEMU)
// without a trace file. run must end by itself (an instruction limit);
// after Close, the Observer drops events.
func Stream(run func(obs sim.Observer) error) (Source, io.Closer) {
	s := startProducer(func(emit func(*Record) error) (QEMUStats, error) {
		o := &emitObserver{emit: emit}
		err := run(o)
		if err == nil && o.err != nil && !errors.Is(o.err, ErrStop) {
			err = o.err
		}
		return QEMUStats{}, err
	})
	return s, s
}

// emitObserver turns observed events into records handed to emit.
type emitObserver struct {
	emit func(*Record) error
	rec  Record
	err  error
}

func (o *emitObserver) Observe(e *sim.Event) {
	if o.err != nil {
		return
	}
	o.rec = Record{Event: *e}
	if e.Data != nil {
		o.rec.Data = append([]byte(nil), e.Data...)
	}
	o.err = o.emit(&o.rec)
}
