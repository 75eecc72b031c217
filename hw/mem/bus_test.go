package mem

import (
	"testing"

	"github.com/stretchr/testify/require"
)

type regs struct{ last uint64 }

func (r *regs) Read(off uint64, size int) (uint64, bool)  { return off + 0x100, true }
func (r *regs) Write(off uint64, size int, v uint64) bool { r.last = v; return off < 8 }

func TestBusDecodeAndOverlap(t *testing.T) {
	var b Bus
	ram, err := NewRAM("dram", 0x8000_0000, 16<<30, false)
	require.NoError(t, err)
	defer ram.Close()
	rom, err := NewRAM("rom", 0x1000, 0x1000, true)
	require.NoError(t, err)
	defer rom.Close()
	require.NoError(t, b.MapRAM(ram))
	require.NoError(t, b.MapRAM(rom))
	d := &regs{}
	require.NoError(t, b.MapDevice("uart", 0x1000_0000, 0x100, d))
	require.ErrorContains(t, b.MapDevice("clash", 0x1000_00f0, 0x100, d), "overlaps uart")
	require.ErrorContains(t, b.MapDevice("clash", 0x0fff_fff0, 0x20, d), "overlaps uart")

	require.True(t, b.Write(0x8000_0008, 8, 0x1122334455667788))
	v, ok := b.Read(0x8000_000c, 4)
	require.True(t, ok)
	require.Equal(t, uint64(0x11223344), v)
	// The last byte of a 16 GiB region is addressable; one past it is not.
	require.True(t, b.Write(0x8000_0000+16<<30-1, 1, 0xaa))
	_, ok = b.Read(0x8000_0000+16<<30, 1)
	require.False(t, ok)

	require.False(t, b.Write(0x1000, 4, 1), "stores to ROM fail")
	require.NoError(t, b.Load(0x1000, []byte{1, 2, 3, 4}), "loaders may fill ROM")
	v, _ = b.Read(0x1000, 4)
	require.Equal(t, uint64(0x04030201), v)

	v, ok = b.Read(0x1000_0010, 1)
	require.True(t, ok)
	require.Equal(t, uint64(0x110), v)
	require.False(t, b.Write(0x1000_00fe, 4, 1), "access past a window's end")
	_, ok = b.Read(0x5000, 1)
	require.False(t, ok, "unmapped")
}

func TestWatchedWritesAreReported(t *testing.T) {
	var b Bus
	ram, err := NewRAM("dram", 0x8000_0000, 1<<20, false)
	require.NoError(t, err)
	defer ram.Close()
	require.NoError(t, b.MapRAM(ram))
	var seen []uint64
	ram.OnWatchedWrite = func(pa uint64, n int) { seen = append(seen, pa) }
	ram.Watch[1] = WatchCode
	require.True(t, b.WriteBytes(0x8000_0ffe, []byte{1, 2, 3})) // spans pages 0 and 1
	require.True(t, b.Write(0x8000_2000, 8, 1))                 // page 2: not watched
	require.Equal(t, []uint64{0x8000_0ffe}, seen)
	require.False(t, b.WriteBytes(0x8000_0000+1<<20-1, []byte{1, 2}), "DMA past the end fails whole")
}
