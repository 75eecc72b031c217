// Command lockstep finds the first instruction where the hw/hart model and
// QEMU disagree on a test program: it runs the ELF on QEMU with
// -singlestep -d cpu,nochain, then steps the model and compares pc and the
// x registers before every instruction the model retires.
//
//	go run ./tests/isa/cmd/lockstep prog.elf
//	go run ./tests/isa/cmd/lockstep -fwjump fw_jump.bin -dtb virt.dtb payload.bin
//
// The second form boots OpenSBI fw_jump into a raw payload, as
// harness.LoadFWJump does, on a 64 MiB one-hart virt machine.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"cosim/tests/isa/harness"
)

type state struct {
	pc uint64
	x  [32]uint64
}

func main() {
	fw := flag.String("fwjump", "", "boot this OpenSBI fw_jump.bin into the payload")
	dtbPath := flag.String("dtb", "", "device tree for -fwjump (dump it with the same QEMU arguments plus -M virt,dumpdtb=...)")
	resync := flag.Int("resync", 0, "on a register difference, print it, copy QEMU's registers and go on, up to this many times (QEMU puts a random rng-seed in the device tree, so code reading it differs)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: lockstep [-fwjump fw_jump.bin -dtb virt.dtb] prog")
		os.Exit(2)
	}
	elf := flag.Arg(0)
	dir, err := os.MkdirTemp("", "lockstep-")
	check(err)
	defer os.RemoveAll(dir)
	log := filepath.Join(dir, "qemu.log")
	args := []string{"-M", "virt", "-cpu", "rv64,h=false", "-m", "256M", "-bios", "none", "-kernel", elf}
	if *fw != "" {
		args = []string{"-M", "virt", "-cpu", "rv64,h=false", "-m", "64M", "-smp", "1", "-bios", *fw, "-kernel", elf}
	}
	args = append(args, "-nographic", "-monitor", "none", "-singlestep", "-d", "cpu,nochain", "-D", log)
	cmd := exec.Command(harness.QEMU, args...)
	_ = cmd.Run()
	qs := parse(log)
	fmt.Printf("%d QEMU states\n", len(qs))

	m, err := harness.NewMachine(harness.VirtConfig(), 64<<20)
	check(err)
	h := m.Hart
	qi := 0
	for qi < len(qs) && qs[qi].pc != 0x8000_0000 {
		qi++
	}
	if *fw != "" {
		// The device tree goes where QEMU's loader put it (a1).
		check(m.LoadFWJumpAt(*fw, elf, *dtbPath, qs[qi].x[11]))
	} else {
		check(m.LoadELF(elf))
	}
	// Start from QEMU's registers as its reset vector left them.
	if qi < len(qs) {
		for r := 1; r < 32; r++ {
			h.SetX(r, qs[qi].x[r])
		}
	}
	var hist []string
	for step := 0; qi < len(qs); step++ {
		pc := h.PC()
		// Skip QEMU states of instructions that trapped (the model's
		// Run(1) goes through the trap to the next retirement).
		j := qi
		for j < len(qs) && j < qi+64 && qs[j].pc != pc {
			j++
		}
		if j == len(qs) || qs[j].pc != pc {
			report(hist, fmt.Sprintf("pc diverged: model at %#x, QEMU at %#x", pc, qs[qi].pc))
			return
		}
		qi = j
		for r := 1; r < 32; r++ {
			if h.X(r) != qs[qi].x[r] {
				report(hist, fmt.Sprintf("before pc %#x: x%d model %#x QEMU %#x", pc, r, h.X(r), qs[qi].x[r]))
				if *resync <= 0 {
					return
				}
				*resync--
				for k := 1; k < 32; k++ {
					h.SetX(k, qs[qi].x[k])
				}
				break
			}
		}
		hist = append(hist, fmt.Sprintf("%#x", pc))
		if len(hist) > 20 {
			hist = hist[1:]
		}
		if h.Run(1) == 0 && h.Sleeping() {
			fmt.Println("model sleeps")
			return
		}
		m.Clock.AdvanceTo(h.LocalTime())
		qi++
	}
	fmt.Println("no divergence")
}

func report(hist []string, msg string) {
	fmt.Println("last pcs:", strings.Join(hist, " "))
	fmt.Println(msg)
}

func parse(path string) []state {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	var out []state
	var cur *state
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 2 && fs[0] == "pc" {
			out = append(out, state{})
			cur = &out[len(out)-1]
			cur.pc, _ = strconv.ParseUint(fs[1], 16, 64)
			continue
		}
		if cur == nil || len(fs) < 2 || !strings.HasPrefix(fs[0], "x") {
			continue
		}
		for i := 0; i+1 < len(fs); i += 2 {
			name := fs[i]
			if !strings.HasPrefix(name, "x") || !strings.Contains(name, "/") {
				continue
			}
			n, err := strconv.Atoi(name[1:strings.Index(name, "/")])
			if err != nil || n > 31 {
				continue
			}
			cur.x[n], _ = strconv.ParseUint(fs[i+1], 16, 64)
		}
	}
	return out
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "lockstep:", err)
		os.Exit(1)
	}
}
