package pcie

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// scratch is a BAR's device in tests: byte-addressed storage.
type scratch struct{ b []byte }

func newScratch(n int) *scratch { return &scratch{b: make([]byte, n)} }

func (s *scratch) Read(off uint64, size int) (uint64, bool) {
	if off+uint64(size) > uint64(len(s.b)) {
		return 0, false
	}
	return readLE(s.b[off:], size), true
}

func (s *scratch) Write(off uint64, size int, v uint64) bool {
	if off+uint64(size) > uint64(len(s.b)) {
		return false
	}
	for i := 0; i < size; i++ {
		s.b[off+uint64(i)] = byte(v >> (8 * i))
	}
	return true
}

func testEndpoint(t *testing.T) *Config {
	t.Helper()
	c := NewEndpoint("ep", ID{Vendor: 0x1b36, Device: 0x0010, Class: 0x010802, Revision: 2, InterruptPin: 1})
	require.NoError(t, c.SetBAR(0, BAR{Kind: BARMem64, Size: 0x4000, Dev: newScratch(0x4000)}))
	require.NoError(t, c.SetBAR(2, BAR{Kind: BARMem32, Size: 0x1000, Prefetchable: true, Dev: newScratch(0x1000)}))
	require.NoError(t, c.SetBAR(4, BAR{Kind: BARIO, Size: 0x20, Dev: newScratch(0x20)}))
	return c
}

func TestBARSizingWithAllOnes(t *testing.T) {
	c := testEndpoint(t)
	for off := RegBAR0; off < RegBAR0+24; off += 4 {
		c.Write(off, 4, 0xFFFFFFFF)
	}
	require.Equal(t, uint32(0xFFFFC004), c.Read(RegBAR0, 4), "64-bit non-prefetchable, 16 KiB")
	require.Equal(t, uint32(0xFFFFFFFF), c.Read(RegBAR0+4, 4), "high half fully writable")
	require.Equal(t, uint32(0xFFFFF008), c.Read(RegBAR0+8, 4), "32-bit prefetchable, 4 KiB")
	require.Equal(t, uint32(0), c.Read(RegBAR0+12, 4), "unimplemented BAR reads zero")
	require.Equal(t, uint32(0xFFFFFFE1), c.Read(RegBAR0+16, 4), "I/O, 32 bytes")
	require.Equal(t, uint32(0), c.Read(RegBAR0+20, 4))

	c.Write(RegBAR0, 4, 0x40000000)
	c.Write(RegBAR0+4, 4, 0x1)
	require.Equal(t, uint64(0x1_4000_0000), c.BARAddress(0))
	c.Write(RegBAR0+16, 4, 0x1234)
	require.Equal(t, uint64(0x1220), c.BARAddress(4), "low bits below the size are not writable")
}

func TestBARDeclarationErrors(t *testing.T) {
	c := NewEndpoint("ep", ID{})
	d := newScratch(16)
	require.Error(t, c.SetBAR(0, BAR{Kind: BARMem32, Size: 0x3000, Dev: d}))
	require.Error(t, c.SetBAR(5, BAR{Kind: BARMem64, Size: 0x1000, Dev: d}))
	require.Error(t, c.SetBAR(6, BAR{Kind: BARMem32, Size: 0x1000, Dev: d}))
	require.Error(t, c.SetBAR(0, BAR{Kind: BARIO, Size: 0x1000, Dev: d}))
	require.Error(t, c.SetBAR(0, BAR{Kind: BARMem32, Size: 0x1000}))
	require.NoError(t, c.SetBAR(0, BAR{Kind: BARMem64, Size: 0x1000, Dev: d}))
	require.Error(t, c.SetBAR(1, BAR{Kind: BARMem32, Size: 0x1000, Dev: d}), "BAR 1 is BAR 0's high half")
	b := NewBridge("br", ID{})
	require.Error(t, b.cfg.SetBAR(2, BAR{Kind: BARMem32, Size: 0x1000, Dev: d}), "a bridge has two BARs")
}

func TestHeaderMasksAndStatusW1C(t *testing.T) {
	c := testEndpoint(t)
	require.Equal(t, uint32(0x00101b36), c.Read(RegVendor, 4))
	require.Equal(t, uint32(0x01080202), c.Read(RegRevision, 4))
	c.Write(RegVendor, 4, 0)
	require.Equal(t, uint32(0x00101b36), c.Read(RegVendor, 4), "IDs are read-only")
	c.Write(RegCommand, 2, 0xFFFF)
	require.Equal(t, uint16(commandWritable), c.Command())
	c.data[RegStatus+1] = 0xF9 // the device records errors
	c.Write(RegStatus, 2, 0x8000)
	require.Equal(t, uint32(0x79), c.Read(RegStatus+1, 1), "only the written one clears")
	c.WriteRaw(RegVendor, 2, 0xABCD)
	require.Equal(t, uint32(0xABCD), c.Read(RegVendor, 2), "raw writes ignore read-only masks")
	require.Equal(t, uint32(0xFFFF0000), c.Read(ConfigSize-2, 4), "past the end reads ones")
}

func TestCapabilityListWalk(t *testing.T) {
	c := testEndpoint(t)
	_, err := AddMSIX(c, 0x40, 65, 0, 0x2000, 0, 0x3000)
	require.NoError(t, err)
	require.NoError(t, c.AddPCIeCapability(0x80, PCIeCap{PortType: PortEndpoint, FLR: true, MaxSpeed: 1, MaxWidth: 1}))
	require.NoError(t, c.AddPMCapability(0x60))
	require.Error(t, c.AddPMCapability(0x62), "misaligned")
	require.Error(t, c.AddPMCapability(0x84), "overlaps the PCIe capability")

	require.NotZero(t, c.Read(RegStatus, 2)&StatusCapList)
	var walk []uint32
	for p := c.Read(RegCapPtr, 1); p != 0; p = c.Read(int(p)+1, 1) {
		walk = append(walk, c.Read(int(p), 1), p)
	}
	require.Equal(t, []uint32{CapMSIX, 0x40, CapPCIe, 0x80, CapPM, 0x60}, walk)
	require.Equal(t, 0x80, c.FindCapability(CapPCIe))
	require.Equal(t, 0, c.FindCapability(CapMSI))
	require.Equal(t, uint32(0x0040), c.Read(0x42, 2), "MSI-X table size 65")
	require.Equal(t, uint32(0x2000), c.Read(0x44, 4))
	require.Equal(t, uint32(0x3000), c.Read(0x48, 4))

	c.Write(0x64, 2, 0x3)
	require.Equal(t, uint32(0xB), c.Read(0x64, 2), "power state writable, No_Soft_Reset kept")
}

func TestFunctionLevelReset(t *testing.T) {
	c := testEndpoint(t)
	require.NoError(t, c.AddPCIeCapability(0x80, PCIeCap{PortType: PortEndpoint, FLR: true, MaxSpeed: 1, MaxWidth: 1}))
	resets := 0
	c.OnFunctionReset(func() { resets++ })
	c.Write(RegBAR0, 4, 0x40000000)
	c.Write(RegCommand, 2, CmdMemory|CmdBusMaster)
	c.Write(0x80+PCIeDevCtl, 2, uint32(c.Read(0x80+PCIeDevCtl, 2))|devCtlFLR)
	require.Equal(t, 1, resets)
	require.Zero(t, c.Command())
	require.Zero(t, c.BARAddress(0))
	require.Zero(t, c.Read(0x80+PCIeDevCtl, 2)&devCtlFLR, "Initiate FLR reads zero")
}

func TestBridgeHeader(t *testing.T) {
	b := NewBridge("br", ID{Vendor: 0xf15e, Class: 0x060400})
	c := b.cfg
	require.Equal(t, uint32(1), c.Read(RegHeaderType, 1))
	c.Write(RegPrimaryBus, 4, 0x00FF0100)
	require.Equal(t, uint32(0x00FF0100), c.Read(RegPrimaryBus, 4)&0xFFFFFF)
	c.Write(RegIOBase, 2, 0xFFFF)
	require.Equal(t, uint32(0xF0F0), c.Read(RegIOBase, 2), "16-bit I/O addressing")
	c.Write(RegMemBase, 4, 0xFFFFFFFF)
	require.Equal(t, uint32(0xFFF0FFF0), c.Read(RegMemBase, 4))
	c.Write(RegPrefBase, 4, 0xFFFFFFFF)
	require.Equal(t, uint32(0xFFF1FFF1), c.Read(RegPrefBase, 4), "64-bit prefetchable window")
	c.Write(RegMemBase, 2, 0x4000)
	c.Write(RegMemLimit, 2, 0x4010)
	w, ok := c.memWindow()
	require.True(t, ok)
	require.Equal(t, interval{0x4000_0000, 0x401F_FFFF}, w)
	c.Write(RegPrefBase, 2, 0xFFF0)
	c.Write(RegPrefLimit, 2, 0)
	c.Write(RegPrefBaseUpper, 4, 0)
	c.Write(RegPrefLimitUpper, 4, 0)
	_, ok = c.prefWindow()
	require.False(t, ok, "base above limit closes the window")
}
