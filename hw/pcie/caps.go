package pcie

import "encoding/binary"

// Capability IDs.
const (
	CapPM   = 0x01
	CapMSI  = 0x05
	CapPCIe = 0x10
	CapMSIX = 0x11
)

// AddPMCapability adds a PCI power management capability (version 1.2)
// whose power state software may set; No_Soft_Reset is reported, so a
// D3hot to D0 transition keeps the function's state.
func (c *Config) AddPMCapability(at int) error {
	body := make([]byte, 6)
	binary.LittleEndian.PutUint16(body[0:], 0x0003) // PMC: version 1.2
	binary.LittleEndian.PutUint16(body[2:], 0x0008) // PMCSR: No_Soft_Reset, D0
	mask := make([]byte, 6)
	mask[2] = 0x03 // PowerState
	return c.AddCapability(at, CapPM, body, mask)
}

// PCI Express device/port types (PCI Express Capabilities register).
const (
	PortEndpoint   = 0x0
	PortRootPort   = 0x4
	PortIntegrated = 0x9 // Root Complex Integrated Endpoint
)

// Offsets inside the PCI Express capability.
const (
	PCIeCaps     = 0x02
	PCIeDevCap   = 0x04
	PCIeDevCtl   = 0x08
	PCIeDevSta   = 0x0A
	PCIeLinkCap  = 0x0C
	PCIeLinkCtl  = 0x10
	PCIeLinkSta  = 0x12
	PCIeSlotCap  = 0x14
	PCIeRootCtl  = 0x1C
	PCIeDevCap2  = 0x24
	PCIeDevCtl2  = 0x28
	PCIeLinkCap2 = 0x2C
	PCIeLinkCtl2 = 0x30
	pcieCapLen   = 0x3C
)

// Link Status bits beyond speed and width.
const (
	LinkStaDLLActive = 1 << 13
	linkCtlRetrain   = 1 << 5
	devCtlFLR        = 1 << 15
)

// PCIeCap describes a function's PCI Express capability.
type PCIeCap struct {
	PortType   uint8
	FLR        bool  // Function Level Reset supported
	MaxSpeed   uint8 // 1 = 2.5 GT/s ... 4 = 16 GT/s
	MaxWidth   uint8 // lanes
	PortNumber uint8
}

// AddPCIeCapability adds a PCI Express capability (version 2). A root port
// reports Data Link Layer Link Active; its Link Status is driven by the host
// through SetLinkStatus.
func (c *Config) AddPCIeCapability(at int, p PCIeCap) error {
	body := make([]byte, pcieCapLen-2)
	mask := make([]byte, pcieCapLen-2)
	put16 := func(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off-2:], v) }
	put32 := func(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off-2:], v) }

	put16(body, PCIeCaps, 0x2|uint16(p.PortType)<<4)
	devCap := uint32(1) // 256-byte max payload supported
	if p.FLR {
		devCap |= 1 << 28
	}
	if p.PortType == PortEndpoint {
		devCap |= 1 << 15 // role-based error reporting
	}
	put32(body, PCIeDevCap, devCap)
	put16(body, PCIeDevCtl, 0x2810) // 512-byte read requests, relaxed ordering, no snoop
	devCtlMask := uint16(0x7CFF)
	if p.FLR {
		devCtlMask |= devCtlFLR
	}
	put16(mask, PCIeDevCtl, devCtlMask)
	linkCap := uint32(p.MaxSpeed&0xF) | uint32(p.MaxWidth&0x3F)<<4 | uint32(p.PortNumber)<<24
	if p.PortType == PortRootPort {
		linkCap |= 1 << 20 // Data Link Layer Link Active reporting
	}
	put32(body, PCIeLinkCap, linkCap)
	linkCtlMask := uint16(0x01C3)
	if p.PortType == PortRootPort {
		linkCtlMask |= 0x0030 // link disable, retrain
	}
	put16(mask, PCIeLinkCtl, linkCtlMask)
	put32(body, PCIeDevCap2, 0x1F) // completion timeout ranges, disable supported
	put16(mask, PCIeDevCtl2, 0x001F)
	speeds := uint32(0)
	for s := uint8(1); s <= p.MaxSpeed && s <= 4; s++ {
		speeds |= 1 << s
	}
	put32(body, PCIeLinkCap2, speeds)
	put16(body, PCIeLinkCtl2, uint16(p.MaxSpeed&0xF))
	put16(mask, PCIeLinkCtl2, 0x000F)
	if err := c.AddCapability(at, CapPCIe, body, mask); err != nil {
		return err
	}
	if err := c.SetW1C(at+PCIeDevSta, []byte{0x0F}); err != nil {
		return err
	}
	if err := c.SetW1C(at+PCIeLinkSta, []byte{0x00, 0xC0}); err != nil {
		return err
	}
	if p.FLR {
		c.OnWrite(at+PCIeDevCtl, 2, func() {
			if c.u16(at+PCIeDevCtl)&devCtlFLR != 0 {
				c.FunctionReset()
			}
		})
	}
	return nil
}

// SetLinkStatus sets the current speed and width and whether the data link
// layer is up, in the PCI Express capability at at.
func (c *Config) SetLinkStatus(at int, speed, width uint8, up bool) {
	off := at + PCIeLinkSta
	v := c.u16(off) &^ (0x3FF | LinkStaDLLActive)
	if up {
		v |= uint16(speed&0xF) | uint16(width&0x3F)<<4 | LinkStaDLLActive
	}
	binary.LittleEndian.PutUint16(c.data[off:], v)
}

// Register16 returns the 16-bit register at off (for hosts reading fields
// of capabilities they own).
func (c *Config) Register16(off int) uint16 {
	if off < 0 || off+2 > ConfigSize {
		return 0xFFFF
	}
	return c.u16(off)
}

// Register32 returns the 32-bit register at off.
func (c *Config) Register32(off int) uint32 {
	if off < 0 || off+4 > ConfigSize {
		return 0xFFFFFFFF
	}
	return c.u32(off)
}

// SetRegister16 sets a 16-bit register the hardware itself changes (a
// self-clearing bit, a status field), bypassing write masks.
func (c *Config) SetRegister16(off int, v uint16) {
	if off >= 0 && off+2 <= ConfigSize {
		binary.LittleEndian.PutUint16(c.data[off:], v)
	}
}
