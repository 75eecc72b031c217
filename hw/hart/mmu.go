package hart

import (
	"encoding/binary"
	"unsafe"

	"cosim/hw/mem"
)

// Access kinds for translation and PMP.
type access uint8

const (
	accFetch access = iota
	accLoad
	accStore
)

const (
	pageShift = 12
	pageSize  = 1 << pageShift
	pageMask  = pageSize - 1

	tlbBits = 8
	tlbSize = 1 << tlbBits
	tlbMask = tlbSize - 1
)

// tlbEntry maps one virtual page to host memory for the run loop's fast
// path. vpn holds (va >> 12) ^ the set's epoch key, so bumping the key
// flushes a whole set at once.
type tlbEntry struct {
	vpn   uint64
	host  unsafe.Pointer // first byte of the page in host memory
	ppn   uint64         // physical page number
	watch *uint8         // the page's RAM watch flags
}

// fetchEntry maps a virtual page to this hart's decoded copy of it.
type fetchEntry struct {
	vpn  uint64
	page *codePage
}

// tlbSet is the TLB of one translation regime (privilege level): accesses
// made at that effective privilege look up only its entries, so a change of
// privilege or MPRV needs no flush.
type tlbSet struct {
	key   uint64 // epoch of load/store entries in bits 63:52, XORed into tags
	fkey  uint64 // epoch of fetch entries
	load  [tlbSize]tlbEntry
	store [tlbSize]tlbEntry
	fetch [tlbSize]fetchEntry
}

type mmuState struct {
	tlb      [4]tlbSet // indexed by privilege (2 unused)
	dataPriv uint8     // effective privilege of loads and stores (MPRV)
	// superpages is set when a TLB entry came from a superpage, so that a
	// per-address sfence.vma must flush everything.
	superpages bool
	noTLB      bool // never fill the TLBs: every access takes the slow path
}

const epochOne = 1 << 52

// hostLittleEndian: the fast paths reinterpret host memory, so they are
// used only on little-endian hosts.
var hostLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

func (h *Hart) flushTLB() {
	for i := range h.tlb {
		h.flushSet(&h.tlb[i], true, true)
	}
	h.forgetDataLines()
	h.superpages = false
	h.resync = true
}

// flushTLBData drops the load/store translations of S and U (SUM and MXR
// changed); fetch translations do not depend on them.
func (h *Hart) flushTLBData() {
	h.flushSet(&h.tlb[PrivS], true, false)
	h.flushSet(&h.tlb[PrivU], true, false)
	h.forgetDataLines()
	h.resync = true
}

// flushSet invalidates a set's data and/or fetch entries by moving to a new
// epoch; only when an epoch counter wraps are the entries cleared one by one.
func (h *Hart) flushSet(s *tlbSet, data, fetch bool) {
	if data {
		s.key += epochOne
		if s.key == 0 {
			for i := range s.load {
				s.load[i].vpn = ^uint64(0)
				s.store[i].vpn = ^uint64(0)
			}
			s.key = epochOne
		}
	}
	if fetch {
		s.fkey += epochOne
		if s.fkey == 0 {
			for i := range s.fetch {
				s.fetch[i].vpn = ^uint64(0)
			}
			s.fkey = epochOne
		}
	}
}

// flushTLBPage drops the translations of one virtual page in every set.
func (h *Hart) flushTLBPage(va uint64, fetchToo bool) {
	vpn := va >> pageShift
	for i := range h.tlb {
		s := &h.tlb[i]
		tag := vpn ^ s.key
		j := vpn & tlbMask
		if s.load[j].vpn == tag {
			s.load[j].vpn = ^uint64(0)
		}
		if s.store[j].vpn == tag {
			s.store[j].vpn = ^uint64(0)
		}
		if fetchToo && s.fetch[j].vpn == vpn^s.fkey {
			s.fetch[j].vpn = ^uint64(0)
		}
	}
	h.forgetDataLines()
	h.resync = true
}

func (h *Hart) updateDataPriv() {
	p := h.priv
	if p == PrivM && h.mstatus&msMPRV != 0 {
		p = uint8((h.mstatus & msMPP) >> msMPPShift)
	}
	if p != h.dataPriv {
		// Another translation regime: the data line buffer's virtual
		// tags may map elsewhere.
		h.forgetDataLines()
	}
	h.dataPriv = p
}

// raise records the exception a slow path found; the run loop takes it.
func (h *Hart) raise(cause, tval uint64) bool {
	h.excCause, h.excTval = cause, tval
	return false
}

// fault codes per access kind.
func pageFault(a access) uint64 {
	return [...]uint64{excInsnPage, excLoadPage, excStorePage}[a]
}

func accessFault(a access) uint64 {
	return [...]uint64{excInsnAccess, excLoadAccess, excStoreAccess}[a]
}

// PTE bits.
const (
	pteV = 1 << iota
	pteR
	pteW
	pteX
	pteU
	pteG
	pteA
	pteD
)

// translation is the outcome of a successful walk.
type translation struct {
	pa        uint64
	superpage bool
	// writable is set when a store may use the page without a new walk
	// (W and D set); readable when a load may (A set, R or MXR+X).
	writable bool
}

// translate maps va for an access at privilege priv. On failure it records
// the exception (tval = tv, the address to report) and returns false.
func (h *Hart) translate(va uint64, a access, priv uint8, tv uint64) (translation, bool) {
	mode := h.satp >> 60
	if priv == PrivM || mode == satpBare {
		return translation{pa: va, writable: true}, true
	}
	levels := int(mode - satpSv39 + 3)
	vaBits := uint(12 + 9*levels)
	if top := int64(va) >> (vaBits - 1); top != 0 && top != -1 {
		return translation{}, h.raise(pageFault(a), tv)
	}
	base := (h.satp & (1<<44 - 1)) << pageShift
	for i := levels - 1; i >= 0; i-- {
		vpn := (va >> (12 + 9*uint(i))) & 0x1ff
		pteAddr := base + vpn*8
		if !h.pmpCheck(pteAddr, 8, accLoad, PrivS) {
			return translation{}, h.raise(accessFault(a), tv)
		}
		pte, ok := h.bus.Read(pteAddr, 8)
		if !ok {
			return translation{}, h.raise(accessFault(a), tv)
		}
		if pte&pteV == 0 || pte&(pteR|pteW) == pteW || pte>>54 != 0 {
			return translation{}, h.raise(pageFault(a), tv)
		}
		ppn := (pte >> 10) & (1<<44 - 1)
		if pte&(pteR|pteX) == 0 { // pointer to the next level
			if i == 0 || pte&(pteD|pteA|pteU) != 0 {
				return translation{}, h.raise(pageFault(a), tv)
			}
			base = ppn << pageShift
			continue
		}
		// Leaf.
		if i > 0 && ppn&(1<<(9*uint(i))-1) != 0 {
			return translation{}, h.raise(pageFault(a), tv) // misaligned superpage
		}
		if !h.ptePermits(pte, a, priv) {
			return translation{}, h.raise(pageFault(a), tv)
		}
		need := uint64(pteA)
		if a == accStore {
			need |= pteD
		}
		if pte&need != need {
			if h.cfg.AD == ADFault {
				return translation{}, h.raise(pageFault(a), tv)
			}
			// Set A (and D) atomically: the walk and the update happen
			// in one step of the simulation, which is what a
			// compare-and-swap on the PTE achieves on a host.
			if !h.pmpCheck(pteAddr, 8, accStore, PrivS) || !h.bus.Write(pteAddr, 8, pte|need) {
				return translation{}, h.raise(accessFault(a), tv)
			}
			pte |= need
		}
		off := va & (1<<(12+9*uint(i)) - 1)
		t := translation{
			pa:        (ppn<<pageShift)&^(1<<(12+9*uint(i))-1) | off,
			superpage: i > 0,
			writable:  pte&(pteW|pteD) == pteW|pteD,
		}
		return t, true
	}
	return translation{}, h.raise(pageFault(a), tv)
}

// ptePermits applies the R/W/X, U, SUM and MXR rules to a leaf PTE.
func (h *Hart) ptePermits(pte uint64, a access, priv uint8) bool {
	if priv == PrivU && pte&pteU == 0 {
		return false
	}
	if priv == PrivS && pte&pteU != 0 && (a == accFetch || h.mstatus&msSUM == 0) {
		return false
	}
	switch a {
	case accFetch:
		return pte&pteX != 0
	case accLoad:
		return pte&pteR != 0 || (h.mstatus&msMXR != 0 && pte&pteX != 0)
	}
	return pte&pteW != 0
}

// memAccess is a resolved physical access: RAM (host pointer) or device.
type memAccess struct {
	pa   uint64
	ram  *mem.RAM
	win  *mem.Window
	fill bool // the whole page may enter the TLB
}

// resolve translates and checks an access of size bytes that does not
// cross a page (a misaligned access resolves each page's part). tv is the tval to report on a fault.
func (h *Hart) resolve(va uint64, size int, a access, priv uint8, tv uint64) (memAccess, bool) {
	t, ok := h.translate(va, a, priv, tv)
	if !ok {
		return memAccess{}, false
	}
	if !h.pmpCheck(t.pa, uint64(size), a, priv) {
		return memAccess{}, h.raise(accessFault(a), tv)
	}
	w := h.bus.Find(t.pa)
	if w == nil || t.pa-w.Base > w.Size-uint64(size) {
		return memAccess{}, h.raise(accessFault(a), tv)
	}
	m := memAccess{pa: t.pa, win: w, ram: w.RAM}
	if m.ram != nil {
		if a == accStore && m.ram.ReadOnly {
			return memAccess{}, h.raise(accessFault(a), tv)
		}
		m.fill = !h.noTLB && hostLittleEndian && h.pmpPageUniform(t.pa&^pageMask, a, priv) &&
			m.ram.Contains(t.pa&^pageMask, pageSize)
		if a == accStore && !t.writable {
			m.fill = false
		}
		if t.superpage {
			h.superpages = true
		}
	}
	return m, true
}

func (h *Hart) fillData(va uint64, m memAccess, a access) {
	if !m.fill {
		return
	}
	set := &h.tlb[h.dataPriv]
	vpn := va >> pageShift
	off := (m.pa &^ pageMask) - m.ram.Base
	e := tlbEntry{
		vpn:   vpn ^ set.key,
		host:  unsafe.Pointer(&m.ram.Data[off]),
		ppn:   m.pa >> pageShift,
		watch: &m.ram.Watch[off>>pageShift],
	}
	if a == accStore {
		set.store[vpn&tlbMask] = e
		// A store proves the page readable too only if R is set, which
		// W implies for valid PTEs; PMP may still differ, so leave the
		// load entry to its own fill.
		return
	}
	set.load[vpn&tlbMask] = e
}

// physRead reads a resolved access of size bytes.
func (h *Hart) physRead(m memAccess, size int, a access, tv uint64) (uint64, bool) {
	if m.ram != nil {
		b := m.ram.Data[m.pa-m.ram.Base:]
		switch size {
		case 1:
			return uint64(b[0]), true
		case 2:
			return uint64(binary.LittleEndian.Uint16(b)), true
		case 4:
			return uint64(binary.LittleEndian.Uint32(b)), true
		}
		return binary.LittleEndian.Uint64(b), true
	}
	v, ok := m.win.Dev.Read(m.pa-m.win.Base, size)
	h.resync = true // a device read may change interrupt lines
	if !ok {
		return 0, h.raise(accessFault(a), tv)
	}
	return v, true
}

// physWrite writes a resolved access.
func (h *Hart) physWrite(m memAccess, size int, v uint64, tv uint64) bool {
	if r := m.ram; r != nil {
		b := r.Data[m.pa-r.Base:]
		switch size {
		case 1:
			b[0] = byte(v)
		case 2:
			binary.LittleEndian.PutUint16(b, uint16(v))
		case 4:
			binary.LittleEndian.PutUint32(b, uint32(v))
		default:
			binary.LittleEndian.PutUint64(b, v)
		}
		if r.Watch[(m.pa-r.Base)>>pageShift] != 0 {
			h.noteWrite(r, m.pa, size)
		}
		return true
	}
	ok := m.win.Dev.Write(m.pa-m.win.Base, size, v)
	h.resync = true
	if !ok {
		return h.raise(excStoreAccess, tv)
	}
	return true
}

// noteWrite reports this hart's store to a watched page.
func (h *Hart) noteWrite(r *mem.RAM, pa uint64, n int) {
	h.sys.writer = h
	r.NoteWrite(pa, n)
	h.sys.writer = nil
}

// watchedStore reports a store the run loop's fast path made to a watched
// page (the store itself is done).
func (h *Hart) watchedStore(s *slot) {
	va := h.r[s.rs1] + s.im()
	e := &h.tlb[h.dataPriv].store[(va>>pageShift)&tlbMask]
	pa := e.ppn<<pageShift | va&pageMask
	if w := h.bus.Find(pa); w != nil && w.RAM != nil {
		h.noteWrite(w.RAM, pa, int(opInfos[s.op].memSize))
	}
}

// load performs a load of size bytes at va for the run loop's slow path.
func (h *Hart) load(va uint64, size int) (uint64, bool) {
	priv := h.dataPriv
	if va&uint64(size-1) != 0 {
		if h.cfg.Misaligned == MisalignedTrap {
			return 0, h.raise(excLoadMisaligned, va)
		}
		return h.loadBytes(va, size, priv)
	}
	m, ok := h.resolve(va, size, accLoad, priv, va)
	if !ok {
		return 0, false
	}
	v, ok := h.physRead(m, size, accLoad, va)
	if ok && m.ram != nil {
		h.dataLine(va, m.pa, false)
		h.fillData(va, m, accLoad)
	}
	return v, ok
}

// store performs a store for the run loop's slow path.
func (h *Hart) store(va uint64, size int, v uint64) bool {
	priv := h.dataPriv
	if va&uint64(size-1) != 0 {
		if h.cfg.Misaligned == MisalignedTrap {
			return h.raise(excStoreMisaligned, va)
		}
		return h.storeBytes(va, size, v, priv)
	}
	m, ok := h.resolve(va, size, accStore, priv, va)
	if !ok {
		return false
	}
	if !h.physWrite(m, size, v, va) {
		return false
	}
	if m.ram != nil {
		h.dataLine(va, m.pa, true)
		h.fillData(va, m, accStore)
	}
	return true
}

// loadBytes emulates a misaligned load: each page it touches is translated
// (the second with tval = the page's first byte, as QEMU reports), then the
// bytes are read one by one.
func (h *Hart) loadBytes(va uint64, size int, priv uint8) (uint64, bool) {
	parts, ok := h.resolveSplit(va, size, accLoad, priv)
	if !ok {
		return 0, false
	}
	var v uint64
	for i := 0; i < size; i++ {
		p := parts[0]
		off := uint64(i)
		if a := va + uint64(i); a&^pageMask != va&^pageMask {
			p = parts[1]
			off = a - (va+uint64(size)-1)&^pageMask
		}
		p.pa += off
		b, ok := h.physRead(p, 1, accLoad, va)
		if !ok {
			return 0, false
		}
		v |= b << (8 * i)
	}
	return v, true
}

func (h *Hart) storeBytes(va uint64, size int, v uint64, priv uint8) bool {
	parts, ok := h.resolveSplit(va, size, accStore, priv)
	if !ok {
		return false
	}
	for i := 0; i < size; i++ {
		p := parts[0]
		off := uint64(i)
		if a := va + uint64(i); a&^pageMask != va&^pageMask {
			p = parts[1]
			off = a - (va+uint64(size)-1)&^pageMask
		}
		p.pa += off
		if !h.physWrite(p, 1, v>>(8*i), va) {
			return false
		}
	}
	return true
}

// resolveSplit resolves the one or two pages of a misaligned access. PMP is
// checked for the bytes in each page.
func (h *Hart) resolveSplit(va uint64, size int, a access, priv uint8) ([2]memAccess, bool) {
	var parts [2]memAccess
	end := va + uint64(size) - 1
	n1 := size
	if end&^pageMask != va&^pageMask {
		n1 = int(pageSize - va&pageMask)
	}
	m, ok := h.resolve(va, n1, a, priv, va)
	if !ok {
		return parts, false
	}
	parts[0] = m
	if n1 < size {
		second := end &^ pageMask
		m, ok := h.resolve(second, size-n1, a, priv, second)
		if !ok {
			return parts, false
		}
		parts[1] = m
	}
	return parts, true
}

// ReadVirt reads guest memory at a virtual address as the hart's current
// data accesses would see it, without side effects on the hart (a walk may
// still set A bits under ADHardware). It is meant for debuggers and tests.
func (h *Hart) ReadVirt(va uint64, p []byte) bool {
	saved := h.excCause
	defer func() { h.excCause = saved }()
	for i := range p {
		t, ok := h.translate(va+uint64(i), accLoad, h.dataPriv, 0)
		if !ok {
			return false
		}
		v, ok := h.bus.Read(t.pa, 1)
		if !ok {
			return false
		}
		p[i] = byte(v)
	}
	return true
}
