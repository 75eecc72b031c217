package hart

//go:generate go run ./innergen -dir .

import (
	"math/bits"
	"unsafe"

	"cosim/hw/sim"
)

// Run executes instructions until budget of them have retired, the hart
// sleeps in WFI with nothing pending, or Stop is called. It never blocks
// and returns the number of instructions retired.
func (h *Hart) Run(budget uint64) uint64 {
	start := h.retired
	h.stopReq = false
	if h.wfi {
		if h.readMIP()&h.mie == 0 {
			return 0
		}
		h.wfi = false
	}
	limit := start + budget
	if limit < start {
		limit = ^uint64(0)
	}
	h.running = true
	h.trapBudget = budget
	h.stepping = h.Obs != nil && h.instructionEventsWanted()
	if h.stepping && h.startCapture() {
		h.stepping = false
	}
	h.run(limit)
	if h.capturing {
		h.flushCapture()
		h.capturing = false
	}
	h.stepping = false
	h.running = false
	return h.retired - start
}

// Reasons inner returns.
const (
	exitDone    uint8 = iota // the budget is used up
	exitFetch                // pc left the decoded page
	exitSlow                 // the instruction at pc needs run's slow path
	exitWatched              // a fast-path store hit a watched page (done, not retired)
	exitILine                // pc moved to another I-cache line: look it up
	exitDLine                // the load or store at pc touches another D-cache line (not done)
	exitCapture              // innerTraced only: the instruction before pc retired; code it (capture.go)
)

// Outcomes of execSlow.
const (
	stNext  uint8 = iota // retired; continue at the returned pc
	stSync               // retired; state the loop caches changed
	stTrap               // raised the exception in excCause/excTval
	stSleep              // retired a WFI that sleeps
)

// run is the interpreter's outer loop: it takes interrupts, sets up the
// translation regime, and serves what inner cannot do itself (fetching a
// new page, decoding, slow memory accesses, CSRs, traps, everything that
// calls a function). Whenever state that the loop caches changes, it stores
// pc and the retired count back and starts over.
func (h *Hart) run(limit uint64) {
	step, capture := h.stepping, h.capturing
outer:
	for h.retired < limit && !h.stopReq && h.trapBudget != 0 {
		h.resync = false
		h.forgetFetchLine()
		if cause, ok := h.pendingInterrupt(); ok {
			h.takeTrap(cause, 0)
			if h.stopReq {
				break
			}
		}
		pc := h.pc
		lim := limit
		if t := h.timerLimit(); t < lim {
			lim = max(t, h.retired+1)
		}
		// rem counts down the instructions left; the retired count is
		// lim - rem.
		rem := lim - h.retired
		set := &h.tlb[h.dataPriv]
		var cp *codePage
		cvpn := ^uint64(0) // virtual page cp holds; ^0 forces a fetch
		single := false    // PMP differs within the page: one at a time
		var first, s *slot
	inner:
		for rem != 0 {
			var why uint8
			if step {
				h.observeBefore(pc, first, cp, cvpn)
			}
			if step || first == &h.crossTmp || single {
				// Observed stepping, a page-crossing instruction, or a
				// page whose PMP differs within it: one instruction at
				// a time (inner must not step on to a neighbouring slot).
				var r uint64
				if capture {
					pc, r, s, why = h.innerCaptured(pc, 1, lim-rem, cp, cvpn, set, set.key, first)
				} else {
					pc, r, s, why = h.inner(pc, 1, cp, cvpn, set, set.key, first)
				}
				rem -= 1 - r
				if why == exitDone {
					if step {
						h.retired = lim - rem
						h.observeRetire(s)
						if h.stopReq {
							break inner
						}
					}
					if rem != 0 {
						why = exitFetch
					}
				}
			} else if capture {
				pc, rem, s, why = h.innerCaptured(pc, rem, lim-rem, cp, cvpn, set, set.key, first)
			} else {
				pc, rem, s, why = h.inner(pc, rem, cp, cvpn, set, set.key, first)
			}
			first = nil
			switch why {
			case exitDone:
				break inner
			case exitFetch:
				if !h.nextPage(pc, &cp, &cvpn, &single) {
					h.retired, h.pc = lim-rem, pc
					h.takeException()
					continue outer
				}
			case exitILine:
				if pc>>pageShift != cvpn {
					// Sequential execution ran onto the next page.
					if !h.nextPage(pc, &cp, &cvpn, &single) {
						h.retired, h.pc = lim-rem, pc
						h.takeException()
						continue outer
					}
				}
				h.fetchLine(pc, cp.pa|pc&pageMask)
			case exitDLine:
				h.fastDataLine(s)
				first = s
				continue inner
			case exitWatched:
				h.watchedStore(s)
				if capture {
					h.capturePre(s, pc)
					h.captureSlow(lim-rem, pc+uint64(s.len))
				}
				pc += uint64(s.len)
				rem--
				if step {
					h.retired = lim - rem
					h.observeRetire(s)
				}
			case exitSlow:
				switch s.op {
				case opUndecoded:
					h.decodeSlot(cp, pc)
					first = s
					continue inner
				case opCross:
					c, ok := h.crossSlot(pc)
					if !ok {
						h.retired, h.pc = lim-rem, pc
						h.takeException()
						continue outer
					}
					first = c
					continue inner
				}
				h.retired, h.pc = lim-rem, pc
				var ran slot
				if step {
					ran = *s // fence.i may invalidate the decoded page s lies in
				}
				if capture {
					h.capturePre(s, pc)
				}
				next, st := h.execSlow(s, pc)
				if capture && st != stTrap {
					h.captureSlow(lim-rem, next)
				}
				if step && st != stTrap {
					h.retired = lim - rem + 1
					h.observeRetire(&ran)
					h.retired--
				}
				switch st {
				case stNext:
					pc = next
					rem--
					if h.resync || h.stopReq {
						h.retired, h.pc = lim-rem, pc
						continue outer
					}
				case stSync:
					h.retired, h.pc = lim-rem+1, next
					continue outer
				case stTrap:
					h.takeException()
					continue outer
				case stSleep:
					h.retired, h.pc = lim-rem+1, next
					return
				}
			}
		}
		h.retired, h.pc = lim-rem, pc
	}
}

// nextPage fetches the decoded page of pc into the run loop's locals. A
// different page forgets the I-cache line looked up last, whose virtual
// address may now map elsewhere.
func (h *Hart) nextPage(pc uint64, cp **codePage, cvpn *uint64, single *bool) bool {
	ncp, nvpn, nsingle, ok := h.fetchPage(pc)
	if !ok {
		return false
	}
	if (ncp != *cp || nvpn != *cvpn) && h.caches.I != nil {
		h.iline = noLine
	}
	*cp, *cvpn, *single = ncp, nvpn, nsingle
	return true
}

// inner is the hot loop. It makes no calls, so its state stays in
// registers: everything that needs one returns to run with the slot and
// the reason. A non-nil first is dispatched before fetching from pc (a
// freshly decoded or page-crossing instruction). Sequential instructions
// step to the next slot without looking at pc; only jumps check that pc
// is still on the page.
func (h *Hart) inner(pc, rem uint64, cp *codePage, cvpn uint64, set *tlbSet, key uint64, first *slot) (uint64, uint64, *slot, uint8) {
	s := first
	if s != nil {
		goto dispatch
	}
checked:
	// After a jump: is pc still on the decoded page?
	if pc>>pageShift != cvpn {
		return pc, rem, s, exitFetch
	}
	if pc&h.imask != h.iline {
		return pc, rem, s, exitILine
	}
	s = &cp.slots[(pc>>1)&(pageSize/2-1)]
dispatch:
	switch s.op {
	case opLUI:
		h.r[s.rd] = s.im()
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opAUIPC:
		h.r[s.rd] = pc + s.im()
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opADDI:
		h.r[s.rd] = h.r[s.rs1] + s.im()
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSLTI:
		h.r[s.rd] = b2u(int64(h.r[s.rs1]) < int64(s.im()))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSLTIU:
		h.r[s.rd] = b2u(h.r[s.rs1] < s.im())
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opXORI:
		h.r[s.rd] = h.r[s.rs1] ^ s.im()
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opORI:
		h.r[s.rd] = h.r[s.rs1] | s.im()
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opANDI:
		h.r[s.rd] = h.r[s.rs1] & s.im()
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSLLI:
		h.r[s.rd] = h.r[s.rs1] << (s.imm & 63)
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSRLI:
		h.r[s.rd] = h.r[s.rs1] >> (s.imm & 63)
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSRAI:
		h.r[s.rd] = uint64(int64(h.r[s.rs1]) >> (s.imm & 63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opADD:
		h.r[s.rd] = h.r[s.rs1] + h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSUB:
		h.r[s.rd] = h.r[s.rs1] - h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSLL:
		h.r[s.rd] = h.r[s.rs1] << (h.r[s.rs2] & 63)
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSLT:
		h.r[s.rd] = b2u(int64(h.r[s.rs1]) < int64(h.r[s.rs2]))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSLTU:
		h.r[s.rd] = b2u(h.r[s.rs1] < h.r[s.rs2])
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opXOR:
		h.r[s.rd] = h.r[s.rs1] ^ h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSRL:
		h.r[s.rd] = h.r[s.rs1] >> (h.r[s.rs2] & 63)
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSRA:
		h.r[s.rd] = uint64(int64(h.r[s.rs1]) >> (h.r[s.rs2] & 63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opOR:
		h.r[s.rd] = h.r[s.rs1] | h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opAND:
		h.r[s.rd] = h.r[s.rs1] & h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opADDIW:
		h.r[s.rd] = sx32(uint32(h.r[s.rs1] + s.im()))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSLLIW:
		h.r[s.rd] = sx32(uint32(h.r[s.rs1]) << (s.imm & 31))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSRLIW:
		h.r[s.rd] = sx32(uint32(h.r[s.rs1]) >> (s.imm & 31))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSRAIW:
		h.r[s.rd] = uint64(int64(int32(h.r[s.rs1]) >> (s.imm & 31)))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opADDW:
		h.r[s.rd] = sx32(uint32(h.r[s.rs1] + h.r[s.rs2]))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSUBW:
		h.r[s.rd] = sx32(uint32(h.r[s.rs1] - h.r[s.rs2]))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSLLW:
		h.r[s.rd] = sx32(uint32(h.r[s.rs1]) << (h.r[s.rs2] & 31))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSRLW:
		h.r[s.rd] = sx32(uint32(h.r[s.rs1]) >> (h.r[s.rs2] & 31))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSRAW:
		h.r[s.rd] = uint64(int64(int32(h.r[s.rs1]) >> (h.r[s.rs2] & 31)))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opFENCE:
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opMUL:
		h.r[s.rd] = h.r[s.rs1] * h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opMULH:
		x, y := h.r[s.rs1], h.r[s.rs2]
		hi, _ := bits.Mul64(x, y)
		hi -= y & uint64(int64(x)>>63)
		hi -= x & uint64(int64(y)>>63)
		h.r[s.rd] = hi
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opMULHSU:
		x, y := h.r[s.rs1], h.r[s.rs2]
		hi, _ := bits.Mul64(x, y)
		h.r[s.rd] = hi - y&uint64(int64(x)>>63)
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opMULHU:
		h.r[s.rd], _ = bits.Mul64(h.r[s.rs1], h.r[s.rs2])
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opDIV:
		x, y := int64(h.r[s.rs1]), int64(h.r[s.rs2])
		switch {
		case y == 0:
			h.r[s.rd] = ^uint64(0)
		case y == -1:
			h.r[s.rd] = uint64(-x) // MinInt64 / -1 overflows to MinInt64
		default:
			h.r[s.rd] = uint64(x / y)
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opDIVU:
		if y := h.r[s.rs2]; y == 0 {
			h.r[s.rd] = ^uint64(0)
		} else {
			h.r[s.rd] = h.r[s.rs1] / y
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opREM:
		x, y := int64(h.r[s.rs1]), int64(h.r[s.rs2])
		switch {
		case y == 0:
			h.r[s.rd] = uint64(x)
		case y == -1:
			h.r[s.rd] = 0
		default:
			h.r[s.rd] = uint64(x % y)
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opREMU:
		if y := h.r[s.rs2]; y == 0 {
			h.r[s.rd] = h.r[s.rs1]
		} else {
			h.r[s.rd] = h.r[s.rs1] % y
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opMULW:
		h.r[s.rd] = sx32(uint32(h.r[s.rs1]) * uint32(h.r[s.rs2]))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opDIVW:
		x, y := int32(h.r[s.rs1]), int32(h.r[s.rs2])
		switch {
		case y == 0:
			h.r[s.rd] = ^uint64(0)
		case y == -1:
			h.r[s.rd] = uint64(int64(-x))
		default:
			h.r[s.rd] = uint64(int64(x / y))
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opDIVUW:
		if y := uint32(h.r[s.rs2]); y == 0 {
			h.r[s.rd] = ^uint64(0)
		} else {
			h.r[s.rd] = sx32(uint32(h.r[s.rs1]) / y)
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opREMW:
		x, y := int32(h.r[s.rs1]), int32(h.r[s.rs2])
		switch {
		case y == 0:
			h.r[s.rd] = uint64(int64(x))
		case y == -1:
			h.r[s.rd] = 0
		default:
			h.r[s.rd] = uint64(int64(x % y))
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opREMUW:
		if y := uint32(h.r[s.rs2]); y == 0 {
			h.r[s.rd] = sx32(uint32(h.r[s.rs1]))
		} else {
			h.r[s.rd] = sx32(uint32(h.r[s.rs1]) % y)
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opADDUW:
		h.r[s.rd] = uint64(uint32(h.r[s.rs1])) + h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSH1ADD:
		h.r[s.rd] = h.r[s.rs1]<<1 + h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSH2ADD:
		h.r[s.rd] = h.r[s.rs1]<<2 + h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSH3ADD:
		h.r[s.rd] = h.r[s.rs1]<<3 + h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSH1ADDUW:
		h.r[s.rd] = uint64(uint32(h.r[s.rs1]))<<1 + h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSH2ADDUW:
		h.r[s.rd] = uint64(uint32(h.r[s.rs1]))<<2 + h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSH3ADDUW:
		h.r[s.rd] = uint64(uint32(h.r[s.rs1]))<<3 + h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSLLIUW:
		h.r[s.rd] = uint64(uint32(h.r[s.rs1])) << (s.imm & 63)
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opANDN:
		h.r[s.rd] = h.r[s.rs1] &^ h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opORN:
		h.r[s.rd] = h.r[s.rs1] | ^h.r[s.rs2]
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opXNOR:
		h.r[s.rd] = ^(h.r[s.rs1] ^ h.r[s.rs2])
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opCLZ:
		h.r[s.rd] = uint64(bits.LeadingZeros64(h.r[s.rs1]))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opCLZW:
		h.r[s.rd] = uint64(bits.LeadingZeros32(uint32(h.r[s.rs1])))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opCTZ:
		h.r[s.rd] = uint64(bits.TrailingZeros64(h.r[s.rs1]))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opCTZW:
		h.r[s.rd] = uint64(bits.TrailingZeros32(uint32(h.r[s.rs1])))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opMAX:
		h.r[s.rd] = uint64(max(int64(h.r[s.rs1]), int64(h.r[s.rs2])))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opMAXU:
		h.r[s.rd] = max(h.r[s.rs1], h.r[s.rs2])
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opMIN:
		h.r[s.rd] = uint64(min(int64(h.r[s.rs1]), int64(h.r[s.rs2])))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opMINU:
		h.r[s.rd] = min(h.r[s.rs1], h.r[s.rs2])
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSEXTB:
		h.r[s.rd] = uint64(int64(int8(h.r[s.rs1])))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSEXTH:
		h.r[s.rd] = uint64(int64(int16(h.r[s.rs1])))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opZEXTH:
		h.r[s.rd] = uint64(uint16(h.r[s.rs1]))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opROL:
		h.r[s.rd] = bits.RotateLeft64(h.r[s.rs1], int(h.r[s.rs2]&63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opROLW:
		h.r[s.rd] = sx32(bits.RotateLeft32(uint32(h.r[s.rs1]), int(h.r[s.rs2]&31)))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opROR:
		h.r[s.rd] = bits.RotateLeft64(h.r[s.rs1], -int(h.r[s.rs2]&63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opRORI:
		h.r[s.rd] = bits.RotateLeft64(h.r[s.rs1], -int(s.imm&63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opRORIW:
		h.r[s.rd] = sx32(bits.RotateLeft32(uint32(h.r[s.rs1]), -int(s.imm&31)))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opRORW:
		h.r[s.rd] = sx32(bits.RotateLeft32(uint32(h.r[s.rs1]), -int(h.r[s.rs2]&31)))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opREV8:
		h.r[s.rd] = bits.ReverseBytes64(h.r[s.rs1])
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBCLR:
		h.r[s.rd] = h.r[s.rs1] &^ (1 << (h.r[s.rs2] & 63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBCLRI:
		h.r[s.rd] = h.r[s.rs1] &^ (1 << (s.imm & 63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBEXT:
		h.r[s.rd] = h.r[s.rs1] >> (h.r[s.rs2] & 63) & 1
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBEXTI:
		h.r[s.rd] = h.r[s.rs1] >> (s.imm & 63) & 1
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBINV:
		h.r[s.rd] = h.r[s.rs1] ^ (1 << (h.r[s.rs2] & 63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBINVI:
		h.r[s.rd] = h.r[s.rs1] ^ (1 << (s.imm & 63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBSET:
		h.r[s.rd] = h.r[s.rs1] | (1 << (h.r[s.rs2] & 63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBSETI:
		h.r[s.rd] = h.r[s.rs1] | (1 << (s.imm & 63))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opJAL:
		h.r[s.rd] = pc + uint64(s.len)
		pc += s.im()
		goto jumped
	case opJALR:
		t := (h.r[s.rs1] + s.im()) &^ 1
		h.r[s.rd] = pc + uint64(s.len)
		pc = t
		goto jumped
	case opBEQ:
		if h.r[s.rs1] == h.r[s.rs2] {
			pc += s.im()
			goto jumped
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBNE:
		if h.r[s.rs1] != h.r[s.rs2] {
			pc += s.im()
			goto jumped
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBLT:
		if int64(h.r[s.rs1]) < int64(h.r[s.rs2]) {
			pc += s.im()
			goto jumped
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBGE:
		if int64(h.r[s.rs1]) >= int64(h.r[s.rs2]) {
			pc += s.im()
			goto jumped
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBLTU:
		if h.r[s.rs1] < h.r[s.rs2] {
			pc += s.im()
			goto jumped
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opBGEU:
		if h.r[s.rs1] >= h.r[s.rs2] {
			pc += s.im()
			goto jumped
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opLB:
		va := h.r[s.rs1] + s.im()
		e := &set.load[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key {
			return pc, rem, s, exitSlow
		}
		if h.dtag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		h.r[s.rd] = uint64(int64(*(*int8)(unsafe.Add(e.host, va&pageMask))))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opLBU:
		va := h.r[s.rs1] + s.im()
		e := &set.load[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key {
			return pc, rem, s, exitSlow
		}
		if h.dtag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		h.r[s.rd] = uint64(*(*uint8)(unsafe.Add(e.host, va&pageMask)))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opLH:
		va := h.r[s.rs1] + s.im()
		e := &set.load[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&1 != 0 {
			return pc, rem, s, exitSlow
		}
		if h.dtag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		h.r[s.rd] = uint64(int64(*(*int16)(unsafe.Add(e.host, va&pageMask))))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opLHU:
		va := h.r[s.rs1] + s.im()
		e := &set.load[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&1 != 0 {
			return pc, rem, s, exitSlow
		}
		if h.dtag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		h.r[s.rd] = uint64(*(*uint16)(unsafe.Add(e.host, va&pageMask)))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opLW:
		va := h.r[s.rs1] + s.im()
		e := &set.load[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&3 != 0 {
			return pc, rem, s, exitSlow
		}
		if h.dtag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		h.r[s.rd] = uint64(int64(*(*int32)(unsafe.Add(e.host, va&pageMask))))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opLWU:
		va := h.r[s.rs1] + s.im()
		e := &set.load[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&3 != 0 {
			return pc, rem, s, exitSlow
		}
		if h.dtag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		h.r[s.rd] = uint64(*(*uint32)(unsafe.Add(e.host, va&pageMask)))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opLD:
		va := h.r[s.rs1] + s.im()
		e := &set.load[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&7 != 0 {
			return pc, rem, s, exitSlow
		}
		if h.dtag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		h.r[s.rd] = *(*uint64)(unsafe.Add(e.host, va&pageMask))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSB:
		va := h.r[s.rs1] + s.im()
		e := &set.store[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key {
			return pc, rem, s, exitSlow
		}
		if h.stag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		*(*uint8)(unsafe.Add(e.host, va&pageMask)) = uint8(h.r[s.rs2])
		if *e.watch != 0 {
			return pc, rem, s, exitWatched
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSH:
		va := h.r[s.rs1] + s.im()
		e := &set.store[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&1 != 0 {
			return pc, rem, s, exitSlow
		}
		if h.stag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		*(*uint16)(unsafe.Add(e.host, va&pageMask)) = uint16(h.r[s.rs2])
		if *e.watch != 0 {
			return pc, rem, s, exitWatched
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSW:
		va := h.r[s.rs1] + s.im()
		e := &set.store[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&3 != 0 {
			return pc, rem, s, exitSlow
		}
		if h.stag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		*(*uint32)(unsafe.Add(e.host, va&pageMask)) = uint32(h.r[s.rs2])
		if *e.watch != 0 {
			return pc, rem, s, exitWatched
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opSD:
		va := h.r[s.rs1] + s.im()
		e := &set.store[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&7 != 0 {
			return pc, rem, s, exitSlow
		}
		if h.stag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		*(*uint64)(unsafe.Add(e.host, va&pageMask)) = h.r[s.rs2]
		if *e.watch != 0 {
			return pc, rem, s, exitWatched
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opFLW:
		va := h.r[s.rs1] + s.im()
		e := &set.load[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&3 != 0 || h.mstatus&msFS != fsDirty {
			return pc, rem, s, exitSlow
		}
		if h.dtag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		h.r[s.rd] = nanBox | uint64(*(*uint32)(unsafe.Add(e.host, va&pageMask)))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opFLD:
		va := h.r[s.rs1] + s.im()
		e := &set.load[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&7 != 0 || h.mstatus&msFS != fsDirty {
			return pc, rem, s, exitSlow
		}
		if h.dtag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		h.r[s.rd] = *(*uint64)(unsafe.Add(e.host, va&pageMask))
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opFSW:
		va := h.r[s.rs1] + s.im()
		e := &set.store[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&3 != 0 || h.mstatus&msFS == 0 {
			return pc, rem, s, exitSlow
		}
		if h.stag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		*(*uint32)(unsafe.Add(e.host, va&pageMask)) = uint32(h.r[s.rs2])
		if *e.watch != 0 {
			return pc, rem, s, exitWatched
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opFSD:
		va := h.r[s.rs1] + s.im()
		e := &set.store[(va>>pageShift)&tlbMask]
		if e.vpn != (va>>pageShift)^key || va&7 != 0 || h.mstatus&msFS == 0 {
			return pc, rem, s, exitSlow
		}
		if h.stag[(va>>6)&(lineSlots-1)] != va&h.dmask {
			return pc, rem, s, exitDLine
		}
		*(*uint64)(unsafe.Add(e.host, va&pageMask)) = h.r[s.rs2]
		if *e.watch != 0 {
			return pc, rem, s, exitWatched
		}
		pc += uint64(s.len)
		if rem--; rem == 0 {
			return pc, rem, s, exitDone
		}
		if pc&h.imask != h.iline {
			return pc, rem, s, exitILine
		}
		s = (*slot)(unsafe.Add(unsafe.Pointer(s), uintptr(s.len)*(unsafe.Sizeof(slot{})/2)))
		goto dispatch
	case opPageEnd:
		// Sequential execution ran off the decoded page.
		return pc, rem, s, exitFetch
	case opUndecoded, opIllegal, opCross, opMisalignedJump, opJALRAligned:
		// Listed so that the jump table starts at 0.
		return pc, rem, s, exitSlow
	default:
		return pc, rem, s, exitSlow
	}
	// Every case above ends in its own copy of the sequential step (the
	// next slot follows this one; a sentinel slot ends the page), or jumps.
	// The copies are deliberate: one shared step label measured 3% slower
	// on BenchmarkCompute (451 against 467 MIPS).
jumped:
	rem--
	if rem == 0 {
		return pc, rem, s, exitDone
	}
	goto checked
}

// execSlow runs the instruction in s at pc the slow way: everything inner
// leaves to run. It returns the next pc and the outcome.
func (h *Hart) execSlow(s *slot, pc uint64) (uint64, uint8) {
	next := pc + uint64(s.len)
	switch s.op {
	case opIllegal:
		return pc, h.illegal(s)
	case opMisalignedJump:
		if h.branchTaken(s) {
			h.raise(excInsnMisaligned, pc+s.im())
			return pc, stTrap
		}
	case opJALRAligned:
		t := (h.r[s.rs1] + s.im()) &^ 1
		if t&2 != 0 {
			h.raise(excInsnMisaligned, t)
			return pc, stTrap
		}
		h.r[s.rd] = next
		return t, stNext
	case opLB:
		v, ok := h.load(h.r[s.rs1]+s.im(), 1)
		if !ok {
			return pc, stTrap
		}
		h.r[s.rd] = uint64(int64(int8(v)))
	case opLBU:
		v, ok := h.load(h.r[s.rs1]+s.im(), 1)
		if !ok {
			return pc, stTrap
		}
		h.r[s.rd] = v
	case opLH:
		v, ok := h.load(h.r[s.rs1]+s.im(), 2)
		if !ok {
			return pc, stTrap
		}
		h.r[s.rd] = uint64(int64(int16(v)))
	case opLHU:
		v, ok := h.load(h.r[s.rs1]+s.im(), 2)
		if !ok {
			return pc, stTrap
		}
		h.r[s.rd] = v
	case opLW:
		v, ok := h.load(h.r[s.rs1]+s.im(), 4)
		if !ok {
			return pc, stTrap
		}
		h.r[s.rd] = sx32(uint32(v))
	case opLWU:
		v, ok := h.load(h.r[s.rs1]+s.im(), 4)
		if !ok {
			return pc, stTrap
		}
		h.r[s.rd] = v
	case opLD:
		v, ok := h.load(h.r[s.rs1]+s.im(), 8)
		if !ok {
			return pc, stTrap
		}
		h.r[s.rd] = v
	case opSB:
		if !h.store(h.r[s.rs1]+s.im(), 1, h.r[s.rs2]) {
			return pc, stTrap
		}
	case opSH:
		if !h.store(h.r[s.rs1]+s.im(), 2, h.r[s.rs2]) {
			return pc, stTrap
		}
	case opSW:
		if !h.store(h.r[s.rs1]+s.im(), 4, h.r[s.rs2]) {
			return pc, stTrap
		}
	case opSD:
		if !h.store(h.r[s.rs1]+s.im(), 8, h.r[s.rs2]) {
			return pc, stTrap
		}
	case opFLW, opFLD:
		if h.mstatus&msFS == 0 {
			return pc, h.illegal(s)
		}
		size := 4
		if s.op == opFLD {
			size = 8
		}
		v, ok := h.load(h.r[s.rs1]+s.im(), size)
		if !ok {
			return pc, stTrap
		}
		if size == 4 {
			v |= nanBox
		}
		h.r[s.rd] = v
		h.mstatus |= fsDirty
	case opFSW, opFSD:
		if h.mstatus&msFS == 0 {
			return pc, h.illegal(s)
		}
		size := 4
		if s.op == opFSD {
			size = 8
		}
		if !h.store(h.r[s.rs1]+s.im(), size, h.r[s.rs2]&sim.SizeMask(uint8(size))) {
			return pc, stTrap
		}
	case opCPOP:
		h.r[s.rd] = uint64(bits.OnesCount64(h.r[s.rs1]))
	case opCPOPW:
		h.r[s.rd] = uint64(bits.OnesCount32(uint32(h.r[s.rs1])))
	case opORCB:
		h.r[s.rd] = orcb(h.r[s.rs1])
	case opCLMUL:
		_, h.r[s.rd] = clmul(h.r[s.rs1], h.r[s.rs2])
	case opCLMULH:
		h.r[s.rd], _ = clmul(h.r[s.rs1], h.r[s.rs2])
	case opCLMULR:
		hi, lo := clmul(h.r[s.rs1], h.r[s.rs2])
		h.r[s.rd] = hi<<1 | lo>>63
	case opFENCEI:
		h.fenceI()
	case opECALL:
		h.raise(excEcallU+uint64(h.priv), 0)
		return pc, stTrap
	case opEBREAK:
		h.raise(excBreakpoint, 0)
		return pc, stTrap
	case opCSRRW, opCSRRS, opCSRRC, opCSRRWI, opCSRRSI, opCSRRCI:
		if !h.execCSR(s) {
			return pc, h.illegal(s)
		}
		return next, stSync
	case opMRET:
		if !h.mret() {
			return pc, h.illegal(s)
		}
		return h.pc, stSync
	case opSRET:
		if !h.sret() {
			return pc, h.illegal(s)
		}
		return h.pc, stSync
	case opWFI:
		if !h.wfiAllowed() {
			return pc, h.illegal(s)
		}
		if h.readMIP()&h.mie == 0 {
			h.wfi = true
			return next, stSleep
		}
	case opSFENCEVMA:
		if !h.sfenceVMA(s.rs1, s.rs2) {
			return pc, h.illegal(s)
		}
		return next, stSync
	case opLRW, opSCW, opAMOSWAPW, opAMOADDW, opAMOXORW, opAMOANDW, opAMOORW,
		opAMOMINW, opAMOMAXW, opAMOMINUW, opAMOMAXUW,
		opLRD, opSCD, opAMOSWAPD, opAMOADDD, opAMOXORD, opAMOANDD, opAMOORD,
		opAMOMIND, opAMOMAXD, opAMOMINUD, opAMOMAXUD:
		if !h.execAtomic(s) {
			return pc, stTrap
		}
	default:
		if s.op < opFLW {
			// inner runs every other integer instruction; reaching
			// here means the slot is corrupt, which decode prevents.
			return pc, h.illegal(s)
		}
		if h.mstatus&msFS == 0 || !h.execFP(s) {
			return pc, h.illegal(s)
		}
	}
	return next, stNext
}

// illegal records an illegal-instruction exception for s.
func (h *Hart) illegal(s *slot) uint8 {
	h.raise(excIllegal, uint64(s.insn))
	return stTrap
}

const nanBox = 0xffffffff_00000000

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func sx32(v uint32) uint64 { return uint64(int64(int32(v))) }

func orcb(v uint64) uint64 {
	var out uint64
	for i := 0; i < 64; i += 8 {
		if v>>i&0xff != 0 {
			out |= 0xff << i
		}
	}
	return out
}

// clmul returns the 128-bit carry-less product of a and b.
func clmul(a, b uint64) (hi, lo uint64) {
	for i := uint(0); i < 64; i++ {
		if b>>i&1 != 0 {
			lo ^= a << i
			if i > 0 {
				hi ^= a >> (64 - i)
			}
		}
	}
	return hi, lo
}

// branchTaken evaluates a branch (or jal) held in a misaligned-jump slot.
func (h *Hart) branchTaken(s *slot) bool {
	a, b := h.r[s.rs1], h.r[s.rs2]
	switch s.rs3 {
	case opJAL:
		return true
	case opBEQ:
		return a == b
	case opBNE:
		return a != b
	case opBLT:
		return int64(a) < int64(b)
	case opBGE:
		return int64(a) >= int64(b)
	case opBLTU:
		return a < b
	}
	return a >= b
}

// execCSR runs a CSR instruction; false means illegal instruction.
func (h *Hart) execCSR(s *slot) bool {
	csr := uint16(s.imm)
	var src uint64
	imm := s.op >= opCSRRWI
	if imm {
		src = uint64(s.rs1)
	} else {
		src = h.r[s.rs1]
	}
	base := s.op
	if imm {
		base -= opCSRRWI - opCSRRW
	}
	// csrrw with rd = x0 does not read; csrrs/csrrc with rs1 = x0 (or a
	// zero immediate) do not write.
	read := base != opCSRRW || s.rd != xZeroSink
	write := base == opCSRRW || s.rs1 != 0
	var old uint64
	if read {
		v, ok := h.readCSR(csr)
		if !ok {
			return false
		}
		old = v
	}
	if write {
		nv := src
		switch base {
		case opCSRRS:
			nv = old | src
		case opCSRRC:
			nv = old &^ src
		}
		if !h.writeCSR(csr, nv) {
			return false
		}
	}
	h.r[s.rd] = old
	return true
}
