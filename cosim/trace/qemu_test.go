package trace

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/sim"
)

// dump renders one "Trace" block as QEMU 7.2 prints it.
func dump(cpu int, pc uint64, priv int, csrs map[string]uint64, x [32]uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Trace %d: 0x7f0000000100 [0000000000000000/%016x/%08x/ff080201] \n", cpu, pc, 0x00201000|priv)
	fmt.Fprintf(&b, " %-8s %016x\n", "pc", pc)
	for _, name := range []string{"mhartid", "mstatus", "mip", "mie", "mideleg", "medeleg", "mtvec", "stvec", "mepc", "sepc", "mcause", "scause", "mtval", "stval", "mscratch", "sscratch", "satp"} {
		fmt.Fprintf(&b, " %-8s %016x\n", name, csrs[name])
	}
	for i := 0; i < 32; i++ {
		fmt.Fprintf(&b, " x%-7s %016x", fmt.Sprintf("%d/%s", i, abiNames[i]), x[i])
		if i%4 == 3 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

func asm(pc uint64, insn uint32) string {
	if insn&3 != 3 {
		return fmt.Sprintf("----------------\nIN: \nPriv: 3; Virt: 0\n0x%016x:  %04x              whatever\n\n", pc, insn)
	}
	return fmt.Sprintf("----------------\nIN: \nPriv: 3; Virt: 0\n0x%016x:  %08x          whatever x1,x2\n\n", pc, insn)
}

func importString(t *testing.T, log string, opts QEMUOptions) ([]*Record, QEMUStats) {
	t.Helper()
	var out []*Record
	st, err := ImportQEMU(strings.NewReader(log), opts, func(r *Record) error {
		c := *r
		out = append(out, &c)
		return nil
	})
	require.NoError(t, err)
	return out, st
}

func TestImportQEMUSynthetic(t *testing.T) {
	csr0 := map[string]uint64{"mstatus": 0xa00000000, "mtvec": 0x200}
	csr1 := map[string]uint64{"mhartid": 1, "mstatus": 0xa00000000, "mtvec": 0x200}
	var x0, x1 [32]uint64
	var log strings.Builder
	// hart 0: addi t0 at 0x100, csrw mscratch at 0x104, ecall at 0x108.
	log.WriteString(asm(0x100, 0x00128293))
	log.WriteString(dump(0, 0x100, 3, csr0, x0))
	// hart 1 interleaved: c.li a0,0 at 0x100 writes the value a0 already
	// holds: no change visible.
	log.WriteString(asm(0x180, 0x4501))
	log.WriteString(dump(1, 0x180, 3, csr1, x1))
	x0[5] = 1
	log.WriteString(asm(0x104, 0x34029073))
	log.WriteString(dump(0, 0x104, 3, csr0, x0))
	csr0["mscratch"] = 1
	log.WriteString(asm(0x108, 0x00000073))
	log.WriteString(dump(0, 0x108, 3, csr0, x0))
	log.WriteString("riscv_cpu_do_interrupt: hart:0, async:0, cause:000000000000000b, epc:0x0000000000000108, tval:0x0000000000000000, desc=machine_ecall\n")
	csr0["mepc"], csr0["mcause"] = 0x108, 0xb
	log.WriteString(dump(0, 0x200, 3, csr0, x0))
	// hart 1: timer interrupt after its first instruction, into S mode.
	log.WriteString("riscv_cpu_do_interrupt: hart:1, async:1, cause:0000000000000005, epc:0x0000000000000182, tval:0x0000000000000000, desc=s_timer\n")
	log.WriteString(dump(1, 0x300, 1, csr1, x1))
	log.WriteString(dump(0, 0x204, 3, csr0, x0))

	recs, st := importString(t, log.String(), QEMUOptions{})
	require.Equal(t, 2, st.Harts)
	var lines []string
	for _, r := range recs {
		lines = append(lines, FormatText(r))
	}
	require.Equal(t, []string{
		"h0 #0 M 0x00000100: 00128293 addi t0,t0,1  t0=0x1",
		"h0 #1 M 0x00000104: 34029073 csrw mscratch,t0  mscratch=0x1",
		"h0 #2 M 0x00000108: trap cause=0xb (ecall from M) tval=0x0 -> M 0x200",
		"h1 #0 M 0x00000180:     4501 li a0,0",
		"h1 #1 M 0x00000182: interrupt cause=0x8000000000000005 (S timer) tval=0x0 -> S 0x300",
		// The last instruction of each hart: the log ends before its effects.
		"h0 #2 M 0x00000200: ???????? ?",
		"h0 #3 M 0x00000204: ???????? ?",
		"h1 #1 S 0x00000300: ???????? ?",
	}, lines)
	// Order: records come out when the next dump of their hart arrives.
	kinds := map[int32][]sim.Kind{}
	for _, r := range recs {
		require.True(t, r.Has(FlagDelta|FlagNoMem))
		kinds[r.Hart] = append(kinds[r.Hart], r.Kind)
	}
	require.Equal(t, []sim.Kind{sim.KindRetire, sim.KindRetire, sim.KindTrap, sim.KindRetire, sim.KindRetire}, kinds[0])
	require.Equal(t, uint64(0x200), recs[2].NewPC)
	require.Equal(t, []sim.Kind{sim.KindRetire, sim.KindInterrupt, sim.KindRetire}, kinds[1])

	// StopPC ends the import before the instruction at that pc.
	recs, st = importString(t, log.String(), QEMUOptions{StopPC: 0x108})
	require.True(t, st.Stopped)
	var h0 []uint64
	for _, r := range recs {
		if r.Hart == 0 {
			h0 = append(h0, r.PC)
		}
	}
	require.Equal(t, []uint64{0x100, 0x104}, h0)
}

func TestImportQEMURejectsMalformedLines(t *testing.T) {
	for _, bad := range []string{
		"Trace x: 0x1 [0/1/2/3]\n",
		"Trace 0: 0x1 [0/zz/2/3]\n",
		"riscv_cpu_do_interrupt: hart:0, async:0, cause:zz, epc:0x1, tval:0x0, desc=x\n",
	} {
		_, err := ImportQEMU(strings.NewReader(bad), QEMUOptions{}, func(*Record) error { return nil })
		require.Error(t, err, bad)
	}
	// Garbage that is not a log line is ignored, as QEMU interleaves
	// other output.
	_, err := ImportQEMU(strings.NewReader("hello\n\x00\xff\n"), QEMUOptions{}, func(*Record) error { return nil })
	require.NoError(t, err)
}

// TestImportQEMUHello runs the bare-metal test program under QEMU and
// checks the imported trace shows what the program does.
func TestImportQEMUHello(t *testing.T) {
	log := qemuLog(t, buildHello(t))
	src, closer, err := OpenFile(log, QEMUOptions{})
	require.NoError(t, err)
	defer closer.Close()
	recs := collect(t, src)
	var traps []uint64
	var sawS, sawAMO, sawMRET bool
	for _, r := range recs {
		switch r.Kind {
		case sim.KindTrap:
			traps = append(traps, r.Cause)
		case sim.KindRetire:
			require.NotZero(t, r.Insn, "instruction bits at %#x", r.PC)
			sawS = sawS || r.Priv == 1
			sawAMO = sawAMO || strings.HasPrefix(Disasm(r.Insn), "amoadd.d")
			sawMRET = sawMRET || Disasm(r.Insn) == "mret"
		}
	}
	require.Equal(t, []uint64{11, 2, 9}, traps, "ecall from M, illegal instruction, ecall from S")
	require.True(t, sawS && sawAMO && sawMRET)
	last := recs[len(recs)-1]
	require.Equal(t, "sw t1,0(t0)", Disasm(last.Insn), "the test finisher write ends the run")
}

func BenchmarkImportQEMU(b *testing.B) {
	// A synthetic log of straight-line instructions, ~1.5 KB per step
	// as QEMU writes it.
	var x [32]uint64
	csrs := map[string]uint64{"mstatus": 0xa00000000}
	var sb strings.Builder
	for i := 0; i < 1000; i++ {
		x[5+i%20] = uint64(i)
		sb.WriteString(dump(0, 0x80000000+uint64(4*i), 3, csrs, x))
	}
	log := sb.String()
	b.SetBytes(int64(len(log)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := ImportQEMU(strings.NewReader(log), QEMUOptions{}, func(*Record) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzImportQEMU: no log makes the importer panic.
func FuzzImportQEMU(f *testing.F) {
	var x [32]uint64
	csrs := map[string]uint64{"mstatus": 0xa00000000}
	f.Add(asm(0x100, 0x30200073) + dump(0, 0x100, 3, csrs, x) +
		"riscv_cpu_do_interrupt: hart:0, async:1, cause:0000000000000007, epc:0x0000000000000104, tval:0x0, desc=m_timer\n" +
		dump(0, 0x200, 3, csrs, x) + dump(1, 0x4, 1, csrs, x))
	f.Fuzz(func(t *testing.T, log string) {
		ImportQEMU(strings.NewReader(log), QEMUOptions{StopPC: 0x200}, func(r *Record) error {
			FormatText(r)
			return nil
		})
	})
}

// TestImportQEMUTimerInterrupt checks the interrupt path with real QEMU:
// timer.S takes a machine timer interrupt right after enabling MIE.
func TestImportQEMUTimerInterrupt(t *testing.T) {
	log := qemuLog(t, buildProgram(t, "timer"))
	src, closer, err := OpenFile(log, QEMUOptions{})
	require.NoError(t, err)
	defer closer.Close()
	recs := collect(t, src)
	var intr *Record
	for i, r := range recs {
		if r.Kind == sim.KindInterrupt {
			require.Nil(t, intr, "one interrupt")
			intr = r
			prev := recs[i-1]
			require.Equal(t, "csrsi mstatus,8", Disasm(prev.Insn), "taken right after MIE is set")
			require.Equal(t, prev.PC+4, r.PC, "pc is the interrupted (next) instruction")
			require.Equal(t, Disasm(recs[i+1].Insn), "li t5,-1", "then the handler runs")
			require.Equal(t, recs[i+1].PC, r.NewPC)
		}
	}
	require.NotNil(t, intr)
	require.Equal(t, uint64(1<<63|7), intr.Cause)
	require.Equal(t, uint8(3), intr.Priv)
	require.Equal(t, uint8(3), intr.TargetPriv)
	// The program read the tick count the handler wrote.
	found := false
	for _, r := range recs {
		if r.Kind == sim.KindRetire && Disasm(r.Insn) == "ld a1,0(t1)" {
			require.Equal(t, uint64(1), r.RegVal)
			found = true
		}
	}
	require.True(t, found)

	// Both sides take it at the same point: compared in lockstep, no skew.
	res, err := Diff(FileInput{Path: log}, FileInput{Path: log}, DiffOptions{})
	require.NoError(t, err)
	require.True(t, res.Equal)
	require.Empty(t, res.Harts[0].Skews)
}

func TestImportQEMUFloatRegisters(t *testing.T) {
	var x [32]uint64
	csrs := map[string]uint64{"mstatus": 0xa00006000}
	withF := func(pc uint64, f10 uint64) string {
		d := dump(0, pc, 3, csrs, x)
		return d + fmt.Sprintf(" f0/ft0   0000000000000000 f10/fa0  %016x\n", f10)
	}
	log := asm(0x100, 0xd2057553) + withF(0x100, 0) + withF(0x104, 0x3ff0000000000000) + withF(0x108, 0x3ff0000000000000)
	recs, _ := importString(t, log, QEMUOptions{})
	require.Equal(t, sim.RegF, recs[0].RegKind)
	require.Equal(t, uint8(10), recs[0].Reg)
	require.Equal(t, uint64(0x3ff0000000000000), recs[0].RegVal)
	require.Equal(t, sim.RegNone, recs[1].RegKind)
}

// TestImportQEMUSkipsTBsLeftAtEntry: round-robin TCG logs a TB, then
// leaves it at its entry check for another hart or an interrupt; the next
// dump of the hart is at the same pc. That instruction retires once, when
// it really runs; a "j ." that did run is still a retirement.
func TestImportQEMUSkipsTBsLeftAtEntry(t *testing.T) {
	csr := map[string]uint64{"mtvec": 0x200}
	var x [32]uint64
	var log strings.Builder
	log.WriteString(asm(0x100, 0x00128293)) // addi t0,t0,1
	log.WriteString(dump(0, 0x100, 3, csr, x))
	log.WriteString(dump(0, 0x100, 3, csr, x)) // left at entry, logged again
	x[5] = 1
	log.WriteString(asm(0x104, 0x0000006f)) // j .
	log.WriteString(dump(0, 0x104, 3, csr, x))
	log.WriteString(dump(0, 0x104, 3, csr, x)) // it ran once
	// An interrupt taken before the jump's next run: its epc is the pc.
	log.WriteString("riscv_cpu_do_interrupt: hart:0, async:1, cause:8000000000000007, epc:0x0000000000000104, tval:0x0000000000000000, desc=m_timer\n")
	log.WriteString(dump(0, 0x200, 3, csr, x))
	log.WriteString(asm(0x200, 0x00128293))
	log.WriteString(asm(0x300, 0x00128293))
	log.WriteString(dump(0, 0x300, 3, csr, x)) // a different hart state: ran
	recs, _ := importString(t, log.String(), QEMUOptions{})
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%v %#x", r.Event.Kind, r.Event.PC))
	}
	require.Equal(t, []string{
		fmt.Sprintf("%v %#x", sim.KindRetire, 0x100),
		fmt.Sprintf("%v %#x", sim.KindRetire, 0x104),
		fmt.Sprintf("%v %#x", sim.KindRetire, 0x104),
		fmt.Sprintf("%v %#x", sim.KindInterrupt, 0x104),
		fmt.Sprintf("%v %#x", sim.KindRetire, 0x200),
		fmt.Sprintf("%v %#x", sim.KindRetire, 0x300),
	}, got)
	require.Equal(t, uint8(5), recs[0].Event.Reg, "the addi's write is seen")
}
