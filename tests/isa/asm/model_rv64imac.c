/* Model only (an rv64imac hart, as the FU740's S7 monitor core): F, D and
 * the Zb* extensions raise illegal instruction, misa says so, mstatus.FS
 * is read-only zero and the FP CSRs do not exist. Built with the common
 * -march, so the instructions assemble. */
#include "lib/lib.h"

int test_main(void)
{
	show("misa", csr_read(misa));
	csr_set(mstatus, 3 << 13);
	show("fs", (csr_read(mstatus) >> 13) & 3);
	asm volatile(".option push\n.option norvc\n"
		     "fadd.s f0, f1, f2\n"
		     "fld f0, 0(sp)\n"
		     "fmv.x.d t0, f0\n"
		     "csrr t0, fcsr\n"
		     "andn t0, t0, t0\n"
		     "sh1add t0, t0, t0\n"
		     "clmul t0, t0, t0\n"
		     "bset t0, t0, t0\n"
		     ".option pop\n"
		     "c.fld f8, 0(s0)\n"
		     "mul t0, t0, t0\n"  /* M and A are there */
		     "amoadd.d t0, t0, (sp)\n" ::
			     : "t0", "memory");
	SHOW_TRAPS();
	return 0;
}
