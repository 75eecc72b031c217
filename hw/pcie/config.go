// Package pcie owns PCI configuration space and PCI hierarchies: type 0 and
// type 1 headers, BAR sizing and decode, capability lists (power management,
// PCI Express, MSI-X), bridges with their bus numbers and windows, INTx
// routing with the standard swizzle, bus mastering for device DMA, and the
// two host bridges software meets on our boards: the ECAM host of QEMU's
// virt machine and the DesignWare host of the FU740 (DBI registers,
// outbound iATU, link and MSI controller).
//
// It must not know what a device does behind its BARs (that is the device's
// package, e.g. hw/nvme), nor the board it sits on: hosts are built from
// addresses and wires the caller passes in. Only software-visible behaviour
// is modelled; link timing, TLP ordering and errors other than "nobody
// answered" are not.
package pcie

import (
	"encoding/binary"
	"fmt"
)

// ConfigSize is the size of a PCI Express function's configuration space.
const ConfigSize = 4096

// Offsets of header registers common to both header types.
const (
	RegVendor     = 0x00
	RegDevice     = 0x02
	RegCommand    = 0x04
	RegStatus     = 0x06
	RegRevision   = 0x08
	RegClass      = 0x09 // programming interface, subclass, base class
	RegCacheLine  = 0x0C
	RegHeaderType = 0x0E
	RegBAR0       = 0x10
	RegCapPtr     = 0x34
	RegIntLine    = 0x3C
	RegIntPin     = 0x3D
)

// Offsets of the type 0 header.
const (
	RegSubsystemVendor = 0x2C
	RegSubsystem       = 0x2E
)

// Offsets of the type 1 (bridge) header.
const (
	RegPrimaryBus      = 0x18
	RegSecondaryBus    = 0x19
	RegSubordinateBus  = 0x1A
	RegIOBase          = 0x1C
	RegIOLimit         = 0x1D
	RegSecondaryStatus = 0x1E
	RegMemBase         = 0x20
	RegMemLimit        = 0x22
	RegPrefBase        = 0x24
	RegPrefLimit       = 0x26
	RegPrefBaseUpper   = 0x28
	RegPrefLimitUpper  = 0x2C
	RegBridgeControl   = 0x3E
)

// Command register bits.
const (
	CmdIO           = 1 << 0
	CmdMemory       = 1 << 1
	CmdBusMaster    = 1 << 2
	CmdParity       = 1 << 6
	CmdSERR         = 1 << 8
	CmdINTxDisable  = 1 << 10
	commandWritable = CmdIO | CmdMemory | CmdBusMaster | CmdParity | CmdSERR | CmdINTxDisable
)

// Status register bits.
const (
	StatusINTx    = 1 << 3
	StatusCapList = 1 << 4
	statusW1C     = 0xF900 // parity, aborts, SERR: write one to clear
)

// Header types.
const (
	HeaderEndpoint = 0
	HeaderBridge   = 1
	headerMulti    = 0x80
)

// ID is what a function says about itself in its header.
type ID struct {
	Vendor, Device uint16
	Class          uint32 // base class << 16 | subclass << 8 | programming interface
	Revision       uint8
	// Subsystem IDs (type 0 only).
	SubsystemVendor, Subsystem uint16
	// InterruptPin is 0 for none, 1..4 for INTA..INTD.
	InterruptPin uint8
}

// Function is anything with a configuration space that can sit on a bus.
type Function interface {
	PCIConfig() *Config
}

// DMA is where a function's memory requests go upstream: the system bus
// (*mem.Bus satisfies it) or a host that intercepts some addresses.
type DMA interface {
	ReadBytes(addr uint64, p []byte) bool
	WriteBytes(addr uint64, p []byte) bool
}

// Config is one function's configuration space: the register image, which
// bits software may write (and which it clears by writing ones), the BARs
// and capability list built by the device, and the function's place in a
// hierarchy (for INTx and DMA).
type Config struct {
	name  string
	data  [ConfigSize]byte
	wmask [ConfigSize]byte
	w1c   [ConfigSize]byte
	reset [ConfigSize]byte // the image a function level reset restores

	bars    [6]BAR
	lastCap int // offset of the last capability in the list, 0 if none
	capUsed [256]bool

	hooks      []writeHook
	resetHooks []func()

	bus        *Bus // nil until attached
	dev, fn    int
	standalone DMA // upstream of a function used without a bus (tests)

	pinLevel    bool // what the device drives on its pin
	out         bool // what the bus sees (after INTx Disable and MSI-X)
	intxBlocked bool // MSI-X enabled: the function must not use INTx
}

type writeHook struct {
	off, n int
	fn     func()
}

func newConfig(name string, header uint8, id ID) *Config {
	c := &Config{name: name}
	c.init16(RegVendor, id.Vendor)
	c.init16(RegDevice, id.Device)
	c.init8(RegRevision, id.Revision)
	c.init8(RegClass, uint8(id.Class))
	c.init8(RegClass+1, uint8(id.Class>>8))
	c.init8(RegClass+2, uint8(id.Class>>16))
	c.init8(RegHeaderType, header)
	c.init8(RegIntPin, id.InterruptPin)
	c.mask16(RegCommand, commandWritable)
	c.setW1C16(RegStatus, statusW1C)
	c.mask8(RegCacheLine, 0xFF)
	c.mask8(RegIntLine, 0xFF)
	return c
}

// NewEndpoint returns the configuration space of a type 0 function.
func NewEndpoint(name string, id ID) *Config {
	c := newConfig(name, HeaderEndpoint, id)
	c.init16(RegSubsystemVendor, id.SubsystemVendor)
	c.init16(RegSubsystem, id.Subsystem)
	return c
}

// Name returns the function's name (used in errors).
func (c *Config) Name() string { return c.name }

// PCIConfig makes a bare Config a Function (a host bridge's function 0 is
// nothing more).
func (c *Config) PCIConfig() *Config { return c }

// Location returns the device and function number once attached.
func (c *Config) Location() (dev, fn int, attached bool) { return c.dev, c.fn, c.bus != nil }

// Read returns size (1, 2 or 4) bytes at off, as a configuration read.
// Reads past the end return all-ones bytes.
func (c *Config) Read(off, size int) uint32 {
	var v uint32
	for i := size - 1; i >= 0; i-- {
		b := byte(0xFF)
		if o := off + i; o >= 0 && o < ConfigSize {
			b = c.data[o]
		}
		v = v<<8 | uint32(b)
	}
	return v
}

// Write performs a configuration write of size bytes at off: only writable
// bits change, write-one-to-clear bits clear, and the device hears of it.
func (c *Config) Write(off, size int, v uint32) {
	c.write(off, size, v, false)
}

// WriteRaw writes like Write but ignoring the read-only masks, as a
// controller's "read-only registers writable" debug switch allows (the
// DesignWare DBI_RO_WR_EN bit).
func (c *Config) WriteRaw(off, size int, v uint32) {
	c.write(off, size, v, true)
}

func (c *Config) write(off, size int, v uint32, raw bool) {
	if off < 0 || size <= 0 || off+size > ConfigSize {
		return
	}
	for i := 0; i < size; i++ {
		o := off + i
		b := byte(v >> (8 * i))
		m := c.wmask[o]
		if raw {
			m = ^c.w1c[o]
		}
		nv := (c.data[o] &^ m) | (b & m)
		nv &^= b & c.w1c[o]
		c.data[o] = nv
	}
	c.afterWrite(off, size)
}

func (c *Config) afterWrite(off, size int) {
	if overlaps(off, size, RegCommand, 2) {
		c.updateINTx()
	}
	for _, h := range c.hooks {
		if overlaps(off, size, h.off, h.n) {
			h.fn()
		}
	}
	c.topologyChanged()
}

func overlaps(off, size, at, n int) bool { return off < at+n && at < off+size }

// OnWrite registers fn to run after any configuration write touching
// [off, off+n), once the new value is in place.
func (c *Config) OnWrite(off, n int, fn func()) {
	c.hooks = append(c.hooks, writeHook{off, n, fn})
}

// OnFunctionReset registers fn to run when the function is reset through
// its configuration space (Function Level Reset), after the registers are
// back to their reset values.
func (c *Config) OnFunctionReset(fn func()) { c.resetHooks = append(c.resetHooks, fn) }

// FunctionReset restores the configuration registers to their reset values
// and resets the device, as a Function Level Reset does.
func (c *Config) FunctionReset() {
	c.data = c.reset
	c.intxBlocked = false
	for _, fn := range c.resetHooks {
		fn()
	}
	c.updateINTx()
	c.topologyChanged()
}

// Command returns the command register.
func (c *Config) Command() uint16 { return c.u16(RegCommand) }

// MemoryEnabled reports whether the function decodes its memory BARs.
func (c *Config) MemoryEnabled() bool { return c.Command()&CmdMemory != 0 }

// IOEnabled reports whether the function decodes its I/O BARs.
func (c *Config) IOEnabled() bool { return c.Command()&CmdIO != 0 }

// BusMaster reports whether the function may issue memory requests.
func (c *Config) BusMaster() bool { return c.Command()&CmdBusMaster != 0 }

// HeaderType returns 0 for an endpoint, 1 for a bridge.
func (c *Config) HeaderType() uint8 { return c.data[RegHeaderType] &^ headerMulti }

func (c *Config) u8(off int) uint8   { return c.data[off] }
func (c *Config) u16(off int) uint16 { return binary.LittleEndian.Uint16(c.data[off:]) }
func (c *Config) u32(off int) uint32 { return binary.LittleEndian.Uint32(c.data[off:]) }

// Construction helpers: they set the register image and its reset value.

func (c *Config) init8(off int, v uint8) {
	c.data[off] = v
	c.reset[off] = v
}

func (c *Config) init16(off int, v uint16) {
	c.init8(off, uint8(v))
	c.init8(off+1, uint8(v>>8))
}

func (c *Config) init32(off int, v uint32) {
	c.init16(off, uint16(v))
	c.init16(off+2, uint16(v>>16))
}

func (c *Config) mask8(off int, m uint8) { c.wmask[off] = m }

func (c *Config) mask16(off int, m uint16) {
	c.wmask[off] = uint8(m)
	c.wmask[off+1] = uint8(m >> 8)
}

func (c *Config) mask32(off int, m uint32) {
	c.mask16(off, uint16(m))
	c.mask16(off+2, uint16(m>>16))
}

func (c *Config) setW1C16(off int, m uint16) {
	c.w1c[off] = uint8(m)
	c.w1c[off+1] = uint8(m >> 8)
}

// Init sets bytes of the register image and their reset value (for
// device-specific registers a device lays out itself).
func (c *Config) Init(off int, p []byte) error {
	if off < 0 || off+len(p) > ConfigSize {
		return fmt.Errorf("pcie: %s: init at %#x+%d outside configuration space", c.name, off, len(p))
	}
	for i, b := range p {
		c.init8(off+i, b)
	}
	return nil
}

// SetWritable sets the write mask of bytes starting at off.
func (c *Config) SetWritable(off int, mask []byte) error {
	if off < 0 || off+len(mask) > ConfigSize {
		return fmt.Errorf("pcie: %s: write mask at %#x+%d outside configuration space", c.name, off, len(mask))
	}
	copy(c.wmask[off:], mask)
	return nil
}

// SetW1C marks bits starting at off as write-one-to-clear.
func (c *Config) SetW1C(off int, mask []byte) error {
	if off < 0 || off+len(mask) > ConfigSize {
		return fmt.Errorf("pcie: %s: W1C mask at %#x+%d outside configuration space", c.name, off, len(mask))
	}
	copy(c.w1c[off:], mask)
	return nil
}

// SetStatusBits sets or clears read-only bits of a 16-bit register that the
// device itself drives (link status, interrupt status, ...).
func (c *Config) SetStatusBits(off int, bits uint16, on bool) {
	v := c.u16(off)
	if on {
		v |= bits
	} else {
		v &^= bits
	}
	binary.LittleEndian.PutUint16(c.data[off:], v)
}

// AddCapability links a capability with the given ID at offset at (0x40 to
// 0xFC, dword aligned) to the end of the capability list. body is what
// follows the ID and next-pointer bytes; wmask, if not nil, says which of
// its bits software may write.
func (c *Config) AddCapability(at int, id uint8, body, wmask []byte) error {
	n := 2 + len(body)
	if at < 0x40 || at%4 != 0 || at+n > 0x100 {
		return fmt.Errorf("pcie: %s: capability %#x at %#x (%d bytes) does not fit the header's capability area", c.name, id, at, n)
	}
	if wmask != nil && len(wmask) != len(body) {
		return fmt.Errorf("pcie: %s: capability %#x: write mask of %d bytes for a %d-byte body", c.name, id, len(wmask), len(body))
	}
	for i := at; i < at+n; i++ {
		if c.capUsed[i] {
			return fmt.Errorf("pcie: %s: capability %#x at %#x overlaps another capability", c.name, id, at)
		}
	}
	for i := at; i < at+n; i++ {
		c.capUsed[i] = true
	}
	if c.lastCap == 0 {
		c.init8(RegCapPtr, uint8(at))
		c.init16(RegStatus, c.u16(RegStatus)|StatusCapList)
	} else {
		c.init8(c.lastCap+1, uint8(at))
	}
	c.lastCap = at
	c.init8(at, id)
	c.init8(at+1, 0)
	for i, b := range body {
		c.init8(at+2+i, b)
	}
	if wmask != nil {
		copy(c.wmask[at+2:], wmask)
	}
	return nil
}

// FindCapability walks the capability list and returns the offset of the
// first capability with the given ID, or 0.
func (c *Config) FindCapability(id uint8) int {
	if c.u16(RegStatus)&StatusCapList == 0 {
		return 0
	}
	p := int(c.data[RegCapPtr] &^ 3)
	for n := 0; p >= 0x40 && n < 48; n++ {
		if c.data[p] == id {
			return p
		}
		p = int(c.data[p+1] &^ 3)
	}
	return 0
}

// SetINTx drives the function's interrupt pin. The level reaches the bus
// unless Interrupt Disable is set or MSI-X is enabled; the Interrupt Status
// bit follows the pin either way.
func (c *Config) SetINTx(level bool) {
	if c.data[RegIntPin] == 0 {
		return
	}
	c.pinLevel = level
	c.SetStatusBits(RegStatus, StatusINTx, level)
	c.updateINTx()
}

// INTxAsserted reports what the bus currently sees on the function's pin.
func (c *Config) INTxAsserted() bool { return c.out }

func (c *Config) blockINTx(blocked bool) {
	c.intxBlocked = blocked
	c.updateINTx()
}

func (c *Config) updateINTx() {
	out := c.pinLevel && c.Command()&CmdINTxDisable == 0 && !c.intxBlocked
	if out == c.out {
		return
	}
	c.out = out
	if c.bus != nil {
		c.bus.pinChanged(c.dev, int(c.data[RegIntPin])-1, out)
	}
}

// SetUpstream gives a function that sits on no bus a target for its DMA
// (for tests that drive a device directly).
func (c *Config) SetUpstream(d DMA) { c.standalone = d }

// DMARead performs a memory read request of the function: it fails if bus
// mastering is off on the function or on any bridge above it, or if the
// target does not answer.
func (c *Config) DMARead(addr uint64, p []byte) bool {
	up := c.upstream()
	return up != nil && up.ReadBytes(addr, p)
}

// DMAWrite performs a memory write request of the function.
func (c *Config) DMAWrite(addr uint64, p []byte) bool {
	up := c.upstream()
	return up != nil && up.WriteBytes(addr, p)
}

// upstream returns where the function's memory requests go, or nil when
// bus mastering is disabled on the way.
func (c *Config) upstream() DMA {
	if !c.BusMaster() {
		return nil
	}
	if c.bus == nil {
		return c.standalone
	}
	b := c.bus
	for b.bridge != nil {
		bc := b.bridge.cfg
		if !bc.BusMaster() || bc.bus == nil {
			return nil
		}
		b = bc.bus
	}
	if b.host == nil {
		return nil
	}
	return b.host.dma
}

func (c *Config) topologyChanged() {
	if c.bus != nil && c.bus.host != nil {
		c.bus.host.dirty = true
	}
}
