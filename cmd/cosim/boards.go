package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"cosim/boards"
)

const boardsHelp = `
Without arguments, list the built-in boards.

  show NAME|PATH   print a board's memory map (with --smp / -m applied)
  check PATH...    validate board files; errors name file, line and key
`

func runBoards(args []string) int {
	fs := newFlags("boards", "boards [show NAME|PATH [--smp N] [-m SIZE] | check PATH...]", boardsHelp)
	var bf boardFlags
	bf.register(fs, false)
	pos, code, done := parse(fs, args)
	if done {
		return code
	}
	if len(pos) == 0 {
		if bf.smp != 0 || bf.mem != "" {
			return usageError(fs, "--smp and -m apply to `boards show`")
		}
		return listBoards()
	}
	switch pos[0] {
	case "show":
		if len(pos) != 2 {
			return usageError(fs, "show takes one board name or path")
		}
		b, err := bf.load(pos[1])
		if err != nil {
			return fail("boards", err)
		}
		showBoard(b)
		return 0
	case "check":
		if len(pos) < 2 {
			return usageError(fs, "check takes board files")
		}
		status := 0
		for _, p := range pos[1:] {
			if _, err := boards.Open(p); err != nil {
				fmt.Fprintln(stderr, err)
				status = 1
				continue
			}
			fmt.Fprintf(stdout, "%s: ok\n", p)
		}
		return status
	default:
		return usageError(fs, "unknown action %q", pos[0])
	}
}

func listBoards() int {
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tMODEL\tFAMILY\tHARTS\tDRAM")
	for _, n := range boards.Names() {
		b, err := boards.Builtin(n)
		if err != nil {
			return fail("boards", err)
		}
		d, _ := b.DRAM()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d (max %d)\t%s\n", b.Name, b.Model, b.Family, len(b.Harts), len(b.AllHarts), boards.FormatSize(d.Size))
	}
	tw.Flush()
	return 0
}

func showBoard(b *boards.Board) {
	fmt.Fprintf(stdout, "%s: %s (%s)\n", b.Name, b.Model, b.Source)
	fmt.Fprintf(stdout, "harts %d of %d, timebase %s, memory model %s, I-cache coherent: %v\n\n",
		len(b.Harts), len(b.AllHarts), boards.FormatFreq(b.TimebaseHz), b.MemoryModel, b.ICacheCoherent)
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "BASE\tEND\tSIZE\tNAME\tKIND\tIRQS")
	for _, e := range b.MemoryMap() {
		irqs := make([]string, len(e.IRQs))
		for i, q := range e.IRQs {
			irqs[i] = fmt.Sprint(q)
		}
		fmt.Fprintf(tw, "%#x\t%#x\t%s\t%s\t%s\t%s\n", e.Base, e.End(), boards.FormatSize(e.Size), e.Name, e.What, strings.Join(irqs, ","))
	}
	tw.Flush()
}
