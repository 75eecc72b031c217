// Package cache holds the integration tests of the cache models: bare-metal
// programs built with riscv64-unknown-elf-gcc and run with
// `cosim run --bios none --kernel X.elf` on qemu-virt and fu740, checking
// what the guest sees (fence.i, PTE A/D policy) and what --stats reports
// (L1 misses against the geometry's arithmetic). It tests through the
// command line only and must not reach into the models.
package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/tests/cosimbin"
)

const gcc = "riscv64-unknown-elf-gcc"

// cosimBin is the cosim binary TestMain builds.
var cosimBin string

func TestMain(m *testing.M) {
	var err error
	if cosimBin, err = cosimbin.Shared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cosimbin.Remove()
	os.Exit(code)
}

func needGCC(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(gcc); err != nil {
		t.Fatalf("%s not found (Debian: apt-get install gcc-riscv64-unknown-elf): %v", gcc, err)
	}
}

// testHart is the hart each board runs the test on: hart 0 on qemu-virt,
// a U74 (hart 1) on fu740, whose hart 0 has no S-mode and no D-cache.
var testHart = map[string]int{"qemu-virt": 0, "fu740": 1}

// build compiles guest sources for board, linked by guest/ld, into an ELF
// in t's temp dir.
func build(t *testing.T, board, ld string, defines []string, sources ...string) string {
	t.Helper()
	needGCC(t)
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(sources[len(sources)-1], filepath.Ext(sources[len(sources)-1]))+".elf")
	args := []string{"-O2", "-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-mcmodel=medany",
		"-nostdlib", "-nostartfiles", "-ffreestanding", "-fno-builtin", "-T", "guest/" + ld,
		"-include", "../../kernel/include/board/" + board + ".h",
		fmt.Sprintf("-DTEST_HART=%d", testHart[board]), "-o", out}
	args = append(args, defines...)
	for _, s := range sources {
		args = append(args, "guest/"+s)
	}
	b, err := exec.Command(gcc, args...).CombinedOutput()
	require.NoError(t, err, "%s", b)
	return out
}

// run runs elf on board (a name or a board file) with --bios bios and
// returns the console and the --stats report. A run ended by the
// instruction limit (fu740 has no test finisher) is not an error.
func run(t *testing.T, board, bios, elf string, extra ...string) (console, stats string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"run", "--board", board, "--bios", bios, "--kernel", elf,
		"--max-insns", "3000000", "--stats"}, extra...)
	cmd := exec.CommandContext(ctx, cosimBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 124) {
		t.Fatalf("cosim %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

// values reads the "name=0x..." lines a program printed, which must have
// reached its end.
func values(t *testing.T, console string) map[string]uint64 {
	t.Helper()
	require.Contains(t, console, "END\n", "the program did not finish")
	m := map[string]uint64{}
	for _, l := range strings.Split(console, "\n") {
		name, v, ok := strings.Cut(l, "=0x")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(v, 16, 64)
		require.NoError(t, err, "line %q", l)
		m[name] = n
	}
	return m
}

func TestFenceI(t *testing.T) {
	for _, c := range []struct {
		board   string
		flags   []string
		nofence uint64
	}{
		{"fu740", nil, 0x111},                     // the I-cache kept the old line
		{"qemu-virt", nil, 0x222},                 // QEMU's fetches follow stores
		{"fu740", []string{"--no-caches"}, 0x222}, // no I-cache, no staleness
	} {
		t.Run(c.board+strings.Join(c.flags, ""), func(t *testing.T) {
			elf := build(t, c.board, "link.ld", nil, "start.S", "fns.S", "fencei.c")
			console, _ := run(t, c.board, "none", elf, c.flags...)
			v := values(t, console)
			require.Equal(t, map[string]uint64{"first": 0x111, "nofence": c.nofence, "fence": 0x222}, v, console)
		})
	}
}

// TestSBIRemoteFenceI runs the fence.i test in S-mode under the built-in
// SBI, with the SBI's remote fence.i on the running hart in place of the
// local fence.i.
func TestSBIRemoteFenceI(t *testing.T) {
	for board, nofence := range map[string]uint64{"fu740": 0x111, "qemu-virt": 0x222} {
		t.Run(board, func(t *testing.T) {
			elf := build(t, board, "link-payload.ld", nil, "sstart.S", "fns.S", "sbifencei.c")
			console, _ := run(t, board, "builtin", elf)
			require.Equal(t, map[string]uint64{"rfence": 0, "first": 0x111, "nofence": nofence, "fence": 0x222}, values(t, console), console)
		})
	}
}

func TestPTEAccessedBitPolicy(t *testing.T) {
	for _, c := range []struct {
		board string
		want  map[string]uint64
	}{
		// The U74 raises a load page fault (13) at the address and leaves A clear.
		{"fu740", map[string]uint64{"value": 0, "cause": 13, "tval": 1, "pte_a": 0}},
		// QEMU sets A during the walk and the load succeeds.
		{"qemu-virt", map[string]uint64{"value": 0x5eed, "cause": 0, "tval": 0, "pte_a": 1}},
	} {
		t.Run(c.board, func(t *testing.T) {
			elf := build(t, c.board, "link.ld", nil, "start.S", "adfault.c")
			console, _ := run(t, c.board, "none", elf)
			require.Equal(t, c.want, values(t, console), console)
		})
	}
}

// u74DCache is the U74's D-cache line of boards/fu740.toml, which the
// strided test replaces.
const u74DCache = `dcache          = { size = "32KiB", ways = 8, line = 64, hit_latency = 2, miss_latency = 20 }`

// boardWithDCache writes a copy of fu740.toml whose U74s have the given
// L1 D-cache (LRU, so that a working set larger than a set's ways misses
// every time).
func boardWithDCache(t *testing.T, size string, ways int) string {
	t.Helper()
	src, err := os.ReadFile("../../boards/fu740.toml")
	require.NoError(t, err)
	require.Contains(t, string(src), u74DCache, "boards/fu740.toml changed: update the strided test")
	line := fmt.Sprintf(`dcache = { size = %q, ways = %d, line = 64, hit_latency = 2, miss_latency = 20, replacement = "lru" }`, size, ways)
	path := filepath.Join(t.TempDir(), fmt.Sprintf("fu740-l1d-%s-%dway.toml", size, ways))
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(src), u74DCache, line, 1)), 0o644))
	return path
}

var l1dLine = regexp.MustCompile(`(?m)^hart 1 l1d: (\d+) lookups, (\d+) misses`)

// TestStridedMissesFollowGeometry sweeps a 16 KiB buffer (256 lines) four
// times on hart 1 with no other data access. A D-cache whose sets hold all
// the buffer's lines that map to them misses only on the first pass (256);
// one with fewer ways than that misses on every load under LRU (1024).
// The boot ROM's loads that start the hart add the same few misses to
// every geometry, measured with a run that makes no pass.
func TestStridedMissesFollowGeometry(t *testing.T) {
	const lines, passes = 256, 4
	misses := func(t *testing.T, board string, passes int) uint64 {
		elf := build(t, "fu740", "link.ld", []string{fmt.Sprintf("-DPASSES=%d", passes), fmt.Sprintf("-DBUFFER_LINES=%d", lines)}, "strided.S")
		_, stats := run(t, board, "none", elf)
		m := l1dLine.FindStringSubmatch(stats)
		require.NotNil(t, m, "no hart 1 l1d line in:\n%s", stats)
		n, err := strconv.ParseUint(m[2], 10, 64)
		require.NoError(t, err)
		return n
	}
	for _, c := range []struct {
		size string
		ways int
		want uint64 // misses of the passes, boot ROM excluded
	}{
		{"32KiB", 8, lines},         // 64 sets x 8 ways: 4 lines per set fit
		{"16KiB", 4, lines},         // 64 sets x 4 ways: exactly fits
		{"16KiB", 2, lines},         // 128 sets x 2 ways: 2 lines per set fit
		{"8KiB", 4, passes * lines}, // 32 sets x 4 ways: 8 lines per set thrash
		{"8KiB", 2, passes * lines}, // 64 sets x 2 ways: 4 per set thrash
		{"4KiB", 1, passes * lines}, // direct-mapped, 64 sets: 4 per set thrash
		{"64KiB", 1, lines},         // direct-mapped, 1024 sets: all fit
	} {
		t.Run(fmt.Sprintf("%s-%dway", c.size, c.ways), func(t *testing.T) {
			board := boardWithDCache(t, c.size, c.ways)
			base := misses(t, board, 0)
			require.Less(t, base, uint64(8), "the boot ROM should cost a few misses")
			require.Equal(t, base+c.want, misses(t, board, passes))
		})
	}
}
