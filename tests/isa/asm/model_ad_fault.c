/* Model only (PTE A/D policy "fault", as SiFive's U54/U74): a load from a
 * page with A clear, a store to a page with D clear, and a fetch from a
 * page with A clear raise page faults and leave the PTE alone; once
 * software sets the bits, the accesses succeed. */
#include "lib/lib.h"

static u64 data[4][512] __attribute__((aligned(4096)));

static long s_load(long va) { return ld64(va); }
static long s_store(long va)
{
	sd64(va, 0x77);
	return 0;
}
static long s_exec(long va)
{
	asm volatile("la t0, 1f\n"
		     "la t1, trap_resume\n"
		     "sd t0, 0(t1)\n"
		     "jalr ra, 0(%0)\n"
		     "1:\n" ::"r"(va)
		     : "t0", "t1", "ra", "memory");
	return 0;
}

int test_main(void)
{
	u64 *root = page_new();
	map(root, 3, 0x80000000ull, 0x80000000ull, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D, 2);
	map(root, 3, 0x10000000ull, 0x10000000ull, PTE_R | PTE_W | PTE_A | PTE_D, 0);
	u64 *p0 = map(root, 3, 0x40000000ull, (u64)data[0], PTE_R | PTE_W, 0);          /* A=0 D=0 */
	u64 *p1 = map(root, 3, 0x40001000ull, (u64)data[1], PTE_R | PTE_W | PTE_A, 0);  /* D=0 */
	u64 *p2 = map(root, 3, 0x40002000ull, (u64)data[2], PTE_R | PTE_X, 0);          /* code, A=0 */
	data[0][0] = 0x10;
	data[1][0] = 0x11;
	data[2][0] = 0x00008067; /* ret */
	csr_write(satp, satp_for(SATP_SV39, root));
	sfence();
	show("load-a0", run_fn_in_mode(PRIV_S, s_load, 0x40000000));
	run_fn_in_mode(PRIV_S, s_store, 0x40000008);
	show("load-d0", run_fn_in_mode(PRIV_S, s_load, 0x40001000));
	run_fn_in_mode(PRIV_S, s_store, 0x40001008);
	run_fn_in_mode(PRIV_S, s_exec, 0x40002000);
	show("pte0", *p0 & 0xff);
	show("pte1", *p1 & 0xff);
	show("pte2", *p2 & 0xff);
	SHOW_TRAPS();
	/* Software sets the bits. */
	*p0 |= PTE_A | PTE_D;
	*p1 |= PTE_D;
	*p2 |= PTE_A;
	sfence();
	show("load-a1", run_fn_in_mode(PRIV_S, s_load, 0x40000000));
	run_fn_in_mode(PRIV_S, s_store, 0x40000008);
	run_fn_in_mode(PRIV_S, s_store, 0x40001008);
	run_fn_in_mode(PRIV_S, s_exec, 0x40002000);
	show("stored0", data[0][1]);
	show("stored1", data[1][1]);
	csr_write(satp, 0);
	sfence();
	SHOW_TRAPS();
	return 0;
}
