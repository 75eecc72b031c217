package pcie

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func newMSIXEndpoint(t *testing.T) (*Config, *MSIX, *plicStub, func(addr uint64) uint32) {
	t.Helper()
	h, p, sys := newVirtHost(t)
	c := testEndpoint(t)
	m, err := AddMSIX(c, 0x40, 4, 0, 0x2000, 0, 0x3000)
	require.NoError(t, err)
	require.NoError(t, h.Attach(1, 0, c))
	c.Write(RegCommand, 2, CmdMemory|CmdBusMaster)
	read := func(addr uint64) uint32 {
		b := make([]byte, 4)
		require.True(t, sys.ReadBytes(addr, b))
		return uint32(readLE(b, 4))
	}
	return c, m, p, read
}

func setVector(t *testing.T, m *MSIX, v int, addr uint64, data uint32, masked bool) {
	t.Helper()
	base := uint64(v * 16)
	require.True(t, m.WriteTable(base, 8, addr))
	require.True(t, m.WriteTable(base+8, 4, uint64(data)))
	ctrl := uint64(0)
	if masked {
		ctrl = 1
	}
	require.True(t, m.WriteTable(base+12, 4, ctrl))
}

func TestMSIXTableResetsMasked(t *testing.T) {
	_, m, _, _ := newMSIXEndpoint(t)
	for v := 0; v < 4; v++ {
		ctrl, ok := m.ReadTable(uint64(v*16+12), 4)
		require.True(t, ok)
		require.Equal(t, uint64(1), ctrl)
	}
	_, ok := m.ReadTable(64, 4)
	require.False(t, ok, "past the table")
	require.True(t, m.WriteTable(16, 4, 0xFFFFFFFF))
	v, _ := m.ReadTable(16, 4)
	require.Equal(t, uint64(0xFFFFFFFC), v, "message addresses are dword aligned")
	require.True(t, m.WriteTable(28, 4, 0xFFFFFFFF))
	v, _ = m.ReadTable(28, 4)
	require.Equal(t, uint64(1), v, "only the mask bit of Vector Control")
}

func TestMSIXMessagesPendingAndUnmask(t *testing.T) {
	c, m, p, read := newMSIXEndpoint(t)
	setVector(t, m, 1, 0x8000_1000, 0xC05E0001, false)
	require.False(t, m.Notify(1), "MSI-X disabled: the device uses INTx")

	c.SetINTx(true)
	require.True(t, p.level[33])
	c.Write(0x42, 2, msixEnable)
	require.True(t, m.Enabled())
	require.False(t, p.level[33], "INTx is not used while MSI-X is enabled")

	require.True(t, m.Notify(1))
	require.Equal(t, uint32(0xC05E0001), read(0x8000_1000))

	require.True(t, m.WriteTable(16+8, 4, 0xC05E0002))
	require.True(t, m.WriteTable(16+12, 4, 1))
	m.Notify(1)
	require.Equal(t, uint32(0xC05E0001), read(0x8000_1000), "masked: no message")
	pba, ok := m.ReadPBA(0, 8)
	require.True(t, ok)
	require.Equal(t, uint64(2), pba)
	require.True(t, m.WriteTable(16+12, 4, 0))
	require.Equal(t, uint32(0xC05E0002), read(0x8000_1000), "delivered on unmask")
	pba, _ = m.ReadPBA(0, 8)
	require.Zero(t, pba)

	c.Write(0x42, 2, msixEnable|msixFunctionMask)
	require.True(t, m.WriteTable(16+8, 4, 0xC05E0003))
	m.Notify(1)
	require.True(t, m.Pending(1))
	c.Write(0x42, 2, msixEnable)
	require.Equal(t, uint32(0xC05E0003), read(0x8000_1000), "delivered when the function mask clears")

	c.Write(RegCommand, 2, CmdMemory)
	require.True(t, m.WriteTable(16+8, 4, 0xC05E0004))
	m.Notify(1)
	require.Equal(t, uint32(0xC05E0003), read(0x8000_1000), "no bus mastering, no message")
	require.False(t, m.Pending(1))

	c.Write(0x42, 2, 0)
	require.True(t, p.level[33], "INTx again once MSI-X is off")
}
