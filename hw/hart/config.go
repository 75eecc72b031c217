// Package hart owns one RISC-V hart: decode, execute, CSRs, traps and
// interrupts, the MMU and its TLB, PMP, LR/SC reservations and the
// decoded-instruction cache.
//
// It reaches memory through hw/mem only and learns about interrupts through
// SetIRQ; it must not know which board it sits on, which devices exist, or
// who observes it (events go to a sim.Observer). Board parameters arrive as a
// Config value filled in by the SoC builder. F/D arithmetic comes from
// hw/hart/fpu; everything else of the ISA is here.
//
// Where things are:
//   - decode.go: the encoding table (bit patterns as the spec draws them),
//     compressed expansion, and the 16-byte decoded slot; ops.go: the
//     synthetic opcodes.
//   - run.go: Run; run, the outer loop (interrupts, page fetches, slow
//     paths, stepping for observers); inner, the hot loop, which calls no
//     function so that its state stays in registers; execSlow.
//   - code.go: decoded pages (one slot per halfword, decoded lazily) and
//     their invalidation; hart.go: System, Hart, the API.
//   - mmu.go: TLBs (direct-mapped per privilege, epoch-tagged), page walks,
//     slow loads and stores; pmp.go; atomic.go; csr.go; trap.go; fp.go;
//     observe.go.
//
// caches.go holds the line buffer the hot loop consults before the cache
// models and the non-coherent I-cache: System.watchedWrite skips harts whose
// I-cache is not coherent (their decoded code follows the bytes their
// I-cache captured), and fenceI empties the I-cache.
package hart

// ADPolicy says what the hart does with a leaf PTE whose A bit (or, for a
// store, D bit) is clear.
type ADPolicy uint8

const (
	// ADHardware sets the bits atomically during the walk, as QEMU does.
	ADHardware ADPolicy = iota
	// ADFault raises a page fault, as SiFive's U54/U74 do.
	ADFault
)

// MisalignedPolicy says what a misaligned load or store does.
type MisalignedPolicy uint8

const (
	// MisalignedTrap raises an address-misaligned exception.
	MisalignedTrap MisalignedPolicy = iota
	// MisalignedEmulate performs the access in hardware (as QEMU does for
	// plain loads and stores; AMOs and LR/SC still trap).
	MisalignedEmulate
)

// Config is everything board-specific a hart needs. Zero values mean the
// simplest hart: no S-mode, no MMU, no PMP.
type Config struct {
	HartID uint64
	// ISA is the ISA string as the board declares it ("rv64imafdc",
	// "rv64imac_zicsr_zifencei", ...). Only its single-letter extensions
	// and the Z extensions the hart implements matter for misa and decode.
	ISA string
	// SMode and UMode say which privilege modes besides M exist.
	SMode, UMode bool
	// MMUModes lists the satp modes the hart accepts ("sv39", "sv48");
	// empty means satp is read-only zero.
	MMUModes []string
	// PMPEntries is the number of implemented PMP entries (0, 8, 16, 64).
	PMPEntries int
	// PMPGranularity is the PMP grain in bytes (4 = finest).
	PMPGranularity uint64
	AD             ADPolicy
	Misaligned     MisalignedPolicy
	// Identification CSRs.
	MVendorID, MArchID, MImpID uint64
	// HPMCounters is how many of mhpmcounter3..31 exist (writable, counting nothing).
	HPMCounters int
	// ClockHz is the core clock; cycle counts convert to simulated time with it.
	ClockHz uint64
	// TimebaseHz is the frequency of the time CSR (the board's timebase).
	TimebaseHz uint64
	// ResetPC is where the hart starts after reset.
	ResetPC uint64
	// Errata switched on for this hart.
	ErratumCIP1200 bool // I-TLB may ignore a non-global sfence.vma
	ErratumCIP453  bool // stval/mtval not sign-extended on instruction page/access faults
}
