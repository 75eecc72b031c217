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

// cacheState is what the run loop needs of the caches. The hot loop keeps
// a line buffer per hart: the I-cache line it fetches from, the two D-cache
// lines it used last and the two it last made dirty, as virtual line
// addresses. An access that the buffer serves is a hit that changes
// nothing in the model (the line is present; with random replacement a hit
// moves no state, and a store to a dirty line changes nothing), so only an
// access outside it leaves the fast path for a lookup. An LRU D-cache uses
// one entry of each pair, so that every change of line updates the ages.
// With no cache the masks and tags are zero, so the first compare always
// matches.
//
// The tags are virtual, valid while the translation that produced them is:
// run forgets them whenever it starts over (every TLB flush, privilege or
// satp change passes through there) and when a new page is fetched. A
// D-cache eviction drops the entries of the evicted line.
type cacheState struct {
	caches Caches
	imask  uint64 // ^(I line size - 1), or 0 without an I-cache
	iline  uint64 // virtual line the last fetch looked up
	dmask  uint64 // ^(D line size - 1), or 0 without a D-cache
	dline  [2]uint64
	sline  [2]uint64
	dpa    [2]uint64 // physical lines of dline
	spa    [2]uint64 // physical lines of sline
	dnext  uint8     // entry the next load lookup replaces
	snext  uint8     // entry the next store lookup replaces
	dpair  bool      // both entries in use (random replacement)
	// nonCoherentI: decoded instructions come from the I-cache's copy
	// and exist only for lines the I-cache holds.
	nonCoherentI bool
}

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
		h.dpair = c.D.Config().Replacement == cache.Random
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
	h.iline = 0
	h.dline, h.sline = [2]uint64{}, [2]uint64{}
	if h.caches.I != nil {
		h.iline = noLine
	}
	if h.caches.D != nil {
		h.dline, h.sline = [2]uint64{noLine, noLine}, [2]uint64{noLine, noLine}
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
	h.idle += d.Access(pa, write)
	line, lpa := va&h.dmask, pa&h.dmask
	if line != h.dline[0] && line != h.dline[1] {
		h.dline[h.dnext], h.dpa[h.dnext] = line, lpa
		if h.dpair {
			h.dnext ^= 1
		}
	}
	if write && line != h.sline[0] && line != h.sline[1] {
		h.sline[h.snext], h.spa[h.snext] = line, lpa
		if h.dpair {
			h.snext ^= 1
		}
	}
}

// dataEvicted drops a line leaving the D-cache from the line buffer.
func (h *Hart) dataEvicted(lineAddr uint64) {
	for i := range 2 {
		if h.dpa[i] == lineAddr {
			h.dline[i] = noLine
		}
		if h.spa[i] == lineAddr {
			h.sline[i] = noLine
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
