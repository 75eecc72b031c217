	.section .text.init
	.globl _start
_start:
	la	sp, stack_top
	call	main
1:	j	1b
	.bss
	.align 4
	.zero 16384
stack_top:
