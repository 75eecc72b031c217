package nvme

// Controller registers (NVMe 1.4, 3.1).
const (
	regCAP   = 0x00
	regVS    = 0x08
	regINTMS = 0x0C
	regINTMC = 0x10
	regCC    = 0x14
	regCSTS  = 0x1C
	regNSSR  = 0x20
	regAQA   = 0x24
	regASQ   = 0x28
	regACQ   = 0x30
)

// CAP fields: what the controller supports.
const (
	timeoutUnits = 0x0F // CAP.TO: 7.5 s in 500 ms units, as QEMU
	capCQR       = 1 << 16
	capCSSNVM    = 1 << 37
	versionNVMe  = 0x00010400
)

// CC and CSTS fields.
const (
	ccEN          = 1 << 0
	ccCSSShift    = 4
	ccMPSShift    = 7
	ccAMSShift    = 11
	ccSHNShift    = 14
	ccSHN         = 3 << ccSHNShift
	ccIOSQESShift = 16
	ccIOCQESShift = 20
	ccWritable    = 0x00FFFFF1
	cstsRDY       = 1 << 0
	cstsCFS       = 1 << 1
	cstsSHSTShift = 2
	cstsSHST      = 3 << cstsSHSTShift
	shstOccurring = 1 << cstsSHSTShift
	shstComplete  = 2 << cstsSHSTShift
	aqaWritable   = 0x0FFF0FFF
	asqWritable   = ^uint64(pageSize - 1)
)

func (c *Controller) capValue() uint64 {
	return uint64(c.c.MQES) | capCQR | uint64(timeoutUnits)<<24 | capCSSNVM
	// DSTRD 0, NSSRS 0, BPS 0, MPSMIN = MPSMAX = 0 (4 KiB), no PMR or CMB.
}

// bar0 is the register block as the host sees it through BAR0.
type bar0 struct{ c *Controller }

func (b bar0) Read(off uint64, size int) (uint64, bool) {
	c := b.c
	switch {
	case off >= c.layout.table && off < c.layout.table+uint64(c.msix.TableSize()):
		return c.msix.ReadTable(off-c.layout.table, size)
	case off >= c.layout.pba && off < c.layout.pba+uint64(c.msix.PBASize()):
		return c.msix.ReadPBA(off-c.layout.pba, size)
	case off >= c.layout.size:
		return 0, false
	}
	if off%uint64(size) != 0 {
		return 0, true
	}
	if size == 8 {
		return c.readReg(off) | c.readReg(off+4)<<32, true
	}
	v := c.readReg(off &^ 3)
	return (v >> (8 * (off & 3))) & (1<<(8*size) - 1), true
}

func (b bar0) Write(off uint64, size int, v uint64) bool {
	c := b.c
	switch {
	case off >= c.layout.table && off < c.layout.table+uint64(c.msix.TableSize()):
		return c.msix.WriteTable(off-c.layout.table, size, v)
	case off >= c.layout.pba && off < c.layout.pba+uint64(c.msix.PBASize()):
		return true // the PBA is read-only
	case off >= c.layout.size:
		return false
	}
	// Registers are written as dwords (or qwords, low half first); narrower
	// or misaligned writes are ignored.
	switch {
	case off%uint64(size) != 0:
	case size == 8:
		c.writeReg(off, uint32(v))
		c.writeReg(off+4, uint32(v>>32))
	case size == 4:
		c.writeReg(off, uint32(v))
	}
	return true
}

// readReg returns the dword register at off (dword aligned).
func (c *Controller) readReg(off uint64) uint64 {
	cp := c.capValue()
	switch off {
	case regCAP:
		return cp & 0xFFFFFFFF
	case regCAP + 4:
		return cp >> 32
	case regVS:
		return versionNVMe
	case regINTMS, regINTMC:
		return uint64(c.intms)
	case regCC:
		return uint64(c.cc)
	case regCSTS:
		return uint64(c.csts)
	case regAQA:
		return uint64(c.aqa)
	case regASQ:
		return c.asq & 0xFFFFFFFF
	case regASQ + 4:
		return c.asq >> 32
	case regACQ:
		return c.acq & 0xFFFFFFFF
	case regACQ + 4:
		return c.acq >> 32
	}
	return 0 // reserved, NSSR (unsupported), doorbells (write-only)
}

func (c *Controller) writeReg(off uint64, v uint32) {
	switch {
	case off >= doorbellBase:
		c.doorbell(off, v)
	case off == regINTMS || off == regINTMC:
		// Pin-based and single-message interrupts only; with MSI-X the
		// registers are not to be used.
		if c.msix.Enabled() {
			return
		}
		if off == regINTMS {
			c.intms |= v
		} else {
			c.intms &^= v
		}
		c.updateINTx()
	case off == regCC:
		c.writeCC(v)
	case off == regAQA:
		c.aqa = v & aqaWritable
	case off == regASQ:
		c.asq = (c.asq&^0xFFFFFFFF | uint64(v)) & asqWritable
	case off == regASQ+4:
		c.asq = c.asq&0xFFFFFFFF | uint64(v)<<32
	case off == regACQ:
		c.acq = (c.acq&^0xFFFFFFFF | uint64(v)) & asqWritable
	case off == regACQ+4:
		c.acq = c.acq&0xFFFFFFFF | uint64(v)<<32
	}
}

// writeCC applies a write to CC: enabling validates the configuration and
// creates the admin queues, disabling resets the controller, and a new
// shutdown notification starts a shutdown.
func (c *Controller) writeCC(v uint32) {
	v &= ccWritable
	old := c.cc
	if old&ccEN != 0 && v&ccEN != 0 {
		// Only the shutdown notification may change while enabled.
		v = old&^ccSHN | v&ccSHN
	}
	c.cc = v
	switch {
	case old&ccEN == 0 && v&ccEN != 0:
		c.enable()
	case old&ccEN != 0 && v&ccEN == 0:
		c.reset(false)
	}
	oldSHN, newSHN := old&ccSHN, v&ccSHN
	switch {
	case newSHN != 0 && oldSHN == 0:
		c.shutdown()
	case newSHN == 0 && oldSHN != 0:
		c.clock.Cancel(c.shnAlarm)
		c.csts &^= cstsSHST
	}
}

// enable checks CC, AQA, ASQ and ACQ as QEMU does; a configuration the
// controller cannot run is a fatal error (CSTS.CFS), otherwise the admin
// queues exist and CSTS.RDY follows after the ready delay.
func (c *Controller) enable() {
	cc := c.cc
	asqs, acqs := c.aqa&0xFFF, c.aqa>>16&0xFFF
	switch {
	case cc>>ccCSSShift&7 != 0, cc>>ccMPSShift&0xF != 0, cc>>ccAMSShift&7 != 0,
		cc>>ccIOSQESShift&0xF != 6, cc>>ccIOCQESShift&0xF != 4,
		c.asq == 0, c.acq == 0, asqs == 0, acqs == 0:
		c.fatal("invalid controller configuration at enable")
		return
	}
	c.failed = false
	c.csts &^= cstsCFS
	cq := c.newCQ(0, c.acq, acqs+1, true, 0)
	c.newSQ(0, c.asq, asqs+1, cq)
	if c.c.ReadyDelay == 0 {
		c.csts |= cstsRDY
		return
	}
	c.readyAlarm = c.clock.After(c.c.ReadyDelay, func() {
		if c.cc&ccEN != 0 && !c.failed {
			c.csts |= cstsRDY
		}
	})
}

func (c *Controller) ready() bool { return c.csts&cstsRDY != 0 && !c.failed }

// shutdown reports "occurring", flushes every namespace after the flush
// latency, then reports "complete".
func (c *Controller) shutdown() {
	c.csts = c.csts&^cstsSHST | shstOccurring
	c.clock.Cancel(c.shnAlarm)
	c.shnAlarm = c.clock.After(c.c.Latency.Flush, func() {
		for _, ns := range c.ns {
			if err := ns.img.Flush(); err != nil {
				c.observeText("shutdown: flush failed: " + err.Error())
			}
		}
		c.csts = c.csts&^cstsSHST | shstComplete
	})
}

// reset is a Controller Level Reset (full: a function or conventional
// reset, which also clears the admin queue registers): queues deleted,
// commands in flight and outstanding AERs dropped without completion,
// features back to their defaults. Logs and SMART counters survive.
func (c *Controller) reset(full bool) {
	for _, sq := range c.sqs {
		if sq != nil {
			for _, cmd := range sq.inflight {
				c.clock.Cancel(cmd.alarm)
				c.recycle(cmd)
			}
		}
	}
	for _, cmd := range c.aers {
		c.recycle(cmd)
	}
	clear(c.sqs)
	clear(c.cqs)
	c.aers, c.events, c.masked = c.aers[:0], c.events[:0], [8]bool{}
	c.clock.Cancel(c.fetchAlarm)
	c.clock.Cancel(c.readyAlarm)
	for i := range c.vec {
		c.clock.Cancel(c.vec[i].alarm)
		c.vec[i] = vectorState{}
	}
	c.queuesCreated = false
	c.intms = 0
	c.failed = false
	c.csts &^= cstsRDY | cstsCFS
	c.feat.reset(c)
	if full {
		c.clock.Cancel(c.shnAlarm)
		c.cc, c.csts, c.aqa, c.asq, c.acq = 0, 0, 0, 0, 0
	}
	c.pci.SetINTx(false)
	c.observeText("controller reset")
}

// fatal stops the controller: CSTS.CFS is set and nothing more is fetched
// or posted until the host resets it.
func (c *Controller) fatal(why string) {
	c.failed = true
	c.csts |= cstsCFS
	c.clock.Cancel(c.fetchAlarm)
	c.observeText("fatal: " + why)
}
