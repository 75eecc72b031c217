/*
 * Trap entry and exit. In user mode sscratch holds the hart's struct cpu
 * pointer; in the kernel it is 0 and tp holds that pointer. Kernel code
 * runs with interrupts disabled, so a trap from the kernel is an exception.
 */
#include <arch/trapframe.h>

#define SAVE(r, i) sd x##r, (i*8)(sp)
#define LOAD(r, i) ld x##r, (i*8)(sp)

	.section .text
	.balign 4
	.globl trap_entry
trap_entry:
	csrrw	tp, sscratch, tp
	bnez	tp, from_user
	/* From the kernel: tp is back in sscratch; take it and leave 0. */
	csrrw	tp, sscratch, zero
	addi	sp, sp, -TF_SIZE
	sd	x1, 8(sp)
	sd	x4, 32(sp)
	addi	x1, sp, TF_SIZE
	sd	x1, 16(sp)
	j	save_rest
from_user:
	sd	sp, CPU_SCRATCH(tp)
	ld	sp, CPU_KSTACK_TOP(tp)
	addi	sp, sp, -TF_SIZE
	sd	x1, 8(sp)
	ld	x1, CPU_SCRATCH(tp)
	sd	x1, 16(sp)
	csrrw	x1, sscratch, zero
	sd	x1, 32(sp)
save_rest:
	SAVE(3, 3)
	SAVE(5, 5)
	SAVE(6, 6)
	SAVE(7, 7)
	SAVE(8, 8)
	SAVE(9, 9)
	SAVE(10, 10)
	SAVE(11, 11)
	SAVE(12, 12)
	SAVE(13, 13)
	SAVE(14, 14)
	SAVE(15, 15)
	SAVE(16, 16)
	SAVE(17, 17)
	SAVE(18, 18)
	SAVE(19, 19)
	SAVE(20, 20)
	SAVE(21, 21)
	SAVE(22, 22)
	SAVE(23, 23)
	SAVE(24, 24)
	SAVE(25, 25)
	SAVE(26, 26)
	SAVE(27, 27)
	SAVE(28, 28)
	SAVE(29, 29)
	SAVE(30, 30)
	SAVE(31, 31)
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	mv	a0, sp
	call	trap_handler

/* Return through the trap frame at sp. */
	.globl trap_return
trap_return:
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	andi	t0, t0, 0x100          /* SPP */
	bnez	t0, 1f
	/* Back to user: the hart we return on may differ from the one we
	 * entered on, so sscratch gets the live tp, then tp the user's. */
	csrw	sscratch, tp
	LOAD(4, 4)
1:	LOAD(1, 1)
	LOAD(3, 3)
	LOAD(5, 5)
	LOAD(6, 6)
	LOAD(7, 7)
	LOAD(8, 8)
	LOAD(9, 9)
	LOAD(10, 10)
	LOAD(11, 11)
	LOAD(12, 12)
	LOAD(13, 13)
	LOAD(14, 14)
	LOAD(15, 15)
	LOAD(16, 16)
	LOAD(17, 17)
	LOAD(18, 18)
	LOAD(19, 19)
	LOAD(20, 20)
	LOAD(21, 21)
	LOAD(22, 22)
	LOAD(23, 23)
	LOAD(24, 24)
	LOAD(25, 25)
	LOAD(26, 26)
	LOAD(27, 27)
	LOAD(28, 28)
	LOAD(29, 29)
	LOAD(30, 30)
	LOAD(31, 31)
	LOAD(2, 2)
	sret

/* A new thread's first switch lands here: finish the switch, enter user mode. */
	.globl thread_trampoline
thread_trampoline:
	call	thread_first_run
	mv	sp, a0
	j	trap_return

/*
 * struct thread *switch_context(struct context *from, struct context *to,
 *                               struct thread *prev)
 * Saves the callee-saved registers in from, loads to's, and returns prev
 * in the new context so it can finish the switch.
 */
	.globl switch_context
switch_context:
	sd	ra, 0(a0)
	sd	sp, 8(a0)
	sd	s0, 16(a0)
	sd	s1, 24(a0)
	sd	s2, 32(a0)
	sd	s3, 40(a0)
	sd	s4, 48(a0)
	sd	s5, 56(a0)
	sd	s6, 64(a0)
	sd	s7, 72(a0)
	sd	s8, 80(a0)
	sd	s9, 88(a0)
	sd	s10, 96(a0)
	sd	s11, 104(a0)
	ld	ra, 0(a1)
	ld	sp, 8(a1)
	ld	s0, 16(a1)
	ld	s1, 24(a1)
	ld	s2, 32(a1)
	ld	s3, 40(a1)
	ld	s4, 48(a1)
	ld	s5, 56(a1)
	ld	s6, 64(a1)
	ld	s7, 72(a1)
	ld	s8, 80(a1)
	ld	s9, 88(a1)
	ld	s10, 96(a1)
	ld	s11, 104(a1)
	mv	a0, a2
	ret
