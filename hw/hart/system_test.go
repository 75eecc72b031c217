package hart

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// RAM mapped after the System exists must still invalidate decoded code:
// the SoC builder creates harts before it maps memory.
func TestCodeInvalidationWithRAMMappedLater(t *testing.T) {
	var bus mem.Bus
	var clock sim.Clock
	sys := NewSystem(&bus, &clock)
	ram, err := mem.NewRAM("dram", 0x8000_0000, 1<<20, false)
	require.NoError(t, err)
	t.Cleanup(func() { ram.Close() })
	require.NoError(t, bus.MapRAM(ram))
	h, err := sys.NewHart(Config{ISA: "rv64imac", ResetPC: 0x8000_0000, ClockHz: 1e9, TimebaseHz: 1e7})
	require.NoError(t, err)
	h.Reset()
	put := func(words ...uint32) {
		for i, w := range words {
			require.NoError(t, bus.Load(0x8000_0000+uint64(4*i), []byte{byte(w), byte(w >> 8), byte(w >> 16), byte(w >> 24)}))
		}
	}
	put(addi(10, 0, 1), jal(0, 0))
	h.Run(2)
	require.Equal(t, uint64(1), h.X(10))
	put(addi(10, 0, 2)) // a loader (or DMA) rewrites the decoded instruction
	h.SetPC(0x8000_0000)
	h.Run(2)
	require.Equal(t, uint64(2), h.X(10), "the decoded copy must have been dropped")
}
