package hart

import "cosim/hw/sim"

// opInfo says what an instruction's retirement reports: whether it writes
// rd, and its memory access.
type opInfo struct {
	writesRd bool
	memKind  uint8
	memSize  uint8
}

var opInfos [numOps]opInfo

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
// and every other field cleared. It assigns field by field: copying a
// whole zero Event (it holds strings and a slice) costs write barriers.
func (h *Hart) event(k sim.Kind) *sim.Event {
	e := &h.obsEvent
	if e.Text != "" || e.Device != "" || e.Data != nil {
		e.Text, e.Device, e.Data = "", "", nil
	}
	e.Kind = k
	e.Hart = int32(h.cfg.HartID)
	e.Cycle = h.cycles()
	e.Instret = h.retired
	e.Time = h.LocalTime()
	e.PC, e.Insn, e.InsnLen, e.Priv = 0, 0, 0, h.priv
	e.RegKind, e.Reg, e.RegVal = 0, 0, 0
	e.CSRWrit, e.CSR, e.CSRVal = false, 0, 0
	e.MemKind, e.MemSize, e.MemAddr, e.MemData = 0, 0, 0, 0
	e.Cause, e.Tval, e.TargetPriv, e.NewPC = 0, 0, 0, 0
	e.Addr, e.Value, e.Size, e.Write, e.AddrValid, e.ValueValid = 0, 0, 0, false, false, false
	return e
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
	if h.Obs != nil {
		h.reportRetire(h.obsPC, h.obsPriv, &h.obsPre, s)
	}
}

func (h *Hart) reportRetire(pc uint64, priv uint8, pre *[fBase + 32]uint64, s *slot) {
	e := h.event(sim.KindRetire)
	e.PC, e.Insn, e.InsnLen, e.Priv = pc, s.insn, s.len, priv
	inf := opInfos[s.op]
	if inf.writesRd && s.rd != xZeroSink {
		if s.rd >= fBase {
			e.RegKind, e.Reg = sim.RegF, s.rd-fBase
		} else {
			e.RegKind, e.Reg = sim.RegX, s.rd
		}
		e.RegVal = h.r[s.rd]
	}
	switch inf.memKind {
	case sim.MemLoad:
		e.MemKind, e.MemSize = sim.MemLoad, inf.memSize
		e.MemAddr = pre[s.rs1] + s.im()
		if s.op == opLRW || s.op == opLRD {
			e.MemAddr = pre[s.rs1]
		}
		e.MemData = h.r[s.rd] & sizeMask(inf.memSize)
	case sim.MemStore:
		e.MemKind, e.MemSize = sim.MemStore, inf.memSize
		e.MemAddr = pre[s.rs1] + s.im()
		if s.op == opSCW || s.op == opSCD {
			e.MemAddr = pre[s.rs1]
			if h.r[s.rd] != 0 { // failed SC stores nothing
				e.MemKind, e.MemSize = sim.MemNone, 0
			}
		}
		e.MemData = pre[s.rs2] & sizeMask(inf.memSize)
	case sim.MemAMO:
		e.MemKind, e.MemSize = sim.MemAMO, inf.memSize
		e.MemAddr = pre[s.rs1]
		op := s.op
		if op >= opLRD {
			op -= opLRD - opLRW
		}
		b := pre[s.rs2]
		if inf.memSize == 4 {
			b = sx32(uint32(b))
		}
		e.MemData = amoResult(op, h.r[s.rd], b, int(inf.memSize)) & sizeMask(inf.memSize)
	}
	switch s.op {
	case opCSRRW, opCSRRS, opCSRRC, opCSRRWI, opCSRRSI, opCSRRCI:
		if s.op == opCSRRW || s.op == opCSRRWI || s.rs1 != 0 {
			e.CSRWrit = true
			e.CSR = uint16(s.imm) & 0xfff
			e.CSRVal, _ = h.CSR(e.CSR)
		}
	}
	h.Obs.Observe(e)
	switch s.op {
	case opFENCE:
		f := h.event(sim.KindFence)
		f.PC, f.Value, f.ValueValid = pc, s.im()&0xff, true
		h.Obs.Observe(f)
	case opFENCEI:
		f := h.event(sim.KindFenceI)
		f.PC = pc
		h.Obs.Observe(f)
	case opSFENCEVMA:
		f := h.event(sim.KindSfenceVMA)
		f.PC = pc
		if s.rs1 != 0 {
			f.Addr, f.AddrValid = pre[s.rs1], true
		}
		if s.rs2 != 0 {
			f.Value, f.ValueValid = pre[s.rs2], true
		}
		h.Obs.Observe(f)
	}
}

func sizeMask(n uint8) uint64 {
	if n >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*n) - 1
}
