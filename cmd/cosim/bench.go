package main

import (
	"fmt"
	"time"

	"cosim/cosim/bench"
)

const benchDescription = `
Times a compute-bound guest program (list sorting, a matrix product, CRC, a
token scanner; about 29 million instructions at the default length) on one
hart of a board model with no firmware, and prints millions of instructions
per host second. With --qemu it also times the same ELF on QEMU's virt board
(qemu-system-riscv64 -M virt -bios none -kernel), at two lengths so that
QEMU's start-up cancels out, and checks both print the same checksum.

The workload is built for QEMU virt's memory map (ns16550a UART at
0x10000000, test finisher at 0x100000, DRAM at 0x80000000): use qemu-virt or
a board file with that map.`

func runBench(args []string) int {
	fs := newFlags("bench", "bench [--board NAME|PATH] [--iters N] [--runs N] [--no-caches] [--qemu] [--trace FILE]", benchDescription)
	var bf boardFlags
	bf.register(fs, true)
	iters := fs.Uint("iters", bench.DefaultIters, "outer iterations `N` of the workload (about 145k instructions each)")
	runs := fs.Int("runs", 3, "timed runs `N`; the fastest is reported")
	noCaches := fs.Bool("no-caches", false, "run without the board's cache models")
	var prof cpuProfile
	prof.register(fs)
	qemu := fs.Bool("qemu", false, "also time the workload on qemu-system-riscv64 (-M virt)")
	traceFile := fs.String("trace", "", "also time the workload recording every event to `FILE` (as cosim run --trace) and report the slowdown")
	pos, code, done := parse(fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	if bf.board == "" {
		bf.board = "qemu-virt"
	}
	if *runs < 1 || *iters < 1 || *iters > 1<<31 {
		return usageError(fs, "--runs and --iters must be positive")
	}
	b, err := bf.load(bf.board)
	if err != nil {
		return fail("bench", err)
	}
	stop, err := prof.start()
	if err != nil {
		return fail("bench", err)
	}
	defer stop()
	fastest := func(o bench.Options) (bench.Result, error) {
		var best bench.Result
		for i := 0; i < *runs; i++ {
			r, err := bench.RunModel(b, o)
			if err != nil {
				return r, err
			}
			if i == 0 || r.Host < best.Host {
				best = r
			}
		}
		return best, nil
	}
	opts := bench.Options{Iters: uint32(*iters), NoCaches: *noCaches}
	best, err := fastest(opts)
	if err != nil {
		return fail("bench", err)
	}
	fmt.Fprintf(stdout, "cosim %s: %d instructions in %v: %.0f MIPS (fastest of %d)\n",
		b.Name, best.Instructions, best.Host.Round(100*time.Microsecond), best.MIPS(), *runs)
	if *traceFile != "" {
		opts.Trace = *traceFile
		traced, err := fastest(opts)
		if err != nil {
			return fail("bench", err)
		}
		fmt.Fprintf(stdout, "recording every event: %d events, %.1f bytes each, in %v: %.0f MIPS, %.1f× the untraced time\n",
			traced.TraceEvents, float64(traced.TraceBytes)/float64(max(traced.TraceEvents, 1)),
			traced.Host.Round(100*time.Microsecond), traced.MIPS(), traced.Host.Seconds()/best.Host.Seconds())
	}
	stop()
	if *qemu {
		mips, err := bench.QEMUMIPS(b, uint32(*iters), 21*uint32(*iters))
		if err != nil {
			return fail("bench", err)
		}
		fmt.Fprintf(stdout, "qemu-system-riscv64 -M virt: %.0f MIPS\n", mips)
	}
	return 0
}
