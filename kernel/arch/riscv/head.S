/*
 * S-mode entry from the SBI firmware: a0 = hartid, a1 = DTB. Any hart may
 * be the boot hart (on the FU540/FU740 the firmware picks one of harts 1-4).
 */
#include <arch/trapframe.h>

	.section .text.entry, "ax"
	.globl _start
_start:
	csrw	sie, zero
	/* Entered twice (a wild jump to the image base): report, do not reboot. */
	la	t0, boot_entered
	lw	t1, 0(t0)
	bnez	t1, reentered
	li	t1, 1
	sw	t1, 0(t0)
	csrw	sscratch, zero
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	la	sp, boot_stack_top
	mv	tp, zero
	call	kmain
3:	wfi
	j	3b

reentered:
	mv	a2, ra
	mv	a3, sp
	mv	a4, tp
	call	kernel_reentered
5:	wfi
	j	5b

/* Secondary harts, started through SBI HSM: a0 = hartid, a1 = struct cpu *. */
	.globl secondary_entry
secondary_entry:
	csrw	sie, zero
	csrw	sscratch, zero
	mv	tp, a1
	ld	sp, CPU_KSTACK_TOP(tp)
	la	t0, kernel_satp_value
	ld	t0, 0(t0)
	sfence.vma
	csrw	satp, t0
	sfence.vma
	mv	a0, tp
	call	kmain_secondary
4:	wfi
	j	4b

	.section .data
	.balign 4
boot_entered:
	.word 0

	.section .bss.stack, "aw", @nobits
	.balign 16
	.globl boot_stack
boot_stack:
	.space 16384
	.globl boot_stack_top
boot_stack_top:
