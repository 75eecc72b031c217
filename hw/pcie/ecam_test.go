package pcie

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// plicStub records interrupt levels by source number.
type plicStub struct{ level map[int]bool }

func (p *plicStub) SetIRQ(n int, level bool) {
	if p.level == nil {
		p.level = map[int]bool{}
	}
	p.level[n] = level
}

func virtINTx(p *plicStub) (l [4]sim.Line) {
	for i := range l {
		l[i] = sim.Line{Sink: p, N: 32 + i}
	}
	return l
}

func newRAMBus(t *testing.T) (*mem.Bus, *mem.RAM) {
	t.Helper()
	r, err := mem.NewRAM("ram", 0x8000_0000, 1<<20, false)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	var b mem.Bus
	require.NoError(t, b.MapRAM(r))
	return &b, r
}

func newVirtHost(t *testing.T) (*ECAMHost, *plicStub, *mem.Bus) {
	t.Helper()
	p := &plicStub{}
	sys, _ := newRAMBus(t)
	h, err := NewECAMHost(ECAMConfig{Name: "pcie", Buses: 256, HostBridge: &GPEXHostBridge, INTx: virtINTx(p), DMA: sys})
	require.NoError(t, err)
	return h, p, sys
}

func ecamOff(bus, dev, fn, reg int) uint64 {
	return uint64(bus)<<20 | uint64(dev)<<15 | uint64(fn)<<12 | uint64(reg)
}

func TestECAMDecode(t *testing.T) {
	h, _, _ := newVirtHost(t)
	ep := testEndpoint(t)
	require.NoError(t, h.Attach(1, 0, ep))
	require.Error(t, h.Attach(1, 0, testEndpoint(t)), "slot taken")
	require.Error(t, h.Attach(2, 0, ep), "already attached")
	e := h.ConfigSpace()

	v, ok := e.Read(ecamOff(0, 0, 0, 0), 4)
	require.True(t, ok)
	require.Equal(t, uint64(0x00081b36), v, "gpex host bridge at 00:00.0")
	v, _ = e.Read(ecamOff(0, 0, 0, RegClass), 4)
	require.Equal(t, uint64(0x060000), v>>0&0xFFFFFF)
	v, _ = e.Read(ecamOff(0, 1, 0, 0), 4)
	require.Equal(t, uint64(0x00101b36), v)
	v, _ = e.Read(ecamOff(0, 1, 0, RegRevision+1), 1)
	require.Equal(t, uint64(0x02), v, "byte access")
	v, _ = e.Read(ecamOff(0, 2, 0, 0), 4)
	require.Equal(t, uint64(0xFFFFFFFF), v, "empty slot reads all-ones")
	v, _ = e.Read(ecamOff(0, 1, 3, 0), 2)
	require.Equal(t, uint64(0xFFFF), v, "missing function")
	v, _ = e.Read(ecamOff(5, 0, 0, 0), 4)
	require.Equal(t, uint64(0xFFFFFFFF), v, "no bridge leads to bus 5")
	_, ok = e.Read(ecamOff(0, 1, 0, 0), 8)
	require.False(t, ok, "configuration requests are at most a dword")
	require.True(t, e.Write(ecamOff(0, 2, 0, RegCommand), 2, 0xFFFF), "writes to nothing are dropped")
	require.True(t, e.Write(ecamOff(0, 1, 0, RegCommand), 2, CmdMemory))
	require.True(t, ep.MemoryEnabled())
}

func TestECAMThroughBridge(t *testing.T) {
	h, _, _ := newVirtHost(t)
	br := NewBridge("rp", ID{Vendor: 0x1b36, Device: 0x000c, Class: 0x060400})
	require.NoError(t, h.Attach(2, 0, br))
	ep := testEndpoint(t)
	require.NoError(t, br.SecondaryBus().Attach(0, 0, ep))
	e := h.ConfigSpace()
	v, _ := e.Read(ecamOff(1, 0, 0, 0), 4)
	require.Equal(t, uint64(0xFFFFFFFF), v, "bus numbers not programmed yet")
	e.Write(ecamOff(0, 2, 0, RegPrimaryBus), 4, 0x00010100)
	v, _ = e.Read(ecamOff(1, 0, 0, 0), 4)
	require.Equal(t, uint64(0x00101b36), v)
	v, _ = e.Read(ecamOff(2, 0, 0, 0), 4)
	require.Equal(t, uint64(0xFFFFFFFF), v, "bus 2 outside the bridge's range")
}

func TestMultifunctionBit(t *testing.T) {
	h, _, _ := newVirtHost(t)
	require.NoError(t, h.Attach(3, 0, NewEndpoint("f0", ID{Vendor: 1})))
	require.Zero(t, h.Root().Function(3, 0).PCIConfig().Read(RegHeaderType, 1)&0x80)
	require.NoError(t, h.Attach(3, 2, NewEndpoint("f2", ID{Vendor: 1})))
	require.NotZero(t, h.Root().Function(3, 0).PCIConfig().Read(RegHeaderType, 1)&0x80)
}

func TestMemoryWindowRoutesToBAR(t *testing.T) {
	h, _, _ := newVirtHost(t)
	ep := testEndpoint(t)
	require.NoError(t, h.Attach(1, 0, ep))
	w := h.MemWindow(0x4000_0000)
	bar0 := ep.BAR(0).Dev.(*scratch)

	ep.Write(RegBAR0, 4, 0x4000_0000)
	_, ok := w.Read(0x10, 4)
	require.False(t, ok, "memory decode disabled")
	ep.Write(RegCommand, 2, CmdMemory)
	require.True(t, w.Write(0x10, 4, 0xdeadbeef))
	require.Equal(t, uint64(0xdeadbeef), readLE(bar0.b[0x10:], 4))
	_, ok = w.Read(0x4000, 4)
	require.False(t, ok, "past the BAR nobody answers")
	_, ok = w.Read(0x3FFE, 4)
	require.False(t, ok, "an access straddling the BAR's end")

	ep.Write(RegBAR0, 4, 0x4010_0000) // software moves the BAR
	_, ok = w.Read(0x10, 4)
	require.False(t, ok)
	v, ok := w.Read(0x10_0010, 4)
	require.True(t, ok)
	require.Equal(t, uint64(0xdeadbeef), v)

	ep.Write(RegBAR0+16, 4, 0x100)
	io := h.IOWindow(0)
	_, ok = io.Read(0x104, 1)
	require.False(t, ok, "I/O decode disabled")
	ep.Write(RegCommand, 2, CmdMemory|CmdIO)
	require.True(t, io.Write(0x104, 1, 0x5a))
	v, _ = io.Read(0x104, 1)
	require.Equal(t, uint64(0x5a), v)
}

func TestBridgeWindowsGateMemory(t *testing.T) {
	h, _, _ := newVirtHost(t)
	br := NewBridge("rp", ID{Class: 0x060400})
	require.NoError(t, h.Attach(2, 0, br))
	ep := testEndpoint(t)
	require.NoError(t, br.SecondaryBus().Attach(0, 0, ep))
	ep.Write(RegBAR0, 4, 0x4020_0000)
	ep.Write(RegCommand, 2, CmdMemory)
	w := h.MemWindow(0x4000_0000)
	_, ok := w.Read(0x20_0000, 4)
	require.False(t, ok, "bridge memory decode off")
	bc := br.PCIConfig()
	bc.Write(RegCommand, 2, CmdMemory)
	_, ok = w.Read(0x20_0000, 4)
	require.False(t, ok, "window closed")
	bc.Write(RegMemBase, 2, 0x4020)
	bc.Write(RegMemLimit, 2, 0x4020)
	_, ok = w.Read(0x20_0000, 4)
	require.True(t, ok)
	bc.Write(RegMemBase, 2, 0x4030)
	bc.Write(RegMemLimit, 2, 0x4030)
	_, ok = w.Read(0x20_0000, 4)
	require.False(t, ok, "window moved away")
	bc.Write(RegPrefBase, 2, 0x4020)
	bc.Write(RegPrefLimit, 2, 0x4020)
	_, ok = w.Read(0x20_0000, 4)
	require.True(t, ok, "prefetchable window forwards too")
}

func TestINTxSwizzleAndWiredOr(t *testing.T) {
	h, p, _ := newVirtHost(t)
	a := NewEndpoint("a", ID{InterruptPin: 1})
	b := NewEndpoint("b", ID{InterruptPin: 4})
	require.NoError(t, h.Attach(1, 0, a)) // INTA at slot 1 -> 32 + 1
	require.NoError(t, h.Attach(2, 0, b)) // INTD at slot 2 -> 32 + (2+3)%4 = 33
	a.SetINTx(true)
	require.True(t, p.level[33])
	b.SetINTx(true)
	a.SetINTx(false)
	require.True(t, p.level[33], "wired-OR: b still asserts")
	require.Zero(t, a.Read(RegStatus, 2)&StatusINTx)
	b.Write(RegCommand, 2, CmdINTxDisable)
	require.False(t, p.level[33], "Interrupt Disable")
	require.NotZero(t, b.Read(RegStatus, 2)&StatusINTx, "Interrupt Status follows the pin")
	b.Write(RegCommand, 2, 0)
	require.True(t, p.level[33])
	b.SetINTx(false)
	require.False(t, p.level[33])

	br := NewBridge("rp", ID{})
	require.NoError(t, h.Attach(3, 0, br))
	c := NewEndpoint("c", ID{InterruptPin: 2})
	require.NoError(t, br.SecondaryBus().Attach(1, 0, c)) // INTB at dev 1 -> bridge pin (1+1)%4 = C -> (3+2)%4 = 1
	c.SetINTx(true)
	require.True(t, p.level[33])
	c.SetINTx(false)
	require.False(t, p.level[33])
}

func TestDMANeedsBusMastering(t *testing.T) {
	h, _, sys := newVirtHost(t)
	br := NewBridge("rp", ID{})
	require.NoError(t, h.Attach(3, 0, br))
	ep := testEndpoint(t)
	require.NoError(t, br.SecondaryBus().Attach(0, 0, ep))
	buf := []byte{1, 2, 3, 4}
	require.False(t, ep.DMAWrite(0x8000_0000, buf))
	ep.Write(RegCommand, 2, CmdBusMaster)
	require.False(t, ep.DMAWrite(0x8000_0000, buf), "the bridge above does not forward")
	br.PCIConfig().Write(RegCommand, 2, CmdBusMaster)
	require.True(t, ep.DMAWrite(0x8000_0000, buf))
	got := make([]byte, 4)
	require.True(t, sys.ReadBytes(0x8000_0000, got))
	require.Equal(t, buf, got)
	require.False(t, ep.DMARead(0x1000, got), "outside RAM")

	lone := testEndpoint(t)
	lone.Write(RegCommand, 2, CmdBusMaster)
	require.False(t, lone.DMARead(0x8000_0000, got), "no upstream")
	lone.SetUpstream(sys)
	require.True(t, lone.DMARead(0x8000_0000, got))
}
