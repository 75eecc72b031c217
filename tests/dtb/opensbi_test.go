package dtbtest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/boards"
	"cosim/boards/dtb"
)

const fwJump = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"

// bootOpenSBI runs Debian's OpenSBI 1.1 under QEMU with our DTB in place of
// QEMU's and returns the "key : value" lines of its banner.
func bootOpenSBI(t *testing.T, machine string, smp int, blob []byte) map[string]string {
	qemu, err := exec.LookPath("qemu-system-riscv64")
	require.NoError(t, err, "qemu-system-riscv64 not found: install Debian's qemu-system-misc")
	_, err = os.Stat(fwJump)
	require.NoError(t, err, "OpenSBI not found: install Debian's opensbi")
	f := filepath.Join(t.TempDir(), "board.dtb")
	require.NoError(t, os.WriteFile(f, blob, 0o644))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append(strings.Fields(machine), "-smp", strconv.Itoa(smp), "-m", "128M", "-bios", fwJump, "-dtb", f,
		"-display", "none", "-monitor", "none", "-serial", "stdio", "-nodefaults")
	cmd := exec.CommandContext(ctx, qemu, args...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	banner := map[string]string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok {
			banner[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		if strings.HasPrefix(sc.Text(), "Boot HART ISA") {
			return banner
		}
	}
	t.Fatalf("OpenSBI printed no banner (got %v)", banner)
	return nil
}

func boardDTB(t *testing.T, name string, smp int) []byte {
	b, err := boards.Builtin(name)
	require.NoError(t, err)
	b, err = b.WithHarts(smp)
	require.NoError(t, err)
	b, err = b.WithDRAM(128 << 20)
	require.NoError(t, err)
	blob, err := dtb.Marshal(b)
	require.NoError(t, err)
	return blob
}

// TestOpenSBIReadsOurDTBs checks that real firmware finds in our trees what
// it needs: the platform, the harts, the CLINT, the console and the reset
// devices, as BOARD-FACTS.md says OpenSBI 1.1 prints on QEMU and the
// Unmatched. The fu740 tree is handed to QEMU's sifive_u (same CLINT, UART
// and PLIC addresses), which is enough for OpenSBI to parse it.
func TestOpenSBIReadsOurDTBs(t *testing.T) {
	for _, tc := range []struct {
		board, machine string
		smp            int
		want           map[string]string
	}{
		{"qemu-virt", "-M virt -cpu rv64,h=false", 2, map[string]string{
			"Platform Name": "riscv-virtio,qemu", "Platform HART Count": "2",
			"Platform IPI Device": "aclint-mswi", "Platform Timer Device": "aclint-mtimer @ 10000000Hz",
			"Platform Console Device": "uart8250", "Platform Reboot Device": "sifive_test",
			"Domain0 Next Address": "0x0000000080200000"}},
		{"sifive-unleashed", "-M sifive_u", 5, map[string]string{
			"Platform Name": "SiFive HiFive Unleashed A00", "Platform HART Count": "5",
			"Platform Timer Device": "aclint-mtimer @ 1000000Hz", "Platform Console Device": "sifive_uart",
			"Platform Reboot Device": "gpio-restart"}},
		{"fu740", "-M sifive_u", 5, map[string]string{
			"Platform Name": "SiFive HiFive Unmatched A00", "Platform HART Count": "5",
			"Platform Timer Device": "aclint-mtimer @ 1000000Hz", "Platform Console Device": "sifive_uart",
			"Platform Reboot Device": "da9063-reset", "Platform Shutdown Device": "gpio-poweroff"}},
	} {
		t.Run(tc.board, func(t *testing.T) {
			got := bootOpenSBI(t, tc.machine, tc.smp, boardDTB(t, tc.board, tc.smp))
			for k, v := range tc.want {
				require.Equal(t, v, got[k], k)
			}
		})
	}
}
