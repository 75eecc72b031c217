package nvmetest

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// QEMU is the reference machine: QEMU 7.2's virt board with its nvme device.
func QEMU(elf, img string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-riscv64", "-M", "virt", "-bios", "none", "-nographic",
		"-monitor", "none", "-serial", "stdio", "-kernel", elf,
		"-drive", "file="+img+",if=none,id=d0,format=raw", "-device", "nvme,serial=cosim0001,drive=d0")
	out, err := cmd.Output()
	return string(out), err
}

func TestOnQEMUVirt(t *testing.T) {
	if _, err := exec.LookPath("qemu-system-riscv64"); err != nil {
		t.Fatalf("qemu-system-riscv64 not found (Debian: qemu-system-misc): %v", err)
	}
	Run(t, QEMU)
}

func TestBuildsForDesignWareHost(t *testing.T) {
	_, err := Build(t.TempDir(), "PCIE_DW")
	require.NoError(t, err)
}

func TestCompareOutputTolerance(t *testing.T) {
	exp := "# comment\nNVMETEST start\nA x=1\n~B y=2\t# may differ\nRESULT pass\n"
	require.NoError(t, CompareOutput(exp, "banner\nNVMETEST start\r\nA x=1\r\nB y=3\r\nRESULT pass\r\n"))
	require.Error(t, CompareOutput(exp, "NVMETEST start\nA x=2\nB y=2\nRESULT pass\n"))
	require.Error(t, CompareOutput(exp, "NVMETEST start\nA x=1\nC y=2\nRESULT pass\n"))
	require.Error(t, CompareOutput(exp, "NVMETEST start\nA x=1\n"))
}

func TestCheckImageNamesTheBlock(t *testing.T) {
	img := ExpectedImage()
	require.NoError(t, CheckImage(img))
	img[200*512+3] = 1
	require.ErrorContains(t, CheckImage(img), "block 200")
}
