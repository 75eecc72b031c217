package pcie

import (
	"fmt"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// GPEXHostBridge is the function QEMU's generic PCIe host ("gpex", used by
// virt) places at 00:00.0: Red Hat's vendor ID, device 0x0008, class host
// bridge.
var GPEXHostBridge = ID{Vendor: 0x1b36, Device: 0x0008, Class: 0x060000}

// ECAMConfig describes an ECAM host bridge.
type ECAMConfig struct {
	Name string
	// Buses is how many buses the ECAM window decodes (1 MiB each).
	Buses int
	// HostBridge, if not nil, is placed at 00:00.0.
	HostBridge *ID
	// INTx are the host's INTA..INTD outputs (after the swizzle of the
	// root bus: a function at slot s raising pin p drives output
	// (s + p - 1) mod 4).
	INTx [4]sim.Line
	// DMA is where functions' memory requests go.
	DMA DMA
}

// ECAMHost is a host bridge whose configuration space is memory-mapped
// (PCI Express ECAM: bus << 20 | device << 15 | function << 12 | register),
// with memory and I/O windows through which the CPU reaches the BARs.
type ECAMHost struct {
	name  string
	buses int
	root  *Bus
}

// NewECAMHost builds an ECAM host bridge with an empty root bus (apart from
// the host bridge function, if configured).
func NewECAMHost(c ECAMConfig) (*ECAMHost, error) {
	if c.Buses < 1 || c.Buses > 256 {
		return nil, fmt.Errorf("pcie: %s: ECAM of %d buses (1..256)", c.Name, c.Buses)
	}
	h := &ECAMHost{name: c.Name, buses: c.Buses, root: NewRootBus(c.INTx, c.DMA)}
	if c.HostBridge != nil {
		if err := h.root.Attach(0, 0, NewEndpoint(c.Name+" host bridge", *c.HostBridge)); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Root returns the root bus.
func (h *ECAMHost) Root() *Bus { return h.root }

// Attach places a function on the root bus.
func (h *ECAMHost) Attach(dev, fn int, f Function) error {
	if err := h.root.Attach(dev, fn, f); err != nil {
		return fmt.Errorf("pcie: %s: %w", h.name, err)
	}
	return nil
}

// ECAMSize returns the size of the ECAM window.
func (h *ECAMHost) ECAMSize() uint64 { return uint64(h.buses) << 20 }

// ConfigSpace returns the ECAM window as a device. Functions that do not
// exist read as all-ones and ignore writes; accesses wider than 4 bytes
// are not answered (configuration requests are at most a dword).
func (h *ECAMHost) ConfigSpace() mem.Device { return ecamDevice{h} }

type ecamDevice struct{ h *ECAMHost }

func (e ecamDevice) target(off uint64, size int) (*Config, int, bool) {
	if size > 4 || off>>20 >= uint64(e.h.buses) {
		return nil, 0, false
	}
	reg := int(off & 0xFFF)
	if reg+size > ConfigSize {
		return nil, 0, false
	}
	bus, dev, fn := uint8(off>>20), int(off>>15)&31, int(off>>12)&7
	return e.h.root.lookup(0, bus, dev, fn), reg, true
}

func (e ecamDevice) Read(off uint64, size int) (uint64, bool) {
	c, reg, ok := e.target(off, size)
	if !ok {
		return 0, false
	}
	if c == nil {
		return allOnes(size), true
	}
	return uint64(c.Read(reg, size)), true
}

func (e ecamDevice) Write(off uint64, size int, v uint64) bool {
	c, reg, ok := e.target(off, size)
	if !ok {
		return false
	}
	if c != nil {
		c.Write(reg, size, uint32(v))
	}
	return true
}

func allOnes(size int) uint64 {
	if size >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*size) - 1
}

// MemWindow returns a window of the CPU's address space whose offset 0 is
// PCI memory address pciBase. An access no BAR claims is not answered
// (QEMU 7.2's gpex raises a bus error there too).
func (h *ECAMHost) MemWindow(pciBase uint64) mem.Device {
	return window{h: h.root.host, base: pciBase}
}

// IOWindow returns a window whose offset 0 is PCI I/O address pciBase.
func (h *ECAMHost) IOWindow(pciBase uint64) mem.Device {
	return window{h: h.root.host, base: pciBase, io: true}
}

type window struct {
	h    *hierarchy
	base uint64
	io   bool
}

func (w window) claim(off uint64, size int) (mem.Device, uint64, bool) {
	if w.io {
		return w.h.findIO(w.base+off, size)
	}
	return w.h.findMem(w.base+off, size)
}

func (w window) Read(off uint64, size int) (uint64, bool) {
	d, o, ok := w.claim(off, size)
	if !ok {
		return 0, false
	}
	return d.Read(o, size)
}

func (w window) Write(off uint64, size int, v uint64) bool {
	d, o, ok := w.claim(off, size)
	if !ok {
		return false
	}
	return d.Write(o, size, v)
}
