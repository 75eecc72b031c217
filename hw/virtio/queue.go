package virtio

import (
	"encoding/binary"
	"errors"
	"fmt"

	"cosim/hw/mem"
)

// Split virtqueue layout (virtio 1.1 §2.6).
const (
	descSize       = 16
	descFNext      = 1
	descFWrite     = 2
	descFIndirect  = 4
	availFNoInterr = 1
	usedElemSize   = 8
)

// ErrBadQueue marks a malformed virtqueue or descriptor chain: the device
// must be reset by the driver.
var ErrBadQueue = errors.New("virtio: malformed virtqueue")

// Segment is one buffer of a descriptor chain.
type Segment struct {
	Addr  uint64
	Len   uint32
	Write bool // device-writable
}

// Chain is a descriptor chain taken from the available ring.
type Chain struct {
	Head uint16
	Segs []Segment
}

// ReadLen and WriteLen total the device-readable and device-writable bytes.
func (c *Chain) ReadLen() uint64  { return c.total(false) }
func (c *Chain) WriteLen() uint64 { return c.total(true) }

func (c *Chain) total(w bool) uint64 {
	var n uint64
	for _, s := range c.Segs {
		if s.Write == w {
			n += uint64(s.Len)
		}
	}
	return n
}

// Gather copies len(p) device-readable bytes starting at byte off of the
// readable part into p.
func (c *Chain) Gather(bus *mem.Bus, off uint64, p []byte) error {
	return c.walk(false, off, uint64(len(p)), func(addr uint64, i, n uint64) bool {
		return bus.ReadBytes(addr, p[i:i+n])
	})
}

// Scatter copies p into the device-writable part starting at byte off.
func (c *Chain) Scatter(bus *mem.Bus, off uint64, p []byte) error {
	return c.walk(true, off, uint64(len(p)), func(addr uint64, i, n uint64) bool {
		return bus.WriteBytes(addr, p[i:i+n])
	})
}

// walk visits [off, off+n) of the readable or writable part, buffer by
// buffer: fn gets the guest address, the position in the caller's slice
// and the length.
func (c *Chain) walk(w bool, off, n uint64, fn func(addr, i, n uint64) bool) error {
	var pos, done uint64
	for _, s := range c.Segs {
		if s.Write != w || done == n {
			continue
		}
		l := uint64(s.Len)
		if off >= pos+l {
			pos += l
			continue
		}
		start := max(off+done, pos) - pos
		k := min(l-start, n-done)
		if !fn(s.Addr+start, done, k) {
			return fmt.Errorf("virtio: buffer [%#x, +%#x) is not guest RAM", s.Addr+start, k)
		}
		done += k
		pos += l
	}
	if done != n {
		return fmt.Errorf("virtio: chain has %d bytes where %d were needed", done, n)
	}
	return nil
}

// queue is one split virtqueue as the transport sees it.
type queue struct {
	num       uint32 // size the driver chose
	ready     bool
	desc      uint64
	avail     uint64
	used      uint64
	lastAvail uint16
	usedIdx   uint16
	// legacy layout
	pfn   uint32
	align uint32
}

func (q *queue) reset() { *q = queue{} }

func rd16(bus *mem.Bus, a uint64) (uint16, error) {
	var b [2]byte
	if !bus.ReadBytes(a, b[:]) {
		return 0, fmt.Errorf("%w: ring at %#x is not guest RAM", ErrBadQueue, a)
	}
	return binary.LittleEndian.Uint16(b[:]), nil
}

// availIdx reads the driver's available index.
func (q *queue) availIdx(bus *mem.Bus) (uint16, error) { return rd16(bus, q.avail+2) }

func (q *queue) availFlags(bus *mem.Bus) (uint16, error) { return rd16(bus, q.avail) }

// pop takes the next available chain, or reports none.
func (q *queue) pop(bus *mem.Bus, indirectOK bool) (*Chain, bool, error) {
	idx, err := q.availIdx(bus)
	if err != nil {
		return nil, false, err
	}
	if idx == q.lastAvail {
		return nil, false, nil
	}
	if uint16(idx-q.lastAvail) > uint16(q.num) {
		return nil, false, fmt.Errorf("%w: avail index %d is %d ahead of %d (queue size %d)", ErrBadQueue, idx, idx-q.lastAvail, q.lastAvail, q.num)
	}
	head, err := rd16(bus, q.avail+4+2*uint64(uint32(q.lastAvail)%q.num))
	if err != nil {
		return nil, false, err
	}
	q.lastAvail++
	c, err := q.chain(bus, head, indirectOK)
	if err != nil {
		return nil, false, err
	}
	return c, true, nil
}

type rawDesc struct {
	addr  uint64
	len   uint32
	flags uint16
	next  uint16
}

func readDesc(bus *mem.Bus, table uint64, i uint32) (rawDesc, error) {
	var b [descSize]byte
	if !bus.ReadBytes(table+uint64(i)*descSize, b[:]) {
		return rawDesc{}, fmt.Errorf("%w: descriptor %d at %#x is not guest RAM", ErrBadQueue, i, table+uint64(i)*descSize)
	}
	return rawDesc{
		addr:  binary.LittleEndian.Uint64(b[0:]),
		len:   binary.LittleEndian.Uint32(b[8:]),
		flags: binary.LittleEndian.Uint16(b[12:]),
		next:  binary.LittleEndian.Uint16(b[14:]),
	}, nil
}

// chain follows a descriptor chain from head, descending into at most one
// indirect table, and checks the rules of §2.6.5: indices in range, no
// loops (a chain is never longer than its table), device-writable buffers
// after all readable ones, no INDIRECT together with NEXT, no nested
// indirect tables.
func (q *queue) chain(bus *mem.Bus, head uint16, indirectOK bool) (*Chain, error) {
	c := &Chain{Head: head}
	table, size := q.desc, q.num
	i := uint32(head)
	indirect := false
	seenWrite := false
	steps := uint32(0) // descriptors read from the current table
	for {
		if i >= size {
			return nil, fmt.Errorf("%w: descriptor index %d out of table of %d", ErrBadQueue, i, size)
		}
		if steps >= size {
			return nil, fmt.Errorf("%w: descriptor chain from %d loops", ErrBadQueue, head)
		}
		d, err := readDesc(bus, table, i)
		if err != nil {
			return nil, err
		}
		steps++
		if d.flags&descFIndirect != 0 {
			switch {
			case !indirectOK:
				return nil, fmt.Errorf("%w: indirect descriptor without VIRTIO_F_INDIRECT_DESC", ErrBadQueue)
			case indirect:
				return nil, fmt.Errorf("%w: nested indirect table", ErrBadQueue)
			case d.flags&descFNext != 0:
				return nil, fmt.Errorf("%w: descriptor %d has both INDIRECT and NEXT", ErrBadQueue, i)
			case d.len == 0 || d.len%descSize != 0:
				return nil, fmt.Errorf("%w: indirect table of %d bytes", ErrBadQueue, d.len)
			}
			table, size, i, indirect, steps = d.addr, d.len/descSize, 0, true, 0
			continue
		}
		w := d.flags&descFWrite != 0
		if !w && seenWrite {
			return nil, fmt.Errorf("%w: readable descriptor after a writable one", ErrBadQueue)
		}
		seenWrite = seenWrite || w
		c.Segs = append(c.Segs, Segment{Addr: d.addr, Len: d.len, Write: w})
		if d.flags&descFNext == 0 {
			return c, nil
		}
		i = uint32(d.next)
	}
}

// push places a used element and advances the used index.
func (q *queue) push(bus *mem.Bus, head uint16, n uint32) error {
	var e [usedElemSize]byte
	binary.LittleEndian.PutUint32(e[0:], uint32(head))
	binary.LittleEndian.PutUint32(e[4:], n)
	slot := q.used + 4 + uint64(uint32(q.usedIdx)%q.num)*usedElemSize
	if !bus.WriteBytes(slot, e[:]) {
		return fmt.Errorf("%w: used ring at %#x is not guest RAM", ErrBadQueue, slot)
	}
	q.usedIdx++
	var idx [2]byte
	binary.LittleEndian.PutUint16(idx[:], q.usedIdx)
	if !bus.WriteBytes(q.used+2, idx[:]) {
		return fmt.Errorf("%w: used ring at %#x is not guest RAM", ErrBadQueue, q.used)
	}
	return nil
}

// legacyLayout places the rings of a legacy queue from its page frame.
func (q *queue) legacyLayout(pageSize uint32) {
	q.desc = uint64(q.pfn) * uint64(pageSize)
	q.avail = q.desc + uint64(q.num)*descSize
	align := uint64(q.align)
	if align == 0 {
		align = 4096
	}
	end := q.avail + 6 + 2*uint64(q.num)
	q.used = (end + align - 1) / align * align
}
