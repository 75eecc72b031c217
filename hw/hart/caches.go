package hart

import (
	"encoding/binary"
	"fmt"

	"cosim/hw/cache"
	"cosim/hw/sim"
)

// Caches is the cache hierarchy in front of one hart: its L1 instruction
// and data caches (nil: none) and whether the instruction cache follows
// stores. The levels behind L1 hang off each cache's Next.
type Caches struct {
	I, D *cache.Cache
	// ICoherent makes fetches always see memory (stores invalidate
	// decoded instructions, as without caches). When false, a fetch
	// returns the bytes the I-cache line captured when it was filled
	// until this hart executes fence.i or the line is evicted; I must
	// then keep data (cache.Config.KeepData).
	ICoherent bool
}

// cacheState is what the run loop needs of the caches.
//
// The hot loop keeps a line buffer per hart, as virtual line addresses: the
// I-cache line it fetches from, and for data one slot per 64-byte offset
// within a page (bits 6-11, the same in the virtual and the physical
// address) holding a line the D-cache is known to hold, plus the same for
// lines it holds dirty. An access the buffer serves is a hit that changes
// nothing in the model, so only an access outside it leaves the fast path
// for a lookup: with random replacement a hit moves no state, and a store
// to a dirty line changes nothing. An LRU D-cache keeps a single line in
// the buffer, so that every change of line updates the ages. A D-cache
// eviction drops the evicted line's slot. With no cache the masks and tags
// are zero, so the compare always matches.
//
// Virtual tags are valid while the translation that produced them is: the
// data slots are forgotten on every TLB flush and change of data
// privilege; the fetch line whenever run starts over and when a new page
// is fetched.
type cacheState struct {
	caches Caches
	imask  uint64 // ^(I line size - 1), or 0 without an I-cache
	iline  uint64 // virtual line the last fetch looked up
	dmask  uint64 // ^(D line size - 1), or 0 without a D-cache
	dtag   [lineSlots]uint64
	stag   [lineSlots]uint64
	dpa    [lineSlots]uint64 // physical lines of dtag
	spa    [lineSlots]uint64 // physical lines of stag
	// dsingle: LRU replacement, one line in the buffer (dlast/slast).
	dsingle      bool
	dlast, slast uint64
	// nonCoherentI: decoded instructions come from the I-cache's copy
	// and exist only for lines the I-cache holds.
	nonCoherentI bool
}

// lineSlots is the number of data line-buffer slots: one per 64-byte
// offset in a page.
const lineSlots = pageSize / 64

const noLine = ^uint64(0)

// SetCaches puts c in front of the hart (the zero Caches removes them).
// Decoded instructions and translations are dropped, so that everything
// the hart runs from now on went through the new caches.
func (h *Hart) SetCaches(c Caches) error {
	for _, x := range []*cache.Cache{c.I, c.D} {
		if x == nil {
			continue
		}
		if l := x.Config().Line; l < 8 || l > pageSize {
			return fmt.Errorf("hart %d: cache %s: line of %d bytes (8..%d)", h.cfg.HartID, x.Config().Name, l, pageSize)
		}
	}
	if c.I != nil && !c.ICoherent && !c.I.Config().KeepData {
		return fmt.Errorf("hart %d: a non-coherent I-cache must keep the bytes it fetched", h.cfg.HartID)
	}
	if c.I == nil && !c.ICoherent {
		c.ICoherent = true
	}
	h.caches = c
	h.imask, h.dmask = 0, 0
	if c.I != nil {
		h.imask = ^(c.I.Config().Line - 1)
	}
	if c.D != nil {
		h.dmask = ^(c.D.Config().Line - 1)
	}
	h.nonCoherentI = !c.ICoherent
	if c.D != nil {
		h.dsingle = c.D.Config().Replacement == cache.LRU
		c.D.OnEvict = h.dataEvicted
	}
	if c.I != nil {
		if h.nonCoherentI {
			c.I.Fill = h.fillICacheLine
			c.I.OnEvict = h.dropDecodedLine
		} else {
			c.I.Fill, c.I.OnEvict = nil, nil
		}
	}
	clear(h.code)
	h.flushTLB()
	h.forgetLines()
	return nil
}

// Caches returns the caches in front of the hart.
func (h *Hart) Caches() Caches { return h.caches }

// forgetLines makes the next fetch, load and store look their line up.
func (h *Hart) forgetLines() {
	h.forgetFetchLine()
	h.forgetDataLines()
}

func (h *Hart) forgetFetchLine() {
	h.iline = 0
	if h.caches.I != nil {
		h.iline = noLine
	}
}

func (h *Hart) forgetDataLines() {
	v := uint64(0)
	if h.caches.D != nil {
		v = noLine
	}
	for i := range h.dtag {
		h.dtag[i], h.stag[i] = v, v
	}
}

// fetchLine looks up the I-cache line holding physical address pa (the
// fetch of the instruction at virtual pc) and charges its latency.
func (h *Hart) fetchLine(pc, pa uint64) {
	h.idle += h.caches.I.Access(pa, false)
	h.iline = pc & h.imask
}

// dataLine looks up the D-cache line of a load or store at virtual va,
// physical pa, charges its latency and puts the line in the hart's line
// buffer (a store's line also among the dirty ones).
func (h *Hart) dataLine(va, pa uint64, write bool) {
	d := h.caches.D
	if d == nil {
		return
	}
	line, lpa := va&h.dmask, pa&h.dmask
	i := (va >> 6) & (lineSlots - 1)
	if h.stag[i] == line || !write && h.dtag[i] == line {
		return // served by the line buffer, as on the fast path
	}
	h.idle += d.Access(pa, write)
	if h.dsingle {
		h.dtag[h.dlast], h.stag[h.slast] = noLine, noLine
		h.dlast, h.slast = i, i
	}
	h.dtag[i], h.dpa[i] = line, lpa
	if write {
		h.stag[i], h.spa[i] = line, lpa
	} else if h.stag[i] != line {
		h.stag[i] = noLine
	}
}

// dataEvicted drops a line leaving the D-cache from the line buffer (from
// every slot it may occupy, when lines are longer than 64 bytes).
func (h *Hart) dataEvicted(lineAddr uint64) {
	for k := uint64(0); k == 0 || k < h.caches.D.Config().Line/64; k++ {
		i := (lineAddr>>6 + k) & (lineSlots - 1)
		if h.dpa[i] == lineAddr {
			h.dtag[i] = noLine
		}
		if h.spa[i] == lineAddr {
			h.stag[i] = noLine
		}
	}
}

// fastDataLine serves a load or store whose page is in the TLB but whose
// line is not the last one looked up (exitDLine).
func (h *Hart) fastDataLine(s *slot) {
	va := h.r[s.rs1] + s.im()
	set := &h.tlb[h.dataPriv]
	write := opInfos[s.op].memKind == sim.MemStore
	e := &set.load[(va>>pageShift)&tlbMask]
	if write {
		e = &set.store[(va>>pageShift)&tlbMask]
	}
	h.dataLine(va, e.ppn<<pageShift|va&pageMask, write)
}

// fillICacheLine copies a line's bytes from memory into the I-cache as it
// is filled (non-coherent I-cache).
func (h *Hart) fillICacheLine(lineAddr uint64, dst []byte) {
	if w := h.bus.Find(lineAddr); w != nil && w.RAM != nil && w.RAM.Contains(lineAddr, uint64(len(dst))) {
		copy(dst, w.RAM.Data[lineAddr-w.RAM.Base:])
		return
	}
	clear(dst)
}

// dropDecodedLine forgets the decoded instructions of a line leaving the
// non-coherent I-cache: the next fetch from it misses and decodes what
// memory holds then. An instruction that starts in the previous line and
// ends in this one is dropped too.
func (h *Hart) dropDecodedLine(lineAddr uint64) {
	h.invalidateCode(lineAddr, int(h.caches.I.Config().Line))
}

// icacheHalf returns the halfword at physical pa as the non-coherent
// I-cache holds it, looking the line up if it is not there (a decode of a
// 4-byte instruction whose second half lies in the next line).
func (h *Hart) icacheHalf(pa uint64) uint16 {
	d := h.caches.I.Data(pa)
	if d == nil {
		h.idle += h.caches.I.Access(pa, false)
		if d = h.caches.I.Data(pa); d == nil {
			return 0
		}
	}
	return binary.LittleEndian.Uint16(d[pa&(h.caches.I.Config().Line-1):])
}

// CacheStats returns the statistics of the hart's L1 caches (zero for a
// cache it does not have).
func (h *Hart) CacheStats() (i, d cache.Stats) {
	if h.caches.I != nil {
		i = h.caches.I.Stats
	}
	if h.caches.D != nil {
		d = h.caches.D.Stats
	}
	return i, d
}
