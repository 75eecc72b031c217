package hart

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// Encoders for the unit tests' hand-assembled programs.
func addi(rd, rs1 uint32, imm int32) uint32 { return iType(uint32(imm), rs1, 0, rd, 0x13) }
func ld(rd, rs1 uint32, imm int32) uint32   { return iType(uint32(imm), rs1, 3, rd, 0x03) }
func sd(rs2, rs1 uint32, imm int32) uint32  { return sType(uint32(imm), rs2, rs1, 3, 0x23) }
func jal(rd uint32, off int32) uint32       { return jType(uint32(off), rd) }
func lrd(rd, rs1 uint32) uint32             { return rType(0x08, 0, rs1, 3, rd, 0x2f) }
func scd(rd, rs2, rs1 uint32) uint32        { return rType(0x0c, rs2, rs1, 3, rd, 0x2f) }
func csrrw(rd, csr, rs1 uint32) uint32      { return iType(csr, rs1, 1, rd, 0x73) }
func csrrs(rd, csr, rs1 uint32) uint32      { return iType(csr, rs1, 2, rd, 0x73) }

const (
	ecall = 0x00000073
	wfi   = 0x10500073
	mret  = 0x30200073
)

type testMachine struct {
	bus  mem.Bus
	ram  *mem.RAM
	sys  *System
	dev  *recDev
	base uint64
}

// recDev records writes and can stop a hart from inside an access.
type recDev struct {
	writes []uint64
	stop   *Hart
}

func (d *recDev) Read(off uint64, size int) (uint64, bool) { return 0x42, true }
func (d *recDev) Write(off uint64, size int, v uint64) bool {
	d.writes = append(d.writes, v)
	if d.stop != nil {
		d.stop.Stop()
	}
	return true
}

func newTestMachine(t *testing.T) *testMachine {
	m := &testMachine{base: 0x8000_0000, dev: &recDev{}}
	ram, err := mem.NewRAM("dram", m.base, 1<<20, false)
	require.NoError(t, err)
	t.Cleanup(func() { ram.Close() })
	m.ram = ram
	require.NoError(t, m.bus.MapRAM(ram))
	require.NoError(t, m.bus.MapDevice("dev", 0x1000_0000, 0x1000, m.dev))
	var clock sim.Clock
	m.sys = NewSystem(&m.bus, &clock)
	return m
}

func (m *testMachine) hart(t *testing.T, id uint64, pc uint64) *Hart {
	h, err := m.sys.NewHart(Config{HartID: id, ISA: "rv64imac", SMode: true, UMode: true,
		MMUModes: []string{"sv39"}, ResetPC: pc, ClockHz: 1_000_000_000, TimebaseHz: 10_000_000})
	require.NoError(t, err)
	return h
}

func (m *testMachine) put(addr uint64, words ...uint32) {
	for i, w := range words {
		binary.LittleEndian.PutUint32(m.ram.Data[addr-m.base+uint64(4*i):], w)
	}
}

func TestArithmeticAndLoadsStores(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	h.SetX(5, m.base+0x1000)
	m.put(m.base,
		addi(10, 0, 100),
		addi(10, 10, -1),
		sd(10, 5, 8),
		ld(11, 5, 8),
		jal(0, 0), // spin
	)
	require.Equal(t, uint64(5), h.Run(5))
	require.Equal(t, uint64(99), h.X(10))
	require.Equal(t, uint64(99), h.X(11))
	require.Equal(t, uint64(99), binary.LittleEndian.Uint64(m.ram.Data[0x1008:]))
	require.Equal(t, m.base+16, h.PC())
	require.Equal(t, uint64(5), h.Instret())
}

// A store by one hart to another hart's reserved granule makes its SC fail.
func TestReservationBrokenByOtherHart(t *testing.T) {
	m := newTestMachine(t)
	a := m.hart(t, 0, m.base)
	b := m.hart(t, 1, m.base+0x100)
	a.SetX(5, m.base+0x2000)
	b.SetX(5, m.base+0x2000)
	m.put(m.base, lrd(10, 5), scd(11, 10, 5), jal(0, 0))
	m.put(m.base+0x100, sd(0, 5, 0), jal(0, 0))

	require.Equal(t, uint64(1), a.Run(1)) // lr.d
	require.Equal(t, uint64(1), b.Run(1)) // the other hart's store
	a.Run(1)                              // sc.d
	require.Equal(t, uint64(1), a.X(11), "SC must fail")

	// Without interference it succeeds.
	a.SetPC(m.base)
	a.Run(2)
	require.Equal(t, uint64(0), a.X(11))
}

func TestReservationBrokenByDMA(t *testing.T) {
	m := newTestMachine(t)
	a := m.hart(t, 0, m.base)
	a.SetX(5, m.base+0x2000)
	m.put(m.base, lrd(10, 5), scd(11, 10, 5), jal(0, 0))
	a.Run(1)
	require.True(t, m.bus.WriteBytes(m.base+0x2004, []byte{0}))
	a.Run(1)
	require.Equal(t, uint64(1), a.X(11))
}

// Code written by another hart (or by DMA) is seen by a hart that already
// decoded the old instruction.
func TestCodeInvalidationAcrossHarts(t *testing.T) {
	m := newTestMachine(t)
	a := m.hart(t, 0, m.base)
	b := m.hart(t, 1, m.base+0x100)
	m.put(m.base, addi(10, 0, 1), jal(0, -4))
	a.Run(4) // decodes the page
	require.Equal(t, uint64(1), a.X(10))
	// b stores "addi a0, zero, 2" over a's first instruction.
	b.SetX(6, uint64(addi(10, 0, 2)))
	b.SetX(5, m.base)
	m.put(m.base+0x100, iType(0, 5, 2, 0, 0x23)|(6<<20), jal(0, 0)) // sw x6, 0(x5)
	b.Run(1)
	a.SetPC(m.base)
	a.Run(1)
	require.Equal(t, uint64(2), a.X(10))
	// DMA rewrites it again.
	var w [4]byte
	binary.LittleEndian.PutUint32(w[:], addi(10, 0, 3))
	require.True(t, m.bus.WriteBytes(m.base, w[:]))
	a.SetPC(m.base)
	a.Run(1)
	require.Equal(t, uint64(3), a.X(10))
}

// A hart's own store into the instruction it is about to execute is seen.
func TestSelfModifyingCode(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	h.SetX(5, m.base+8)
	h.SetX(6, uint64(addi(10, 0, 7)))
	m.put(m.base,
		iType(0, 5, 2, 0, 0x23)|(6<<20), // sw x6, 0(x5): overwrite the next-but-one
		addi(10, 0, 1),
		addi(10, 0, 5), // replaced before it runs
		jal(0, 0))
	// Decode the whole sequence first, then run it.
	h.Run(4)
	require.Equal(t, uint64(7), h.X(10))
}

func TestMHookHandlesEcall(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	var causes []uint64
	h.MHook = func(h *Hart, cause, tval uint64) bool {
		causes = append(causes, cause)
		h.SetX(10, 0x5b1)
		h.SetPC(h.PC() + 4)
		return true
	}
	m.put(m.base, ecall, addi(11, 10, 1), jal(0, 0))
	h.SetPriv(PrivS)
	h.Run(2)
	require.Equal(t, []uint64{excEcallS}, causes)
	require.Equal(t, uint64(0x5b2), h.X(11))
	require.Equal(t, uint8(PrivS), h.Priv(), "the hook kept the hart in S-mode")
	mc, _ := h.CSR(csrMcause)
	require.Equal(t, uint64(0), mc, "no M-mode trap was taken")
}

func TestWFISleepsUntilInterrupt(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	h.SetCSR(csrMtvec, m.base+0x40)
	h.SetCSR(csrMie, irqMTI)
	m.put(m.base, wfi, addi(10, 0, 1), jal(0, 0))
	m.put(m.base+0x40, addi(11, 0, 9), jal(0, 0))
	require.Equal(t, uint64(1), h.Run(100))
	require.True(t, h.Sleeping())
	require.Equal(t, uint64(0), h.Run(100), "a sleeping hart retires nothing")
	before := h.LocalTime()
	h.AdvanceIdle(before + sim.Millisecond)
	require.Equal(t, before+sim.Millisecond, h.LocalTime())
	// The interrupt wakes it; MIE is clear, so execution continues after
	// the WFI without trapping.
	h.SetIRQ(sim.IRQMachineTimer, true)
	require.False(t, h.Sleeping())
	h.Run(1)
	require.Equal(t, uint64(1), h.X(10))
	require.Equal(t, uint64(0), h.X(11))
	// With MIE set, the pending interrupt is taken.
	h.SetCSR(csrMstatus, msMIE)
	h.Run(1)
	require.Equal(t, uint64(9), h.X(11))
	mc, _ := h.CSR(csrMcause)
	require.Equal(t, uint64(causeInterrupt|7), mc)
}

func TestStopFromDeviceCallback(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	m.dev.stop = h
	h.SetX(5, 0x1000_0000)
	m.put(m.base, sd(0, 5, 0), addi(10, 10, 1), jal(0, -4))
	require.Equal(t, uint64(1), h.Run(1000), "Run returns after the store that called Stop")
	require.Len(t, m.dev.writes, 1)
}

type collect struct{ evs []sim.Event }

func (c *collect) Observe(e *sim.Event) { c.evs = append(c.evs, *e) }

func TestObserverReportsRetireAndTrap(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 3, m.base)
	c := &collect{}
	h.Obs = c
	h.SetX(5, m.base+0x1000)
	h.SetCSR(csrMtvec, m.base+0x40)
	m.put(m.base, addi(10, 0, 7), sd(10, 5, 16), ecall)
	m.put(m.base+0x40, csrrw(12, csrMscratch, 10), jal(0, 0))
	require.Equal(t, uint64(3), h.Run(3))
	require.Len(t, c.evs, 4)
	e := c.evs[0]
	require.Equal(t, sim.KindRetire, e.Kind)
	require.Equal(t, int32(3), e.Hart)
	require.Equal(t, m.base, e.PC)
	require.Equal(t, sim.RegX, e.RegKind)
	require.Equal(t, uint8(10), e.Reg)
	require.Equal(t, uint64(7), e.RegVal)
	e = c.evs[1]
	require.Equal(t, sim.MemStore, e.MemKind)
	require.Equal(t, m.base+0x1010, e.MemAddr)
	require.Equal(t, uint64(7), e.MemData)
	require.Equal(t, uint8(8), e.MemSize)
	e = c.evs[2]
	require.Equal(t, sim.KindTrap, e.Kind)
	require.Equal(t, uint64(excEcallM), e.Cause)
	require.Equal(t, m.base+8, e.PC)
	require.Equal(t, m.base+0x40, e.NewPC)
	e = c.evs[3]
	require.True(t, e.CSRWrit)
	require.Equal(t, uint16(csrMscratch), e.CSR)
	require.Equal(t, uint64(7), e.CSRVal)
	require.Equal(t, uint64(3), e.Instret)
}

func TestDebuggerCSRAccess(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	_, ok := h.CSR(0x7ff)
	require.False(t, ok)
	require.True(t, h.SetCSR(csrMepc, 0x8000_0003))
	v, _ := h.CSR(csrMepc)
	require.Equal(t, uint64(0x8000_0002), v, "mepc bit 0 is always zero")
	require.True(t, h.SetCSR(csrSatp, 8<<60|0x80000))
	v, _ = h.CSR(csrSatp)
	require.Equal(t, uint64(8<<60|0x80000), v)
	require.True(t, h.SetCSR(csrSatp, 9<<60), "Sv48 not configured: ignored")
	v, _ = h.CSR(csrSatp)
	require.Equal(t, uint64(8<<60|0x80000), v)
	require.False(t, h.SetCSR(csrFcsr, 1), "no F on rv64imac")
	h.Reset()
	require.Equal(t, m.base, h.PC())
	require.Equal(t, uint8(PrivM), h.Priv())
	v, _ = h.CSR(csrSatp)
	require.Equal(t, uint64(0), v)
}

func TestConfigErrors(t *testing.T) {
	m := newTestMachine(t)
	for _, c := range []Config{
		{ISA: "rv32imac"},
		{ISA: "rv64imac_zfoo"},
		{ISA: "rv64imac", MMUModes: []string{"sv39"}},
		{ISA: "rv64imac", SMode: true, MMUModes: []string{"sv32"}},
		{ISA: "rv64imac", PMPGranularity: 6},
		{ISA: "rv64imac_sstc"},
	} {
		_, err := m.sys.NewHart(c)
		require.Error(t, err, "%+v", c)
	}
}

// TestTrapEventPrivIsTheTrappingLevel: an ecall from U reports priv U (the
// level it ran at) and target M, not M twice.
func TestTrapEventPrivIsTheTrappingLevel(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	c := &collect{}
	h.Obs = c
	h.SetCSR(csrMtvec, m.base+0x40)
	h.SetCSR(csrMepc, m.base+0x100)
	h.SetCSR(csrMstatus, 0) // MPP = U
	m.put(m.base, mret)
	m.put(m.base+0x100, ecall)
	m.put(m.base+0x40, jal(0, 0))
	h.Run(2)
	require.GreaterOrEqual(t, len(c.evs), 2)
	e := c.evs[1]
	require.Equal(t, sim.KindTrap, e.Kind)
	require.Equal(t, uint64(excEcallU), e.Cause)
	require.Equal(t, m.base+0x100, e.PC)
	require.Equal(t, uint8(PrivU), e.Priv, "privilege of the ecall")
	require.Equal(t, uint8(PrivM), e.TargetPriv)
}

// TestPrivSpec110HasNoLaterCSRs: at privileged spec 1.10 (QEMU's SiFive
// CPUs) mcountinhibit and menvcfg do not exist; at the default they do.
func TestPrivSpec110HasNoLaterCSRs(t *testing.T) {
	for _, spec := range []PrivSpec{0, 110} {
		m := newTestMachine(t)
		h := m.hart(t, 0, m.base)
		h.SetPrivSpec(spec)
		c := &collect{}
		h.Obs = c
		h.SetCSR(csrMtvec, m.base+0x40)
		m.put(m.base, csrrw(10, csrMcountinh, 0))
		m.put(m.base+0x40, jal(0, 0))
		h.Run(1)
		require.NotEmpty(t, c.evs)
		if spec == 110 {
			require.Equal(t, sim.KindTrap, c.evs[0].Kind, "mcountinhibit is a 1.11 CSR")
			require.Equal(t, uint64(2), c.evs[0].Cause)
		} else {
			require.Equal(t, sim.KindRetire, c.evs[0].Kind)
		}
	}
}

// TestNoTimeCSR: without the time CSR, rdtime is an illegal instruction.
func TestNoTimeCSR(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	h.SetTimeCSR(false)
	require.False(t, h.HasTimeCSR())
	c := &collect{}
	h.Obs = c
	h.SetCSR(csrMtvec, m.base+0x40)
	m.put(m.base, 0xc0102573) // rdtime a0
	m.put(m.base+0x40, jal(0, 0))
	h.Run(1)
	require.NotEmpty(t, c.evs)
	require.Equal(t, sim.KindTrap, c.evs[0].Kind)
	require.Equal(t, uint64(0xc0102573), c.evs[0].Tval)
}

// trapsOnly keeps traps and interrupts and says so (sim.KindSelector).
type trapsOnly struct{ collect }

func (c *trapsOnly) Wants(_ int32, k sim.Kind) bool {
	return k == sim.KindTrap || k == sim.KindInterrupt
}

// An observer that keeps no instruction events lets the hart run its fast
// path, and the traps it sees are those a stepping hart reports: same pc,
// cause, instret and cycle.
func TestObserverKeepingTrapsOnlyGetsTheSameTraps(t *testing.T) {
	run := func(obs sim.Observer) *Hart {
		m := newTestMachine(t)
		h := m.hart(t, 0, m.base)
		h.Obs = obs
		h.SetCSR(csrMtvec, m.base+0x40)
		// A loop that takes an ecall every third instruction; the handler
		// steps mepc over it and returns.
		m.put(m.base, addi(10, 10, 1), ecall, jal(0, -8))
		m.put(m.base+0x40, csrrs(11, csrMepc, 0), addi(11, 11, 4), csrrw(0, csrMepc, 11), mret)
		require.Equal(t, uint64(700), h.Run(700))
		return h
	}
	all := &collect{}
	run(all)
	sel := &trapsOnly{}
	h := run(sel)
	require.False(t, h.instructionEventsWanted())
	var traps []sim.Event
	for _, e := range all.evs {
		if e.Kind == sim.KindTrap {
			traps = append(traps, e)
		}
	}
	require.Greater(t, len(traps), 50)
	require.Equal(t, traps, sel.evs)
}
