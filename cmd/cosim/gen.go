package main

import (
	"fmt"

	"cosim/soc/gen"
)

const genHelp = `
Regenerate every artefact built from the built-in boards: the guest
kernel's board headers (kernel/include/board/*.h) and the board pages
(docs/boards/*.md). go generate ./... runs the same. With --check nothing
is written: stale, missing or left-over files are listed and the exit
status is 1 (the CI staleness check).
`

func runGen(args []string) int {
	fs := newFlags("gen", "gen [--check] [--root DIR]", genHelp)
	check := fs.Bool("check", false, "report stale files and exit 1 instead of writing")
	root := fs.String("root", "", "repository `DIR` (default: found from the working directory)")
	pos, code, done := parse(fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	dir := *root
	if dir == "" {
		var err error
		if dir, err = gen.FindRoot("."); err != nil {
			return fail("gen", err)
		}
	}
	bs, err := gen.Builtin()
	if err != nil {
		return fail("gen", err)
	}
	emitters := gen.DefaultEmitters()
	files, err := gen.Generate(bs, emitters)
	if err != nil {
		return fail("gen", err)
	}
	changes, err := gen.Plan(dir, files, emitters)
	if err != nil {
		return fail("gen", err)
	}
	if *check {
		for _, c := range changes {
			fmt.Fprintf(stderr, "stale: %s (%s)\n", c.Path, c.What)
		}
		if len(changes) > 0 {
			fmt.Fprintln(stderr, "cosim gen: generated files are out of date: run `go run ./cmd/cosim gen`")
			return 1
		}
		return 0
	}
	if err := gen.Apply(dir, changes); err != nil {
		return fail("gen", err)
	}
	for _, c := range changes {
		fmt.Fprintf(stdout, "%s %s\n", c.What, c.Path)
	}
	return 0
}
