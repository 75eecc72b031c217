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

// RetireObserver is what an Observer may also implement to take a hart's
// retirements in batches. A hart whose observer implements it codes
// every retirement (RetireCoder's format) inside its interpreter loop,
// leaving it only for the unusual ones, and hands the coding over in
// batches; the
// observer stores or decodes them when it likes, on any goroutine, because
// a batch shares nothing with the hart.
//
// Events from other sources keep arriving through Observe: to keep one
// order, the observer calls every registered flush before recording such
// an event, and a hart calls its own before reporting a trap.
type RetireObserver interface {
	// ObserveRetirements takes b, which the observer owns until it
	// calls b.Release. Batches of one hart arrive in retirement order.
	ObserveRetirements(b Retirements)
	// AddRetireSource registers flush, which hands over (through
	// ObserveRetirements) the retirements a source holds. Sources
	// register once, before their first batch.
	AddRetireSource(flush func())
}

// Retirements is a batch of consecutive retirements of one hart.
type Retirements interface {
	Hart() int32
	// ClockHz is the hart's clock: an event's Time is
	// FromTicks(Cycle, ClockHz).
	ClockHz() uint64
	// Coded returns the batch: its events coded against its Start
	// (DecodeRetirements reads them). The observer must not change it.
	Coded() *RetireCoder
	// Release returns the batch's storage to the hart.
	Release()
}

// Retired is one retirement as a batch gives it: the fields of its retire
// Event that are not the same for the whole batch, and the fence event
// that follows it, if any.
type Retired struct {
	PC, Cycle, RegVal, MemAddr, MemData, CSRVal   uint64
	FenceAddr, FenceVal                           uint64 // the fence event's Addr and Value
	Insn                                          uint32
	CSR                                           uint16
	InsnLen, Priv, RegKind, Reg, MemKind, MemSize uint8
	CSRWrit                                       bool
	Fence                                         Kind // KindFence, KindFenceI, KindSfenceVMA: that event follows
	FenceAddrValid, FenceValValid                 bool
}

// Event fills e with the retire event of r, the batch's retirement with
// instret Instret on hart, its Time from a clock of hz Hz.
func (r *Retired) Event(e *Event, hart int32, instret, hz uint64) {
	*e = Event{Kind: KindRetire, Hart: hart, Cycle: r.Cycle, Instret: instret, Time: r.time(hz),
		PC: r.PC, Insn: r.Insn, InsnLen: r.InsnLen, Priv: r.Priv,
		RegKind: r.RegKind, Reg: r.Reg, RegVal: r.RegVal,
		CSRWrit: r.CSRWrit, CSR: r.CSR, CSRVal: r.CSRVal,
		MemKind: r.MemKind, MemSize: r.MemSize, MemAddr: r.MemAddr, MemData: r.MemData}
}

// FenceEvent fills e with the fence event that follows r's retire event
// (r.Fence is not 0).
func (r *Retired) FenceEvent(e *Event, hart int32, instret, hz uint64) {
	*e = Event{Kind: r.Fence, Hart: hart, Cycle: r.Cycle, Instret: instret, Time: r.time(hz), PC: r.PC, Priv: r.Priv,
		Addr: r.FenceAddr, AddrValid: r.FenceAddrValid, Value: r.FenceVal, ValueValid: r.FenceValValid}
}

func (r *Retired) time(hz uint64) Time {
	if hz == 0 {
		return 0
	}
	return FromTicks(r.Cycle, hz)
}
