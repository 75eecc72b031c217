package boards

import (
	"fmt"
	"sort"
	"time"
)

// Board is the validated IR of one board file, for one configuration (hart
// count and DRAM size, see WithHarts and WithDRAM). Treat it as read-only:
// the With* methods return new values.
type Board struct {
	Name  string // e.g. "qemu-virt"
	Model string // DTB /model
	// Compatible is the DTB root compatible list, most specific first.
	Compatible []string
	Family     Family
	// Source is where the board came from: "boards/qemu-virt.toml" for a
	// built-in board, the path given for any other.
	Source string

	TimebaseHz     uint64
	MemoryModel    MemoryModel
	ICacheCoherent bool
	// DTBOrder is the order of the root's and /soc's children in the DTB.
	DTBOrder DTBOrder

	// Harts present in this configuration: hart IDs 0..len-1.
	Harts []Hart
	// AllHarts are the harts the file declares; WithHarts takes a prefix.
	AllHarts []Hart
	// DefaultHarts is how many harts a run has unless told otherwise.
	DefaultHarts int

	L2 *L2Cache

	Buses   []Window // address windows device registers must lie in
	Memory  []Region
	Devices []Device

	Boot Boot

	// Console is the name of the UART for /chosen/stdout-path and the
	// kernel's console.
	Console string
	// Aliases are DTB /aliases: alias -> device name.
	Aliases map[string]string
	// Unverified maps a key (as written in the file) to a note on why its
	// value is a default rather than a checked fact.
	Unverified map[string]string

	src *source // the parsed file, kept so overrides re-run validation
}

// DTBOrder says how the DTB lists the children of / and /soc. U-Boot binds
// (and numbers) devices in tree order, so it shows in `dm tree`.
type DTBOrder string

const (
	// DTBOrderFile lists nodes in the order the board file declares them.
	DTBOrderFile DTBOrder = "file"
	// DTBOrderNewestFirst lists the most recently created node first, as
	// QEMU's trees do: libfdt's fdt_add_subnode inserts each new node
	// before its siblings. The board file then declares devices in QEMU's
	// creation order.
	DTBOrderNewestFirst DTBOrder = "newest-first"
)

// Family selects the guest kernel's arch layer.
type Family string

const (
	FamilyQEMUVirt    Family = "qemu-virt"
	FamilySiFiveFU740 Family = "sifive-fu740"
	FamilySiFiveFU540 Family = "sifive-fu540"
	FamilySpike       Family = "spike"
)

var families = []Family{FamilyQEMUVirt, FamilySiFiveFU740, FamilySiFiveFU540, FamilySpike}

// MemoryModel is the store-ordering model the engine applies.
type MemoryModel string

const (
	MemorySC    MemoryModel = "sc"
	MemoryTSO   MemoryModel = "tso"
	MemoryRVWMO MemoryModel = "rvwmo"
)

// Hart is one hart's fidelity knobs.
type Hart struct {
	ID   int
	Core string // free-form core name ("U74", "S7"), for pages
	// Compatible is the DTB cpu node compatible list (default ["riscv"]).
	Compatible []string
	ISA        string // e.g. "rv64imafdc_zicsr_zifencei"
	// Modes are the privilege modes: M always, S and U optional.
	SMode, UMode bool
	// MMU lists satp modes ("sv39", "sv48"); empty: no MMU.
	MMU            []string
	PMPEntries     int
	PMPGranularity uint64 // bytes
	AD             ADPolicy
	Misaligned     Misaligned
	// Boot says the hart may be chosen as the boot hart of an S-mode payload.
	Boot                       bool
	MVendorID, MArchID, MImpID uint64
	HPMCounters                int
	// PrivSpec is the privileged architecture version as major*100+minor
	// (110 for 1.10); 0 means the latest the hart model implements.
	PrivSpec int
	// NoTimeCSR: rdtime is an illegal instruction (SiFive U54/U74, QEMU's
	// sifive_u); M-mode firmware emulates it from the CLINT's mtime.
	NoTimeCSR      bool
	ClockHz        uint64
	Errata         []string // e.g. "cip-1200", "cip-453"
	ICache, DCache *Cache   // nil: none
	ITLB, DTLB     int      // entries; 0: not described
}

// HasErratum reports whether the hart has the named erratum.
func (h Hart) HasErratum(name string) bool {
	for _, e := range h.Errata {
		if e == name {
			return true
		}
	}
	return false
}

// MaxMMU is the largest satp mode ("sv48"), "" without an MMU.
func (h Hart) MaxMMU() string {
	best, bits := "", 0
	for _, m := range h.MMU {
		if b := mmuModes[m]; b > bits {
			best, bits = m, b
		}
	}
	return best
}

var mmuModes = map[string]int{"sv39": 39, "sv48": 48, "sv57": 57}

// ADPolicy: what a hart does with a leaf PTE whose A (or D for a store) is clear.
type ADPolicy string

const (
	ADHardware ADPolicy = "hardware" // set atomically during the walk (QEMU)
	ADFault    ADPolicy = "fault"    // page fault (SiFive U54/U74)
)

// Misaligned: what a misaligned load or store does.
type Misaligned string

const (
	MisalignedTrap    Misaligned = "trap"
	MisalignedEmulate Misaligned = "emulate"
)

// Cache is one cache's geometry, latencies and replacement policy.
type Cache struct {
	Size, Ways, Line uint64
	HitLatency       int // cycles a lookup costs
	MissLatency      int // cycles a miss adds (plus the next level's)
	Replacement      Replacement
}

// Replacement is how a cache picks the way a miss fills.
type Replacement string

const (
	// ReplaceRandom: a pseudo-random way, as SiFive documents for its
	// L1 and L2 caches (the default).
	ReplaceRandom Replacement = "random"
	// ReplaceLRU: the least recently used way.
	ReplaceLRU Replacement = "lru"
)

// Default cache latencies in cycles, for cache tables that give none.
const (
	DefaultL1HitLatency  = 1
	DefaultL1MissLatency = 20
	DefaultL2HitLatency  = 20
	DefaultL2MissLatency = 120
)

// Sets is Size / (Ways * Line).
func (c Cache) Sets() uint64 { return c.Size / (c.Ways * c.Line) }

// L2Cache is the shared cache and its controller.
type L2Cache struct {
	Cache
	Banks int
	// Controller names the l2cache device holding its registers.
	Controller string
	// DTSets overrides cache-sets in the DTB where the reference DTS
	// disagrees with the geometry (the FU540's Linux/QEMU trees say 1024).
	DTSets uint64
}

// Window is an address range.
type Window struct {
	Name string
	Base uint64
	Size uint64
}

// End is the first address after the window.
func (w Window) End() uint64 { return w.Base + w.Size }

// Contains reports whether [base, base+size) lies in w.
func (w Window) Contains(base, size uint64) bool {
	return base >= w.Base && size <= w.Size && base-w.Base <= w.Size-size
}

// Overlaps reports whether the two windows share an address.
func (w Window) Overlaps(o Window) bool {
	return w.Size != 0 && o.Size != 0 && w.Base < o.End() && o.Base < w.End()
}

// RegionKind is the kind of a memory region.
type RegionKind string

const (
	DRAM RegionKind = "dram"
	ROM  RegionKind = "rom"
	SRAM RegionKind = "sram"
)

// Region is plain memory.
type Region struct {
	Name string
	Kind RegionKind
	Base uint64
	Size uint64
}

// Window returns the region's address range.
func (r Region) Window() Window { return Window{Name: r.Name, Base: r.Base, Size: r.Size} }

// Boot is how a run starts.
type Boot struct {
	// Firmware is "builtin" (the Go SBI), "none" (the payload runs in M-mode
	// from reset, as riscv-tests do) or a path to a firmware image.
	Firmware    string
	ResetVector uint64
	Payload     uint64
	// FDT is where the DTB goes; FDTAuto means QEMU's rule (see FDTAddress).
	FDT     uint64
	FDTAuto bool
}

// FDTAddress is where a DTB of fdtSize bytes is placed: the fixed address,
// or QEMU's rule: the highest 2 MiB-aligned address that leaves room for it
// below the end of the first DRAM region, or below 3 GiB if DRAM starts
// below 3 GiB and ends above it.
func (b *Board) FDTAddress(fdtSize uint64) uint64 {
	if !b.Boot.FDTAuto {
		return b.Boot.FDT
	}
	d, ok := b.DRAM()
	if !ok {
		return 0
	}
	end := d.Base + d.Size
	const threeGiB = 3 << 30
	if d.Base < threeGiB && end > threeGiB {
		end = threeGiB
	}
	return (end - fdtSize) &^ (2<<20 - 1)
}

// DRAM returns the first DRAM region.
func (b *Board) DRAM() (Region, bool) {
	for _, r := range b.Memory {
		if r.Kind == DRAM {
			return r, true
		}
	}
	return Region{}, false
}

// Device returns the device with the given name.
func (b *Board) Device(name string) (*Device, bool) {
	for i := range b.Devices {
		if b.Devices[i].Name == name {
			return &b.Devices[i], true
		}
	}
	return nil, false
}

// DevicesOf returns the devices of one kind in file order.
func (b *Board) DevicesOf(k Kind) []*Device {
	var out []*Device
	for i := range b.Devices {
		if b.Devices[i].Kind == k {
			out = append(out, &b.Devices[i])
		}
	}
	return out
}

// PLIC returns the board's platform interrupt controller, if any.
func (b *Board) PLIC() (*Device, *PLIC, bool) {
	for i := range b.Devices {
		if p, ok := b.Devices[i].Params.(*PLIC); ok {
			return &b.Devices[i], p, true
		}
	}
	return nil, nil, false
}

// Device is one device instance: everything a builder needs to create the
// model, map it and wire its interrupts.
type Device struct {
	Name string
	Kind Kind
	// Base and Size are the main register window (Size 0: not memory
	// mapped, e.g. an NVMe controller behind a PCIe host, or HTIF found
	// through ELF symbols).
	Base, Size uint64
	// Regs are further windows the device decodes (the GEM's management
	// block, a QSPI controller's flash window); the DTB lists them after
	// the main one.
	Regs []Window
	// IRQs are the interrupt sources the device drives on IRQParent, in
	// the order the device's DTB binding lists them.
	IRQs      []uint32
	IRQParent string // name of the interrupt controller device ("" if no IRQs)
	// Compatible is the DTB compatible list; Node the DTB node name
	// (without unit address).
	Compatible []string
	Node       string
	// PRCIClock is the index of the PRCI clock feeding the device (DTB
	// "clocks"), -1 if none.
	PRCIClock int
	// Params holds the kind's typed parameters (*UART, *PLIC, ...).
	Params Params

	srcPath string // "device[3]": where the board file declares it
}

// Windows returns the main window (if mapped) and the extra ones.
func (d *Device) Windows() []Window {
	var out []Window
	if d.Size > 0 {
		out = append(out, Window{Name: d.Name, Base: d.Base, Size: d.Size})
	}
	for _, r := range d.Regs {
		r.Name = d.Name + "." + r.Name
		out = append(out, r)
	}
	return out
}

// FirstIRQ returns the device's first interrupt source.
func (d *Device) FirstIRQ() (uint32, bool) {
	if len(d.IRQs) == 0 {
		return 0, false
	}
	return d.IRQs[0], true
}

// SModeContexts returns, per declared hart, the PLIC context that delivers
// S-mode external interrupts, -1 where there is none.
func (b *Board) SModeContexts(harts []Hart) []int {
	out := make([]int, len(harts))
	for i := range out {
		out[i] = -1
	}
	_, p, ok := b.PLIC()
	if !ok {
		return out
	}
	for i, c := range p.AllContexts {
		if c.Mode == 'S' && c.Hart < len(out) {
			out[c.Hart] = i
		}
	}
	return out
}

// MemoryMapEntry is one line of the memory map.
type MemoryMapEntry struct {
	Window
	What string // "dram", "rom", "sram" or the device kind
	IRQs []uint32
}

// MemoryMap returns every region and device window sorted by address.
func (b *Board) MemoryMap() []MemoryMapEntry {
	var out []MemoryMapEntry
	for _, r := range b.Memory {
		out = append(out, MemoryMapEntry{Window: r.Window(), What: string(r.Kind)})
	}
	for i := range b.Devices {
		d := &b.Devices[i]
		for j, w := range d.Windows() {
			e := MemoryMapEntry{Window: w, What: string(d.Kind)}
			if j == 0 {
				e.IRQs = d.IRQs
			}
			out = append(out, e)
		}
		for _, w := range pcieWindows(d) {
			out = append(out, MemoryMapEntry{Window: w, What: string(d.Kind) + " window"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Base < out[j].Base })
	return out
}

func pcieWindows(d *Device) []Window {
	var ws []PCIWindow
	switch p := d.Params.(type) {
	case *PCIeECAM:
		ws = p.Windows
	case *PCIeDW:
		ws = p.Windows
	}
	out := make([]Window, 0, len(ws))
	for _, w := range ws {
		out = append(out, Window{Name: d.Name + "." + w.Type.String(), Base: w.CPU, Size: w.Size})
	}
	return out
}

func durationOf(d Duration) time.Duration { return time.Duration(d) }

func (b *Board) String() string {
	return fmt.Sprintf("%s (%s, %d harts)", b.Name, b.Model, len(b.Harts))
}

// BuildOrder returns the device names in the order a SoC builder creates
// them: interrupt controllers first, so every other device can be wired as
// it is created, then the rest in file order.
func (b *Board) BuildOrder() []string {
	var first, rest []string
	for _, d := range b.Devices {
		if d.Kind == KindPLIC || d.Kind == KindCLINT {
			first = append(first, d.Name)
		} else {
			rest = append(rest, d.Name)
		}
	}
	return append(first, rest...)
}
