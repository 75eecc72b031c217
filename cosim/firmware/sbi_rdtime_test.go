package firmware

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/hart"
	"cosim/hw/mem"
	"cosim/hw/sim"
)

// fixedMtime is a CLINT stand-in whose mtime reads a constant.
type fixedMtime struct{}

func (fixedMtime) Read(off uint64, size int) (uint64, bool) {
	if off == 0xbff8 {
		return 0x1234, true
	}
	return 0, true
}
func (fixedMtime) Write(off uint64, size int, v uint64) bool { return true }

// TestSBIEmulatesRdtimeOnHartsWithoutTimeCSR: an S-mode rdtime on a hart
// without the time CSR reads mtime through the SBI; another illegal
// instruction still reaches S-mode's handler with its cause and tval.
func TestSBIEmulatesRdtimeOnHartsWithoutTimeCSR(t *testing.T) {
	const base = 0x8000_0000
	var bus mem.Bus
	ram, err := mem.NewRAM("dram", base, 1<<20, false)
	require.NoError(t, err)
	defer ram.Close()
	require.NoError(t, bus.MapRAM(ram))
	require.NoError(t, bus.MapDevice("clint", 0x200_0000, 0x1_0000, fixedMtime{}))
	var clock sim.Clock
	h, err := hart.NewSystem(&bus, &clock).NewHart(hart.Config{ISA: "rv64imac", SMode: true, UMode: true,
		MMUModes: []string{"sv39"}, ResetPC: base, ClockHz: 1_000_000_000, TimebaseHz: 1_000_000})
	require.NoError(t, err)
	h.SetTimeCSR(false)
	put := func(addr uint64, words ...uint32) {
		for i, w := range words {
			binary.LittleEndian.PutUint32(ram.Data[addr-base+uint64(4*i):], w)
		}
	}
	// rdtime a0; an all-zero word (illegal); the S handler at +0x40 spins.
	put(base, 0xc0102573, 0x00000000)
	put(base+0x40, 0x0000006f)
	s := NewSBI(Platform{Bus: &bus, Harts: []*hart.Hart{h}, CLINTBase: 0x200_0000, Park: func(int, bool) {}})
	s.Start(0, base, 0)
	h.SetCSR(csrStvec, base+0x40)

	h.Run(1)
	require.Equal(t, uint64(0x1234), h.X(10), "rdtime reads mtime")
	require.Equal(t, uint64(base+4), h.PC())
	h.Run(1)
	require.Equal(t, uint64(base+0x40), h.PC(), "the illegal instruction reaches S-mode")
	require.Equal(t, uint8(hart.PrivS), h.Priv())
	cause, _ := h.CSR(csrScause)
	require.Equal(t, uint64(causeIllegal), cause)
	epc, _ := h.CSR(csrSepc)
	require.Equal(t, uint64(base+4), epc)
}
