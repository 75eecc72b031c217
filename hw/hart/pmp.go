package hart

// PMP configuration fields.
const (
	pmpR    = 1 << 0
	pmpW    = 1 << 1
	pmpX    = 1 << 2
	pmpA    = 3 << 3
	pmpL    = 1 << 7
	pmpOff  = 0 << 3
	pmpTOR  = 1 << 3
	pmpNA4  = 2 << 3
	pmpNAPT = 3 << 3

	pmpCfgMask  = pmpR | pmpW | pmpX | pmpA | pmpL // bits 6:5 read as zero
	pmpAddrMask = 1<<54 - 1                        // physical addresses of 56 bits
)

// pmpCSRExists says whether the CSRs of PMP entry i exist. Entries past the
// configured count but below 16 read as zero (QEMU 7.2 always has 16);
// beyond 16 the CSRs exist only on a 64-entry hart.
func (h *Hart) pmpCSRExists(i int) bool {
	return i < 16 || h.cfg.PMPEntries == 64
}

func (h *Hart) pmpLocked(i int) bool { return h.pmpcfg[i]&pmpL != 0 }

func (h *Hart) pmpCfgWrite(base int, v uint64) {
	for k := 0; k < 8; k++ {
		i := base + k
		if i >= h.cfg.PMPEntries || h.pmpLocked(i) {
			continue
		}
		c := uint8(v>>(8*k)) & pmpCfgMask
		if h.pmpGrain >= 1 && c&pmpA == pmpNA4 {
			c = c&^pmpA | h.pmpcfg[i]&pmpA // NA4 is not selectable: keep the old mode
		}
		h.pmpcfg[i] = c
	}
	h.pmpChanged()
}

func (h *Hart) pmpAddrWrite(i int, v uint64) {
	if i >= h.cfg.PMPEntries || h.pmpLocked(i) {
		return
	}
	if i+1 < h.cfg.PMPEntries && h.pmpLocked(i+1) && h.pmpcfg[i+1]&pmpA == pmpTOR {
		return
	}
	h.pmpaddr[i] = v & pmpAddrMask
	h.pmpChanged()
}

// pmpAddrRead applies the grain: in NAPOT mode the low G-1 bits read as
// ones, in OFF and TOR modes the low G bits read as zero.
func (h *Hart) pmpAddrRead(i int) uint64 {
	if i >= h.cfg.PMPEntries {
		return 0
	}
	v := h.pmpaddr[i]
	g := h.pmpGrain
	if g == 0 {
		return v
	}
	if h.pmpcfg[i]&pmpA == pmpNAPT {
		if g >= 2 {
			v |= 1<<(g-1) - 1
		}
		return v
	}
	return v &^ (1<<g - 1)
}

// pmpRange returns the byte range [lo, hi) entry i matches, or ok=false
// when it is off.
func (h *Hart) pmpRange(i int) (lo, hi uint64, ok bool) {
	switch h.pmpcfg[i] & pmpA {
	case pmpTOR:
		if i > 0 {
			lo = h.pmpAddrRead(i-1) << 2
		}
		hi = h.pmpAddrRead(i) << 2
		return lo, hi, true
	case pmpNA4:
		lo = h.pmpaddr[i] << 2
		return lo, lo + 4, true
	case pmpNAPT:
		a := h.pmpAddrRead(i)
		ones := uint64(0)
		for a>>ones&1 == 1 && ones < 54 {
			ones++
		}
		size := uint64(1) << (ones + 3)
		lo = (a << 2) &^ (size - 1)
		return lo, lo + size, true
	}
	return 0, 0, false
}

func (h *Hart) pmpChanged() {
	h.pmpActive = 0
	for i := 0; i < h.cfg.PMPEntries; i++ {
		lo, hi, ok := h.pmpRange(i)
		h.pmpLo[i], h.pmpHi[i], h.pmpOn[i] = lo, hi, ok
		if ok {
			h.pmpActive = i + 1
		}
	}
	h.flushTLB()
}

// pmpCheck says whether an access of n bytes at pa by privilege priv is
// allowed.
func (h *Hart) pmpCheck(pa, n uint64, a access, priv uint8) bool {
	if h.cfg.PMPEntries == 0 {
		return true
	}
	end := pa + n // exclusive; accesses never wrap
	for i := 0; i < h.pmpActive; i++ {
		lo, hi := h.pmpLo[i], h.pmpHi[i]
		if !h.pmpOn[i] || lo >= hi || end <= lo || pa >= hi {
			continue // off, empty (TOR with a lower top) or disjoint
		}
		if pa < lo || end > hi {
			return false // a partial match fails
		}
		return h.pmpPermits(i, a, priv)
	}
	return priv == PrivM
}

func (h *Hart) pmpPermits(i int, a access, priv uint8) bool {
	c := h.pmpcfg[i]
	if priv == PrivM && c&pmpL == 0 {
		return true
	}
	switch a {
	case accFetch:
		return c&pmpX != 0
	case accLoad:
		return c&pmpR != 0
	}
	return c&pmpW != 0
}

// pmpPageUniform says whether an access of kind a is allowed for every
// byte of the 4 KiB page at pa, so the page may enter a TLB.
func (h *Hart) pmpPageUniform(pa uint64, a access, priv uint8) bool {
	return h.pmpCheck(pa, pageSize, a, priv)
}

// pmpState holds the decoded PMP ranges.
type pmpState struct {
	pmpActive int
	pmpLo     [64]uint64
	pmpHi     [64]uint64
	pmpOn     [64]bool
}
