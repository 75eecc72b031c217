package trace

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/hw/sim"
)

// TestRecordGDBMatchesQEMULog single-steps hello through QEMU's gdbstub and
// compares the recording with QEMU's own log of the same program.
func TestRecordGDBMatchesQEMULog(t *testing.T) {
	elf := buildHello(t)
	addr := startQEMUGDB(t, elf)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Harts: 1, Meta: []KV{{"source", "gdb"}}})
	require.NoError(t, err)
	stats, err := RecordGDB(addr, GDBOptions{Timeout: 20 * time.Second}, w.WriteRecord)
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	require.True(t, stats.Exited, "the test finisher ends QEMU")
	require.Equal(t, uint64(3), stats.Traps)

	gdbPath := filepath.Join(t.TempDir(), "gdb.pcapng")
	require.NoError(t, os.WriteFile(gdbPath, buf.Bytes(), 0o644))
	logPath := qemuLog(t, elf)
	res, err := Diff(FileInput{Path: logPath}, FileInput{Path: gdbPath}, DiffOptions{})
	require.NoError(t, err)
	var report bytes.Buffer
	WriteDiffReport(&report, res, "qemu log", "gdb")
	require.True(t, res.Equal, "%s", report.String())
	require.Len(t, res.Harts, 1)
	require.Equal(t, res.Harts[0].EventsA, res.Harts[0].EventsB)
	require.Greater(t, res.Harts[0].Compared, uint64(150))

	// Privilege comes from the stub's priv register: S mode is seen.
	r, err := NewReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	sawS := false
	for _, rec := range collect(t, r) {
		require.False(t, rec.Has(FlagPrivUnknown))
		sawS = sawS || (rec.Kind == sim.KindRetire && rec.Priv == 1)
	}
	require.True(t, sawS)
}

// TestRecordGDBTimerInterrupt steps timer.S with QEMU taking interrupts
// while stepping: the interrupt appears where QEMU's own log has it.
func TestRecordGDBTimerInterrupt(t *testing.T) {
	elf := buildProgram(t, "timer")
	addr := startQEMUGDB(t, elf)
	path := filepath.Join(t.TempDir(), "gdb.pcapng")
	f, err := os.Create(path)
	require.NoError(t, err)
	w, err := NewWriter(f, Header{Harts: 1})
	require.NoError(t, err)
	stats, err := RecordGDB(addr, GDBOptions{QEMUInterrupts: true}, w.WriteRecord)
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	require.Equal(t, uint64(1), stats.Interrupts)
	res, err := Diff(FileInput{Path: qemuLog(t, elf)}, FileInput{Path: path}, DiffOptions{})
	require.NoError(t, err)
	var rep bytes.Buffer
	WriteDiffReport(&rep, res, "log", "gdb")
	require.True(t, res.Equal, "%s", rep.String())
}

func TestRSPDecode(t *testing.T) {
	require.Equal(t, "0000", rspDecode([]byte("0* "))) // '*' then ' ' (32-29=3 repeats)
	require.Equal(t, "a}b", rspDecode([]byte{'a', '}', '}' ^ 0x20, 'b'}))
	v, err := leHex("0010000000000000")
	require.NoError(t, err)
	require.Equal(t, uint64(0x1000), v)
	_, err = leHex("xx")
	require.Error(t, err)
}

func TestNextPCs(t *testing.T) {
	var x [32]uint64
	x[1] = 0x80000101
	// jal ra, +52 at 0x80000056 (from hello.S)
	require.Equal(t, []uint64{0x8000008a}, nextPCs(0x034000ef, 0x80000056, &x))
	// bnez t2,-10 (fe039be3) at 0x8000009e
	require.Equal(t, []uint64{0x800000a2, 0x80000094}, nextPCs(0xfe039be3, 0x8000009e, &x))
	// ret (c.jr ra) clears bit 0 of the target
	require.Equal(t, []uint64{0x80000100}, nextPCs(0x8082, 0x800000a8, &x))
	// c.bnez a1,-4 (fdf5) at 0x8000001c
	require.Equal(t, []uint64{0x8000001e, 0x80000018}, nextPCs(0xfdf5, 0x8000001c, &x))
	// c.j -2 (bffd) at 0x800000e8
	require.Equal(t, []uint64{0x800000e6}, nextPCs(0xbffd, 0x800000e8, &x))
	// c.j .+0x7fe and c.beqz a0,.-0x100 as riscv64-unknown-elf-as encodes them
	require.Equal(t, []uint64{0x802}, nextPCs(0xaffd, 4, &x))
	require.Equal(t, []uint64{8, 0xffffffffffffff06}, nextPCs(0xd101, 6, &x))
	// jalr x0, 8(ra)
	require.Equal(t, []uint64{0x80000108}, nextPCs(0x00808067, 0, &x))
}
