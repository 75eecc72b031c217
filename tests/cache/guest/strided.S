/* Loads every 64-byte line of a 16 KiB buffer, PASSES times, with no other
 * load or store on the test hart, then spins: the hart's L1 D-cache sees
 * exactly these loads, whose misses the cache geometry predicts. */
	.section .text.init
	.globl _start
_start:
	csrr	t0, mhartid
	li	t1, TEST_HART
	bne	t0, t1, park
	li	t2, PASSES
	beqz	t2, done
pass:
	la	t0, buffer
	li	t1, BUFFER_LINES
line:
	ld	t3, 0(t0)
	addi	t0, t0, 64
	addi	t1, t1, -1
	bnez	t1, line
	addi	t2, t2, -1
	bnez	t2, pass
done:
	j	done
park:
	wfi
	j	park

	/* Something in .data: cosim's ELF loader (cosim/firmware) fails on a
	 * load segment with no file bytes, which an all-.bss segment is. */
	.data
start_marker:
	.dword	0x5354415254

	.bss
	.balign 4096
buffer:
	.space	BUFFER_LINES * 64
