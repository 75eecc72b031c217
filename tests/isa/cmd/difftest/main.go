// Command difftest runs a long differential campaign of random programs on
// QEMU and on the hw/hart model:
//
//	go run ./tests/isa/cmd/difftest -seed 1 -count 100
//
// runs programs with seeds 1..100 (each -seqs sequences of -len
// instructions); -only N with a single seed re-runs one sequence and prints
// its assembly. It exits non-zero if any sequence differs.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"cosim/tests/isa/difftest"
	"cosim/tests/isa/harness"
	"cosim/tests/isa/randgen"
)

func main() {
	seed := flag.Uint64("seed", 1, "first seed")
	count := flag.Int("count", 10, "number of programs (consecutive seeds)")
	seqs := flag.Int("seqs", 50, "sequences per program")
	length := flag.Int("len", 120, "random instructions per sequence")
	only := flag.Int("only", -1, "run only this sequence (with one seed) and print its source")
	fp := flag.Bool("fp", randgen.DefaultOptions(0).FP, "include F/D arithmetic")
	full := flag.Bool("full", false, "dump the whole data region instead of a checksum")
	keep := flag.String("dir", "", "keep build products in this directory")
	flag.Parse()

	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	dir := *keep
	if dir == "" {
		d, err := os.MkdirTemp("", "difftest-")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	cfg := difftest.Config{Dir: dir, Root: root, Hart: harness.VirtConfig(), Timeout: 120 * time.Second}
	bad := 0
	start := time.Now()
	for i := 0; i < *count; i++ {
		o := randgen.Options{Seed: *seed + uint64(i), Sequences: *seqs, Length: *length, FP: *fp, FullDump: *full, Only: *only}
		ms, err := difftest.RunProgram(cfg, o)
		if err != nil {
			fatal(err)
		}
		for _, m := range ms {
			bad++
			fmt.Print(m)
			if *only >= 0 {
				fmt.Println(m.Source)
			}
		}
	}
	fmt.Printf("%d programs, %d sequences, %d mismatches, %v\n", *count, *count**seqs, bad, time.Since(start).Round(time.Millisecond))
	if bad > 0 {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "difftest:", err)
	os.Exit(2)
}
