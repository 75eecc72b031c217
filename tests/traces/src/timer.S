# A bare-metal program that takes one machine timer interrupt on QEMU virt:
# mtimecmp is set to 0, so the interrupt is pending as soon as it is
# enabled and is taken at the same instruction on every run. The handler
# pushes mtimecmp to the end of time, counts the tick and returns; the
# program then exits through the test finisher.
	.equ	MTIMECMP0, 0x2004000
	.equ	FINISHER, 0x100000
	.section .text.init, "ax"
	.globl _start
_start:
	la	t0, handler
	csrw	mtvec, t0
	li	t0, MTIMECMP0
	sd	zero, 0(t0)
	li	t0, 1 << 7		# MTIE
	csrs	mie, t0
	li	a0, 0
	csrsi	mstatus, 1 << 3		# MIE: the interrupt is taken after this
	addi	a0, a0, 1
	addi	a0, a0, 2
	la	t1, ticks
	ld	a1, 0(t1)
	li	t0, FINISHER
	li	t1, 0x5555
	sw	t1, 0(t0)
1:	j	1b

	.align 2
handler:
	li	t5, -1
	li	t6, MTIMECMP0
	sd	t5, 0(t6)
	la	t6, ticks
	ld	t5, 0(t6)
	addi	t5, t5, 1
	sd	t5, 0(t6)
	mret

	.section .bss
	.align 3
ticks:
	.space 8
