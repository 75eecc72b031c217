package intc

import (
	"fmt"

	"cosim/hw/sim"
)

// Register layout of the SiFive PLIC (PLIC spec 1.0.0, QEMU sifive_plic).
const (
	plicPriorityBase  = 0x0
	plicPendingBase   = 0x1000
	plicEnableBase    = 0x2000
	plicEnableStride  = 0x80
	plicContextBase   = 0x20_0000
	plicContextStride = 0x1000
	plicMaxSources    = 1024
	plicMaxContexts   = 15872
)

// Privilege mode a PLIC context interrupts.
type Mode uint8

const (
	ModeM Mode = iota
	ModeS
)

// MIPBit returns the hart interrupt input a context of mode m drives.
func (m Mode) MIPBit() int {
	if m == ModeS {
		return sim.IRQSupervisorExternal
	}
	return sim.IRQMachineExternal
}

func (m Mode) String() string {
	if m == ModeS {
		return "S"
	}
	return "M"
}

// PLICContext is one interrupt target: a hart (by index in the board's hart
// list) and the mode whose external-interrupt input it drives.
type PLICContext struct {
	Hart int
	Mode Mode
}

// VirtContexts is the QEMU virt layout: two contexts per hart, M then S.
func VirtContexts(harts int) []PLICContext {
	c := make([]PLICContext, 0, 2*harts)
	for h := 0; h < harts; h++ {
		c = append(c, PLICContext{h, ModeM}, PLICContext{h, ModeS})
	}
	return c
}

// SiFiveContexts is the FU540/FU740 layout: hart 0 (the S7/E51 monitor core,
// no S-mode) has one M context; every other hart has M then S.
func SiFiveContexts(harts int) []PLICContext {
	c := []PLICContext{{0, ModeM}}
	for h := 1; h < harts; h++ {
		c = append(c, PLICContext{h, ModeM}, PLICContext{h, ModeS})
	}
	return c
}

// PLICConfig describes one PLIC instance.
type PLICConfig struct {
	Name string
	// NDev is the DTB's riscv,ndev: sources 1..NDev exist; source 0 is
	// reserved and never pending.
	NDev int
	// MaxPriority is the largest priority value (7 on virt and the SiFive
	// parts: three priority bits). Writes keep only the implemented bits.
	MaxPriority uint32
	// Contexts lists the targets in context-number order.
	Contexts []PLICContext
	// Size is the register window the board maps (the DTB's reg size);
	// zero means just large enough for the contexts. Offsets inside the
	// window that hold no register read as zero and ignore writes, as
	// QEMU's model does; offsets past it fault.
	Size uint64
	Obs  sim.Observer
}

// PLIC is the platform-level interrupt controller. Sources are level
// inputs; as in QEMU 7.2, a source's pending bit follows its level until the
// source is claimed, a claim clears pending and blocks the source until
// completion, and a completion re-pends a source whose level is still high.
type PLIC struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs       sim.Observer
	cfg       PLICConfig
	words     int      // 32-bit words of each bitmap
	priority  []uint32 // per source
	level     []bool   // current input level per source
	pending   []uint32
	claimed   []uint32
	enable    [][]uint32 // per context
	threshold []uint32
	outLevel  []bool
	// Outputs holds one wire per context, driven high while that context has
	// an enabled, unclaimed pending source above its threshold. The SoC
	// builder connects Outputs[i] to hart Contexts[i].Hart's input
	// Contexts[i].Mode.MIPBit().
	Outputs []sim.Line
}

// NewPLIC builds a PLIC from its config.
func NewPLIC(cfg PLICConfig) (*PLIC, error) {
	if cfg.NDev < 1 || cfg.NDev >= plicMaxSources {
		return nil, fmt.Errorf("plic %s: riscv,ndev %d out of range 1..%d", cfg.Name, cfg.NDev, plicMaxSources-1)
	}
	if len(cfg.Contexts) == 0 || len(cfg.Contexts) > plicMaxContexts {
		return nil, fmt.Errorf("plic %s: %d contexts (want 1..%d)", cfg.Name, len(cfg.Contexts), plicMaxContexts)
	}
	if need := plicContextBase + uint64(len(cfg.Contexts))*plicContextStride; cfg.Size == 0 {
		cfg.Size = need
	} else if cfg.Size < need {
		return nil, fmt.Errorf("plic %s: window %#x too small for %d contexts (need %#x)", cfg.Name, cfg.Size, len(cfg.Contexts), need)
	}
	if cfg.MaxPriority == 0 {
		cfg.MaxPriority = 7
	}
	n := cfg.NDev + 1
	words := (n + 31) / 32
	p := &PLIC{
		Obs:       cfg.Obs,
		cfg:       cfg,
		words:     words,
		priority:  make([]uint32, n),
		level:     make([]bool, n),
		pending:   make([]uint32, words),
		claimed:   make([]uint32, words),
		enable:    make([][]uint32, len(cfg.Contexts)),
		threshold: make([]uint32, len(cfg.Contexts)),
		outLevel:  make([]bool, len(cfg.Contexts)),
		Outputs:   make([]sim.Line, len(cfg.Contexts)),
	}
	for i := range p.enable {
		p.enable[i] = make([]uint32, words)
	}
	return p, nil
}

// Size returns the extent of the register block the PLIC decodes.
func (p *PLIC) Size() uint64 { return p.cfg.Size }

// Contexts returns the context table.
func (p *PLIC) Contexts() []PLICContext { return p.cfg.Contexts }

// SetIRQ drives source n's level (sim.IRQSink). Out-of-range sources and
// source 0 are ignored: there is no wire there.
func (p *PLIC) SetIRQ(n int, level bool) {
	if n <= 0 || n > p.cfg.NDev {
		return
	}
	p.level[n] = level
	if !p.isClaimed(n) {
		p.setBit(p.pending, n, level)
	}
	p.update()
}

func (p *PLIC) setBit(bm []uint32, n int, v bool) {
	if v {
		bm[n>>5] |= 1 << (n & 31)
	} else {
		bm[n>>5] &^= 1 << (n & 31)
	}
}

func (p *PLIC) isClaimed(n int) bool { return p.claimed[n>>5]>>(n&31)&1 != 0 }

// best returns the highest-priority enabled, pending, unclaimed source above
// the context's threshold (lowest number wins ties), or 0.
func (p *PLIC) best(ctx int) int {
	maxPrio := p.threshold[ctx]
	best := 0
	en := p.enable[ctx]
	for w := 0; w < p.words; w++ {
		cand := p.pending[w] &^ p.claimed[w] & en[w]
		for cand != 0 {
			b := trailingZeros32(cand)
			cand &^= 1 << b
			n := w*32 + b
			if pr := p.priority[n]; pr > maxPrio {
				maxPrio, best = pr, n
			}
		}
	}
	return best
}

func trailingZeros32(x uint32) int {
	n := 0
	for x&1 == 0 {
		x >>= 1
		n++
	}
	return n
}

func (p *PLIC) update() {
	for ctx := range p.cfg.Contexts {
		lvl := p.best(ctx) != 0
		if lvl != p.outLevel[ctx] {
			p.outLevel[ctx] = lvl
			p.Outputs[ctx].Set(lvl)
		}
	}
}

// Read implements mem.Device. The PLIC answers 32-bit accesses only.
func (p *PLIC) Read(off uint64, size int) (uint64, bool) {
	if size != 4 || off%4 != 0 || off >= p.Size() {
		return 0, false
	}
	v := p.read(off)
	p.observe(off, v, false)
	return uint64(v), true
}

func (p *PLIC) read(off uint64) uint32 {
	switch {
	case off < plicPendingBase:
		if n := int(off / 4); n <= p.cfg.NDev {
			return p.priority[n]
		}
	case off < plicEnableBase:
		if w := int((off - plicPendingBase) / 4); w < p.words {
			return p.pending[w]
		}
	case off < plicContextBase:
		ctx, w := int((off-plicEnableBase)/plicEnableStride), int((off-plicEnableBase)%plicEnableStride/4)
		if ctx < len(p.enable) && w < p.words {
			return p.enable[ctx][w]
		}
	default:
		ctx, reg := int((off-plicContextBase)/plicContextStride), (off-plicContextBase)%plicContextStride
		if ctx >= len(p.threshold) {
			return 0
		}
		switch reg {
		case 0:
			return p.threshold[ctx]
		case 4:
			return p.claim(ctx)
		}
	}
	return 0 // reserved: reads as zero, as QEMU's model
}

func (p *PLIC) claim(ctx int) uint32 {
	n := p.best(ctx)
	if n == 0 {
		return 0
	}
	p.setBit(p.pending, n, false)
	p.setBit(p.claimed, n, true)
	p.update()
	return uint32(n)
}

// Write implements mem.Device.
func (p *PLIC) Write(off uint64, size int, v uint64) bool {
	if size != 4 || off%4 != 0 || off >= p.Size() {
		return false
	}
	p.observe(off, uint32(v), true)
	p.write(off, uint32(v))
	return true
}

func (p *PLIC) write(off uint64, v uint32) {
	switch {
	case off < plicPendingBase:
		if n := int(off / 4); n >= 1 && n <= p.cfg.NDev {
			p.priority[n] = p.clampPriority(v)
		}
	case off < plicEnableBase:
		// Pending bits are read-only.
		return
	case off < plicContextBase:
		ctx, w := int((off-plicEnableBase)/plicEnableStride), int((off-plicEnableBase)%plicEnableStride/4)
		if ctx < len(p.enable) && w < p.words {
			p.enable[ctx][w] = v & p.validMask(w)
		}
	default:
		ctx, reg := int((off-plicContextBase)/plicContextStride), (off-plicContextBase)%plicContextStride
		if ctx >= len(p.threshold) {
			return
		}
		switch reg {
		case 0:
			if v <= p.cfg.MaxPriority {
				p.threshold[ctx] = v
			}
		case 4:
			p.complete(ctx, v)
		}
	}
	p.update()
}

// clampPriority keeps the implemented priority bits when MaxPriority is
// 2^k-1 (WARL, as QEMU), and ignores larger values otherwise.
func (p *PLIC) clampPriority(v uint32) uint32 {
	m := p.cfg.MaxPriority
	if (m+1)&m == 0 {
		return v & m
	}
	if v <= m {
		return v
	}
	return 0
}

// validMask hides source 0 and sources past NDev in word w.
func (p *PLIC) validMask(w int) uint32 {
	mask := ^uint32(0)
	if w == 0 {
		mask &^= 1
	}
	if last := p.cfg.NDev - w*32; last < 31 {
		mask &= (uint32(2) << last) - 1
	}
	return mask
}

// complete ends the handling of source n. As in QEMU 7.2 the completion is
// accepted for any valid source number; a source whose line is still high
// becomes pending again.
func (p *PLIC) complete(ctx int, n uint32) {
	if n == 0 || int(n) > p.cfg.NDev {
		return
	}
	p.setBit(p.claimed, int(n), false)
	if p.level[n] {
		p.setBit(p.pending, int(n), true)
	}
}

func (p *PLIC) observe(off uint64, v uint32, write bool) {
	if p.Obs == nil {
		return
	}
	p.Obs.Observe(&sim.Event{Kind: sim.KindMMIO, Hart: -1, Device: p.cfg.Name, Addr: off, Value: uint64(v), Size: 4, Write: write})
}

// Pending reports whether source n is pending (for tests and debuggers).
func (p *PLIC) Pending(n int) bool {
	return n > 0 && n <= p.cfg.NDev && p.pending[n>>5]>>(n&31)&1 != 0
}

// Output reports the level of context ctx's interrupt wire.
func (p *PLIC) Output(ctx int) bool { return ctx >= 0 && ctx < len(p.outLevel) && p.outLevel[ctx] }
