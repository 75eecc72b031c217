package nvme

import (
	"crypto/sha1"
	"encoding/binary"
)

// Identify CNS values.
const (
	cnsNamespace   = 0x00
	cnsController  = 0x01
	cnsActiveNS    = 0x02
	cnsDescriptors = 0x03
	identifySize   = 4096
	broadcastNSID  = 0xFFFFFFFF
)

// Fixed Identify Controller values (what this controller is, not how it
// is configured).
const (
	recommendedBurst = 6
	abortLimit       = 3 // ACL, 0-based
	aerLimit         = 3 // AERL, 0-based
	firmwareSlots    = 0x03
	logPageAttrs     = 0x07 // per-namespace SMART, command effects, extended data
	queueEntrySizes  = 0x66 // SQES: 64 bytes (min = max); CQES 0x44: 16 bytes
	cqEntrySizes     = 0x44
	oncsSupported    = 1<<0 | 1<<2 | 1<<3 | 1<<4 // Compare, DSM, Write Zeroes, Save/Select
	vwcPresent       = 0x07                      // cache present, Flush with NSID FFFFFFFFh supported
	ctrlTypeIO       = 1
	maxPowerCW       = 0x9c4 // power state 0: 25 W
)

// ieeeOUI is QEMU's OUI in the byte order Identify carries it.
var ieeeOUI = [3]byte{0x00, 0x54, 0x52}

type field struct {
	off  int
	size int
	v    func(c *Controller) uint64
}

func constant(v uint64) func(*Controller) uint64 { return func(*Controller) uint64 { return v } }

// identifyController is the Identify Controller data structure's numeric
// fields, by offset (NVMe 1.4, figure 247).
var identifyController = []field{
	{0, 2, constant(pciVendorRedHat)},
	{2, 2, constant(pciSubVendorQEMU)},
	{72, 1, constant(recommendedBurst)},
	{77, 1, func(c *Controller) uint64 { return uint64(c.c.MDTS) }},
	{80, 4, constant(versionNVMe)},
	{111, 1, constant(ctrlTypeIO)},
	{258, 1, constant(abortLimit)},
	{259, 1, constant(aerLimit)},
	{260, 1, constant(firmwareSlots)},
	{261, 1, constant(logPageAttrs)},
	{262, 1, constant(maxErrorEntries - 1)},
	{266, 2, constant(warnTemperature)},
	{268, 2, constant(critTemperature)},
	{512, 1, constant(queueEntrySizes)},
	{513, 1, constant(cqEntrySizes)},
	{516, 4, func(c *Controller) uint64 { return uint64(c.c.MaxNamespaces) }},
	{520, 2, constant(oncsSupported)},
	{525, 1, func(c *Controller) uint64 {
		if c.c.WriteCache == WriteCacheNone {
			return 0
		}
		return vwcPresent
	}},
	{2048, 2, constant(maxPowerCW)},
	{2052, 4, constant(0x10)}, // ENLAT
	{2056, 4, constant(0x4)},  // EXLAT
}

func putFields(b []byte, fs []field, c *Controller) {
	for _, f := range fs {
		v := f.v(c)
		for i := 0; i < f.size; i++ {
			b[f.off+i] = byte(v >> (8 * i))
		}
	}
}

// putString fills b with s, padded with spaces (Identify's ASCII fields).
func putString(b []byte, s string) {
	n := copy(b, s)
	for i := n; i < len(b); i++ {
		b[i] = ' '
	}
}

func (c *Controller) identifyController(b []byte) {
	putFields(b, identifyController, c)
	putString(b[4:24], c.c.Serial)
	putString(b[24:64], c.c.Model)
	putString(b[64:72], c.c.Firmware)
	copy(b[73:76], ieeeOUI[:])
	copy(b[768:1024], c.c.SubsystemNQN) // NUL-padded
}

func (c *Controller) identifyNamespace(b []byte, ns *namespace) {
	binary.LittleEndian.PutUint64(b[0:], ns.blocks)  // NSZE
	binary.LittleEndian.PutUint64(b[8:], ns.blocks)  // NCAP
	binary.LittleEndian.PutUint64(b[16:], ns.blocks) // NUSE
	b[33] = 0x01                                     // DLFEAT: deallocated blocks read as zeroes
	if ns.readOnly {
		b[99] = 0x01 // NSATTR: write protected
	}
	b[128+2] = ns.shift // LBAF0: no metadata, LBADS
}

// namespaceUUID is a stable UUID (version 5 layout) from the serial number
// and NSID, so identical configurations identify identically.
func (c *Controller) namespaceUUID(nsid uint32) [16]byte {
	h := sha1.New()
	h.Write([]byte("cosim-nvme:" + c.c.Serial))
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], nsid)
	h.Write(n[:])
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0F | 0x50
	u[8] = u[8]&0x3F | 0x80
	return u
}

// namespace returns the active namespace nsid, or nil.
func (c *Controller) namespace(nsid uint32) *namespace {
	if nsid == 0 || uint64(nsid) > uint64(len(c.ns)) {
		return nil
	}
	return c.ns[nsid-1]
}

func (c *Controller) identify(cmd *command) (Status, uint32) {
	b := c.scratch(identifySize)
	clear(b)
	nsid := cmd.nsid()
	switch cmd.cdw(10) & 0xFF {
	case cnsController:
		c.identifyController(b)
	case cnsNamespace:
		if nsid == 0 || nsid > c.c.MaxNamespaces {
			return InvalidNamespace, 0
		}
		if ns := c.namespace(nsid); ns != nil {
			c.identifyNamespace(b, ns)
		}
	case cnsActiveNS:
		if nsid >= 0xFFFFFFFE {
			return InvalidField, 0
		}
		n := 0
		for i := range c.ns {
			if id := uint32(i + 1); id > nsid && n < identifySize/4 {
				binary.LittleEndian.PutUint32(b[4*n:], id)
				n++
			}
		}
	case cnsDescriptors:
		if nsid == 0 || nsid > c.c.MaxNamespaces {
			return InvalidNamespace, 0
		}
		if c.namespace(nsid) == nil {
			return InvalidField, 0
		}
		b[0], b[1] = 0x03, 16 // NIDT UUID, NIDL
		u := c.namespaceUUID(nsid)
		copy(b[4:], u[:])
	default:
		return InvalidField, 0
	}
	return c.transferOut(cmd, b), 0
}
