package machine

import (
	"io"
	"sync"

	"cosim/soc"
)

// inputPump moves console input (stdin) into the console device between
// quanta. Bytes are read on a goroutine, so when they arrive depends on the
// host; a run without input, or whose input the guest only reads after
// waiting for it, is still deterministic in what it computes.
type inputPump struct {
	sink    soc.InputSink
	mu      sync.Mutex
	pending []byte
	done    chan struct{}
	once    sync.Once
}

func newInputPump(r io.Reader, sink soc.InputSink) *inputPump {
	p := &inputPump{sink: sink, done: make(chan struct{})}
	go p.read(r)
	return p
}

func (p *inputPump) read(r io.Reader) {
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			p.mu.Lock()
			p.pending = append(p.pending, buf[:n]...)
			p.mu.Unlock()
		}
		if err != nil {
			return
		}
		select {
		case <-p.done:
			return
		default:
		}
	}
}

// poll hands the device as much pending input as its FIFO takes.
func (p *inputPump) poll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pending) == 0 {
		return
	}
	n := p.sink.Receive(p.pending)
	p.pending = p.pending[n:]
}

func (p *inputPump) stop() { p.once.Do(func() { close(p.done) }) }
