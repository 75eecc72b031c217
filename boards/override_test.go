package boards

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQEMUVirtOverrides(t *testing.T) {
	b, err := Builtin("qemu-virt")
	require.NoError(t, err)
	require.Len(t, b.Harts, 1, "QEMU's -smp default")
	require.Len(t, b.AllHarts, 8)
	dram, _ := b.DRAM()
	require.Equal(t, uint64(128<<20), dram.Size)

	b4, err := b.WithHarts(4)
	require.NoError(t, err)
	require.Len(t, b4.Harts, 4)
	_, plic, _ := b4.PLIC()
	require.Len(t, plic.Contexts, 8)
	require.Equal(t, PLICContext{Hart: 3, Mode: 'S'}, plic.Contexts[7])
	require.Len(t, plic.AllContexts, 16)
	require.Equal(t, []int{1, 3, 5, 7, 9, 11, 13, 15}, b4.SModeContexts(b4.AllHarts))

	// The original is unchanged.
	require.Len(t, b.Harts, 1)

	_, err = b.WithHarts(9)
	require.ErrorContains(t, err, "--smp 9")
	_, err = b.WithHarts(0)
	require.Error(t, err)

	// -m 16G moves the 64-bit PCIe window as QEMU does.
	big, err := b4.WithDRAM(16 << 30)
	require.NoError(t, err)
	require.Len(t, big.Harts, 4, "overrides compose")
	dram, _ = big.DRAM()
	require.Equal(t, uint64(16<<30), dram.Size)
	pcie, _ := big.Device("pcie")
	ecam := pcie.Params.(*PCIeECAM)
	require.Equal(t, uint64(0x8_0000_0000), ecam.Windows[2].CPU)
	pcie, _ = b.Device("pcie")
	require.Equal(t, uint64(0x4_0000_0000), pcie.Params.(*PCIeECAM).Windows[2].CPU)

	_, err = b.WithDRAM(100)
	require.Error(t, err)
}

func TestFU740Facts(t *testing.T) {
	b, err := Builtin("fu740")
	require.NoError(t, err)
	require.Len(t, b.Harts, 5)
	require.False(t, b.Harts[0].SMode)
	require.False(t, b.Harts[0].Boot)
	require.Empty(t, b.Harts[0].MMU)
	for _, h := range b.Harts[1:] {
		require.Equal(t, []string{"sv39"}, h.MMU)
		require.Equal(t, ADFault, h.AD)
		require.True(t, h.HasErratum("cip-1200"))
		require.Equal(t, uint64(0x8000000000000007), h.MArchID)
		require.Equal(t, uint64(128), h.ICache.Sets())
		require.Equal(t, uint64(64), h.DCache.Sets())
	}
	require.False(t, b.ICacheCoherent)
	require.Equal(t, uint64(1_000_000), b.TimebaseHz)
	require.Equal(t, uint64(2048), b.L2.Sets())
	_, plic, ok := b.PLIC()
	require.True(t, ok)
	require.Len(t, plic.Contexts, 9)
	require.Equal(t, []int{-1, 2, 4, 6, 8}, b.SModeContexts(b.AllHarts))
	dram, _ := b.DRAM()
	require.Equal(t, uint64(16<<30), dram.Size)
	require.Equal(t, uint64(0xbfe0_0000), b.FDTAddress(0x4000))

	// Without hart 1 no hart may boot an S-mode payload.
	_, err = b.WithHarts(1)
	require.ErrorContains(t, err, "may boot")
}

func TestFDTAddressFollowsQEMU(t *testing.T) {
	b, err := Builtin("qemu-virt")
	require.NoError(t, err)
	require.Equal(t, uint64(0x87e0_0000), b.FDTAddress(0x2000))
	b, err = b.WithDRAM(4 << 30)
	require.NoError(t, err)
	require.Equal(t, uint64(0xbfe0_0000), b.FDTAddress(0x2000))
}

func TestOpenPathAndName(t *testing.T) {
	b, err := Open("testdata/minimal.toml")
	require.NoError(t, err)
	require.Equal(t, "mini", b.Name)
	require.Equal(t, "testdata/minimal.toml", b.Source)
	b, err = Open("spike")
	require.NoError(t, err)
	require.Equal(t, "boards/spike.toml", b.Source)
	_, err = Open("no-such-board")
	require.ErrorContains(t, err, "qemu-virt")
	_, err = Open("testdata/missing.toml")
	require.Error(t, err)
}

func TestKindKeysMatchSchema(t *testing.T) {
	// Every key a kind allows must exist in the device schema, or it could
	// never be decoded.
	known := map[string]bool{}
	for _, k := range tomlKeys(deviceTOML{}) {
		known[k] = true
	}
	for _, k := range Kinds() {
		for _, key := range KindKeys(k) {
			require.True(t, known[key], "kind %s allows %q, which deviceTOML lacks", k, key)
		}
	}
}
