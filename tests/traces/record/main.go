// Command record records the reference traces in tests/traces from QEMU
// 7.2: it runs each recording's QEMU command line with per-instruction
// logging, imports the log through a FIFO as QEMU writes it, and writes a
// gzip-compressed pcapng trace. tests/traces/record.sh runs it for every
// recording; -list shows them.
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"cosim/cosim/trace"
)

const fwJump = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"

// recording is one reference trace: a QEMU command line and where to stop.
type recording struct {
	name   string
	board  string
	args   []string
	images []string // files whose hashes go into the metadata
	stopPC uint64
	head   uint64 // instructions kept in the committed trace (0: all)
	harts  int
}

// recordings lists the reference traces. {hello} is the ELF built from
// src/hello.S.
var recordings = []recording{
	{
		name: "opensbi-virt", board: "qemu-virt", harts: 1,
		args:   []string{"-M", "virt", "-cpu", "rv64,h=false", "-smp", "1", "-bios", fwJump},
		images: []string{fwJump}, stopPC: 0x80200000, head: 100000,
	},
	{
		// sifive_u always has its 5 harts (E51 + 4 U54); one TCG thread
		// keeps their interleaving from depending on host threads.
		name: "opensbi-sifive_u", board: "sifive-unleashed", harts: 5,
		args:   []string{"-M", "sifive_u", "-smp", "5", "-accel", "tcg,thread=single", "-bios", fwJump},
		images: []string{fwJump}, stopPC: 0x80200000, head: 100000,
	},
	{
		name: "hello-virt", board: "qemu-virt", harts: 1,
		args:   []string{"-M", "virt", "-cpu", "rv64,h=false", "-smp", "1", "-bios", "none", "-kernel", "{hello}"},
		images: []string{"{hello}"},
	},
}

func main() {
	out := flag.String("o", ".", "output directory")
	only := flag.String("only", "", "record only this recording")
	list := flag.Bool("list", false, "list the recordings")
	hello := flag.String("hello", "", "hello.elf (built from src/hello.S when empty)")
	full := flag.Bool("full", false, "record up to the stop pc instead of the committed head (OpenSBI to the payload: ~12M instructions, minutes, ~70 MB)")
	maxN := flag.Uint64("max", 0, "record this many instructions per hart instead of the committed head")
	flag.Parse()
	if *list {
		for _, r := range recordings {
			fmt.Printf("%s\t%s\n", r.name, strings.Join(r.args, " "))
		}
		return
	}
	if *maxN != 0 {
		for i := range recordings {
			recordings[i].head = *maxN
		}
	}
	if err := run(*out, *only, *hello, *full); err != nil {
		fmt.Fprintf(os.Stderr, "record: %v\n", err)
		os.Exit(1)
	}
}

func run(out, only, hello string, full bool) error {
	if hello == "" {
		var err error
		if hello, err = buildHello(); err != nil {
			return err
		}
	}
	for _, r := range recordings {
		if only != "" && r.name != only {
			continue
		}
		suffix := ""
		if full {
			r.head = 0
		} else if r.head != 0 {
			suffix = fmt.Sprintf("-head%dk", r.head/1000)
		}
		path := filepath.Join(out, r.name+suffix+".pcapng.gz")
		stats, err := record(r, hello, path)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		fmt.Printf("%s: %d retired, %d traps, %d interrupts, %d harts -> %s\n",
			r.name, stats.Retired, stats.Traps, stats.Interrupts, stats.Harts, path)
	}
	return nil
}

// buildHello assembles src/hello.S next to this program's source.
func buildHello() (string, error) {
	dir, err := os.MkdirTemp("", "cosim-hello")
	if err != nil {
		return "", err
	}
	src := filepath.Join("tests", "traces", "src")
	obj, elf := filepath.Join(dir, "hello.o"), filepath.Join(dir, "hello.elf")
	// Assembling and linking separately keeps gcc's temporary object name
	// out of the symbol table, so the ELF (and its hash in the trace) is
	// the same on every build.
	for _, args := range [][]string{
		{"-c", "-o", obj, filepath.Join(src, "hello.S")},
		{"-nostdlib", "-nostartfiles", "-Wl,--no-warn-rwx-segments", "-T", filepath.Join(src, "link.ld"), "-o", elf, obj},
	} {
		cmd := exec.Command("riscv64-unknown-elf-gcc", append([]string{"-march=rv64imac_zicsr_zifencei", "-mabi=lp64"}, args...)...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building hello.elf (run from the repository root): %v: %s", err, msg)
		}
	}
	return elf, nil
}

func record(r recording, hello, path string) (trace.QEMUStats, error) {
	args := []string{"-display", "none", "-serial", "null", "-monitor", "none"}
	for _, a := range r.args {
		args = append(args, strings.ReplaceAll(a, "{hello}", hello))
	}
	meta := []trace.KV{
		{Key: "board", Value: r.board},
		{Key: "source", Value: "qemu " + qemuVersion()},
		{Key: "qemu-args", Value: strings.Join(r.args, " ")},
		{Key: "seed", Value: "0"},
	}
	for _, img := range r.images {
		p := strings.ReplaceAll(img, "{hello}", hello)
		kv, err := trace.ImageMeta(p)
		if err != nil {
			return trace.QEMUStats{}, err
		}
		meta = append(meta, kv)
	}
	if r.stopPC != 0 {
		meta = append(meta, trace.KV{Key: "stop-pc", Value: fmt.Sprintf("%#x", r.stopPC)})
	}
	if r.head != 0 {
		meta = append(meta, trace.KV{Key: "max-retired-per-hart", Value: fmt.Sprint(r.head)})
	}
	f, err := os.Create(path)
	if err != nil {
		return trace.QEMUStats{}, err
	}
	defer f.Close()
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return trace.QEMUStats{}, err
	}
	w, err := trace.NewWriter(zw, trace.Header{Harts: r.harts, Meta: meta})
	if err != nil {
		return trace.QEMUStats{}, err
	}
	stats, err := trace.RunQEMU(trace.QEMURun{Args: args, Options: trace.QEMUOptions{StopPC: r.stopPC, MaxRetired: r.head}}, w.WriteRecord)
	if err != nil {
		return stats, err
	}
	if err := w.Flush(); err != nil {
		return stats, err
	}
	if err := zw.Close(); err != nil {
		return stats, err
	}
	return stats, f.Close()
}

func qemuVersion() string {
	out, err := exec.Command("qemu-system-riscv64", "--version").Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimPrefix(line, "QEMU emulator version ")
}
