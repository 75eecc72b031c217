# An S-mode payload for OpenSBI fw_jump: prints a line through the legacy
# console call, reads a few CSRs an S-mode kernel would, then shuts down
# through SRST. Linked at 0x80200000.
	.section .text
	.globl _start
_start:
	la	s0, msg
1:	lbu	a0, 0(s0)
	beqz	a0, 2f
	li	a7, 1			# legacy console putchar
	ecall
	addi	s0, s0, 1
	j	1b
2:	csrr	t0, sstatus
	csrr	t1, time
	li	a7, 0x10		# base: get spec version
	li	a6, 0
	ecall
	mv	s1, a0
	li	a7, 0x53525354		# SRST: shutdown
	li	a6, 0
	li	a0, 0
	li	a1, 0
	ecall
3:	wfi
	j	3b
msg:	.asciz "payload: hello from S-mode\n"
