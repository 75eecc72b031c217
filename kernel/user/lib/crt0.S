/* User program entry: a0 = argc, a1 = argv (set up by the kernel). */
	.section .text.start, "ax"
	.globl _start
_start:
	call	main
	call	exit
1:	j	1b

/* A thread's first instructions: a0 points at {fn, arg} on its stack. */
	.text
	.globl __thread_start
__thread_start:
	ld	t0, 0(a0)
	ld	a0, 8(a0)
	jalr	t0
	call	thread_exit
2:	j	2b
