package misc

import (
	"fmt"

	"cosim/hw/sim"
)

// SiFive I2C = OpenCores I2C master registers at reg-shift 2 (OpenSBI
// lib/utils/i2c/fdt_i2c_sifive.c, Linux i2c-ocores).
const (
	i2cPRELO = 0x00
	i2cPREHI = 0x04
	i2cCTR   = 0x08
	i2cTXR   = 0x0C // RXR on read
	i2cCR    = 0x10 // SR on read
	// I2CSize is the register window.
	I2CSize = 0x1000

	ctrEN  = 1 << 7
	ctrIEN = 1 << 6

	crSTA  = 1 << 7
	crSTO  = 1 << 6
	crRD   = 1 << 5
	crWR   = 1 << 4
	crACK  = 1 << 3 // when set, the master answers a read with NACK
	crIACK = 1 << 0

	srRxACK = 1 << 7
	srBUSY  = 1 << 6
	srAL    = 1 << 5
	srTIP   = 1 << 1
	srIF    = 1 << 0
)

// I2CTarget is a device on the bus. Start reports whether it acknowledges
// its address; Send whether it acknowledges a data byte; Recv
// returns the next byte (nack tells it the master ends the read). Stop ends
// the transaction.
type I2CTarget interface {
	Start(read bool) bool
	Send(b byte) bool
	Recv(nack bool) byte
	Stop()
}

// I2CConfig describes the controller.
type I2CConfig struct {
	Name string
	// CTRReset is CTR after reset. The core resets to 0 (disabled), but
	// on a real board U-Boot has enabled it before OpenSBI or Linux use
	// it, and OpenSBI's driver never sets EN itself; so the default,
	// chosen when CTRResetSet is false, is EN (0x80). *Unverified*: what
	// exactly the earlier boot stages leave here.
	CTRReset    uint8
	CTRResetSet bool
	IRQ         sim.Line
	Obs         sim.Observer
}

// I2C is the bus master. A command completes at once (TIP is never seen
// set): the model has no notion of SCL time, and every driver polls TIP or
// waits for IF before looking at the result.
type I2C struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs     sim.Observer
	cfg     I2CConfig
	pre     uint16
	ctr     uint8
	txr     uint8
	rxr     uint8
	sr      uint8
	targets map[uint8]I2CTarget
	cur     I2CTarget
	reading bool
	irq     bool
	// IRQ is the interrupt output.
	IRQ sim.Line
}

// NewI2C builds the controller with no targets.
func NewI2C(cfg I2CConfig) *I2C {
	if !cfg.CTRResetSet {
		cfg.CTRReset = ctrEN
	}
	return &I2C{cfg: cfg, Obs: cfg.Obs, pre: 0xFFFF, ctr: cfg.CTRReset, targets: map[uint8]I2CTarget{}, IRQ: cfg.IRQ}
}

// Attach puts t on the bus at 7-bit address addr.
func (c *I2C) Attach(addr uint8, t I2CTarget) error {
	if addr > 0x7F {
		return fmt.Errorf("i2c %s: address %#x is not 7-bit", c.cfg.Name, addr)
	}
	if _, dup := c.targets[addr]; dup {
		return fmt.Errorf("i2c %s: address %#x already taken", c.cfg.Name, addr)
	}
	c.targets[addr] = t
	return nil
}

// Read implements mem.Device: byte registers at 4-byte strides, read as
// bytes (Linux, reg-io-width 1) or words (OpenSBI).
func (c *I2C) Read(off uint64, size int) (uint64, bool) {
	if (size != 1 && size != 4) || off%4 != 0 || off >= I2CSize {
		return 0, false
	}
	var v uint8
	switch off {
	case i2cPRELO:
		v = uint8(c.pre)
	case i2cPREHI:
		v = uint8(c.pre >> 8)
	case i2cCTR:
		v = c.ctr
	case i2cTXR:
		v = c.rxr
	case i2cCR:
		v = c.sr
	}
	observeMMIO(c.Obs, c.cfg.Name, off, uint64(v), size, false)
	return uint64(v), true
}

// Write implements mem.Device.
func (c *I2C) Write(off uint64, size int, v uint64) bool {
	if (size != 1 && size != 4) || off%4 != 0 || off >= I2CSize {
		return false
	}
	observeMMIO(c.Obs, c.cfg.Name, off, v, size, true)
	b := uint8(v)
	switch off {
	case i2cPRELO:
		c.pre = c.pre&0xFF00 | uint16(b)
	case i2cPREHI:
		c.pre = c.pre&0x00FF | uint16(b)<<8
	case i2cCTR:
		c.ctr = b & (ctrEN | ctrIEN)
	case i2cTXR:
		c.txr = b
	case i2cCR:
		c.command(b)
	}
	c.update()
	return true
}

// command runs CR's bits in the order the core does: acknowledge the old
// interrupt, then START, the byte transfer, STOP.
func (c *I2C) command(cr uint8) {
	if cr&crIACK != 0 {
		c.sr &^= srIF
	}
	if c.ctr&ctrEN == 0 || cr&(crSTA|crSTO|crRD|crWR) == 0 {
		return
	}
	if cr&crSTA != 0 {
		c.start()
	}
	switch {
	case cr&crWR != 0 && cr&crSTA != 0:
		c.address(c.txr)
	case cr&crWR != 0:
		c.writeByte(c.txr)
	case cr&crRD != 0:
		c.readByte(cr&crACK != 0)
	}
	if cr&crSTO != 0 {
		c.stop()
	}
	c.sr |= srIF
}

func (c *I2C) start() {
	if c.cur != nil {
		c.cur.Stop() // repeated start ends the target's current transfer
	}
	c.cur = nil
	c.sr |= srBUSY
}

func (c *I2C) address(b uint8) {
	t := c.targets[b>>1]
	c.reading = b&1 != 0
	if t != nil && t.Start(c.reading) {
		c.cur = t
		c.sr &^= srRxACK
		return
	}
	c.cur = nil
	c.sr |= srRxACK
}

func (c *I2C) writeByte(b uint8) {
	if c.cur != nil && !c.reading && c.cur.Send(b) {
		c.sr &^= srRxACK
		return
	}
	c.sr |= srRxACK
}

func (c *I2C) readByte(nack bool) {
	if c.cur != nil && c.reading {
		c.rxr = c.cur.Recv(nack)
		return
	}
	c.rxr = 0xFF // nobody drives SDA: the pull-up reads ones
}

func (c *I2C) stop() {
	if c.cur != nil {
		c.cur.Stop()
	}
	c.cur = nil
	c.sr &^= srBUSY
}

func (c *I2C) update() {
	lvl := c.sr&srIF != 0 && c.ctr&ctrIEN != 0
	if lvl != c.irq {
		c.irq = lvl
		c.IRQ.Set(lvl)
	}
}
