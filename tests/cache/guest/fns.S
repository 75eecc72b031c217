/* The two functions the fence.i tests copy: each returns its own number
 * (li a0 with a value too large for c.li, then ret). */
	.text
	.globl fn_one, fn_one_end, fn_two, fn_two_end
	.balign 4
fn_one:
	li	a0, 0x111
	ret
fn_one_end:
	.balign 4
fn_two:
	li	a0, 0x222
	ret
fn_two_end:

