package misc

import (
	"fmt"

	"cosim/hw/sim"
)

// SiFive L2 cache controller registers (FU540/FU740 manuals; Linux
// drivers/soc/sifive/sifive_ccache.c).
const (
	l2Config        = 0x000
	l2WayEnable     = 0x008
	l2ECCInjectErr  = 0x040
	l2DirECCFixLow  = 0x100
	l2DirECCFixCnt  = 0x108
	l2DirECCFailLow = 0x120
	l2DirECCFailCnt = 0x128
	l2DatECCFixLow  = 0x140
	l2DatECCFixCnt  = 0x148
	l2DatECCFailLow = 0x160
	l2DatECCFailCnt = 0x168
	l2Flush64       = 0x200
	l2Flush32       = 0x240
	l2WayMaskBase   = 0x800
	// L2CacheSize is the register window.
	L2CacheSize = 0x1000
)

// L2CacheConfig describes the controller's geometry and hooks.
type L2CacheConfig struct {
	Name string
	// Banks, Ways, LgSets (log2 sets per bank) and LgBlock (log2 line
	// bytes) fill the read-only CONFIG register.
	Banks, Ways, LgSets, LgBlock uint8
	// WayEnableReset is WAYENABLE after reset: the index of the highest
	// enabled way (0: only way 0, the hardware reset state; firmware then
	// raises it, U-Boot to Ways-1).
	WayEnableReset uint8
	// Masters is how many WayMask registers exist (one per bus master).
	Masters int
	// OnWayEnable is told the new highest enabled way when it grows.
	OnWayEnable func(way int)
	// OnFlush is told the physical address of each line a FLUSH register
	// names.
	OnFlush func(paddr uint64)
	Obs     sim.Observer
}

// L2ConfigFU740 is the FU740-C000's 2 MiB L2: 4 banks x 16 ways x 512 sets x
// 64 B, as Linux prints on a HiFive Unmatched.
func L2ConfigFU740(name string) L2CacheConfig {
	return L2CacheConfig{Name: name, Banks: 4, Ways: 16, LgSets: 9, LgBlock: 6, Masters: 32}
}

// L2ConfigFU540 is the FU540-C000's L2 geometry (the same 2 MiB, 4 banks x
// 16 ways x 512 sets x 64 B on silicon). QEMU 7.2's sifive_u leaves the
// controller unimplemented (every register reads zero); this model gives
// the silicon's values.
func L2ConfigFU540(name string) L2CacheConfig {
	return L2CacheConfig{Name: name, Banks: 4, Ways: 16, LgSets: 9, LgBlock: 6, Masters: 32}
}

// L2Cache models the controller's registers; the cache itself belongs to
// the cache model, which the hooks reach. ECC counters and addresses read
// zero: no errors are ever reported.
type L2Cache struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs       sim.Observer
	cfg       L2CacheConfig
	wayEnable uint8
	wayMask   []uint64
}

// NewL2Cache builds the controller.
func NewL2Cache(cfg L2CacheConfig) (*L2Cache, error) {
	if cfg.Ways == 0 || cfg.Banks == 0 {
		return nil, fmt.Errorf("l2 %s: %d banks x %d ways", cfg.Name, cfg.Banks, cfg.Ways)
	}
	if cfg.WayEnableReset >= cfg.Ways {
		return nil, fmt.Errorf("l2 %s: way-enable reset %d >= %d ways", cfg.Name, cfg.WayEnableReset, cfg.Ways)
	}
	if cfg.Masters < 0 || l2WayMaskBase+8*cfg.Masters > L2CacheSize {
		return nil, fmt.Errorf("l2 %s: %d masters", cfg.Name, cfg.Masters)
	}
	l := &L2Cache{cfg: cfg, Obs: cfg.Obs, wayEnable: cfg.WayEnableReset, wayMask: make([]uint64, cfg.Masters)}
	all := uint64(1)<<cfg.Ways - 1
	for i := range l.wayMask {
		l.wayMask[i] = all
	}
	return l, nil
}

func (l *L2Cache) config() uint64 {
	c := l.cfg
	return uint64(c.Banks) | uint64(c.Ways)<<8 | uint64(c.LgSets)<<16 | uint64(c.LgBlock)<<24
}

// WayEnable returns the highest enabled way.
func (l *L2Cache) WayEnable() int { return int(l.wayEnable) }

// Read implements mem.Device: naturally aligned 4- or 8-byte accesses.
func (l *L2Cache) Read(off uint64, size int) (uint64, bool) {
	if (size != 4 && size != 8) || !aligned(off, size) || off >= L2CacheSize {
		return 0, false
	}
	base := off &^ 7
	var reg uint64
	switch {
	case base == l2Config:
		reg = l.config()
	case base == l2WayEnable:
		reg = uint64(l.wayEnable)
	case base >= l2WayMaskBase && int(base-l2WayMaskBase)/8 < len(l.wayMask):
		reg = l.wayMask[(base-l2WayMaskBase)/8]
	}
	v := subword(reg, base, off, size)
	observeMMIO(l.Obs, l.cfg.Name, off, v, size, false)
	return v, true
}

// Write implements mem.Device.
func (l *L2Cache) Write(off uint64, size int, v uint64) bool {
	if (size != 4 && size != 8) || !aligned(off, size) || off >= L2CacheSize {
		return false
	}
	observeMMIO(l.Obs, l.cfg.Name, off, v, size, true)
	base := off &^ 7
	switch {
	case base == l2WayEnable && off == base:
		l.raiseWays(v & 0xFF)
	case base == l2Flush64:
		if size == 8 {
			l.flush(v)
		}
	case off == l2Flush32:
		l.flush(v << 4)
	case base >= l2WayMaskBase && int(base-l2WayMaskBase)/8 < len(l.wayMask):
		i := (base - l2WayMaskBase) / 8
		all := uint64(1)<<l.cfg.Ways - 1
		l.wayMask[i] = deposit(l.wayMask[i], base, off, size, v) & all
	}
	// CONFIG and the ECC registers are read-only; ECCINJECTERR is accepted
	// and ignored (no error is ever injected into the model).
	return true
}

// raiseWays applies a WAYENABLE write: the number only grows, and is capped
// at the last way, as the hardware does.
func (l *L2Cache) raiseWays(v uint64) {
	w := uint8(min(v, uint64(l.cfg.Ways-1)))
	if w <= l.wayEnable {
		return
	}
	l.wayEnable = w
	if l.cfg.OnWayEnable != nil {
		l.cfg.OnWayEnable(int(w))
	}
}

func (l *L2Cache) flush(paddr uint64) {
	if l.cfg.OnFlush != nil {
		l.cfg.OnFlush(paddr)
	}
}
