package nvmetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/tests/cosimbin"
)

// QEMU is the reference machine: QEMU 7.2's virt board with its nvme device.
func QEMU(elf, img string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-riscv64", "-M", "virt", "-bios", "none", "-nographic",
		"-monitor", "none", "-serial", "stdio", "-kernel", elf,
		"-drive", "file="+img+",if=none,id=d0,format=raw", "-device", "nvme,serial="+Serial+",drive=d0")
	out, err := cmd.Output()
	return string(out), err
}

var (
	cosimOnce sync.Once
	cosimDir  string
	cosimBin  string
	cosimErr  error
)

// cosim builds the cosim command once per test binary.
func cosim(t *testing.T) string {
	t.Helper()
	cosimOnce.Do(func() {
		if cosimDir, cosimErr = os.MkdirTemp("", "nvmetest-cosim"); cosimErr == nil {
			cosimBin, cosimErr = cosimbin.Build(context.Background(), cosimDir)
		}
	})
	require.NoError(t, cosimErr)
	return cosimBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if cosimDir != "" {
		os.RemoveAll(cosimDir)
	}
	os.Exit(code)
}

func TestOnQEMUVirt(t *testing.T) {
	if _, err := exec.LookPath("qemu-system-riscv64"); err != nil {
		t.Fatalf("qemu-system-riscv64 not found (Debian: qemu-system-misc): %v", err)
	}
	Run(t, QEMU)
}

// The same program and the same expectations as on QEMU.
func TestOnCosimQEMUVirt(t *testing.T) {
	Run(t, Cosim(cosim(t), "qemu-virt"))
}

// The DesignWare build on the FU740 model: the program brings the link up,
// reaches the controller through the iATU and powers the board off through
// the DA9063 PMIC on I2C0.
func TestOnCosimFU740(t *testing.T) {
	RunProgram(t, Cosim(cosim(t), "fu740"), "fu740.expected", "PCIE_DW")
}

func TestFU740ExpectationFollowsQEMU(t *testing.T) {
	ref, err := os.ReadFile(filepath.Join(SourceDir(), "testdata", "virt.expected"))
	require.NoError(t, err)
	board, err := os.ReadFile(filepath.Join(SourceDir(), "testdata", "fu740.expected"))
	require.NoError(t, err)
	require.NoError(t, CheckFollowsReference(string(ref), string(board)))
}

func TestCheckFollowsReference(t *testing.T) {
	ref := "NVMETEST start\nPCI 00:01.0 x\n~CAP css=c1\t# why\nCPL a sc=00\nINTX src=33\nRESULT pass\n"
	require.NoError(t, CheckFollowsReference(ref, "NVMETEST start\n!PCI 01:00.0 y\t# bus 1\n~CAP css=c1\t# why\nCPL a sc=00\n!INTX src=57\nRESULT pass\n"))
	require.ErrorContains(t, CheckFollowsReference(ref, "NVMETEST start\n~CAP css=c1\t# why\nCPL a sc=01\nRESULT pass\n"), "CPL a sc=01")
	require.ErrorContains(t, CheckFollowsReference(ref, "NVMETEST start\n~CAP css=c1\t# why\n!CPL a sc=01\nRESULT pass\n"), "not a host line")
	require.ErrorContains(t, CheckFollowsReference(ref, "NVMETEST start\n~CAP css=c1\t# why\nRESULT pass\n"), "CPL a")
}

func TestBuildsForDesignWareHost(t *testing.T) {
	_, err := Build(t.TempDir(), "PCIE_DW")
	require.NoError(t, err)
}

func TestCompareOutputTolerance(t *testing.T) {
	exp := "# comment\nNVMETEST start\nA x=1\n~B y=2\t# may differ\n!C z=3\t# host\nRESULT pass\n"
	require.NoError(t, CompareOutput(exp, "banner\nNVMETEST start\r\nA x=1\r\nB y=3\r\nC z=3\r\nRESULT pass\r\n"))
	require.Error(t, CompareOutput(exp, "NVMETEST start\nA x=2\nB y=2\nC z=3\nRESULT pass\n"))
	require.Error(t, CompareOutput(exp, "NVMETEST start\nA x=1\nB y=2\nC z=4\nRESULT pass\n"))
	require.Error(t, CompareOutput(exp, "NVMETEST start\nA x=1\nC y=2\nRESULT pass\n"))
	require.Error(t, CompareOutput(exp, "NVMETEST start\nA x=1\n"))
}

func TestCheckImageNamesTheBlock(t *testing.T) {
	img := ExpectedImage()
	require.NoError(t, CheckImage(img))
	img[200*512+3] = 1
	require.ErrorContains(t, CheckImage(img), "block 200")
}

// durableFill is the byte the durability test's image starts with, so that
// an untouched block is told from a zeroed one.
const durableFill = 0xee

// The durability build writes LBA 8..31, flushes, prints "DURABLE flushed"
// and then keeps writing LBA 300..307 without flushing. The simulator is
// killed with SIGKILL as soon as the line appears: the flushed blocks must
// be in the image, and with snapshot nothing may be.
func TestDurabilityAfterKill(t *testing.T) {
	bin := cosim(t)
	dir := t.TempDir()
	elf, err := Build(dir, "DURABILITY")
	require.NoError(t, err)
	for _, tc := range []struct {
		name, drive string
		snapshot    bool
	}{{"image", "", false}, {"snapshot", ",snapshot", true}} {
		t.Run(tc.name, func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "durable.img")
			orig := make([]byte, ImageSize)
			for i := range orig {
				orig[i] = durableFill
			}
			require.NoError(t, os.WriteFile(img, orig, 0o644))
			out, err := killAfterLine(bin, CosimArgs("qemu-virt", elf, img, tc.drive), "DURABLE flushed")
			require.NoError(t, err, "output:\n%s", out)
			data, err := os.ReadFile(img)
			require.NoError(t, err)
			if tc.snapshot {
				require.Equal(t, orig, data, "a snapshot drive wrote the image")
				return
			}
			require.NoError(t, checkDurable(data))
		})
	}
}

// killAfterLine starts cosim with args, waits for a console line starting
// with marker and kills the process with SIGKILL; it fails if cosim ends on
// its own first.
func killAfterLine(bin string, args []string, marker string) (string, error) {
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	watchdog := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer watchdog.Stop()
	var out strings.Builder
	seen := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		out.WriteString(line + "\n")
		if strings.HasPrefix(line, marker) {
			seen = true
			cmd.Process.Kill()
			break
		}
	}
	err = cmd.Wait()
	if !seen {
		return out.String(), fmt.Errorf("cosim ended (%v) before printing %q; stderr: %s", err, marker, stderr.String())
	}
	if cmd.ProcessState.Exited() {
		return out.String(), fmt.Errorf("cosim exited (%v) instead of being killed", err)
	}
	return out.String(), nil
}

// checkDurable checks the flushed blocks (LBA 8..31, the pattern) and that
// nothing but them and the unflushed area (LBA 300..307) changed.
func checkDurable(data []byte) error {
	if len(data) != ImageSize {
		return fmt.Errorf("image is %d bytes", len(data))
	}
	for lba := uint64(0); lba < ImageSize/512; lba++ {
		if lba >= 300 && lba < 308 {
			continue
		}
		for i := uint32(0); i < 512; i++ {
			want := byte(durableFill)
			if lba >= 8 && lba < 32 {
				want = Pattern(lba, i)
			}
			if got := data[lba*512+uint64(i)]; got != want {
				return fmt.Errorf("image block %d byte %d: got %#x, want %#x", lba, i, got, want)
			}
		}
	}
	return nil
}
