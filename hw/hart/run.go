package hart

import (
	"math"
	"math/bits"
	"unsafe"
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
	if h.Obs != nil {
		h.runObserved(limit)
	} else {
		h.run(limit)
	}
	h.running = false
	return h.retired - start
}

// run is the interpreter loop. The outer loop (re)loads the locals from the
// hart and takes interrupts; the inner loop fetches decoded slots and
// dispatches on them. Anything that changes what the locals cache (a trap,
// a CSR write, xRET, an MMIO access that may raise an interrupt) stores
// pc and the retired count back and restarts the outer loop.
func (h *Hart) run(limit uint64) {
	r := &h.r
	jalrMask := uint64(2) // without C, jump targets must be 4-byte aligned
	if h.ext&extC != 0 {
		jalrMask = 0
	}
	var s *slot
outer:
	for h.retired < limit && !h.stopReq {
		h.resync = false
		if cause, ok := h.pendingInterrupt(); ok {
			h.takeTrap(cause, 0)
			if h.stopReq {
				break
			}
		}
		pc := h.pc
		n := h.retired
		lim := limit
		if t := h.timerLimit(); t < lim {
			lim = max(t, n+1)
		}
		set := &h.tlb[h.dataPriv]
		lt, st, dkey := &set.load, &set.store, set.key
		fpOff := h.mstatus&msFS == 0
		var cp *codePage
		cbase, cspan := uint64(0), uint64(0)

		for n < lim {
			if pc-cbase >= cspan {
				var ok bool
				if cp, cbase, cspan, ok = h.fetchRegion(pc); !ok {
					goto trap
				}
			}
			s = &cp.slots[(pc>>1)&(pageSize/2-1)]
		dispatch:
			switch s.op {
			case opUndecoded:
				h.decodeSlot(cp, pc)
				goto dispatch
			case opCross:
				var ok bool
				if s, ok = h.crossSlot(pc); !ok {
					goto trap
				}
				goto dispatch
			case opIllegal:
				goto illegal
			case opMisalignedJump:
				if h.branchTaken(s) {
					h.excCause, h.excTval = excInsnMisaligned, pc+s.imm
					goto trap
				}
				pc += uint64(s.len)

			case opLUI:
				r[s.rd] = s.imm
				pc += uint64(s.len)
			case opAUIPC:
				r[s.rd] = pc + s.imm
				pc += uint64(s.len)
			case opJAL:
				r[s.rd] = pc + uint64(s.len)
				pc += s.imm
			case opJALR:
				t := (r[s.rs1] + s.imm) &^ 1
				if t&jalrMask != 0 {
					h.excCause, h.excTval = excInsnMisaligned, t
					goto trap
				}
				r[s.rd] = pc + uint64(s.len)
				pc = t
			case opBEQ:
				if r[s.rs1] == r[s.rs2] {
					pc += s.imm
				} else {
					pc += uint64(s.len)
				}
			case opBNE:
				if r[s.rs1] != r[s.rs2] {
					pc += s.imm
				} else {
					pc += uint64(s.len)
				}
			case opBLT:
				if int64(r[s.rs1]) < int64(r[s.rs2]) {
					pc += s.imm
				} else {
					pc += uint64(s.len)
				}
			case opBGE:
				if int64(r[s.rs1]) >= int64(r[s.rs2]) {
					pc += s.imm
				} else {
					pc += uint64(s.len)
				}
			case opBLTU:
				if r[s.rs1] < r[s.rs2] {
					pc += s.imm
				} else {
					pc += uint64(s.len)
				}
			case opBGEU:
				if r[s.rs1] >= r[s.rs2] {
					pc += s.imm
				} else {
					pc += uint64(s.len)
				}

			// Loads: fast path through the load TLB to host memory.
			case opLB:
				va := r[s.rs1] + s.imm
				if e := &lt[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey {
					r[s.rd] = uint64(int64(*(*int8)(unsafe.Add(e.host, va&pageMask))))
				} else if v, ok := h.load(va, 1); ok {
					r[s.rd] = uint64(int64(int8(v)))
					if h.resync {
						pc += uint64(s.len)
						goto sync
					}
				} else {
					goto trap
				}
				pc += uint64(s.len)
			case opLBU:
				va := r[s.rs1] + s.imm
				if e := &lt[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey {
					r[s.rd] = uint64(*(*uint8)(unsafe.Add(e.host, va&pageMask)))
				} else if v, ok := h.load(va, 1); ok {
					r[s.rd] = v
					if h.resync {
						pc += uint64(s.len)
						goto sync
					}
				} else {
					goto trap
				}
				pc += uint64(s.len)
			case opLH:
				va := r[s.rs1] + s.imm
				if e := &lt[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&1 == 0 {
					r[s.rd] = uint64(int64(*(*int16)(unsafe.Add(e.host, va&pageMask))))
				} else if v, ok := h.load(va, 2); ok {
					r[s.rd] = uint64(int64(int16(v)))
					if h.resync {
						pc += uint64(s.len)
						goto sync
					}
				} else {
					goto trap
				}
				pc += uint64(s.len)
			case opLHU:
				va := r[s.rs1] + s.imm
				if e := &lt[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&1 == 0 {
					r[s.rd] = uint64(*(*uint16)(unsafe.Add(e.host, va&pageMask)))
				} else if v, ok := h.load(va, 2); ok {
					r[s.rd] = v
					if h.resync {
						pc += uint64(s.len)
						goto sync
					}
				} else {
					goto trap
				}
				pc += uint64(s.len)
			case opLW:
				va := r[s.rs1] + s.imm
				if e := &lt[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&3 == 0 {
					r[s.rd] = uint64(int64(*(*int32)(unsafe.Add(e.host, va&pageMask))))
				} else if v, ok := h.load(va, 4); ok {
					r[s.rd] = uint64(int64(int32(v)))
					if h.resync {
						pc += uint64(s.len)
						goto sync
					}
				} else {
					goto trap
				}
				pc += uint64(s.len)
			case opLWU:
				va := r[s.rs1] + s.imm
				if e := &lt[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&3 == 0 {
					r[s.rd] = uint64(*(*uint32)(unsafe.Add(e.host, va&pageMask)))
				} else if v, ok := h.load(va, 4); ok {
					r[s.rd] = v
					if h.resync {
						pc += uint64(s.len)
						goto sync
					}
				} else {
					goto trap
				}
				pc += uint64(s.len)
			case opLD:
				va := r[s.rs1] + s.imm
				if e := &lt[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&7 == 0 {
					r[s.rd] = *(*uint64)(unsafe.Add(e.host, va&pageMask))
				} else if v, ok := h.load(va, 8); ok {
					r[s.rd] = v
					if h.resync {
						pc += uint64(s.len)
						goto sync
					}
				} else {
					goto trap
				}
				pc += uint64(s.len)

			// Stores: fast path through the store TLB; a store to a page
			// someone watches (code, reservations) is reported.
			case opSB:
				va := r[s.rs1] + s.imm
				if e := &st[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey {
					*(*uint8)(unsafe.Add(e.host, va&pageMask)) = uint8(r[s.rs2])
					if *e.watch != 0 {
						h.watchedStore(e, va, 1)
					}
				} else if !h.store(va, 1, r[s.rs2]) {
					goto trap
				} else if h.resync {
					pc += uint64(s.len)
					goto sync
				}
				pc += uint64(s.len)
			case opSH:
				va := r[s.rs1] + s.imm
				if e := &st[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&1 == 0 {
					*(*uint16)(unsafe.Add(e.host, va&pageMask)) = uint16(r[s.rs2])
					if *e.watch != 0 {
						h.watchedStore(e, va, 2)
					}
				} else if !h.store(va, 2, r[s.rs2]) {
					goto trap
				} else if h.resync {
					pc += uint64(s.len)
					goto sync
				}
				pc += uint64(s.len)
			case opSW:
				va := r[s.rs1] + s.imm
				if e := &st[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&3 == 0 {
					*(*uint32)(unsafe.Add(e.host, va&pageMask)) = uint32(r[s.rs2])
					if *e.watch != 0 {
						h.watchedStore(e, va, 4)
					}
				} else if !h.store(va, 4, r[s.rs2]) {
					goto trap
				} else if h.resync {
					pc += uint64(s.len)
					goto sync
				}
				pc += uint64(s.len)
			case opSD:
				va := r[s.rs1] + s.imm
				if e := &st[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&7 == 0 {
					*(*uint64)(unsafe.Add(e.host, va&pageMask)) = r[s.rs2]
					if *e.watch != 0 {
						h.watchedStore(e, va, 8)
					}
				} else if !h.store(va, 8, r[s.rs2]) {
					goto trap
				} else if h.resync {
					pc += uint64(s.len)
					goto sync
				}
				pc += uint64(s.len)

			case opADDI:
				r[s.rd] = r[s.rs1] + s.imm
				pc += uint64(s.len)
			case opSLTI:
				r[s.rd] = b2u(int64(r[s.rs1]) < int64(s.imm))
				pc += uint64(s.len)
			case opSLTIU:
				r[s.rd] = b2u(r[s.rs1] < s.imm)
				pc += uint64(s.len)
			case opXORI:
				r[s.rd] = r[s.rs1] ^ s.imm
				pc += uint64(s.len)
			case opORI:
				r[s.rd] = r[s.rs1] | s.imm
				pc += uint64(s.len)
			case opANDI:
				r[s.rd] = r[s.rs1] & s.imm
				pc += uint64(s.len)
			case opSLLI:
				r[s.rd] = r[s.rs1] << s.imm
				pc += uint64(s.len)
			case opSRLI:
				r[s.rd] = r[s.rs1] >> s.imm
				pc += uint64(s.len)
			case opSRAI:
				r[s.rd] = uint64(int64(r[s.rs1]) >> s.imm)
				pc += uint64(s.len)
			case opADD:
				r[s.rd] = r[s.rs1] + r[s.rs2]
				pc += uint64(s.len)
			case opSUB:
				r[s.rd] = r[s.rs1] - r[s.rs2]
				pc += uint64(s.len)
			case opSLL:
				r[s.rd] = r[s.rs1] << (r[s.rs2] & 63)
				pc += uint64(s.len)
			case opSLT:
				r[s.rd] = b2u(int64(r[s.rs1]) < int64(r[s.rs2]))
				pc += uint64(s.len)
			case opSLTU:
				r[s.rd] = b2u(r[s.rs1] < r[s.rs2])
				pc += uint64(s.len)
			case opXOR:
				r[s.rd] = r[s.rs1] ^ r[s.rs2]
				pc += uint64(s.len)
			case opSRL:
				r[s.rd] = r[s.rs1] >> (r[s.rs2] & 63)
				pc += uint64(s.len)
			case opSRA:
				r[s.rd] = uint64(int64(r[s.rs1]) >> (r[s.rs2] & 63))
				pc += uint64(s.len)
			case opOR:
				r[s.rd] = r[s.rs1] | r[s.rs2]
				pc += uint64(s.len)
			case opAND:
				r[s.rd] = r[s.rs1] & r[s.rs2]
				pc += uint64(s.len)
			case opADDIW:
				r[s.rd] = sx32(uint32(r[s.rs1] + s.imm))
				pc += uint64(s.len)
			case opSLLIW:
				r[s.rd] = sx32(uint32(r[s.rs1]) << s.imm)
				pc += uint64(s.len)
			case opSRLIW:
				r[s.rd] = sx32(uint32(r[s.rs1]) >> s.imm)
				pc += uint64(s.len)
			case opSRAIW:
				r[s.rd] = uint64(int64(int32(r[s.rs1]) >> s.imm))
				pc += uint64(s.len)
			case opADDW:
				r[s.rd] = sx32(uint32(r[s.rs1] + r[s.rs2]))
				pc += uint64(s.len)
			case opSUBW:
				r[s.rd] = sx32(uint32(r[s.rs1] - r[s.rs2]))
				pc += uint64(s.len)
			case opSLLW:
				r[s.rd] = sx32(uint32(r[s.rs1]) << (r[s.rs2] & 31))
				pc += uint64(s.len)
			case opSRLW:
				r[s.rd] = sx32(uint32(r[s.rs1]) >> (r[s.rs2] & 31))
				pc += uint64(s.len)
			case opSRAW:
				r[s.rd] = uint64(int64(int32(r[s.rs1]) >> (r[s.rs2] & 31)))
				pc += uint64(s.len)

			case opFENCE:
				pc += uint64(s.len)
			case opFENCEI:
				h.fenceI()
				pc += uint64(s.len)
			case opECALL:
				h.excCause, h.excTval = excEcallU+uint64(h.priv), 0
				goto trap
			case opEBREAK:
				h.excCause, h.excTval = excBreakpoint, 0
				goto trap

			case opCSRRW, opCSRRS, opCSRRC, opCSRRWI, opCSRRSI, opCSRRCI:
				h.retired, h.pc = n, pc
				if !h.execCSR(s) {
					goto illegal
				}
				pc += uint64(s.len)
				goto sync
			case opMRET:
				h.retired, h.pc = n, pc
				if !h.mret() {
					goto illegal
				}
				pc = h.pc
				goto sync
			case opSRET:
				h.retired, h.pc = n, pc
				if !h.sret() {
					goto illegal
				}
				pc = h.pc
				goto sync
			case opWFI:
				if !h.wfiAllowed() {
					goto illegal
				}
				pc += uint64(s.len)
				if h.readMIP()&h.mie == 0 {
					h.wfi = true
					n++
					h.retired, h.pc = n, pc
					h.obsSlot = s
					return
				}
			case opSFENCEVMA:
				if !h.sfenceVMA(s.rs1, s.rs2) {
					goto illegal
				}
				pc += uint64(s.len)
				goto sync

			case opMUL:
				r[s.rd] = r[s.rs1] * r[s.rs2]
				pc += uint64(s.len)
			case opMULH:
				r[s.rd] = mulh(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opMULHSU:
				r[s.rd] = mulhsu(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opMULHU:
				r[s.rd], _ = bits.Mul64(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opDIV:
				r[s.rd] = div(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opDIVU:
				if d := r[s.rs2]; d == 0 {
					r[s.rd] = ^uint64(0)
				} else {
					r[s.rd] = r[s.rs1] / d
				}
				pc += uint64(s.len)
			case opREM:
				r[s.rd] = rem(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opREMU:
				if d := r[s.rs2]; d == 0 {
					r[s.rd] = r[s.rs1]
				} else {
					r[s.rd] = r[s.rs1] % d
				}
				pc += uint64(s.len)
			case opMULW:
				r[s.rd] = sx32(uint32(r[s.rs1]) * uint32(r[s.rs2]))
				pc += uint64(s.len)
			case opDIVW:
				r[s.rd] = divw(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opDIVUW:
				if d := uint32(r[s.rs2]); d == 0 {
					r[s.rd] = ^uint64(0)
				} else {
					r[s.rd] = sx32(uint32(r[s.rs1]) / d)
				}
				pc += uint64(s.len)
			case opREMW:
				r[s.rd] = remw(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opREMUW:
				if d := uint32(r[s.rs2]); d == 0 {
					r[s.rd] = sx32(uint32(r[s.rs1]))
				} else {
					r[s.rd] = sx32(uint32(r[s.rs1]) % d)
				}
				pc += uint64(s.len)

			case opLRW, opSCW, opAMOSWAPW, opAMOADDW, opAMOXORW, opAMOANDW, opAMOORW,
				opAMOMINW, opAMOMAXW, opAMOMINUW, opAMOMAXUW,
				opLRD, opSCD, opAMOSWAPD, opAMOADDD, opAMOXORD, opAMOANDD, opAMOORD,
				opAMOMIND, opAMOMAXD, opAMOMINUD, opAMOMAXUD:
				if !h.execAtomic(s) {
					goto trap
				}
				pc += uint64(s.len)
				if h.resync {
					goto sync
				}

			case opADDUW:
				r[s.rd] = uint64(uint32(r[s.rs1])) + r[s.rs2]
				pc += uint64(s.len)
			case opSH1ADD:
				r[s.rd] = r[s.rs1]<<1 + r[s.rs2]
				pc += uint64(s.len)
			case opSH2ADD:
				r[s.rd] = r[s.rs1]<<2 + r[s.rs2]
				pc += uint64(s.len)
			case opSH3ADD:
				r[s.rd] = r[s.rs1]<<3 + r[s.rs2]
				pc += uint64(s.len)
			case opSH1ADDUW:
				r[s.rd] = uint64(uint32(r[s.rs1]))<<1 + r[s.rs2]
				pc += uint64(s.len)
			case opSH2ADDUW:
				r[s.rd] = uint64(uint32(r[s.rs1]))<<2 + r[s.rs2]
				pc += uint64(s.len)
			case opSH3ADDUW:
				r[s.rd] = uint64(uint32(r[s.rs1]))<<3 + r[s.rs2]
				pc += uint64(s.len)
			case opSLLIUW:
				r[s.rd] = uint64(uint32(r[s.rs1])) << s.imm
				pc += uint64(s.len)

			case opANDN:
				r[s.rd] = r[s.rs1] &^ r[s.rs2]
				pc += uint64(s.len)
			case opORN:
				r[s.rd] = r[s.rs1] | ^r[s.rs2]
				pc += uint64(s.len)
			case opXNOR:
				r[s.rd] = ^(r[s.rs1] ^ r[s.rs2])
				pc += uint64(s.len)
			case opCLZ:
				r[s.rd] = uint64(bits.LeadingZeros64(r[s.rs1]))
				pc += uint64(s.len)
			case opCLZW:
				r[s.rd] = uint64(bits.LeadingZeros32(uint32(r[s.rs1])))
				pc += uint64(s.len)
			case opCTZ:
				r[s.rd] = uint64(bits.TrailingZeros64(r[s.rs1]))
				pc += uint64(s.len)
			case opCTZW:
				r[s.rd] = uint64(bits.TrailingZeros32(uint32(r[s.rs1])))
				pc += uint64(s.len)
			case opCPOP:
				r[s.rd] = uint64(bits.OnesCount64(r[s.rs1]))
				pc += uint64(s.len)
			case opCPOPW:
				r[s.rd] = uint64(bits.OnesCount32(uint32(r[s.rs1])))
				pc += uint64(s.len)
			case opMAX:
				r[s.rd] = uint64(max(int64(r[s.rs1]), int64(r[s.rs2])))
				pc += uint64(s.len)
			case opMAXU:
				r[s.rd] = max(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opMIN:
				r[s.rd] = uint64(min(int64(r[s.rs1]), int64(r[s.rs2])))
				pc += uint64(s.len)
			case opMINU:
				r[s.rd] = min(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opSEXTB:
				r[s.rd] = uint64(int64(int8(r[s.rs1])))
				pc += uint64(s.len)
			case opSEXTH:
				r[s.rd] = uint64(int64(int16(r[s.rs1])))
				pc += uint64(s.len)
			case opZEXTH:
				r[s.rd] = uint64(uint16(r[s.rs1]))
				pc += uint64(s.len)
			case opROL:
				r[s.rd] = bits.RotateLeft64(r[s.rs1], int(r[s.rs2]&63))
				pc += uint64(s.len)
			case opROLW:
				r[s.rd] = sx32(bits.RotateLeft32(uint32(r[s.rs1]), int(r[s.rs2]&31)))
				pc += uint64(s.len)
			case opROR:
				r[s.rd] = bits.RotateLeft64(r[s.rs1], -int(r[s.rs2]&63))
				pc += uint64(s.len)
			case opRORI:
				r[s.rd] = bits.RotateLeft64(r[s.rs1], -int(s.imm))
				pc += uint64(s.len)
			case opRORIW:
				r[s.rd] = sx32(bits.RotateLeft32(uint32(r[s.rs1]), -int(s.imm)))
				pc += uint64(s.len)
			case opRORW:
				r[s.rd] = sx32(bits.RotateLeft32(uint32(r[s.rs1]), -int(r[s.rs2]&31)))
				pc += uint64(s.len)
			case opORCB:
				r[s.rd] = orcb(r[s.rs1])
				pc += uint64(s.len)
			case opREV8:
				r[s.rd] = bits.ReverseBytes64(r[s.rs1])
				pc += uint64(s.len)

			case opCLMUL:
				_, r[s.rd] = clmul(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opCLMULH:
				r[s.rd], _ = clmul(r[s.rs1], r[s.rs2])
				pc += uint64(s.len)
			case opCLMULR:
				hi, lo := clmul(r[s.rs1], r[s.rs2])
				r[s.rd] = hi<<1 | lo>>63
				pc += uint64(s.len)

			case opBCLR:
				r[s.rd] = r[s.rs1] &^ (1 << (r[s.rs2] & 63))
				pc += uint64(s.len)
			case opBCLRI:
				r[s.rd] = r[s.rs1] &^ (1 << s.imm)
				pc += uint64(s.len)
			case opBEXT:
				r[s.rd] = r[s.rs1] >> (r[s.rs2] & 63) & 1
				pc += uint64(s.len)
			case opBEXTI:
				r[s.rd] = r[s.rs1] >> s.imm & 1
				pc += uint64(s.len)
			case opBINV:
				r[s.rd] = r[s.rs1] ^ (1 << (r[s.rs2] & 63))
				pc += uint64(s.len)
			case opBINVI:
				r[s.rd] = r[s.rs1] ^ (1 << s.imm)
				pc += uint64(s.len)
			case opBSET:
				r[s.rd] = r[s.rs1] | (1 << (r[s.rs2] & 63))
				pc += uint64(s.len)
			case opBSETI:
				r[s.rd] = r[s.rs1] | (1 << s.imm)
				pc += uint64(s.len)

			// Floating-point loads and stores share the integer fast path.
			case opFLW:
				if fpOff {
					goto illegal
				}
				va := r[s.rs1] + s.imm
				if e := &lt[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&3 == 0 {
					r[s.rd] = nanBox | uint64(*(*uint32)(unsafe.Add(e.host, va&pageMask)))
				} else if v, ok := h.load(va, 4); ok {
					r[s.rd] = nanBox | v
				} else {
					goto trap
				}
				h.mstatus |= fsDirty
				pc += uint64(s.len)
				if h.resync {
					goto sync
				}
			case opFLD:
				if fpOff {
					goto illegal
				}
				va := r[s.rs1] + s.imm
				if e := &lt[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&7 == 0 {
					r[s.rd] = *(*uint64)(unsafe.Add(e.host, va&pageMask))
				} else if v, ok := h.load(va, 8); ok {
					r[s.rd] = v
				} else {
					goto trap
				}
				h.mstatus |= fsDirty
				pc += uint64(s.len)
				if h.resync {
					goto sync
				}
			case opFSW:
				if fpOff {
					goto illegal
				}
				va := r[s.rs1] + s.imm
				if e := &st[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&3 == 0 {
					*(*uint32)(unsafe.Add(e.host, va&pageMask)) = uint32(r[s.rs2])
					if *e.watch != 0 {
						h.watchedStore(e, va, 4)
					}
				} else if !h.store(va, 4, uint64(uint32(r[s.rs2]))) {
					goto trap
				}
				pc += uint64(s.len)
				if h.resync {
					goto sync
				}
			case opFSD:
				if fpOff {
					goto illegal
				}
				va := r[s.rs1] + s.imm
				if e := &st[(va>>pageShift)&tlbMask]; e.vpn == (va>>pageShift)^dkey && va&7 == 0 {
					*(*uint64)(unsafe.Add(e.host, va&pageMask)) = r[s.rs2]
					if *e.watch != 0 {
						h.watchedStore(e, va, 8)
					}
				} else if !h.store(va, 8, r[s.rs2]) {
					goto trap
				}
				pc += uint64(s.len)
				if h.resync {
					goto sync
				}

			default: // floating-point computation
				if fpOff {
					goto illegal
				}
				if !h.execFP(s) {
					goto illegal
				}
				pc += uint64(s.len)
			}
			n++
			continue

		illegal:
			h.excCause, h.excTval = excIllegal, uint64(s.insn)
		trap:
			h.retired, h.pc = n, pc
			h.takeException()
			continue outer
		sync:
			// The instruction retired and changed state the locals
			// cache: store them and start over.
			n++
			h.retired, h.pc = n, pc
			h.obsSlot = s
			continue outer
		}
		h.retired, h.pc = n, pc
		h.obsSlot = s
	}
}

const nanBox = 0xffffffff_00000000

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func sx32(v uint32) uint64 { return uint64(int64(int32(v))) }

func mulh(a, b uint64) uint64 {
	hi, _ := bits.Mul64(a, b)
	if int64(a) < 0 {
		hi -= b
	}
	if int64(b) < 0 {
		hi -= a
	}
	return hi
}

func mulhsu(a, b uint64) uint64 {
	hi, _ := bits.Mul64(a, b)
	if int64(a) < 0 {
		hi -= b
	}
	return hi
}

func div(a, b uint64) uint64 {
	switch {
	case b == 0:
		return ^uint64(0)
	case int64(a) == math.MinInt64 && int64(b) == -1:
		return a
	}
	return uint64(int64(a) / int64(b))
}

func rem(a, b uint64) uint64 {
	switch {
	case b == 0:
		return a
	case int64(a) == math.MinInt64 && int64(b) == -1:
		return 0
	}
	return uint64(int64(a) % int64(b))
}

func divw(a, b uint64) uint64 {
	x, y := int32(a), int32(b)
	switch {
	case y == 0:
		return ^uint64(0)
	case x == math.MinInt32 && y == -1:
		return uint64(int64(x))
	}
	return uint64(int64(x / y))
}

func remw(a, b uint64) uint64 {
	x, y := int32(a), int32(b)
	switch {
	case y == 0:
		return uint64(int64(x))
	case x == math.MinInt32 && y == -1:
		return 0
	}
	return uint64(int64(x % y))
}

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
