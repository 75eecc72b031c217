package nvme

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/blockdev"
	"cosim/hw/mem"
	"cosim/hw/pcie"
	"cosim/hw/sim"
)

// TestBehindTheFU740Host drives the controller as the bare-metal test
// program does with -DPCIE_DW: through the DesignWare host's mgmt block,
// DBI and iATU-translated windows, with the controller on bus 1 behind the
// root port, INTx on PLIC 57 and MSI-X messages caught by the host's MSI
// controller.
func TestBehindTheFU740Host(t *testing.T) {
	const (
		dbiBase, cfgBase, mgmtBase = 0xE_0000_0000, 0xD_F000_0000, 0x100D_0000
		memWin, memWinSize         = 0x6009_0000, 0x0FF7_0000
		barAddr                    = 0x6010_0000
	)
	clock := &sim.Clock{}
	sys := &mem.Bus{}
	ram, err := mem.NewRAM("ram", ramBase, ramSize, false)
	require.NoError(t, err)
	defer ram.Close()
	require.NoError(t, sys.MapRAM(ram))
	irq := levels{}
	var intx [4]sim.Line
	for i := range intx {
		intx[i] = sim.Line{Sink: irq, N: 57 + i}
	}
	h, err := pcie.NewDWHost(pcie.DWConfig{Name: "pcie", RootPort: pcie.FU740RootPort, MaxSpeed: 3, Width: 8,
		INTx: intx, MSI: sim.Line{Sink: irq, N: 56}, DMA: sys})
	require.NoError(t, err)
	ctrl, err := New(Config{Serial: "cosim0001"}, clock, Namespace{Image: blockdev.NewMemory(1 << 20)})
	require.NoError(t, err)
	require.NoError(t, h.Attach(0, ctrl))
	require.NoError(t, sys.MapDevice("dbi", dbiBase, 0x8000_0000, h.DBI()))
	require.NoError(t, sys.MapDevice("cfg", cfgBase, 0x1000_0000, h.CPUWindow(cfgBase)))
	require.NoError(t, sys.MapDevice("mgmt", mgmtBase, 0x1000, h.Mgmt()))
	require.NoError(t, sys.MapDevice("mem", memWin, memWinSize, h.CPUWindow(memWin)))

	w32 := func(a uint64, v uint32) { require.True(t, sys.Write(a, 4, uint64(v)), "write %#x", a) }
	r32 := func(a uint64) uint32 {
		v, ok := sys.Read(a, 4)
		require.True(t, ok, "read %#x", a)
		return uint32(v)
	}
	atu := func(region int, typ uint32, cpu, size, target uint64) {
		base := dbiBase + 0x300000 + uint64(region)*0x200
		w32(base+0x08, uint32(cpu))
		w32(base+0x0C, uint32(cpu>>32))
		w32(base+0x10, uint32(cpu+size-1))
		w32(base+0x14, uint32(target))
		w32(base+0x18, uint32(target>>32))
		w32(base+0x00, typ)
		w32(base+0x04, 1<<31)
	}

	// Link up, as pcie-fu740.c and the test program do it.
	w32(mgmtBase+0x0, 0)
	w32(mgmtBase+0x0, 1)
	w32(mgmtBase+0x18, 1)
	w32(mgmtBase+0x18, 0)
	w32(mgmtBase+0x708, 4)
	w32(mgmtBase+0x10, 1)
	require.NotZero(t, r32(dbiBase+0x72C)&(1<<4), "link up")

	// Root port bus numbers and memory window, then the endpoint on bus 1.
	w32(dbiBase+0x18, 0x00FF0100)
	atu(0, 4, cfgBase, 0x1000, 1<<24)
	require.Equal(t, uint32(0x00101b36), r32(cfgBase))
	w32(cfgBase+0x10, 0xFFFFFFFF)
	require.Equal(t, uint32(0xFFFFC004), r32(cfgBase+0x10))
	w32(cfgBase+0x10, barAddr)
	w32(cfgBase+0x14, 0)
	w32(cfgBase+0x04, pcie.CmdMemory|pcie.CmdBusMaster)
	w32(dbiBase+0x18, 0x00010100)
	w32(dbiBase+0x20, 0x60106010)
	w32(dbiBase+0x04, pcie.CmdMemory|pcie.CmdBusMaster)
	atu(1, 0, memWin, memWinSize, memWin)

	// The controller, through the memory window.
	asq, acq, sq, cq, buf := uint64(ramBase), uint64(ramBase+0x1000), uint64(ramBase+0x2000), uint64(ramBase+0x3000), uint64(ramBase+0x4000)
	w32(barAddr+regAQA, 0x00030003)
	require.True(t, sys.Write(barAddr+regASQ, 8, asq))
	require.True(t, sys.Write(barAddr+regACQ, 8, acq))
	w32(barAddr+regCC, 4<<20|6<<16|1)
	require.Equal(t, uint32(cstsRDY), r32(barAddr+regCSTS))

	put := func(a uint64, s *sqe) { require.True(t, sys.WriteBytes(a, s[:])) }
	status := func(a uint64) (uint16, uint16) {
		var b [16]byte
		require.True(t, sys.ReadBytes(a, b[:]))
		return binary.LittleEndian.Uint16(b[12:]), binary.LittleEndian.Uint16(b[14:])
	}
	put(asq, cmdOf(opCreateCQ).prp(cq, 0).dw(10, 3<<16|1).dw(11, 1<<16|3).dw(0, 1<<16|opCreateCQ))
	put(asq+64, cmdOf(opCreateSQ).prp(sq, 0).dw(10, 3<<16|1).dw(11, 1<<16|1).dw(0, 2<<16|opCreateSQ))
	w32(barAddr+0x1000, 2)
	clock.AdvanceTo(clock.Now())
	for i, cid := range []uint16{1, 2} {
		c, st := status(acq + uint64(16*i))
		require.Equal(t, cid, c)
		require.Equal(t, uint16(1), st, "success, phase 1")
	}
	w32(barAddr+0x1004, 2)

	// A read on vector 0: INTA of 01:00.0 is PLIC 57.
	put(sq, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1).dw(0, 3<<16|opRead))
	w32(barAddr+0x1008, 1)
	clock.AdvanceTo(clock.Now())
	require.True(t, irq[57])
	w32(barAddr+0x100C, 1)
	require.False(t, irq[57])

	// MSI-X vector 1 aimed at the host's MSI controller.
	w32(dbiBase+0x820, 0x8000_F000)
	w32(dbiBase+0x824, 0)
	w32(dbiBase+0x828, 1<<7)
	w32(barAddr+0x2000+16, 0x8000_F000)
	w32(barAddr+0x2000+16+4, 0)
	w32(barAddr+0x2000+16+8, 7)
	w32(barAddr+0x2000+16+12, 0)
	mc := r32(cfgBase+0x40) >> 16
	w32(cfgBase+0x40, (mc|0x8000)<<16|0x11)
	put(asq+128, cmdOf(opCreateCQ).prp(buf+0x1000, 0).dw(10, 3<<16|2).dw(11, 1<<16|3).dw(0, 4<<16|opCreateCQ))
	put(asq+192, cmdOf(opCreateSQ).prp(buf+0x2000, 0).dw(10, 3<<16|2).dw(11, 2<<16|1).dw(0, 5<<16|opCreateSQ))
	w32(barAddr+0x1000, 0)
	clock.AdvanceTo(clock.Now())
	put(buf+0x2000, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1).dw(0, 6<<16|opRead))
	w32(barAddr+0x1010, 1)
	clock.AdvanceTo(clock.Now())
	c, st := status(buf + 0x1000)
	require.Equal(t, uint16(6), c)
	require.Equal(t, uint16(1), st)
	require.True(t, irq[56], "MSI line")
	require.Equal(t, uint32(1<<7), h.MSIStatus(0))
	require.False(t, irq[57], "no INTx with MSI-X")
}
