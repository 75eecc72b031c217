package main

import (
	"os"

	"cosim/boards/dtb"
)

const dtbHelp = `
Write the device tree blob (FDT v17) of a board configuration: a built-in
board or any board file, with --smp and -m applied as QEMU's flags are.
The output is byte-for-byte deterministic. -o - writes to stdout.
`

func runDTB(args []string) int {
	fs := newFlags("dtb", "dtb --board NAME|PATH [--smp N] [-m SIZE] -o FILE", dtbHelp)
	var bf boardFlags
	bf.register(fs, true)
	out := fs.String("o", "", "output `FILE` (- for stdout)")
	pos, code, done := parse(fs, args)
	if done {
		return code
	}
	switch {
	case len(pos) > 0:
		return usageError(fs, "unexpected argument %q", pos[0])
	case bf.board == "":
		return usageError(fs, "--board is required")
	case *out == "":
		return usageError(fs, "-o is required")
	}
	b, err := bf.load(bf.board)
	if err != nil {
		return fail("dtb", err)
	}
	blob, err := dtb.Marshal(b)
	if err != nil {
		return fail("dtb", err)
	}
	if *out == "-" {
		if _, err := stdout.Write(blob); err != nil {
			return fail("dtb", err)
		}
		return 0
	}
	if err := os.WriteFile(*out, blob, 0o644); err != nil {
		return fail("dtb", err)
	}
	return 0
}
