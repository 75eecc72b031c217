package boottest

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/tests/cosimbin"
)

func TestMain(m *testing.M) {
	code := m.Run()
	cosimbin.Remove()
	os.Exit(code)
}

// bootHartAmong allows any hart below n: the boot hart is whichever wins
// OpenSBI's boot lottery (an atomic swap). QEMU runs harts on parallel host
// threads, so any of them may win; cosim's round robin starts hart 0 first.
func bootHartAmong(lo, n int) func(string) error {
	return func(v string) error {
		h, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		if h < lo || h >= n {
			return fmt.Errorf("boot hart %d not among %d..%d", h, lo, n-1)
		}
		return nil
	}
}

// virtBannerAllowed lists the OpenSBI banner lines of `-M virt` that may
// differ between QEMU and cosim. Every other line must be equal, including
// the ISA extension list, the PMP and MHPM counts and the delegation masks.
func virtBannerAllowed(smp int) map[string]Allowance {
	lottery := Allowance{Reason: "the boot lottery's winner depends on host thread timing in QEMU", Check: bootHartAmong(0, smp)}
	return map[string]Allowance{
		"Domain0 Boot HART": lottery,
		"Boot HART ID":      lottery,
	}
}

// virtBootLogAllowed lists U-Boot's boot log lines that may differ.
var virtBootLogAllowed = map[string]Allowance{
	// U-Boot copies the DTB to the top of its RAM less the tree's size;
	// QEMU's tree carries nodes cosim does not model (/pmu, /fw-cfg, the
	// random /chosen/rng-seed), so its size differs.
	"Working FDT set to": {Reason: "DTB size differs (QEMU-only nodes: pmu, fw-cfg, rng-seed)"},
	// The driver-model census counts QEMU's flash and platform bus.
	"Core:": {Reason: "device and uclass counts include the devices in virtQEMUOnly"},
}

// virtQEMUOnly lists what QEMU's U-Boot prints about devices cosim does not
// model: lines containing a key are dropped from QEMU's boot log and
// command outputs before the comparison.
var virtQEMUOnly = map[string]string{
	"Flash: ":              "no CFI flash model (QEMU's two pflash banks at 0x20000000)",
	"flash@20000000":       "no CFI flash model",
	"platform-bus@4000000": "no platform-bus node: cosim has no dynamic sysbus devices",
}

// dropLines removes the lines containing any of the keys.
func dropLines(text string, keys map[string]string) string {
	lines := strings.SplitAfter(text, "\n")
	out := lines[:0]
	for _, l := range lines {
		drop := false
		for k := range keys {
			drop = drop || strings.Contains(l, k)
		}
		if !drop {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

var simpleBusIndex = regexp.MustCompile(`(?m)^ simple_bus +\d+ `)

// normalizeDMTree makes two `dm tree` outputs comparable. The simple_bus
// index column is blanked: QEMU's platform-bus takes simple_bus 0, so its
// soc and cpus are numbered one higher. The riscv_timer line is dropped,
// after checking it hangs under the cpu node of the boot hart the banner
// names: U-Boot binds the timer on the hart it runs on, the lottery's
// winner.
func normalizeDMTree(t *testing.T, who, tree string, bootHart string) string {
	lines := strings.Split(tree, "\n")
	cpu := ""
	out := lines[:0]
	for _, l := range lines {
		if i := strings.Index(l, "cpu@"); i >= 0 {
			cpu = l[i+len("cpu@"):]
		}
		if strings.Contains(l, "riscv_timer ") {
			require.Equal(t, bootHart, cpu, "%s: the timer hangs under the boot hart's cpu node", who)
			continue
		}
		out = append(out, l)
	}
	return simpleBusIndex.ReplaceAllString(strings.Join(out, "\n"), " simple_bus     _ ")
}

// bannerValue returns the value of a banner line.
func bannerValue(lines []Line, key string) string {
	for _, l := range lines {
		if l.Key == key {
			return l.Value
		}
	}
	return ""
}

// diskPattern is the test image: byte i is a function of i that no two
// neighbouring blocks share, so a read of the wrong block shows.
func diskPattern(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7+3) ^ byte(i>>9)
	}
	return b
}

const loadAddr = "84000000" // in the default 128 MiB, below U-Boot's relocation

var virtCommands = []string{
	"version",
	"virtio scan",
	"virtio info",
	"dm tree",
	"virtio read " + loadAddr + " 0 1",
	"md.b " + loadAddr + " 0x40",
}

// mdBytes reads the bytes of an md.b dump.
func mdBytes(t *testing.T, dump string) []byte {
	var out []byte
	for _, l := range strings.Split(strings.TrimSpace(dump), "\n") {
		_, rest, ok := strings.Cut(l, ": ")
		require.True(t, ok, "md.b line %q", l)
		hexPart := rest
		if len(hexPart) > 48 {
			hexPart = hexPart[:48]
		}
		b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(hexPart), " ", ""))
		require.NoError(t, err, "md.b line %q", l)
		out = append(out, b...)
	}
	return out
}

// TestVirtUBootMatchesQEMU boots OpenSBI fw_jump and U-Boot on QEMU 7.2
// `-M virt -cpu rv64,h=false` and on cosim's qemu-virt with the same
// command line, runs the same U-Boot commands on both, and compares the
// OpenSBI banner, U-Boot's boot log and every command's output.
//
// One difference in the command lines, on purpose: QEMU's
// `-drive if=virtio` on virt makes a virtio-blk-pci device; cosim's
// `--drive` makes a virtio-mmio disk (it has no virtio-pci transport), so
// QEMU gets the equivalent `-device virtio-blk-device` (virtio-mmio), which
// lands in the same transport (the highest, 0x10008000).
func TestVirtUBootMatchesQEMU(t *testing.T) {
	require.NoError(t, RequireTools([]string{"qemu-system-riscv64"}, []string{FWJump, UBoot}))
	bin, err := cosimbin.Shared()
	require.NoError(t, err)
	img := filepath.Join(t.TempDir(), "disk.img")
	pattern := diskPattern(1 << 20)
	require.NoError(t, os.WriteFile(img, pattern, 0o644))

	for _, smp := range []int{2, 4} {
		t.Run(fmt.Sprintf("smp%d", smp), func(t *testing.T) {
			n := strconv.Itoa(smp)
			qemu := []string{"qemu-system-riscv64", "-M", "virt", "-cpu", "rv64,h=false", "-smp", n, "-m", "128M",
				"-nographic", "-bios", FWJump, "-kernel", UBoot,
				"-drive", "file=" + img + ",format=raw,if=none,id=disk0,readonly=on", "-device", "virtio-blk-device,drive=disk0"}
			ours := []string{bin, "run", "--board", "qemu-virt", "--smp", n, "-m", "128M",
				"--bios", FWJump, "--kernel", UBoot, "--drive", "file=" + img + ",format=raw,if=virtio,readonly"}
			ref, got := runBoth(t, qemu, ours, virtCommands)

			refBanner, err := Banner(ref.out)
			require.NoError(t, err, "QEMU")
			ourBanner, err := Banner(got.out)
			require.NoError(t, err, "cosim")
			require.Empty(t, CompareLines(refBanner, ourBanner, virtBannerAllowed(smp)), "OpenSBI banner")

			prefixes := []string{"Working FDT set to", "Core:"}
			refLog := dropLines(ref.tr.BootLog, virtQEMUOnly)
			require.Empty(t, CompareLines(LogLines(refLog, prefixes), LogLines(got.tr.BootLog, prefixes), virtBootLogAllowed),
				"U-Boot boot log")
			for i, c := range virtCommands {
				r, o := dropLines(ref.tr.Outputs[i], virtQEMUOnly), got.tr.Outputs[i]
				if c == "dm tree" {
					r = normalizeDMTree(t, "QEMU", r, bannerValue(refBanner, "Boot HART ID"))
					o = normalizeDMTree(t, "cosim", o, bannerValue(ourBanner, "Boot HART ID"))
				}
				require.Equal(t, r, o, "U-Boot command %q", c)
			}
			require.Contains(t, got.tr.Outputs[2], "Capacity: 1.0 MB = 0.0 GB (2048 x 512)")
			require.Equal(t, pattern[:0x40], mdBytes(t, got.tr.Outputs[5]), "md.b shows the image's first bytes")
		})
	}
}

type run struct {
	out string
	tr  Transcript
}

// runBoth runs the QEMU and cosim command lines side by side with the same
// U-Boot script and returns both consoles.
func runBoth(t *testing.T, qemu, ours, commands []string) (ref, got run) {
	var wg sync.WaitGroup
	var refErr, gotErr error
	start := func(name string, argv []string, r *run, e *error) {
		defer wg.Done()
		s, err := Start(name, 3*time.Minute, argv...)
		if err != nil {
			*e = err
			return
		}
		defer s.Close()
		r.tr, *e = RunUBoot(s, commands)
		r.out = s.Output()
	}
	wg.Add(2)
	go start("qemu", qemu, &ref, &refErr)
	go start("cosim", ours, &got, &gotErr)
	wg.Wait()
	require.NoError(t, refErr, "QEMU run")
	require.NoError(t, gotErr, "cosim run")
	return ref, got
}
