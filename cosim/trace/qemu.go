package trace

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"cosim/hw/sim"
)

// QEMUOptions configure ImportQEMU.
type QEMUOptions struct {
	// StopPC, when non-zero, ends the import when any hart is about to
	// execute this address (e.g. 0x80200000, the payload OpenSBI jumps to);
	// that instruction is not emitted.
	StopPC uint64
	// MaxRetired, when non-zero, ends the import once any hart retired
	// this many instructions.
	MaxRetired uint64
}

// QEMUStats says what an import saw.
type QEMUStats struct {
	Lines      uint64
	Retired    uint64 // retire events emitted, all harts
	Traps      uint64
	Interrupts uint64
	Harts      int
	Stopped    bool // StopPC or MaxRetired ended the import
	// MultiWrites counts steps where more than one integer register
	// changed; only the lowest-numbered one is recorded.
	MultiWrites uint64
}

// maxQEMUHarts bounds the hart numbers a log may name (QEMU's virt takes
// at most 512 CPUs), so a corrupt line cannot make the importer allocate
// state for tens of thousands of harts.
const maxQEMUHarts = 4096

// ErrStop may be returned by an emit function to end an import early
// without an error.
var ErrStop = errors.New("trace: stop")

// qemuCSRs maps the CSR names QEMU 7.2's riscv_cpu_dump_state prints to
// CSR numbers (privileged spec, table of CSR addresses).
var qemuCSRs = map[string]uint16{
	"mhartid":  0xf14,
	"mstatus":  0x300,
	"hstatus":  0x600,
	"vsstatus": 0x200,
	"mip":      0x344,
	"mie":      0x304,
	"mideleg":  0x303,
	"hideleg":  0x603,
	"medeleg":  0x302,
	"hedeleg":  0x602,
	"mtvec":    0x305,
	"stvec":    0x105,
	"vstvec":   0x205,
	"mepc":     0x341,
	"sepc":     0x141,
	"vsepc":    0x241,
	"mcause":   0x342,
	"scause":   0x142,
	"vscause":  0x242,
	"mtval":    0x343,
	"stval":    0x143,
	"htval":    0x643,
	"mtval2":   0x34b,
	"mscratch": 0x340,
	"sscratch": 0x140,
	"satp":     0x180,
}

// sstatusMask selects the mstatus bits sstatus shows (SIE, SPIE, UBE, SPP,
// VS, FS, XS, SUM, MXR, UXL, SD), so a write to sstatus is checked against
// the dumped mstatus.
const sstatusMask = 0x8000_0003_000d_e762

// qemuState is one hart's state from one "Trace" block of the log.
type qemuState struct {
	valid bool
	pc    uint64
	priv  uint8
	x     [32]uint64
	f     [32]uint64 // with -d fpu
	csr   map[uint16]uint64
}

// qemuTrap is a riscv_cpu_do_interrupt line not yet emitted: its target
// mode and new pc come from the hart's next state dump.
type qemuTrap struct {
	async bool
	cause uint64
	epc   uint64
	tval  uint64
}

type qemuHart struct {
	prev    qemuState
	cur     qemuState
	traps   []qemuTrap
	retired uint64
}

type qemuImporter struct {
	opts  QEMUOptions
	emit  func(*Record) error
	harts []*qemuHart
	insns map[uint64]uint32 // pc -> instruction bits from -d in_asm
	stats QEMUStats
	rec   Record
	// block being parsed
	inBlock bool
	blkHart int
	blk     qemuState
}

// ImportQEMU turns a QEMU 7.2 "-singlestep -d exec,cpu,nochain[,int][,in_asm][,fpu]"
// log into retire, trap and interrupt records, streaming: it holds one
// state dump per hart, never the log. -d in_asm adds instruction bits
// (printed once per translation, cached by pc); -d int adds traps and
// interrupts; -d fpu adds floating-point register writes. Register and CSR writes are the changes between consecutive
// dumps of a hart (FlagDelta); a CSR write is recorded only for a Zicsr
// instruction naming a CSR the dump shows.
func ImportQEMU(r io.Reader, opts QEMUOptions, emit func(*Record) error) (QEMUStats, error) {
	im := &qemuImporter{opts: opts, emit: emit, insns: make(map[uint64]uint32)}
	err := im.run(r)
	if errors.Is(err, ErrStop) {
		im.stats.Stopped = true
		err = nil
	}
	if err == nil {
		err = im.finish()
	}
	im.stats.Harts = len(im.harts)
	return im.stats, err
}

func (im *qemuImporter) run(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<20)
	inAsm := false
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// An over-long line is nothing we parse; skip the rest.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		if len(line) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return im.endBlock()
			}
			return fmt.Errorf("qemu log: line %d: %w", im.stats.Lines+1, err)
		}
		im.stats.Lines++
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) > 0 && line[0] == ' ' && im.inBlock:
			if err := im.stateLine(line); err != nil {
				return fmt.Errorf("qemu log: line %d: %w", im.stats.Lines, err)
			}
			continue
		case bytes.HasPrefix(line, []byte("IN:")):
			inAsm = true
		case inAsm && bytes.HasPrefix(line, []byte("0x")):
			im.asmLine(line)
		case len(line) == 0:
			inAsm = false
		}
		if err := im.endBlock(); err != nil {
			return err
		}
		switch {
		case bytes.HasPrefix(line, []byte("Trace ")):
			if err := im.traceLine(line); err != nil {
				return fmt.Errorf("qemu log: line %d: %w", im.stats.Lines, err)
			}
		case bytes.HasPrefix(line, []byte("riscv_cpu_do_interrupt:")):
			if err := im.interruptLine(line); err != nil {
				return fmt.Errorf("qemu log: line %d: %w", im.stats.Lines, err)
			}
		}
	}
}

// traceLine starts a block: "Trace CPU: HOSTPTR [CSBASE/PC/FLAGS/CFLAGS] SYM".
func (im *qemuImporter) traceLine(line []byte) error {
	rest := line[len("Trace "):]
	colon := bytes.IndexByte(rest, ':')
	lb := bytes.IndexByte(rest, '[')
	rb := bytes.IndexByte(rest, ']')
	if colon < 0 || lb < 0 || rb < lb {
		return fmt.Errorf("malformed Trace line %q", line)
	}
	cpu, ok := parseDec(rest[:colon])
	if !ok || cpu >= maxQEMUHarts {
		return fmt.Errorf("bad cpu index in %q", line)
	}
	fields := bytes.Split(rest[lb+1:rb], []byte{'/'})
	if len(fields) < 3 {
		return fmt.Errorf("malformed Trace line %q", line)
	}
	pc, ok1 := parseHex(fields[1])
	flags, ok2 := parseHex(fields[2])
	if !ok1 || !ok2 {
		return fmt.Errorf("bad pc or flags in %q", line)
	}
	im.inBlock = true
	im.blkHart = int(cpu)
	h := im.hart(int(cpu))
	// Reuse the older state's storage for the new block.
	im.blk = h.prev
	im.blk.valid = true
	im.blk.pc = pc
	// TB flags bits 0..2 are the MMU index, which QEMU 7.2 sets to the
	// privilege level (bit 2 is V, off without the H extension).
	im.blk.priv = uint8(flags & 3)
	if im.blk.csr == nil {
		im.blk.csr = make(map[uint16]uint64, len(qemuCSRs))
	}
	return nil
}

func (im *qemuImporter) hart(i int) *qemuHart {
	for len(im.harts) <= i {
		im.harts = append(im.harts, &qemuHart{})
	}
	return im.harts[i]
}

// stateLine parses one line of a register dump: " mstatus  0000..." or
// " x0/zero  0000... x1/ra    0000... ...".
func (im *qemuImporter) stateLine(line []byte) error {
	for len(line) > 0 {
		line = bytes.TrimLeft(line, " ")
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 {
			return nil
		}
		name := line[:sp]
		line = bytes.TrimLeft(line[sp:], " ")
		end := bytes.IndexByte(line, ' ')
		if end < 0 {
			end = len(line)
		}
		val, ok := parseHex(line[:end])
		line = line[end:]
		if !ok {
			continue // e.g. "V      =   0", vector or float rows
		}
		if name[0] == 'x' || name[0] == 'f' {
			if slash := bytes.IndexByte(name, '/'); slash > 0 {
				if n, ok := parseDec(name[1:slash]); ok && n < 32 {
					if name[0] == 'x' {
						im.blk.x[n] = val
					} else {
						im.blk.f[n] = val
					}
				}
				continue
			}
		}
		if csr, ok := qemuCSRs[string(name)]; ok {
			im.blk.csr[csr] = val
		}
	}
	return nil
}

// asmLine caches the instruction bits of "0xPC:  HEX  mnemonic ...".
func (im *qemuImporter) asmLine(line []byte) {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return
	}
	pc, ok := parseHex(line[2:colon])
	if !ok {
		return
	}
	rest := bytes.TrimLeft(line[colon+1:], " ")
	end := bytes.IndexByte(rest, ' ')
	if end < 0 {
		end = len(rest)
	}
	if end != 4 && end != 8 {
		return
	}
	insn, ok := parseHex(rest[:end])
	if ok {
		im.insns[pc] = uint32(insn)
	}
}

// interruptLine parses "riscv_cpu_do_interrupt: hart:0, async:0,
// cause:0000000000000009, epc:0x0000000080000a14, tval:0x0..., desc=...".
func (im *qemuImporter) interruptLine(line []byte) error {
	var t qemuTrap
	hart, ok1 := fieldAfter(line, "hart:", parseDec)
	async, ok2 := fieldAfter(line, "async:", parseDec)
	cause, ok3 := fieldAfter(line, "cause:", parseHex)
	epc, ok4 := fieldAfter(line, "epc:0x", parseHex)
	tval, ok5 := fieldAfter(line, "tval:0x", parseHex)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || hart >= maxQEMUHarts {
		return fmt.Errorf("malformed interrupt line %q", line)
	}
	t.async, t.cause, t.epc, t.tval = async != 0, cause, epc, tval
	h := im.hart(int(hart))
	h.traps = append(h.traps, t)
	return nil
}

func fieldAfter(line []byte, key string, parse func([]byte) (uint64, bool)) (uint64, bool) {
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		return 0, false
	}
	v := line[i+len(key):]
	end := bytes.IndexAny(v, ", ")
	if end >= 0 {
		v = v[:end]
	}
	return parse(v)
}

// endBlock finishes the dump being parsed: the hart's previous instruction
// is now complete, its effects being the difference between the dumps.
func (im *qemuImporter) endBlock() error {
	if !im.inBlock {
		return nil
	}
	im.inBlock = false
	h := im.harts[im.blkHart]
	h.prev, h.cur = h.cur, im.blk
	im.blk = qemuState{}
	if len(h.traps) == 0 && im.notExecuted(&h.prev, h.cur.pc, h.cur.priv) {
		return nil
	}
	if im.opts.StopPC != 0 && h.cur.pc == im.opts.StopPC {
		if err := im.step(im.blkHart, h, true); err != nil {
			return err
		}
		return ErrStop
	}
	return im.step(im.blkHart, h, true)
}

// step emits what happened between h.prev and h.cur: the retirement of the
// instruction at h.prev.pc (unless it trapped) and any traps in between.
// With haveCur false (end of log) the last instruction's effects are
// unknown.
func (im *qemuImporter) step(hartID int, h *qemuHart, haveCur bool) error {
	prev, cur := &h.prev, &h.cur
	if !haveCur {
		prev = &h.cur
	}
	traps := h.traps
	h.traps = h.traps[:0]
	privAfter := uint8(0)
	privKnown := false
	if prev.valid {
		// An interrupt whose epc is the dumped pc was taken before that
		// instruction ran (QEMU left the TB at its entry check).
		trapped := len(traps) > 0 && traps[0].epc == prev.pc &&
			(!traps[0].async || im.notExecuted(prev, prev.pc, prev.priv))
		if !trapped {
			if err := im.emitRetire(hartID, h, prev, cur, haveCur, len(traps) > 0); err != nil {
				return err
			}
		}
		privAfter, privKnown = privAfterRetire(prev, im.insns[prev.pc], trapped)
	}
	for i, t := range traps {
		next := cur.pc
		target := cur.priv
		if i+1 < len(traps) {
			next = traps[i+1].epc
		}
		if !haveCur && i+1 == len(traps) {
			next = 0
		}
		if err := im.emitTrap(hartID, h, t, privAfter, privKnown, target, next); err != nil {
			return err
		}
		privAfter, privKnown = target, haveCur
	}
	if im.opts.MaxRetired != 0 && h.retired >= im.opts.MaxRetired {
		return ErrStop
	}
	return nil
}

// notExecuted says whether the instruction dumped in s did not run although
// QEMU logged it: the hart's next dump (or an interrupt's epc) is at the
// same pc and privilege. QEMU logs a TB before executing it, and a TB
// whose entry check finds an exit request (another hart's turn in
// round-robin TCG, an interrupt raised meanwhile) leaves at once, to be
// logged again when it really runs. An instruction that did run leaves
// the pc elsewhere unless it jumps to itself; that is told from the
// instruction bits (-d in_asm), so without them a "j ." loop is taken for
// repeated exits.
func (im *qemuImporter) notExecuted(s *qemuState, nextPC uint64, nextPriv uint8) bool {
	if !s.valid || s.pc != nextPC || s.priv != nextPriv {
		return false
	}
	insn, ok := im.insns[s.pc]
	return !ok || !jumpsToItself(insn, s)
}

// jumpsToItself reports whether insn at s.pc, run in state s, may branch
// or jump to its own address (so an unchanged pc is a retirement).
func jumpsToItself(insn uint32, s *qemuState) bool {
	if insn&3 != 3 {
		c := uint16(insn)
		switch {
		case c == 0xa001: // c.j 0
			return true
		case c&0xc003 == 0xc001 && c&0x1c7c == 0: // c.beqz/c.bnez, offset 0
			return true
		case c&0xf07f == 0x8002 && c&0x0f80 != 0: // c.jr/c.jalr rs1
			return s.x[(c>>7)&31]&^1 == s.pc
		}
		return false
	}
	switch insn & 0x7f {
	case 0x6f: // jal, offset 0
		return insn&0xfffff000 == 0
	case 0x63: // branch, offset 0
		return insn&0xfe000f80 == 0
	case 0x67: // jalr
		imm := uint64(int64(int32(insn)) >> 20)
		return (s.x[(insn>>15)&31]+imm)&^1 == s.pc
	}
	return false
}

// privAfterRetire is the privilege level once the instruction at s.pc
// completed: mret and sret change it to mstatus.MPP / SPP.
func privAfterRetire(s *qemuState, insn uint32, trapped bool) (uint8, bool) {
	if trapped {
		return s.priv, true
	}
	mstatus, ok := s.csr[0x300]
	switch insn {
	case 0x30200073: // mret
		return uint8(mstatus>>11) & 3, ok
	case 0x10200073: // sret
		return uint8(mstatus>>8) & 1, ok
	}
	return s.priv, true
}

func (im *qemuImporter) emitRetire(hartID int, h *qemuHart, prev, cur *qemuState, haveCur, trapFollows bool) error {
	r := &im.rec
	*r = Record{Flags: FlagDelta | FlagNoMem}
	e := &r.Event
	e.Kind = sim.KindRetire
	e.Hart = int32(hartID)
	e.Instret = h.retired
	e.PC = prev.pc
	e.Priv = prev.priv
	if insn, ok := im.insns[prev.pc]; ok {
		e.Insn = insn
		e.InsnLen = insnLen(insn)
	}
	if haveCur {
		im.gprDelta(e, prev, cur)
		if !trapFollows {
			csrDelta(e, prev, cur)
		}
	}
	h.retired++
	im.stats.Retired++
	return im.emit(r)
}

func (im *qemuImporter) gprDelta(e *sim.Event, prev, cur *qemuState) {
	n := 0
	for i := 1; i < 32; i++ {
		if prev.x[i] != cur.x[i] {
			if n == 0 {
				e.RegKind, e.Reg, e.RegVal = sim.RegX, uint8(i), cur.x[i]
			}
			n++
		}
	}
	if n > 1 {
		im.stats.MultiWrites++
	}
	if n > 0 {
		return
	}
	// Floating-point registers appear in the dump with -d fpu only.
	for i := 0; i < 32; i++ {
		if prev.f[i] != cur.f[i] {
			e.RegKind, e.Reg, e.RegVal = sim.RegF, uint8(i), cur.f[i]
			return
		}
	}
}

// csrDelta records the CSR write of a Zicsr instruction when the dump shows
// that CSR changed. sstatus, sie and sip are views of mstatus, mie and mip.
func csrDelta(e *sim.Event, prev, cur *qemuState) {
	csr, ok := zicsrTarget(e.Insn)
	if !ok {
		return
	}
	shown, mask := csr, ^uint64(0)
	switch csr {
	case 0x100: // sstatus
		shown, mask = 0x300, sstatusMask
	case 0x104: // sie
		shown = 0x304
	case 0x144: // sip
		shown = 0x344
	}
	before, ok1 := prev.csr[shown]
	after, ok2 := cur.csr[shown]
	if !ok1 || !ok2 || before == after {
		return
	}
	e.CSRWrit, e.CSR, e.CSRVal = true, csr, after&mask
}

// zicsrTarget returns the CSR a csrrw/csrrs/csrrc(i) instruction names.
func zicsrTarget(insn uint32) (uint16, bool) {
	if insn&0x7f != 0x73 || (insn>>12)&7 == 0 || (insn>>12)&7 == 4 {
		return 0, false
	}
	return uint16(insn >> 20), true
}

func insnLen(insn uint32) uint8 {
	if insn&3 == 3 {
		return 4
	}
	return 2
}

func (im *qemuImporter) emitTrap(hartID int, h *qemuHart, t qemuTrap, priv uint8, privKnown bool, target uint8, newPC uint64) error {
	r := &im.rec
	*r = Record{Flags: FlagDelta | FlagNoMem}
	if !privKnown {
		r.Flags |= FlagPrivUnknown
	}
	e := &r.Event
	e.Kind = sim.KindTrap
	e.Cause = t.cause
	if t.async {
		e.Kind = sim.KindInterrupt
		e.Cause |= 1 << 63
		im.stats.Interrupts++
	} else {
		im.stats.Traps++
		if insn, ok := im.insns[t.epc]; ok {
			e.Insn, e.InsnLen = insn, insnLen(insn)
		}
	}
	e.Hart = int32(hartID)
	e.Instret = h.retired
	e.PC = t.epc
	e.Priv = priv
	e.Tval = t.tval
	e.TargetPriv = target
	e.NewPC = newPC
	return im.emit(r)
}

// finish emits each hart's last instruction, whose effects the log does not
// show, and any trap after it.
func (im *qemuImporter) finish() error {
	if im.stats.Stopped {
		return nil
	}
	for i, h := range im.harts {
		if !h.cur.valid {
			continue
		}
		if err := im.step(i, h, false); err != nil && !errors.Is(err, ErrStop) {
			return err
		}
	}
	return nil
}

func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(c)
	}
	return v, true
}

func parseDec(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}
