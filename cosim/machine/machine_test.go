package machine

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards"
	"cosim/boards/dtb"
	"cosim/cosim/firmware"
)

// TestDTBFlagPacksAndPlacesAsQEMU: a 1 MiB blob as QEMU's dumpdtb writes
// it is packed, and placed where QEMU 7.2 puts a -dtb file of that size
// (below 128 MiB of DRAM, 2 MiB-aligned, room for twice the file plus
// 10000 bytes): 0x87c00000, not the 0x87e00000 of the generated tree.
func TestDTBFlagPacksAndPlacesAsQEMU(t *testing.T) {
	b, err := boards.Builtin("qemu-virt")
	require.NoError(t, err)
	b, err = b.WithHarts(1)
	require.NoError(t, err)
	blob, err := dtb.Marshal(b)
	require.NoError(t, err)
	loose := make([]byte, 1<<20)
	copy(loose, blob)
	binary.BigEndian.PutUint32(loose[4:], 1<<20)

	kernel, err := firmware.Parse("payload", []byte{0x6f, 0, 0, 0}, b.Boot.Payload) // j .
	require.NoError(t, err)
	m, err := Boot(Config{Board: b, Firmware: "builtin", Kernel: kernel, DTB: loose})
	require.NoError(t, err)
	defer m.Close()
	require.Equal(t, uint64(0x87c0_0000), m.FDT)
	require.Equal(t, blob, m.DTB)
	inMem := make([]byte, len(blob))
	require.True(t, m.SoC.Bus.ReadBytes(m.FDT, inMem))
	require.Equal(t, blob, inMem)

	plain, err := Boot(Config{Board: b, Firmware: "builtin", Kernel: kernel})
	require.NoError(t, err)
	defer plain.Close()
	require.Equal(t, uint64(0x87e0_0000), plain.FDT)
}
