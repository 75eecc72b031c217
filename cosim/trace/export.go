package trace

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"cosim/hw/sim"
)

// abiNames are the integer registers' ABI names (RISC-V psABI).
var abiNames = [32]string{
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
	"s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
	"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
	"s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
}

// csrNames names the CSRs listings show most (privileged spec CSR table).
var csrNames = map[uint16]string{
	0x001: "fflags", 0x002: "frm", 0x003: "fcsr",
	0x100: "sstatus", 0x104: "sie", 0x105: "stvec", 0x106: "scounteren",
	0x140: "sscratch", 0x141: "sepc", 0x142: "scause", 0x143: "stval", 0x144: "sip",
	0x180: "satp",
	0x300: "mstatus", 0x301: "misa", 0x302: "medeleg", 0x303: "mideleg", 0x304: "mie",
	0x305: "mtvec", 0x306: "mcounteren", 0x30a: "menvcfg", 0x320: "mcountinhibit",
	0x340: "mscratch", 0x341: "mepc", 0x342: "mcause", 0x343: "mtval", 0x344: "mip",
	0x3a0: "pmpcfg0", 0x3a2: "pmpcfg2", 0x3b0: "pmpaddr0", 0x3b1: "pmpaddr1",
	0xb00: "mcycle", 0xb02: "minstret", 0xc00: "cycle", 0xc01: "time", 0xc02: "instret",
	0xf11: "mvendorid", 0xf12: "marchid", 0xf13: "mimpid", 0xf14: "mhartid",
}

// CSRName returns a CSR's name, or "csr0x..." for one not in the table.
func CSRName(csr uint16) string {
	if n, ok := csrNames[csr]; ok {
		return n
	}
	return fmt.Sprintf("csr%#x", csr)
}

// CSRByName looks a CSR up by name or by number ("0x344").
func CSRByName(name string) (uint16, bool) {
	for n, s := range csrNames {
		if s == name {
			return n, true
		}
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(name, "csr"), 0, 12)
	return uint16(v), err == nil
}

func regName(kind, reg uint8) string {
	if kind == sim.RegF {
		return fmt.Sprintf("f%d", reg)
	}
	if int(reg) < len(abiNames) {
		return abiNames[reg]
	}
	return fmt.Sprintf("x%d", reg)
}

var privLetters = [4]string{"U", "S", "H", "M"}

func privName(r *Record) string {
	if r.Has(FlagPrivUnknown) {
		return "?"
	}
	return privLetters[r.Priv&3]
}

var memKindNames = [...]string{"", "load", "store", "amo"}

// FormatText renders one record as a listing line.
func FormatText(r *Record) string {
	var b strings.Builder
	e := &r.Event
	if e.Hart >= 0 {
		fmt.Fprintf(&b, "h%d #%d ", e.Hart, e.Instret)
	} else {
		b.WriteString("board ")
	}
	switch e.Kind {
	case sim.KindRetire:
		fmt.Fprintf(&b, "%s 0x%08x: %s %s", privName(r), e.PC, insnHex(e), Disasm(e.Insn))
		writeEffects(&b, e)
	case sim.KindTrap, sim.KindInterrupt:
		fmt.Fprintf(&b, "%s 0x%08x: %s cause=%#x (%s) tval=%#x -> %s %#x",
			privName(r), e.PC, KindName(e.Kind), e.Cause, CauseName(e.Cause), e.Tval, privLetters[e.TargetPriv&3], e.NewPC)
	case sim.KindFence, sim.KindFenceI, sim.KindSfenceVMA:
		fmt.Fprintf(&b, "%s 0x%08x: %s", privName(r), e.PC, KindName(e.Kind))
		if e.AddrValid {
			fmt.Fprintf(&b, " addr=%#x", e.Addr)
		}
		if e.ValueValid {
			fmt.Fprintf(&b, " value=%#x", e.Value)
		}
	case sim.KindMMIO:
		dir := "R"
		if e.Write {
			dir = "W"
		}
		fmt.Fprintf(&b, "mmio %s %s +%#x =%#x (%d)", e.Device, dir, e.Addr, e.Value, e.Size)
	case sim.KindConsole:
		fmt.Fprintf(&b, "console %s %q", e.Device, e.Data)
	case sim.KindDevice:
		fmt.Fprintf(&b, "device %s %s", e.Device, e.Text)
		if e.AddrValid {
			fmt.Fprintf(&b, " addr=%#x", e.Addr)
		}
		if e.ValueValid {
			fmt.Fprintf(&b, " value=%#x", e.Value)
		}
		if len(e.Data) > 0 {
			fmt.Fprintf(&b, " data=%x", e.Data)
		}
	case sim.KindMeta:
		fmt.Fprintf(&b, "meta %s", strings.ReplaceAll(e.Text, "\n", "; "))
	default:
		b.WriteString(KindName(e.Kind))
	}
	return b.String()
}

func insnHex(e *sim.Event) string {
	if e.Insn == 0 {
		return "????????"
	}
	if e.Insn&3 != 3 {
		return fmt.Sprintf("    %04x", e.Insn&0xffff)
	}
	return fmt.Sprintf("%08x", e.Insn)
}

func writeEffects(b *strings.Builder, e *sim.Event) {
	if e.RegKind != sim.RegNone {
		fmt.Fprintf(b, "  %s=%#x", regName(e.RegKind, e.Reg), e.RegVal)
	}
	if e.CSRWrit {
		fmt.Fprintf(b, "  %s=%#x", CSRName(e.CSR), e.CSRVal)
	}
	if e.MemKind != sim.MemNone && int(e.MemKind) < len(memKindNames) {
		fmt.Fprintf(b, "  %s%d [%#x]=%#x", memKindNames[e.MemKind], e.MemSize, e.MemAddr, e.MemData)
	}
}

// causeNames are the mcause exception codes (privileged spec, table
// "machine cause register values after trap").
var causeNames = map[uint64]string{
	0: "instruction address misaligned", 1: "instruction access fault", 2: "illegal instruction",
	3: "breakpoint", 4: "load address misaligned", 5: "load access fault",
	6: "store/AMO address misaligned", 7: "store/AMO access fault",
	8: "ecall from U", 9: "ecall from S", 11: "ecall from M",
	12: "instruction page fault", 13: "load page fault", 15: "store/AMO page fault",
}

var interruptNames = map[uint64]string{
	1: "S software", 3: "M software", 5: "S timer", 7: "M timer", 9: "S external", 11: "M external",
}

// CauseName describes an mcause value.
func CauseName(cause uint64) string {
	code := cause &^ (1 << 63)
	names := causeNames
	if cause>>63 != 0 {
		names = interruptNames
	}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprintf("code %d", code)
}

// Source yields records one at a time; io.EOF ends it.
type Source interface {
	Next() (*Record, error)
}

// Show writes the text listing of every record of src.
func Show(w io.Writer, src Source) error {
	for {
		r, err := src.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(w, FormatText(r)); err != nil {
			return fmt.Errorf("trace: show: %w", err)
		}
	}
}

// CSVColumns are riscv-dv's trace CSV columns (riscv_trace_csv.py).
var CSVColumns = []string{"pc", "instr", "gpr", "csr", "binary", "mode", "instr_str", "operand", "pad"}

// ExportCSV writes the retire records of src (of hart, or all harts when
// hart < 0) as riscv-dv trace CSV. Values are hex without 0x as riscv-dv's
// converters write them; gpr is "abi:value", csr "name:value", mode the
// privilege level number.
func ExportCSV(w io.Writer, src Source, hart int) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return fmt.Errorf("trace: csv: %w", err)
	}
	row := make([]string, len(CSVColumns))
	for {
		r, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if r.Kind != sim.KindRetire || (hart >= 0 && int(r.Hart) != hart) {
			continue
		}
		csvRow(row, r)
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("trace: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("trace: csv: %w", err)
	}
	return nil
}

func csvRow(row []string, r *Record) {
	e := &r.Event
	asm := Disasm(e.Insn)
	mnemonic, operands, _ := strings.Cut(asm, " ")
	row[0] = strconv.FormatUint(e.PC, 16)
	row[1] = mnemonic
	row[2] = ""
	if e.RegKind != sim.RegNone && !(e.RegKind == sim.RegX && e.Reg == 0) {
		row[2] = fmt.Sprintf("%s:%016x", regName(e.RegKind, e.Reg), e.RegVal)
	}
	row[3] = ""
	if e.CSRWrit {
		row[3] = fmt.Sprintf("%s:%016x", CSRName(e.CSR), e.CSRVal)
	}
	row[4] = strings.TrimSpace(insnHex(e))
	row[5] = strconv.Itoa(int(e.Priv))
	if r.Has(FlagPrivUnknown) {
		row[5] = ""
	}
	row[6] = asm
	row[7] = operands
	row[8] = ""
}
