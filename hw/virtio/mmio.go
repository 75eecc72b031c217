package virtio

import (
	"errors"
	"fmt"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// virtio-mmio registers (virtio 1.1 §4.2.2 and §4.2.4 for legacy).
const (
	regMagic            = 0x000
	regVersion          = 0x004
	regDeviceID         = 0x008
	regVendorID         = 0x00C
	regDeviceFeatures   = 0x010
	regDeviceFeatSel    = 0x014
	regDriverFeatures   = 0x020
	regDriverFeatSel    = 0x024
	regGuestPageSize    = 0x028 // legacy
	regQueueSel         = 0x030
	regQueueNumMax      = 0x034
	regQueueNum         = 0x038
	regQueueAlign       = 0x03C // legacy
	regQueuePFN         = 0x040 // legacy
	regQueueReady       = 0x044
	regQueueNotify      = 0x050
	regInterruptStatus  = 0x060
	regInterruptACK     = 0x064
	regStatus           = 0x070
	regQueueDescLow     = 0x080
	regQueueDescHigh    = 0x084
	regQueueDriverLow   = 0x090
	regQueueDriverHigh  = 0x094
	regQueueDeviceLow   = 0x0A0
	regQueueDeviceHigh  = 0x0A4
	regSHMSel           = 0x0AC
	regSHMLenLow        = 0x0B0
	regSHMLenHigh       = 0x0B4
	regSHMBaseLow       = 0x0B8
	regSHMBaseHigh      = 0x0BC
	regConfigGeneration = 0x0FC
	regConfig           = 0x100

	// MMIOSize is the transport's register window (QEMU's 0x200; the rest
	// of a board's 4 KiB slot faults as on QEMU).
	MMIOSize = 0x200

	magicValue = 0x74726976 // "virt"
	// VendorQEMU is QEMU's vendor ID, "QEMU" little-endian.
	VendorQEMU = 0x554D4551

	intUsedBuffer   = 1 << 0
	intConfigChange = 1 << 1
)

// Device status bits (§2.1).
const (
	StatusAcknowledge      = 1
	StatusDriver           = 2
	StatusDriverOK         = 4
	StatusFeaturesOK       = 8
	StatusDeviceNeedsReset = 64
	StatusFailed           = 128
)

// Transport feature bits (§6).
const (
	FeatureIndirectDesc = 1 << 28
	FeatureEventIdx     = 1 << 29
	FeatureVersion1     = 1 << 32
)

// Device is what sits behind a transport.
type Device interface {
	// DeviceID is the virtio device type (2 = block).
	DeviceID() uint32
	// Features lists the device-specific and ring features offered (the
	// transport adds VERSION_1 in modern mode).
	Features() uint64
	// Config returns the device configuration space (little-endian).
	Config() []byte
	// NumQueues is how many virtqueues the device has.
	NumQueues() int
	// Latency is how long the request in chain takes to complete.
	Latency(c *Chain) sim.Time
	// Handle performs the request and returns how many bytes it wrote to
	// the chain's writable buffers (the used length). An error wrapping
	// ErrBadQueue puts the device in DEVICE_NEEDS_RESET.
	Handle(queue int, c *Chain) (uint32, error)
	// Submitted is told of each request as it is taken from the ring.
	Submitted(queue int, c *Chain)
	// Reset returns the device to its initial state.
	Reset()
}

// MMIOConfig describes one virtio-mmio slot.
type MMIOConfig struct {
	Name string
	// Legacy selects the version 1 register layout, which QEMU 7.2's virt
	// machine uses by default (force-legacy=true); false gives version 2.
	Legacy bool
	// QueueNumMax is the largest queue size accepted (QEMU: 1024).
	QueueNumMax uint32
	Bus         *mem.Bus
	Clock       *sim.Clock
	// Device is the device in the slot; nil is an empty slot (DeviceID 0).
	Device Device
	IRQ    sim.Line
	Obs    sim.Observer
}

// MMIO is the virtio-mmio transport.
type MMIO struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs         sim.Observer
	cfg         MMIOConfig
	dev         Device
	status      uint32
	devFeatSel  uint32
	drvFeatSel  uint32
	drvFeatures uint64
	queueSel    uint32
	pageSize    uint32
	queues      []queue
	intStatus   uint32
	generation  uint32
	inflight    map[*sim.Alarm]struct{}
	irq         bool
	// IRQ is the interrupt output.
	IRQ sim.Line
}

// NewMMIO builds a transport.
func NewMMIO(cfg MMIOConfig) (*MMIO, error) {
	if cfg.Device != nil && (cfg.Bus == nil || cfg.Clock == nil) {
		return nil, fmt.Errorf("virtio-mmio %s: a device needs a bus and a clock", cfg.Name)
	}
	if cfg.QueueNumMax == 0 {
		cfg.QueueNumMax = 1024
	}
	if cfg.QueueNumMax > 32768 || cfg.QueueNumMax&(cfg.QueueNumMax-1) != 0 {
		return nil, fmt.Errorf("virtio-mmio %s: queue size %d is not a power of two <= 32768", cfg.Name, cfg.QueueNumMax)
	}
	m := &MMIO{cfg: cfg, Obs: cfg.Obs, dev: cfg.Device, IRQ: cfg.IRQ, inflight: map[*sim.Alarm]struct{}{}}
	if m.dev != nil {
		m.queues = make([]queue, m.dev.NumQueues())
	}
	m.reset()
	return m, nil
}

// Status returns the device status register.
func (m *MMIO) Status() uint32 { return m.status }

func (m *MMIO) offered() uint64 {
	f := m.dev.Features()
	if m.cfg.Legacy {
		return f &^ FeatureVersion1
	}
	return f | FeatureVersion1
}

func (m *MMIO) version() uint32 {
	if m.cfg.Legacy {
		return 1
	}
	return 2
}

// Read implements mem.Device.
func (m *MMIO) Read(off uint64, size int) (uint64, bool) {
	if off >= MMIOSize || off+uint64(size) > MMIOSize || (size != 1 && size != 2 && size != 4 && size != 8) {
		return 0, false
	}
	v := m.read(off, size)
	m.observeMMIO(off, v, size, false)
	return v, true
}

func (m *MMIO) read(off uint64, size int) uint64 {
	if off >= regConfig {
		return m.readConfig(off-regConfig, size)
	}
	if size != 4 || off%4 != 0 {
		return 0 // QEMU: wrong-size register reads return 0
	}
	switch off {
	case regMagic:
		return magicValue
	case regVersion:
		return uint64(m.version())
	case regDeviceID:
		if m.dev == nil {
			return 0
		}
		return uint64(m.dev.DeviceID())
	case regVendorID:
		return VendorQEMU
	}
	if m.dev == nil {
		return 0
	}
	q := m.selected()
	switch off {
	case regDeviceFeatures:
		if m.cfg.Legacy && m.devFeatSel != 0 {
			return 0
		}
		if m.devFeatSel > 1 {
			return 0
		}
		return m.offered() >> (32 * m.devFeatSel) & 0xFFFF_FFFF
	case regQueueNumMax:
		if q == nil {
			return 0
		}
		return uint64(m.cfg.QueueNumMax)
	case regQueuePFN:
		if q == nil || !m.cfg.Legacy {
			return 0
		}
		return uint64(q.pfn)
	case regQueueReady:
		if q == nil || m.cfg.Legacy {
			return 0
		}
		return uint64(b2u(q.ready))
	case regInterruptStatus:
		return uint64(m.intStatus)
	case regStatus:
		return uint64(m.status)
	case regSHMLenLow, regSHMLenHigh, regSHMBaseLow, regSHMBaseHigh:
		return 0xFFFF_FFFF // no shared memory regions
	case regConfigGeneration:
		if m.cfg.Legacy {
			return 0
		}
		return uint64(m.generation)
	}
	return 0
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func (m *MMIO) readConfig(off uint64, size int) uint64 {
	if m.dev == nil {
		return 0
	}
	cfg := m.dev.Config()
	if off+uint64(size) > uint64(len(cfg)) {
		return ^uint64(0) >> (64 - 8*size) // QEMU: all ones past the config
	}
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(cfg[off+uint64(i)])
	}
	return v
}

func (m *MMIO) selected() *queue {
	if int(m.queueSel) < len(m.queues) {
		return &m.queues[m.queueSel]
	}
	return nil
}

// Write implements mem.Device.
func (m *MMIO) Write(off uint64, size int, v uint64) bool {
	if off >= MMIOSize || off+uint64(size) > MMIOSize || (size != 1 && size != 2 && size != 4 && size != 8) {
		return false
	}
	m.observeMMIO(off, v, size, true)
	if m.dev == nil || off >= regConfig || size != 4 || off%4 != 0 {
		// Empty slot, wrong size, or config space (the block device has no
		// writable config fields it offers): ignored, as QEMU.
		return true
	}
	m.write(off, uint32(v))
	return true
}

func (m *MMIO) write(off uint64, v uint32) {
	q := m.selected()
	switch off {
	case regDeviceFeatSel:
		m.devFeatSel = v
	case regDriverFeatures:
		m.setDriverFeatures(v)
	case regDriverFeatSel:
		m.drvFeatSel = v
	case regGuestPageSize:
		if m.cfg.Legacy {
			m.pageSize = v
		}
	case regQueueSel:
		m.queueSel = v
	case regQueueNum:
		if q != nil && v <= m.cfg.QueueNumMax && v&(v-1) == 0 {
			q.num = v
			if m.cfg.Legacy {
				q.legacyLayout(m.pageSize)
				q.ready = q.pfn != 0 && v != 0
			}
		}
	case regQueueAlign:
		if q != nil && m.cfg.Legacy {
			q.align = v
			q.legacyLayout(m.pageSize)
		}
	case regQueuePFN:
		m.writePFN(q, v)
	case regQueueReady:
		if q != nil && !m.cfg.Legacy {
			q.ready = v&1 != 0
		}
	case regQueueNotify:
		m.notify(v)
	case regInterruptACK:
		m.intStatus &^= v
		m.updateIRQ()
	case regStatus:
		m.writeStatus(v)
	case regQueueDescLow, regQueueDescHigh, regQueueDriverLow, regQueueDriverHigh, regQueueDeviceLow, regQueueDeviceHigh:
		if q != nil && !m.cfg.Legacy && !q.ready {
			m.setQueueAddr(q, off, v)
		}
	case regSHMSel:
	}
}

func (m *MMIO) setDriverFeatures(v uint32) {
	if m.cfg.Legacy && m.drvFeatSel != 0 {
		return
	}
	if m.drvFeatSel > 1 || m.status&StatusFeaturesOK != 0 {
		return
	}
	shift := 32 * m.drvFeatSel
	m.drvFeatures = m.drvFeatures&^(0xFFFF_FFFF<<shift) | uint64(v)<<shift
}

// writePFN sets a legacy queue's page frame; zero resets the device, as
// QEMU does (drivers write 0 when they tear the queue down).
func (m *MMIO) writePFN(q *queue, v uint32) {
	if q == nil || !m.cfg.Legacy {
		return
	}
	if v == 0 {
		m.reset()
		return
	}
	q.pfn = v
	q.legacyLayout(m.pageSize)
	q.ready = q.num != 0
}

func (m *MMIO) setQueueAddr(q *queue, off uint64, v uint32) {
	set := func(p *uint64, high bool) {
		if high {
			*p = *p&0xFFFF_FFFF | uint64(v)<<32
		} else {
			*p = *p&^0xFFFF_FFFF | uint64(v)
		}
	}
	switch off {
	case regQueueDescLow, regQueueDescHigh:
		set(&q.desc, off == regQueueDescHigh)
	case regQueueDriverLow, regQueueDriverHigh:
		set(&q.avail, off == regQueueDriverHigh)
	default:
		set(&q.used, off == regQueueDeviceHigh)
	}
}

func (m *MMIO) writeStatus(v uint32) {
	if v == 0 {
		m.reset()
		return
	}
	v &= 0xFF
	if v&StatusFeaturesOK != 0 && m.status&StatusFeaturesOK == 0 && !m.featuresAcceptable() {
		v &^= StatusFeaturesOK // §2.2.2: refuse, the driver reads it back
	}
	m.status = v | m.status&StatusDeviceNeedsReset
}

// featuresAcceptable: only offered features, and VERSION_1 in modern mode.
func (m *MMIO) featuresAcceptable() bool {
	if m.drvFeatures&^m.offered() != 0 {
		return false
	}
	return m.cfg.Legacy || m.drvFeatures&FeatureVersion1 != 0
}

func (m *MMIO) reset() {
	for a := range m.inflight {
		m.cfg.Clock.Cancel(a)
	}
	clear(m.inflight)
	m.status, m.devFeatSel, m.drvFeatSel, m.drvFeatures, m.queueSel, m.intStatus = 0, 0, 0, 0, 0, 0
	m.pageSize = 4096
	for i := range m.queues {
		m.queues[i].reset()
	}
	if m.dev != nil {
		m.dev.Reset()
	}
	m.updateIRQ()
}

// notify takes every available chain of queue qi and schedules its
// completion after the device's latency.
func (m *MMIO) notify(qi uint32) {
	if int(qi) >= len(m.queues) || m.status&StatusDriverOK == 0 || m.status&StatusDeviceNeedsReset != 0 {
		return
	}
	q := &m.queues[qi]
	if !q.ready || q.num == 0 {
		return
	}
	indirect := m.drvFeatures&FeatureIndirectDesc != 0
	for {
		c, ok, err := q.pop(m.cfg.Bus, indirect)
		if err != nil {
			m.fail(err)
			return
		}
		if !ok {
			return
		}
		m.dev.Submitted(int(qi), c)
		m.schedule(int(qi), c)
	}
}

func (m *MMIO) schedule(qi int, c *Chain) {
	var a *sim.Alarm
	a = m.cfg.Clock.After(m.dev.Latency(c), func() {
		delete(m.inflight, a)
		m.complete(qi, c)
	})
	m.inflight[a] = struct{}{}
}

func (m *MMIO) complete(qi int, c *Chain) {
	if m.status&StatusDeviceNeedsReset != 0 {
		return
	}
	n, err := m.dev.Handle(qi, c)
	if err != nil {
		m.fail(err)
		return
	}
	q := &m.queues[qi]
	if err := q.push(m.cfg.Bus, c.Head, n); err != nil {
		m.fail(err)
		return
	}
	flags, err := q.availFlags(m.cfg.Bus)
	if err != nil {
		m.fail(err)
		return
	}
	if flags&availFNoInterr == 0 {
		m.intStatus |= intUsedBuffer
		m.updateIRQ()
	}
}

// fail enters DEVICE_NEEDS_RESET and tells the driver with a configuration
// change interrupt (§2.1.2).
func (m *MMIO) fail(err error) {
	if !errors.Is(err, ErrBadQueue) {
		err = fmt.Errorf("%w: %v", ErrBadQueue, err)
	}
	m.status |= StatusDeviceNeedsReset
	if m.Obs != nil {
		m.Obs.Observe(&sim.Event{Kind: sim.KindDevice, Hart: -1, Device: m.cfg.Name, Text: "virtio: device needs reset: " + err.Error()})
	}
	if m.status&StatusDriverOK != 0 {
		m.generation++
		m.intStatus |= intConfigChange
		m.updateIRQ()
	}
}

func (m *MMIO) updateIRQ() {
	lvl := m.intStatus != 0
	if lvl != m.irq {
		m.irq = lvl
		m.IRQ.Set(lvl)
	}
}

// IRQLevel reports the interrupt output.
func (m *MMIO) IRQLevel() bool { return m.irq }

func (m *MMIO) observeMMIO(off, v uint64, size int, write bool) {
	if m.Obs == nil {
		return
	}
	m.Obs.Observe(&sim.Event{Kind: sim.KindMMIO, Hart: -1, Device: m.cfg.Name, Addr: off, Value: v, Size: uint8(size), Write: write})
}
