/* Shared definitions of the hand-written ISA tests (see rt.S). */
#define UART 0x10000000
#define FINISHER 0x100000

#define PRIV_U 0
#define PRIV_S 1
#define PRIV_M 3

#ifdef __ASSEMBLER__
/* Print a string literal. Clobbers a0, t0-t3. */
.macro PUTS str
	.pushsection .rodata
1001:	.asciz "\str"
	.popsection
	la	a0, 1001b
	call	puts
.endm

/* Print a labelled register value and a newline. Clobbers a0, t0-t3. */
.macro SHOW label, reg
	mv	a0, \reg
	.pushsection .rodata
1002:	.asciz "\label "
	.popsection
	addi	sp, sp, -16
	sd	a0, 0(sp)
	la	a0, 1002b
	call	puts
	ld	a0, 0(sp)
	addi	sp, sp, 16
	call	puthex
	call	putnl
.endm

/* Leave a function run by run_in_mode. */
.macro ECALL_BACK
	li	a7, -1
	ecall
.endm

/* Print the M-mode trap log. */
.macro SHOW_TRAPS
	la	a0, trap_log
	call	print_traps
.endm

.macro SHOW_STRAPS
	la	a0, strap_log
	call	print_traps
.endm
#endif
