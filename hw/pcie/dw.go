package pcie

import (
	"fmt"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// FU740RootPort is the FU740's root port as Linux and U-Boot find it at
// 00:00.0 (pci.ids: SiFive "FU740-C000 RISC-V SoC PCI Express x8 to AXI4
// Bridge"). The revision is unverified.
var FU740RootPort = ID{Vendor: 0xf15e, Device: 0x0000, Class: 0x060400, Revision: 0x01}

// DWConfig describes a Synopsys DesignWare PCIe controller in root complex
// mode. Parameters marked unverified are not documented publicly for the
// FU740; the defaults are what the Linux and U-Boot drivers cope with.
type DWConfig struct {
	Name     string
	RootPort ID
	MaxSpeed uint8 // link speed the root port advertises (3 = 8 GT/s)
	Width    uint8 // lanes (8 on the FU740)
	// OutboundRegions and InboundRegions are the iATU region counts
	// (unverified for the FU740; 8 each by default).
	OutboundRegions, InboundRegions int
	// Version is what PCIE_VERSION_NUMBER (port logic 0x8F8) reads
	// (unverified; default 4.80a, the first core with unrolled iATU).
	Version uint32
	// INTx are the host's INTA..INTD outputs, MSI the output of its MSI
	// controller.
	INTx [4]sim.Line
	MSI  sim.Line
	// DMA is where functions' memory requests go once the host's MSI
	// controller has looked at them.
	DMA DMA
}

// Offsets in the DBI space (port logic registers, shadow registers and the
// unrolled iATU), as in Linux's pcie-designware.h.
const (
	dwPortLogic        = 0x700
	dwPortAFR          = 0x70C
	dwPortLinkControl  = 0x710
	dwPortDebug0       = 0x728
	dwPortDebug1       = 0x72C
	dwGen2Control      = 0x80C
	dwMSIAddrLo        = 0x820
	dwMSIAddrHi        = 0x824
	dwMSICtrl0         = 0x828 // ENABLE, MASK, STATUS per group of 32, 12 bytes apart
	dwMSIGroups        = 8
	dwMiscControl1     = 0x8BC
	dwVersionNumber    = 0x8F8
	dwVersionType      = 0x8FC
	dwATUViewport      = 0x900
	dwConfigEnd        = 0x1000
	dwDBI2             = 0x100000
	dwATUBase          = 0x300000
	dwATURegionStride  = 0x200
	dwATUInbound       = 0x100
	dwRootPCIeCap      = 0x70
	dwRootPMCap        = 0x40
	dwDebug1LinkUp     = 1 << 4
	dwLTSSML0          = 0x11
	dwSpeedChange      = 1 << 17
	dwDBIROWrEn        = 1 << 0
	dwDefaultVersion   = 0x3438302a // "480*"
	dwDefaultRegions   = 8
	dwLinkModeMask     = 0x3F << 16
	dwGen2WidthShift   = 8
	dwATUEnable        = 1 << 31
	dwATUCfgShift      = 1 << 28
	dwATUIncreaseLimit = 1 << 13
)

// iATU region types (REGION_CTRL1[4:0]).
const (
	atuMem  = 0
	atuIO   = 2
	atuCfg0 = 4
	atuCfg1 = 5
)

// Offsets in the FU740's "mgmt" block (Linux pcie-fu740.c).
const (
	mgmtPERSTN       = 0x0
	mgmtLTSSMEnable  = 0x10
	mgmtHoldPhyReset = 0x18
	mgmtDeviceType   = 0x708
	mgmtPhy0         = 0x860 // ADDR; RD_EN +0x10, RD_DATA +0x18, SEL +0x20, WR_DATA +0x28, WR_EN +0x30, ACK +0x38
	mgmtPhy1         = 0x8A0
	phyAddr          = 0x00
	phyRdEn          = 0x10
	phyRdData        = 0x18
	phyWrData        = 0x28
	phyWrEn          = 0x30
	phyAck           = 0x38
)

type atuRegion struct {
	ctrl1, ctrl2, baseLo, baseHi, limit, targetLo, targetHi, upperLimit uint32
}

func (r *atuRegion) reg(off uint32) *uint32 {
	switch off {
	case 0x00:
		return &r.ctrl1
	case 0x04:
		return &r.ctrl2
	case 0x08:
		return &r.baseLo
	case 0x0C:
		return &r.baseHi
	case 0x10:
		return &r.limit
	case 0x14:
		return &r.targetLo
	case 0x18:
		return &r.targetHi
	case 0x20:
		return &r.upperLimit
	}
	return nil
}

// translate maps a CPU address inside the region to a PCI address.
func (r *atuRegion) translate(addr uint64, size int) (pci, off uint64, ok bool) {
	if r.ctrl2&dwATUEnable == 0 {
		return 0, 0, false
	}
	base := uint64(r.baseHi)<<32 | uint64(r.baseLo)
	limit := base&^0xFFFFFFFF | uint64(r.limit)
	if r.ctrl1&dwATUIncreaseLimit != 0 {
		limit = uint64(r.upperLimit)<<32 | uint64(r.limit)
	}
	last := addr + uint64(size) - 1
	if addr < base || last > limit || last < addr {
		return 0, 0, false
	}
	off = addr - base
	return (uint64(r.targetHi)<<32 | uint64(r.targetLo)) + off, off, true
}

// DWHost is a DesignWare PCIe controller in root complex mode as the FU740
// presents it: the DBI space (the root port's type 1 header, port logic
// registers with link status, the MSI controller, the unrolled iATU), the
// SiFive mgmt block that holds PERST#, LTSSM enable and the PHY access
// port, and CPU windows translated by the outbound iATU into configuration,
// memory and I/O requests. The root port is 00:00.0 of its root bus; the
// link leads to its secondary bus.
type DWHost struct {
	c       DWConfig
	root    *Bus
	port    *Bridge
	link    bool
	pl      map[uint32]uint32 // port logic registers without behaviour of their own
	dbi2    map[uint32]uint32 // shadow (BAR mask) registers: recorded only
	ob, ib  []atuRegion
	msiAddr uint64
	msi     [dwMSIGroups][3]uint32 // enable, mask, status
	mgmt    map[uint32]uint32
	phy     [2]map[uint32]uint32
}

// NewDWHost builds the controller with its root port; the link is down
// until software releases PERST# and enables the LTSSM.
func NewDWHost(c DWConfig) (*DWHost, error) {
	if c.MaxSpeed < 1 || c.MaxSpeed > 4 || c.Width < 1 || c.Width > 32 {
		return nil, fmt.Errorf("pcie: %s: link Gen%d x%d not supported", c.Name, c.MaxSpeed, c.Width)
	}
	if c.OutboundRegions == 0 {
		c.OutboundRegions = dwDefaultRegions
	}
	if c.InboundRegions == 0 {
		c.InboundRegions = dwDefaultRegions
	}
	if c.OutboundRegions < 2 || c.OutboundRegions > 256 || c.InboundRegions < 1 || c.InboundRegions > 256 {
		return nil, fmt.Errorf("pcie: %s: %d outbound / %d inbound iATU regions", c.Name, c.OutboundRegions, c.InboundRegions)
	}
	if c.Version == 0 {
		c.Version = dwDefaultVersion
	}
	h := &DWHost{
		c:    c,
		pl:   map[uint32]uint32{},
		dbi2: map[uint32]uint32{},
		ob:   make([]atuRegion, c.OutboundRegions),
		ib:   make([]atuRegion, c.InboundRegions),
		mgmt: map[uint32]uint32{},
		phy:  [2]map[uint32]uint32{{}, {}},
	}
	h.root = NewRootBus(c.INTx, dwUpstream{h})
	h.port = NewBridge(c.Name+" root port", c.RootPort)
	pc := h.port.cfg
	if err := pc.AddPMCapability(dwRootPMCap); err != nil {
		return nil, err
	}
	if err := pc.AddPCIeCapability(dwRootPCIeCap, PCIeCap{PortType: PortRootPort, MaxSpeed: c.MaxSpeed, MaxWidth: c.Width}); err != nil {
		return nil, err
	}
	pc.OnWrite(dwRootPCIeCap+PCIeLinkCtl, 2, func() {
		if pc.u16(dwRootPCIeCap+PCIeLinkCtl)&linkCtlRetrain != 0 {
			pc.SetRegister16(dwRootPCIeCap+PCIeLinkCtl, pc.u16(dwRootPCIeCap+PCIeLinkCtl)&^linkCtlRetrain)
			h.train()
		}
	})
	if err := h.root.Attach(0, 0, h.port); err != nil {
		return nil, err
	}
	h.pl[dwPortLinkControl] = 1<<5 | linkModeFor(c.Width)
	h.pl[dwGen2Control] = uint32(c.Width) << dwGen2WidthShift
	return h, nil
}

func linkModeFor(width uint8) uint32 {
	return uint32(2*int(width)-1) << 16 & dwLinkModeMask
}

// RootPort returns the root port (00:00.0).
func (h *DWHost) RootPort() *Bridge { return h.port }

// Root returns the root bus.
func (h *DWHost) Root() *Bus { return h.root }

// Attach places a function on the link below the root port (device 0 is
// the only one a link reaches).
func (h *DWHost) Attach(fn int, f Function) error {
	if err := h.port.sec.Attach(0, fn, f); err != nil {
		return fmt.Errorf("pcie: %s: %w", h.c.Name, err)
	}
	return nil
}

// LinkUp reports whether the link trained.
func (h *DWHost) LinkUp() bool { return h.link }

// train brings the link up (or keeps it down) from the mgmt block's state
// and sets the speed the root port's Link Capabilities allow. A link needs
// a partner: with the slot empty the LTSSM stays in Detect, as on a board
// with nothing in its M.2 slot.
func (h *DWHost) train() {
	up := h.mgmt[mgmtPERSTN]&1 == 1 && h.mgmt[mgmtLTSSMEnable]&1 == 1 && h.mgmt[mgmtHoldPhyReset]&1 == 0 && h.partner()
	h.link = up
	pc := h.port.cfg
	speed := uint8(pc.u32(dwRootPCIeCap+PCIeLinkCap) & 0xF)
	if speed == 0 || speed > h.c.MaxSpeed {
		speed = h.c.MaxSpeed
	}
	pc.SetLinkStatus(dwRootPCIeCap, speed, h.c.Width, up)
}

// partner reports whether a device sits at the other end of the link.
func (h *DWHost) partner() bool {
	for fn := 0; fn < 8; fn++ {
		if h.port.sec.Function(0, fn) != nil {
			return true
		}
	}
	return false
}

// DBI returns the DBI register space as a device (map it at the "dbi"
// address; offsets past the iATU read as zero and ignore writes).
func (h *DWHost) DBI() mem.Device { return dbiDevice{h} }

// Mgmt returns the SiFive mgmt block as a device.
func (h *DWHost) Mgmt() mem.Device { return mgmtDevice{h} }

// CPUWindow returns a device for the CPU address range starting at cpuBase
// that the outbound iATU translates: the "config" region and the I/O,
// memory and prefetchable ranges of the device tree.
func (h *DWHost) CPUWindow(cpuBase uint64) mem.Device { return dwWindow{h, cpuBase} }

// --- DBI

type dbiDevice struct{ h *DWHost }

func (d dbiDevice) Read(off uint64, size int) (uint64, bool) {
	if size == 8 {
		lo, ok1 := d.Read(off, 4)
		hi, ok2 := d.Read(off+4, 4)
		return lo | hi<<32, ok1 && ok2
	}
	if off%uint64(size) != 0 {
		return 0, false
	}
	reg := uint32(off &^ 3)
	shift := 8 * (off & 3)
	var v uint32
	switch {
	case off < dwPortLogic:
		return uint64(d.h.port.cfg.Read(int(off), size)), true
	case off < dwConfigEnd:
		v = d.h.portLogicRead(reg)
	case off >= dwDBI2 && off < dwDBI2+dwConfigEnd:
		v = d.h.dbi2[reg]
	case off >= dwATUBase:
		v = d.h.atuRead(uint32(off - dwATUBase))
	}
	return uint64(v>>shift) & allOnes(size), true
}

func (d dbiDevice) Write(off uint64, size int, v uint64) bool {
	if size == 8 {
		return d.Write(off, 4, v&0xFFFFFFFF) && d.Write(off+4, 4, v>>32)
	}
	if off%uint64(size) != 0 {
		return false
	}
	reg := uint32(off &^ 3)
	shift := 8 * (off & 3)
	val := uint32(v) << shift
	bytes := uint32(allOnes(size)) << shift
	switch {
	case off < dwPortLogic:
		pc := d.h.port.cfg
		if d.h.pl[dwMiscControl1]&dwDBIROWrEn != 0 {
			pc.WriteRaw(int(off), size, uint32(v))
		} else {
			pc.Write(int(off), size, uint32(v))
		}
	case off < dwConfigEnd:
		d.h.portLogicWrite(reg, val, bytes)
	case off >= dwDBI2 && off < dwDBI2+dwConfigEnd:
		d.h.dbi2[reg] = d.h.dbi2[reg]&^bytes | val&bytes
	case off >= dwATUBase:
		d.h.atuWrite(uint32(off-dwATUBase), val, bytes)
	}
	return true
}

func (h *DWHost) portLogicRead(reg uint32) uint32 {
	switch {
	case reg == dwPortDebug0:
		if h.link {
			return dwLTSSML0
		}
		return 0
	case reg == dwPortDebug1:
		if h.link {
			return dwDebug1LinkUp
		}
		return 0
	case reg == dwATUViewport:
		return 0xFFFFFFFF // no viewport: the iATU is unrolled
	case reg == dwVersionNumber:
		return h.c.Version
	case reg == dwVersionType:
		return 0
	case reg == dwMSIAddrLo:
		return uint32(h.msiAddr)
	case reg == dwMSIAddrHi:
		return uint32(h.msiAddr >> 32)
	case reg >= dwMSICtrl0 && reg < dwMSICtrl0+12*dwMSIGroups:
		g, r := (reg-dwMSICtrl0)/12, (reg-dwMSICtrl0)%12/4
		return h.msi[g][r]
	}
	return h.pl[reg]
}

func (h *DWHost) portLogicWrite(reg, val, bytes uint32) {
	merge := func(old uint32) uint32 { return old&^bytes | val&bytes }
	switch {
	case reg == dwPortDebug0 || reg == dwPortDebug1 || reg == dwATUViewport ||
		reg == dwVersionNumber || reg == dwVersionType:
		// read-only
	case reg == dwMSIAddrLo:
		h.msiAddr = h.msiAddr&^0xFFFFFFFF | uint64(merge(uint32(h.msiAddr)))
	case reg == dwMSIAddrHi:
		h.msiAddr = h.msiAddr&0xFFFFFFFF | uint64(merge(uint32(h.msiAddr>>32)))<<32
	case reg >= dwMSICtrl0 && reg < dwMSICtrl0+12*dwMSIGroups:
		g, r := (reg-dwMSICtrl0)/12, (reg-dwMSICtrl0)%12/4
		if r == 2 {
			h.msi[g][2] &^= val & bytes // STATUS: write one to clear
		} else {
			h.msi[g][r] = merge(h.msi[g][r])
		}
		h.updateMSI()
	case reg == dwGen2Control:
		nv := merge(h.pl[reg])
		if nv&dwSpeedChange != 0 {
			nv &^= dwSpeedChange
			h.train()
		}
		h.pl[reg] = nv
	default:
		h.pl[reg] = merge(h.pl[reg])
	}
}

func (h *DWHost) atuRegion(off uint32) (*atuRegion, uint32) {
	idx, in, reg := off/dwATURegionStride, off%dwATURegionStride >= dwATUInbound, off%dwATUInbound
	list := h.ob
	if in {
		list = h.ib
	}
	if int(idx) >= len(list) {
		return nil, 0
	}
	return &list[idx], reg
}

func (h *DWHost) atuRead(off uint32) uint32 {
	r, reg := h.atuRegion(off)
	if r == nil {
		return 0
	}
	if p := r.reg(reg); p != nil {
		return *p
	}
	return 0
}

func (h *DWHost) atuWrite(off, val, bytes uint32) {
	r, reg := h.atuRegion(off)
	if r == nil {
		return
	}
	if p := r.reg(reg); p != nil {
		*p = *p&^bytes | val&bytes
	}
}

// --- MSI controller

func (h *DWHost) updateMSI() {
	level := false
	for g := range h.msi {
		level = level || h.msi[g][2]&^h.msi[g][1] != 0
	}
	h.c.MSI.Set(level)
}

// MSIStatus returns the status word of MSI group g (for tests).
func (h *DWHost) MSIStatus(g int) uint32 {
	if g < 0 || g >= dwMSIGroups {
		return 0
	}
	return h.msi[g][2]
}

// dwUpstream is the root complex seen from below: writes of a message to
// the MSI controller's address become MSI status bits, everything else
// goes to system memory untranslated (inbound iATU regions are recorded
// but not applied).
type dwUpstream struct{ h *DWHost }

func (u dwUpstream) ReadBytes(addr uint64, p []byte) bool {
	if u.h.c.DMA == nil {
		return false
	}
	return u.h.c.DMA.ReadBytes(addr, p)
}

func (u dwUpstream) WriteBytes(addr uint64, p []byte) bool {
	h := u.h
	if h.msiAddr != 0 && addr == h.msiAddr && (len(p) == 4 || len(p) == 2) {
		v := uint32(p[0]) | uint32(p[1])<<8
		if v < 32*dwMSIGroups {
			g, bit := v/32, uint32(1)<<(v%32)
			if h.msi[g][0]&bit != 0 {
				h.msi[g][2] |= bit
				h.updateMSI()
			}
		}
		return true
	}
	if h.c.DMA == nil {
		return false
	}
	return h.c.DMA.WriteBytes(addr, p)
}

// --- mgmt block

type mgmtDevice struct{ h *DWHost }

func (m mgmtDevice) Read(off uint64, size int) (uint64, bool) {
	if size != 4 || off%4 != 0 || off >= 0x1000 {
		return 0, false
	}
	reg := uint32(off)
	for phy, base := range []uint32{mgmtPhy0, mgmtPhy1} {
		if reg == base+phyAck {
			busy := m.h.mgmt[base+phyRdEn]&1 != 0 || m.h.mgmt[base+phyWrEn]&1 != 0
			if busy {
				return 1, true
			}
			return 0, true
		}
		if reg == base+phyRdData {
			return uint64(m.h.phy[phy][m.h.mgmt[base+phyAddr]]), true
		}
	}
	return uint64(m.h.mgmt[reg]), true
}

func (m mgmtDevice) Write(off uint64, size int, v uint64) bool {
	if size != 4 || off%4 != 0 || off >= 0x1000 {
		return false
	}
	h, reg, val := m.h, uint32(off), uint32(v)
	old := h.mgmt[reg]
	h.mgmt[reg] = val
	for phy, base := range []uint32{mgmtPhy0, mgmtPhy1} {
		if reg == base+phyWrEn && val&1 != 0 && old&1 == 0 {
			h.phy[phy][h.mgmt[base+phyAddr]] = h.mgmt[base+phyWrData]
		}
	}
	switch reg {
	case mgmtPERSTN:
		if old&1 == 1 && val&1 == 0 {
			h.resetLink()
		}
		h.train()
	case mgmtLTSSMEnable, mgmtHoldPhyReset:
		h.train()
	}
	return true
}

// resetLink is PERST#: everything below the root port goes through a
// conventional reset.
func (h *DWHost) resetLink() {
	resetBus(h.port.sec)
}

func resetBus(b *Bus) {
	for d := range b.fns {
		for _, f := range b.fns[d] {
			if f == nil {
				continue
			}
			f.PCIConfig().FunctionReset()
			if br, ok := f.(Bridging); ok {
				resetBus(br.SecondaryBus())
			}
		}
	}
}

// --- CPU windows

type dwWindow struct {
	h    *DWHost
	base uint64
}

// route finds what a CPU access at addr becomes on the PCI side.
func (w dwWindow) route(addr uint64, size int) (kind uint32, pci, off uint64, r *atuRegion) {
	for i := range w.h.ob {
		r := &w.h.ob[i]
		if p, o, ok := r.translate(addr, size); ok {
			return r.ctrl1 & 0x1F, p, o, r
		}
	}
	return atuMem, addr, 0, nil
}

func (w dwWindow) Read(off uint64, size int) (uint64, bool) {
	addr := w.base + off
	kind, pci, o, r := w.route(addr, size)
	switch kind {
	case atuMem:
		d, doff, ok := w.h.root.host.findMem(pci, size)
		if !ok || !w.h.link {
			return 0, false
		}
		return d.Read(doff, size)
	case atuIO:
		d, doff, ok := w.h.root.host.findIO(pci, size)
		if !ok || !w.h.link {
			return 0, false
		}
		return d.Read(doff, size)
	case atuCfg0, atuCfg1:
		if size > 4 {
			return 0, false
		}
		c, reg := w.h.configTarget(kind, pci, o, r)
		if c == nil || reg+size > ConfigSize {
			return allOnes(size), true
		}
		return uint64(c.Read(reg, size)), true
	}
	return 0, false
}

func (w dwWindow) Write(off uint64, size int, v uint64) bool {
	addr := w.base + off
	kind, pci, o, r := w.route(addr, size)
	switch kind {
	case atuMem:
		d, doff, ok := w.h.root.host.findMem(pci, size)
		if !ok || !w.h.link {
			return false
		}
		return d.Write(doff, size, v)
	case atuIO:
		d, doff, ok := w.h.root.host.findIO(pci, size)
		if !ok || !w.h.link {
			return false
		}
		return d.Write(doff, size, v)
	case atuCfg0, atuCfg1:
		if size > 4 {
			return false
		}
		c, reg := w.h.configTarget(kind, pci, o, r)
		if c != nil && reg+size <= ConfigSize {
			c.Write(reg, size, uint32(v))
		}
		return true
	}
	return false
}

// configTarget decodes a configuration request: bus, device and function
// from the translated address (bits 31:16), or, in CFG shift mode, from the
// window offset laid out as ECAM. Type 0 requests go to the link below the
// root port; type 1 requests are routed by bus number.
func (h *DWHost) configTarget(kind uint32, pci, off uint64, r *atuRegion) (*Config, int) {
	if !h.link {
		return nil, 0
	}
	bdf, reg := uint32(pci>>16)&0xFFFF, int(pci&0xFFF)
	if r != nil && r.ctrl2&dwATUCfgShift != 0 {
		bdf, reg = uint32(off>>12)&0xFFFF, int(off&0xFFF)
	}
	bus, dev, fn := uint8(bdf>>8), int(bdf>>3)&31, int(bdf)&7
	sec := h.port.cfg.u8(RegSecondaryBus)
	if kind == atuCfg0 {
		f := h.port.sec.Function(dev, fn)
		if f == nil {
			return nil, 0
		}
		return f.PCIConfig(), reg
	}
	return h.port.sec.lookup(sec, bus, dev, fn), reg
}
