package mem

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// Device is a block of memory-mapped registers. Offsets are relative to the
// device's base; size is 1, 2, 4 or 8. ok=false means the device does not
// answer that access, and the requester raises an access fault.
type Device interface {
	Read(off uint64, size int) (v uint64, ok bool)
	Write(off uint64, size int, v uint64) (ok bool)
}

// Window is one decoded range of the physical address space: RAM or a device.
type Window struct {
	Name string
	Base uint64
	Size uint64
	RAM  *RAM   // set for memory
	Dev  Device // set for devices
}

// End returns the first address past the window.
func (w *Window) End() uint64 { return w.Base + w.Size }

// Bus decodes physical addresses. Windows do not overlap; an address in no
// window is an access fault.
type Bus struct {
	windows []Window // sorted by Base
}

// MapRAM places a RAM region on the bus.
func (b *Bus) MapRAM(r *RAM) error {
	return b.insert(Window{Name: r.Name, Base: r.Base, Size: r.Size, RAM: r})
}

// MapDevice places a device's registers at [base, base+size).
func (b *Bus) MapDevice(name string, base, size uint64, d Device) error {
	if d == nil {
		return fmt.Errorf("mem: %s: nil device", name)
	}
	return b.insert(Window{Name: name, Base: base, Size: size, Dev: d})
}

func (b *Bus) insert(w Window) error {
	if w.Size == 0 || w.Base+w.Size-1 < w.Base {
		return fmt.Errorf("mem: %s: bad range base %#x size %#x", w.Name, w.Base, w.Size)
	}
	i := sort.Search(len(b.windows), func(i int) bool { return b.windows[i].Base >= w.Base })
	if i > 0 && b.windows[i-1].End()-1 >= w.Base {
		p := b.windows[i-1]
		return fmt.Errorf("mem: %s [%#x, %#x) overlaps %s [%#x, %#x)", w.Name, w.Base, w.End(), p.Name, p.Base, p.End())
	}
	if i < len(b.windows) && w.End()-1 >= b.windows[i].Base {
		n := b.windows[i]
		return fmt.Errorf("mem: %s [%#x, %#x) overlaps %s [%#x, %#x)", w.Name, w.Base, w.End(), n.Name, n.Base, n.End())
	}
	b.windows = append(b.windows, Window{})
	copy(b.windows[i+1:], b.windows[i:])
	b.windows[i] = w
	return nil
}

// Windows returns the decode table in address order. The caller must not
// modify it.
func (b *Bus) Windows() []Window { return b.windows }

// Find returns the window holding addr, or nil.
func (b *Bus) Find(addr uint64) *Window {
	ws := b.windows
	lo, hi := 0, len(ws)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ws[m].Base+ws[m].Size-1 < addr {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(ws) && addr >= ws[lo].Base {
		return &ws[lo]
	}
	return nil
}

// RAMAt returns the RAM region holding [addr, addr+n), or nil.
func (b *Bus) RAMAt(addr, n uint64) *RAM {
	w := b.Find(addr)
	if w == nil || w.RAM == nil || !w.RAM.Contains(addr, n) {
		return nil
	}
	return w.RAM
}

// Read performs a naturally sized access (1, 2, 4, 8 bytes) as a hart's slow
// path or a device would.
func (b *Bus) Read(addr uint64, size int) (uint64, bool) {
	w := b.Find(addr)
	if w == nil || addr-w.Base > w.Size-uint64(size) {
		return 0, false
	}
	if w.RAM != nil {
		return readLE(w.RAM.Data[addr-w.Base:], size), true
	}
	return w.Dev.Read(addr-w.Base, size)
}

// Write performs a naturally sized store. Stores to ROM fail.
func (b *Bus) Write(addr uint64, size int, v uint64) bool {
	w := b.Find(addr)
	if w == nil || addr-w.Base > w.Size-uint64(size) {
		return false
	}
	if r := w.RAM; r != nil {
		if r.ReadOnly {
			return false
		}
		writeLE(r.Data[addr-r.Base:], size, v)
		r.NoteWrite(addr, size)
		return true
	}
	return w.Dev.Write(addr-w.Base, size, v)
}

// ReadBytes copies guest memory into p, as a DMA engine reads. It succeeds
// only if the whole range is RAM (possibly spanning adjacent regions).
func (b *Bus) ReadBytes(addr uint64, p []byte) bool {
	for len(p) > 0 {
		w := b.Find(addr)
		if w == nil || w.RAM == nil {
			return false
		}
		n := copy(p, w.RAM.Data[addr-w.Base:])
		p = p[n:]
		addr += uint64(n)
	}
	return true
}

// WriteBytes copies p into guest RAM, as a DMA engine writes. ROM and
// unmapped ranges fail, and nothing is written then.
func (b *Bus) WriteBytes(addr uint64, p []byte) bool {
	if !b.writable(addr, uint64(len(p)), false) {
		return false
	}
	return b.store(addr, p)
}

// Load writes p into RAM or ROM, as a firmware loader does.
func (b *Bus) Load(addr uint64, p []byte) error {
	if !b.writable(addr, uint64(len(p)), true) {
		return fmt.Errorf("mem: load of %d bytes at %#x: not inside memory", len(p), addr)
	}
	b.store(addr, p)
	return nil
}

func (b *Bus) writable(addr, n uint64, romOK bool) bool {
	for n > 0 {
		w := b.Find(addr)
		if w == nil || w.RAM == nil || (w.RAM.ReadOnly && !romOK) {
			return false
		}
		k := min(n, w.End()-addr)
		n -= k
		addr += k
	}
	return true
}

func (b *Bus) store(addr uint64, p []byte) bool {
	for len(p) > 0 {
		w := b.Find(addr)
		n := copy(w.RAM.Data[addr-w.Base:], p)
		w.RAM.NoteWrite(addr, n)
		p = p[n:]
		addr += uint64(n)
	}
	return true
}

func readLE(b []byte, size int) uint64 {
	switch size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	default:
		return binary.LittleEndian.Uint64(b)
	}
}

func writeLE(b []byte, size int, v uint64) {
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
}
