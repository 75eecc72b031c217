package dtb

import (
	"bytes"
	"math/rand"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards"
)

// configs are the built-in boards and a few overridden configurations.
func configs(t *testing.T) map[string]*boards.Board {
	out := map[string]*boards.Board{}
	for _, n := range boards.Names() {
		b, err := boards.Builtin(n)
		require.NoError(t, err)
		out[n] = b
	}
	v, err := out["qemu-virt"].WithHarts(8)
	require.NoError(t, err)
	v, err = v.WithDRAM(16 << 30)
	require.NoError(t, err)
	out["qemu-virt-smp8-16G"] = v
	u, err := out["sifive-unleashed"].WithHarts(2)
	require.NoError(t, err)
	out["sifive-unleashed-smp2"] = u
	return out
}

func TestRoundTripAndDeterminism(t *testing.T) {
	for name, b := range configs(t) {
		blob, err := Marshal(b)
		require.NoError(t, err, name)
		again, err := Marshal(b)
		require.NoError(t, err)
		require.Equal(t, blob, again, "%s: the same board must give the same bytes", name)

		tree, err := Parse(blob)
		require.NoError(t, err, name)
		re, err := tree.Marshal()
		require.NoError(t, err)
		require.True(t, bytes.Equal(blob, re), "%s: parse + marshal must reproduce the blob", name)
	}
}

// TestDTCReadsWithoutWarnings runs the reference compiler on every DTB.
func TestDTCReadsWithoutWarnings(t *testing.T) {
	dtc, err := exec.LookPath("dtc")
	require.NoError(t, err, "dtc not found: install Debian's device-tree-compiler")
	for name, b := range configs(t) {
		blob, err := Marshal(b)
		require.NoError(t, err)
		cmd := exec.Command(dtc, "-I", "dtb", "-O", "dts", "-o", "/dev/null", "-")
		cmd.Stdin = bytes.NewReader(blob)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Run(), "%s: %s", name, stderr.String())
		require.Empty(t, stderr.String(), "%s: dtc warnings", name)
	}
}

func TestVirtTreeShape(t *testing.T) {
	b, err := boards.Builtin("qemu-virt")
	require.NoError(t, err)
	b, err = b.WithHarts(2)
	require.NoError(t, err)
	tree, err := FromBoard(b)
	require.NoError(t, err)

	s, ok := tree.Lookup("/chosen").String("stdout-path")
	require.True(t, ok)
	require.Equal(t, "/soc/serial@10000000", s)
	plic := tree.Lookup("/soc/plic@c000000")
	require.NotNil(t, plic)
	ndev, _ := plic.Cells("riscv,ndev")
	require.Equal(t, []uint32{96}, ndev)
	ext, _ := plic.Cells("interrupts-extended")
	ph := tree.Phandles()
	require.Len(t, ext, 8)
	for i, want := range []struct {
		path string
		irq  uint32
	}{{"/cpus/cpu@0/interrupt-controller", 11}, {"/cpus/cpu@0/interrupt-controller", 9},
		{"/cpus/cpu@1/interrupt-controller", 11}, {"/cpus/cpu@1/interrupt-controller", 9}} {
		require.Equal(t, want.path, ph[ext[2*i]].Path())
		require.Equal(t, want.irq, ext[2*i+1])
	}
	for i := 1; i <= 8; i++ {
		require.NotNil(t, tree.Lookup("/soc/virtio_mmio@1000"+string(rune('0'+i))+"000"))
	}
	require.Nil(t, tree.Lookup("/soc/virtio_mmio@10009000"))
	require.NotNil(t, tree.Lookup("/poweroff"))
	require.Equal(t, uint32(0), tree.BootCPU)
}

func TestFU740BootCPUIsAU74(t *testing.T) {
	b, err := boards.Builtin("fu740")
	require.NoError(t, err)
	tree, err := FromBoard(b)
	require.NoError(t, err)
	require.Equal(t, uint32(1), tree.BootCPU)
}

func TestMarshalRejectsBadNames(t *testing.T) {
	tr := NewTree()
	tr.Root.Add("bad name")
	_, err := tr.Marshal()
	require.Error(t, err)
	tr = NewTree()
	tr.Root.SetCells("x", 1)
	tr.Root.Props = append(tr.Root.Props, Prop{Name: "x"})
	_, err = tr.Marshal()
	require.ErrorContains(t, err, "set twice")
}

// TestParseNeverPanics feeds truncated and corrupted blobs to the reader.
func TestParseNeverPanics(t *testing.T) {
	b, err := boards.Builtin("fu740")
	require.NoError(t, err)
	blob, err := Marshal(b)
	require.NoError(t, err)
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < len(blob); n += 7 {
		_, _ = Parse(blob[:n])
	}
	for i := 0; i < 3000; i++ {
		c := append([]byte(nil), blob...)
		for j := 0; j < 1+rng.Intn(4); j++ {
			c[rng.Intn(len(c))] = byte(rng.Intn(256))
		}
		_, _ = Parse(c)
	}
	_, err = Parse(blob[:30])
	require.Error(t, err)
	_, err = Parse(append([]byte{0, 0, 0, 0}, blob[4:]...))
	require.ErrorContains(t, err, "magic")
}

func FuzzParse(f *testing.F) {
	b, err := boards.Builtin("qemu-virt")
	if err != nil {
		f.Fatal(err)
	}
	blob, err := Marshal(b)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Parse(data)
		if err == nil {
			_, _ = tr.Marshal()
		}
	})
}

func TestSpikeTree(t *testing.T) {
	b, err := boards.Builtin("spike")
	require.NoError(t, err)
	tree, err := FromBoard(b)
	require.NoError(t, err)
	c, _ := tree.Lookup("/htif").Strings("compatible")
	require.Equal(t, []string{"ucb,htif0"}, c)
	_, hasReg := tree.Lookup("/htif").Prop("reg")
	require.False(t, hasReg, "tohost/fromhost come from the ELF")
	clint := tree.Lookup("/soc/clint@2000000")
	require.NotNil(t, clint)
	reg, _ := clint.Cells("reg")
	require.Equal(t, []uint32{0, 0x200_0000, 0, 0xc_0000}, reg)
	mem, _ := tree.Lookup("/memory@80000000").Cells("reg")
	require.Equal(t, []uint32{0, 0x8000_0000, 0, 0x8000_0000}, mem)
	_, hasStdout := tree.Lookup("/chosen").Prop("stdout-path")
	require.False(t, hasStdout, "spike's console is HTIF")
	require.Len(t, tree.Lookup("/cpus").Children, 2, "one hart and cpu-map by default")
}
