package pcie

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

const (
	fuCfg  = 0xD_F000_0000
	fuMem  = 0x6009_0000
	fuMemN = 0x0FF7_0000
)

type dwRig struct {
	h    *DWHost
	dbi  mem.Device
	mgmt mem.Device
	cfgW mem.Device
	memW mem.Device
	plic *plicStub
	sys  *mem.Bus
	ep   *Config
}

func newDWRig(t *testing.T) *dwRig {
	t.Helper()
	p := &plicStub{}
	sys, _ := newRAMBus(t)
	var intx [4]sim.Line
	for i := range intx {
		intx[i] = sim.Line{Sink: p, N: 57 + i}
	}
	h, err := NewDWHost(DWConfig{Name: "pcie", RootPort: FU740RootPort, MaxSpeed: 3, Width: 8,
		INTx: intx, MSI: sim.Line{Sink: p, N: 56}, DMA: sys})
	require.NoError(t, err)
	ep := testEndpoint(t)
	require.NoError(t, h.Attach(0, ep))
	return &dwRig{h: h, dbi: h.DBI(), mgmt: h.Mgmt(), cfgW: h.CPUWindow(fuCfg), memW: h.CPUWindow(fuMem),
		plic: p, sys: sys, ep: ep}
}

func (r *dwRig) w32(t *testing.T, d mem.Device, off uint64, v uint32) {
	t.Helper()
	require.True(t, d.Write(off, 4, uint64(v)))
}

func (r *dwRig) r32(t *testing.T, d mem.Device, off uint64) uint32 {
	t.Helper()
	v, ok := d.Read(off, 4)
	require.True(t, ok)
	return uint32(v)
}

// bringUp does what U-Boot and Linux do before enumerating.
func (r *dwRig) bringUp(t *testing.T) {
	r.w32(t, r.mgmt, mgmtPERSTN, 0)
	r.w32(t, r.mgmt, mgmtPERSTN, 1)
	r.w32(t, r.mgmt, mgmtHoldPhyReset, 1)
	r.w32(t, r.mgmt, mgmtHoldPhyReset, 0)
	r.w32(t, r.mgmt, mgmtDeviceType, 4)
	r.w32(t, r.mgmt, mgmtLTSSMEnable, 1)
}

func (r *dwRig) atu(t *testing.T, region int, typ uint32, cpu, size, target uint64) {
	t.Helper()
	base := uint64(dwATUBase + region*dwATURegionStride)
	r.w32(t, r.dbi, base+0x08, uint32(cpu))
	r.w32(t, r.dbi, base+0x0C, uint32(cpu>>32))
	r.w32(t, r.dbi, base+0x10, uint32(cpu+size-1))
	r.w32(t, r.dbi, base+0x14, uint32(target))
	r.w32(t, r.dbi, base+0x18, uint32(target>>32))
	r.w32(t, r.dbi, base+0x00, typ)
	r.w32(t, r.dbi, base+0x04, dwATUEnable)
}

func (r *dwRig) cfgTarget(t *testing.T, typ uint32, bus, dev, fn int) {
	r.atu(t, 0, typ, fuCfg, 0x1000, uint64(bus)<<24|uint64(dev)<<19|uint64(fn)<<16)
}

func TestDWLinkNeedsAPartner(t *testing.T) {
	h, err := NewDWHost(DWConfig{Name: "pcie", RootPort: FU740RootPort, MaxSpeed: 3, Width: 8})
	require.NoError(t, err)
	r := &dwRig{h: h, dbi: h.DBI(), mgmt: h.Mgmt(), cfgW: h.CPUWindow(fuCfg)}
	r.bringUp(t)
	require.False(t, h.LinkUp(), "an empty slot does not train")
	require.Zero(t, r.r32(t, r.dbi, dwPortDebug1)&dwDebug1LinkUp)
	require.Zero(t, r.r32(t, r.dbi, dwRootPCIeCap+PCIeLinkCtl)>>16&LinkStaDLLActive)
}

func TestDWLinkTraining(t *testing.T) {
	r := newDWRig(t)
	require.Zero(t, r.r32(t, r.dbi, dwPortDebug1)&dwDebug1LinkUp)
	r.cfgTarget(t, atuCfg0, 1, 0, 0)
	require.Equal(t, uint32(0xFFFFFFFF), r.r32(t, r.cfgW, 0), "link down: nothing answers")
	r.bringUp(t)
	require.True(t, r.h.LinkUp())
	d1 := r.r32(t, r.dbi, dwPortDebug1)
	require.NotZero(t, d1&dwDebug1LinkUp)
	require.Zero(t, d1&(1<<29), "not in training")
	require.Equal(t, uint32(dwLTSSML0), r.r32(t, r.dbi, dwPortDebug0)&0x3F)
	lnk := r.r32(t, r.dbi, dwRootPCIeCap+PCIeLinkCtl) >> 16
	require.Equal(t, uint32(3), lnk&0xF, "Gen3")
	require.Equal(t, uint32(8), lnk>>4&0x3F, "x8")
	require.NotZero(t, lnk&LinkStaDLLActive)
	require.Equal(t, uint32(0xFFFFFFFF), r.r32(t, r.dbi, dwATUViewport), "unrolled iATU")
}

func TestDWSpeedChangeFollowsLinkCap(t *testing.T) {
	r := newDWRig(t)
	r.bringUp(t)
	capOff := uint64(dwRootPCIeCap + PCIeLinkCap)
	lc := r.r32(t, r.dbi, capOff)
	r.w32(t, r.dbi, capOff, lc&^0xF|1)
	require.Equal(t, lc, r.r32(t, r.dbi, capOff), "Link Capabilities are read-only without DBI_RO_WR_EN")
	r.w32(t, r.dbi, dwMiscControl1, dwDBIROWrEn)
	r.w32(t, r.dbi, capOff, lc&^0xF|1)
	r.w32(t, r.dbi, dwGen2Control, r.r32(t, r.dbi, dwGen2Control)|dwSpeedChange)
	require.Zero(t, r.r32(t, r.dbi, dwGen2Control)&dwSpeedChange, "self-clearing")
	require.Equal(t, uint32(1), r.r32(t, r.dbi, dwRootPCIeCap+PCIeLinkSta-2)>>16&0xF, "retrained at 2.5 GT/s")
	r.w32(t, r.dbi, capOff, lc)
	r.w32(t, r.dbi, dwRootPCIeCap+PCIeLinkCtl, linkCtlRetrain)
	require.Equal(t, uint32(3), r.r32(t, r.dbi, dwRootPCIeCap+PCIeLinkSta-2)>>16&0xF)
	r.w32(t, r.dbi, dwMiscControl1, 0)
	r.w32(t, r.dbi, RegClass-1, 0x06040001)
	require.Equal(t, uint32(0x06040001), r.r32(t, r.dbi, RegRevision))
}

func TestDWRegionCountDetection(t *testing.T) {
	r := newDWRig(t)
	n := 0
	for i := 0; i < 256; i++ {
		off := uint64(dwATUBase + i*dwATURegionStride + 0x14)
		r.w32(t, r.dbi, off, 0x11110000)
		if r.r32(t, r.dbi, off) != 0x11110000 {
			break
		}
		n++
	}
	require.Equal(t, 8, n)
	r.w32(t, r.dbi, dwATUBase+dwATUInbound+0x14, 0x22220000)
	require.Equal(t, uint32(0x22220000), r.r32(t, r.dbi, dwATUBase+dwATUInbound+0x14), "inbound regions exist")
}

func TestDWConfigAndMemoryThroughIATU(t *testing.T) {
	r := newDWRig(t)
	r.bringUp(t)
	require.Equal(t, uint32(0x0000f15e), r.r32(t, r.dbi, 0), "root port in DBI")
	require.Equal(t, uint32(1), r.r32(t, r.dbi, RegCacheLine)>>16&0x7F)
	r.w32(t, r.dbi, RegPrimaryBus, 0x00010100)

	r.cfgTarget(t, atuCfg0, 1, 0, 0)
	require.Equal(t, uint32(0x00101b36), r.r32(t, r.cfgW, 0))
	r.cfgTarget(t, atuCfg0, 1, 1, 0)
	require.Equal(t, uint32(0xFFFFFFFF), r.r32(t, r.cfgW, 0), "only device 0 on a link")
	r.cfgTarget(t, atuCfg1, 1, 0, 0)
	require.Equal(t, uint32(0x00101b36), r.r32(t, r.cfgW, 0), "type 1 routed by bus number")
	r.cfgTarget(t, atuCfg1, 2, 0, 0)
	require.Equal(t, uint32(0xFFFFFFFF), r.r32(t, r.cfgW, 0))

	// BAR programming through the window, then memory through a MEM region.
	r.cfgTarget(t, atuCfg0, 1, 0, 0)
	r.w32(t, r.cfgW, RegBAR0, 0xFFFFFFFF)
	require.Equal(t, uint32(0xFFFFC004), r.r32(t, r.cfgW, RegBAR0))
	r.w32(t, r.cfgW, RegBAR0, 0x6010_0000)
	r.w32(t, r.cfgW, RegBAR0+4, 0)
	r.w32(t, r.cfgW, RegCommand, CmdMemory|CmdBusMaster)
	r.atu(t, 1, atuMem, fuMem, fuMemN, fuMem)
	off := uint64(0x6010_0000 - fuMem)
	_, ok := r.memW.Read(off, 4)
	require.False(t, ok, "root port memory window not programmed")
	r.w32(t, r.dbi, RegMemBase, 0x60106010)
	r.w32(t, r.dbi, RegCommand, CmdMemory|CmdBusMaster)
	require.True(t, r.memW.Write(off+8, 4, 0x12345678))
	v, ok := r.memW.Read(off+8, 4)
	require.True(t, ok)
	require.Equal(t, uint64(0x12345678), v)

	// Translation to a different PCI address.
	r.atu(t, 1, atuMem, fuMem, 0x10000, 0x6010_0000)
	v, ok = r.memW.Read(8, 4)
	require.True(t, ok)
	require.Equal(t, uint64(0x12345678), v)
}

func TestDWCfgShiftMode(t *testing.T) {
	r := newDWRig(t)
	r.bringUp(t)
	r.w32(t, r.dbi, RegPrimaryBus, 0x00010100)
	r.atu(t, 0, atuCfg1, fuCfg, 0x1000_0000, 0)
	r.w32(t, r.dbi, dwATUBase+0x04, dwATUEnable|dwATUCfgShift)
	require.Equal(t, uint32(0x00101b36), r.r32(t, r.cfgW, 1<<20))
}

func TestDWINTxAndMSI(t *testing.T) {
	r := newDWRig(t)
	r.bringUp(t)
	r.ep.SetINTx(true)
	require.True(t, r.plic.level[57], "INTA of 01:00.0 is the host's INTA")
	r.ep.SetINTx(false)
	require.False(t, r.plic.level[57])

	r.w32(t, r.dbi, dwMSIAddrLo, 0x8000_0F00)
	r.w32(t, r.dbi, dwMSIAddrHi, 0)
	r.w32(t, r.dbi, dwMSICtrl0, 1<<5) // enable vector 5
	r.ep.Write(RegCommand, 2, CmdBusMaster)
	msg := []byte{5, 0, 0, 0}
	require.False(t, r.ep.DMAWrite(0x8000_0F00, msg), "root port does not forward upstream without bus mastering")
	r.w32(t, r.dbi, RegCommand, CmdBusMaster)
	require.True(t, r.ep.DMAWrite(0x8000_0F00, msg))
	require.Equal(t, uint32(1<<5), r.h.MSIStatus(0))
	require.True(t, r.plic.level[56])
	mem0 := make([]byte, 4)
	require.True(t, r.sys.ReadBytes(0x8000_0F00, mem0))
	require.Equal(t, []byte{0, 0, 0, 0}, mem0, "the message never reaches memory")
	r.w32(t, r.dbi, dwMSICtrl0+4, 1<<5) // mask
	require.False(t, r.plic.level[56])
	r.w32(t, r.dbi, dwMSICtrl0+4, 0)
	require.True(t, r.plic.level[56])
	r.w32(t, r.dbi, dwMSICtrl0+8, 1<<5) // W1C status
	require.False(t, r.plic.level[56])
	require.True(t, r.ep.DMAWrite(0x8000_0F00, []byte{6, 0, 0, 0}))
	require.Zero(t, r.h.MSIStatus(0), "vector 6 not enabled")
	require.True(t, r.ep.DMAWrite(0x8000_1000, msg))
	require.True(t, r.sys.ReadBytes(0x8000_1000, mem0))
	require.Equal(t, msg, mem0, "other addresses are memory")
}

func TestDWMgmtPhyHandshakeAndPERST(t *testing.T) {
	r := newDWRig(t)
	r.w32(t, r.mgmt, mgmtPhy0+phyAddr, 0x1008)
	r.w32(t, r.mgmt, mgmtPhy0+phyWrData, 0x0e21)
	require.Zero(t, r.r32(t, r.mgmt, mgmtPhy0+phyAck))
	r.w32(t, r.mgmt, mgmtPhy0+phyWrEn, 1)
	require.Equal(t, uint32(1), r.r32(t, r.mgmt, mgmtPhy0+phyAck))
	r.w32(t, r.mgmt, mgmtPhy0+phyWrEn, 0)
	require.Zero(t, r.r32(t, r.mgmt, mgmtPhy0+phyAck))
	r.w32(t, r.mgmt, mgmtPhy0+phyRdEn, 1)
	require.Equal(t, uint32(0x0e21), r.r32(t, r.mgmt, mgmtPhy0+phyRdData))
	require.Equal(t, uint32(4), func() uint32 { r.w32(t, r.mgmt, mgmtDeviceType, 4); return r.r32(t, r.mgmt, mgmtDeviceType) }())

	r.bringUp(t)
	r.ep.Write(RegCommand, 2, CmdMemory)
	r.w32(t, r.mgmt, mgmtPERSTN, 0)
	require.False(t, r.h.LinkUp())
	require.Zero(t, r.ep.Command(), "PERST# resets the endpoint")
}
