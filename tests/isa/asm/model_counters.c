/* Model only (QEMU 7.2 derives cycle and instret from the host clock):
 * instret counts retired instructions exactly, mcycle one per instruction
 * here, both are writable and take the written value for the next
 * instruction, mcountinhibit freezes them, hpmcounters hold what is
 * written and count nothing. */
#include "lib/lib.h"

int test_main(void)
{
	u64 a, b, c;
	asm volatile("csrr %0, minstret\n"
		     "nop\n"
		     "nop\n"
		     "csrr %1, minstret\n"
		     : "=r"(a), "=r"(b));
	show("instret-delta", b - a);
	asm volatile("csrr %0, mcycle\n"
		     "csrr %1, mcycle\n"
		     : "=r"(a), "=r"(b));
	show("cycle-delta", b - a);
	asm volatile("csrw minstret, %1\n"
		     "csrr %0, minstret\n"
		     : "=r"(a)
		     : "r"(1000ull));
	show("instret-written", a);
	csr_write(mcountinhibit, 5);
	asm volatile("csrr %0, minstret\n"
		     "nop\n"
		     "csrr %1, minstret\n"
		     "csrr %2, mcycle\n"
		     : "=r"(a), "=r"(b), "=r"(c));
	show("inhibited-delta", b - a);
	asm volatile("csrw mcycle, %1\n"
		     "csrr %0, mcycle\n"
		     : "=r"(a)
		     : "r"(77ull));
	show("inhibited-write", a);
	csr_write(mcountinhibit, 0);
	show("mcountinhibit", csr_read(mcountinhibit));
	csr_write(mcountinhibit, ~0ull);
	show("mcountinhibit-warl", csr_read(mcountinhibit));
	csr_write(mcountinhibit, 0);
	csr_write(mhpmcounter3, 12345);
	asm volatile("nop");
	show("hpm3", csr_read(mhpmcounter3));
	csr_write(mcounteren, 1);
	show("cycle-user", csr_read(cycle) > 0);
	return 0;
}
