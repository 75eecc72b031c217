/* MMU: Sv39 and Sv48 translation, permissions (R/W/X, U, SUM, MXR),
 * invalid and reserved encodings, misaligned superpages, non-canonical
 * addresses, A/D updates (QEMU sets them in hardware), MPRV, sfence.vma,
 * and delegation of page faults to S-mode. Every trap's cause, tval and
 * epc is printed. */
#include "lib/lib.h"

#define TEST_VA 0x40000000ull

static u64 data[16][512] __attribute__((aligned(4096)));
static u64 *ptes[16];

static long s_load(long va) { return ld64(va); }
static long s_store(long va)
{
	sd64(va, 0x1234);
	return 0;
}

static long s_exec(long va)
{
	long r;
	/* Jump to va; the fetch faults and the handler resumes at 1:. */
	asm volatile("la t0, 1f\n"
		     "la t1, trap_resume\n"
		     "sd t0, 0(t1)\n"
		     "jalr ra, 0(%1)\n"
		     "1: mv %0, a0\n"
		     : "=r"(r)
		     : "r"(va)
		     : "t0", "t1", "ra", "a0", "memory");
	return r;
}

static void setup(u64 *root, int levels, u64 kernel_flags)
{
	/* The test image: identity gigapage. */
	map(root, levels, 0x80000000ull, 0x80000000ull, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | kernel_flags, 2);
	/* The UART and finisher, for printing from S/U. */
	map(root, levels, 0x10000000ull, 0x10000000ull, PTE_R | PTE_W | PTE_A | PTE_D | kernel_flags, 0);
	static const u64 flags[16] = {
		PTE_R | PTE_W | PTE_A | PTE_D,         /* 0: normal */
		PTE_R | PTE_A,                          /* 1: read-only */
		PTE_X | PTE_A,                          /* 2: execute-only */
		PTE_R | PTE_W,                          /* 3: A and D clear */
		PTE_R | PTE_W | PTE_A,                  /* 4: D clear */
		PTE_W | PTE_A | PTE_D,                  /* 5: W without R: reserved */
		PTE_U | PTE_R | PTE_W | PTE_A | PTE_D,  /* 6: user page */
		PTE_R | PTE_W | PTE_A | PTE_D,          /* 7: reserved bit 60 (below) */
		PTE_R | PTE_W | PTE_X | PTE_A | PTE_D,  /* 8: RWX */
		PTE_U | PTE_X | PTE_R | PTE_A,          /* 9: user code */
	};
	for (int i = 0; i < 10; i++) {
		data[i][0] = 0x1000 + i;
		ptes[i] = map(root, levels, TEST_VA + i * 4096, (u64)data[i], flags[i], 0);
	}
	*ptes[7] |= 1ull << 60;
	/* Page 10: not valid at all. */
	ptes[10] = map(root, levels, TEST_VA + 10 * 4096, (u64)data[10], 0, 0);
	*ptes[10] &= ~(u64)PTE_V;
	/* A misaligned 2 MiB superpage at TEST_VA + 4 MiB. */
	map(root, levels, TEST_VA + (4 << 20), (u64)data[11], PTE_R | PTE_A, 1);
}

static void run_checks(const char *name, u64 satp)
{
	puts(name);
	putnl();
	csr_write(satp, satp);
	sfence();
	/* S-mode loads and stores over the page kinds. */
	for (int i = 0; i <= 10; i++) {
		u64 va = TEST_VA + i * 4096;
		show("load", run_fn_in_mode(PRIV_S, s_load, va));
		run_fn_in_mode(PRIV_S, s_store, va + 8);
	}
	SHOW_TRAPS();
	show("load-super", run_fn_in_mode(PRIV_S, s_load, TEST_VA + (4 << 20)));
	/* Non-canonical (for Sv39: bit 38 set, bits 63:39 clear). */
	show("load-noncanon", run_fn_in_mode(PRIV_S, s_load, 0x0000004000000000ull));
	show("load-noncanon2", run_fn_in_mode(PRIV_S, s_load, 0x8000000040000000ull));
	SHOW_TRAPS();
	/* A/D written by the walk. */
	show("pte3", *ptes[3] & 0x3ff);
	show("pte4", *ptes[4] & 0x3ff);
	/* SUM and MXR. */
	csr_set(sstatus, MSTATUS_SUM);
	show("sum-load", run_fn_in_mode(PRIV_S, s_load, TEST_VA + 6 * 4096));
	csr_clear(sstatus, MSTATUS_SUM);
	csr_set(sstatus, MSTATUS_MXR);
	show("mxr-load", run_fn_in_mode(PRIV_S, s_load, TEST_VA + 2 * 4096));
	csr_clear(sstatus, MSTATUS_MXR);
	/* Fetch from a page without X, and from a U page in S. */
	run_fn_in_mode(PRIV_S, s_exec, TEST_VA + 1 * 4096);
	run_fn_in_mode(PRIV_S, s_exec, TEST_VA + 9 * 4096);
	SHOW_TRAPS();
	/* MPRV: M-mode loads translated as S. */
	csr_set(mstatus, MSTATUS_MPRV);
	csr_clear(mstatus, MSTATUS_MPP);
	csr_set(mstatus, 1ull << 11);
	show("mprv-load", ld64(TEST_VA));
	show("mprv-load-u", ld64(TEST_VA + 6 * 4096));
	csr_clear(mstatus, MSTATUS_MPRV);
	SHOW_TRAPS();
	/* sfence.vma: remap page 0 and flush it. */
	*ptes[0] = ((u64)data[12] >> 12 << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
	data[12][0] = 0x5555;
	asm volatile("sfence.vma %0, zero" ::"r"(TEST_VA) : "memory");
	show("remapped", run_fn_in_mode(PRIV_S, s_load, TEST_VA));
	*ptes[0] = ((u64)data[0] >> 12 << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
	sfence();
	/* Delegated page faults go to S-mode. */
	csr_write(stvec, (u64)0);
	extern char strap_entry[], s_stack_top[];
	csr_write(stvec, strap_entry);
	csr_write(sscratch, s_stack_top);
	csr_write(medeleg, (1 << 13) | (1 << 15));
	run_fn_in_mode(PRIV_S, s_store, TEST_VA + 4096);
	run_fn_in_mode(PRIV_S, s_load, TEST_VA + 10 * 4096);
	csr_write(medeleg, 0);
	SHOW_STRAPS();
	SHOW_TRAPS();
	csr_write(satp, 0);
	sfence();
}

static long u_load(long va) { return ld64(va); }

static void user_checks(u64 satp)
{
	puts("user\n");
	csr_write(satp, satp);
	sfence();
	show("u-load-user", run_fn_in_mode(PRIV_U, u_load, TEST_VA + 6 * 4096));
	show("u-load-super", run_fn_in_mode(PRIV_U, u_load, TEST_VA));
	SHOW_TRAPS();
	csr_write(satp, 0);
	sfence();
}

int test_main(void)
{
	u64 *root39 = page_new();
	setup(root39, 3, 0);
	run_checks("sv39", satp_for(SATP_SV39, root39));
	u64 *root48 = page_new();
	setup(root48, 4, 0);
	run_checks("sv48", satp_for(SATP_SV48, root48));
	/* U-mode needs U on the code pages; a fresh Sv39 table with U set. */
	u64 *rootu = page_new();
	setup(rootu, 3, PTE_U);
	user_checks(satp_for(SATP_SV39, rootu));
	/* satp WARL: an unsupported mode leaves it unchanged. */
	csr_write(satp, satp_for(SATP_SV39, root39));
	csr_write(satp, (15ull << 60) | 5);
	show("satp", csr_read(satp) >> 60);
	csr_write(satp, 0);
	return 0;
}
