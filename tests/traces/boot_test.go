package traces

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards/dtb"
	"cosim/cosim/trace"
	"cosim/tests/cosimbin"
)

// full makes the boot comparisons run from reset through OpenSBI into the
// payload (~8–12 million instructions, several minutes of QEMU logging)
// instead of the first 2 million.
var full = flag.Bool("full", false, "compare boots through OpenSBI into the payload, not only the first 2M instructions")

const (
	fwJump    = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
	ubootS    = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
	headInsns = 2_000_000
)

// bootVolatile are the values the boot comparisons do not compare, each
// for a reason: the counters (cycle, time, instret and their M-mode
// names) count host or modelled time, not architectural state, in QEMU;
// mip/sip show when a timer became pending, which depends on that time;
// the CLINT's mtime is the same time read from memory. The device tree
// is not among them: both sides boot the very blob QEMU hands its guest,
// rng-seed included (see guestDTB).
var bootVolatile = strings.Join([]string{
	"csr:cycle", "csr:time", "csr:instret", "csr:mcycle", "csr:minstret",
	"csr:mip", "csr:sip",
	"mem:0x200bff8-0x200c000",
}, ",")

// bootCase is one board booted by QEMU and by cosim from the same images.
type bootCase struct {
	board    string   // cosim board
	qemu     []string // QEMU machine arguments (no firmware, no logging)
	dumpAs   string   // -M value that dumps QEMU's device tree
	smp      int
	mem      string
	hart     int    // the hart compared
	payload  uint64 // where the S-mode payload starts
	maxInsns uint64 // instructions of the compared hart QEMU logs
	// minCompared is how many events must be compared (not skipped as
	// spins); 0 means maxInsns.
	minCompared uint64
	spins       []string
}

// TestOpenSBIBootVirtMatchesQEMU runs OpenSBI fw_jump with U-Boot (S-mode)
// on QEMU virt and on cosim's qemu-virt, and requires cosim trace diff to
// find them equal instruction by instruction for the first 2M
// instructions of hart 0 (with -full: through OpenSBI into U-Boot).
func TestOpenSBIBootVirtMatchesQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the boot comparison records millions of QEMU instructions")
	}
	bootCompare(t, bootCase{
		board: "qemu-virt", qemu: []string{"-M", "virt", "-cpu", "rv64,h=false"}, dumpAs: "virt",
		smp: 1, mem: "128M", hart: 0, payload: 0x80200000, maxInsns: headInsns,
	})
}

// sifiveSpins are OpenSBI 1.1 fw_jump's loops (addresses in Debian's
// fw_jump.bin) where the booting hart waits for the other: how often it
// goes round depends on how the two harts interleave, which QEMU's
// round-robin TCG decides by host time and cosim's engine by its quantum
// and seed. Only these loops are skipped; everything else is compared.
var sifiveSpins = []string{
	"spin:0x8000032e-0x80000346", // _wait_for_boot_hart: _boot_status == BOOT_HART_DONE
}

// TestOpenSBIBootSiFiveUMatchesQEMU is the same comparison on QEMU's
// sifive_u and cosim's sifive-unleashed with two harts, QEMU's minimum:
// hart 0 is the E51 (M and U only), hart 1 a U54. OpenSBI's cold boot
// needs a hart that can enter S-mode, so hart 1 boots; hart 1 is
// compared. QEMU runs its harts on one TCG thread.
func TestOpenSBIBootSiFiveUMatchesQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the boot comparison records millions of QEMU instructions")
	}
	bootCompare(t, bootCase{
		board: "sifive-unleashed", qemu: []string{"-M", "sifive_u"}, dumpAs: "sifive_u",
		// Hart 1 spends ~1.1M instructions waiting for hart 0 in
		// _wait_for_boot_hart (skipped): 3.2M give 2M compared.
		smp: 2, mem: "128M", hart: 1, payload: 0x80200000, maxInsns: 3_200_000, minCompared: headInsns,
		spins: sifiveSpins,
	})
}

func bootCompare(t *testing.T, c bootCase) {
	need(t, "qemu-system-riscv64", "qemu-system-misc")
	for _, f := range []string{fwJump, ubootS} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%v (apt-get install opensbi u-boot-qemu)", err)
		}
	}
	dir := t.TempDir()
	cosim := buildCosim(t, dir)
	machine := append(append([]string{}, c.qemu...), "-smp", strconv.Itoa(c.smp), "-m", c.mem)
	tree := guestDTB(t, machine, c.dumpAs, dir)
	if *full {
		c.maxInsns = insnsToPayload(t, cosim, c, tree) + 200_000
		t.Logf("-full: %d instructions of hart %d (the payload starts %d before the end)", c.maxInsns, c.hart, 200_000)
	}

	theirs := filepath.Join(dir, "qemu.pcapng")
	f, err := os.Create(theirs)
	require.NoError(t, err)
	w, err := trace.NewWriter(f, trace.Header{Harts: c.smp})
	require.NoError(t, err)
	args := append(append([]string{}, machine...), "-seed", "1", "-dtb", tree, "-bios", fwJump, "-kernel", ubootS,
		"-display", "none", "-serial", "null", "-monitor", "none")
	if c.smp > 1 {
		args = append(args, "-accel", "tcg,thread=single")
	}
	stats, err := trace.RunQEMU(trace.QEMURun{Args: args, Options: trace.QEMUOptions{MaxRetired: c.maxInsns}},
		onlyHart(c.hart, w.WriteRecord))
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	t.Logf("QEMU: %d retired (all harts), %d traps, %d interrupts", stats.Retired, stats.Traps, stats.Interrupts)

	ours := filepath.Join(dir, "cosim.pcapng")
	run := exec.Command(cosim, "run", "--board", c.board, "--smp", strconv.Itoa(c.smp), "-m", c.mem,
		"--bios", fwJump, "--kernel", ubootS, "--dtb", tree, "--max-insns", fmt.Sprint(c.maxInsns*uint64(c.smp)),
		"--trace", ours, "--trace-filter", fmt.Sprintf("hart=%d,kind=retire+trap+interrupt", c.hart))
	out, err := run.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 124 {
		t.Fatalf("cosim run: want the instruction limit (exit 124), got %v: %s", err, out)
	}

	res := traceDiff(t, cosim, ours, theirs, c.hart, strings.Join(append([]string{bootVolatile}, c.spins...), ","))
	require.Len(t, res.Harts, 1)
	h := res.Harts[0]
	t.Logf("hart %d: %d events compared; spin loops skipped: %d events of cosim, %d of QEMU", c.hart, h.Compared, h.SpunA, h.SpunB)
	require.GreaterOrEqual(t, h.Compared+h.SpunB, c.maxInsns, "all of QEMU's %d instructions of hart %d compared or skipped as spins", c.maxInsns, c.hart)
	if c.minCompared == 0 {
		c.minCompared = c.maxInsns
	}
	require.GreaterOrEqual(t, h.Compared, c.minCompared, "events compared on hart %d", c.hart)
}

// onlyHart keeps the records of one hart.
func onlyHart(hart int, emit func(*trace.Record) error) func(*trace.Record) error {
	return func(r *trace.Record) error {
		if int(r.Event.Hart) != hart {
			return nil
		}
		return emit(r)
	}
}

// traceDiff runs cosim trace diff and requires it to report equal.
func traceDiff(t *testing.T, cosim, a, b string, hart int, volatile string) *trace.DiffResult {
	t.Helper()
	cmd := exec.Command(cosim, "trace", "diff", "--json", "--hart", strconv.Itoa(hart), "--volatile", volatile, a, b)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var res trace.DiffResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), "cosim trace diff: %v: %s", err, stderr.String())
	if !res.Equal {
		text, _ := exec.Command(cosim, "trace", "diff", "--hart", strconv.Itoa(hart), "--volatile", volatile, a, b).CombinedOutput()
		t.Fatalf("cosim trace diff: not equal:\n%s", text)
	}
	require.NoError(t, err, "%s", stderr.String())
	return &res
}

// buildCosim builds the command line tool the tests drive.
func buildCosim(t *testing.T, dir string) string {
	t.Helper()
	bin, err := cosimbin.Build(context.Background(), dir)
	require.NoError(t, err)
	return bin
}

// guestDTB returns the device tree exactly as QEMU hands it to the guest
// for this machine: QEMU's own tree (dumped), loaded back with -dtb and
// -seed 1, read from guest memory before the first instruction. QEMU 7.2
// writes a fresh random /chosen/rng-seed into the tree at every reset
// (so a dumped tree never equals the booted one); -seed makes that
// value the same on every run, and both sides boot this blob: QEMU with
// -seed 1 -dtb FILE, cosim with --dtb FILE (placed and packed by the
// same rule), so the rng-seed is compared, not masked.
func guestDTB(t *testing.T, machine []string, dumpAs, dir string) string {
	t.Helper()
	raw := filepath.Join(dir, "dumped.dtb")
	args := append(append([]string{}, machine...), "-M", dumpAs+",dumpdtb="+raw, "-display", "none", "-bios", "none")
	out, err := exec.Command("qemu-system-riscv64", args...).CombinedOutput()
	require.NoError(t, err, "qemu dumpdtb: %s", out)
	blob, err := os.ReadFile(raw)
	require.NoError(t, err)
	packed, err := dtb.Pack(blob)
	require.NoError(t, err)

	rom := pmemsave(t, machine, raw, 0x1000, 0x100, filepath.Join(dir, "rom.bin"))
	fdtAddr, ok := romFDTAddress(rom)
	require.True(t, ok, "no FDT address in QEMU's reset vector")
	guest := filepath.Join(dir, "guest.dtb")
	got := pmemsave(t, machine, raw, fdtAddr, uint64(len(packed)), guest)
	require.Equal(t, packed[:0x38], got[:0x38], "QEMU's packed tree has the layout dtb.Pack gives")
	return guest
}

// pmemsave starts QEMU stopped (-S) with the dumped tree and -seed 1 and
// saves guest physical memory through its monitor.
func pmemsave(t *testing.T, machine []string, dtbFile string, addr, size uint64, path string) []byte {
	t.Helper()
	args := append(append([]string{}, machine...), "-seed", "1", "-dtb", dtbFile, "-bios", "none",
		"-display", "none", "-serial", "null", "-S", "-monitor", "stdio")
	cmd := exec.Command("qemu-system-riscv64", args...)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("pmemsave %#x %#x \"%s\"\nquit\n", addr, size, path))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "qemu monitor: %s", out)
	b, err := os.ReadFile(path)
	require.NoError(t, err, "qemu monitor: %s", out)
	return b
}

// romFDTAddress finds the FDT address in QEMU's reset vector: the
// doubleword 32 bytes after its "auipc t0, 0" (virt and sifive_u both load
// a1 from there).
func romFDTAddress(rom []byte) (uint64, bool) {
	for off := 0; off+40 <= len(rom); off += 4 {
		if binary.LittleEndian.Uint32(rom[off:]) == 0x00000297 {
			return binary.LittleEndian.Uint64(rom[off+32:]), true
		}
	}
	return 0, false
}

// insnsToPayload counts the instructions the compared hart retires on
// cosim before its first instruction in the payload.
func insnsToPayload(t *testing.T, cosim string, c bootCase, tree string) uint64 {
	t.Helper()
	path := filepath.Join(t.TempDir(), "entry.pcapng")
	out, err := exec.Command(cosim, "run", "--board", c.board, "--smp", strconv.Itoa(c.smp), "-m", c.mem,
		"--bios", fwJump, "--kernel", ubootS, "--dtb", tree, "--max-insns", "40000000",
		"--trace", path, "--trace-filter", fmt.Sprintf("hart=%d,kind=retire,pc=%#x-%#x", c.hart, c.payload, c.payload+4)).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 124 {
		t.Fatalf("cosim run: %v: %s", err, out)
	}
	r, err := trace.Open(path)
	require.NoError(t, err)
	defer r.Close()
	for {
		rec, err := r.Next()
		require.NoError(t, err, "hart %d never reached the payload at %#x", c.hart, c.payload)
		if rec.Event.PC == c.payload {
			return rec.Event.Instret
		}
	}
}
