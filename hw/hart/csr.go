package hart

import "cosim/hw/sim"

// CSR numbers.
const (
	csrFflags   = 0x001
	csrFrm      = 0x002
	csrFcsr     = 0x003
	csrSstatus  = 0x100
	csrSie      = 0x104
	csrStvec    = 0x105
	csrScounten = 0x106
	csrSenvcfg  = 0x10a
	csrSscratch = 0x140
	csrSepc     = 0x141
	csrScause   = 0x142
	csrStval    = 0x143
	csrSip      = 0x144
	csrStimecmp = 0x14d
	csrSatp     = 0x180

	csrMstatus    = 0x300
	csrMisa       = 0x301
	csrMedeleg    = 0x302
	csrMideleg    = 0x303
	csrMie        = 0x304
	csrMtvec      = 0x305
	csrMcounteren = 0x306
	csrMenvcfg    = 0x30a
	csrMcountinh  = 0x320
	csrMhpmevent3 = 0x323
	csrMscratch   = 0x340
	csrMepc       = 0x341
	csrMcause     = 0x342
	csrMtval      = 0x343
	csrMip        = 0x344
	csrPmpcfg0    = 0x3a0
	csrPmpaddr0   = 0x3b0
	csrTselect    = 0x7a0
	csrTdata1     = 0x7a1
	csrTdata2     = 0x7a2
	csrTdata3     = 0x7a3
	csrTinfo      = 0x7a4
	csrMcycle     = 0xb00
	csrMinstret   = 0xb02
	csrMhpmcnt3   = 0xb03
	csrCycle      = 0xc00
	csrTime       = 0xc01
	csrInstret    = 0xc02
	csrHpmcnt3    = 0xc03
	csrMvendorid  = 0xf11
	csrMarchid    = 0xf12
	csrMimpid     = 0xf13
	csrMhartid    = 0xf14
	csrMconfigptr = 0xf15
)

// mstatus fields.
const (
	msSIE  = 1 << 1
	msMIE  = 1 << 3
	msSPIE = 1 << 5
	msMPIE = 1 << 7
	msSPP  = 1 << 8
	msMPP  = 3 << 11
	msFS   = 3 << 13
	msXS   = 3 << 15
	msMPRV = 1 << 17
	msSUM  = 1 << 18
	msMXR  = 1 << 19
	msTVM  = 1 << 20
	msTW   = 1 << 21
	msTSR  = 1 << 22
	msUXL  = 3 << 32
	msSXL  = 3 << 34
	msSD   = 1 << 63

	msMPPShift = 11
	fsDirty    = 3 << 13

	// The sstatus view of mstatus.
	sstatusMask = msSIE | msSPIE | msSPP | msFS | msXS | msSUM | msMXR | msUXL | msSD

	mstatusResetValue = 0
)

// Interrupt bits of mip/mie.
const (
	irqSSI = 1 << sim.IRQSupervisorSoftware
	irqMSI = 1 << sim.IRQMachineSoftware
	irqSTI = 1 << sim.IRQSupervisorTimer
	irqMTI = 1 << sim.IRQMachineTimer
	irqSEI = 1 << sim.IRQSupervisorExternal
	irqMEI = 1 << sim.IRQMachineExternal

	sInts = irqSSI | irqSTI | irqSEI
	mInts = irqMSI | irqMTI | irqMEI
)

// Exception causes.
const (
	excInsnMisaligned  = 0
	excInsnAccess      = 1
	excIllegal         = 2
	excBreakpoint      = 3
	excLoadMisaligned  = 4
	excLoadAccess      = 5
	excStoreMisaligned = 6
	excStoreAccess     = 7
	excEcallU          = 8
	excEcallS          = 9
	excEcallM          = 11
	excInsnPage        = 12
	excLoadPage        = 13
	excStorePage       = 15

	// Exceptions medeleg can delegate (ecall from M cannot occur below M).
	delegableExc = 1<<excInsnMisaligned | 1<<excInsnAccess | 1<<excIllegal | 1<<excBreakpoint |
		1<<excLoadMisaligned | 1<<excLoadAccess | 1<<excStoreMisaligned | 1<<excStoreAccess |
		1<<excEcallU | 1<<excEcallS | 1<<excInsnPage | 1<<excLoadPage | 1<<excStorePage
)

// menvcfg/senvcfg fields: FIOM, CBIE, CBCFE, CBZE (as QEMU 7.2 keeps them),
// STCE in menvcfg when Sstc is present.
const (
	envcfgLow  = 0xf1
	envcfgSTCE = 1 << 63
)

// Trigger module (as QEMU 7.2 presents it: two triggers, type 2 mcontrol).
const (
	numTriggers   = 2
	tdata1Type2   = 2 << 60
	tinfoQEMU     = 1<<2 | 1<<6
	mcontrolWMask = 0x0000_0000_0007_fbff &^ (1 << 10) // action bits hardwired 0 except breakpoint
)

// csrState is the architectural CSR state Reset clears.
type csrState struct {
	mstatus    uint64
	mhartid    uint64
	medeleg    uint64
	mideleg    uint64
	mie        uint64
	mipSW      uint64 // SSIP, STIP (without Sstc), software SEIP
	mtvec      uint64
	stvec      uint64
	mepc       uint64
	sepc       uint64
	mcause     uint64
	scause     uint64
	mtval      uint64
	stval      uint64
	mscratch   uint64
	sscratch   uint64
	mcounteren uint32
	scounteren uint32
	mcountinh  uint32
	menvcfg    uint64
	senvcfg    uint64
	satp       uint64
	stimecmp   uint64
	frm        uint8
	fflags     uint8
	pmpcfg     [64]uint8
	pmpaddr    [64]uint64
	mhpmevent  [29]uint64
	tselect    uint64
	tdata1     [numTriggers]uint64
	tdata2     [numTriggers]uint64
}

// mipHW lives outside csrState: wires keep their level across a reset.
type counters struct {
	mipHW   uint64
	retired uint64 // instructions retired since the hart was created
	idle    uint64 // cycles spent asleep or stalled beyond one per instruction

	cycleOff, instretOff   uint64 // counter = raw - off while counting
	cycleHeld, instretHeld uint64 // value while inhibited
	hpm                    [29]uint64
}

// cycles is the core cycle count since creation.
func (h *Hart) cycles() uint64 { return h.retired + h.idle }

// Cycle returns the number of core cycles since the hart was created.
func (h *Hart) Cycle() uint64 { return h.cycles() }

// Instret returns the number of instructions retired since creation.
func (h *Hart) Instret() uint64 { return h.retired }

// LocalTime is the hart's simulated time: its cycle count at ClockHz.
func (h *Hart) LocalTime() sim.Time { return sim.FromTicks(h.cycles(), h.cfg.ClockHz) }

// AdvanceIdle moves a sleeping (or stopped) hart's local time forward to t;
// the cycles pass without retiring instructions.
func (h *Hart) AdvanceIdle(t sim.Time) {
	c := h.cyclesAt(t)
	if c > h.cycles() {
		h.idle += c - h.cycles()
	}
}

// cyclesAt is the first cycle count whose local time is at or after t.
func (h *Hart) cyclesAt(t sim.Time) uint64 {
	c := sim.Ticks(t, h.cfg.ClockHz)
	if sim.FromTicks(c, h.cfg.ClockHz) < t {
		c++
	}
	return c
}

// timeCSR is the value of the time CSR: local time in timebase ticks.
func (h *Hart) timeCSR() uint64 { return sim.Ticks(h.LocalTime(), h.cfg.TimebaseHz) }

// sstcActive says whether STIP follows stimecmp.
func (h *Hart) sstcActive() bool {
	return h.ext&extSstc != 0 && h.menvcfg&envcfgSTCE != 0
}

// readMIP is mip as software reads it.
func (h *Hart) readMIP() uint64 {
	v := h.mipHW | h.mipSW
	if h.sstcActive() {
		v &^= irqSTI
		if h.timeCSR() >= h.stimecmp {
			v |= irqSTI
		}
	}
	return v
}

// WakeTime returns the local time at which the Sstc timer will raise STIP,
// if it is armed and not yet pending; the engine uses it to wake a sleeping
// hart.
func (h *Hart) WakeTime() (sim.Time, bool) {
	if !h.sstcActive() || h.stimecmp == ^uint64(0) {
		return sim.Never, false
	}
	t := sim.FromTicks(h.stimecmp, h.cfg.TimebaseHz)
	if t <= h.LocalTime() {
		return h.LocalTime(), true
	}
	return t, true
}

// timerLimit is the retired-instruction count at which the run loop must
// stop to let the Sstc timer raise STIP (one cycle per instruction).
func (h *Hart) timerLimit() uint64 {
	if !h.sstcActive() || h.readMIP()&irqSTI != 0 || h.mie&irqSTI == 0 {
		return ^uint64(0)
	}
	t, ok := h.WakeTime()
	if !ok {
		return ^uint64(0)
	}
	c := h.cyclesAt(t)
	if c <= h.cycles() {
		return h.retired
	}
	return h.retired + (c - h.cycles())
}

func (h *Hart) readMstatus() uint64 {
	v := h.mstatus
	if h.hasU {
		v |= 2 << 32
	}
	if h.hasS {
		v |= 2 << 34
	}
	if v&msFS == msFS || v&msXS == msXS {
		v |= msSD
	}
	return v
}

func (h *Hart) mstatusWritable() uint64 {
	m := uint64(msMIE | msMPIE)
	if h.hasU {
		m |= msMPRV | msMPP | msTW
	}
	if h.hasS {
		m |= msSIE | msSPIE | msSPP | msSUM | msMXR | msTVM | msTSR
	}
	if h.ext&extF != 0 {
		m |= msFS
	}
	return m
}

// writeMstatus applies a write through mstatus (mask = writable bits of the
// view written).
func (h *Hart) writeMstatus(v, mask uint64) {
	mask &= h.mstatusWritable()
	old := h.mstatus
	nv := old&^mask | v&mask
	// MPP is WARL: an unsupported mode keeps the previous value.
	if mpp := (nv & msMPP) >> msMPPShift; !h.privOK(uint8(mpp)) {
		nv = nv&^msMPP | old&msMPP
	}
	h.mstatus = nv
	if !h.hasU {
		h.mstatus = h.mstatus&^msMPP | PrivM<<msMPPShift
	}
	if (old^nv)&(msSUM|msMXR) != 0 {
		h.flushTLBData()
	}
	h.updateDataPriv()
	h.resync = true
}

func (h *Hart) privOK(p uint8) bool {
	switch p {
	case PrivM:
		return true
	case PrivS:
		return h.hasS
	case PrivU:
		return h.hasU
	}
	return false
}

func (h *Hart) mieWritable() uint64 {
	m := uint64(mInts)
	if h.hasS {
		m |= sInts
	}
	return m
}

func (h *Hart) mipWritable() uint64 {
	if !h.hasS {
		return 0
	}
	m := uint64(sInts)
	if h.sstcActive() {
		m &^= irqSTI
	}
	return m
}

// counterExists says whether the counter CSR with index i (0 cycle, 1 time,
// 2 instret, 3..31 hpmcounters) is implemented.
func (h *Hart) counterExists(i uint) bool {
	if i < 3 {
		return true
	}
	return i-3 < uint(h.cfg.HPMCounters)
}

func (h *Hart) counterValue(i uint) uint64 {
	switch i {
	case 0:
		if h.mcountinh&1 != 0 {
			return h.cycleHeld
		}
		return h.cycles() - h.cycleOff
	case 1:
		return h.timeCSR()
	case 2:
		if h.mcountinh&4 != 0 {
			return h.instretHeld
		}
		return h.retired - h.instretOff
	}
	return h.hpm[i-3]
}

// setCounter writes a counter. adj is 1 when a CSR instruction writes it:
// the write takes effect after the instruction retires, so the next
// instruction reads v.
func (h *Hart) setCounter(i uint, v, adj uint64) {
	switch i {
	case 0:
		if h.mcountinh&1 != 0 {
			h.cycleHeld = v
		} else {
			h.cycleOff = h.cycles() + adj - v
		}
	case 2:
		if h.mcountinh&4 != 0 {
			h.instretHeld = v
		} else {
			h.instretOff = h.retired + adj - v
		}
	default:
		if i >= 3 {
			h.hpm[i-3] = v
		}
	}
}

func (h *Hart) writeCountInhibit(v uint32) {
	mask := uint32(1 | 4)
	for i := 0; i < h.cfg.HPMCounters; i++ {
		mask |= 1 << (3 + i)
	}
	v &= mask
	old := h.mcountinh
	// Freeze or resume cycle and instret around the change.
	if (old^v)&1 != 0 {
		if v&1 != 0 {
			h.cycleHeld = h.cycles() - h.cycleOff
		} else {
			h.cycleOff = h.cycles() - h.cycleHeld
		}
	}
	if (old^v)&4 != 0 {
		if v&4 != 0 {
			h.instretHeld = h.retired - h.instretOff
		} else {
			h.instretOff = h.retired - h.instretHeld
		}
	}
	h.mcountinh = v
}

// csrAccessOK applies the privilege and existence rules shared by reads and
// writes; it returns false for an illegal access.
func (h *Hart) csrAccessOK(csr uint16, write bool) bool {
	if uint8(csr>>8)&3 > h.priv {
		return false
	}
	if write && csr>>10 == 3 {
		return false
	}
	return h.csrInSpec(csr)
}

// readCSR returns a CSR's value for an instruction running at the current
// privilege; ok=false means illegal instruction.
func (h *Hart) readCSR(csr uint16) (uint64, bool) {
	if !h.csrAccessOK(csr, false) {
		return 0, false
	}
	return h.csrRead(csr, true)
}

// csrRead reads a CSR. When checked is set, the dynamic access rules
// (counter enables, TVM, FS=Off, Sstc enables) apply.
func (h *Hart) csrRead(csr uint16, checked bool) (uint64, bool) {
	switch {
	case csr >= csrCycle && csr <= csrCycle+31:
		i := uint(csr - csrCycle)
		if !h.counterExists(i) || (checked && !h.counterEnabled(i)) {
			return 0, false
		}
		return h.counterValue(i), true
	case csr == csrMcycle || csr >= csrMinstret && csr <= csrMcycle+31:
		i := uint(csr - csrMcycle)
		if !h.counterExists(i) {
			return 0, false
		}
		return h.counterValue(i), true
	case csr >= csrMhpmevent3 && csr <= csrMhpmevent3+28:
		return h.mhpmevent[csr-csrMhpmevent3], true
	case csr >= csrPmpcfg0 && csr < csrPmpcfg0+16:
		if csr&1 != 0 || !h.pmpCSRExists(int(csr-csrPmpcfg0)*4) {
			return 0, false
		}
		var v uint64
		base := int(csr-csrPmpcfg0) * 4
		for i := 0; i < 8; i++ {
			v |= uint64(h.pmpcfg[base+i]) << (8 * i)
		}
		return v, true
	case csr >= csrPmpaddr0 && csr < csrPmpaddr0+64:
		i := int(csr - csrPmpaddr0)
		if !h.pmpCSRExists(i) {
			return 0, false
		}
		return h.pmpAddrRead(i), true
	}
	switch csr {
	case csrFflags, csrFrm, csrFcsr:
		if h.ext&extF == 0 || (checked && h.mstatus&msFS == 0) {
			return 0, false
		}
		switch csr {
		case csrFflags:
			return uint64(h.fflags), true
		case csrFrm:
			return uint64(h.frm), true
		}
		return uint64(h.frm)<<5 | uint64(h.fflags), true
	case csrMstatus:
		return h.readMstatus(), true
	case csrMisa:
		return h.misa, true
	case csrMie:
		return h.mie, true
	case csrMip:
		return h.readMIP(), true
	case csrMtvec:
		return h.mtvec, true
	case csrMscratch:
		return h.mscratch, true
	case csrMepc:
		return h.epcRead(h.mepc), true
	case csrMcause:
		return h.mcause, true
	case csrMtval:
		return h.mtval, true
	case csrMcountinh:
		return uint64(h.mcountinh), true
	case csrMvendorid:
		return h.cfg.MVendorID, true
	case csrMarchid:
		return h.cfg.MArchID, true
	case csrMimpid:
		return h.cfg.MImpID, true
	case csrMhartid:
		return h.mhartid, true
	case csrMconfigptr:
		return 0, true
	case csrTselect:
		return h.tselect, true
	case csrTdata1:
		return h.tdata1[h.tselect], true
	case csrTdata2:
		return h.tdata2[h.tselect], true
	case csrTdata3:
		return 0, true
	case csrTinfo:
		return tinfoQEMU, true
	}
	if h.hasU {
		switch csr {
		case csrMcounteren:
			return uint64(h.mcounteren), true
		case csrMenvcfg:
			return h.menvcfg, true
		}
	}
	if !h.hasS {
		return 0, false
	}
	switch csr {
	case csrMedeleg:
		return h.medeleg, true
	case csrMideleg:
		return h.mideleg, true
	case csrSstatus:
		return h.readMstatus() & sstatusMask, true
	case csrSie:
		return h.mie & h.mideleg, true
	case csrSip:
		return h.readMIP() & h.mideleg, true
	case csrStvec:
		return h.stvec, true
	case csrScounten:
		return uint64(h.scounteren), true
	case csrSenvcfg:
		return h.senvcfg, true
	case csrSscratch:
		return h.sscratch, true
	case csrSepc:
		return h.epcRead(h.sepc), true
	case csrScause:
		return h.scause, true
	case csrStval:
		return h.stval, true
	case csrSatp:
		if checked && h.priv == PrivS && h.mstatus&msTVM != 0 {
			return 0, false
		}
		return h.satp, true
	case csrStimecmp:
		if h.ext&extSstc == 0 || (checked && !h.stimecmpEnabled()) {
			return 0, false
		}
		return h.stimecmp, true
	}
	return 0, false
}

func (h *Hart) stimecmpEnabled() bool {
	return h.priv == PrivM || h.mcounteren&2 != 0 && h.menvcfg&envcfgSTCE != 0
}

// counterEnabled applies mcounteren/scounteren to an unprivileged counter.
func (h *Hart) counterEnabled(i uint) bool {
	switch h.priv {
	case PrivM:
		return true
	case PrivS:
		return h.mcounteren>>i&1 != 0
	}
	if h.mcounteren>>i&1 == 0 {
		return false
	}
	return !h.hasS || h.scounteren>>i&1 != 0
}

func (h *Hart) epcRead(v uint64) uint64 {
	if h.ext&extC == 0 {
		return v &^ 3
	}
	return v &^ 1
}

// writeCSR performs a CSR write for an instruction at the current
// privilege; ok=false means illegal instruction.
func (h *Hart) writeCSR(csr uint16, v uint64) bool {
	if !h.csrAccessOK(csr, true) {
		return false
	}
	return h.csrWrite(csr, v, true)
}

func (h *Hart) csrWrite(csr uint16, v uint64, checked bool) bool {
	switch {
	case csr >= csrCycle && csr <= csrCycle+31:
		return false // read-only
	case csr == csrMcycle || csr >= csrMinstret && csr <= csrMcycle+31:
		i := uint(csr - csrMcycle)
		if !h.counterExists(i) {
			return false
		}
		var adj uint64
		if checked {
			adj = 1
		}
		h.setCounter(i, v, adj)
		return true
	case csr >= csrMhpmevent3 && csr <= csrMhpmevent3+28:
		h.mhpmevent[csr-csrMhpmevent3] = v
		return true
	case csr >= csrPmpcfg0 && csr < csrPmpcfg0+16:
		if csr&1 != 0 || !h.pmpCSRExists(int(csr-csrPmpcfg0)*4) {
			return false
		}
		h.pmpCfgWrite(int(csr-csrPmpcfg0)*4, v)
		return true
	case csr >= csrPmpaddr0 && csr < csrPmpaddr0+64:
		i := int(csr - csrPmpaddr0)
		if !h.pmpCSRExists(i) {
			return false
		}
		h.pmpAddrWrite(i, v)
		return true
	}
	switch csr {
	case csrFflags, csrFrm, csrFcsr:
		if h.ext&extF == 0 || (checked && h.mstatus&msFS == 0) {
			return false
		}
		switch csr {
		case csrFflags:
			h.fflags = uint8(v) & 0x1f
		case csrFrm:
			h.frm = uint8(v) & 7
		default:
			h.fflags = uint8(v) & 0x1f
			h.frm = uint8(v>>5) & 7
		}
		h.mstatus |= fsDirty
		return true
	case csrMstatus:
		h.writeMstatus(v, ^uint64(0))
		return true
	case csrMisa:
		return true // read-only in effect, as QEMU 7.2 without misa_w
	case csrMie:
		m := h.mieWritable()
		h.mie = h.mie&^m | v&m
		h.resync = true
		return true
	case csrMip:
		m := h.mipWritable()
		h.mipSW = h.mipSW&^m | v&m
		h.resync = true
		return true
	case csrMtvec:
		if v&3 < 2 {
			h.mtvec = v
		}
		return true
	case csrMscratch:
		h.mscratch = v
		return true
	case csrMepc:
		h.mepc = v &^ 1
		return true
	case csrMcause:
		h.mcause = v
		return true
	case csrMtval:
		h.mtval = v
		return true
	case csrMcountinh:
		h.writeCountInhibit(uint32(v))
		return true
	case csrMvendorid, csrMarchid, csrMimpid, csrMhartid, csrMconfigptr:
		return false
	case csrTselect:
		if v < numTriggers {
			h.tselect = v
		}
		return true
	case csrTdata1:
		h.writeTdata1(v)
		return true
	case csrTdata2:
		h.tdata2[h.tselect] = v
		return true
	case csrTdata3:
		return true
	case csrTinfo:
		return true
	}
	if h.hasU {
		switch csr {
		case csrMcounteren:
			h.mcounteren = uint32(v)
			return true
		case csrMenvcfg:
			m := uint64(envcfgLow)
			if h.ext&extSstc != 0 {
				m |= envcfgSTCE
			}
			h.menvcfg = h.menvcfg&^m | v&m
			h.resync = true
			return true
		}
	}
	if !h.hasS {
		return false
	}
	switch csr {
	case csrMedeleg:
		h.medeleg = v & delegableExc
	case csrMideleg:
		h.mideleg = v & sInts
		h.resync = true
	case csrSstatus:
		h.writeMstatus(v, msSIE|msSPIE|msSPP|msFS|msSUM|msMXR)
	case csrSie:
		m := h.mideleg & h.mieWritable()
		h.mie = h.mie&^m | v&m
		h.resync = true
	case csrSip:
		m := h.mideleg & irqSSI
		h.mipSW = h.mipSW&^m | v&m
		h.resync = true
	case csrStvec:
		if v&3 < 2 {
			h.stvec = v
		}
	case csrScounten:
		h.scounteren = uint32(v)
	case csrSenvcfg:
		h.senvcfg = v & envcfgLow
	case csrSscratch:
		h.sscratch = v
	case csrSepc:
		h.sepc = v &^ 1
	case csrScause:
		h.scause = v
	case csrStval:
		h.stval = v
	case csrSatp:
		if checked && h.priv == PrivS && h.mstatus&msTVM != 0 {
			return false
		}
		h.writeSatp(v)
	case csrStimecmp:
		if h.ext&extSstc == 0 || (checked && !h.stimecmpEnabled()) {
			return false
		}
		h.stimecmp = v
		h.resync = true
	default:
		return false
	}
	return true
}

func (h *Hart) writeTdata1(v uint64) {
	// Only type 2 (mcontrol) is accepted; other types leave it unchanged,
	// and dmode stays 0 (no external debugger).
	if v>>60 != 2 {
		return
	}
	h.tdata1[h.tselect] = tdata1Type2 | v&mcontrolWMask
}

// satp modes.
const (
	satpBare = 0
	satpSv39 = 8
	satpSv48 = 9
	satpSv57 = 10
)

func (h *Hart) writeSatp(v uint64) {
	mode := v >> 60
	if mode != satpBare && h.modes&(1<<mode) == 0 {
		return // unsupported mode: the write is ignored (WARL, as QEMU)
	}
	if h.modes == 0 {
		return
	}
	if v != h.satp {
		h.satp = v
		h.flushTLB()
	}
}

// CSR reads a CSR as a debugger would: no privilege checks, no side effects.
func (h *Hart) CSR(addr uint16) (uint64, bool) {
	return h.csrRead(addr&0xfff, false)
}

// SetCSR writes a CSR as a debugger would (no privilege checks); the usual
// WARL legalisation applies. It returns false if the CSR does not exist.
func (h *Hart) SetCSR(addr uint16, v uint64) bool {
	addr &= 0xfff
	switch {
	case addr >= csrCycle && addr <= csrCycle+31 && addr != csrTime:
		return h.csrWrite(addr-csrCycle+csrMcycle, v, false)
	case addr == csrMvendorid || addr == csrMarchid || addr == csrMimpid || addr == csrMconfigptr:
		return false
	case addr == csrMhartid:
		h.mhartid = v
		return true
	}
	return h.csrWrite(addr, v, false)
}
