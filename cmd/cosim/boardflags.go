package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"cosim/boards"
)

// boardFlags are the flags that pick a board configuration: --board,
// --smp and -m. Subcommands that run or describe a board share them.
type boardFlags struct {
	board string
	smp   int
	mem   string
}

func (f *boardFlags) register(fs *flag.FlagSet, withBoard bool) {
	if withBoard {
		fs.StringVar(&f.board, "board", "", "built-in board `NAME` or path to a board TOML file")
	}
	fs.IntVar(&f.smp, "smp", 0, "number of harts `N` (default: the board's default_harts)")
	fs.StringVar(&f.mem, "m", "", "DRAM `SIZE` as QEMU's -m: 512 (MiB), 2G, 1GiB (default: the board file's)")
}

// load opens the board (name or path) and applies --smp and -m.
func (f *boardFlags) load(spec string) (*boards.Board, error) {
	b, err := boards.Open(spec)
	if err != nil {
		return nil, err
	}
	if f.smp != 0 {
		if b, err = b.WithHarts(f.smp); err != nil {
			return nil, err
		}
	}
	if f.mem != "" {
		size, err := parseMem(f.mem)
		if err != nil {
			return nil, err
		}
		if b, err = b.WithDRAM(size); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// parseMem reads -m as QEMU does: a bare number is MiB.
func parseMem(s string) (uint64, error) {
	if n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64); err == nil {
		if n > 1<<43 {
			return 0, fmt.Errorf("-m %s: too large", s)
		}
		return n << 20, nil
	}
	v, err := boards.ParseSize(s)
	if err != nil {
		return 0, fmt.Errorf("-m: %w", err)
	}
	return v, nil
}
