package hart

import (
	"encoding/binary"

	"cosim/hw/mem"
)

// codePage is a hart's decoded copy of one physical page: one slot per
// halfword, decoded lazily the first time the run loop reaches it.
type codePage struct {
	// slots has one more entry than the page has halfwords: a sentinel
	// (opPageEnd) that sequential execution reaches when it runs off the
	// page.
	slots [pageSize/2 + 1]slot
	ram   *mem.RAM
	pa    uint64 // physical address of the page
}

// codePageFor returns the hart's decoded page for physical address pa in
// ram, creating it (and marking the RAM page as holding code) if needed.
func (h *Hart) codePageFor(pa uint64, ram *mem.RAM) *codePage {
	ppn := pa >> pageShift
	if cp := h.code[ppn]; cp != nil {
		return cp
	}
	cp := &codePage{ram: ram, pa: ppn << pageShift}
	cp.slots[pageSize/2].op = opPageEnd
	h.sys.watch(ram, cp.pa, mem.WatchCode)
	h.code[ppn] = cp
	return cp
}

// invalidateCode drops the decoded slots that overlap a write of n bytes at
// physical address pa: every slot whose instruction (up to 4 bytes) may
// include a written byte.
func (h *Hart) invalidateCode(pa uint64, n int) {
	if n <= 0 {
		return
	}
	first := pa &^ 1
	if first >= 2 {
		first -= 2
	}
	last := pa + uint64(n) - 1
	for p := first &^ pageMask; p <= last; p += pageSize {
		cp := h.code[p>>pageShift]
		if cp == nil {
			continue
		}
		lo, hi := uint64(0), uint64(pageSize-1)
		if first > p {
			lo = first - p
		}
		if last < p+pageSize-1 {
			hi = last - p
		}
		for i := lo >> 1; i <= hi>>1; i++ {
			cp.slots[i] = slot{}
		}
	}
}

// decodeSlot decodes the instruction at pc (physical page cp) into its slot.
func (h *Hart) decodeSlot(cp *codePage, pc uint64) {
	off := pc & pageMask
	half := func(i uint64) uint32 {
		return uint32(binary.LittleEndian.Uint16(cp.ram.Data[cp.pa-cp.ram.Base+off+i:]))
	}
	if h.nonCoherentI {
		// The bytes come from the I-cache's copy of the line, which a
		// fetch from pc has looked up (observation decodes ahead of it).
		if pc&h.imask != h.iline {
			h.fetchLine(pc, cp.pa|off)
		}
		half = func(i uint64) uint32 { return uint32(h.icacheHalf(cp.pa | (off + i))) }
	}
	lo := half(0)
	var s slot
	switch {
	case lo&3 != 3:
		s = decode(lo, h.ext)
	case off == pageSize-2:
		s = slot{op: opCross, len: 4}
	default:
		s = decode(lo|half(2)<<16, h.ext)
	}
	h.fixup(&s)
	cp.slots[off>>1] = s
}

// fixup adjusts a decoded slot to the hart: without C, a taken branch or
// jump to an address that is not 4-byte aligned raises a misaligned fetch
// exception, which only these offsets can cause.
func (h *Hart) fixup(s *slot) {
	if h.ext&extC != 0 {
		return
	}
	if s.op == opJALR {
		s.op = opJALRAligned
		return
	}
	if s.im()&3 == 0 {
		return
	}
	switch s.op {
	case opJAL, opBEQ, opBNE, opBLT, opBGE, opBLTU, opBGEU:
		s.rs3 = s.op
		s.op = opMisalignedJump
	}
}

// fetchPage finds the decoded page for pc and the virtual page number the
// run loop may keep fetching from it without asking again. single is set
// when PMP differs within the page: then the loop must come back here for
// every instruction. On failure the exception is recorded.
func (h *Hart) fetchPage(pc uint64) (cp *codePage, vpn uint64, single, ok bool) {
	set := &h.tlb[h.priv]
	vpn = pc >> pageShift
	e := &set.fetch[vpn&tlbMask]
	if e.vpn == vpn^set.fkey {
		return e.page, vpn, false, true
	}
	t, ok := h.translate(pc, accFetch, h.priv, pc)
	if !ok {
		return nil, 0, false, false
	}
	w := h.bus.Find(t.pa)
	if w == nil || w.RAM == nil || !w.RAM.Contains(t.pa&^pageMask, pageSize) {
		return nil, 0, false, h.raise(excInsnAccess, pc)
	}
	cp = h.codePageFor(t.pa, w.RAM)
	if h.pmpPageUniform(t.pa&^pageMask, accFetch, h.priv) {
		if t.superpage {
			h.superpages = true
		}
		if !h.noTLB {
			*e = fetchEntry{vpn: vpn ^ set.fkey, page: cp}
		}
		return cp, vpn, false, true
	}
	// PMP differs within the page: check this instruction alone.
	if !h.pmpCheck(t.pa, 2, accFetch, h.priv) {
		return nil, 0, false, h.raise(excInsnAccess, pc)
	}
	hw := binary.LittleEndian.Uint16(w.RAM.Data[t.pa-w.RAM.Base:])
	if hw&3 == 3 && pc&pageMask != pageSize-2 && !h.pmpCheck(t.pa+2, 2, accFetch, h.priv) {
		return nil, 0, false, h.raise(excInsnAccess, pc+2)
	}
	return cp, vpn, true, true
}

// crossSlot fetches and decodes a 4-byte instruction that spans two pages;
// the second half is translated on its own (a fault reports its address).
func (h *Hart) crossSlot(pc uint64) (*slot, bool) {
	t, ok := h.translate(pc, accFetch, h.priv, pc)
	if !ok {
		return nil, false
	}
	lo, ok := h.bus.Read(t.pa, 2)
	if !ok {
		return nil, h.raise(excInsnAccess, pc)
	}
	next := pc + 2
	t2, ok := h.translate(next, accFetch, h.priv, next)
	if !ok {
		return nil, false
	}
	if !h.pmpCheck(t2.pa, 2, accFetch, h.priv) {
		return nil, h.raise(excInsnAccess, next)
	}
	w := h.bus.Find(t2.pa)
	if w == nil || w.RAM == nil {
		return nil, h.raise(excInsnAccess, next)
	}
	hi, ok := h.bus.Read(t2.pa, 2)
	if !ok {
		return nil, h.raise(excInsnAccess, next)
	}
	h.crossTmp = decode(uint32(lo)|uint32(hi)<<16, h.ext)
	h.fixup(&h.crossTmp)
	return &h.crossTmp, true
}
