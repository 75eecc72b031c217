package hart

import "cosim/hw/sim"

// opInfo says what an instruction's retirement reports: whether it writes
// rd, and its memory access.
type opInfo struct {
	writesRd bool
	memKind  uint8
	memSize  uint8
	report   uint8 // reportCSR, reportCSRIfRs1, reportFence
}

// What else an instruction's retirement reports.
const (
	reportCSR      = 1 // writes the CSR in imm
	reportCSRIfRs1 = 2 // writes the CSR in imm unless rs1 (or the immediate) is 0
	reportFence    = 3 // a fence event follows
)

// opInfos has an entry for every uint8, so that indexing needs no check.
var opInfos [256]opInfo

func init() {
	for i := range encodings {
		d := &encodings[i]
		inf := &opInfos[d.op]
		switch d.fmt {
		case fmtR, fmtR1, fmtR4, fmtI, fmtU, fmtJ, fmtSh6, fmtSh5, fmtCSR, fmtCSRI:
			inf.writesRd = true
		}
	}
	loads := map[uint8]uint8{opLB: 1, opLBU: 1, opLH: 2, opLHU: 2, opLW: 4, opLWU: 4, opLD: 8, opFLW: 4, opFLD: 8, opLRW: 4, opLRD: 8}
	stores := map[uint8]uint8{opSB: 1, opSH: 2, opSW: 4, opSD: 8, opFSW: 4, opFSD: 8, opSCW: 4, opSCD: 8}
	for op, n := range loads {
		opInfos[op].memKind, opInfos[op].memSize = sim.MemLoad, n
	}
	for op, n := range stores {
		opInfos[op].memKind, opInfos[op].memSize = sim.MemStore, n
	}
	for _, op := range []uint8{opCSRRW, opCSRRWI} {
		opInfos[op].report = reportCSR
	}
	for _, op := range []uint8{opCSRRS, opCSRRC, opCSRRSI, opCSRRCI} {
		opInfos[op].report = reportCSRIfRs1
	}
	for _, op := range []uint8{opFENCE, opFENCEI, opSFENCEVMA} {
		opInfos[op].report = reportFence
	}
	for op := opAMOSWAPW; op <= opAMOMAXUD; op++ {
		if op == opLRD || op == opSCD {
			continue
		}
		opInfos[op].memKind = sim.MemAMO
		opInfos[op].memSize = 4
		if op >= opLRD {
			opInfos[op].memSize = 8
		}
	}
}

// instructionEventsWanted reports whether the observer keeps any of the
// events only one-instruction stepping produces (retire and fences); if
// not, the hart runs its fast path and still reports traps and interrupts.
func (h *Hart) instructionEventsWanted() bool {
	sel, ok := h.Obs.(sim.KindSelector)
	if !ok {
		return true
	}
	id := int32(h.cfg.HartID)
	for _, k := range [...]sim.Kind{sim.KindRetire, sim.KindFence, sim.KindFenceI, sim.KindSfenceVMA} {
		if sel.Wants(id, k) {
			return true
		}
	}
	return false
}

// event returns the hart's scratch event, filled with the common fields
// and every other field cleared.
func (h *Hart) event(k sim.Kind) *sim.Event {
	e := &h.obsEvent
	resetEvent(e, k, int32(h.cfg.HartID), h.cycles(), h.retired, h.priv)
	e.Time = h.LocalTime()
	return e
}

// resetEvent clears e and fills the fields every hart event has (Time
// left zero). It assigns field by field: copying a whole zero Event (it
// holds strings and a slice) costs write barriers.
func resetEvent(e *sim.Event, k sim.Kind, hart int32, cycle, instret uint64, priv uint8) {
	if e.Text != "" || e.Device != "" || e.Data != nil {
		e.Text, e.Device, e.Data = "", "", nil
	}
	e.Kind, e.Hart, e.Cycle, e.Instret, e.Time = k, hart, cycle, instret, 0
	e.PC, e.Insn, e.InsnLen, e.Priv = 0, 0, 0, priv
	e.RegKind, e.Reg, e.RegVal = 0, 0, 0
	e.CSRWrit, e.CSR, e.CSRVal = false, 0, 0
	e.MemKind, e.MemSize, e.MemAddr, e.MemData = 0, 0, 0, 0
	e.Cause, e.Tval, e.TargetPriv, e.NewPC = 0, 0, 0, 0
	e.Addr, e.Value, e.Size, e.Write, e.AddrValid, e.ValueValid = 0, 0, 0, false, false, false
}

// retired is what reporting one retirement needs: the instruction, where
// and at what level it ran, the operands it started from and the values
// it left. Stepping builds one per instruction; a capturing hart builds
// one for each instruction its loop does not code itself (capture.go).
type retired struct {
	pc     uint64
	cycle  uint64
	v1, v2 uint64 // rs1 and rs2 before the instruction; for a CSR write, v2 is the CSR after it
	rdv    uint64 // rd after the instruction
	s      slot
	priv   uint8
}

// observeBefore records, before an observed instruction runs, what its
// retirement report needs from the state before it: pc, privilege and the
// source registers (only those, when the slot is known). Observation
// steps the run loop one instruction at a time; the caches see the same
// lookups as without it (see cacheState).
func (h *Hart) observeBefore(pc uint64, first *slot, cp *codePage, cvpn uint64) {
	h.obsPC, h.obsPriv = pc, h.priv
	s := first
	if s == nil && cp != nil && pc>>pageShift == cvpn {
		s = &cp.slots[(pc>>1)&(pageSize/2-1)]
		if s.op == opUndecoded {
			h.decodeSlot(cp, pc)
		}
		if s.op == opCross {
			s = nil
		}
	}
	if s != nil {
		h.obsPre[s.rs1&(fBase+31)] = h.r[s.rs1]
		h.obsPre[s.rs2&(fBase+31)] = h.r[s.rs2]
		return
	}
	copy(h.obsPre[:], h.r[:fBase+32])
}

// observeRetire reports the retirement of s (observed with observeBefore).
func (h *Hart) observeRetire(s *slot) {
	if h.Obs == nil {
		return
	}
	r := retired{pc: h.obsPC, cycle: h.cycles(), s: *s, v1: h.obsPre[s.rs1], v2: h.obsPre[s.rs2], rdv: h.r[s.rd], priv: h.obsPriv}
	if c, ok := csrWritten(s); ok {
		r.v2, _ = h.CSR(c)
	}
	var ret sim.Retired
	setRetire(&ret, &r)
	e := &h.obsEvent
	id := int32(h.cfg.HartID)
	ret.Event(e, id, h.retired, h.cfg.ClockHz)
	h.Obs.Observe(e)
	if ret.Fence != 0 {
		ret.FenceEvent(e, id, h.retired, h.cfg.ClockHz)
		h.Obs.Observe(e)
	}
}

// csrWritten returns the CSR a Zicsr instruction writes, if it writes one.
func csrWritten(s *slot) (uint16, bool) {
	switch opInfos[s.op].report {
	case reportCSR:
		return uint16(s.imm) & 0xfff, true
	case reportCSRIfRs1:
		return uint16(s.imm) & 0xfff, s.rs1 != 0
	}
	return 0, false
}

// setRetire sets e to the retirement r records.
func setRetire(e *sim.Retired, r *retired) {
	s := &r.s
	inf := opInfos[s.op]
	// Field by field: a composite literal is built on the stack with narrow
	// stores and copied with wide loads, which stalls store forwarding
	// (measured 8 against 2 ns per record).
	e.PC, e.Cycle, e.Insn, e.InsnLen, e.Priv = r.pc, r.cycle, s.insn, s.len, r.priv
	e.RegKind, e.Reg, e.RegVal = sim.RegNone, 0, 0
	e.MemKind, e.MemSize, e.MemAddr, e.MemData = inf.memKind, inf.memSize, 0, 0
	e.CSRWrit, e.CSR, e.CSRVal = false, 0, 0
	if inf.writesRd && s.rd != xZeroSink {
		e.RegKind, e.Reg, e.RegVal = sim.RegX, s.rd, r.rdv
		if s.rd >= fBase {
			e.RegKind, e.Reg = sim.RegF, s.rd-fBase
		}
	}
	if inf.memKind != sim.MemNone {
		setRetireMem(e, r, inf)
	}
	if inf.report == reportCSR || inf.report == reportCSRIfRs1 && s.rs1 != 0 {
		e.CSRWrit, e.CSR, e.CSRVal = true, uint16(s.imm)&0xfff, r.v2
	}
	e.Fence, e.FenceAddr, e.FenceVal, e.FenceAddrValid, e.FenceValValid = 0, 0, 0, false, false
	if inf.report == reportFence {
		setRetireFence(e, r)
	}
}

// setRetireMem sets the memory access of e, which r's instruction makes.
func setRetireMem(e *sim.Retired, r *retired, inf opInfo) {
	s := &r.s
	switch inf.memKind {
	case sim.MemLoad:
		e.MemAddr = r.v1 + s.im()
		if s.op == opLRW || s.op == opLRD {
			e.MemAddr = r.v1
		}
		e.MemData = r.rdv & sim.SizeMask(inf.memSize)
	case sim.MemStore:
		e.MemAddr = r.v1 + s.im()
		if s.op == opSCW || s.op == opSCD {
			e.MemAddr = r.v1
			if r.rdv != 0 { // failed SC stores nothing
				e.MemKind, e.MemSize = sim.MemNone, 0
			}
		}
		e.MemData = r.v2 & sim.SizeMask(inf.memSize)
	case sim.MemAMO:
		e.MemAddr = r.v1
		op := s.op
		if op >= opLRD {
			op -= opLRD - opLRW
		}
		b := r.v2
		if inf.memSize == 4 {
			b = sx32(uint32(b))
		}
		e.MemData = amoResult(op, r.rdv, b, int(inf.memSize)) & sim.SizeMask(inf.memSize)
	}
}

// setRetireFence sets the fence event that follows r's retirement.
func setRetireFence(e *sim.Retired, r *retired) {
	s := &r.s
	switch s.op {
	case opFENCE:
		e.Fence, e.FenceVal, e.FenceValValid = sim.KindFence, s.im()&0xff, true
	case opFENCEI:
		e.Fence = sim.KindFenceI
	case opSFENCEVMA:
		e.Fence = sim.KindSfenceVMA
		if s.rs1 != 0 {
			e.FenceAddr, e.FenceAddrValid = r.v1, true
		}
		if s.rs2 != 0 {
			e.FenceVal, e.FenceValValid = r.v2, true
		}
	}
}

// traceBits returns what a capturing hart's loop codes for s without
// looking it up (inner_traced.go): the meta byte of its retirement in a
// batch, with MetaExt standing for "code it the slow way" (it reports a
// CSR write, a fence, or an access whose address or data is not rs1+imm
// and rs2 or rd); and the memory byte's kind and size bits.
func traceBits(s *slot) (trc, tmk uint8) {
	inf := &opInfos[s.op]
	if inf.writesRd && s.rd != xZeroSink {
		trc = s.rd // Hart.r's layout is the meta byte's
	}
	if inf.memKind != sim.MemNone {
		trc |= sim.MetaMem
		tmk = inf.memKind<<6 | sim.Log2Size[inf.memSize]<<4
	}
	if inf.report != 0 || inf.memKind == sim.MemAMO || s.op == opLRW || s.op == opLRD || s.op == opSCW || s.op == opSCD {
		trc |= sim.MetaExt
	}
	return trc, tmk
}
