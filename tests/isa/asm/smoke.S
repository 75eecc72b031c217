# Smoke test: printing, arithmetic, a few traps.
#include "lib/test.h"
	.text
	.globl test_main
test_main:
	addi	sp, sp, -16
	sd	ra, 0(sp)
	PUTS	"hello\n"
	li	s0, 40
	addi	s0, s0, 2
	SHOW	"answer", s0
	ecall
	.word	0			# illegal
	ebreak
	c.ebreak
	csrr	s1, 0x7ff		# nonexistent CSR
	SHOW_TRAPS
	li	a0, 0
	ld	ra, 0(sp)
	addi	sp, sp, 16
	ret
