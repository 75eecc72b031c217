/* Start-up of the S-mode payload the built-in SBI starts on its boot hart
 * (a0 = hartid): run smain on a stack, then shut down through the SBI. */
	.section .text.init
	.globl _start
_start:
	la	sp, stack_top
	call	smain
	li	a7, 8			/* legacy SBI shutdown */
	ecall
1:	j	1b

	/* Something in .data: cosim's ELF loader (cosim/firmware) fails on a
	 * load segment with no file bytes, which an all-.bss segment is. */
	.data
start_marker:
	.dword	0x5354415254

	.bss
	.balign 16
	.space	4096
stack_top:
