/* Model only (the FU740's U74 errata, Sv39): CIP-453, instruction page
 * faults report a tval that is not sign-extended from bit 38; CIP-1200, a
 * sfence.vma with an address does not flush the instruction TLB (data
 * translations are flushed), while sfence.vma with rs1 = x0 does. The
 * model's I-TLB is direct-mapped, so the stale entry survives only while
 * no other page takes its slot (the erratum says "may ignore"). */
#include "lib/lib.h"

static uint32_t code[2][1024] __attribute__((aligned(4096)));

static long s_call(long va) { return ((long (*)(void))va)(); }
static long s_load(long va) { return lw32(va); }
static long s_jump(long va)
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
	/* li a0, 1; ret  and  li a0, 2; ret */
	code[0][0] = 0x00100513;
	code[0][1] = 0x00008067;
	code[1][0] = 0x00200513;
	code[1][1] = 0x00008067;
	u64 *root = page_new();
	map(root, 3, 0x80000000ull, 0x80000000ull, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D, 2);
	map(root, 3, 0x10000000ull, 0x10000000ull, PTE_R | PTE_W | PTE_A | PTE_D, 0);
	u64 *pte = map(root, 3, 0x40005000ull, (u64)code[0], PTE_R | PTE_X | PTE_A, 0);
	csr_write(satp, satp_for(SATP_SV39, root));
	sfence();
	show("first", run_fn_in_mode(PRIV_S, s_call, 0x40005000));
	*pte = ((u64)code[1] >> 12 << 10) | PTE_V | PTE_R | PTE_X | PTE_A;
	asm volatile("sfence.vma %0, zero" ::"r"(0x40005000ull) : "memory");
	show("after-va-fence", run_fn_in_mode(PRIV_S, s_call, 0x40005000));
	show("data-sees-new", run_fn_in_mode(PRIV_S, s_load, 0x40005000));
	sfence();
	show("after-global-fence", run_fn_in_mode(PRIV_S, s_call, 0x40005000));
	/* CIP-453: a fetch page fault high in the address space. */
	run_fn_in_mode(PRIV_S, s_jump, 0xffffffc000001000ull);
	run_fn_in_mode(PRIV_S, s_load, 0xffffffc000001000ull);
	csr_write(satp, 0);
	sfence();
	SHOW_TRAPS();
	return 0;
}
