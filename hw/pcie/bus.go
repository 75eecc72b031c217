package pcie

import (
	"fmt"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// Bus is one PCI bus: 32 devices of 8 functions. A root bus belongs to a
// host bridge; any other bus is the secondary side of a Bridge.
type Bus struct {
	fns    [32][8]Function
	bridge *Bridge    // the bridge above, nil on a root bus
	host   *hierarchy // shared by every bus of one host
	pins   [4]int     // functions (after swizzling) asserting INTA..INTD
}

// Bridging is a function with a bus behind it.
type Bridging interface {
	Function
	SecondaryBus() *Bus
}

// hierarchy is what all buses under one host share: where INTx and DMA go,
// and the address decode, rebuilt after configuration writes.
type hierarchy struct {
	root  *Bus
	intx  [4]sim.Line
	dma   DMA
	dirty bool
	mem   []decode
	io    []decode
}

// decode is one range of PCI memory or I/O space claimed by a BAR.
type decode struct {
	lo, hi uint64 // inclusive
	base   uint64 // the BAR's address: device offsets are relative to it
	dev    mem.Device
}

// NewRootBus returns the root bus of a host whose INTA..INTD outputs are
// intx and whose functions' DMA goes to dma.
func NewRootBus(intx [4]sim.Line, dma DMA) *Bus {
	b := &Bus{}
	b.host = &hierarchy{root: b, intx: intx, dma: dma, dirty: true}
	return b
}

// Function returns the function at dev.fn, or nil.
func (b *Bus) Function(dev, fn int) Function {
	if dev < 0 || dev >= 32 || fn < 0 || fn >= 8 {
		return nil
	}
	return b.fns[dev][fn]
}

// Attach places f at dev.fn on the bus.
func (b *Bus) Attach(dev, fn int, f Function) error {
	if dev < 0 || dev >= 32 || fn < 0 || fn >= 8 {
		return fmt.Errorf("pcie: no slot %d.%d on a bus", dev, fn)
	}
	c := f.PCIConfig()
	if c == nil {
		return fmt.Errorf("pcie: function for %d.%d has no configuration space", dev, fn)
	}
	if b.fns[dev][fn] != nil {
		return fmt.Errorf("pcie: %s: slot %d.%d already holds %s", c.name, dev, fn, b.fns[dev][fn].PCIConfig().name)
	}
	if c.bus != nil {
		return fmt.Errorf("pcie: %s is already on a bus", c.name)
	}
	if br, ok := f.(Bridging); ok && br.SecondaryBus() == b {
		return fmt.Errorf("pcie: %s: a bridge cannot sit on its own secondary bus", c.name)
	}
	b.fns[dev][fn] = f
	c.bus, c.dev, c.fn = b, dev, fn
	b.markMultifunction(dev)
	if br, ok := f.(Bridging); ok {
		sec := br.SecondaryBus()
		sec.adopt(b.host)
		for pin, n := range sec.pins {
			if n > 0 {
				b.pinChanged(dev, pin, true)
			}
		}
	}
	if c.out {
		b.pinChanged(dev, int(c.data[RegIntPin])-1, true)
	}
	if b.host != nil {
		b.host.dirty = true
	}
	return nil
}

// adopt makes the buses below join host h (when their bridge is attached).
func (b *Bus) adopt(h *hierarchy) {
	b.host = h
	for d := range b.fns {
		for _, f := range b.fns[d] {
			if br, ok := f.(Bridging); ok {
				br.SecondaryBus().adopt(h)
			}
		}
	}
}

// markMultifunction sets the multi-function bit of function 0 when the
// device has others, so enumeration looks past function 0.
func (b *Bus) markMultifunction(dev int) {
	f0 := b.fns[dev][0]
	if f0 == nil {
		return
	}
	multi := false
	for fn := 1; fn < 8; fn++ {
		multi = multi || b.fns[dev][fn] != nil
	}
	c := f0.PCIConfig()
	if multi {
		c.init8(RegHeaderType, c.data[RegHeaderType]|headerMulti)
	}
}

// pinChanged counts a function's INTx pin (0 = INTA) at device dev, after
// the standard swizzle (dev + pin) mod 4, and drives the bus's output when
// the first function asserts or the last one releases it.
func (b *Bus) pinChanged(dev, pin int, level bool) {
	if pin < 0 || pin > 3 {
		return
	}
	i := (dev + pin) % 4
	if level {
		b.pins[i]++
		if b.pins[i] == 1 {
			b.drive(i, true)
		}
		return
	}
	if b.pins[i] == 0 {
		return
	}
	b.pins[i]--
	if b.pins[i] == 0 {
		b.drive(i, false)
	}
}

func (b *Bus) drive(pin int, level bool) {
	if b.bridge != nil {
		if c := b.bridge.cfg; c.bus != nil {
			c.bus.pinChanged(c.dev, pin, level)
		}
		return
	}
	if b.host != nil {
		b.host.intx[pin].Set(level)
	}
}

// lookup returns the function at bus/dev/fn as a configuration request
// reaches it from this bus, whose number is self: functions on this bus
// directly, others through the bridge whose bus range holds the number.
func (b *Bus) lookup(self, bus uint8, dev, fn int) *Config {
	for depth := 0; depth < 256; depth++ {
		if bus == self {
			if f := b.Function(dev, fn); f != nil {
				return f.PCIConfig()
			}
			return nil
		}
		next, nextNum := b.bridgeFor(self, bus)
		if next == nil {
			return nil
		}
		b, self = next, nextNum
	}
	return nil
}

// bridgeFor returns the secondary bus (and its number) of the bridge on b
// that forwards configuration requests for bus.
func (b *Bus) bridgeFor(self, bus uint8) (*Bus, uint8) {
	for d := range b.fns {
		for _, f := range b.fns[d] {
			br, ok := f.(Bridging)
			if !ok {
				continue
			}
			c := f.PCIConfig()
			sec, sub := c.u8(RegSecondaryBus), c.u8(RegSubordinateBus)
			if sec > self && sec <= bus && bus <= sub {
				return br.SecondaryBus(), sec
			}
		}
	}
	return nil, 0
}

// Config returns the function at bus/dev/fn seen from this bus, taken as
// bus number self (0 for a root bus), or nil if nothing answers there.
func (b *Bus) Config(self, bus uint8, dev, fn int) *Config { return b.lookup(self, bus, dev, fn) }

// interval is an inclusive range of addresses.
type interval struct{ lo, hi uint64 }

var everything = []interval{{0, ^uint64(0)}}

func intersect(a []interval, b interval) []interval {
	var out []interval
	for _, x := range a {
		lo, hi := max(x.lo, b.lo), min(x.hi, b.hi)
		if lo <= hi {
			out = append(out, interval{lo, hi})
		}
	}
	return out
}

func (h *hierarchy) rebuild() {
	h.mem, h.io = h.mem[:0], h.io[:0]
	h.root.collect(h, everything, everything)
	h.dirty = false
}

// collect adds the ranges the functions on b decode, within the windows
// the bridges above forward to it.
func (b *Bus) collect(h *hierarchy, memWin, ioWin []interval) {
	for d := range b.fns {
		for _, f := range b.fns[d] {
			if f == nil {
				continue
			}
			c := f.PCIConfig()
			c.collectBARs(h, memWin, ioWin)
			br, ok := f.(Bridging)
			if !ok {
				continue
			}
			var childMem, childIO []interval
			if c.MemoryEnabled() {
				if w, ok := c.memWindow(); ok {
					childMem = append(childMem, intersect(memWin, w)...)
				}
				if w, ok := c.prefWindow(); ok {
					childMem = append(childMem, intersect(memWin, w)...)
				}
			}
			if c.IOEnabled() {
				if w, ok := c.ioWindow(); ok {
					childIO = intersect(ioWin, w)
				}
			}
			if len(childMem)+len(childIO) > 0 {
				br.SecondaryBus().collect(h, childMem, childIO)
			}
		}
	}
}

func (c *Config) collectBARs(h *hierarchy, memWin, ioWin []interval) {
	for i := 0; i < c.barCount(); i++ {
		b := c.bars[i]
		if b.Dev == nil {
			continue
		}
		win, list := memWin, &h.mem
		if b.Kind == BARIO {
			if !c.IOEnabled() {
				continue
			}
			win, list = ioWin, &h.io
		} else if !c.MemoryEnabled() {
			continue
		}
		base := c.BARAddress(i)
		end := base + b.Size - 1
		if end < base {
			continue // wraps: decodes nothing
		}
		for _, r := range intersect(win, interval{base, end}) {
			*list = append(*list, decode{lo: r.lo, hi: r.hi, base: base, dev: b.Dev})
		}
	}
}

// memWindow returns a bridge's non-prefetchable memory window.
func (c *Config) memWindow() (interval, bool) {
	base := uint64(c.u16(RegMemBase)&0xFFF0) << 16
	limit := uint64(c.u16(RegMemLimit)&0xFFF0)<<16 | 0xFFFFF
	return interval{base, limit}, base <= limit
}

// prefWindow returns a bridge's prefetchable memory window (64-bit).
func (c *Config) prefWindow() (interval, bool) {
	base := uint64(c.u16(RegPrefBase)&0xFFF0)<<16 | uint64(c.u32(RegPrefBaseUpper))<<32
	limit := uint64(c.u16(RegPrefLimit)&0xFFF0)<<16 | 0xFFFFF | uint64(c.u32(RegPrefLimitUpper))<<32
	return interval{base, limit}, base <= limit
}

// ioWindow returns a bridge's I/O window (16-bit I/O addressing).
func (c *Config) ioWindow() (interval, bool) {
	base := uint64(c.u8(RegIOBase)&0xF0) << 8
	limit := uint64(c.u8(RegIOLimit)&0xF0)<<8 | 0xFFF
	return interval{base, limit}, base <= limit
}

// findMem returns the device and offset that claim a size-byte memory
// access at PCI address addr.
func (h *hierarchy) findMem(addr uint64, size int) (mem.Device, uint64, bool) {
	if h.dirty {
		h.rebuild()
	}
	return find(h.mem, addr, size)
}

// findIO returns the device and offset that claim an I/O access.
func (h *hierarchy) findIO(addr uint64, size int) (mem.Device, uint64, bool) {
	if h.dirty {
		h.rebuild()
	}
	return find(h.io, addr, size)
}

func find(list []decode, addr uint64, size int) (mem.Device, uint64, bool) {
	last := addr + uint64(size) - 1
	if last < addr {
		return nil, 0, false
	}
	for i := range list {
		d := &list[i]
		if addr >= d.lo && last <= d.hi {
			return d.dev, addr - d.base, true
		}
	}
	return nil, 0, false
}

// Bridge is a PCI-to-PCI bridge (a PCI Express root or downstream port):
// a type 1 header whose bus numbers and windows software programs, and the
// bus behind it.
type Bridge struct {
	cfg *Config
	sec *Bus
}

// NewBridge returns a bridge with an empty secondary bus. Its windows are
// closed until software programs them; the prefetchable window is 64-bit,
// the I/O window 16-bit.
func NewBridge(name string, id ID) *Bridge {
	c := newConfig(name, HeaderBridge, id)
	for _, off := range []int{RegPrimaryBus, RegSecondaryBus, RegSubordinateBus} {
		c.mask8(off, 0xFF)
	}
	c.mask8(RegIOBase, 0xF0)
	c.mask8(RegIOLimit, 0xF0)
	c.setW1C16(RegSecondaryStatus, statusW1C)
	c.mask16(RegMemBase, 0xFFF0)
	c.mask16(RegMemLimit, 0xFFF0)
	c.init16(RegPrefBase, 0x0001)
	c.init16(RegPrefLimit, 0x0001)
	c.mask16(RegPrefBase, 0xFFF0)
	c.mask16(RegPrefLimit, 0xFFF0)
	c.mask32(RegPrefBaseUpper, 0xFFFFFFFF)
	c.mask32(RegPrefLimitUpper, 0xFFFFFFFF)
	c.mask16(RegBridgeControl, 0x005F)
	br := &Bridge{cfg: c}
	br.sec = &Bus{bridge: br}
	return br
}

// PCIConfig returns the bridge's configuration space.
func (br *Bridge) PCIConfig() *Config { return br.cfg }

// SecondaryBus returns the bus behind the bridge.
func (br *Bridge) SecondaryBus() *Bus { return br.sec }
