package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"cosim/hw/sim"
)

// GDBOptions configure RecordGDB.
type GDBOptions struct {
	MaxSteps uint64        // 0: until the target exits or StopPC
	StopPC   uint64        // stop before executing this address (0: never)
	Timeout  time.Duration // per reply (default 10s)
	Hart     int           // hart number written in the records (default 0)
	// QEMUInterrupts asks QEMU's gdbstub to take interrupts and run
	// timers while single-stepping (Qqemu.sstep=1); by default QEMU masks
	// both, so a stepped run takes no interrupts.
	QEMUInterrupts bool
}

// GDBStats says what a recording saw.
type GDBStats struct {
	Steps      uint64
	Retired    uint64
	Traps      uint64
	Interrupts uint64
	Exited     bool // the target exited (e.g. QEMU's test finisher)
}

// gdbTarget is the stepping session's view of the hart.
type gdbTarget struct {
	c      *RSP
	regnum map[string]int
	privOK bool
	opts   GDBOptions
	emit   func(*Record) error
	stats  GDBStats
	rec    Record

	pc   uint64
	x    [32]uint64
	priv uint8
}

// RecordGDB single-steps the current thread of a GDB remote target (QEMU's
// gdbstub, OpenOCD) and emits a retire record per step with the register
// change it saw, plus trap and interrupt records when a step lands in a
// trap handler instead of where the instruction leads. Instruction bits
// come from reading memory at the pc; the privilege level from the
// target's "priv" register when it has one. Only the thread the stub
// reports is followed (one hart).
func RecordGDB(addr string, opts GDBOptions, emit func(*Record) error) (GDBStats, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	c, err := DialRSP(addr, opts.Timeout)
	if err != nil {
		return GDBStats{}, err
	}
	defer c.Close()
	t := &gdbTarget{c: c, opts: opts, emit: emit, regnum: map[string]int{}}
	if err := t.start(); err != nil {
		return t.stats, err
	}
	err = t.run()
	if errors.Is(err, ErrStop) {
		err = nil
	}
	if !t.stats.Exited {
		c.Command("D") // leave the target running; a failure here changes nothing recorded
	}
	return t.stats, err
}

func (t *gdbTarget) start() error {
	regs, err := t.c.ReadRegisters()
	if err != nil {
		return err
	}
	for _, r := range regs {
		t.regnum[r.Name] = r.Regnum
	}
	if _, ok := t.regnum["pc"]; !ok {
		return fmt.Errorf("gdb remote: target description has no pc: not a RISC-V target?")
	}
	if t.opts.QEMUInterrupts {
		if reply, err := t.c.Command("Qqemu.sstep=1"); err != nil || reply != "OK" {
			return fmt.Errorf("gdb remote: target refused Qqemu.sstep=1 (not QEMU?): %q %v", reply, err)
		}
	}
	if _, err := t.c.Command("?"); err != nil {
		return err
	}
	if t.pc, err = t.c.ReadGPRs(&t.x); err != nil {
		return err
	}
	if _, ok := t.regnum["priv"]; ok {
		p, err := t.c.ReadReg(t.regnum["priv"])
		if err != nil {
			return err
		}
		t.priv, t.privOK = uint8(p&3), true
	}
	return nil
}

func (t *gdbTarget) readCSR(csr uint16) (uint64, bool, error) {
	n, ok := t.regnum[CSRName(csr)]
	if !ok {
		return 0, false, nil
	}
	v, err := t.c.ReadReg(n)
	return v, err == nil, err
}

func (t *gdbTarget) fetch(pc uint64) (uint32, error) {
	b, err := t.c.ReadMemory(pc, 4)
	if err != nil || len(b) < 2 {
		// A compressed instruction at the end of a mapped page.
		if b, err = t.c.ReadMemory(pc, 2); err != nil {
			return 0, err
		}
		if len(b) < 2 {
			return 0, fmt.Errorf("gdb remote: short read at %#x", pc)
		}
	}
	insn := uint32(binary.LittleEndian.Uint16(b))
	if insn&3 == 3 {
		if len(b) < 4 {
			return 0, fmt.Errorf("gdb remote: short read at %#x", pc)
		}
		insn = binary.LittleEndian.Uint32(b)
	}
	return insn, nil
}

func (t *gdbTarget) run() error {
	for !t.stats.Exited {
		if t.opts.StopPC != 0 && t.pc == t.opts.StopPC {
			return nil
		}
		if t.opts.MaxSteps != 0 && t.stats.Steps >= t.opts.MaxSteps {
			return nil
		}
		if err := t.step(); err != nil {
			return err
		}
	}
	return nil
}

// step executes one instruction and emits what it did.
func (t *gdbTarget) step() error {
	insn, err := t.fetch(t.pc)
	if err != nil {
		return err
	}
	csr, isCSR := zicsrTarget(insn)
	var csrBefore uint64
	csrKnown := false
	if isCSR {
		if csrBefore, csrKnown, err = t.readCSR(csr); err != nil {
			return err
		}
	}
	var retTarget uint64
	switch insn {
	case 0x30200073: // mret
		retTarget, _, err = t.readCSR(0x341)
	case 0x10200073: // sret
		retTarget, _, err = t.readCSR(0x141)
	}
	if err != nil {
		return err
	}
	_, err = t.c.Step()
	t.stats.Steps++
	if errors.Is(err, ErrTargetExited) {
		t.stats.Exited = true
		t.retire(insn)
		return t.emitRetire()
	}
	if err != nil {
		return err
	}
	var nx [32]uint64
	npc, err := t.c.ReadGPRs(&nx)
	if err != nil {
		return err
	}
	if t.expected(insn, npc, retTarget) {
		e := t.retire(insn)
		t.gprDelta(e, &nx)
		if csrKnown {
			if after, ok, err := t.readCSR(csr); err != nil {
				return err
			} else if ok && after != csrBefore {
				e.CSRWrit, e.CSR, e.CSRVal = true, csr, after
			}
		}
		if err := t.emitRetire(); err != nil {
			return err
		}
		if insn == 0x30200073 || insn == 0x10200073 {
			if err := t.refreshPriv(); err != nil {
				return err
			}
		}
	} else if err := t.trapped(insn, npc, &nx); err != nil {
		return err
	}
	t.pc, t.x = npc, nx
	return nil
}

// expected reports whether npc is where insn at t.pc leads without a trap.
func (t *gdbTarget) expected(insn uint32, npc, retTarget uint64) bool {
	switch insn {
	case 0x00000073, 0x00100073: // ecall, ebreak always trap
		return false
	case 0x30200073, 0x10200073:
		return npc == retTarget
	}
	if insn == 0x9002 { // c.ebreak
		return false
	}
	for _, target := range nextPCs(insn, t.pc, &t.x) {
		if npc == target {
			return true
		}
	}
	return false
}

// trapped emits the events of a step that ended in a trap handler.
func (t *gdbTarget) trapped(insn uint32, npc uint64, nx *[32]uint64) error {
	prevPriv := t.priv
	if err := t.refreshPriv(); err != nil {
		return err
	}
	cause, epc, tval := uint16(0x342), uint16(0x341), uint16(0x343)
	if t.privOK && t.priv == 1 {
		cause, epc, tval = 0x142, 0x141, 0x143
	}
	var vals [3]uint64
	for i, csr := range []uint16{cause, epc, tval} {
		v, ok, err := t.readCSR(csr)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("gdb remote: step at %#x left the expected path and %s is not readable", t.pc, CSRName(csr))
		}
		vals[i] = v
	}
	interrupt := vals[0]>>63 != 0
	if vals[1] != t.pc {
		// The instruction completed; the trap came after it.
		e := t.retire(insn)
		t.gprDelta(e, nx)
		if err := t.emitRetire(); err != nil {
			return err
		}
	}
	r := &t.rec
	*r = Record{Flags: FlagDelta | FlagNoMem}
	e := &r.Event
	e.Kind = sim.KindTrap
	if interrupt {
		e.Kind = sim.KindInterrupt
		t.stats.Interrupts++
	} else {
		t.stats.Traps++
		if vals[1] == t.pc {
			e.Insn, e.InsnLen = insn, insnLen(insn)
		}
	}
	e.Hart = int32(t.opts.Hart)
	e.Instret = t.stats.Retired
	e.PC = vals[1]
	e.Priv = prevPriv
	if !t.privOK {
		r.Flags |= FlagPrivUnknown
	}
	e.Cause, e.Tval = vals[0], vals[2]
	e.TargetPriv = t.priv
	e.NewPC = npc
	return t.emit(r)
}

func (t *gdbTarget) refreshPriv() error {
	if !t.privOK {
		return nil
	}
	p, err := t.c.ReadReg(t.regnum["priv"])
	if err != nil {
		return err
	}
	t.priv = uint8(p & 3)
	return nil
}

// retire starts the retire record of insn at t.pc.
func (t *gdbTarget) retire(insn uint32) *sim.Event {
	r := &t.rec
	*r = Record{Flags: FlagDelta | FlagNoMem}
	if !t.privOK {
		r.Flags |= FlagPrivUnknown
	}
	e := &r.Event
	e.Kind = sim.KindRetire
	e.Hart = int32(t.opts.Hart)
	e.Instret = t.stats.Retired
	e.PC = t.pc
	e.Insn, e.InsnLen = insn, insnLen(insn)
	e.Priv = t.priv
	return e
}

func (t *gdbTarget) gprDelta(e *sim.Event, nx *[32]uint64) {
	for i := 1; i < 32; i++ {
		if t.x[i] != nx[i] {
			e.RegKind, e.Reg, e.RegVal = sim.RegX, uint8(i), nx[i]
			return
		}
	}
}

// emitRetire emits the retire record retire started.
func (t *gdbTarget) emitRetire() error {
	t.stats.Retired++
	return t.emit(&t.rec)
}

// nextPCs lists where insn at pc may lead without a trap: the next
// instruction, or a jump or branch target computed from the registers
// before it executed.
func nextPCs(insn uint32, pc uint64, x *[32]uint64) []uint64 {
	if insn&3 != 3 {
		return nextPCsCompressed(uint16(insn), pc, x)
	}
	seq := pc + 4
	switch insn & 0x7f {
	case 0x6f: // jal
		return []uint64{pc + uint64(jalImm(insn))}
	case 0x67: // jalr
		return []uint64{(x[(insn>>15)&31] + uint64(int64(int32(insn))>>20)) &^ 1}
	case 0x63: // branch
		return []uint64{seq, pc + uint64(branchImm(insn))}
	}
	return []uint64{seq}
}

func jalImm(insn uint32) int64 {
	imm := (insn>>31)&1<<20 | (insn>>21)&0x3ff<<1 | (insn>>20)&1<<11 | (insn>>12)&0xff<<12
	return int64(int32(imm<<11)) >> 11
}

func branchImm(insn uint32) int64 {
	imm := (insn>>31)&1<<12 | (insn>>25)&0x3f<<5 | (insn>>8)&0xf<<1 | (insn>>7)&1<<11
	return int64(int32(imm<<19)) >> 19
}

func nextPCsCompressed(c uint16, pc uint64, x *[32]uint64) []uint64 {
	seq := pc + 2
	op, funct3 := c&3, c>>13
	switch {
	case op == 1 && funct3 == 5: // c.j
		return []uint64{pc + uint64(cjImm(c))}
	case op == 1 && (funct3 == 6 || funct3 == 7): // c.beqz, c.bnez
		return []uint64{seq, pc + uint64(cbImm(c))}
	case op == 2 && funct3 == 4 && (c>>2)&31 == 0 && (c>>7)&31 != 0: // c.jr, c.jalr
		return []uint64{x[(c>>7)&31] &^ 1}
	}
	return []uint64{seq}
}

func cjImm(c uint16) int64 {
	b := func(bit, to uint) uint32 { return uint32(c>>bit) & 1 << to }
	imm := b(12, 11) | b(11, 4) | b(10, 9) | b(9, 8) | b(8, 10) | b(7, 6) | b(6, 7) | b(5, 3) | b(4, 2) | b(3, 1) | b(2, 5)
	return int64(int32(imm<<20)) >> 20
}

func cbImm(c uint16) int64 {
	b := func(bit, to uint) uint32 { return uint32(c>>bit) & 1 << to }
	imm := b(12, 8) | b(11, 4) | b(10, 3) | b(6, 7) | b(5, 6) | b(4, 2) | b(3, 1) | b(2, 5)
	return int64(int32(imm<<23)) >> 23
}
