package trace

import (
	"io"
	"sync"
)

// asyncWriter is an io.Writer that hands full buffers to a goroutine of
// its own to write, so that a run and the writing of its trace proceed on
// different cores. Errors surface on a later Write or on Close.
type asyncWriter struct {
	w     io.Writer
	buf   []byte
	full  chan []byte
	empty chan []byte
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

// asyncBufLen is the size of the buffers handed over; asyncBufs of them
// exist, so the run gets ahead of the disk by at most that much.
const (
	asyncBufLen = 1 << 20
	asyncBufs   = 4
)

func newAsyncWriter(w io.Writer) *asyncWriter {
	a := &asyncWriter{w: w, full: make(chan []byte, asyncBufs), empty: make(chan []byte, asyncBufs), done: make(chan struct{})}
	for i := 0; i < asyncBufs-1; i++ {
		a.empty <- make([]byte, 0, asyncBufLen)
	}
	a.buf = make([]byte, 0, asyncBufLen)
	go a.loop()
	return a
}

func (a *asyncWriter) loop() {
	defer close(a.done)
	for b := range a.full {
		if a.error() == nil {
			if _, err := a.w.Write(b); err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
		a.empty <- b[:0]
	}
}

func (a *asyncWriter) error() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Write copies p into the current buffer, handing it over when full.
func (a *asyncWriter) Write(p []byte) (int, error) {
	if err := a.error(); err != nil {
		return 0, err
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(a.buf[len(a.buf):cap(a.buf)], p)
		a.buf = a.buf[:len(a.buf)+k]
		p = p[k:]
		if len(a.buf) == cap(a.buf) {
			a.full <- a.buf
			a.buf = <-a.empty
		}
	}
	return n, nil
}

// Close writes what is buffered, waits for the goroutine and closes the
// underlying writer if it is a Closer.
func (a *asyncWriter) Close() error {
	if len(a.buf) > 0 {
		a.full <- a.buf
		a.buf = nil
	}
	close(a.full)
	<-a.done
	err := a.error()
	if c, ok := a.w.(io.Closer); ok {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
