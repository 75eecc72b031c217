// Package mem owns the physical address space: RAM and ROM backing, the
// interface every memory-mapped device implements, and the bus that decodes a
// physical address to RAM or to a device.
//
// It must not know what a hart, a cache or a board is. Harts reach RAM
// directly through RAM.Data for speed and report writes to watched pages
// (pages holding decoded instructions or LR reservations) through
// RAM.NoteWrite; everything else (devices' DMA, loaders, slow paths) goes
// through Bus, which does that bookkeeping itself.
package mem

import (
	"fmt"
)

// PageShift is the granule of the watch flags (4 KiB, the base page size).
const PageShift = 12

// Watch flags of a RAM page.
const (
	WatchCode        uint8 = 1 << iota // some hart holds decoded instructions from the page
	WatchReservation                   // some hart holds an LR reservation in the page
)

// RAM is a block of memory backed sparsely: a 16 GiB region costs only the
// host pages the guest touches.
type RAM struct {
	Name     string
	Base     uint64
	Size     uint64
	ReadOnly bool   // ROM: guest stores fault; loaders may still write
	Data     []byte // len == Size; index = physical address - Base
	// Watch holds per-4KiB-page flags. A store to a page whose flag is
	// nonzero must call NoteWrite.
	Watch []uint8
	// OnWatchedWrite is called for writes to watched pages, with the
	// physical address and length of the write. The hart package installs it.
	OnWatchedWrite func(paddr uint64, n int)

	release func() error
}

// NewRAM allocates a zeroed region of size bytes at base.
func NewRAM(name string, base, size uint64, readOnly bool) (*RAM, error) {
	if size == 0 || size%(1<<PageShift) != 0 {
		return nil, fmt.Errorf("mem: %s: size %#x is not a positive multiple of 4 KiB", name, size)
	}
	if base%(1<<PageShift) != 0 {
		return nil, fmt.Errorf("mem: %s: base %#x is not 4 KiB aligned", name, base)
	}
	data, release, err := allocSparse(size)
	if err != nil {
		return nil, fmt.Errorf("mem: %s: allocating %d bytes: %w", name, size, err)
	}
	watch, wrelease, err := allocSparse(size >> PageShift)
	if err != nil {
		release()
		return nil, fmt.Errorf("mem: %s: allocating watch flags: %w", name, err)
	}
	return &RAM{
		Name: name, Base: base, Size: size, ReadOnly: readOnly, Data: data, Watch: watch,
		release: func() error {
			e1 := release()
			e2 := wrelease()
			if e1 != nil {
				return e1
			}
			return e2
		},
	}, nil
}

// Close returns the backing memory to the host. The RAM must not be used after.
func (r *RAM) Close() error {
	if r.release == nil {
		return nil
	}
	err := r.release()
	r.release, r.Data, r.Watch = nil, nil, nil
	return err
}

// Contains reports whether [addr, addr+n) lies inside the region.
func (r *RAM) Contains(addr uint64, n uint64) bool {
	return addr >= r.Base && addr-r.Base < r.Size && n <= r.Size-(addr-r.Base)
}

// NoteWrite reports a write of n bytes at physical address paddr to the
// watchers of the pages it touches.
func (r *RAM) NoteWrite(paddr uint64, n int) {
	if n <= 0 || r.OnWatchedWrite == nil {
		return
	}
	first := (paddr - r.Base) >> PageShift
	last := (paddr - r.Base + uint64(n) - 1) >> PageShift
	for p := first; p <= last && p < uint64(len(r.Watch)); p++ {
		if r.Watch[p] != 0 {
			r.OnWatchedWrite(paddr, n)
			return
		}
	}
}
