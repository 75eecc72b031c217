package hart

import "cosim/hw/mem"

// execAtomic runs LR, SC and the AMOs; false means an exception was
// recorded.
//
// Reservations follow QEMU 7.2 where it is deterministic: LR records the
// virtual address and the value read; SC succeeds if its address matches
// and memory still holds that value, and every SC clears the reservation.
// Traps and xRET clear the reservation, as QEMU 7.2 does.
// On top of that, another hart's store or AMO to the reserved 8-byte
// granule, or a DMA write, breaks the reservation (the RAM watch callback),
// which the spec requires and QEMU only approximates by comparing values.
func (h *Hart) execAtomic(s *slot) bool {
	va := h.r[s.rs1]
	size := 4
	if s.op >= opLRD {
		size = 8
	}
	op := s.op
	if size == 8 {
		op -= opLRD - opLRW // fold to the .w opcode
	}
	if op == opSCW && (!h.resValid || h.resVA != va) {
		// As QEMU 7.2: an SC without a matching reservation fails
		// without accessing memory, so it raises no exception.
		h.clearReservation()
		h.r[s.rd] = 1
		return true
	}
	if va&uint64(size-1) != 0 {
		// LR raises a load exception; SC and AMOs a store/AMO one (QEMU
		// 7.2 reports AMOs as load-misaligned, contrary to the spec).
		if op == opLRW {
			return h.raise(excLoadMisaligned, va)
		}
		return h.raise(excStoreMisaligned, va)
	}
	priv := h.dataPriv
	switch op {
	case opLRW:
		m, ok := h.resolve(va, size, accLoad, priv, va)
		if !ok {
			return false
		}
		if m.ram != nil {
			h.dataLine(va, m.pa, false)
		}
		v, ok := h.physRead(m, size, accLoad, va)
		if !ok {
			return false
		}
		if size == 4 {
			v = sx32(uint32(v))
		}
		h.r[s.rd] = v
		h.setReservation(m, va, v)
		return true
	case opSCW:
		h.touchForRead(va, priv)
		m, ok := h.resolve(va, size, accStore, priv, va)
		if !ok {
			h.clearReservation()
			return false
		}
		if m.ram != nil {
			h.dataLine(va, m.pa, true)
		}
		cur, ok := h.physRead(m, size, accStore, va)
		if !ok {
			h.clearReservation()
			return false
		}
		if size == 4 {
			cur = sx32(uint32(cur))
		}
		expect := h.resVal
		h.clearReservation()
		if cur != expect {
			h.r[s.rd] = 1
			return true
		}
		if !h.physWrite(m, size, h.r[s.rs2], va) {
			return false
		}
		h.r[s.rd] = 0
		return true
	}
	h.touchForRead(va, priv)
	m, ok := h.resolve(va, size, accStore, priv, va)
	if !ok {
		return false
	}
	if !h.pmpCheck(m.pa, uint64(size), accLoad, priv) {
		return h.raise(excStoreAccess, va)
	}
	if m.ram != nil {
		h.dataLine(va, m.pa, true)
	}
	old, ok := h.physRead(m, size, accStore, va)
	if !ok {
		return false
	}
	src := h.r[s.rs2]
	if size == 4 {
		old = sx32(uint32(old))
		src = sx32(uint32(src))
	}
	nv := amoResult(op, old, src, size)
	if !h.physWrite(m, size, nv, va) {
		return false
	}
	h.r[s.rd] = old
	return true
}

// amoResult computes the value an AMO stores; a and b are sign-extended
// for word operations.
func amoResult(op uint8, a, b uint64, size int) uint64 {
	switch op {
	case opAMOSWAPW:
		return b
	case opAMOADDW:
		return a + b
	case opAMOXORW:
		return a ^ b
	case opAMOANDW:
		return a & b
	case opAMOORW:
		return a | b
	case opAMOMINW:
		return uint64(min(int64(a), int64(b)))
	case opAMOMAXW:
		return uint64(max(int64(a), int64(b)))
	case opAMOMINUW:
		if size == 4 {
			return uint64(min(uint32(a), uint32(b)))
		}
		return min(a, b)
	case opAMOMAXUW:
		if size == 4 {
			return uint64(max(uint32(a), uint32(b)))
		}
		return max(a, b)
	}
	return b
}

func (h *Hart) setReservation(m memAccess, va, v uint64) {
	h.clearReservation()
	h.resValid = true
	h.resVA = va
	h.resAddr = m.pa &^ (resGranule - 1)
	h.resVal = v
	if r := m.ram; r != nil {
		h.resRAM = r
		h.sys.watch(r, m.pa, mem.WatchReservation)
	}
}

// clearReservation drops the reservation, and the page's reservation watch
// when no other hart reserves in that page.
func (h *Hart) clearReservation() {
	if !h.resValid {
		return
	}
	h.resValid = false
	r := h.resRAM
	h.resRAM = nil
	if r == nil || h.sys == nil {
		return
	}
	page := h.resAddr >> pageShift
	for _, o := range h.sys.harts {
		if o.resValid && o.resAddr>>pageShift == page {
			return
		}
	}
	r.Watch[(h.resAddr-r.Base)>>pageShift] &^= mem.WatchReservation
}

// touchForRead translates va for a read before an AMO's or SC's write
// translation, for its side effect only: under the hardware A/D policy the
// walk sets A even when the write is then refused, as QEMU's atomics do
// (the spec allows A to be set early). A failure here raises nothing; the
// write translation reports the store/AMO fault.
func (h *Hart) touchForRead(va uint64, priv uint8) {
	if h.cfg.AD != ADHardware || priv == PrivM || h.satp>>60 == satpBare {
		return
	}
	c, t := h.excCause, h.excTval
	h.translate(va, accLoad, priv, va)
	h.excCause, h.excTval = c, t
}
