# A bare-metal program for the reference traces: M-mode arithmetic, loads,
# stores, an AMO, CSR writes, compressed instructions, a synchronous trap
# (ecall) and an illegal-instruction trap handled in M mode, a drop to S
# mode through mret, and an exit through QEMU virt's test finisher
# (0x100000, 0x5555 = pass). It uses no floating point, so the traces hold
# integer state only.
	.section .text.init, "ax"
	.globl _start
_start:
	la	t0, trap_handler
	csrw	mtvec, t0
	la	sp, stack_top
	li	a0, 0
	li	a1, 10
sum_loop:
	add	a0, a0, a1
	addi	a1, a1, -1
	bnez	a1, sum_loop
	la	t1, scratch
	sd	a0, 0(t1)
	ld	a2, 0(t1)
	lw	a3, 4(t1)
	lbu	a4, 0(t1)
	csrw	mscratch, a2
	csrr	a5, mscratch
	amoadd.d a6, a0, (t1)
	ld	a7, 0(t1)
	ecall
	addi	s1, a0, 1
	.word	0		# illegal instruction: the handler skips it
	mul	s2, a0, a7
	call	fib10
	# PMP entry 0: all of memory RWX for S and U (no entry would deny them).
	li	t0, -1
	csrw	pmpaddr0, t0
	li	t0, 0x1f
	csrw	pmpcfg0, t0
	# mret to S mode at s_mode.
	li	t0, 3 << 11
	csrc	mstatus, t0
	li	t0, 1 << 11
	csrs	mstatus, t0
	la	t0, s_mode
	csrw	mepc, t0
	mret

# fib10 computes fib(10) in a0 iteratively, using the stack like a C function.
fib10:
	addi	sp, sp, -16
	sd	ra, 8(sp)
	li	t0, 0
	li	t1, 1
	li	t2, 10
1:	add	t3, t0, t1
	mv	t0, t1
	mv	t1, t3
	addi	t2, t2, -1
	bnez	t2, 1b
	mv	a0, t0
	ld	ra, 8(sp)
	addi	sp, sp, 16
	ret

s_mode:
	la	t1, scratch
	ld	s3, 0(t1)
	addi	s3, s3, 3
	sd	s3, 8(t1)
	csrw	sscratch, s3
	ecall			# from S: cause 9, the handler finishes

	.align 2
trap_handler:
	csrr	t4, mcause
	csrr	t5, mepc
	addi	t5, t5, 4
	csrw	mepc, t5
	li	t6, 9
	beq	t4, t6, finish
	mret

finish:
	li	t0, 0x100000
	li	t1, 0x5555
	sw	t1, 0(t0)
2:	wfi
	j	2b

	.section .bss
	.align 4
scratch:
	.space 16
stack:
	.space 256
stack_top:
