package trace

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/arch/riscv64/riscv64asm"
)

// privInsns lists the system instructions riscv64asm does not decode, as
// (mask, match, name, operands) rows from the privileged specification's
// encodings. operands: "" none, "rs" rs1 and rs2 register operands.
var privInsns = []struct {
	mask, match uint32
	name        string
	regs        bool
}{
	{0xffffffff, 0x30200073, "mret", false},
	{0xffffffff, 0x10200073, "sret", false},
	{0xffffffff, 0x00200073, "uret", false},
	{0xffffffff, 0x7b200073, "dret", false},
	{0xffffffff, 0x10500073, "wfi", false},
	{0xfe007fff, 0x12000073, "sfence.vma", true},
	{0xfe007fff, 0x16000073, "sinval.vma", true},
	{0xffffffff, 0x18000073, "sfence.w.inval", false},
	{0xffffffff, 0x18100073, "sfence.inval.ir", false},
	{0xfe007fff, 0x22000073, "hfence.vvma", true},
	{0xfe007fff, 0x62000073, "hfence.gvma", true},
}

// Disasm returns the assembly of insn (2 or 4 bytes as its low bits say),
// or "unknown 0x..." when neither riscv64asm nor the fallback table knows
// it. A zero insn means the source did not record the instruction.
func Disasm(insn uint32) string {
	if insn == 0 {
		return "?"
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], insn)
	n := 4
	if insn&3 != 3 {
		n = 2
	}
	if inst, err := riscv64asm.Decode(b[:n]); err == nil {
		return abiOperands(riscv64asm.GNUSyntax(inst))
	}
	for _, p := range privInsns {
		if insn&p.mask != p.match {
			continue
		}
		if !p.regs {
			return p.name
		}
		rs1, rs2 := (insn>>15)&31, (insn>>20)&31
		switch {
		case rs1 == 0 && rs2 == 0:
			return p.name
		case rs2 == 0:
			return fmt.Sprintf("%s %s", p.name, abiNames[rs1])
		}
		return fmt.Sprintf("%s %s,%s", p.name, abiNames[rs1], abiNames[rs2])
	}
	if n == 2 {
		return fmt.Sprintf("unknown 0x%04x", insn&0xffff)
	}
	return fmt.Sprintf("unknown 0x%08x", insn)
}

// abiOperands rewrites riscv64asm's xN register names to ABI names
// (a0, sp, ...), as objdump and riscv-dv's instr_str spell them.
func abiOperands(asm string) string {
	mnemonic, ops, ok := strings.Cut(asm, " ")
	if !ok {
		return asm
	}
	var b strings.Builder
	b.WriteString(mnemonic)
	b.WriteByte(' ')
	for i := 0; i < len(ops); {
		c := ops[i]
		if c == 'x' && (i == 0 || !isAlnum(ops[i-1])) {
			j := i + 1
			for j < len(ops) && ops[j] >= '0' && ops[j] <= '9' {
				j++
			}
			if j > i+1 && (j == len(ops) || !isAlnum(ops[j])) {
				if n, err := strconv.Atoi(ops[i+1 : j]); err == nil && n < 32 {
					b.WriteString(abiNames[n])
					i = j
					continue
				}
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.'
}
