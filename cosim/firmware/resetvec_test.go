package firmware

import (
	"encoding/binary"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// qemuROMWords reads the first n words at 0x1000 from a QEMU halted at reset.
func qemuROMWords(t *testing.T, machine []string, n int) []uint32 {
	t.Helper()
	qemu, err := exec.LookPath("qemu-system-riscv64")
	require.NoError(t, err, "qemu-system-riscv64 is needed (scripts/test.sh installs qemu-system-misc)")
	args := append([]string{"-M"}, machine...)
	args = append(args, "-bios", "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin",
		"-kernel", "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin", "-S", "-display", "none", "-serial", "null", "-monitor", "stdio")
	cmd := exec.Command(qemu, args...)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("xp /%dwx 0x1000\nquit\n", n))
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
	}()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	var words []uint32
	for _, m := range regexp.MustCompile(`0x([0-9a-f]{8})\b`).FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.ParseUint(m[1], 16, 32)
		words = append(words, uint32(v))
	}
	require.GreaterOrEqual(t, len(words), n, string(out))
	return words[len(words)-n:]
}

func TestResetROMMatchesQEMU(t *testing.T) {
	for _, c := range []struct {
		rom     string
		machine []string
	}{
		{"qemu-virt", []string{"virt", "-cpu", "rv64,h=false"}},
		{"qemu-sifive-u", []string{"sifive_u", "-smp", "5"}},
	} {
		t.Run(c.rom, func(t *testing.T) {
			r, err := LookupResetROM(c.rom)
			require.NoError(t, err)
			// QEMU's defaults: firmware at DRAM base, FDT 2 MiB below the end of 128 MiB, kernel 2 MiB in.
			b := r.Build(0x8000_0000, 0x87e0_0000, 0x8020_0000, NextModeS)
			var ours []uint32
			for i := 0; i+4 <= len(b); i += 4 {
				ours = append(ours, binary.LittleEndian.Uint32(b[i:]))
			}
			require.Equal(t, qemuROMWords(t, c.machine, len(ours)), ours)
		})
	}
	_, err := LookupResetROM("nope")
	require.ErrorContains(t, err, "unknown reset ROM")
}
