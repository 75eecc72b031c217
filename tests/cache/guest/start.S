/* Start-up shared by the cache test programs, built with the board's
 * generated header (-include kernel/include/board/<board>.h) and
 * -DTEST_HART=n: hart n runs main on its own stack in M-mode, every other
 * hart parks in WFI without touching memory. */
	.section .text.init
	.globl _start
_start:
	csrr	t0, mhartid
	li	t1, TEST_HART
	bne	t0, t1, park
	la	sp, stack_top
	la	t0, trap_entry
	csrw	mtvec, t0
	call	main
	/* main returned: report and end the run. */
	call	finish
park:
	wfi
	j	park

/* run_in_s(fn, arg) runs fn(arg) in S-mode (satp as set) and returns what
 * it returned (through ecall), or, if it trapped, 0 with the trap recorded
 * in trap_cause/trap_tval. Callee-saved state is kept in saved_ctx. */
	.globl run_in_s
run_in_s:
	la	t0, saved_ctx
	sd	ra, 0(t0)
	sd	sp, 8(t0)
	sd	s0, 16(t0)
	sd	s1, 24(t0)
	csrw	mepc, a0
	mv	a0, a1
	li	t1, 3 << 11		/* MPP */
	csrc	mstatus, t1
	li	t1, 1 << 11		/* MPP = S */
	csrs	mstatus, t1
	la	ra, s_return
	mret
s_return:
	ecall				/* a0 holds fn's result */

/* The M-mode trap handler: an ecall from S returns to run_in_s's caller
 * with a0; any other trap is recorded and returns there with 0. */
	.balign 4
trap_entry:
	csrr	t0, mcause
	li	t1, 9			/* environment call from S-mode */
	beq	t0, t1, back_to_m
	la	t1, trap_cause
	sd	t0, 0(t1)
	csrr	t0, mtval
	la	t1, trap_tval
	sd	t0, 0(t1)
	li	a0, 0
back_to_m:
	li	t1, 3 << 11		/* stay in M after mret */
	csrs	mstatus, t1
	la	t0, saved_ctx
	ld	ra, 0(t0)
	ld	sp, 8(t0)
	ld	s0, 16(t0)
	ld	s1, 24(t0)
	csrw	mepc, ra
	mret

	/* Something in .data: cosim's ELF loader (cosim/firmware) fails on a
	 * load segment with no file bytes, which an all-.bss segment is. */
	.data
	.globl start_marker
start_marker:
	.dword	0x5354415254

	.bss
	.balign 16
saved_ctx:
	.space	32
	.globl trap_cause, trap_tval
trap_cause:
	.space	8
trap_tval:
	.space	8
	.balign 16
	.space	4096
stack_top:
