package dtbtest

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards"
	"cosim/boards/dtb"
)

const guide = "../../docs/adding-a-board.md"

// exampleTOML is the worked example as docs/adding-a-board.md prints it.
func exampleTOML(t *testing.T) []byte {
	doc, err := os.ReadFile(guide)
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)```toml\n(.*?)```").FindSubmatch(doc)
	require.NotNil(t, m, "the guide must hold its example in a ```toml block")
	return m[1]
}

// TestWorkedExample builds, validates and turns into a DTB the board the
// guide derives from qemu-virt, and checks it differs from qemu-virt in
// exactly the three ways the guide says.
func TestWorkedExample(t *testing.T) {
	b, err := boards.Parse("virt-2uart.toml", exampleTOML(t))
	require.NoError(t, err)
	virt, err := boards.Builtin("qemu-virt")
	require.NoError(t, err)

	require.Len(t, b.Harts, 4)
	require.Len(t, b.AllHarts, 4)
	d, _ := b.DRAM()
	require.Equal(t, uint64(512<<20), d.Size)
	u1, ok := b.Device("uart1")
	require.True(t, ok)
	require.Equal(t, []uint32{12}, u1.IRQs)
	require.Len(t, b.Devices, len(virt.Devices)) // uart1 in, nvme0 out

	blob, err := dtb.Marshal(b)
	require.NoError(t, err)
	tree, err := dtb.Parse(blob)
	require.NoError(t, err)
	n := tree.Lookup("/soc/serial@10000100")
	require.NotNil(t, n)
	irqs, _ := n.Cells("interrupts")
	require.Equal(t, []uint32{12}, irqs)
	s, _ := tree.Lookup("/aliases").String("serial1")
	require.Equal(t, "/soc/serial@10000100", s)
	mem, _ := tree.Lookup("/memory@80000000").Cells("reg")
	require.Equal(t, []uint32{0, 0x8000_0000, 0, 512 << 20}, mem)
	require.NotNil(t, tree.Lookup("/cpus/cpu@3"))
	require.Nil(t, tree.Lookup("/cpus/cpu@4"))

	dtc, err := exec.LookPath("dtc")
	require.NoError(t, err, "dtc not found: install Debian's device-tree-compiler")
	cmd := exec.Command(dtc, "-I", "dtb", "-O", "dts", "-o", "/dev/null", "-")
	cmd.Stdin = bytes.NewReader(blob)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Empty(t, string(out))

	// The error the guide shows is the one the loader gives.
	bad := strings.Replace(string(exampleTOML(t)), "irqs    = 12", "irqs    = 99", 1)
	_, err = boards.Parse("virt-2uart.toml", []byte(bad))
	require.Error(t, err)
	doc, _ := os.ReadFile(guide)
	require.True(t, strings.Contains(string(doc), err.Error()), "the guide should show %q", err.Error())
}

// TestGuideListsEveryKindsKeys keeps the guide's kind table in step with
// the schema.
func TestGuideListsEveryKindsKeys(t *testing.T) {
	doc, err := os.ReadFile(guide)
	require.NoError(t, err)
	for _, k := range boards.Kinds() {
		row := "| `" + string(k) + "` | `" + strings.Join(boards.KindKeys(k)[2:], "`, `") + "` |"
		require.True(t, strings.Contains(string(doc), row), "the guide needs the row %s", row)
	}
}
