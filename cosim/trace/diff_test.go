package trace

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/sim"
)

type sliceSource struct{ recs []Record }

func (s *sliceSource) Next() (*Record, error) {
	if len(s.recs) == 0 {
		return nil, io.EOF
	}
	r := s.recs[0]
	s.recs = s.recs[1:]
	return &r, nil
}

const (
	insnAddi   = 0x00150513 // addi a0,a0,1
	insnCsrrTm = 0xc0102573 // csrr a0,time
	insnMret   = 0x30200073
	insnSd     = 0x00a33023 // sd a0,0(t1)
)

func retire(pc uint64, insn uint32, reg uint8, val uint64) Record {
	r := Record{Event: sim.Event{Kind: sim.KindRetire, PC: pc, Insn: insn, InsnLen: 4, Priv: 3}}
	if reg != 0 {
		r.RegKind, r.Reg, r.RegVal = sim.RegX, reg, val
	}
	return r
}

func delta(r Record) Record {
	r.Flags |= FlagDelta | FlagNoMem
	return r
}

func interrupt(pc, cause, handler uint64) Record {
	return Record{Event: sim.Event{Kind: sim.KindInterrupt, PC: pc, Priv: 3, Cause: 1<<63 | cause, TargetPriv: 3, NewPC: handler}}
}

func diffRecs(t *testing.T, a, b []Record, opts DiffOptions) (*HartSummary, *Divergence) {
	t.Helper()
	sum, div, err := DiffHart(&sliceSource{a}, &sliceSource{b}, 0, opts)
	require.NoError(t, err)
	return sum, div
}

// straight returns n retires of addi at consecutive pcs from pc, a0
// counting up from v.
func straight(pc uint64, n int, v uint64) []Record {
	var out []Record
	for i := 0; i < n; i++ {
		out = append(out, retire(pc+uint64(4*i), insnAddi, 10, v+uint64(i)+1))
	}
	return out
}

func TestDiffEqualAndDivergence(t *testing.T) {
	a := straight(0x1000, 20, 0)
	sum, div := diffRecs(t, a, straight(0x1000, 20, 0), DiffOptions{})
	require.Nil(t, div)
	require.Equal(t, uint64(20), sum.Compared)

	b := straight(0x1000, 20, 0)
	b[15].RegVal = 99
	_, div = diffRecs(t, a, b, DiffOptions{Context: 4})
	require.NotNil(t, div)
	require.Equal(t, uint64(15), div.PosA)
	require.Equal(t, "different register a0", div.Reason)
	require.Equal(t, []FieldDiff{{"register a0", "0x10", "0x63"}}, div.Fields)
	require.Len(t, div.Context, 4)
	require.Equal(t, "addi a0,a0,1", div.A.Asm)
	require.Equal(t, "0x1038", div.Context[3].A.PC)
	_, err := json.Marshal(div)
	require.NoError(t, err)
}

func TestDiffDeltaSideIsCompatibleWithSameValueWrites(t *testing.T) {
	// A (our hart) writes a0=5 twice; B (QEMU) sees only the first change.
	a := []Record{retire(0x0, insnAddi, 10, 5), retire(0x4, insnAddi, 10, 5), retire(0x8, insnAddi, 10, 6)}
	b := []Record{delta(retire(0x0, insnAddi, 10, 5)), delta(retire(0x4, insnAddi, 0, 0)), delta(retire(0x8, insnAddi, 10, 6))}
	_, div := diffRecs(t, a, b, DiffOptions{})
	require.Nil(t, div)

	// A writes a value B's unchanged register cannot hold.
	a[1].RegVal = 7
	_, div = diffRecs(t, a, b, DiffOptions{})
	require.NotNil(t, div)
	require.Equal(t, uint64(1), div.PosA)
	require.Equal(t, "register a0", div.Fields[0].Field)

	// B saw a change where A (which records every write) wrote nothing.
	a = []Record{retire(0x0, insnAddi, 0, 0)}
	b = []Record{delta(retire(0x0, insnAddi, 10, 1))}
	_, div = diffRecs(t, a, b, DiffOptions{})
	require.NotNil(t, div)
	require.Equal(t, "register write", div.Fields[0].Field)
}

func TestDiffInterruptSkewResynchronises(t *testing.T) {
	handler := []Record{retire(0x500, insnAddi, 5, 1), retire(0x504, insnMret, 0, 0)}
	// A takes the timer interrupt before 0x1008, B two instructions later.
	var a, b []Record
	main := straight(0x1000, 6, 0)
	a = append(a, main[:2]...)
	a = append(a, interrupt(0x1008, 7, 0x500))
	a = append(a, handler...)
	a = append(a, main[2:]...)
	b = append(b, main[:4]...)
	b = append(b, interrupt(0x1010, 7, 0x500))
	b = append(b, handler...)
	b = append(b, main[4:]...)
	sum, div := diffRecs(t, a, b, DiffOptions{})
	require.Nil(t, div)
	require.Len(t, sum.Skews, 1)
	require.Equal(t, int64(2), sum.Skews[0].Delta)
	require.Equal(t, uint64(6), sum.Compared)

	// A handler that runs different code is a divergence.
	b[5].PC = 0x600
	_, div = diffRecs(t, a, b, DiffOptions{})
	require.NotNil(t, div)
	require.Contains(t, div.Reason, "handler of an interrupt taken with skew")

	// An interrupt the other side never takes, with the other side
	// running on past MaxSkew.
	long := straight(0x1000, 40, 0)
	a = append(append(append([]Record{}, long[:2]...), interrupt(0x1008, 7, 0x500)), handler...)
	a = append(a, long[2:]...)
	_, div = diffRecs(t, a, long, DiffOptions{MaxSkew: 10})
	require.NotNil(t, div)
	require.Contains(t, div.Reason, "has not taken it")
}

func TestDiffVolatileAndMemory(t *testing.T) {
	a := []Record{retire(0x0, insnCsrrTm, 10, 100)}
	b := []Record{retire(0x0, insnCsrrTm, 10, 250)}
	_, div := diffRecs(t, a, b, DiffOptions{})
	require.Nil(t, div, "time is volatile by default")
	none, err := ParseVolatile("none")
	require.NoError(t, err)
	_, div = diffRecs(t, a, b, DiffOptions{Volatile: none})
	require.NotNil(t, div)

	st := func(data uint64) Record {
		r := retire(0x0, insnSd, 0, 0)
		r.MemKind, r.MemSize, r.MemAddr, r.MemData = sim.MemStore, 8, 0x8000, data
		return r
	}
	_, div = diffRecs(t, []Record{st(1)}, []Record{st(2)}, DiffOptions{})
	require.NotNil(t, div)
	require.Equal(t, "memory access", div.Fields[0].Field)
	_, div = diffRecs(t, []Record{st(1)}, []Record{delta(retire(0x0, insnSd, 0, 0))}, DiffOptions{})
	require.Nil(t, div, "a source without memory effects is not a mismatch")

	vol, err := ParseVolatile("mem:0x200bff8-0x200c000,csr:mip")
	require.NoError(t, err)
	ld := func(v uint64) Record {
		r := retire(0x0, 0x0002b503, 10, v) // ld a0,0(t0)
		r.MemKind, r.MemSize, r.MemAddr, r.MemData = sim.MemLoad, 8, 0x200bff8, v
		return r
	}
	_, div = diffRecs(t, []Record{ld(5)}, []Record{ld(9)}, DiffOptions{Volatile: vol})
	require.Nil(t, div, "mtime loads are volatile")
	_, err = ParseVolatile("csr:nonsense")
	require.Error(t, err)
}

func TestDiffTrapAgainstRetireDiverges(t *testing.T) {
	a := []Record{retire(0x0, 0x00000073, 0, 0)}
	b := []Record{{Event: sim.Event{Kind: sim.KindTrap, PC: 0x0, Insn: 0x00000073, Priv: 3, Cause: 11, TargetPriv: 3, NewPC: 0x500}}}
	_, div := diffRecs(t, a, b, DiffOptions{})
	require.NotNil(t, div)
	require.Equal(t, "A: retire, B: trap", div.Reason)
}

func TestDiffTruncatedAndEmpty(t *testing.T) {
	sum, div := diffRecs(t, straight(0, 10, 0), straight(0, 5, 0), DiffOptions{})
	require.Nil(t, div)
	require.Equal(t, "b", sum.Truncated)
	_, div = diffRecs(t, straight(0, 10, 0), nil, DiffOptions{})
	require.NotNil(t, div, "a side with no events at all is not equal")
}

func TestStreamFromObserver(t *testing.T) {
	run := func(obs sim.Observer) error {
		for i := 0; i < 1000; i++ {
			obs.Observe(&sim.Event{Kind: sim.KindRetire, PC: uint64(4 * i), Insn: insnAddi, InsnLen: 4, Priv: 3, RegKind: sim.RegX, Reg: 10, RegVal: uint64(i) + 1})
			obs.Observe(&sim.Event{Kind: sim.KindConsole, Hart: -1, Data: []byte("x")})
		}
		return nil
	}
	a, ca := Stream(run)
	defer ca.Close()
	b, cb := Stream(run)
	defer cb.Close()
	sum, div, err := DiffHart(OnlyHart(a, 0), OnlyHart(b, 0), 0, DiffOptions{})
	require.NoError(t, err)
	require.Nil(t, div)
	require.Equal(t, uint64(1000), sum.Compared)
}

func TestRunQEMUReportsAFailingQEMU(t *testing.T) {
	needTool(t, "qemu-system-riscv64", "qemu-system-misc")
	_, err := RunQEMU(QEMURun{Args: []string{"-M", "no-such-machine"}}, func(*Record) error { return nil })
	require.Error(t, err)
	require.Contains(t, err.Error(), "unsupported machine type", "QEMU's own message is passed on")
}

func TestDiffFollowsVolatileValuesThroughRegisters(t *testing.T) {
	// csrr a0,time; addi a0,a0,1 (from a0: masked); addi a1,zero,... no:
	// li a1,5 clears nothing; add a2,a1,a0 (from a0: masked); li a0,7
	// (a0 rewritten from constants: compared again).
	const (
		addA2  = 0x00a58633 // add a2,a1,a0
		liA0   = 0x00700513 // li a0,7
		liA1   = 0x00500593 // li a1,5
		addiA1 = 0x00158593 // addi a1,a1,1
	)
	mk := func(t0, a2, a0 uint64) []Record {
		return []Record{
			retire(0x0, insnCsrrTm, 10, t0),
			retire(0x4, insnAddi, 10, t0+1),
			retire(0x8, liA1, 11, 5),
			retire(0xc, addA2, 12, a2),
			retire(0x10, liA0, 10, a0),
			retire(0x14, addiA1, 11, 6),
		}
	}
	_, div := diffRecs(t, mk(100, 106, 7), mk(200, 206, 7), DiffOptions{})
	require.Nil(t, div)
	_, div = diffRecs(t, mk(100, 106, 7), mk(200, 206, 8), DiffOptions{})
	require.NotNil(t, div, "a0 no longer derives from time")
	require.Equal(t, uint64(4), div.PosA)
}

// TestDiffSkipsSpinLoops: a hart waiting for another goes round its loop
// a different number of times on each side; with the loop declared a spin
// range the comparison resumes after it, and a difference after the loop
// is still found.
func TestDiffSkipsSpinLoops(t *testing.T) {
	const ldT1, bne = 0x00033303, 0xfe731ee3 // ld t1,0(t1); bne t1,t2,...
	loop := func(n int, last uint64) []Record {
		var rs []Record
		for i := 0; i < n; i++ {
			v := uint64(0)
			if i == n-1 {
				v = last
			}
			rs = append(rs, retire(0x100, ldT1, 6, v), retire(0x104, bne, 0, 0))
		}
		return rs
	}
	after := func(v uint64) []Record { return []Record{retire(0x108, insnAddi, 10, v)} }
	a := append(append(straight(0x0, 3, 1), loop(2, 2)...), after(7)...)
	b := append(append(straight(0x0, 3, 1), loop(40, 2)...), after(7)...)
	_, div := diffRecs(t, a, b, DiffOptions{})
	require.NotNil(t, div, "without a spin range the loop counts differ")

	vol, err := ParseVolatile(DefaultVolatile + ",spin:0x100-0x108")
	require.NoError(t, err)
	sum, div := diffRecs(t, a, b, DiffOptions{Volatile: vol})
	require.Nil(t, div)
	require.Equal(t, uint64(4), sum.SpunA)
	require.Equal(t, uint64(80), sum.SpunB)
	require.Equal(t, uint64(4), sum.Compared)

	b = append(append(straight(0x0, 3, 1), loop(40, 2)...), after(8)...)
	_, div = diffRecs(t, a, b, DiffOptions{Volatile: vol})
	require.NotNil(t, div, "the instruction after the loop is compared")
	_, err = ParseVolatile("spin:0x10")
	require.Error(t, err)
}

// TestDiffDeltaSideSilentAboutUnseenCSR: QEMU's dump shows no pmpaddr, so
// its silence about one is no claim that the value stayed; a CSR it has
// reported before is still checked.
func TestDiffDeltaSideSilentAboutUnseenCSR(t *testing.T) {
	const csrwPmpaddr1 = 0x3b151073 // csrw pmpaddr1,a0
	const csrwMscratch = 0x34051073 // csrw mscratch,a0
	w := func(pc uint64, insn uint32, csr uint16, v uint64) Record {
		r := retire(pc, insn, 0, 0)
		r.CSRWrit, r.CSR, r.CSRVal = true, csr, v
		return r
	}
	a := []Record{w(0x0, csrwPmpaddr1, 0x3b1, 0x3fffffffffffff), w(0x4, csrwPmpaddr1, 0x3b1, 0)}
	b := []Record{delta(retire(0x0, csrwPmpaddr1, 0, 0)), delta(retire(0x4, csrwPmpaddr1, 0, 0))}
	_, div := diffRecs(t, a, b, DiffOptions{})
	require.Nil(t, div)

	a = []Record{w(0x0, csrwMscratch, 0x340, 1), w(0x4, csrwMscratch, 0x340, 2)}
	b = []Record{delta(w(0x0, csrwMscratch, 0x340, 1)), delta(retire(0x4, csrwMscratch, 0, 0))}
	_, div = diffRecs(t, a, b, DiffOptions{})
	require.NotNil(t, div, "B reported mscratch before: its silence says the value stayed 1")
}
