/* Misaligned loads and stores, which QEMU (and the virt board's
 * "emulate" policy) perform in hardware: within a page, across pages, and
 * across into an unmapped page, where the fault reports the first byte of
 * the second page. LR/SC and AMOs still trap. */
#include "lib/lib.h"

static u64 buf[1024] __attribute__((aligned(4096)));
static u64 pages[2][512] __attribute__((aligned(4096)));

static long ld_at(long a) { return ld64(a); }
static long lw_at(long a) { return lw32(a); }
static long sd_at(long a)
{
	sd64(a, 0x1122334455667788ull);
	return 0;
}

int test_main(void)
{
	unsigned char *b = (unsigned char *)buf;
	for (int i = 0; i < 8192; i++)
		b[i] = i * 7 + 1;
	u64 base = (u64)buf;
	for (int off = 1; off < 8; off++)
		show("ld", ld64(base + off));
	show("lw", lw32(base + 3));
	show("cross", ld64(base + 4096 - 3));
	sd64(base + 4093, 0xa1a2a3a4a5a6a7a8ull);
	show("sd-cross", ld64(base + 4088));
	show("sd-cross2", ld64(base + 4096));
	asm volatile("sh %0, 1(%1)" ::"r"(0xbeef), "r"(base) : "memory");
	show("sh", ld64(base));
	/* Atomics trap (load-misaligned for LR). */
	u64 v = 0;
	asm volatile("lr.d %0, (%1)" : "+r"(v) : "r"(base + 4) : "memory");
	SHOW_TRAPS();
	/* Across into an unmapped page under Sv39. */
	u64 *root = page_new();
	map(root, 3, 0x80000000ull, 0x80000000ull, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D, 2);
	map(root, 3, 0x10000000ull, 0x10000000ull, PTE_R | PTE_W | PTE_A | PTE_D, 0);
	map(root, 3, 0x40000000ull, (u64)pages[0], PTE_R | PTE_W | PTE_A | PTE_D, 0);
	pages[0][511] = 0x0807060504030201ull;
	csr_write(satp, satp_for(SATP_SV39, root));
	sfence();
	show("s-ld-in", run_fn_in_mode(PRIV_S, ld_at, 0x40000ff9));
	show("s-ld-cross", run_fn_in_mode(PRIV_S, ld_at, 0x40000ffd));
	show("s-lw-cross", run_fn_in_mode(PRIV_S, lw_at, 0x40000ffe));
	run_fn_in_mode(PRIV_S, sd_at, 0x40000ffb);
	show("s-unchanged", pages[0][511]);
	/* Starting in the unmapped page before a mapped one. */
	show("s-ld-before", run_fn_in_mode(PRIV_S, ld_at, 0x3ffffffe));
	csr_write(satp, 0);
	sfence();
	SHOW_TRAPS();
	return 0;
}
