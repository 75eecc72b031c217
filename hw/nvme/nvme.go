// Package nvme owns the NVMe 1.4 controller model: its PCI function
// (QEMU-compatible IDs and layout: BAR0 with registers, doorbells, MSI-X
// table and PBA), the controller registers and enable/shutdown handshakes,
// admin and I/O queues with their doorbells and phase tags, the admin
// command set (Identify, queue management, features, log pages, Abort,
// Asynchronous Event Request) and the NVM command set (Read, Write, Flush,
// Compare, Write Zeroes, Dataset Management) on namespaces backed by disk
// images, with the volatile write cache's durability rules on top of
// hw/blockdev.
//
// Time: a doorbell write schedules the fetch of new commands on the
// engine's clock; each command runs (data transfer, media access) and
// completes after the latency the board gives its kind, so a run is
// deterministic. Nothing a guest writes may panic the simulator: every bad
// command completes with the status the specification gives it, every
// unusable queue memory sets CSTS.CFS.
//
// It must not know the host bridge or board it sits on (hw/pcie carries
// its interrupts and DMA), nor what listens to its events.
package nvme

import (
	"fmt"

	"cosim/hw/blockdev"
	"cosim/hw/mem"
	"cosim/hw/pcie"
	"cosim/hw/sim"
)

// WriteCache says whether the controller has a volatile write cache and how
// it starts.
type WriteCache uint8

// Write cache modes.
const (
	WriteCacheOn   WriteCache = iota // present, enabled at reset (QEMU's default)
	WriteCacheOff                    // present, disabled at reset
	WriteCacheNone                   // absent: every write is durable at completion
)

// Latency is how long commands take, from fetch to completion.
type Latency struct {
	Admin, Read, Write, Flush, Other sim.Time
	// PerPage is added for every 4 KiB a command transfers.
	PerPage sim.Time
}

// Config describes a controller. Zero fields take QEMU 7.2's defaults.
type Config struct {
	Name     string // instance name in events and errors
	Serial   string // Identify SN (up to 20 characters)
	Model    string // Identify MN (up to 40); default "QEMU NVMe Ctrl"
	Firmware string // Identify FR (up to 8); default "cosim"
	// SubsystemNQN defaults to "nqn.2019-08.org.qemu:" + Serial, as QEMU.
	SubsystemNQN string
	// MaxIOQueuePairs is how many I/O submission and completion queues
	// the controller allocates (default 64).
	MaxIOQueuePairs int
	// MSIXVectors is the MSI-X table size (default MaxIOQueuePairs + 1).
	MSIXVectors int
	// MQES is the largest queue size, 0-based (default 2047).
	MQES uint16
	// MDTS is the maximum transfer, as a power of two of 4 KiB pages
	// (default 7: 512 KiB).
	MDTS uint8
	// MaxNamespaces is NN, the largest namespace ID (default 256); the
	// namespaces given to New are 1..n, the rest inactive.
	MaxNamespaces uint32
	WriteCache    WriteCache
	// ReadyDelay is how long CSTS.RDY takes to follow CC.EN = 1 (zero:
	// at once). It is bounded by CAP.TO.
	ReadyDelay sim.Time
	Latency    Latency
}

// Namespace is one namespace's backing image and logical block size.
type Namespace struct {
	Image *blockdev.Image
	// LBAShift is log2 of the logical block size: 9 (default) or 12.
	LBAShift uint8
}

type namespace struct {
	img      *blockdev.Image
	shift    uint8
	blocks   uint64
	readOnly bool
	stats    counters
}

// counters are what the SMART / Health log reports.
type counters struct {
	bytesRead, bytesWritten uint64
	readCmds, writeCmds     uint64
	mediaErrors             uint64
}

// Controller is one NVMe controller with its PCI function. Obs, when set,
// receives a KindDevice event for every command fetched and every
// completion posted.
type Controller struct {
	c     Config
	clock *sim.Clock
	pci   *pcie.Config
	msix  *pcie.MSIX
	ns    []*namespace
	Obs   sim.Observer

	layout barLayout

	// Registers.
	cc, csts, aqa, intms uint32
	asq, acq             uint64
	readyAlarm, shnAlarm *sim.Alarm
	failed               bool // CSTS.CFS: the controller stopped

	// Queues, indexed by queue ID.
	sqs        []*subQueue
	cqs        []*complQueue
	fetchAlarm *sim.Alarm
	fetchFn    func()

	queuesCreated bool
	feat          features
	vec           []vectorState

	aers     []*command
	events   []event
	masked   [8]bool // event types awaiting their log page
	errLog   []errorEntry
	errCount uint64

	free []*command
	buf  []byte
	segs []segment
	sqe  [64]byte
}

// barLayout is where BAR0's parts lie: registers and doorbells, then the
// MSI-X table and PBA, each 4 KiB aligned, the BAR a power of two (as
// QEMU lays it out).
type barLayout struct {
	doorbellEnd, table, pba, size uint64
}

const (
	pageShift        = 12
	pageSize         = 1 << pageShift
	doorbellBase     = 0x1000
	sqEntrySize      = 64
	cqEntrySize      = 16
	maxErrorEntries  = 1 // ELPE 0, as QEMU
	defaultQueues    = 64
	defaultMQES      = 2047
	defaultMDTS      = 7
	defaultNN        = 256
	maxEventsQueued  = 16
	pcieCapOffset    = 0x80
	pmCapOffset      = 0x60
	msixCapOffset    = 0x40
	defaultModel     = "QEMU NVMe Ctrl"
	defaultFirmware  = "cosim"
	nqnPrefix        = "nqn.2019-08.org.qemu:"
	pciVendorRedHat  = 0x1b36
	pciDeviceNVMe    = 0x0010
	pciClassNVMe     = 0x010802
	pciSubVendorQEMU = 0x1af4
	pciSubsystemQEMU = 0x1100
)

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }

func pow2ceil(v uint64) uint64 {
	p := uint64(1)
	for p < v {
		p <<= 1
	}
	return p
}

func computeLayout(queues, vectors int) barLayout {
	var l barLayout
	l.doorbellEnd = doorbellBase + uint64(2*queues*4)
	l.table = alignUp(l.doorbellEnd, pageSize)
	l.pba = alignUp(l.table+uint64(16*vectors), pageSize)
	l.size = pow2ceil(l.pba + uint64(8*((vectors+63)/64)))
	return l
}

// New builds a controller over the given namespaces (NSID 1, 2, ...).
func New(cfg Config, clock *sim.Clock, namespaces ...Namespace) (*Controller, error) {
	if clock == nil {
		return nil, fmt.Errorf("nvme: %s: no clock", cfg.Name)
	}
	if err := cfg.fillDefaults(); err != nil {
		return nil, err
	}
	if len(namespaces) > int(cfg.MaxNamespaces) {
		return nil, fmt.Errorf("nvme: %s: %d namespaces, NN is %d", cfg.Name, len(namespaces), cfg.MaxNamespaces)
	}
	c := &Controller{c: cfg, clock: clock}
	for i, n := range namespaces {
		ns, err := newNamespace(n)
		if err != nil {
			return nil, fmt.Errorf("nvme: %s: namespace %d: %w", cfg.Name, i+1, err)
		}
		c.ns = append(c.ns, ns)
	}
	queues := cfg.MaxIOQueuePairs + 1
	c.sqs = make([]*subQueue, queues)
	c.cqs = make([]*complQueue, queues)
	c.vec = make([]vectorState, cfg.MSIXVectors)
	c.fetchFn = c.fetch
	c.layout = computeLayout(queues, cfg.MSIXVectors)
	if err := c.buildPCI(); err != nil {
		return nil, fmt.Errorf("nvme: %s: %w", cfg.Name, err)
	}
	c.feat.reset(c)
	return c, nil
}

func (cfg *Config) fillDefaults() error {
	if cfg.Name == "" {
		cfg.Name = "nvme"
	}
	if cfg.Model == "" {
		cfg.Model = defaultModel
	}
	if cfg.Firmware == "" {
		cfg.Firmware = defaultFirmware
	}
	if cfg.SubsystemNQN == "" {
		cfg.SubsystemNQN = nqnPrefix + cfg.Serial
	}
	if cfg.MaxIOQueuePairs == 0 {
		cfg.MaxIOQueuePairs = defaultQueues
	}
	if cfg.MaxIOQueuePairs < 1 || cfg.MaxIOQueuePairs > 511 {
		return fmt.Errorf("nvme: %s: %d I/O queue pairs (1..511)", cfg.Name, cfg.MaxIOQueuePairs)
	}
	if cfg.MSIXVectors == 0 {
		cfg.MSIXVectors = cfg.MaxIOQueuePairs + 1
	}
	if cfg.MSIXVectors < 1 || cfg.MSIXVectors > 2048 {
		return fmt.Errorf("nvme: %s: %d MSI-X vectors (1..2048)", cfg.Name, cfg.MSIXVectors)
	}
	if cfg.MQES == 0 {
		cfg.MQES = defaultMQES
	}
	if cfg.MDTS == 0 {
		cfg.MDTS = defaultMDTS
	}
	if cfg.MDTS > 12 {
		return fmt.Errorf("nvme: %s: MDTS %d too large (at most 12)", cfg.Name, cfg.MDTS)
	}
	if cfg.MaxNamespaces == 0 {
		cfg.MaxNamespaces = defaultNN
	}
	if len(cfg.Serial) > 20 || len(cfg.Model) > 40 || len(cfg.Firmware) > 8 || len(cfg.SubsystemNQN) > 255 {
		return fmt.Errorf("nvme: %s: serial, model, firmware or NQN too long", cfg.Name)
	}
	if max := sim.Time(timeoutUnits) * 500 * sim.Millisecond; cfg.ReadyDelay > max {
		return fmt.Errorf("nvme: %s: ready delay beyond CAP.TO (%d ms)", cfg.Name, max/sim.Millisecond)
	}
	return nil
}

func newNamespace(n Namespace) (*namespace, error) {
	if n.Image == nil {
		return nil, fmt.Errorf("no image")
	}
	if n.LBAShift == 0 {
		n.LBAShift = 9
	}
	if n.LBAShift != 9 && n.LBAShift != 12 {
		return nil, fmt.Errorf("logical block size 2^%d (512 or 4096 only)", n.LBAShift)
	}
	blocks := uint64(n.Image.Size()) >> n.LBAShift
	if blocks == 0 {
		return nil, fmt.Errorf("image %s smaller than one block", n.Image.Path())
	}
	return &namespace{img: n.Image, shift: n.LBAShift, blocks: blocks, readOnly: n.Image.ReadOnly()}, nil
}

// buildPCI lays out the function as QEMU's nvme device: IDs, BAR0 (64-bit,
// registers, doorbells, MSI-X table and PBA) and the capability list
// MSI-X (0x40) -> PCI Express (0x80) -> power management (0x60).
func (c *Controller) buildPCI() error {
	p := pcie.NewEndpoint(c.c.Name, pcie.ID{
		Vendor: pciVendorRedHat, Device: pciDeviceNVMe, Class: pciClassNVMe, Revision: 2,
		SubsystemVendor: pciSubVendorQEMU, Subsystem: pciSubsystemQEMU, InterruptPin: 1,
	})
	if err := p.SetBAR(0, pcie.BAR{Kind: pcie.BARMem64, Size: c.layout.size, Dev: bar0{c}}); err != nil {
		return err
	}
	m, err := pcie.AddMSIX(p, msixCapOffset, c.c.MSIXVectors, 0, uint32(c.layout.table), 0, uint32(c.layout.pba))
	if err != nil {
		return err
	}
	if err := p.AddPCIeCapability(pcieCapOffset, pcie.PCIeCap{PortType: pcie.PortEndpoint, FLR: true, MaxSpeed: 1, MaxWidth: 1}); err != nil {
		return err
	}
	if err := p.AddPMCapability(pmCapOffset); err != nil {
		return err
	}
	p.SetLinkStatus(pcieCapOffset, 1, 1, true)
	p.OnFunctionReset(func() { c.reset(true) })
	c.pci, c.msix = p, m
	return nil
}

// PCIConfig returns the controller's PCI function (attach it to a host).
func (c *Controller) PCIConfig() *pcie.Config { return c.pci }

// BAR0 returns the register block as a device (what the host routes BAR0
// accesses to).
func (c *Controller) BAR0() mem.Device { return bar0{c} }

// BARSize returns the size of BAR0.
func (c *Controller) BARSize() uint64 { return c.layout.size }

// Name returns the instance name.
func (c *Controller) Name() string { return c.c.Name }

// Close flushes every namespace's image (the images stay open: their owner
// closes them).
func (c *Controller) Close() error {
	var first error
	for i, ns := range c.ns {
		if err := ns.img.Flush(); err != nil && first == nil {
			first = fmt.Errorf("nvme: %s: namespace %d: %w", c.c.Name, i+1, err)
		}
	}
	return first
}
