package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards"
)

func virt(t testing.TB) *boards.Board {
	b, err := boards.Open("qemu-virt")
	require.NoError(t, err)
	return b
}

// The workload computes the checksum recorded on QEMU, on a 1- and a
// 2-hart board alike (the second hart parks).
func TestWorkloadChecksum(t *testing.T) {
	for _, smp := range []int{1, 2} {
		b, err := virt(t).WithHarts(smp)
		require.NoError(t, err)
		r, err := RunModel(b, Options{})
		require.NoError(t, err)
		require.Equal(t, ChecksumAt200+"\n", r.Output)
		require.Greater(t, r.Instructions, uint64(28_000_000))
	}
}

// The run length follows the patched iteration count.
func TestItersPatched(t *testing.T) {
	short, err := RunModel(virt(t), Options{Iters: 10})
	require.NoError(t, err)
	long, err := RunModel(virt(t), Options{Iters: 20})
	require.NoError(t, err)
	perIter := (long.Instructions - short.Instructions) / 10
	require.InDelta(t, float64(short.Instructions), float64(10*perIter), float64(perIter), "10 iterations cost about 10× one")
	require.NotEqual(t, short.Output, long.Output)
}

// A board without virt's UART and finisher gets an error, not a hang.
func TestForeignBoardFails(t *testing.T) {
	b, err := boards.Open("fu740")
	require.NoError(t, err)
	_, err = RunModel(b, Options{Iters: 1})
	require.ErrorContains(t, err, "did not finish")
}

// The embedded ELF is what guest/ builds today.
func TestWorkloadUpToDate(t *testing.T) {
	if _, err := exec.LookPath("riscv64-unknown-elf-gcc"); err != nil {
		t.Fatalf("riscv64-unknown-elf-gcc not found (Debian package gcc-riscv64-unknown-elf): %v", err)
	}
	dir := t.TempDir()
	out, err := exec.Command("make", "-s", "-C", "guest", "O="+dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	fresh, err := os.ReadFile(filepath.Join(dir, "compute.elf"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(fresh, computeELF), "cosim/bench/compute.elf is stale: run `make -C cosim/bench/guest` and commit it")
}

// BenchmarkCompute reports the model's MIPS on the workload (one hart of
// qemu-virt, no firmware); `cosim bench --qemu` puts QEMU's figure beside it.
func BenchmarkCompute(b *testing.B) {
	board := virt(b)
	var insns uint64
	var host float64
	for b.Loop() {
		r, err := RunModel(board, Options{})
		require.NoError(b, err)
		insns += r.Instructions
		host += r.Host.Seconds()
	}
	b.ReportMetric(float64(insns)/host/1e6, "MIPS")
}
