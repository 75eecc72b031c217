package hart

import (
	"fmt"
	"math/bits"
	"strings"
)

// slot is one decoded instruction: what the run loop dispatches on. Register
// fields index Hart.r directly (x0 as a destination is already redirected to
// the scratch entry, f registers are already offset by fBase), and the
// immediate is already extended, so execution does no field extraction.
//
// A slot is 16 bytes so that the run loop indexes a page's slots with a
// shift. Every RISC-V immediate fits in 32 bits sign-extended.
type slot struct {
	op  uint8
	rd  uint8
	rs1 uint8 // for CSRR*I: the 5-bit immediate, not a register
	rs2 uint8
	rs3 uint8
	len uint8 // 2 or 4
	// trc and tmk: what a capturing hart codes for the instruction (traceBits).
	trc, tmk uint8
	// imm is the immediate; CSR instructions hold the CSR number,
	// floating-point instructions the rounding-mode field, fences pred/succ.
	imm  int32
	insn uint32 // the raw bits (16-bit instructions zero-extended)
}

// im returns the immediate sign-extended to 64 bits.
func (s *slot) im() uint64 { return uint64(int64(s.imm)) }

// Operand formats of the encoding table.
type format uint8

const (
	fmtNone  format = iota
	fmtR            // rd, rs1, rs2
	fmtR1           // rd, rs1
	fmtR4           // rd, rs1, rs2, rs3
	fmtI            // rd, rs1, imm[11:0]
	fmtS            // rs1, rs2, store offset
	fmtB            // rs1, rs2, branch offset
	fmtU            // rd, imm[31:12]
	fmtJ            // rd, jump offset
	fmtSh6          // rd, rs1, shamt[5:0]
	fmtSh5          // rd, rs1, shamt[4:0]
	fmtCSR          // rd, rs1, csr
	fmtCSRI         // rd, uimm in rs1, csr
	fmtRS12         // rs1, rs2 (sfence.vma)
	fmtFence        // pred/succ in imm
)

// Operand register-file flags: which operands are f registers, and whether
// the instruction carries a rounding-mode field.
const (
	fRdF uint8 = 1 << iota
	fRs1F
	fRs2F
	fRs3F
	fRM
)

// encDef is one row of the encoding table: a bit pattern written as the
// specification draws it (fields separated by spaces, '-' for operand bits),
// the synthetic opcode, the operand format and the extension that enables it.
type encDef struct {
	name    string
	pattern string
	op      uint8
	fmt     format
	flags   uint8
	ext     ext
}

const (
	ff  = fRdF | fRs1F | fRs2F | fRM // binary FP arithmetic
	ff4 = fRdF | fRs1F | fRs2F | fRs3F | fRM
	fcx = fRdF | fRs1F | fRs2F // sign injection, min/max
	fcm = fRs1F | fRs2F        // compares: x destination
)

var encodings = []encDef{
	// RV64I
	{"lui", "------------------------- 0110111", opLUI, fmtU, 0, extI},
	{"auipc", "------------------------- 0010111", opAUIPC, fmtU, 0, extI},
	{"jal", "------------------------- 1101111", opJAL, fmtJ, 0, extI},
	{"jalr", "------------ ----- 000 ----- 1100111", opJALR, fmtI, 0, extI},
	{"beq", "------- ----- ----- 000 ----- 1100011", opBEQ, fmtB, 0, extI},
	{"bne", "------- ----- ----- 001 ----- 1100011", opBNE, fmtB, 0, extI},
	{"blt", "------- ----- ----- 100 ----- 1100011", opBLT, fmtB, 0, extI},
	{"bge", "------- ----- ----- 101 ----- 1100011", opBGE, fmtB, 0, extI},
	{"bltu", "------- ----- ----- 110 ----- 1100011", opBLTU, fmtB, 0, extI},
	{"bgeu", "------- ----- ----- 111 ----- 1100011", opBGEU, fmtB, 0, extI},
	{"lb", "------------ ----- 000 ----- 0000011", opLB, fmtI, 0, extI},
	{"lh", "------------ ----- 001 ----- 0000011", opLH, fmtI, 0, extI},
	{"lw", "------------ ----- 010 ----- 0000011", opLW, fmtI, 0, extI},
	{"ld", "------------ ----- 011 ----- 0000011", opLD, fmtI, 0, extI},
	{"lbu", "------------ ----- 100 ----- 0000011", opLBU, fmtI, 0, extI},
	{"lhu", "------------ ----- 101 ----- 0000011", opLHU, fmtI, 0, extI},
	{"lwu", "------------ ----- 110 ----- 0000011", opLWU, fmtI, 0, extI},
	{"sb", "------- ----- ----- 000 ----- 0100011", opSB, fmtS, 0, extI},
	{"sh", "------- ----- ----- 001 ----- 0100011", opSH, fmtS, 0, extI},
	{"sw", "------- ----- ----- 010 ----- 0100011", opSW, fmtS, 0, extI},
	{"sd", "------- ----- ----- 011 ----- 0100011", opSD, fmtS, 0, extI},
	{"addi", "------------ ----- 000 ----- 0010011", opADDI, fmtI, 0, extI},
	{"slti", "------------ ----- 010 ----- 0010011", opSLTI, fmtI, 0, extI},
	{"sltiu", "------------ ----- 011 ----- 0010011", opSLTIU, fmtI, 0, extI},
	{"xori", "------------ ----- 100 ----- 0010011", opXORI, fmtI, 0, extI},
	{"ori", "------------ ----- 110 ----- 0010011", opORI, fmtI, 0, extI},
	{"andi", "------------ ----- 111 ----- 0010011", opANDI, fmtI, 0, extI},
	{"slli", "000000 ------ ----- 001 ----- 0010011", opSLLI, fmtSh6, 0, extI},
	{"srli", "000000 ------ ----- 101 ----- 0010011", opSRLI, fmtSh6, 0, extI},
	{"srai", "010000 ------ ----- 101 ----- 0010011", opSRAI, fmtSh6, 0, extI},
	{"add", "0000000 ----- ----- 000 ----- 0110011", opADD, fmtR, 0, extI},
	{"sub", "0100000 ----- ----- 000 ----- 0110011", opSUB, fmtR, 0, extI},
	{"sll", "0000000 ----- ----- 001 ----- 0110011", opSLL, fmtR, 0, extI},
	{"slt", "0000000 ----- ----- 010 ----- 0110011", opSLT, fmtR, 0, extI},
	{"sltu", "0000000 ----- ----- 011 ----- 0110011", opSLTU, fmtR, 0, extI},
	{"xor", "0000000 ----- ----- 100 ----- 0110011", opXOR, fmtR, 0, extI},
	{"srl", "0000000 ----- ----- 101 ----- 0110011", opSRL, fmtR, 0, extI},
	{"sra", "0100000 ----- ----- 101 ----- 0110011", opSRA, fmtR, 0, extI},
	{"or", "0000000 ----- ----- 110 ----- 0110011", opOR, fmtR, 0, extI},
	{"and", "0000000 ----- ----- 111 ----- 0110011", opAND, fmtR, 0, extI},
	{"addiw", "------------ ----- 000 ----- 0011011", opADDIW, fmtI, 0, extI},
	{"slliw", "0000000 ----- ----- 001 ----- 0011011", opSLLIW, fmtSh5, 0, extI},
	{"srliw", "0000000 ----- ----- 101 ----- 0011011", opSRLIW, fmtSh5, 0, extI},
	{"sraiw", "0100000 ----- ----- 101 ----- 0011011", opSRAIW, fmtSh5, 0, extI},
	{"addw", "0000000 ----- ----- 000 ----- 0111011", opADDW, fmtR, 0, extI},
	{"subw", "0100000 ----- ----- 000 ----- 0111011", opSUBW, fmtR, 0, extI},
	{"sllw", "0000000 ----- ----- 001 ----- 0111011", opSLLW, fmtR, 0, extI},
	{"srlw", "0000000 ----- ----- 101 ----- 0111011", opSRLW, fmtR, 0, extI},
	{"sraw", "0100000 ----- ----- 101 ----- 0111011", opSRAW, fmtR, 0, extI},
	// fence, fence.tso and pause all order at least as much as this model
	// does (everything is sequentially consistent), so they share one op.
	{"fence", "------------ ----- 000 ----- 0001111", opFENCE, fmtFence, 0, extI},
	{"ecall", "000000000000 00000 000 00000 1110011", opECALL, fmtNone, 0, extI},
	{"ebreak", "000000000001 00000 000 00000 1110011", opEBREAK, fmtNone, 0, extI},

	// Zifencei, Zicsr, privileged
	{"fence.i", "------------ ----- 001 ----- 0001111", opFENCEI, fmtNone, 0, extZifencei},
	{"csrrw", "------------ ----- 001 ----- 1110011", opCSRRW, fmtCSR, 0, extZicsr},
	{"csrrs", "------------ ----- 010 ----- 1110011", opCSRRS, fmtCSR, 0, extZicsr},
	{"csrrc", "------------ ----- 011 ----- 1110011", opCSRRC, fmtCSR, 0, extZicsr},
	{"csrrwi", "------------ ----- 101 ----- 1110011", opCSRRWI, fmtCSRI, 0, extZicsr},
	{"csrrsi", "------------ ----- 110 ----- 1110011", opCSRRSI, fmtCSRI, 0, extZicsr},
	{"csrrci", "------------ ----- 111 ----- 1110011", opCSRRCI, fmtCSRI, 0, extZicsr},
	{"sret", "0001000 00010 00000 000 00000 1110011", opSRET, fmtNone, 0, extI},
	{"mret", "0011000 00010 00000 000 00000 1110011", opMRET, fmtNone, 0, extI},
	{"wfi", "0001000 00101 00000 000 00000 1110011", opWFI, fmtNone, 0, extI},
	{"sfence.vma", "0001001 ----- ----- 000 00000 1110011", opSFENCEVMA, fmtRS12, 0, extI},

	// M
	{"mul", "0000001 ----- ----- 000 ----- 0110011", opMUL, fmtR, 0, extM},
	{"mulh", "0000001 ----- ----- 001 ----- 0110011", opMULH, fmtR, 0, extM},
	{"mulhsu", "0000001 ----- ----- 010 ----- 0110011", opMULHSU, fmtR, 0, extM},
	{"mulhu", "0000001 ----- ----- 011 ----- 0110011", opMULHU, fmtR, 0, extM},
	{"div", "0000001 ----- ----- 100 ----- 0110011", opDIV, fmtR, 0, extM},
	{"divu", "0000001 ----- ----- 101 ----- 0110011", opDIVU, fmtR, 0, extM},
	{"rem", "0000001 ----- ----- 110 ----- 0110011", opREM, fmtR, 0, extM},
	{"remu", "0000001 ----- ----- 111 ----- 0110011", opREMU, fmtR, 0, extM},
	{"mulw", "0000001 ----- ----- 000 ----- 0111011", opMULW, fmtR, 0, extM},
	{"divw", "0000001 ----- ----- 100 ----- 0111011", opDIVW, fmtR, 0, extM},
	{"divuw", "0000001 ----- ----- 101 ----- 0111011", opDIVUW, fmtR, 0, extM},
	{"remw", "0000001 ----- ----- 110 ----- 0111011", opREMW, fmtR, 0, extM},
	{"remuw", "0000001 ----- ----- 111 ----- 0111011", opREMUW, fmtR, 0, extM},

	// A (aq/rl bits are don't-care: the model is sequentially consistent)
	{"lr.w", "00010 -- 00000 ----- 010 ----- 0101111", opLRW, fmtR1, 0, extA},
	{"sc.w", "00011 -- ----- ----- 010 ----- 0101111", opSCW, fmtR, 0, extA},
	{"amoswap.w", "00001 -- ----- ----- 010 ----- 0101111", opAMOSWAPW, fmtR, 0, extA},
	{"amoadd.w", "00000 -- ----- ----- 010 ----- 0101111", opAMOADDW, fmtR, 0, extA},
	{"amoxor.w", "00100 -- ----- ----- 010 ----- 0101111", opAMOXORW, fmtR, 0, extA},
	{"amoand.w", "01100 -- ----- ----- 010 ----- 0101111", opAMOANDW, fmtR, 0, extA},
	{"amoor.w", "01000 -- ----- ----- 010 ----- 0101111", opAMOORW, fmtR, 0, extA},
	{"amomin.w", "10000 -- ----- ----- 010 ----- 0101111", opAMOMINW, fmtR, 0, extA},
	{"amomax.w", "10100 -- ----- ----- 010 ----- 0101111", opAMOMAXW, fmtR, 0, extA},
	{"amominu.w", "11000 -- ----- ----- 010 ----- 0101111", opAMOMINUW, fmtR, 0, extA},
	{"amomaxu.w", "11100 -- ----- ----- 010 ----- 0101111", opAMOMAXUW, fmtR, 0, extA},
	{"lr.d", "00010 -- 00000 ----- 011 ----- 0101111", opLRD, fmtR1, 0, extA},
	{"sc.d", "00011 -- ----- ----- 011 ----- 0101111", opSCD, fmtR, 0, extA},
	{"amoswap.d", "00001 -- ----- ----- 011 ----- 0101111", opAMOSWAPD, fmtR, 0, extA},
	{"amoadd.d", "00000 -- ----- ----- 011 ----- 0101111", opAMOADDD, fmtR, 0, extA},
	{"amoxor.d", "00100 -- ----- ----- 011 ----- 0101111", opAMOXORD, fmtR, 0, extA},
	{"amoand.d", "01100 -- ----- ----- 011 ----- 0101111", opAMOANDD, fmtR, 0, extA},
	{"amoor.d", "01000 -- ----- ----- 011 ----- 0101111", opAMOORD, fmtR, 0, extA},
	{"amomin.d", "10000 -- ----- ----- 011 ----- 0101111", opAMOMIND, fmtR, 0, extA},
	{"amomax.d", "10100 -- ----- ----- 011 ----- 0101111", opAMOMAXD, fmtR, 0, extA},
	{"amominu.d", "11000 -- ----- ----- 011 ----- 0101111", opAMOMINUD, fmtR, 0, extA},
	{"amomaxu.d", "11100 -- ----- ----- 011 ----- 0101111", opAMOMAXUD, fmtR, 0, extA},

	// Zba
	{"add.uw", "0000100 ----- ----- 000 ----- 0111011", opADDUW, fmtR, 0, extZba},
	{"sh1add", "0010000 ----- ----- 010 ----- 0110011", opSH1ADD, fmtR, 0, extZba},
	{"sh2add", "0010000 ----- ----- 100 ----- 0110011", opSH2ADD, fmtR, 0, extZba},
	{"sh3add", "0010000 ----- ----- 110 ----- 0110011", opSH3ADD, fmtR, 0, extZba},
	{"sh1add.uw", "0010000 ----- ----- 010 ----- 0111011", opSH1ADDUW, fmtR, 0, extZba},
	{"sh2add.uw", "0010000 ----- ----- 100 ----- 0111011", opSH2ADDUW, fmtR, 0, extZba},
	{"sh3add.uw", "0010000 ----- ----- 110 ----- 0111011", opSH3ADDUW, fmtR, 0, extZba},
	{"slli.uw", "000010 ------ ----- 001 ----- 0011011", opSLLIUW, fmtSh6, 0, extZba},

	// Zbb
	{"andn", "0100000 ----- ----- 111 ----- 0110011", opANDN, fmtR, 0, extZbb},
	{"orn", "0100000 ----- ----- 110 ----- 0110011", opORN, fmtR, 0, extZbb},
	{"xnor", "0100000 ----- ----- 100 ----- 0110011", opXNOR, fmtR, 0, extZbb},
	{"clz", "0110000 00000 ----- 001 ----- 0010011", opCLZ, fmtR1, 0, extZbb},
	{"clzw", "0110000 00000 ----- 001 ----- 0011011", opCLZW, fmtR1, 0, extZbb},
	{"ctz", "0110000 00001 ----- 001 ----- 0010011", opCTZ, fmtR1, 0, extZbb},
	{"ctzw", "0110000 00001 ----- 001 ----- 0011011", opCTZW, fmtR1, 0, extZbb},
	{"cpop", "0110000 00010 ----- 001 ----- 0010011", opCPOP, fmtR1, 0, extZbb},
	{"cpopw", "0110000 00010 ----- 001 ----- 0011011", opCPOPW, fmtR1, 0, extZbb},
	{"max", "0000101 ----- ----- 110 ----- 0110011", opMAX, fmtR, 0, extZbb},
	{"maxu", "0000101 ----- ----- 111 ----- 0110011", opMAXU, fmtR, 0, extZbb},
	{"min", "0000101 ----- ----- 100 ----- 0110011", opMIN, fmtR, 0, extZbb},
	{"minu", "0000101 ----- ----- 101 ----- 0110011", opMINU, fmtR, 0, extZbb},
	{"sext.b", "0110000 00100 ----- 001 ----- 0010011", opSEXTB, fmtR1, 0, extZbb},
	{"sext.h", "0110000 00101 ----- 001 ----- 0010011", opSEXTH, fmtR1, 0, extZbb},
	{"zext.h", "0000100 00000 ----- 100 ----- 0111011", opZEXTH, fmtR1, 0, extZbb},
	{"rol", "0110000 ----- ----- 001 ----- 0110011", opROL, fmtR, 0, extZbb},
	{"rolw", "0110000 ----- ----- 001 ----- 0111011", opROLW, fmtR, 0, extZbb},
	{"ror", "0110000 ----- ----- 101 ----- 0110011", opROR, fmtR, 0, extZbb},
	{"rori", "011000 ------ ----- 101 ----- 0010011", opRORI, fmtSh6, 0, extZbb},
	{"roriw", "0110000 ----- ----- 101 ----- 0011011", opRORIW, fmtSh5, 0, extZbb},
	{"rorw", "0110000 ----- ----- 101 ----- 0111011", opRORW, fmtR, 0, extZbb},
	{"orc.b", "0010100 00111 ----- 101 ----- 0010011", opORCB, fmtR1, 0, extZbb},
	{"rev8", "0110101 11000 ----- 101 ----- 0010011", opREV8, fmtR1, 0, extZbb},

	// Zbc
	{"clmul", "0000101 ----- ----- 001 ----- 0110011", opCLMUL, fmtR, 0, extZbc},
	{"clmulh", "0000101 ----- ----- 011 ----- 0110011", opCLMULH, fmtR, 0, extZbc},
	{"clmulr", "0000101 ----- ----- 010 ----- 0110011", opCLMULR, fmtR, 0, extZbc},

	// Zbs
	{"bclr", "0100100 ----- ----- 001 ----- 0110011", opBCLR, fmtR, 0, extZbs},
	{"bclri", "010010 ------ ----- 001 ----- 0010011", opBCLRI, fmtSh6, 0, extZbs},
	{"bext", "0100100 ----- ----- 101 ----- 0110011", opBEXT, fmtR, 0, extZbs},
	{"bexti", "010010 ------ ----- 101 ----- 0010011", opBEXTI, fmtSh6, 0, extZbs},
	{"binv", "0110100 ----- ----- 001 ----- 0110011", opBINV, fmtR, 0, extZbs},
	{"binvi", "011010 ------ ----- 001 ----- 0010011", opBINVI, fmtSh6, 0, extZbs},
	{"bset", "0010100 ----- ----- 001 ----- 0110011", opBSET, fmtR, 0, extZbs},
	{"bseti", "001010 ------ ----- 001 ----- 0010011", opBSETI, fmtSh6, 0, extZbs},

	// F
	{"flw", "------------ ----- 010 ----- 0000111", opFLW, fmtI, fRdF, extF},
	{"fsw", "------- ----- ----- 010 ----- 0100111", opFSW, fmtS, fRs2F, extF},
	{"fmadd.s", "----- 00 ----- ----- --- ----- 1000011", opFMADDS, fmtR4, ff4, extF},
	{"fmsub.s", "----- 00 ----- ----- --- ----- 1000111", opFMSUBS, fmtR4, ff4, extF},
	{"fnmsub.s", "----- 00 ----- ----- --- ----- 1001011", opFNMSUBS, fmtR4, ff4, extF},
	{"fnmadd.s", "----- 00 ----- ----- --- ----- 1001111", opFNMADDS, fmtR4, ff4, extF},
	{"fadd.s", "0000000 ----- ----- --- ----- 1010011", opFADDS, fmtR, ff, extF},
	{"fsub.s", "0000100 ----- ----- --- ----- 1010011", opFSUBS, fmtR, ff, extF},
	{"fmul.s", "0001000 ----- ----- --- ----- 1010011", opFMULS, fmtR, ff, extF},
	{"fdiv.s", "0001100 ----- ----- --- ----- 1010011", opFDIVS, fmtR, ff, extF},
	{"fsqrt.s", "0101100 00000 ----- --- ----- 1010011", opFSQRTS, fmtR1, fRdF | fRs1F | fRM, extF},
	{"fsgnj.s", "0010000 ----- ----- 000 ----- 1010011", opFSGNJS, fmtR, fcx, extF},
	{"fsgnjn.s", "0010000 ----- ----- 001 ----- 1010011", opFSGNJNS, fmtR, fcx, extF},
	{"fsgnjx.s", "0010000 ----- ----- 010 ----- 1010011", opFSGNJXS, fmtR, fcx, extF},
	{"fmin.s", "0010100 ----- ----- 000 ----- 1010011", opFMINS, fmtR, fcx, extF},
	{"fmax.s", "0010100 ----- ----- 001 ----- 1010011", opFMAXS, fmtR, fcx, extF},
	{"fcvt.w.s", "1100000 00000 ----- --- ----- 1010011", opFCVTWS, fmtR1, fRs1F | fRM, extF},
	{"fcvt.wu.s", "1100000 00001 ----- --- ----- 1010011", opFCVTWUS, fmtR1, fRs1F | fRM, extF},
	{"fcvt.l.s", "1100000 00010 ----- --- ----- 1010011", opFCVTLS, fmtR1, fRs1F | fRM, extF},
	{"fcvt.lu.s", "1100000 00011 ----- --- ----- 1010011", opFCVTLUS, fmtR1, fRs1F | fRM, extF},
	{"fmv.x.w", "1110000 00000 ----- 000 ----- 1010011", opFMVXW, fmtR1, fRs1F, extF},
	{"feq.s", "1010000 ----- ----- 010 ----- 1010011", opFEQS, fmtR, fcm, extF},
	{"flt.s", "1010000 ----- ----- 001 ----- 1010011", opFLTS, fmtR, fcm, extF},
	{"fle.s", "1010000 ----- ----- 000 ----- 1010011", opFLES, fmtR, fcm, extF},
	{"fclass.s", "1110000 00000 ----- 001 ----- 1010011", opFCLASSS, fmtR1, fRs1F, extF},
	{"fcvt.s.w", "1101000 00000 ----- --- ----- 1010011", opFCVTSW, fmtR1, fRdF | fRM, extF},
	{"fcvt.s.wu", "1101000 00001 ----- --- ----- 1010011", opFCVTSWU, fmtR1, fRdF | fRM, extF},
	{"fcvt.s.l", "1101000 00010 ----- --- ----- 1010011", opFCVTSL, fmtR1, fRdF | fRM, extF},
	{"fcvt.s.lu", "1101000 00011 ----- --- ----- 1010011", opFCVTSLU, fmtR1, fRdF | fRM, extF},
	{"fmv.w.x", "1111000 00000 ----- 000 ----- 1010011", opFMVWX, fmtR1, fRdF, extF},

	// D
	{"fld", "------------ ----- 011 ----- 0000111", opFLD, fmtI, fRdF, extD},
	{"fsd", "------- ----- ----- 011 ----- 0100111", opFSD, fmtS, fRs2F, extD},
	{"fmadd.d", "----- 01 ----- ----- --- ----- 1000011", opFMADDD, fmtR4, ff4, extD},
	{"fmsub.d", "----- 01 ----- ----- --- ----- 1000111", opFMSUBD, fmtR4, ff4, extD},
	{"fnmsub.d", "----- 01 ----- ----- --- ----- 1001011", opFNMSUBD, fmtR4, ff4, extD},
	{"fnmadd.d", "----- 01 ----- ----- --- ----- 1001111", opFNMADDD, fmtR4, ff4, extD},
	{"fadd.d", "0000001 ----- ----- --- ----- 1010011", opFADDD, fmtR, ff, extD},
	{"fsub.d", "0000101 ----- ----- --- ----- 1010011", opFSUBD, fmtR, ff, extD},
	{"fmul.d", "0001001 ----- ----- --- ----- 1010011", opFMULD, fmtR, ff, extD},
	{"fdiv.d", "0001101 ----- ----- --- ----- 1010011", opFDIVD, fmtR, ff, extD},
	{"fsqrt.d", "0101101 00000 ----- --- ----- 1010011", opFSQRTD, fmtR1, fRdF | fRs1F | fRM, extD},
	{"fsgnj.d", "0010001 ----- ----- 000 ----- 1010011", opFSGNJD, fmtR, fcx, extD},
	{"fsgnjn.d", "0010001 ----- ----- 001 ----- 1010011", opFSGNJND, fmtR, fcx, extD},
	{"fsgnjx.d", "0010001 ----- ----- 010 ----- 1010011", opFSGNJXD, fmtR, fcx, extD},
	{"fmin.d", "0010101 ----- ----- 000 ----- 1010011", opFMIND, fmtR, fcx, extD},
	{"fmax.d", "0010101 ----- ----- 001 ----- 1010011", opFMAXD, fmtR, fcx, extD},
	{"fcvt.s.d", "0100000 00001 ----- --- ----- 1010011", opFCVTSD, fmtR1, fRdF | fRs1F | fRM, extD},
	{"fcvt.d.s", "0100001 00000 ----- --- ----- 1010011", opFCVTDS, fmtR1, fRdF | fRs1F | fRM, extD},
	{"feq.d", "1010001 ----- ----- 010 ----- 1010011", opFEQD, fmtR, fcm, extD},
	{"flt.d", "1010001 ----- ----- 001 ----- 1010011", opFLTD, fmtR, fcm, extD},
	{"fle.d", "1010001 ----- ----- 000 ----- 1010011", opFLED, fmtR, fcm, extD},
	{"fclass.d", "1110001 00000 ----- 001 ----- 1010011", opFCLASSD, fmtR1, fRs1F, extD},
	{"fcvt.w.d", "1100001 00000 ----- --- ----- 1010011", opFCVTWD, fmtR1, fRs1F | fRM, extD},
	{"fcvt.wu.d", "1100001 00001 ----- --- ----- 1010011", opFCVTWUD, fmtR1, fRs1F | fRM, extD},
	{"fcvt.l.d", "1100001 00010 ----- --- ----- 1010011", opFCVTLD, fmtR1, fRs1F | fRM, extD},
	{"fcvt.lu.d", "1100001 00011 ----- --- ----- 1010011", opFCVTLUD, fmtR1, fRs1F | fRM, extD},
	{"fcvt.d.w", "1101001 00000 ----- --- ----- 1010011", opFCVTDW, fmtR1, fRdF | fRM, extD},
	{"fcvt.d.wu", "1101001 00001 ----- --- ----- 1010011", opFCVTDWU, fmtR1, fRdF | fRM, extD},
	{"fcvt.d.l", "1101001 00010 ----- --- ----- 1010011", opFCVTDL, fmtR1, fRdF | fRM, extD},
	{"fcvt.d.lu", "1101001 00011 ----- --- ----- 1010011", opFCVTDLU, fmtR1, fRdF | fRM, extD},
	{"fmv.x.d", "1110001 00000 ----- 000 ----- 1010011", opFMVXD, fmtR1, fRs1F, extD},
	{"fmv.d.x", "1111001 00000 ----- 000 ----- 1010011", opFMVDX, fmtR1, fRdF, extD},
}

// compiledEnc is an encDef with its pattern turned into mask and match.
type compiledEnc struct {
	mask, match uint32
	def         *encDef
}

// encByOpcode buckets the table by the major opcode (bits 6:2), most
// specific pattern first, so decoding scans a handful of rows.
var (
	encByOpcode [32][]compiledEnc
	opNames     [numOps]string
)

func init() {
	opNames[opUndecoded] = "undecoded"
	opNames[opIllegal] = "illegal"
	opNames[opCross] = "cross"
	for i := range encodings {
		d := &encodings[i]
		mask, match, err := compilePattern(d.pattern)
		if err != nil {
			panic(fmt.Sprintf("hart: encoding table: %s: %v", d.name, err)) // a bug in the table, not guest-reachable
		}
		major := (match >> 2) & 31
		encByOpcode[major] = append(encByOpcode[major], compiledEnc{mask, match, d})
		opNames[d.op] = d.name
	}
	for i := range encByOpcode {
		b := encByOpcode[i]
		// Stable insertion sort: more fixed bits first.
		for j := 1; j < len(b); j++ {
			for k := j; k > 0 && bits.OnesCount32(b[k].mask) > bits.OnesCount32(b[k-1].mask); k-- {
				b[k], b[k-1] = b[k-1], b[k]
			}
		}
	}
}

func compilePattern(p string) (mask, match uint32, err error) {
	p = strings.ReplaceAll(p, " ", "")
	if len(p) != 32 {
		return 0, 0, fmt.Errorf("pattern %q has %d bits", p, len(p))
	}
	for i, c := range p {
		bit := uint32(1) << (31 - i)
		switch c {
		case '0':
			mask |= bit
		case '1':
			mask |= bit
			match |= bit
		case '-':
		default:
			return 0, 0, fmt.Errorf("pattern %q: bad character %q", p, c)
		}
	}
	return mask, match, nil
}

func sext(v uint64, width uint) uint64 {
	s := 64 - width
	return uint64(int64(v<<s) >> s)
}

// decode turns an instruction word into a slot for a hart with extensions e.
// A word whose low two bits are not 11 is a 16-bit instruction (only its low
// half is used).
func decode(insn uint32, e ext) slot {
	if insn&3 != 3 {
		c := uint16(insn)
		s := slot{op: opIllegal, len: 2, insn: uint32(c)}
		if e&extC == 0 {
			return s
		}
		w, ok := expandCompressed(c, e)
		if !ok {
			return s
		}
		d := decode32(w, e)
		d.len = 2
		d.insn = uint32(c)
		return d
	}
	return decode32(insn, e)
}

func decode32(insn uint32, e ext) slot {
	s := slot{op: opIllegal, len: 4, insn: insn}
	if insn&0x1f == 0x1f { // 48-bit and longer encodings: none implemented
		return s
	}
	for _, c := range encByOpcode[(insn>>2)&31] {
		if insn&c.mask != c.match {
			continue
		}
		d := c.def
		if d.ext&e == 0 {
			continue
		}
		return fillOperands(s, insn, d)
	}
	return s
}

func fillOperands(s slot, insn uint32, d *encDef) slot {
	rd := uint8(insn>>7) & 31
	rs1 := uint8(insn>>15) & 31
	rs2 := uint8(insn>>20) & 31
	rs3 := uint8(insn >> 27)
	if d.flags&fRM != 0 {
		rm := (insn >> 12) & 7
		if rm == 5 || rm == 6 {
			return s // reserved rounding modes are illegal at decode
		}
		s.imm = int32(uint64(rm))
	}
	reg := func(r uint8, isF bool) uint8 {
		if isF {
			return r + fBase
		}
		return r
	}
	dst := func(r uint8, isF bool) uint8 {
		if isF {
			return r + fBase
		}
		if r == 0 {
			return xZeroSink
		}
		return r
	}
	s.op = d.op
	switch d.fmt {
	case fmtR:
		s.rd, s.rs1, s.rs2 = dst(rd, d.flags&fRdF != 0), reg(rs1, d.flags&fRs1F != 0), reg(rs2, d.flags&fRs2F != 0)
	case fmtR1:
		s.rd, s.rs1 = dst(rd, d.flags&fRdF != 0), reg(rs1, d.flags&fRs1F != 0)
	case fmtR4:
		s.rd, s.rs1, s.rs2, s.rs3 = dst(rd, true), reg(rs1, true), reg(rs2, true), reg(rs3, true)
	case fmtI:
		s.rd, s.rs1 = dst(rd, d.flags&fRdF != 0), rs1
		s.imm = int32(sext(uint64(insn>>20), 12))
	case fmtS:
		s.rs1, s.rs2 = rs1, reg(rs2, d.flags&fRs2F != 0)
		s.imm = int32(sext(uint64((insn>>25)<<5|(insn>>7)&31), 12))
	case fmtB:
		s.rs1, s.rs2 = rs1, rs2
		imm := (insn>>31)<<12 | ((insn>>7)&1)<<11 | ((insn>>25)&0x3f)<<5 | ((insn>>8)&0xf)<<1
		s.imm = int32(sext(uint64(imm), 13))
	case fmtU:
		s.rd = dst(rd, false)
		s.imm = int32(sext(uint64(insn&0xfffff000), 32))
	case fmtJ:
		s.rd = dst(rd, false)
		imm := (insn>>31)<<20 | ((insn>>12)&0xff)<<12 | ((insn>>20)&1)<<11 | ((insn>>21)&0x3ff)<<1
		s.imm = int32(sext(uint64(imm), 21))
	case fmtSh6:
		s.rd, s.rs1 = dst(rd, false), rs1
		s.imm = int32(uint64(insn>>20) & 63)
	case fmtSh5:
		s.rd, s.rs1 = dst(rd, false), rs1
		s.imm = int32(uint64(insn>>20) & 31)
	case fmtCSR, fmtCSRI:
		s.rd, s.rs1 = dst(rd, false), rs1
		s.imm = int32(uint64(insn >> 20))
	case fmtRS12:
		s.rs1, s.rs2 = rs1, rs2
	case fmtFence:
		s.imm = int32(uint64(insn>>20) & 0xfff)
	}
	s.trc, s.tmk = traceBits(&s)
	return s
}

// expandCompressed maps a 16-bit instruction to the 32-bit instruction it
// stands for, or reports that it is reserved or not implemented.
func expandCompressed(c uint16, e ext) (uint32, bool) {
	x := uint32(c)
	f3 := x >> 13
	rdp := (x>>2)&7 + 8  // rd' / rs2'
	rs1p := (x>>7)&7 + 8 // rs1' / rd'
	rd := (x >> 7) & 31
	rs2 := (x >> 2) & 31
	// CI-format signed 6-bit immediate.
	ciImm := uint32(sext(uint64((x>>12)&1<<5|(x>>2)&31), 6))

	switch x & 3 {
	case 0:
		switch f3 {
		case 0: // c.addi4spn
			imm := (x>>7)&0xf<<6 | (x>>11)&3<<4 | (x>>5)&1<<3 | (x>>6)&1<<2
			if imm == 0 {
				return 0, false
			}
			return iType(imm, 2, 0, rdp, 0x13), true
		case 1: // c.fld
			if e&extD == 0 {
				return 0, false
			}
			return iType(clsdImm(x), rs1p, 3, rdp, 0x07), true
		case 2: // c.lw
			return iType(clswImm(x), rs1p, 2, rdp, 0x03), true
		case 3: // c.ld
			return iType(clsdImm(x), rs1p, 3, rdp, 0x03), true
		case 5: // c.fsd
			if e&extD == 0 {
				return 0, false
			}
			return sType(clsdImm(x), rdp, rs1p, 3, 0x27), true
		case 6: // c.sw
			return sType(clswImm(x), rdp, rs1p, 2, 0x23), true
		case 7: // c.sd
			return sType(clsdImm(x), rdp, rs1p, 3, 0x23), true
		}
		return 0, false
	case 1:
		switch f3 {
		case 0: // c.addi (c.nop when rd=0)
			return iType(ciImm, rd, 0, rd, 0x13), true
		case 1: // c.addiw
			if rd == 0 {
				return 0, false
			}
			return iType(ciImm, rd, 0, rd, 0x1b), true
		case 2: // c.li
			return iType(ciImm, 0, 0, rd, 0x13), true
		case 3:
			if (x>>12)&1 == 0 && (x>>2)&31 == 0 {
				return 0, false // nzimm = 0 is reserved for c.addi16sp and c.lui
			}
			if rd == 2 { // c.addi16sp
				imm := uint32(sext(uint64((x>>12)&1<<9|(x>>3)&3<<7|(x>>5)&1<<6|(x>>2)&1<<5|(x>>6)&1<<4), 10))
				return iType(imm, 2, 0, 2, 0x13), true
			}
			return ciImm<<12 | rd<<7 | 0x37, true // c.lui
		case 4:
			switch (x >> 10) & 3 {
			case 0: // c.srli
				return iType(uint32((x>>12)&1<<5|(x>>2)&31), rs1p, 5, rs1p, 0x13), true
			case 1: // c.srai
				return iType(0x400|uint32((x>>12)&1<<5|(x>>2)&31), rs1p, 5, rs1p, 0x13), true
			case 2: // c.andi
				return iType(ciImm, rs1p, 7, rs1p, 0x13), true
			}
			funct := (x>>12)&1<<2 | (x>>5)&3
			switch funct {
			case 0:
				return rType(0x20, rdp, rs1p, 0, rs1p, 0x33), true // c.sub
			case 1:
				return rType(0, rdp, rs1p, 4, rs1p, 0x33), true // c.xor
			case 2:
				return rType(0, rdp, rs1p, 6, rs1p, 0x33), true // c.or
			case 3:
				return rType(0, rdp, rs1p, 7, rs1p, 0x33), true // c.and
			case 4:
				return rType(0x20, rdp, rs1p, 0, rs1p, 0x3b), true // c.subw
			case 5:
				return rType(0, rdp, rs1p, 0, rs1p, 0x3b), true // c.addw
			}
			return 0, false
		case 5: // c.j
			return jType(cjImm(x), 0), true
		case 6, 7: // c.beqz, c.bnez
			imm := uint32(sext(uint64((x>>12)&1<<8|(x>>5)&3<<6|(x>>2)&1<<5|(x>>10)&3<<3|(x>>3)&3<<1), 9))
			return bType(imm, 0, rs1p, f3-6), true
		}
	case 2:
		switch f3 {
		case 0: // c.slli
			return iType(uint32((x>>12)&1<<5|(x>>2)&31), rd, 1, rd, 0x13), true
		case 1: // c.fldsp
			if e&extD == 0 {
				return 0, false
			}
			return iType(ldspImm(x), 2, 3, rd, 0x07), true
		case 2: // c.lwsp
			if rd == 0 {
				return 0, false
			}
			imm := (x>>12)&1<<5 | (x>>4)&7<<2 | (x>>2)&3<<6
			return iType(imm, 2, 2, rd, 0x03), true
		case 3: // c.ldsp
			if rd == 0 {
				return 0, false
			}
			return iType(ldspImm(x), 2, 3, rd, 0x03), true
		case 4:
			if (x>>12)&1 == 0 {
				if rs2 == 0 { // c.jr
					if rd == 0 {
						return 0, false
					}
					return iType(0, rd, 0, 0, 0x67), true
				}
				return rType(0, rs2, 0, 0, rd, 0x33), true // c.mv
			}
			if rs2 == 0 {
				if rd == 0 {
					return 0x00100073, true // c.ebreak
				}
				return iType(0, rd, 0, 1, 0x67), true // c.jalr
			}
			return rType(0, rs2, rd, 0, rd, 0x33), true // c.add
		case 5: // c.fsdsp
			if e&extD == 0 {
				return 0, false
			}
			return sType(sdspImm(x), rs2, 2, 3, 0x27), true
		case 6: // c.swsp
			imm := (x>>9)&0xf<<2 | (x>>7)&3<<6
			return sType(imm, rs2, 2, 2, 0x23), true
		case 7: // c.sdsp
			return sType(sdspImm(x), rs2, 2, 3, 0x23), true
		}
	}
	return 0, false
}

func clswImm(x uint32) uint32 { return (x>>10)&7<<3 | (x>>6)&1<<2 | (x>>5)&1<<6 }
func clsdImm(x uint32) uint32 { return (x>>10)&7<<3 | (x>>5)&3<<6 }
func ldspImm(x uint32) uint32 { return (x>>12)&1<<5 | (x>>5)&3<<3 | (x>>2)&7<<6 }
func sdspImm(x uint32) uint32 { return (x>>10)&7<<3 | (x>>7)&7<<6 }
func cjImm(x uint32) uint32 {
	return uint32(sext(uint64((x>>12)&1<<11|(x>>11)&1<<4|(x>>9)&3<<8|(x>>8)&1<<10|(x>>7)&1<<6|(x>>6)&1<<7|(x>>3)&7<<1|(x>>2)&1<<5), 12))
}

func iType(imm, rs1, f3, rd, opc uint32) uint32 {
	return (imm&0xfff)<<20 | rs1<<15 | f3<<12 | rd<<7 | opc
}

func sType(imm, rs2, rs1, f3, opc uint32) uint32 {
	return (imm>>5&0x7f)<<25 | rs2<<20 | rs1<<15 | f3<<12 | (imm&31)<<7 | opc
}

func rType(f7, rs2, rs1, f3, rd, opc uint32) uint32 {
	return f7<<25 | rs2<<20 | rs1<<15 | f3<<12 | rd<<7 | opc
}

func bType(imm, rs2, rs1, f3 uint32) uint32 {
	return (imm>>12&1)<<31 | (imm>>5&0x3f)<<25 | rs2<<20 | rs1<<15 | f3<<12 | (imm>>1&0xf)<<8 | (imm>>11&1)<<7 | 0x63
}

func jType(imm, rd uint32) uint32 {
	return (imm>>20&1)<<31 | (imm>>1&0x3ff)<<21 | (imm>>11&1)<<20 | (imm>>12&0xff)<<12 | rd<<7 | 0x6f
}

// allExt enables every extension the package implements.
const allExt = extI | extM | extA | extF | extD | extC | extZicsr | extZifencei |
	extZicntr | extZihpm | extZba | extZbb | extZbc | extZbs | extZihintpause | extSstc

// Decode reports the mnemonic an instruction word decodes to on a hart with
// every implemented extension, and whether it is a valid instruction. A word
// whose low two bits are not 11 is taken as a 16-bit instruction. The second
// result is the instruction length in bytes.
func Decode(insn uint32) (op string, length int, ok bool) {
	s := decode(insn, allExt)
	return opNames[s.op], int(s.len), s.op != opIllegal
}

// DecodeFor is Decode for a hart with the given ISA string.
func DecodeFor(isa string, insn uint32) (op string, length int, ok bool, err error) {
	e, _, err := parseISA(isa)
	if err != nil {
		return "", 0, false, err
	}
	s := decode(insn, e)
	return opNames[s.op], int(s.len), s.op != opIllegal, nil
}
