// Package tracecmd is the "cosim trace" command line: import, record,
// diff, show, export and info over the trace package. cmd/cosim calls Main
// with the arguments after "trace"; this package owns no trace logic.
package tracecmd

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"cosim/cosim/trace"
	"cosim/hw/sim"
)

// Exit statuses. diff uses 0 equal, 1 diverged, 2 error; the others 0 or 2.
const (
	exitOK       = 0
	exitDiverged = 1
	exitError    = 2
)

const usage = `usage: cosim trace COMMAND [flags] ...

commands:
  import --qemu-log LOG -o OUT     convert a QEMU -singlestep -d exec,cpu,nochain[,int,in_asm]
                                   log (a file, a FIFO, or - for stdin) to a pcapng trace
  record --gdb HOST:PORT -o OUT    single-step a GDB remote target and record it
  diff A B                         compare two traces (pcapng or QEMU logs): exit 0 equal,
                                   1 diverged, 2 error
  show FILE                        print a text listing
  export --csv FILE                print riscv-dv trace CSV
  info FILE                        print the metadata and event counts

run "cosim trace COMMAND -h" for a command's flags
`

// Main runs "cosim trace ARGS..." and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			fmt.Fprint(stderr, usage)
			return exitError
		}
		fmt.Fprint(stdout, usage) // asked for: the answer goes to stdout
		return exitOK
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) int{
		"import": cmdImport,
		"record": cmdRecord,
		"diff":   cmdDiff,
		"show":   cmdShow,
		"export": cmdExport,
		"info":   cmdInfo,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "cosim trace: unknown command %q\n%s", args[0], usage)
		return exitError
	}
	return cmd(args[1:], stdout, stderr)
}

// parse parses flags interspersed with positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("cosim trace "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// addrFlag is a flag holding an address in any base Go accepts.
type addrFlag uint64

func (a *addrFlag) String() string { return fmt.Sprintf("%#x", uint64(*a)) }
func (a *addrFlag) Set(s string) error {
	v, err := strconv.ParseUint(s, 0, 64)
	*a = addrFlag(v)
	return err
}

// metaFlag collects repeated --meta key=value flags.
type metaFlag []trace.KV

func (m *metaFlag) String() string { return "" }
func (m *metaFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	*m = append(*m, trace.KV{Key: k, Value: v})
	return nil
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "cosim trace: %v\n", err)
	return exitError
}

// createOutput opens the output file, or stdout for "-".
func createOutput(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := trace.CreateFile(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

func cmdImport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("import", stderr)
	logPath := fs.String("qemu-log", "", "QEMU log to import (file, FIFO, or - for stdin; .gz accepted)")
	out := fs.String("o", "", "output trace (pcapng)")
	var stopPC addrFlag
	fs.Var(&stopPC, "stop-pc", "stop when any hart reaches this pc (e.g. 0x80200000)")
	maxN := fs.Uint64("max", 0, "stop once a hart retired this many instructions (0: no limit)")
	var meta metaFlag
	fs.Var(&meta, "meta", "key=value run metadata for the section header (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return exitError
	}
	if *logPath == "" && len(pos) == 1 {
		*logPath = pos[0]
	}
	if *logPath == "" || *out == "" {
		fmt.Fprintln(stderr, "cosim trace import: need --qemu-log LOG and -o OUT")
		return exitError
	}
	var in io.Reader = os.Stdin
	if *logPath != "-" {
		f, err := os.Open(*logPath)
		if err != nil {
			return fail(stderr, err)
		}
		defer f.Close()
		in = f
	}
	src, closer, err := trace.OpenStream(in, trace.QEMUOptions{StopPC: uint64(stopPC), MaxRetired: *maxN})
	if err != nil {
		return fail(stderr, err)
	}
	defer closer.Close()
	meta = append(metaFlag{{Key: "source", Value: "qemu-log"}}, meta...)
	n, err := copyToTrace(src, *out, stdout, trace.Header{Harts: 1, Meta: meta})
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stderr, "cosim trace import: %d events\n", n)
	return exitOK
}

// copyToTrace writes every record of src to a new trace file.
func copyToTrace(src trace.Source, out string, stdout io.Writer, h trace.Header) (uint64, error) {
	w, closeOut, err := createOutput(out, stdout)
	if err != nil {
		return 0, err
	}
	tw, err := trace.NewWriter(w, h)
	if err != nil {
		closeOut()
		return 0, err
	}
	var n uint64
	for {
		r, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			closeOut()
			return n, err
		}
		if err := tw.WriteRecord(r); err != nil {
			closeOut()
			return n, err
		}
		n++
	}
	if err := tw.Flush(); err != nil {
		closeOut()
		return n, err
	}
	return n, closeOut()
}

func cmdRecord(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("record", stderr)
	addr := fs.String("gdb", "", "GDB remote target HOST:PORT (e.g. QEMU -gdb tcp::1234 -S)")
	out := fs.String("o", "", "output trace (pcapng)")
	var stopPC addrFlag
	fs.Var(&stopPC, "stop-pc", "stop before executing this pc")
	maxN := fs.Uint64("max", 0, "stop after this many steps (0: until the target exits)")
	timeout := fs.Duration("timeout", 10*time.Second, "time allowed for each reply of the target")
	qemuIRQ := fs.Bool("qemu-irq", false, "let QEMU take interrupts and run timers while stepping (Qqemu.sstep=1)")
	var meta metaFlag
	fs.Var(&meta, "meta", "key=value run metadata (repeatable)")
	if _, err := parse(fs, args); err != nil {
		return exitError
	}
	if *addr == "" || *out == "" {
		fmt.Fprintln(stderr, "cosim trace record: need --gdb HOST:PORT and -o OUT")
		return exitError
	}
	w, closeOut, err := createOutput(*out, stdout)
	if err != nil {
		return fail(stderr, err)
	}
	meta = append(metaFlag{{Key: "source", Value: "gdb-remote " + *addr}}, meta...)
	tw, err := trace.NewWriter(w, trace.Header{Harts: 1, Meta: meta})
	if err != nil {
		closeOut()
		return fail(stderr, err)
	}
	stats, err := trace.RecordGDB(*addr, trace.GDBOptions{MaxSteps: *maxN, StopPC: uint64(stopPC), Timeout: *timeout, QEMUInterrupts: *qemuIRQ}, tw.WriteRecord)
	if ferr := tw.Flush(); err == nil {
		err = ferr
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stderr, "cosim trace record: %d steps, %d retired, %d traps, %d interrupts, target exited: %v\n",
		stats.Steps, stats.Retired, stats.Traps, stats.Interrupts, stats.Exited)
	return exitOK
}

func cmdDiff(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("diff", stderr)
	jsonOut := fs.Bool("json", false, "print the result as JSON")
	contextN := fs.Int("context", 10, "matching events shown before a divergence")
	volatile := fs.String("volatile", trace.DefaultVolatile, `values not compared: csr:NAME and mem:LO-HI terms, or "none"`)
	maxSkew := fs.Int("max-skew", 1<<20, "events an interrupt may be late on one side")
	hartList := fs.String("hart", "", "compare only these harts (e.g. 0 or 0+1)")
	var stopPC addrFlag
	fs.Var(&stopPC, "stop-pc", "for QEMU log inputs: stop when any hart reaches this pc")
	pos, err := parse(fs, args)
	if err != nil {
		return exitError
	}
	if len(pos) != 2 {
		fmt.Fprintln(stderr, "cosim trace diff: need two traces, A and B")
		return exitError
	}
	vol, err := trace.ParseVolatile(*volatile)
	if err != nil {
		return fail(stderr, err)
	}
	opts := trace.DiffOptions{Context: *contextN, Volatile: vol, MaxSkew: *maxSkew}
	if *hartList != "" {
		for _, s := range strings.Split(*hartList, "+") {
			h, err := strconv.Atoi(s)
			if err != nil || h < 0 {
				return fail(stderr, fmt.Errorf("--hart %q: not a hart number", s))
			}
			opts.Harts = append(opts.Harts, h)
		}
	}
	q := trace.QEMUOptions{StopPC: uint64(stopPC)}
	res, err := trace.Diff(trace.FileInput{Path: pos[0], QEMU: q}, trace.FileInput{Path: pos[1], QEMU: q}, opts)
	if err != nil {
		return fail(stderr, err)
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return fail(stderr, err)
		}
	} else {
		trace.WriteDiffReport(stdout, res, pos[0], pos[1])
	}
	if !res.Equal {
		return exitDiverged
	}
	return exitOK
}

// openSource opens a pcapng trace or QEMU log for reading.
func openSource(path string) (trace.Source, io.Closer, error) {
	return trace.OpenFile(path, trace.QEMUOptions{})
}

func cmdShow(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("show", stderr)
	filter := fs.String("filter", "", "only events matching this filter (hart=,pc=,kind= as for --trace-filter)")
	pos, err := parse(fs, args)
	if err != nil {
		return exitError
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "cosim trace show: need one trace")
		return exitError
	}
	f, err := trace.ParseFilter(*filter)
	if err != nil {
		return fail(stderr, err)
	}
	src, closer, err := openSource(pos[0])
	if err != nil {
		return fail(stderr, err)
	}
	defer closer.Close()
	if err := trace.Show(stdout, &filtered{src: src, f: f}); err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

type filtered struct {
	src trace.Source
	f   trace.Filter
}

func (s *filtered) Next() (*trace.Record, error) {
	for {
		r, err := s.src.Next()
		if err != nil || s.f.Match(&r.Event) {
			return r, err
		}
	}
}

func cmdExport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("export", stderr)
	csvOut := fs.Bool("csv", false, "riscv-dv trace CSV (the only format so far)")
	hart := fs.Int("hart", 0, "hart to export (-1: all)")
	out := fs.String("o", "-", "output file")
	pos, err := parse(fs, args)
	if err != nil {
		return exitError
	}
	if !*csvOut || len(pos) != 1 {
		fmt.Fprintln(stderr, "cosim trace export: need --csv and one trace")
		return exitError
	}
	src, closer, err := openSource(pos[0])
	if err != nil {
		return fail(stderr, err)
	}
	defer closer.Close()
	w, closeOut, err := createOutput(*out, stdout)
	if err != nil {
		return fail(stderr, err)
	}
	err = trace.ExportCSV(w, src, *hart)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

func cmdInfo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("info", stderr)
	pos, err := parse(fs, args)
	if err != nil {
		return exitError
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "cosim trace info: need one trace")
		return exitError
	}
	src, closer, err := openSource(pos[0])
	if err != nil {
		return fail(stderr, err)
	}
	defer closer.Close()
	if r, ok := src.(*trace.Reader); ok {
		for _, kv := range r.Header().Meta {
			fmt.Fprintf(stdout, "%s=%s\n", kv.Key, kv.Value)
		}
	}
	counts := map[int]map[sim.Kind]uint64{}
	for {
		r, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(stderr, err)
		}
		if counts[int(r.Hart)] == nil {
			counts[int(r.Hart)] = map[sim.Kind]uint64{}
		}
		counts[int(r.Hart)][r.Kind]++
	}
	for h := -1; h < trace.BoardHart; h++ {
		c, ok := counts[h]
		if !ok {
			continue
		}
		name := fmt.Sprintf("hart %d", h)
		if h < 0 {
			name = "board"
		}
		var parts []string
		for k := sim.KindRetire; k <= sim.KindMeta; k++ {
			if c[k] > 0 {
				parts = append(parts, fmt.Sprintf("%s=%d", trace.KindName(k), c[k]))
			}
		}
		fmt.Fprintf(stdout, "%s: %s\n", name, strings.Join(parts, " "))
		delete(counts, h)
		if len(counts) == 0 {
			break
		}
	}
	return exitOK
}
