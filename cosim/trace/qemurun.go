package trace

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// QEMULogFlags are the -d items a run logs: one TB per instruction
// (-singlestep, nochain), its register state (cpu), instruction bits
// (in_asm, once per translation) and traps (int).
var QEMULogFlags = []string{"-singlestep", "-d", "in_asm,exec,cpu,nochain,int"}

// QEMURun is a QEMU process whose instruction log is imported while it
// runs, through a FIFO, so a long run never lands on disk.
type QEMURun struct {
	Binary  string   // default qemu-system-riscv64
	Args    []string // machine, cpu, firmware, payload, console; not -d/-D
	Options QEMUOptions
	Timeout time.Duration // whole run (default 10 minutes)
	// FPU adds -d fpu: floating-point register writes are recorded, at
	// the cost of a log half as long again.
	FPU bool
}

// RunQEMU starts QEMU, imports its log as it is written and stops QEMU
// when the import ends (StopPC, MaxRetired, emit returning ErrStop, or QEMU
// exiting).
func RunQEMU(run QEMURun, emit func(*Record) error) (QEMUStats, error) {
	if run.Binary == "" {
		run.Binary = "qemu-system-riscv64"
	}
	if run.Timeout == 0 {
		run.Timeout = 10 * time.Minute
	}
	dir, err := os.MkdirTemp("", "cosim-qemu-log")
	if err != nil {
		return QEMUStats{}, fmt.Errorf("qemu run: %w", err)
	}
	defer os.RemoveAll(dir)
	fifo := filepath.Join(dir, "log")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		return QEMUStats{}, fmt.Errorf("qemu run: mkfifo: %w", err)
	}
	logFlags := QEMULogFlags
	if run.FPU {
		logFlags = []string{"-singlestep", "-d", "in_asm,exec,cpu,fpu,nochain,int"}
	}
	args := append(append(append([]string{}, run.Args...), logFlags...), "-D", fifo)
	cmd := exec.Command(run.Binary, args...)
	stderr := &limitedBuffer{max: 4096}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return QEMUStats{}, fmt.Errorf("qemu run: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Kill()
	}
	timer := time.AfterFunc(run.Timeout, stop)
	defer timer.Stop()

	f, err := openFIFO(fifo, exited)
	if err != nil {
		stop()
		return QEMUStats{}, fmt.Errorf("qemu run: %w (qemu said: %s)", err, stderr)
	}
	stats, ierr := ImportQEMU(f, run.Options, emit)
	stop()
	f.Close()
	werr := <-exited
	if ierr != nil {
		return stats, fmt.Errorf("qemu run: %w", ierr)
	}
	if !stats.Stopped && werr != nil && !isKilled(werr) {
		return stats, fmt.Errorf("qemu run: %w (qemu said: %s)", werr, stderr)
	}
	return stats, nil
}

// openFIFO opens the log FIFO for reading, which blocks until QEMU opens
// it; if QEMU exits first, the open is released by opening the other end.
func openFIFO(path string, exited chan error) (*os.File, error) {
	type result struct {
		f   *os.File
		err error
	}
	opened := make(chan result, 1)
	go func() {
		f, err := os.Open(path)
		opened <- result{f, err}
	}()
	select {
	case r := <-opened:
		return r.f, r.err
	case err := <-exited:
		exited <- err
		if w, werr := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); werr == nil {
			w.Close()
		}
		r := <-opened
		if r.f != nil {
			r.f.Close()
		}
		if err == nil {
			err = errors.New("qemu exited before opening its log")
		}
		return nil, err
	}
}

func isKilled(err error) bool {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return true
		}
	}
	return false
}

// limitedBuffer keeps the first max bytes written to it. It is read while
// exec's copier may still write.
type limitedBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.max - len(l.b); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		l.b = append(l.b, p[:room]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
