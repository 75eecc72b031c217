package sim

// Kind says what an Event reports.
type Kind uint8

// Event kinds. Hart events carry Hart >= 0; board events carry Hart = -1.
const (
	KindRetire    Kind = iota + 1 // an instruction retired
	KindTrap                      // a synchronous exception was taken
	KindInterrupt                 // an interrupt was taken
	KindFence                     // fence (Pred/Succ in Value)
	KindFenceI                    // fence.i
	KindSfenceVMA                 // sfence.vma (vaddr in Addr, asid in Value; AddrValid/ValueValid say which were given)
	KindMMIO                      // a hart or device accessed a device register
	KindConsole                   // bytes a UART transmitted
	KindDevice                    // a device-level event (NVMe command, virtio request, ...)
	KindMeta                      // run metadata (Text holds key=value lines)
)

// Register file an event's destination belongs to.
const (
	RegNone uint8 = iota
	RegX
	RegF
)

// Memory access kinds of a retired instruction.
const (
	MemNone uint8 = iota
	MemLoad
	MemStore
	MemAMO // both a load (value in RegVal) and a store (MemData)
)

// Event is one observation. It is a flat value so that reporting one costs no
// allocation; observers copy what they keep. Fields not meaningful for a
// Kind are zero.
type Event struct {
	Kind    Kind
	Hart    int32 // -1 for board events
	Cycle   uint64
	Instret uint64
	Time    Time

	// Retire (and the pc/priv of the trapping instruction for traps).
	PC      uint64
	Insn    uint32
	InsnLen uint8 // 2 or 4
	Priv    uint8 // 0 U, 1 S, 3 M
	RegKind uint8 // RegNone, RegX, RegF
	Reg     uint8
	RegVal  uint64
	CSRWrit bool
	CSR     uint16
	CSRVal  uint64 // value after the write
	MemKind uint8
	MemSize uint8
	MemAddr uint64 // virtual address as the instruction computed it
	MemData uint64 // value stored (store, AMO) or loaded (load)

	// Trap and interrupt.
	Cause      uint64 // mcause/scause value, interrupt bit included
	Tval       uint64
	TargetPriv uint8
	NewPC      uint64

	// Board events and fences.
	Device     string
	Addr       uint64 // MMIO: offset within the device; sfence.vma: vaddr
	Value      uint64
	Size       uint8
	Write      bool
	AddrValid  bool
	ValueValid bool
	Data       []byte // console bytes, device payload (borrowed: copy to keep)
	Text       string
}

// Observer receives events. Models hold an Observer field that is nil when
// nobody listens, so reporting costs one nil check when observation is off.
type Observer interface {
	Observe(e *Event)
}

// KindSelector is what an Observer may also implement to say which events it
// keeps. A source that pays to produce a kind whether or not it is kept
// (the hart steps one instruction at a time to report retirements and
// fences) asks first and skips the cost for an observer that drops them.
// Sources that do not ask still report everything.
type KindSelector interface {
	// Wants reports whether events of kind k from hart (-1: the board)
	// can pass the observer's filter.
	Wants(hart int32, k Kind) bool
}
