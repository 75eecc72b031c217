package hart

import "cosim/hw/sim"

const causeInterrupt = 1 << 63

// irqPriority lists interrupt bits from highest to lowest priority.
var irqPriority = [...]uint64{11, 3, 7, 9, 1, 5}

// pendingInterrupt returns the cause of the interrupt the hart must take
// now, if any: pending and enabled in mie, and globally enabled for the
// privilege it targets.
func (h *Hart) pendingInterrupt() (uint64, bool) {
	pend := h.readMIP() & h.mie
	if pend == 0 {
		return 0, false
	}
	if m := pend &^ h.mideleg; m != 0 && (h.priv < PrivM || h.mstatus&msMIE != 0) {
		return pick(m), true
	}
	if s := pend & h.mideleg; s != 0 && (h.priv < PrivS || h.priv == PrivS && h.mstatus&msSIE != 0) {
		return pick(s), true
	}
	return 0, false
}

func pick(set uint64) uint64 {
	for _, b := range irqPriority {
		if set>>b&1 != 0 {
			return b | causeInterrupt
		}
	}
	return 0
}

// takeException enters the trap for the exception a slow path recorded.
func (h *Hart) takeException() { h.takeTrap(h.excCause, h.excTval) }

// takeTrap enters the handler for cause (interrupt bit included) with the
// trapping instruction's pc in h.pc (for interrupts, the next instruction).
func (h *Hart) takeTrap(cause, tval uint64) {
	isInt := cause&causeInterrupt != 0
	code := cause &^ causeInterrupt
	// A trap costs a cycle and a unit of the Run budget, so that a trap
	// storm (a handler that faults itself) still returns and lets time pass.
	h.idle++
	if h.trapBudget > 0 {
		h.trapBudget--
	}
	if h.cfg.ErratumCIP453 && !isInt && (code == excInsnPage || code == excInsnAccess) {
		tval &= 1<<39 - 1
	}
	deleg := h.medeleg
	if isInt {
		deleg = h.mideleg
	}
	toS := h.hasS && h.priv <= PrivS && deleg>>code&1 != 0
	if !toS && h.MHook != nil {
		pc := h.pc
		if h.MHook(h, cause, tval) {
			h.resync = true
			h.reportTrap(cause, tval, h.priv, PrivM, pc, true)
			return
		}
	}
	h.clearReservation()
	from := h.priv
	epc := h.pc
	ms := h.mstatus
	var target uint8
	var vec uint64
	if toS {
		h.scause, h.sepc, h.stval = cause, epc&^1, tval
		ms &^= msSPIE | msSPP | msSIE
		if h.mstatus&msSIE != 0 {
			ms |= msSPIE
		}
		if from == PrivS {
			ms |= msSPP
		}
		target, vec = PrivS, h.stvec
	} else {
		h.mcause, h.mepc, h.mtval = cause, epc&^1, tval
		ms &^= msMPIE | msMPP | msMIE
		if h.mstatus&msMIE != 0 {
			ms |= msMPIE
		}
		ms |= uint64(from) << msMPPShift
		target, vec = PrivM, h.mtvec
	}
	h.mstatus = ms
	h.priv = target
	h.pc = vec &^ 3
	if isInt && vec&1 != 0 {
		h.pc += 4 * code
	}
	h.updateDataPriv()
	h.resync = true
	h.reportTrap(cause, tval, from, target, epc, false)
}

// reportTrap reports a trap taken from privilege from (the level of the
// trapping or interrupted instruction, as the trace's PC group means it)
// into target.
func (h *Hart) reportTrap(cause, tval uint64, from, target uint8, epc uint64, hooked bool) {
	if h.Obs == nil {
		return
	}
	e := h.event(sim.KindTrap)
	e.Priv = from
	if cause&causeInterrupt != 0 {
		e.Kind = sim.KindInterrupt
	}
	e.PC = epc
	e.Cause, e.Tval, e.TargetPriv, e.NewPC = cause, tval, target, h.pc
	if hooked {
		e.Text = "handled by MHook"
	}
	h.Obs.Observe(e)
}

// mret returns from an M-mode trap; false means illegal instruction.
func (h *Hart) mret() bool {
	if h.priv != PrivM {
		return false
	}
	h.clearReservation()
	ms := h.mstatus
	mpp := uint8((ms & msMPP) >> msMPPShift)
	ms &^= msMIE
	if ms&msMPIE != 0 {
		ms |= msMIE
	}
	ms |= msMPIE
	ms &^= msMPP
	if !h.hasU {
		ms |= PrivM << msMPPShift
	}
	if mpp != PrivM {
		ms &^= msMPRV
	}
	h.mstatus = ms
	h.priv = mpp
	h.pc = h.epcRead(h.mepc)
	h.updateDataPriv()
	h.resync = true
	return true
}

// sret returns from an S-mode trap; false means illegal instruction.
func (h *Hart) sret() bool {
	if !h.hasS || h.priv < PrivS || h.priv == PrivS && h.mstatus&msTSR != 0 {
		return false
	}
	h.clearReservation()
	ms := h.mstatus
	spp := PrivU
	if ms&msSPP != 0 {
		spp = PrivS
	}
	ms &^= msSIE
	if ms&msSPIE != 0 {
		ms |= msSIE
	}
	ms |= msSPIE
	ms &^= msSPP | msMPRV
	h.mstatus = ms
	h.priv = uint8(spp)
	h.pc = h.epcRead(h.sepc)
	h.updateDataPriv()
	h.resync = true
	return true
}

// wfiAllowed applies TW and the U-mode rule as QEMU 7.2 does.
func (h *Hart) wfiAllowed() bool {
	switch h.priv {
	case PrivS:
		return h.mstatus&msTW == 0
	case PrivU:
		return !h.hasS && h.mstatus&msTW == 0
	}
	return true
}

// sfenceVMA flushes translations; false means illegal instruction.
func (h *Hart) sfenceVMA(rs1, rs2 uint8) bool {
	if !h.hasS || h.priv == PrivU || h.priv == PrivS && h.mstatus&msTVM != 0 {
		return false
	}
	if rs1 == 0 || h.superpages {
		if rs1 != 0 && h.cfg.ErratumCIP1200 {
			// CIP-1200: the I-TLB ignores a sfence.vma with an address.
			for i := range h.tlb {
				h.flushSet(&h.tlb[i], true, false)
			}
			h.resync = true
			return true
		}
		h.flushTLB()
		return true
	}
	h.flushTLBPage(h.r[rs1], !h.cfg.ErratumCIP1200)
	return true
}

// fenceI makes earlier stores visible to this hart's instruction fetches.
// Without a non-coherent I-cache, decoded instructions already follow every
// store; the I-cache (if any) is emptied all the same, and with a
// non-coherent one that drops the decoded lines it held.
func (h *Hart) fenceI() {
	if h.caches.I == nil {
		return
	}
	h.caches.I.InvalidateAll()
	h.iline = noLine
}
