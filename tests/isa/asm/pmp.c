/* PMP: NAPOT, TOR and NA4 regions with R/W/X, priority of lower entries,
 * S/U accesses that match no entry, locked entries constraining M-mode,
 * partial matches, PMP on page-table walks, and the CSR read-back. The
 * runtime's entry 0 (all memory, RWX) is moved to the last entry so the
 * test's entries take precedence. */
#include "lib/lib.h"

static u64 region[4][512] __attribute__((aligned(8192)));

#define PMP_R 1
#define PMP_W 2
#define PMP_X 4
#define PMP_TOR (1 << 3)
#define PMP_NA4 (2 << 3)
#define PMP_NAPOT (3 << 3)
#define PMP_L 0x80

static u64 napot(u64 base, u64 size) { return (base >> 2) | ((size >> 3) - 1); }

static long u_load(long a) { return ld64(a); }
static long u_store(long a)
{
	sd64(a, 7);
	return 0;
}
static long u_exec(long a)
{
	long r;
	asm volatile("la t0, 1f\n"
		     "la t1, trap_resume\n"
		     "sd t0, 0(t1)\n"
		     "jalr ra, 0(%1)\n"
		     "1: mv %0, a0\n"
		     : "=r"(r)
		     : "r"(a)
		     : "t0", "t1", "ra", "a0", "memory");
	return r;
}

static void set_cfg(int i, u64 cfg)
{
	u64 reg = i < 8 ? csr_read(pmpcfg0) : csr_read(pmpcfg2);
	int sh = (i % 8) * 8;
	reg = (reg & ~(0xffull << sh)) | (cfg << sh);
	if (i < 8)
		csr_write(pmpcfg0, reg);
	else
		csr_write(pmpcfg2, reg);
}

int test_main(void)
{
	u64 r0 = (u64)region[0], r1 = (u64)region[1], r2 = (u64)region[2];
	for (int i = 0; i < 4; i++)
		region[i][0] = 0x100 + i;
	/* Everything else: entry 15, RWX. */
	csr_write(pmpaddr15, (1ull << 54) - 1);
	set_cfg(15, PMP_NAPOT | PMP_R | PMP_W | PMP_X);
	set_cfg(0, 0);
	/* Entry 0: region 0 read-only (NAPOT 4 KiB). */
	csr_write(pmpaddr0, napot(r0, 4096));
	set_cfg(0, PMP_NAPOT | PMP_R);
	/* Entries 1-2: region 1 no access (TOR). */
	csr_write(pmpaddr1, r1 >> 2);
	csr_write(pmpaddr2, (r1 + 4096) >> 2);
	set_cfg(2, PMP_TOR);
	/* Entry 3: the first word of region 2 write-only... W without R is
	 * reserved, so NA4 with R|W, then entry 4 covering region 2 with X. */
	csr_write(pmpaddr3, r2 >> 2);
	set_cfg(3, PMP_NA4 | PMP_R | PMP_W);
	csr_write(pmpaddr4, napot(r2, 4096));
	set_cfg(4, PMP_NAPOT | PMP_X);
	show("pmpcfg0", csr_read(pmpcfg0));
	show("pmpcfg2", csr_read(pmpcfg2));
	show("pmpaddr0", csr_read(pmpaddr0) - (r0 >> 2));
	show("pmpaddr2", csr_read(pmpaddr2) - (r1 >> 2));

	for (int p = 0; p <= 1; p++) {
		int priv = p ? PRIV_S : PRIV_U;
		show("priv", priv);
		show("r0", run_fn_in_mode(priv, u_load, r0));
		run_fn_in_mode(priv, u_store, r0 + 8);
		show("r1", run_fn_in_mode(priv, u_load, r1 + 16));
		run_fn_in_mode(priv, u_store, r1 + 24);
		show("r2w0", run_fn_in_mode(priv, u_load, r2));
		run_fn_in_mode(priv, u_store, r2);
		show("r2w1", run_fn_in_mode(priv, u_load, r2 + 8));
		/* A doubleword straddling entry 3's end: partial match. */
		show("r2-partial", run_fn_in_mode(priv, u_load, r2 + 2));
		run_fn_in_mode(priv, u_exec, r0);
		run_fn_in_mode(priv, u_exec, r2 + 64);
		SHOW_TRAPS();
	}
	/* M-mode ignores unlocked entries... */
	show("m-r1", ld64(r1));
	/* ...but not locked ones. */
	set_cfg(0, PMP_NAPOT | PMP_R | PMP_L);
	sd64(r0 + 8, 9);
	show("m-r0", ld64(r0 + 8));
	SHOW_TRAPS();
	/* A locked entry ignores writes to its cfg and address. */
	csr_write(pmpaddr0, 0);
	set_cfg(0, 0);
	show("locked-cfg", csr_read(pmpcfg0) & 0xff);
	show("locked-addr", csr_read(pmpaddr0) - napot(r0, 4096));

	/* With no entry matching, S/U accesses fail: shrink entry 15 to the
	 * first 32 MiB of DRAM. */
	csr_write(pmpaddr15, napot(0x80000000ull, 32 << 20));
	run_fn_in_mode(PRIV_U, u_load, 0x83000000ull);
	SHOW_TRAPS();
	return 0;
}
