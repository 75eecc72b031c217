// Package traces holds the reference traces recorded from QEMU, the
// program and script that record them, and tests that the committed traces
// still decode, open in tshark, and match what QEMU records today.
package traces

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/cosim/trace"
)

var references = []struct {
	file  string
	board string
	harts int
}{
	{"hello-virt.pcapng.gz", "qemu-virt", 1},
	{"opensbi-virt-head100k.pcapng.gz", "qemu-virt", 1},
	{"opensbi-sifive_u-head100k.pcapng.gz", "sifive-unleashed", 5},
}

func need(t *testing.T, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s not installed (apt-get install %s)", tool, pkg)
	}
}

func TestReferenceTracesDecodeAndOpenInTshark(t *testing.T) {
	need(t, "tshark", "tshark")
	for _, ref := range references {
		r, err := trace.Open(ref.file)
		require.NoError(t, err, ref.file)
		board, _ := trace.Lookup(r.Header().Meta, "board")
		require.Equal(t, ref.board, board)
		harts := map[int32]bool{}
		n := 0
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, ref.file)
			harts[rec.Hart] = true
			n++
		}
		r.Close()
		require.Len(t, harts, ref.harts, ref.file)
		cmd := exec.Command("tshark", "-r", ref.file, "-q")
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "tshark -r %s: %s", ref.file, out)
		require.NotContains(t, string(out), "appears to be damaged")
		t.Logf("%s: %d events", ref.file, n)
	}
}

// record runs a QEMU recording into a trace file and returns its path.
func record(t *testing.T, args []string, opts trace.QEMUOptions) string {
	t.Helper()
	need(t, "qemu-system-riscv64", "qemu-system-misc")
	path := filepath.Join(t.TempDir(), "rec.pcapng")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	w, err := trace.NewWriter(f, trace.Header{Harts: 1})
	require.NoError(t, err)
	_, err = trace.RunQEMU(trace.QEMURun{Args: append([]string{"-display", "none", "-serial", "null", "-monitor", "none"}, args...), Options: opts}, w.WriteRecord)
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	return path
}

func requireEqual(t *testing.T, a, b string) *trace.DiffResult {
	t.Helper()
	res, err := trace.Diff(trace.FileInput{Path: a}, trace.FileInput{Path: b}, trace.DiffOptions{})
	require.NoError(t, err)
	var rep bytes.Buffer
	trace.WriteDiffReport(&rep, res, a, b)
	require.True(t, res.Equal, "%s", rep.String())
	for _, h := range res.Harts {
		require.Empty(t, h.Truncated, "%s", rep.String())
	}
	return res
}

func buildHello(t *testing.T) string {
	need(t, "riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf")
	dir := t.TempDir()
	obj, elf := filepath.Join(dir, "hello.o"), filepath.Join(dir, "hello.elf")
	for _, args := range [][]string{
		{"-c", "-o", obj, filepath.Join("src", "hello.S")},
		{"-nostdlib", "-nostartfiles", "-Wl,--no-warn-rwx-segments", "-T", filepath.Join("src", "link.ld"), "-o", elf, obj},
	} {
		out, err := exec.Command("riscv64-unknown-elf-gcc", append([]string{"-march=rv64imac_zicsr_zifencei", "-mabi=lp64"}, args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	return elf
}

// TestQEMUStillMatchesReferences re-records hello and the first 100k
// instructions of OpenSBI on virt and compares them with the committed
// traces: a change of QEMU, OpenSBI or the importer shows here.
func TestQEMUStillMatchesReferences(t *testing.T) {
	hello := record(t, []string{"-M", "virt", "-cpu", "rv64,h=false", "-smp", "1", "-bios", "none", "-kernel", buildHello(t)}, trace.QEMUOptions{})
	requireEqual(t, hello, "hello-virt.pcapng.gz")
	if testing.Short() {
		t.Skip("-short: OpenSBI re-recording skipped")
	}
	fw := "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
	if _, err := os.Stat(fw); err != nil {
		t.Fatalf("%s missing (apt-get install opensbi)", fw)
	}
	sbi := record(t, []string{"-M", "virt", "-cpu", "rv64,h=false", "-smp", "1", "-bios", fw}, trace.QEMUOptions{MaxRetired: 100000})
	res := requireEqual(t, sbi, "opensbi-virt-head100k.pcapng.gz")
	require.Equal(t, uint64(100000), res.Harts[0].Compared)
}

// TestRecordingIsDeterministic records hello twice: the files must be
// byte-identical (no host time, name or path reaches a trace).
func TestRecordingIsDeterministic(t *testing.T) {
	elf := buildHello(t)
	args := []string{"-M", "virt", "-cpu", "rv64,h=false", "-smp", "1", "-bios", "none", "-kernel", elf}
	a, err := os.ReadFile(record(t, args, trace.QEMUOptions{}))
	require.NoError(t, err)
	b, err := os.ReadFile(record(t, args, trace.QEMUOptions{}))
	require.NoError(t, err)
	require.Equal(t, a, b)
	// The committed reference decompresses to a trace of the same records.
	zr, err := os.Open("hello-virt.pcapng.gz")
	require.NoError(t, err)
	defer zr.Close()
	z, err := gzip.NewReader(zr)
	require.NoError(t, err)
	ref, err := io.ReadAll(z)
	require.NoError(t, err)
	require.Equal(t, len(a), len(ref)-len(headerOf(t, ref))+len(headerOf(t, a)), "same records after the header")
}

// headerOf returns the section header block (whose comment carries the
// run metadata) of a pcapng file.
func headerOf(t *testing.T, b []byte) []byte {
	require.GreaterOrEqual(t, len(b), 12)
	n := int(b[4]) | int(b[5])<<8 | int(b[6])<<16 | int(b[7])<<24
	require.LessOrEqual(t, n, len(b))
	return b[:n]
}

// TestStreamingDiffAgainstLiveQEMU compares the committed OpenSBI head
// with QEMU running now, with no file on QEMU's side: the way a long
// comparison (millions of instructions) runs.
func TestStreamingDiffAgainstLiveQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	need(t, "qemu-system-riscv64", "qemu-system-misc")
	fw := "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
	live, stop := trace.StartQEMU(trace.QEMURun{
		Args:    []string{"-M", "virt", "-cpu", "rv64,h=false", "-smp", "1", "-bios", fw, "-display", "none", "-serial", "null", "-monitor", "none"},
		Options: trace.QEMUOptions{MaxRetired: 20000},
	})
	defer stop.Close()
	ref, err := trace.Open("opensbi-virt-head100k.pcapng.gz")
	require.NoError(t, err)
	defer ref.Close()
	sum, div, err := trace.DiffHart(trace.OnlyHart(ref, 0), trace.OnlyHart(live, 0), 0, trace.DiffOptions{})
	require.NoError(t, err)
	require.Nil(t, div)
	require.Equal(t, uint64(20000), sum.Compared)
	require.Equal(t, "b", sum.Truncated, "the live side stopped at 20000")
}
