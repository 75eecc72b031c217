// Package boottest boots real firmware (Debian's OpenSBI 1.1 fw_jump, U-Boot
// qemu-riscv64_smode) on cosim's board models and on QEMU 7.2 with the same
// command line, drives both consoles with the same input script, and
// compares what they print line by line.
//
// It owns the console driver (an expect-style session over a process's
// stdin and stdout) and the comparison rules: which lines may differ between
// QEMU and cosim, each with its reason. It runs `cosim run` as a separate
// process, as a user does, and must not reach into the simulator's
// packages.
package boottest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Paths of the Debian firmware the tests boot.
const (
	FWJump = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
	UBoot  = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
)

// Session is one running machine's console: everything it printed so far,
// and its stdin.
type Session struct {
	Name string

	mu     sync.Mutex
	out    bytes.Buffer
	grew   chan struct{} // closed and replaced whenever out grows
	exited chan struct{}
	err    error // the process's exit, once exited is closed

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	cancel context.CancelFunc
	mark   int // where the next Expect starts looking
}

// Start runs cmd with its stdout and stderr captured and its stdin
// writable. The process is killed when ctx ends or Close is called.
func Start(name string, timeout time.Duration, argv ...string) (*Session, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	s := &Session{Name: name, grew: make(chan struct{}), exited: make(chan struct{}), cmd: cmd, cancel: cancel}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s.stdin = stdin
	cmd.Stdout = s
	cmd.Stderr = s
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("%s: start %s: %w", name, argv[0], err)
	}
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.exited)
	}()
	return s, nil
}

// Write collects console output (the process's stdout and stderr).
func (s *Session) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out.Write(p)
	close(s.grew)
	s.grew = make(chan struct{})
	return len(p), nil
}

// Output is everything printed so far, with CR LF turned into LF.
func (s *Session) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.ReplaceAll(s.out.String(), "\r\n", "\n")
}

// Expect waits until want appears after the previous match and returns the
// text from the previous match's end to this match's end.
func (s *Session) Expect(want string, timeout time.Duration) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		text := strings.ReplaceAll(s.out.String(), "\r\n", "\n")
		grew := s.grew
		s.mu.Unlock()
		if s.mark > len(text) {
			s.mark = len(text)
		}
		if i := strings.Index(text[s.mark:], want); i >= 0 {
			got := text[s.mark : s.mark+i+len(want)]
			s.mark += i + len(want)
			return got, nil
		}
		select {
		case <-grew:
		case <-s.exited:
			// One last look: the output may have grown just before the exit.
			s.mu.Lock()
			text = strings.ReplaceAll(s.out.String(), "\r\n", "\n")
			s.mu.Unlock()
			if strings.Contains(text[s.mark:], want) {
				continue
			}
			return "", fmt.Errorf("%s: exited (%v) before printing %q; output:\n%s", s.Name, s.err, want, tail(text, 3000))
		case <-deadline.C:
			return "", fmt.Errorf("%s: no %q after %v; output:\n%s", s.Name, want, timeout, tail(text, 3000))
		}
	}
}

// Send types text on the console.
func (s *Session) Send(text string) error {
	if _, err := io.WriteString(s.stdin, text); err != nil {
		return fmt.Errorf("%s: stdin: %w", s.Name, err)
	}
	return nil
}

// Wait waits for the process to exit by itself.
func (s *Session) Wait(timeout time.Duration) error {
	select {
	case <-s.exited:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("%s: still running after %v", s.Name, timeout)
	}
}

// Close kills the process if it still runs and waits for it.
func (s *Session) Close() {
	_ = s.stdin.Close()
	s.cancel()
	<-s.exited
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }

// RequireTools reports a missing Debian tool or firmware file by name.
func RequireTools(tools []string, files []string) error {
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s: install Debian's qemu-system-misc, opensbi, u-boot-qemu, gcc-riscv64-unknown-elf", strings.Join(missing, ", "))
	}
	return nil
}
