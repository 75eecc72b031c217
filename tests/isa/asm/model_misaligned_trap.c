/* Model only (misaligned = "trap", as the U74 is expected to behave):
 * every misaligned load and store traps with tval = the address; LR gives
 * a load exception, SC and AMOs store/AMO exceptions (QEMU 7.2 reports
 * AMOs as load-misaligned, against the spec). */
#include "lib/lib.h"

static u64 buf[16];

int test_main(void)
{
	u64 b = (u64)buf;
	show("ld", ld64(b + 1));
	show("lw", lw32(b + 2));
	asm volatile("lh t0, 3(%0)\n"
		     "lhu t0, 5(%0)\n"
		     "lwu t0, 6(%0)\n"
		     "lb t0, 7(%0)\n" /* byte: never misaligned */
		     "sd zero, 4(%0)\n"
		     "sw zero, 2(%0)\n"
		     "sh zero, 1(%0)\n"
		     "fld f0, 4(%0)\n"
		     "fsw f0, 2(%0)\n" ::"r"(b)
		     : "t0", "memory");
	SHOW_TRAPS();
	u64 v = 0, a = b + 4;
	asm volatile("lr.d %0, (%1)\n"
		     "sc.w %0, %0, (%1)\n" /* no reservation: fails, no trap */
		     "amoadd.d %0, %0, (%1)\n"
		     "addi %1, %1, 2\n amoswap.w %0, %0, (%1)\n"
		     : "+r"(v), "+r"(a)
		     :
		     : "memory");
	SHOW_TRAPS();
	return 0;
}
