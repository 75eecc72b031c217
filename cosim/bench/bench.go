// Package bench measures how fast the simulator runs guest code: it owns the
// compute-bound workload (guest/, built into compute.elf and embedded) and
// times it on a board model and, for comparison, on QEMU.
//
// The workload is a bare-metal program for QEMU's virt memory map (ns16550a
// at 0x1000_0000, test finisher at 0x10_0000, DRAM at 0x8000_0000), started
// with no firmware. Its run length is a variable in the ELF's data, patched
// per run, so one build serves short and long runs alike.
//
// It must not change the models it runs: a benchmark is a plain run through
// cosim/machine with the console captured.
package bench

import (
	"bytes"
	"debug/elf"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"cosim/boards"
	"cosim/cosim/engine"
	"cosim/cosim/firmware"
	"cosim/cosim/machine"
	"cosim/cosim/trace"
	"cosim/hw/sim"
)

//go:embed compute.elf
var computeELF []byte

// DefaultIters is the run length of one benchmark run: about 29 million
// instructions.
const DefaultIters = 200

// ChecksumAt200 is what the workload prints for DefaultIters iterations on
// a correct RV64GC hart (recorded on QEMU 7.2).
const ChecksumAt200 = "000000004d575099"

// ComputeELF returns the workload set to run iters outer iterations.
func ComputeELF(iters uint32) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(computeELF))
	if err != nil {
		return nil, fmt.Errorf("bench: embedded workload: %w", err)
	}
	off, err := symbolFileOffset(f, "bench_iters")
	if err != nil {
		return nil, err
	}
	out := bytes.Clone(computeELF)
	binary.LittleEndian.PutUint32(out[off:], iters)
	return out, nil
}

func symbolFileOffset(f *elf.File, name string) (int, error) {
	syms, err := f.Symbols()
	if err != nil {
		return 0, fmt.Errorf("bench: embedded workload: %w", err)
	}
	for _, s := range syms {
		if s.Name != name || int(s.Section) >= len(f.Sections) {
			continue
		}
		sec := f.Sections[s.Section]
		if sec.Type != elf.SHT_PROGBITS {
			break
		}
		return int(sec.Offset + s.Value - sec.Addr), nil
	}
	return 0, fmt.Errorf("bench: embedded workload has no initialised symbol %q", name)
}

// Result is one timed run.
type Result struct {
	Instructions uint64        // retired, all harts
	Host         time.Duration // wall time of the run alone (not boot)
	Output       string        // the guest's console
	TraceEvents  uint64        // events recorded (Options.Trace)
	TraceBytes   int64         // size of the trace file
}

// MIPS is millions of retired instructions per host second.
func (r Result) MIPS() float64 { return float64(r.Instructions) / r.Host.Seconds() / 1e6 }

// Options of a model run.
type Options struct {
	Iters    uint32 // outer iterations of the workload (0: DefaultIters)
	NoCaches bool   // run without the board's cache models
	// Trace, if set, records every event of the run to this file; the
	// time includes writing it out.
	Trace string
}

// RunModel runs the workload on board with no firmware, as QEMU's
// `-bios none -kernel` does, and times the run.
func RunModel(b *boards.Board, o Options) (Result, error) {
	if o.Iters == 0 {
		o.Iters = DefaultIters
	}
	img, err := workloadImage(o.Iters, b.Boot.Payload)
	if err != nil {
		return Result{}, err
	}
	var console bytes.Buffer
	m, err := machine.Boot(machine.Config{Board: b, Firmware: "none", Kernel: img, Console: &console, NoCaches: o.NoCaches})
	if err != nil {
		return Result{}, err
	}
	defer m.Close()
	var rec *trace.Recorder
	if o.Trace != "" {
		f, err := trace.CreateFile(o.Trace)
		if err != nil {
			return Result{}, fmt.Errorf("bench: %w", err)
		}
		meta := []trace.KV{{Key: "board", Value: b.Name}, {Key: "source", Value: "cosim bench"}}
		rec, err = trace.NewRecorder(f, trace.RecorderOptions{Header: trace.Header{Harts: len(m.SoC.Harts), Meta: meta}})
		if err != nil {
			f.Close()
			return Result{}, err
		}
		m.SoC.Observe(rec)
	}
	start := time.Now()
	exit, err := m.Run(runBound(o.Iters))
	var traceErr error
	if rec != nil {
		m.SoC.Observe(nil)
		traceErr = rec.Close()
	}
	host := time.Since(start)
	if err == nil {
		err = traceErr
	}
	if err != nil {
		return Result{}, fmt.Errorf("bench: %s: %w", b.Name, err)
	}
	if exit == nil {
		return Result{}, fmt.Errorf("bench: %s: the workload did not finish within %d instructions or its time bound (does the board have QEMU virt's UART and test finisher?); console: %q",
			b.Name, runBound(o.Iters).Instructions, console.String())
	}
	if exit.Code != 0 {
		return Result{}, fmt.Errorf("bench: %s: the workload did not pass (%v); console: %q", b.Name, exit, console.String())
	}
	r := Result{Host: host, Output: console.String()}
	if rec != nil {
		r.TraceEvents = rec.Events()
		if st, err := os.Stat(o.Trace); err == nil {
			r.TraceBytes = st.Size()
		}
	}
	for _, h := range m.SoC.Harts {
		r.Instructions += h.Instret()
	}
	return r, nil
}

// runBound is far beyond what a correct run takes (about 145k instructions
// per iteration), so that a board the workload cannot end on reports an
// error instead of running for ever. Simulated time bounds a hart that traps
// in a loop without retiring anything.
func runBound(iters uint32) engine.Limits {
	n := 1 + uint64(iters)
	return engine.Limits{Instructions: 1_000_000 * n, Time: sim.Time(n) * sim.Millisecond}
}

func workloadImage(iters uint32, payload uint64) (*firmware.Image, error) {
	data, err := ComputeELF(iters)
	if err != nil {
		return nil, err
	}
	return firmware.Parse(fmt.Sprintf("compute.elf[iters=%d]", iters), data, payload)
}

// QEMUMIPS times the workload on QEMU's virt board at two run lengths, so
// that QEMU's start-up cost cancels out, and returns QEMU's rate over the
// difference (instructions counted on our model, the same program). The
// checksums QEMU prints must equal ours.
func QEMUMIPS(b *boards.Board, short, long uint32) (float64, error) {
	qemu, err := exec.LookPath("qemu-system-riscv64")
	if err != nil {
		return 0, fmt.Errorf("bench: QEMU not found (Debian package qemu-system-misc): %w", err)
	}
	dir, err := os.MkdirTemp("", "cosim-bench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	var insns [2]uint64
	var host [2]time.Duration
	for i, iters := range []uint32{short, long} {
		ours, err := RunModel(b, Options{Iters: iters})
		if err != nil {
			return 0, err
		}
		insns[i] = ours.Instructions
		out, d, err := runQEMU(qemu, dir, iters)
		if err != nil {
			return 0, err
		}
		if out != ours.Output {
			return 0, fmt.Errorf("bench: QEMU printed %q, our model %q", out, ours.Output)
		}
		host[i] = d
	}
	if host[1] <= host[0] {
		return 0, errors.New("bench: the long QEMU run was not slower than the short one; raise --iters")
	}
	return float64(insns[1]-insns[0]) / (host[1] - host[0]).Seconds() / 1e6, nil
}

func runQEMU(qemu, dir string, iters uint32) (string, time.Duration, error) {
	data, err := ComputeELF(iters)
	if err != nil {
		return "", 0, err
	}
	path := filepath.Join(dir, fmt.Sprintf("compute-%d.elf", iters))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", 0, err
	}
	cmd := exec.Command(qemu, "-M", "virt", "-cpu", "rv64,h=false", "-smp", "1", "-m", "128M",
		"-nographic", "-monitor", "none", "-serial", "stdio", "-bios", "none", "-kernel", path)
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	if err != nil {
		return "", 0, fmt.Errorf("bench: QEMU: %w: %s", err, out.String())
	}
	return out.String(), d, nil
}
