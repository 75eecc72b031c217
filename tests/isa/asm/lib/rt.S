# Runtime of the hand-written ISA tests: start-up, printing over the
# ns16550a transmit register, M- and S-mode trap handlers that record each
# trap and resume after the trapping instruction, mode switching, and the
# test finisher. Runs unchanged on QEMU virt (-bios none) and on the
# tests/isa/harness machine.
#include "test.h"

	.section .text.init
	.globl _start
_start:
	la	sp, stack_top
	la	t0, trap_stack_top
	csrw	mscratch, t0
	la	t0, mtrap_entry
	csrw	mtvec, t0
	# PMP entry 0: everything, RWX, so that S and U may run (54 address
	# bits: QEMU 7.2 keeps all 64 of a written pmpaddr, the spec 54).
	li	t0, (1 << 54) - 1
	csrw	pmpaddr0, t0
	li	t0, 0x1f
	csrw	pmpcfg0, t0
	# FP on, so tests may use the F/D registers.
	li	t0, 1 << 13
	csrs	mstatus, t0
	call	test_main
	bnez	a0, fail
	.globl pass
pass:
	li	t0, FINISHER
	li	t1, 0x5555
	sw	t1, 0(t0)
1:	j	1b
	.globl fail
fail:
	slli	a0, a0, 16
	li	t1, 0x3333
	or	a0, a0, t1
	li	t0, FINISHER
	sw	a0, 0(t0)
1:	j	1b

	.text
# putc(a0): one byte to the UART.
	.globl putc
putc:
	li	t0, UART
	sb	a0, 0(t0)
	ret

# puts(a0): a NUL-terminated string.
	.globl puts
puts:
	mv	t1, a0
	li	t0, UART
1:	lbu	t2, 0(t1)
	beqz	t2, 2f
	sb	t2, 0(t0)
	addi	t1, t1, 1
	j	1b
2:	ret

# puthex(a0): 16 hex digits and a space.
	.globl puthex
puthex:
	li	t0, UART
	li	t1, 60
1:	srl	t2, a0, t1
	andi	t2, t2, 15
	addi	t2, t2, '0'
	li	t3, '9'
	ble	t2, t3, 2f
	addi	t2, t2, 'a' - '9' - 1
2:	sb	t2, 0(t0)
	addi	t1, t1, -4
	bgez	t1, 1b
	li	t2, ' '
	sb	t2, 0(t0)
	ret

	.globl putnl
putnl:
	li	t0, UART
	li	t1, '\n'
	sb	t1, 0(t0)
	ret

# run_in_mode(a0 = privilege, a1 = function): runs the function at that
# privilege; it comes back with ECALL_BACK (li a7, -1; ecall), and a0 then
# holds its result. Callee-saved registers are preserved.
	.globl run_in_mode
run_in_mode:
	addi	sp, sp, -112
	sd	ra, 0(sp)
	sd	s0, 8(sp)
	sd	s1, 16(sp)
	sd	s2, 24(sp)
	sd	s3, 32(sp)
	sd	s4, 40(sp)
	sd	s5, 48(sp)
	sd	s6, 56(sp)
	sd	s7, 64(sp)
	sd	s8, 72(sp)
	sd	s9, 80(sp)
	sd	s10, 88(sp)
	sd	s11, 96(sp)
	la	t0, saved_sp
	sd	sp, 0(t0)
	li	t0, 3 << 11
	csrc	mstatus, t0
	slli	a0, a0, 11
	csrs	mstatus, a0
	csrw	mepc, a1
	mret
# run_fn_in_mode(a0 = privilege, a1 = function, a2 = argument): calls the
# function at that privilege and returns its result.
	.globl run_fn_in_mode
run_fn_in_mode:
	mv	t5, a1
	mv	t6, a2
	la	a1, fn_trampoline
	j	run_in_mode
fn_trampoline:
	mv	a0, t6
	jalr	t5
	ECALL_BACK

back_in_m:
	la	t0, saved_sp
	ld	sp, 0(t0)
	ld	ra, 0(sp)
	ld	s0, 8(sp)
	ld	s1, 16(sp)
	ld	s2, 24(sp)
	ld	s3, 32(sp)
	ld	s4, 40(sp)
	ld	s5, 48(sp)
	ld	s6, 56(sp)
	ld	s7, 64(sp)
	ld	s8, 72(sp)
	ld	s9, 80(sp)
	ld	s10, 88(sp)
	ld	s11, 96(sp)
	addi	sp, sp, 112
	ret

# The M-mode trap handler. Exceptions: record mcause/mtval/mepc in
# trap_log, then resume at trap_resume if a test set it, else after the
# trapping instruction. Interrupts: record, then clear the interrupt's
# enable bit in mie so it does not fire again. ECALL_BACK returns to the
# caller of run_in_mode.
	.align 4
	.globl mtrap_entry
mtrap_entry:
	csrrw	sp, mscratch, sp
	addi	sp, sp, -64
	sd	t0, 0(sp)
	sd	t1, 8(sp)
	sd	t2, 16(sp)
	sd	t3, 24(sp)
	csrr	t0, mcause
	li	t1, 8
	blt	t0, t1, 1f
	li	t1, 11
	bgt	t0, t1, 1f
	li	t1, -1
	bne	a7, t1, 1f
	# ECALL_BACK: continue in M-mode after run_in_mode's call.
	addi	sp, sp, 64
	csrrw	sp, mscratch, sp
	li	t0, 3 << 11
	csrs	mstatus, t0
	la	t0, back_in_m
	csrw	mepc, t0
	mret
1:	la	t1, trap_log
	ld	t2, 0(t1)		# count
	addi	t3, t2, 1
	sd	t3, 0(t1)
	andi	t2, t2, 15
	slli	t2, t2, 5
	add	t2, t2, t1
	sd	t0, 8(t2)
	csrr	t3, mtval
	sd	t3, 16(t2)
	csrr	t3, mepc
	sd	t3, 24(t2)
	li	t1, 0
	csrr	t3, mstatus
	srli	t3, t3, 11
	andi	t3, t3, 3
	sd	t3, 32(t2)		# privilege the trap came from
	bltz	t0, 3f
	la	t1, trap_resume
	ld	t2, 0(t1)
	beqz	t2, 2f
	sd	zero, 0(t1)
	csrw	mepc, t2
	j	4f
2:	# A fetch fault with nowhere to resume: give up.
	li	t1, 1
	beq	t0, t1, fetch_fault
	li	t1, 12
	beq	t0, t1, fetch_fault
	beqz	t0, fetch_fault
	# Skip the trapping instruction: read it with the trapping privilege's
	# view of memory (MPRV), executable pages readable (MXR).
	li	t1, (1 << 17) | (1 << 19)
	csrs	mstatus, t1
	csrr	t3, mepc
	lhu	t2, 0(t3)
	csrc	mstatus, t1
	andi	t2, t2, 3
	li	t1, 3
	addi	t3, t3, 2
	bne	t2, t1, 5f
	addi	t3, t3, 2
5:	csrw	mepc, t3
	j	4f
3:	# Interrupt: mask it.
	slli	t0, t0, 1
	srli	t0, t0, 1
	li	t1, 1
	sll	t1, t1, t0
	csrc	mie, t1
4:	ld	t0, 0(sp)
	ld	t1, 8(sp)
	ld	t2, 16(sp)
	ld	t3, 24(sp)
	addi	sp, sp, 64
	csrrw	sp, mscratch, sp
	mret

fetch_fault:
	la	sp, stack_top
	la	a0, str_fetch
	call	puts
	csrr	a0, mcause
	call	puthex
	csrr	a0, mtval
	call	puthex
	call	putnl
	li	a0, 99
	j	fail

# The S-mode trap handler: same protocol with the S CSRs and strap_log.
	.globl strap_entry
	.align 4
strap_entry:
	csrrw	sp, sscratch, sp
	addi	sp, sp, -64
	sd	t0, 0(sp)
	sd	t1, 8(sp)
	sd	t2, 16(sp)
	sd	t3, 24(sp)
	csrr	t0, scause
	la	t1, strap_log
	ld	t2, 0(t1)
	addi	t3, t2, 1
	sd	t3, 0(t1)
	andi	t2, t2, 15
	slli	t2, t2, 5
	add	t2, t2, t1
	sd	t0, 8(t2)
	csrr	t3, stval
	sd	t3, 16(t2)
	csrr	t3, sepc
	sd	t3, 24(t2)
	csrr	t3, sstatus
	srli	t3, t3, 8
	andi	t3, t3, 1
	sd	t3, 32(t2)
	bltz	t0, 3f
	la	t1, strap_resume
	ld	t2, 0(t1)
	beqz	t2, 2f
	sd	zero, 0(t1)
	csrw	sepc, t2
	j	4f
2:	li	t1, (1 << 18) | (1 << 19)	# SUM | MXR
	csrs	sstatus, t1
	csrr	t3, sepc
	lhu	t2, 0(t3)
	csrc	sstatus, t1
	andi	t2, t2, 3
	li	t1, 3
	addi	t3, t3, 2
	bne	t2, t1, 5f
	addi	t3, t3, 2
5:	csrw	sepc, t3
	j	4f
3:	slli	t0, t0, 1
	srli	t0, t0, 1
	li	t1, 1
	sll	t1, t1, t0
	csrc	sie, t1
4:	ld	t0, 0(sp)
	ld	t1, 8(sp)
	ld	t2, 16(sp)
	ld	t3, 24(sp)
	addi	sp, sp, 64
	csrrw	sp, sscratch, sp
	sret

# print_traps(a0 = log): prints and clears a trap log: one line per trap,
# "cause tval epc-offset priv" (epc relative to _start, so it does not
# depend on where code lands).
	.globl print_traps
print_traps:
	addi	sp, sp, -32
	sd	ra, 0(sp)
	sd	s0, 8(sp)
	sd	s1, 16(sp)
	sd	s2, 24(sp)
	mv	s0, a0
	ld	s1, 0(s0)
	sd	zero, 0(s0)
	li	t0, 16
	ble	s1, t0, 1f
	li	s1, 16
1:	addi	s2, s0, 8
2:	beqz	s1, 3f
	la	a0, str_trap
	la	t0, strap_log
	bne	s0, t0, 4f
	la	a0, str_strap
4:	call	puts
	ld	a0, 0(s2)
	call	puthex
	ld	a0, 8(s2)
	call	puthex
	ld	a0, 16(s2)
	la	t0, _start
	sub	a0, a0, t0
	ld	t0, 0(s2)
	bgez	t0, 5f
	li	a0, 0			# interrupts: the epc depends on timing
5:	call	puthex
	ld	a0, 24(s2)
	call	puthex
	call	putnl
	addi	s2, s2, 32
	addi	s1, s1, -1
	j	2b
3:	ld	ra, 0(sp)
	ld	s0, 8(sp)
	ld	s1, 16(sp)
	ld	s2, 24(sp)
	addi	sp, sp, 32
	ret

	.section .rodata
str_trap: .asciz "trap "
str_strap: .asciz "strap "
str_fetch: .asciz "unexpected instruction fetch fault "

	.data
	.align 4
	.globl trap_log, trap_resume, strap_log, strap_resume, saved_sp
trap_log:	.zero 8 + 16 * 32
strap_log:	.zero 8 + 16 * 32
trap_resume:	.dword 0
strap_resume:	.dword 0
saved_sp:	.dword 0

	.bss
	.align 12
	.globl stack_top, trap_stack_top, s_stack_top
	.zero 8192
stack_top:
	.zero 4096
trap_stack_top:
	.zero 4096
s_stack_top:
