package isa

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/tests/isa/harness"
)

const fwJump = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"

// TestOpenSBIBoot boots Debian's OpenSBI 1.1 fw_jump on the hart (with the
// harness's fixture devices and QEMU's own device tree for a one-hart virt
// machine) into an S-mode payload that prints through the legacy console
// call and shuts down through SRST; the console must match QEMU's. It
// exercises what OpenSBI probes: PMP count, grain and address bits, HPM
// counters, misa, mcountinhibit, menvcfg, Sstc, medeleg/mideleg.
func TestOpenSBIBoot(t *testing.T) {
	if err := harness.Need(harness.GCC, harness.QEMU); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fwJump); err != nil {
		t.Fatalf("OpenSBI not installed (Debian package opensbi): %v", err)
	}
	dir := t.TempDir()
	payloadELF := filepath.Join(dir, "payload.elf")
	payload := filepath.Join(dir, "payload.bin")
	dtb := filepath.Join(dir, "virt.dtb")
	run := func(name string, args ...string) {
		b, err := exec.Command(name, args...).CombinedOutput()
		require.NoError(t, err, "%s %v: %s", name, args, b)
	}
	run(harness.GCC, "-nostdlib", "-nostartfiles", "-march=rv64gc", "-mabi=lp64d",
		"-Wl,-Ttext=0x80200000", "-o", payloadELF, "sbi/payload.S")
	run("riscv64-unknown-elf-objcopy", "-O", "binary", payloadELF, payload)
	qemuArgs := []string{"-M", "virt", "-cpu", "rv64,h=false", "-m", "64M", "-smp", "1", "-nographic",
		"-monitor", "none", "-bios", fwJump, "-kernel", payload}
	// QEMU's device tree for exactly this machine (dumpdtb exits at once).
	_ = exec.Command(harness.QEMU, append(qemuArgs[:len(qemuArgs)-4:len(qemuArgs)-4],
		"-M", "virt,dumpdtb="+dtb, "-bios", "none")...).Run()
	_, err := os.Stat(dtb)
	require.NoError(t, err, "QEMU did not dump its device tree")

	cmd := exec.Command(harness.QEMU, qemuArgs...)
	out, err := runWithTimeout(cmd, 20*time.Second)
	require.NoError(t, err, "qemu: %s", out)
	want := string(out)
	require.Contains(t, want, "payload: hello from S-mode")

	m, err := harness.NewMachine(harness.VirtConfig(), 64<<20)
	require.NoError(t, err)
	defer m.Close()
	require.NoError(t, m.LoadFWJump(fwJump, payload, dtb))
	res, err := m.Run(100_000_000)
	require.NoError(t, err, "console so far:\n%s", res.Output)
	require.True(t, res.Passed, "SRST shutdown reaches the finisher with 0x5555")
	require.Equal(t, want, res.Output)
}

func runWithTimeout(cmd *exec.Cmd, d time.Duration) ([]byte, error) {
	var b strings.Builder
	cmd.Stdout, cmd.Stderr = &b, &b
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t := time.AfterFunc(d, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	t.Stop()
	return []byte(b.String()), err
}
