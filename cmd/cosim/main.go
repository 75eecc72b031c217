// Command cosim is the command-line interface: a table of subcommands, each
// in its own file (boards.go, dtb.go, gen.go, ...). It is the only place
// that wires packages together; keep subcommands thin and the work in
// packages. Exit status: 0 success, 1 failure, 2 usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// command is one subcommand.
type command struct {
	name    string
	summary string // one line for `cosim help`
	run     func(args []string) int
}

// commands is the table of subcommands, in the order help lists them.
var commands = []command{
	{"boards", "list the built-in boards, show one's memory map, check board files", runBoards},
	{"dtb", "write a board's device tree blob", runDTB},
	{"run", "boot a board: firmware, payload, disks; console on stdout", runRun},
	{"trace", "show, export, import, record and diff traces (cosim trace --help)", runTrace},
	{"bench", "time a compute-bound guest on a board model (and on QEMU with --qemu)", runBench},
	{"gen", "regenerate the kernel board headers and board pages (--check: report stale files)", runGen},
}

func main() { os.Exit(cosim(os.Args[1:], os.Stdout, os.Stderr)) }

// stdout and stderr are where subcommands write; tests replace them.
var stdout, stderr io.Writer = os.Stdout, os.Stderr

func cosim(args []string, out, errOut io.Writer) int {
	stdout, stderr = out, errOut
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:])
		}
	}
	fmt.Fprintf(stderr, "cosim: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: cosim <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "`cosim <command> --help` describes a command's flags.")
}

// newFlags makes a subcommand's flag set: synopsis and description go into
// its --help text.
func newFlags(name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: cosim %s\n\n%s\n", synopsis, strings.TrimSpace(description))
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses flags anywhere among the arguments (the standard package
// stops at the first non-flag) and returns the positional arguments. done
// is true when the caller should return code: --help (0) or a usage
// error (2).
func parse(fs *flag.FlagSet, args []string) (pos []string, code int, done bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil, 0, true
		}
		if err != nil {
			fmt.Fprintf(stderr, "cosim %s: %v\n", fs.Name(), err)
			fs.SetOutput(stderr)
			fs.Usage()
			return nil, 2, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, false
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), 0, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(stderr, "cosim %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.SetOutput(stderr)
	fs.Usage()
	return 2
}

func fail(name string, err error) int {
	fmt.Fprintf(stderr, "cosim %s: %v\n", name, err)
	return 1
}
