package pcie

import (
	"fmt"
	"math/bits"

	"cosim/hw/mem"
)

// BARKind says what address space a BAR decodes.
type BARKind uint8

// BAR kinds.
const (
	BARNone  BARKind = iota
	BARMem32         // 32-bit memory
	BARMem64         // 64-bit memory (uses the next BAR register for the high half)
	BARIO            // I/O space
)

// BAR is one base address register as the device declares it.
type BAR struct {
	Kind         BARKind
	Size         uint64 // a power of two: at least 16 for memory, 4 to 256 for I/O
	Prefetchable bool
	Dev          mem.Device // answers accesses at offsets within the BAR
}

func (b BAR) isMem() bool { return b.Kind == BARMem32 || b.Kind == BARMem64 }

// barCount is how many BAR registers a header has.
func (c *Config) barCount() int {
	if c.HeaderType() == HeaderBridge {
		return 2
	}
	return 6
}

// SetBAR declares BAR i. Software sizes it by writing all-ones and reading
// back; the low bits say its kind.
func (c *Config) SetBAR(i int, b BAR) error {
	if i < 0 || i >= c.barCount() {
		return fmt.Errorf("pcie: %s: BAR %d does not exist in this header", c.name, i)
	}
	if b.Size == 0 || bits.OnesCount64(b.Size) != 1 {
		return fmt.Errorf("pcie: %s: BAR %d size %#x is not a power of two", c.name, i, b.Size)
	}
	if b.Dev == nil {
		return fmt.Errorf("pcie: %s: BAR %d has no device behind it", c.name, i)
	}
	if i > 0 && c.bars[i-1].Kind == BARMem64 {
		return fmt.Errorf("pcie: %s: BAR %d is the high half of 64-bit BAR %d", c.name, i, i-1)
	}
	off := RegBAR0 + 4*i
	switch b.Kind {
	case BARIO:
		if b.Size < 4 || b.Size > 256 {
			return fmt.Errorf("pcie: %s: I/O BAR %d size %#x outside 4..256", c.name, i, b.Size)
		}
		c.init32(off, 1)
		c.mask32(off, ^uint32(b.Size-1)&^3)
	case BARMem32:
		if b.Size < 16 || b.Size > 1<<31 {
			return fmt.Errorf("pcie: %s: 32-bit BAR %d size %#x outside 16 bytes..2 GiB", c.name, i, b.Size)
		}
		c.init32(off, prefetchBit(b))
		c.mask32(off, ^uint32(b.Size-1)&^0xF)
	case BARMem64:
		if i+1 >= c.barCount() {
			return fmt.Errorf("pcie: %s: 64-bit BAR %d needs BAR %d for its high half", c.name, i, i+1)
		}
		if b.Size < 16 {
			return fmt.Errorf("pcie: %s: 64-bit BAR %d size %#x below 16 bytes", c.name, i, b.Size)
		}
		if c.bars[i+1].Kind != BARNone {
			return fmt.Errorf("pcie: %s: 64-bit BAR %d would overlap BAR %d", c.name, i, i+1)
		}
		m := ^(b.Size - 1)
		c.init32(off, 0x4|prefetchBit(b))
		c.mask32(off, uint32(m)&^0xF)
		c.init32(off+4, 0)
		c.mask32(off+4, uint32(m>>32))
	default:
		return fmt.Errorf("pcie: %s: BAR %d has no kind", c.name, i)
	}
	c.bars[i] = b
	return nil
}

func prefetchBit(b BAR) uint32 {
	if b.Prefetchable {
		return 0x8
	}
	return 0
}

// BARAddress returns where software placed BAR i in its address space.
func (c *Config) BARAddress(i int) uint64 {
	if i < 0 || i >= c.barCount() {
		return 0
	}
	off := RegBAR0 + 4*i
	lo := c.u32(off)
	switch c.bars[i].Kind {
	case BARIO:
		return uint64(lo &^ 3)
	case BARMem64:
		return uint64(lo&^0xF) | uint64(c.u32(off+4))<<32
	default:
		return uint64(lo &^ 0xF)
	}
}

// BAR returns the declaration of BAR i.
func (c *Config) BAR(i int) BAR {
	if i < 0 || i >= 6 {
		return BAR{}
	}
	return c.bars[i]
}
