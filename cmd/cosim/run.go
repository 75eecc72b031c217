package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"cosim/cosim/engine"
	"cosim/cosim/firmware"
	"cosim/cosim/machine"
	"cosim/cosim/trace"
	"cosim/hw/cache"
	"cosim/hw/sim"
	"cosim/kernel/prebuilt"
	"cosim/soc"
)

const runDescription = `
Boots a board: the built-in SBI, OpenSBI or no firmware, and a payload
(the embedded microkernel by default). The console is on stdout and stdin
feeds the console UART. The exit status is the guest's: the test finisher's
code, or the SBI shutdown's (0, or 1 for a "system failure" reset reason).
A run stopped by --max-insns or --max-time exits 124; a simulator-side error
(bad file, deadlock) exits 1 with a message on stderr.

--drive file=IMG[,if=virtio|nvme][,snapshot][,readonly][,serial=SN] attaches
a disk image (a bare path is a virtio disk); snapshot never writes the image;
serial= sets an NVMe controller's serial number (QEMU's -device nvme,serial=).`

// driveList collects repeated --drive flags.
type driveList []soc.Drive

func (d *driveList) String() string { return fmt.Sprint(*d) }

func (d *driveList) Set(v string) error {
	drv, err := parseDrive(v)
	if err != nil {
		return err
	}
	*d = append(*d, drv)
	return nil
}

// parseDrive reads QEMU's -drive syntax (the subset cosim understands).
func parseDrive(v string) (soc.Drive, error) {
	var d soc.Drive
	for i, part := range strings.Split(v, ",") {
		key, val, hasVal := strings.Cut(part, "=")
		switch {
		case i == 0 && !hasVal:
			d.Path = part
		case key == "file":
			d.Path = val
		case key == "if":
			if val != "virtio" && val != "nvme" {
				return d, fmt.Errorf("drive %q: if=%s: want virtio or nvme", v, val)
			}
			d.Interface = val
		case key == "snapshot" && (!hasVal || val == "on"):
			d.Snapshot = true
		case key == "readonly" && (!hasVal || val == "on"):
			d.ReadOnly = true
		case key == "serial" && hasVal:
			d.Serial = val
		case key == "format" && val == "raw":
		default:
			return d, fmt.Errorf("drive %q: unknown option %q", v, part)
		}
	}
	if d.Path == "" {
		return d, fmt.Errorf("drive %q: no file", v)
	}
	if d.Interface == "" {
		d.Interface = "virtio"
	}
	if d.Serial != "" && d.Interface != "nvme" {
		return d, fmt.Errorf("drive %q: serial= is for if=nvme drives", v)
	}
	return d, nil
}

func runRun(args []string) int {
	fs := newFlags("run", "run [--board NAME|PATH] [--smp N] [-m SIZE] [--bios FILE|builtin|none] [--kernel FILE] [--drive SPEC]... [flags]", runDescription)
	var bf boardFlags
	bf.register(fs, true)
	bios := fs.String("bios", "", "firmware: `FILE` (OpenSBI fw_jump/fw_dynamic, raw or ELF), builtin, or none (default: the board's)")
	kernel := fs.String("kernel", "", "payload `FILE` (ELF or raw; default: the embedded microkernel for the board)")
	appendArgs := fs.String("append", "", "kernel command line (/chosen/bootargs)")
	dtbFile := fs.String("dtb", "", "boot with this device tree `FILE` instead of the board's generated one (as QEMU's -dtb; e.g. QEMU's own, dumped with -M virt,dumpdtb=FILE): packed as QEMU packs it; it must describe the board's machine")
	var drives driveList
	fs.Var(&drives, "drive", "disk `SPEC`: file=IMG[,if=virtio|nvme][,snapshot][,readonly][,serial=SN] (repeatable)")
	seed := fs.Uint64("seed", 0, "interleaving `SEED` (0: plain round robin)")
	quantum := fs.Duration("quantum", 0, "simulated time each hart runs before the next (default 1µs)")
	maxInsns := fs.Uint64("max-insns", 0, "stop after `N` retired instructions over all harts")
	maxTime := fs.Duration("max-time", 0, "stop after this much simulated time")
	traceFile := fs.String("trace", "", "record a trace (pcapng) to `FILE`, replacing an existing one")
	traceFilter := fs.String("trace-filter", "", "record only matching events: hart=0,pc=LO-HI,kind=retire+trap (see docs/trace-format.md)")
	var prof cpuProfile
	prof.register(fs)
	stats := fs.Bool("stats", false, "print run statistics (instructions, cycles, caches) on stderr at the end")
	noCaches := fs.Bool("no-caches", false, "leave the board's caches out (faster; fetches always see memory)")
	pos, code, done := parse(fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	if bf.board == "" {
		bf.board = "fu740"
	}
	b, err := bf.load(bf.board)
	if err != nil {
		return fail("run", err)
	}
	cfg := machine.Config{Board: b, Firmware: *bios, Append: *appendArgs, Drives: drives, Seed: *seed,
		Quantum: sim.Time(quantum.Nanoseconds()) * sim.Nanosecond, Console: os.Stdout, Input: os.Stdin,
		NoCaches: *noCaches}
	if *dtbFile != "" {
		if cfg.DTB, err = os.ReadFile(*dtbFile); err != nil {
			return fail("run", err)
		}
	}
	if cfg.Kernel, err = loadPayload(*kernel, b.Name, b.Boot.Payload); err != nil {
		return fail("run", err)
	}
	m, err := machine.Boot(cfg)
	if err != nil {
		return fail("run", err)
	}
	defer m.Close()
	var rec *trace.Recorder
	if *traceFile != "" {
		if rec, err = startTrace(m, *traceFile, *traceFilter, *kernel, *bios, *dtbFile); err != nil {
			return fail("run", err)
		}
	}
	stop, err := prof.start()
	if err != nil {
		return fail("run", err)
	}
	defer stop()
	start := time.Now()
	exit, err := m.Run(engine.Limits{Instructions: *maxInsns, Time: sim.Time(maxTime.Nanoseconds()) * sim.Nanosecond})
	stop()
	if rec != nil {
		m.SoC.Observe(nil)
		if cerr := rec.Close(); err == nil {
			err = cerr
		}
	}
	if *stats {
		printStats(m, time.Since(start))
	}
	if err != nil {
		return fail("run", err)
	}
	if exit == nil {
		fmt.Fprintf(stderr, "cosim run: limit reached at %s simulated\n", time.Duration(m.SoC.Clock.Now()/sim.Nanosecond))
		return 124
	}
	if exit.Reboot {
		fmt.Fprintf(stderr, "cosim run: the guest asked for a reboot (%s); ending the run\n", exit.Reason)
	}
	return exit.Code
}

// loadPayload reads --kernel, or picks the embedded microkernel image.
func loadPayload(path, board string, payload uint64) (*firmware.Image, error) {
	if path != "" {
		return firmware.ReadFile(path, payload)
	}
	img, err := prebuilt.Image(board)
	if err != nil {
		return nil, fmt.Errorf("no --kernel given and %w", err)
	}
	return firmware.Parse("prebuilt/"+board+".bin", img, payload)
}

func startTrace(m *machine.Machine, path, filter, kernel, bios, dtbFile string) (*trace.Recorder, error) {
	f, err := trace.ParseFilter(filter)
	if err != nil {
		return nil, err
	}
	meta := []trace.KV{{Key: "board", Value: m.Config.Board.Name}, {Key: "harts", Value: strconv.Itoa(len(m.SoC.Harts))},
		{Key: "seed", Value: strconv.FormatUint(m.Config.Seed, 10)}, {Key: "firmware", Value: m.Config.Firmware},
		{Key: "payload", Value: m.Config.Kernel.Name + " sha256:" + m.Config.Kernel.SHA256}}
	for _, p := range []string{bios, dtbFile} {
		if p != "" && p != "builtin" && p != "none" {
			kv, err := trace.ImageMeta(p)
			if err != nil {
				return nil, err
			}
			meta = append(meta, kv)
		}
	}
	out, err := trace.CreateFile(path)
	if err != nil {
		return nil, err
	}
	rec, err := trace.NewRecorder(out, trace.RecorderOptions{Header: trace.Header{Harts: len(m.SoC.Harts), Meta: meta}, Filter: f})
	if err != nil {
		out.Close()
		return nil, err
	}
	m.SoC.Observe(rec)
	return rec, nil
}

func printStats(m *machine.Machine, wall time.Duration) {
	var total uint64
	for i, h := range m.SoC.Harts {
		fmt.Fprintf(stderr, "hart %d: %d instructions, %d cycles\n", i, h.Instret(), h.Cycle())
		total += h.Instret()
	}
	fmt.Fprintf(stderr, "total: %d instructions in %v host time (%.1f MIPS), %v simulated\n",
		total, wall.Round(time.Millisecond), float64(total)/wall.Seconds()/1e6, time.Duration(m.SoC.Clock.Now()/sim.Nanosecond))
	printCacheStats(m)
}

// printCacheStats prints one line per cache: each hart's L1s, then the L2.
// Lookups are the accesses that reached a cache: a hart serves repeated
// hits to lines it has just used from its line buffer without counting
// them (they change nothing in the cache). Misses, evictions and
// writebacks are exact.
func printCacheStats(m *machine.Machine) {
	printed := false
	line := func(who string, c *cache.Cache) {
		if c == nil {
			return
		}
		st := c.Stats
		fmt.Fprintf(stderr, "%s: %d lookups, %d misses, %d evictions, %d writebacks\n",
			who, st.Accesses, st.Misses, st.Evictions, st.Writebacks)
		printed = true
	}
	for i, h := range m.SoC.Harts {
		c := h.Caches()
		line(fmt.Sprintf("hart %d l1i", i), c.I)
		line(fmt.Sprintf("hart %d l1d", i), c.D)
	}
	line("l2", m.SoC.L2)
	if printed {
		fmt.Fprintln(stderr, "(lookups leave out hits a hart serves from its line buffer; misses, evictions and writebacks are exact)")
	}
}
