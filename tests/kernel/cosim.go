package kerneltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"time"
)

// cosim's own board models, named as `cosim run --board` names them. The
// kernel's board header has the same name. MinSMP 0 keeps the board file's
// default_harts (fu740: the S7 monitor core and four U74s).
var (
	CosimVirt  = Target{Board: "qemu-virt", Machine: "qemu-virt"}
	CosimFU740 = Target{Board: "fu740", Machine: "fu740"}
)

// Cosim runs scenarios on `cosim run`: the simulator is a subprocess, so a
// guest that hangs costs only the context's timeout.
type Cosim struct {
	Bin  string // the cosim binary (cosimbin.Build)
	Bios string // "" or "builtin": the built-in SBI; else a firmware file (OpenSBIJump)
	Seed uint64 // --seed: the hart interleaving (0: plain round robin)
	// Quantum is --quantum, the simulated time a hart runs before the
	// next; zero keeps cosim's default (1 µs). Shorter means finer
	// interleaving and slower runs.
	Quantum time.Duration
	// MaxTime bounds the simulated time (--max-time); a run that reaches
	// it exits 124. Zero leaves only the context's host-time bound.
	MaxTime time.Duration
}

// Args is the `cosim run` command line for one boot; smp 0 keeps the
// board's default hart count and extra is appended as is (--drive ...).
func (c Cosim) Args(image string, target Target, smp int, bootargs string, extra []string) []string {
	args := []string{"run", "--board", target.Machine, "--kernel", image, "--stats"}
	if smp < target.MinSMP {
		smp = target.MinSMP
	}
	if smp > 0 {
		args = append(args, "--smp", strconv.Itoa(smp))
	}
	if c.Bios != "" {
		args = append(args, "--bios", c.Bios)
	}
	if c.Seed != 0 {
		args = append(args, "--seed", strconv.FormatUint(c.Seed, 10))
	}
	if c.Quantum > 0 {
		args = append(args, "--quantum", c.Quantum.String())
	}
	if c.MaxTime > 0 {
		args = append(args, "--max-time", c.MaxTime.String())
	}
	if bootargs != "" {
		args = append(args, "--append", bootargs)
	}
	return append(args, extra...)
}

// Run is a Runner. Result.Output is the console (stdout) only, so two runs
// can be compared byte for byte; Result.Stderr holds --stats and any
// simulator error.
func (c Cosim) Run(ctx context.Context, image string, target Target, smp int, bootargs string, extra []string) (Result, error) {
	args := c.Args(image, target, smp, bootargs, extra)
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := Result{Output: stdout.String(), Stderr: stderr.String(), HostTime: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("kerneltest: cosim %v: %w\n%s\n%s", args, ctx.Err(), tail(res.Output, 40), res.Stderr)
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case err != nil:
		return res, fmt.Errorf("kerneltest: cosim: %w", err)
	}
	return res, nil
}
