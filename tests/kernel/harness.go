// Package kerneltest builds the guest microkernel (kernel/) and boots it on
// QEMU 7.2 with Debian's OpenSBI and on cosim's own board models (`cosim
// run`, built-in SBI or OpenSBI), then checks what its user programs print.
// The scenario checks take plain output text, so every runner shares them.
//
// It owns nothing of the simulator and must not import it: the guest side
// shares only the generated board header with the Go code, and cosim runs
// as a subprocess (`cosim run`, see Cosim).
package kerneltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OpenSBIJump is Debian's OpenSBI 1.1 fw_jump firmware: it starts the
// payload at 0x80200000 with the DTB at 0x82200000.
const OpenSBIJump = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"

// Target is a board the kernel is built for and the QEMU machine modelling it.
type Target struct {
	Board   string // kernel/include/board/<Board>.h
	Machine string // qemu-system-riscv64 -M
	MinSMP  int    // harts QEMU requires (sifive_u: 5)
}

// The QEMU targets of the kernel's test matrix.
var (
	QEMUVirt = Target{Board: "qemu-virt", Machine: "virt", MinSMP: 1}
	SiFiveU  = Target{Board: "sifive-unleashed", Machine: "sifive_u", MinSMP: 5}
)

// Build selects a kernel build: board header, porting-bug variant, lock checking.
type Build struct {
	Board      string
	Bug        string // "", "no-fence-i", "no-ad-bits", "plain-flags-rmw", "compiler-barrier"
	NoDebugLck bool   // DEBUG_LOCKS=0
}

func (b Build) variant() string {
	v := b.Board
	if b.Bug != "" {
		v += "-" + b.Bug
	}
	if b.NoDebugLck {
		v += "-nodebug"
	}
	return v
}

// RepoRoot finds the module root (the directory holding go.mod) above dir.
func RepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("kerneltest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// RequireTools reports which of the Debian tools the kernel tests need are missing.
func RequireTools() error {
	var missing []string
	for _, tool := range []string{"make", "riscv64-unknown-elf-gcc", "qemu-system-riscv64"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if _, err := os.Stat(OpenSBIJump); err != nil {
		missing = append(missing, OpenSBIJump+" (package opensbi)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("kerneltest: missing %s (Debian packages gcc-riscv64-unknown-elf, qemu-system-misc, opensbi)",
			strings.Join(missing, ", "))
	}
	return nil
}

// BuildKernel runs the kernel Makefile into outDir and returns the path of kernel.bin.
func BuildKernel(ctx context.Context, root, outDir string, b Build) (string, error) {
	args := []string{"-C", filepath.Join(root, "kernel"), "-j2", "BOARD=" + b.Board, "O=" + outDir}
	if b.Bug != "" {
		args = append(args, "BUG="+b.Bug)
	}
	if b.NoDebugLck {
		args = append(args, "DEBUG_LOCKS=0")
	}
	cmd := exec.CommandContext(ctx, "make", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("kerneltest: make %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return filepath.Join(outDir, "kernel.bin"), nil
}

// Builder builds each configuration once per process.
type Builder struct {
	Root, Dir string
	mu        sync.Mutex
	built     map[string]string
}

// Image returns the kernel.bin of configuration b, building it on first use.
func (bd *Builder) Image(ctx context.Context, b Build) (string, error) {
	bd.mu.Lock()
	defer bd.mu.Unlock()
	if bd.built == nil {
		bd.built = map[string]string{}
	}
	if p, ok := bd.built[b.variant()]; ok {
		return p, nil
	}
	p, err := BuildKernel(ctx, bd.Root, filepath.Join(bd.Dir, b.variant()), b)
	if err != nil {
		return "", err
	}
	bd.built[b.variant()] = p
	return p, nil
}

// Result is what one boot printed and how the machine stopped.
type Result struct {
	Output   string
	ExitCode int
	Stderr   string        // cosim only: --stats and simulator errors (QEMU's land in Output)
	HostTime time.Duration // cosim only: wall-clock time of the run, for reports
}

// Runner boots image on target with smp harts, the kernel command line
// bootargs (what init runs) and extra emulator arguments (devices).
type Runner func(ctx context.Context, image string, target Target, smp int, bootargs string, extra []string) (Result, error)

// RunQEMU is the Runner for qemu-system-riscv64 with OpenSBI fw_jump. A
// reset ends QEMU (-no-reboot): on sifive_u OpenSBI can only reset.
func RunQEMU(ctx context.Context, image string, target Target, smp int, bootargs string, extra []string) (Result, error) {
	if smp < target.MinSMP {
		smp = target.MinSMP
	}
	args := []string{
		"-M", target.Machine, "-smp", strconv.Itoa(smp), "-m", "256M",
		"-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
		"-bios", OpenSBIJump, "-kernel", image,
	}
	if bootargs != "" {
		args = append(args, "-append", bootargs)
	}
	args = append(args, extra...)
	cmd := exec.CommandContext(ctx, "qemu-system-riscv64", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res := Result{Output: out.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("kerneltest: %s -smp %d %q: %w\n%s", target.Machine, smp, bootargs, ctx.Err(), tail(res.Output, 40))
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case err != nil:
		return res, fmt.Errorf("kerneltest: qemu-system-riscv64: %w", err)
	}
	return res, nil
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// KernelLines is the output from the kernel's banner on (firmware banner dropped).
func KernelLines(out string) string {
	if i := strings.Index(out, "cosim kernel:"); i >= 0 {
		return out[i:]
	}
	return out
}

var (
	conformanceRe = regexp.MustCompile(`(?m)^conformance: (\d+) passed, (\d+) failed\s*$`)
	passRe        = regexp.MustCompile(`(?m)^PASS \S+\s*$`)
	failRe        = regexp.MustCompile(`(?m)^FAIL (\S+)\s*$`)
)

// CheckConformance requires the suite's last line with no failure, at least
// minTests tests, and one PASS line per test.
func CheckConformance(out string, minTests int) error {
	m := conformanceRe.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return fmt.Errorf("no \"conformance: N passed, M failed\" line:\n%s", tail(out, 30))
	}
	last := m[len(m)-1]
	passed, _ := strconv.Atoi(last[1])
	failed, _ := strconv.Atoi(last[2])
	if fails := failRe.FindAllStringSubmatch(out, -1); len(fails) > 0 || failed != 0 {
		var names []string
		for _, f := range fails {
			names = append(names, f[1])
		}
		return fmt.Errorf("%d conformance tests failed (%s):\n%s", failed, strings.Join(names, ", "), tail(out, 40))
	}
	if passed < minTests {
		return fmt.Errorf("only %d conformance tests ran, want at least %d", passed, minTests)
	}
	if n := len(passRe.FindAllString(out, -1)); n != passed {
		return fmt.Errorf("%d PASS lines but the summary says %d passed", n, passed)
	}
	return nil
}

var spawnloopRe = regexp.MustCompile(`(?m)^spawnloop: (\d+) spawned, (\d+) ok, (\d+) failed, (\d+) us per spawn\+wait`)

// CheckSpawnloop requires "spawnloop: N spawned, N ok, 0 failed".
func CheckSpawnloop(out string, n int) error {
	m := spawnloopRe.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("no spawnloop summary:\n%s", tail(out, 30))
	}
	if m[1] != strconv.Itoa(n) || m[2] != strconv.Itoa(n) || m[3] != "0" {
		return fmt.Errorf("spawnloop: %s spawned, %s ok, %s failed (want %d ok):\n%s", m[1], m[2], m[3], n, tail(out, 30))
	}
	if !strings.Contains(out, "init: spawnloop exited with status 0") {
		return fmt.Errorf("spawnloop did not exit 0:\n%s", tail(out, 10))
	}
	return nil
}

var lockstressRe = regexp.MustCompile(`(?m)^lockstress: mode=(\S+) harts=(\d+) seconds=(\d+) iterations=(\d+) per_second=(\d+) (ok|FAILED)`)

// LockstressFigures is lockstress's summary line.
type LockstressFigures struct {
	Mode                         string
	Harts, Iterations, PerSecond int
}

// CheckLockstress requires the summary line with a positive rate and "ok".
func CheckLockstress(out, mode string) (LockstressFigures, error) {
	m := lockstressRe.FindStringSubmatch(out)
	if m == nil {
		return LockstressFigures{}, fmt.Errorf("no lockstress summary:\n%s", tail(out, 30))
	}
	f := LockstressFigures{Mode: m[1]}
	f.Harts, _ = strconv.Atoi(m[2])
	f.Iterations, _ = strconv.Atoi(m[4])
	f.PerSecond, _ = strconv.Atoi(m[5])
	if f.Mode != mode || m[6] != "ok" || f.PerSecond <= 0 {
		return f, fmt.Errorf("lockstress %s: %s", mode, m[0])
	}
	if !strings.Contains(out, "lock statistics (all harts):") {
		return f, errors.New("lockstress printed no lock statistics")
	}
	return f, nil
}

var ipcRe = regexp.MustCompile(`(?m)^ipcbench: (same-hart|cross-hart) round trip \(server cpu \d+, client cpu \d+\): (\d+) cycles, (\d+) ns, \d+ iterations`)

// IPCFigures are ipcbench's round-trip times; CrossNs is 0 with one hart.
type IPCFigures struct {
	SameCycles, SameNs, CrossCycles, CrossNs int
}

// CheckIPCBench requires the same-hart figure, and the cross-hart one when harts > 1.
func CheckIPCBench(out string, harts int) (IPCFigures, error) {
	var f IPCFigures
	for _, m := range ipcRe.FindAllStringSubmatch(out, -1) {
		c, _ := strconv.Atoi(m[2])
		ns, _ := strconv.Atoi(m[3])
		if m[1] == "same-hart" {
			f.SameCycles, f.SameNs = c, ns
		} else {
			f.CrossCycles, f.CrossNs = c, ns
		}
	}
	if f.SameNs == 0 || (harts > 1 && f.CrossNs == 0) {
		return f, fmt.Errorf("ipcbench figures missing:\n%s", tail(out, 20))
	}
	return f, nil
}

// CheckNVMeTest requires nvmetest's "nvmetest: PASS" line.
func CheckNVMeTest(out string) error {
	if !strings.Contains(out, "nvmetest: PASS") || !strings.Contains(out, "init: nvmetest exited with status 0") {
		return fmt.Errorf("nvmetest did not pass:\n%s", tail(out, 30))
	}
	return nil
}

var lockClassRe = regexp.MustCompile(`(?m)^\s+(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+\.\d+)\s+(\d+)\s+(\d+)\s*$`)

// LockClassStats is one row of lockstress's lock statistics table (all harts).
type LockClassStats struct {
	Class                        string
	Rank                         int
	Acquired, Contended          int64
	ContendedPct                 float64
	SpinPerContended, HeldPerAcq int64 // cycles
}

// ParseLockStats reads the "lock statistics (all harts):" table, by class.
func ParseLockStats(out string) (map[string]LockClassStats, error) {
	i := strings.Index(out, "lock statistics (all harts):")
	if i < 0 {
		return nil, errors.New("no lock statistics table")
	}
	stats := map[string]LockClassStats{}
	for _, m := range lockClassRe.FindAllStringSubmatch(out[i:], -1) {
		s := LockClassStats{Class: m[1]}
		s.Rank, _ = strconv.Atoi(m[2])
		s.Acquired, _ = strconv.ParseInt(m[3], 10, 64)
		s.Contended, _ = strconv.ParseInt(m[4], 10, 64)
		s.ContendedPct, _ = strconv.ParseFloat(m[5], 64)
		s.SpinPerContended, _ = strconv.ParseInt(m[6], 10, 64)
		s.HeldPerAcq, _ = strconv.ParseInt(m[7], 10, 64)
		stats[s.Class] = s
	}
	if len(stats) == 0 {
		return nil, fmt.Errorf("lock statistics table has no rows:\n%s", tail(out, 20))
	}
	return stats, nil
}
