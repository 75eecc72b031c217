/* Hart 0 runs the workload; any other hart waits for ever, so the program
   runs unchanged whatever -smp says. */
	.section .text.init
	.globl _start
_start:
	csrr	t0, mhartid
	bnez	t0, park
	la	sp, stack_top
	call	main
park:
	wfi
	j	park
	.bss
	.align 4
	.zero 16384
stack_top:
