package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/arch/riscv64/riscv64asm"

	"cosim/hw/sim"
)

// DiffOptions configure the comparison.
type DiffOptions struct {
	// Context is how many matching event pairs precede a divergence in
	// the report (default 10).
	Context int
	// Volatile values are not compared (see DefaultVolatile).
	Volatile Volatile
	// MaxSkew bounds, in events, how far apart the two sides may take the
	// same interrupt, and how many events a pending handler may hold
	// (default 1<<20).
	MaxSkew int
	// Harts restricts the comparison; nil compares every hart either side
	// recorded.
	Harts []int
}

func (o *DiffOptions) defaults() {
	if o.Context <= 0 {
		o.Context = 10
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = 1 << 20
	}
	if o.Volatile.CSRs == nil {
		o.Volatile = MustDefaultVolatile()
	}
}

// DiffResult is the outcome of a comparison.
type DiffResult struct {
	Equal      bool          `json:"equal"`
	Harts      []HartSummary `json:"harts"`
	Divergence *Divergence   `json:"divergence,omitempty"`
}

// HartSummary says what was compared on one hart.
type HartSummary struct {
	Hart     int    `json:"hart"`
	Compared uint64 `json:"compared"` // event pairs that matched
	EventsA  uint64 `json:"events_a"`
	EventsB  uint64 `json:"events_b"`
	Skews    []Skew `json:"skews,omitempty"`
	// Truncated names the side(s) whose stream ended first; the other
	// side's remaining events were not compared.
	Truncated string `json:"truncated,omitempty"`
	// Unmatched counts interrupts one side took that the other had not
	// taken when its stream ended.
	Unmatched int `json:"unmatched_interrupts,omitempty"`
	// SpunA and SpunB count each side's events in spin ranges (volatile
	// spin:LO-HI), not compared.
	SpunA uint64 `json:"spun_a,omitempty"`
	SpunB uint64 `json:"spun_b,omitempty"`
}

// Skew is an interrupt both sides took at different points.
type Skew struct {
	Cause    uint64 `json:"cause"`
	PosA     uint64 `json:"pos_a"` // events of A's main line before the interrupt
	PosB     uint64 `json:"pos_b"`
	InstretA uint64 `json:"instret_a"`
	InstretB uint64 `json:"instret_b"`
	Delta    int64  `json:"delta"` // PosB - PosA
}

// Divergence is the first real difference.
type Divergence struct {
	Hart    int         `json:"hart"`
	PosA    uint64      `json:"pos_a"`
	PosB    uint64      `json:"pos_b"`
	Reason  string      `json:"reason"`
	Fields  []FieldDiff `json:"fields,omitempty"`
	A       *EventView  `json:"a,omitempty"` // nil: stream ended
	B       *EventView  `json:"b,omitempty"`
	Context []PairView  `json:"context"`
}

// FieldDiff is one field that differed.
type FieldDiff struct {
	Field string `json:"field"`
	A     string `json:"a"`
	B     string `json:"b"`
}

// EventView is a record as reports show it.
type EventView struct {
	Kind    string `json:"kind"`
	PC      string `json:"pc"`
	Insn    string `json:"insn,omitempty"`
	Asm     string `json:"asm,omitempty"`
	Instret uint64 `json:"instret"`
	Text    string `json:"text"`
}

// PairView is one matching pair of the context.
type PairView struct {
	A EventView `json:"a"`
	B EventView `json:"b"`
}

func viewOf(r *Record) *EventView {
	if r == nil {
		return nil
	}
	v := &EventView{Kind: KindName(r.Kind), PC: fmt.Sprintf("%#x", r.PC), Instret: r.Instret, Text: FormatText(r)}
	if r.Insn != 0 {
		v.Insn = insnHex(&r.Event)
		v.Asm = Disasm(r.Insn)
	}
	return v
}

// Input is a trace the comparison can open once per hart.
type Input interface {
	Open() (Source, io.Closer, error)
	Name() string
}

// Diff compares two traces hart by hart. Each hart is a separate streaming
// pass over both inputs, so memory stays bounded by MaxSkew whatever the
// length.
func Diff(a, b Input, opts DiffOptions) (*DiffResult, error) {
	opts.defaults()
	res := &DiffResult{Equal: true}
	todo := append([]int(nil), opts.Harts...)
	discover := todo == nil
	if discover {
		todo = []int{0}
	}
	done := map[int]bool{}
	for len(todo) > 0 {
		hart := todo[0]
		todo = todo[1:]
		if done[hart] {
			continue
		}
		done[hart] = true
		seen := map[int]bool{}
		sum, div, err := diffInputHart(a, b, hart, opts, seen)
		if err != nil {
			return nil, err
		}
		if sum.EventsA+sum.EventsB > 0 || !discover {
			res.Harts = append(res.Harts, *sum)
		}
		if div != nil {
			res.Equal = false
			res.Divergence = div
			return res, nil
		}
		if discover {
			for h := range seen {
				if !done[h] {
					todo = append(todo, h)
				}
			}
			sortInts(todo)
		}
	}
	return res, nil
}

func sortInts(s []int) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func diffInputHart(a, b Input, hart int, opts DiffOptions, seen map[int]bool) (*HartSummary, *Divergence, error) {
	sa, ca, err := a.Open()
	if err != nil {
		return nil, nil, err
	}
	defer ca.Close()
	sb, cb, err := b.Open()
	if err != nil {
		return nil, nil, err
	}
	defer cb.Close()
	fa := &hartFilter{src: sa, hart: hart, seen: seen, name: a.Name()}
	fb := &hartFilter{src: sb, hart: hart, seen: seen, name: b.Name()}
	return DiffHart(fa, fb, hart, opts)
}

// hartFilter passes one hart's architectural events (retire, trap,
// interrupt) and notes which harts exist.
type hartFilter struct {
	src  Source
	hart int
	seen map[int]bool
	name string
}

func (f *hartFilter) Next() (*Record, error) {
	for {
		r, err := f.src.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				err = fmt.Errorf("%s: %w", f.name, err)
			}
			return nil, err
		}
		if r.Hart < 0 {
			continue
		}
		if f.seen != nil {
			f.seen[int(r.Hart)] = true
		}
		if int(r.Hart) != f.hart {
			continue
		}
		switch r.Kind {
		case sim.KindRetire, sim.KindTrap, sim.KindInterrupt:
			return r, nil
		}
	}
}

// side is one stream of the comparison of a hart.
type side struct {
	src    Source
	head   *Record
	ended  bool
	pos    uint64 // main-line events consumed
	events uint64 // all events read
	x      [32]uint64
	xKnown uint32
	csr    map[uint16]uint64
	// seenCSR marks the CSRs this side itself reported a write of: a
	// DELTA source sees only some CSRs (QEMU's dump shows no pmpaddr,
	// for one), so its silence about another CSR means "unknown", not
	// "unchanged".
	seenCSR map[uint16]bool
	pending []*episode
	held    int // events held in pending episodes
}

// episode is an interrupt and its handler, up to the return to the
// interrupted pc, held until the other side takes the same interrupt.
type episode struct {
	intr     *Record
	handler  []*Record
	pos      uint64
	complete bool
}

func (s *side) peek() (*Record, error) {
	if s.head != nil || s.ended {
		return s.head, nil
	}
	r, err := s.src.Next()
	if errors.Is(err, io.EOF) {
		s.ended = true
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.events++
	s.head = r
	return r, nil
}

func (s *side) consume() {
	s.apply(s.head)
	s.head = nil
	s.pos++
}

// apply updates the side's view of its own registers from r.
func (s *side) apply(r *Record) {
	if r.Kind != sim.KindRetire {
		return
	}
	if r.RegKind == sim.RegX && r.Reg != 0 && r.Reg < 32 {
		s.x[r.Reg] = r.RegVal
		s.xKnown |= 1 << r.Reg
	}
	if r.CSRWrit {
		s.csr[r.CSR] = r.CSRVal
		s.seenCSR[r.CSR] = true
	}
}

type differ struct {
	opts DiffOptions
	hart int
	a, b *side
	ctx  [][2]*Record // ring of the last matching pairs
	// taint marks integer registers whose values came from volatile
	// reads: the two sides may differ there, and in what is computed
	// from them, without diverging.
	taint   uint32
	ctxNext int
	sum     HartSummary
}

// DiffHart compares one hart's events from two sources, which must yield
// only that hart's retire, trap and interrupt records in order.
func DiffHart(a, b Source, hart int, opts DiffOptions) (*HartSummary, *Divergence, error) {
	opts.defaults()
	d := &differ{
		opts: opts, hart: hart,
		a: &side{src: a, csr: map[uint16]uint64{}, seenCSR: map[uint16]bool{}},
		b: &side{src: b, csr: map[uint16]uint64{}, seenCSR: map[uint16]bool{}},
	}
	d.sum.Hart = hart
	div, err := d.run()
	d.sum.EventsA, d.sum.EventsB = d.a.events, d.b.events
	return &d.sum, div, err
}

func (d *differ) run() (*Divergence, error) {
	for {
		ra, err := d.a.peek()
		if err != nil {
			return nil, err
		}
		rb, err := d.b.peek()
		if err != nil {
			return nil, err
		}
		if ra == nil || rb == nil {
			if (d.a.events == 0) != (d.b.events == 0) {
				return d.divergence("one side recorded no events for this hart", nil, ra, rb), nil
			}
			d.finish(ra, rb)
			return nil, nil
		}
		if d.opts.Volatile.inSpin(ra.PC) || d.opts.Volatile.inSpin(rb.PC) {
			if err := d.skipSpins(); err != nil {
				return nil, err
			}
			continue
		}
		if ra.Kind == sim.KindInterrupt || rb.Kind == sim.KindInterrupt {
			handled, div, err := d.resync(ra, rb)
			if err != nil || div != nil || handled {
				if div != nil {
					return div, nil
				}
				if err != nil {
					return nil, err
				}
				continue
			}
		}
		if div := d.checkPending(); div != nil {
			return div, nil
		}
		if diffs, reason := d.comparePair(ra, rb, false); reason != "" {
			return d.divergence(reason, diffs, ra, rb), nil
		}
		d.remember(ra, rb)
		d.a.consume()
		d.b.consume()
		d.sum.Compared++
	}
}

// skipSpins consumes, on each side, the events in spin ranges, keeping
// each side's view of its registers up to date.
func (d *differ) skipSpins() error {
	for _, s := range []struct {
		side *side
		n    *uint64
	}{{d.a, &d.sum.SpunA}, {d.b, &d.sum.SpunB}} {
		for {
			r, err := s.side.peek()
			if err != nil {
				return err
			}
			if r == nil || !d.opts.Volatile.inSpin(r.PC) {
				break
			}
			s.side.consume()
			*s.n++
		}
	}
	return nil
}

// finish records why the comparison stopped without a divergence.
func (d *differ) finish(ra, rb *Record) {
	switch {
	case ra == nil && rb != nil:
		d.sum.Truncated = "a"
	case rb == nil && ra != nil:
		d.sum.Truncated = "b"
	}
	d.sum.Unmatched = len(d.a.pending) + len(d.b.pending)
}

// resync handles an interrupt at the head of either side. It reports
// handled=false when both sides take the same interrupt at the same point,
// which the pair comparison then checks like any event.
func (d *differ) resync(ra, rb *Record) (bool, *Divergence, error) {
	for _, s := range []struct {
		self, other *side
		head        *Record
	}{{d.a, d.b, ra}, {d.b, d.a, rb}} {
		if s.head.Kind != sim.KindInterrupt || len(s.other.pending) == 0 || s.other.pending[0].intr.Cause != s.head.Cause {
			continue
		}
		late, err := d.extract(s.self)
		if err != nil {
			return false, nil, err
		}
		early := s.other.pending[0]
		s.other.pending = s.other.pending[1:]
		s.other.held -= len(early.handler) + 1
		ea, eb := early, late
		if s.self == d.a {
			ea, eb = late, early
		}
		return true, d.compareEpisodes(ea, eb), nil
	}
	if ra.Kind == sim.KindInterrupt && rb.Kind == sim.KindInterrupt && ra.Cause == rb.Cause {
		return false, nil, nil
	}
	for _, s := range []*side{d.a, d.b} {
		if s.head.Kind != sim.KindInterrupt {
			continue
		}
		ep, err := d.extract(s)
		if err != nil {
			return false, nil, err
		}
		s.pending = append(s.pending, ep)
		if s.held > d.opts.MaxSkew {
			return true, d.divergence(fmt.Sprintf("more than %d events of interrupt handlers on one side are waiting for the other side to take the same interrupts", d.opts.MaxSkew), nil, d.a.head, d.b.head), nil
		}
		return true, nil, nil
	}
	return false, nil, nil
}

// extract takes the interrupt at s's head and its handler, up to (not
// including) the first event back at the interrupted pc and privilege.
func (d *differ) extract(s *side) (*episode, error) {
	ep := &episode{intr: s.head, pos: s.pos}
	s.head = nil
	s.held++
	for {
		r, err := s.peek()
		if err != nil {
			return nil, err
		}
		if r == nil {
			return ep, nil
		}
		if r.PC == ep.intr.PC && r.Kind != sim.KindInterrupt && (r.Priv == ep.intr.Priv || r.Has(FlagPrivUnknown) || ep.intr.Has(FlagPrivUnknown)) {
			ep.complete = true
			return ep, nil
		}
		s.apply(r)
		ep.handler = append(ep.handler, r)
		s.head = nil
		s.held++
		if len(ep.handler) > d.opts.MaxSkew {
			return nil, fmt.Errorf("trace: hart %d: interrupt handler at %#x runs more than %d events without returning", d.hart, ep.intr.NewPC, d.opts.MaxSkew)
		}
	}
}

// compareEpisodes checks that the same interrupt, taken at different
// points, ran the same handler. Register values are not compared: the
// handler saw different interrupted states.
func (d *differ) compareEpisodes(ea, eb *episode) *Divergence {
	sk := Skew{Cause: ea.intr.Cause, PosA: ea.pos, PosB: eb.pos, InstretA: ea.intr.Instret, InstretB: eb.intr.Instret,
		Delta: int64(eb.pos) - int64(ea.pos)}
	d.sum.Skews = append(d.sum.Skews, sk)
	// The interrupted pc differs by construction; where it went must not.
	ia, ib := *ea.intr, *eb.intr
	ib.PC, ib.Priv, ib.Flags = ia.PC, ia.Priv, ib.Flags&^FlagPrivUnknown|ia.Flags&FlagPrivUnknown
	if diffs, reason := d.comparePair(&ia, &ib, true); reason != "" {
		return d.divergence("interrupt taken with skew: "+reason, diffs, ea.intr, eb.intr)
	}
	n := len(ea.handler)
	if len(eb.handler) < n {
		n = len(eb.handler)
	}
	for i := 0; i < n; i++ {
		if diffs, reason := d.comparePair(ea.handler[i], eb.handler[i], true); reason != "" {
			return d.divergence("in the handler of an interrupt taken with skew: "+reason, diffs, ea.handler[i], eb.handler[i])
		}
	}
	if ea.complete && eb.complete && len(ea.handler) != len(eb.handler) {
		var ra, rb *Record
		if n < len(ea.handler) {
			ra = ea.handler[n]
		}
		if n < len(eb.handler) {
			rb = eb.handler[n]
		}
		return d.divergence(fmt.Sprintf("interrupt handler ran %d events on A, %d on B", len(ea.handler), len(eb.handler)), nil, ra, rb)
	}
	return nil
}

// checkPending fails when one side's interrupt has waited too long for
// the other side to take it.
func (d *differ) checkPending() *Divergence {
	for _, s := range []struct {
		self, other *side
		name        string
	}{{d.a, d.b, "A"}, {d.b, d.a, "B"}} {
		if len(s.self.pending) == 0 {
			continue
		}
		ep := s.self.pending[0]
		if s.other.pos > ep.pos+uint64(d.opts.MaxSkew) {
			return d.divergence(fmt.Sprintf("%s took interrupt cause %#x (%s) at event %d; the other side has not taken it %d events later",
				s.name, ep.intr.Cause, CauseName(ep.intr.Cause), ep.pos, d.opts.MaxSkew), nil, d.a.head, d.b.head)
		}
	}
	return nil
}

// comparePair compares two events both sides recorded. With flowOnly,
// only control flow is compared (pc, instruction, privilege, trap cause).
func (d *differ) comparePair(ra, rb *Record, flowOnly bool) ([]FieldDiff, string) {
	var diffs []FieldDiff
	add := func(field string, a, b any) {
		diffs = append(diffs, FieldDiff{Field: field, A: fmt.Sprint(a), B: fmt.Sprint(b)})
	}
	hex := func(v uint64) string { return fmt.Sprintf("%#x", v) }
	if ra.Kind != rb.Kind {
		add("kind", KindName(ra.Kind), KindName(rb.Kind))
		add("pc", hex(ra.PC), hex(rb.PC))
		return diffs, fmt.Sprintf("A: %s, B: %s", KindName(ra.Kind), KindName(rb.Kind))
	}
	if ra.PC != rb.PC {
		add("pc", hex(ra.PC), hex(rb.PC))
	}
	if ra.Insn != 0 && rb.Insn != 0 && ra.Insn != rb.Insn {
		add("insn", Disasm(ra.Insn), Disasm(rb.Insn))
	}
	if !ra.Has(FlagPrivUnknown) && !rb.Has(FlagPrivUnknown) && ra.Priv != rb.Priv {
		add("priv", privLetters[ra.Priv&3], privLetters[rb.Priv&3])
	}
	switch ra.Kind {
	case sim.KindTrap, sim.KindInterrupt:
		if ra.Cause != rb.Cause {
			add("cause", fmt.Sprintf("%#x (%s)", ra.Cause, CauseName(ra.Cause)), fmt.Sprintf("%#x (%s)", rb.Cause, CauseName(rb.Cause)))
		}
		if ra.TargetPriv != rb.TargetPriv && !ra.Has(FlagPrivUnknown) && !rb.Has(FlagPrivUnknown) {
			add("target priv", privLetters[ra.TargetPriv&3], privLetters[rb.TargetPriv&3])
		}
		if ra.NewPC != 0 && rb.NewPC != 0 && ra.NewPC != rb.NewPC {
			add("new pc", hex(ra.NewPC), hex(rb.NewPC))
		}
		if !flowOnly && ra.Kind == sim.KindTrap && ra.Tval != rb.Tval {
			add("tval", hex(ra.Tval), hex(rb.Tval))
		}
	case sim.KindRetire:
		if !flowOnly && len(diffs) == 0 {
			diffs = d.compareEffects(ra, rb, diffs)
		}
	}
	if len(diffs) == 0 {
		return nil, ""
	}
	return diffs, "different " + diffs[0].Field
}

// compareEffects compares register, CSR and memory effects of two retires
// of the same instruction.
func (d *differ) compareEffects(ra, rb *Record, diffs []FieldDiff) []FieldDiff {
	insn := ra.Insn
	if insn == 0 {
		insn = rb.Insn
	}
	vol := d.opts.Volatile.csrVolatile(insn) ||
		(ra.MemKind == sim.MemLoad && d.opts.Volatile.memVolatile(ra.MemAddr)) ||
		(rb.MemKind == sim.MemLoad && d.opts.Volatile.memVolatile(rb.MemAddr))
	rd, hasRD := destReg(ra)
	if !hasRD {
		rd, hasRD = destReg(rb)
	}
	if !vol && d.taint != 0 {
		vol = sourcesTainted(insn, rd, hasRD, d.taint)
	}
	if hasRD {
		if vol {
			d.taint |= 1 << rd
		} else {
			d.taint &^= 1 << rd
		}
	}
	diffs = d.compareRegs(ra, rb, vol, diffs)
	diffs = d.compareCSRs(ra, rb, vol, diffs)
	return compareMem(ra, rb, vol, diffs)
}

// sourcesTainted reports whether insn reads a tainted integer register
// (other than as its destination rd). An instruction it cannot decode
// counts as tainted while any taint is live.
func sourcesTainted(insn uint32, rd uint8, hasRD bool, taint uint32) bool {
	if insn == 0 {
		return true
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], insn)
	n := 4
	if insn&3 != 3 {
		n = 2
	}
	inst, err := riscv64asm.Decode(b[:n])
	if err != nil {
		return true
	}
	skipRD := hasRD
	for _, a := range inst.Args {
		var r riscv64asm.Reg
		switch v := a.(type) {
		case riscv64asm.Reg:
			r = v
		case riscv64asm.RegOffset:
			r = v.OfsReg
		default:
			continue
		}
		if r > riscv64asm.X31 {
			continue // floating-point register
		}
		x := uint8(r - riscv64asm.X0)
		if skipRD && x == rd {
			skipRD = false // the first mention of rd is the destination
			continue
		}
		if taint&(1<<x) != 0 {
			return true
		}
	}
	return false
}

func destReg(r *Record) (uint8, bool) {
	if r.RegKind == sim.RegX && r.Reg != 0 && r.Reg < 32 {
		return r.Reg, true
	}
	return 0, false
}

func (d *differ) compareRegs(ra, rb *Record, vol bool, diffs []FieldDiff) []FieldDiff {
	regA, okA := destReg(ra)
	regB, okB := destReg(rb)
	if ra.RegKind == sim.RegF || rb.RegKind == sim.RegF {
		if ra.RegKind == rb.RegKind && ra.Reg == rb.Reg && ra.RegVal != rb.RegVal && !vol {
			diffs = append(diffs, FieldDiff{"register " + regName(sim.RegF, ra.Reg), fmt.Sprintf("%#x", ra.RegVal), fmt.Sprintf("%#x", rb.RegVal)})
		}
		return diffs
	}
	switch {
	case okA && okB:
		if regA != regB {
			return append(diffs, FieldDiff{"destination register", abiNames[regA], abiNames[regB]})
		}
		if ra.RegVal != rb.RegVal && !vol {
			return append(diffs, FieldDiff{"register " + abiNames[regA], fmt.Sprintf("%#x", ra.RegVal), fmt.Sprintf("%#x", rb.RegVal)})
		}
	case okA:
		return d.oneSidedWrite(ra, d.b, rb, regA, vol, diffs, "A")
	case okB:
		return d.oneSidedWrite(rb, d.a, ra, regB, vol, diffs, "B")
	}
	if vol {
		// A volatile value one side saw as a change and the other did not.
		if okA {
			d.b.xKnown &^= 1 << regA
		}
		if okB {
			d.a.xKnown &^= 1 << regB
		}
	}
	return diffs
}

// oneSidedWrite checks a register write only one side recorded: compatible
// when the silent side sees writes only as changes and the register held
// the same value there (or its value is unknown).
func (d *differ) oneSidedWrite(w *Record, silent *side, sr *Record, reg uint8, vol bool, diffs []FieldDiff, writer string) []FieldDiff {
	if vol {
		silent.xKnown &^= 1 << reg
		return diffs
	}
	if !sr.Has(FlagDelta) {
		a, b := fmt.Sprintf("%s=%#x", abiNames[reg], w.RegVal), "no write"
		if writer == "B" {
			a, b = b, a
		}
		return append(diffs, FieldDiff{"register write", a, b})
	}
	if silent.xKnown&(1<<reg) != 0 && silent.x[reg] != w.RegVal {
		a, b := fmt.Sprintf("%#x", w.RegVal), fmt.Sprintf("%#x (unchanged)", silent.x[reg])
		if writer == "B" {
			a, b = b, a
		}
		return append(diffs, FieldDiff{"register " + abiNames[reg], a, b})
	}
	// The silent side's register must hold the written value.
	silent.x[reg] = w.RegVal
	silent.xKnown |= 1 << reg
	return diffs
}

func (d *differ) compareCSRs(ra, rb *Record, vol bool, diffs []FieldDiff) []FieldDiff {
	if vol {
		return diffs
	}
	switch {
	case ra.CSRWrit && rb.CSRWrit:
		if ra.CSR != rb.CSR {
			return append(diffs, FieldDiff{"csr written", CSRName(ra.CSR), CSRName(rb.CSR)})
		}
		if ra.CSRVal != rb.CSRVal {
			return append(diffs, FieldDiff{"csr " + CSRName(ra.CSR), fmt.Sprintf("%#x", ra.CSRVal), fmt.Sprintf("%#x", rb.CSRVal)})
		}
	case ra.CSRWrit && !rb.Has(FlagDelta):
		if v, ok := d.b.csr[ra.CSR]; !ok || v != ra.CSRVal {
			return append(diffs, FieldDiff{"csr write", fmt.Sprintf("%s=%#x", CSRName(ra.CSR), ra.CSRVal), "no write"})
		}
	case rb.CSRWrit && !ra.Has(FlagDelta):
		if v, ok := d.a.csr[rb.CSR]; !ok || v != rb.CSRVal {
			return append(diffs, FieldDiff{"csr write", "no write", fmt.Sprintf("%s=%#x", CSRName(rb.CSR), rb.CSRVal)})
		}
	case ra.CSRWrit:
		if v, ok := d.b.csr[ra.CSR]; ok && d.b.seenCSR[ra.CSR] && v != ra.CSRVal {
			return append(diffs, FieldDiff{"csr " + CSRName(ra.CSR), fmt.Sprintf("%#x", ra.CSRVal), fmt.Sprintf("%#x (unchanged)", v)})
		}
		d.b.csr[ra.CSR] = ra.CSRVal
	case rb.CSRWrit:
		if v, ok := d.a.csr[rb.CSR]; ok && d.a.seenCSR[rb.CSR] && v != rb.CSRVal {
			return append(diffs, FieldDiff{"csr " + CSRName(rb.CSR), fmt.Sprintf("%#x (unchanged)", v), fmt.Sprintf("%#x", rb.CSRVal)})
		}
		d.a.csr[rb.CSR] = rb.CSRVal
	}
	return diffs
}

func compareMem(ra, rb *Record, vol bool, diffs []FieldDiff) []FieldDiff {
	if ra.Has(FlagNoMem) || rb.Has(FlagNoMem) {
		return diffs
	}
	if ra.MemKind != rb.MemKind {
		return append(diffs, FieldDiff{"memory access", memString(ra), memString(rb)})
	}
	if ra.MemKind == sim.MemNone {
		return diffs
	}
	if ra.MemSize != rb.MemSize || ra.MemAddr != rb.MemAddr || (ra.MemData != rb.MemData && !(vol && ra.MemKind == sim.MemLoad)) {
		return append(diffs, FieldDiff{"memory access", memString(ra), memString(rb)})
	}
	return diffs
}

func memString(r *Record) string {
	if r.MemKind == sim.MemNone || int(r.MemKind) >= len(memKindNames) {
		return "none"
	}
	return fmt.Sprintf("%s%d [%#x]=%#x", memKindNames[r.MemKind], r.MemSize, r.MemAddr, r.MemData)
}

func (d *differ) remember(ra, rb *Record) {
	p := [2]*Record{ra, rb}
	if len(d.ctx) < d.opts.Context {
		d.ctx = append(d.ctx, p)
		return
	}
	d.ctx[d.ctxNext] = p
	d.ctxNext = (d.ctxNext + 1) % len(d.ctx)
}

func (d *differ) divergence(reason string, diffs []FieldDiff, ra, rb *Record) *Divergence {
	ctx := []PairView{}
	for _, p := range append(append([][2]*Record(nil), d.ctx[d.ctxNext:]...), d.ctx[:d.ctxNext]...) {
		ctx = append(ctx, PairView{A: *viewOf(p[0]), B: *viewOf(p[1])})
	}
	return &Divergence{
		Hart: d.hart, PosA: d.a.pos, PosB: d.b.pos,
		Reason: reason, Fields: diffs,
		A: viewOf(ra), B: viewOf(rb), Context: ctx,
	}
}
