package dtb

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards"
)

// TestPackDropsFreeSpace spreads a blob's blocks apart with free space
// (as QEMU's dumpdtb writes them, 1 MiB in all) and packs it back.
func TestPackDropsFreeSpace(t *testing.T) {
	b, err := boards.Builtin("qemu-virt")
	require.NoError(t, err)
	blob, err := Marshal(b)
	require.NoError(t, err)
	h := func(p []byte, i int) uint32 { return binary.BigEndian.Uint32(p[4*i:]) }
	structOff, stringsOff := h(blob, 2), h(blob, 3)
	loose := make([]byte, 1<<20)
	copy(loose, blob[:structOff])
	copy(loose[structOff+64:], blob[structOff:stringsOff])
	copy(loose[stringsOff+128:], blob[stringsOff:])
	binary.BigEndian.PutUint32(loose[4:], 1<<20)
	binary.BigEndian.PutUint32(loose[8:], structOff+64)
	binary.BigEndian.PutUint32(loose[12:], stringsOff+128)

	packed, err := Pack(loose)
	require.NoError(t, err)
	require.Equal(t, blob, packed, "same layout as a blob written packed")
	again, err := Pack(packed)
	require.NoError(t, err)
	require.Equal(t, packed, again)

	_, err = Pack(loose[:100])
	require.Error(t, err)
}
