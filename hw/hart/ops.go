package hart

// Synthetic opcodes of decoded slots: one per instruction semantics, with
// funct3/funct7 and compressed variants resolved at decode time, so the run
// loop dispatches with one dense switch. Compressed instructions fold into
// the 32-bit opcode they expand to.
const (
	opUndecoded      uint8 = iota // slot not decoded yet: decode it, then run it
	opIllegal                     // decodes to nothing: illegal instruction, tval = insn
	opCross                       // a 4-byte instruction spanning two pages: fetched each time
	opMisalignedJump              // without C: a branch/jal (op in rs3) whose target is not 4-byte aligned
	opPageEnd                     // sentinel after a page's last slot
	opJALRAligned                 // jalr on a hart without C: checks target alignment

	// RV64I
	opLUI
	opAUIPC
	opJAL
	opJALR
	opBEQ
	opBNE
	opBLT
	opBGE
	opBLTU
	opBGEU
	opLB
	opLH
	opLW
	opLD
	opLBU
	opLHU
	opLWU
	opSB
	opSH
	opSW
	opSD
	opADDI
	opSLTI
	opSLTIU
	opXORI
	opORI
	opANDI
	opSLLI
	opSRLI
	opSRAI
	opADD
	opSUB
	opSLL
	opSLT
	opSLTU
	opXOR
	opSRL
	opSRA
	opOR
	opAND
	opADDIW
	opSLLIW
	opSRLIW
	opSRAIW
	opADDW
	opSUBW
	opSLLW
	opSRLW
	opSRAW
	opFENCE
	opECALL
	opEBREAK

	// Zifencei, Zicsr, privileged
	opFENCEI
	opCSRRW
	opCSRRS
	opCSRRC
	opCSRRWI
	opCSRRSI
	opCSRRCI
	opSRET
	opMRET
	opWFI
	opSFENCEVMA

	// M
	opMUL
	opMULH
	opMULHSU
	opMULHU
	opDIV
	opDIVU
	opREM
	opREMU
	opMULW
	opDIVW
	opDIVUW
	opREMW
	opREMUW

	// A
	opLRW
	opSCW
	opAMOSWAPW
	opAMOADDW
	opAMOXORW
	opAMOANDW
	opAMOORW
	opAMOMINW
	opAMOMAXW
	opAMOMINUW
	opAMOMAXUW
	opLRD
	opSCD
	opAMOSWAPD
	opAMOADDD
	opAMOXORD
	opAMOANDD
	opAMOORD
	opAMOMIND
	opAMOMAXD
	opAMOMINUD
	opAMOMAXUD

	// Zba
	opADDUW
	opSH1ADD
	opSH2ADD
	opSH3ADD
	opSH1ADDUW
	opSH2ADDUW
	opSH3ADDUW
	opSLLIUW

	// Zbb
	opANDN
	opORN
	opXNOR
	opCLZ
	opCLZW
	opCTZ
	opCTZW
	opCPOP
	opCPOPW
	opMAX
	opMAXU
	opMIN
	opMINU
	opSEXTB
	opSEXTH
	opZEXTH
	opROL
	opROLW
	opROR
	opRORI
	opRORIW
	opRORW
	opORCB
	opREV8

	// Zbc
	opCLMUL
	opCLMULH
	opCLMULR

	// Zbs
	opBCLR
	opBCLRI
	opBEXT
	opBEXTI
	opBINV
	opBINVI
	opBSET
	opBSETI

	// F
	opFLW
	opFSW
	opFMADDS
	opFMSUBS
	opFNMSUBS
	opFNMADDS
	opFADDS
	opFSUBS
	opFMULS
	opFDIVS
	opFSQRTS
	opFSGNJS
	opFSGNJNS
	opFSGNJXS
	opFMINS
	opFMAXS
	opFCVTWS
	opFCVTWUS
	opFMVXW
	opFEQS
	opFLTS
	opFLES
	opFCLASSS
	opFCVTSW
	opFCVTSWU
	opFMVWX
	opFCVTLS
	opFCVTLUS
	opFCVTSL
	opFCVTSLU

	// D
	opFLD
	opFSD
	opFMADDD
	opFMSUBD
	opFNMSUBD
	opFNMADDD
	opFADDD
	opFSUBD
	opFMULD
	opFDIVD
	opFSQRTD
	opFSGNJD
	opFSGNJND
	opFSGNJXD
	opFMIND
	opFMAXD
	opFCVTSD
	opFCVTDS
	opFEQD
	opFLTD
	opFLED
	opFCLASSD
	opFCVTWD
	opFCVTWUD
	opFCVTDW
	opFCVTDWU
	opFCVTLD
	opFCVTLUD
	opFMVXD
	opFCVTDL
	opFCVTDLU
	opFMVDX

	numOps
)

// Register-file layout of Hart.r: x0..x31 at 0..31 (x0 always reads 0),
// f0..f31 from fBase, and a scratch slot that absorbs writes to x0. A
// trace meta byte's register number (0: none, 1-31: x1-x31, 32-63:
// f0-f31) is the index of the register here, so capturing harts read the
// value they code without translating it.
const (
	fBase     = 32
	xZeroSink = 64
)
