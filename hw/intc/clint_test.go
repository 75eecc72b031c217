package intc

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/sim"
)

func newTestCLINT(t *testing.T, harts int, hz uint64) (*CLINT, *sim.Clock, []*hartInputs) {
	t.Helper()
	clk := &sim.Clock{}
	c, err := NewCLINT(CLINTConfig{Name: "clint", Harts: harts, TimebaseHz: hz, Clock: clk})
	require.NoError(t, err)
	var hs []*hartInputs
	for h := 0; h < harts; h++ {
		hi := &hartInputs{}
		hs = append(hs, hi)
		c.MSIP[h] = sim.Line{Sink: hi, N: sim.IRQMachineSoftware}
		c.MTIP[h] = sim.Line{Sink: hi, N: sim.IRQMachineTimer}
	}
	return c, clk, hs
}

func TestCLINTMtimeFollowsSimulatedTime(t *testing.T) {
	c, clk, _ := newTestCLINT(t, 1, 10_000_000)
	clk.AdvanceTo(sim.Millisecond)
	v, ok := c.Read(0xBFF8, 8)
	require.True(t, ok)
	require.Equal(t, uint64(10_000), v)
	lo, _ := c.Read(0xBFF8, 4)
	hi, _ := c.Read(0xBFFC, 4)
	require.Equal(t, uint64(10_000), lo)
	require.Equal(t, uint64(0), hi)
	// Software sets mtime; it keeps counting from there.
	require.True(t, c.Write(0xBFF8, 8, 1<<40))
	clk.AdvanceTo(sim.Millisecond + sim.Microsecond)
	require.Equal(t, uint64(1<<40+10), c.MTime())
}

func TestCLINTTimerInterruptAtDeadline(t *testing.T) {
	c, clk, hs := newTestCLINT(t, 2, 1_000_000) // 1 MHz, as the FU740
	require.False(t, hs[1].lv[sim.IRQMachineTimer])
	// Hart 1: deadline 500 ticks = 500 us, written as two words.
	require.True(t, c.Write(0x4008+4, 4, 0))
	require.True(t, c.Write(0x4008, 4, 500))
	clk.AdvanceTo(499 * sim.Microsecond)
	require.False(t, hs[1].lv[sim.IRQMachineTimer])
	next, ok := clk.Next()
	require.True(t, ok)
	require.Equal(t, 500*sim.Microsecond, next)
	clk.AdvanceTo(500 * sim.Microsecond)
	require.True(t, hs[1].lv[sim.IRQMachineTimer])
	require.False(t, hs[0].lv[sim.IRQMachineTimer], "hart 0 never armed")
	// Moving the deadline forward lowers the level and re-arms.
	require.True(t, c.Write(0x4008, 8, 800))
	require.False(t, hs[1].lv[sim.IRQMachineTimer])
	clk.AdvanceTo(700 * sim.Microsecond)
	require.False(t, hs[1].lv[sim.IRQMachineTimer])
	// Moving it into the past raises at once; the old alarm is gone.
	require.True(t, c.Write(0x4008, 8, 100))
	require.True(t, hs[1].lv[sim.IRQMachineTimer])
	require.True(t, c.Write(0x4008, 8, ^uint64(0)))
	require.False(t, hs[1].lv[sim.IRQMachineTimer])
	_, ok = clk.Next()
	require.False(t, ok, "an all-ones deadline schedules nothing")
}

func TestCLINTWritingMtimeReevaluates(t *testing.T) {
	c, clk, hs := newTestCLINT(t, 1, 10_000_000)
	require.True(t, c.Write(0x4000, 8, 1000))
	require.False(t, hs[0].lv[sim.IRQMachineTimer])
	require.True(t, c.Write(0xBFF8, 8, 2000))
	require.True(t, hs[0].lv[sim.IRQMachineTimer])
	require.True(t, c.Write(0xBFF8, 8, 0))
	require.False(t, hs[0].lv[sim.IRQMachineTimer])
	clk.AdvanceTo(100 * sim.Microsecond) // 1000 ticks at 10 MHz
	require.True(t, hs[0].lv[sim.IRQMachineTimer])
}

func TestCLINTSoftwareInterruptAndSizes(t *testing.T) {
	c, _, hs := newTestCLINT(t, 2, 1_000_000)
	require.True(t, c.Write(4, 4, 0xFFFF_FFFF))
	require.True(t, hs[1].lv[sim.IRQMachineSoftware])
	v, ok := c.Read(4, 4)
	require.True(t, ok)
	require.Equal(t, uint64(1), v, "only bit 0 is implemented")
	require.True(t, c.Write(4, 4, 0))
	require.False(t, hs[1].lv[sim.IRQMachineSoftware])
	_, ok = c.Read(0, 8)
	require.False(t, ok, "msip is 32-bit only")
	_, ok = c.Read(0x4002, 4)
	require.False(t, ok, "misaligned")
	v, ok = c.Read(0x40, 4)
	require.True(t, ok, "msip of a hart that does not exist reads zero")
	require.Zero(t, v)
	_, ok = c.Read(CLINTSize, 4)
	require.False(t, ok)
}

func TestACLINTViews(t *testing.T) {
	c, clk, hs := newTestCLINT(t, 2, 10_000_000)
	sw, mt := c.MSWI(), c.MTimer()
	require.True(t, sw.Write(0, 4, 1))
	require.True(t, hs[0].lv[sim.IRQMachineSoftware])
	clk.AdvanceTo(sim.Microsecond)
	v, ok := mt.Read(0x7FF8, 8)
	require.True(t, ok)
	require.Equal(t, uint64(10), v)
	require.True(t, mt.Write(8, 8, 20))
	x, _ := c.Read(0x4008, 8)
	require.Equal(t, uint64(20), x, "the views share one model")
	clk.AdvanceTo(2 * sim.Microsecond)
	require.True(t, hs[1].lv[sim.IRQMachineTimer])
}

func TestCLINTFinerNow(t *testing.T) {
	clk := &sim.Clock{}
	fine := sim.Time(0)
	c, err := NewCLINT(CLINTConfig{Name: "c", Harts: 1, TimebaseHz: 1_000_000, Clock: clk, Now: func() sim.Time { return fine }})
	require.NoError(t, err)
	fine = 3 * sim.Microsecond
	require.Equal(t, uint64(3), c.MTime(), "a hart mid-quantum sees its own time")
}
