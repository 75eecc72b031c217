/* Exceptions and their mtval, and the CSR access rules: ecall from each
 * privilege, breakpoints, illegal instructions (tval = the bits), access
 * faults on fetch, load and store, privileged instructions below their
 * level (mret, sret with TSR, sfence.vma and satp with TVM, wfi), counter
 * enables, FS=Off, and WARL read-backs where QEMU 7.2 follows the spec. */
#include "lib/lib.h"

#define POISON 0xdeadbeefdeadbeefull

static long do_ecall(long n)
{
	register long a7 asm("a7") = n;
	asm volatile("ecall" : "+r"(a7)::"memory");
	return 0;
}

static long do_misc(long n)
{
	asm volatile("ebreak\n"
		     "c.ebreak\n"
		     ".word 0xffffffff\n" /* illegal 32-bit */
		     ".half 0x0000\n"     /* illegal 16-bit */
		     ".word 0x00100013 | (0x7f << 25) | 0x2000\n" /* slti with odd bits: legal */
		     "csrr t0, 0x7ff\n"   /* no such CSR */
		     "csrw mhartid, zero\n" /* read-only */
		     ::
			     : "t0", "memory");
	return 0;
}

static long do_priv(long n)
{
	asm volatile("mret\n"
		     "sfence.vma\n"
		     "csrr t0, satp\n"
		     "csrr t0, mstatus\n"
		     "csrr t0, sstatus\n" ::
			     : "t0", "memory");
	return 0;
}

/* sret where it is illegal: U-mode, or S-mode with TSR. */
static long do_sret(long n)
{
	asm volatile("sret" ::: "memory");
	return 0;
}

static long read_cycle(long n)
{
	u64 v = POISON;
	asm volatile("csrr %0, cycle" : "+r"(v));
	return v != POISON;
}
static long read_time(long n)
{
	u64 v = POISON;
	asm volatile("csrr %0, time" : "+r"(v));
	return v != POISON;
}
static long read_instret(long n)
{
	u64 v = POISON;
	asm volatile("csrr %0, instret" : "+r"(v));
	return v != POISON;
}
static long read_hpm3(long n)
{
	u64 v = POISON;
	asm volatile("csrr %0, hpmcounter3" : "+r"(v));
	return v != POISON;
}

static long fp_op(long n)
{
	u64 v = POISON;
	asm volatile("fmv.x.d %0, f1\n"
		     "csrr t0, fcsr\n"
		     : "+r"(v)::"t0");
	return v != POISON;
}

static long loads(long addr)
{
	ld64(addr);
	sd64(addr, 1);
	return 0;
}

static long jump(long addr)
{
	asm volatile("la t0, 1f\n"
		     "la t1, trap_resume\n"
		     "sd t0, 0(t1)\n"
		     "jalr ra, 0(%0)\n"
		     "1:\n" ::"r"(addr)
		     : "t0", "t1", "ra", "memory");
	return 0;
}

int test_main(void)
{
	/* ecall from U, S, M (a7 != -1, which the runtime reserves). */
	run_fn_in_mode(PRIV_U, do_ecall, 1);
	run_fn_in_mode(PRIV_S, do_ecall, 2);
	do_ecall(3);
	SHOW_TRAPS();
	for (int p = 0; p <= 3; p += (p == 1 ? 2 : 1)) {
		show("priv", p);
		run_fn_in_mode(p, do_misc, 0);
		SHOW_TRAPS();
		if (p != PRIV_M)
			run_fn_in_mode(p, do_priv, 0);
		SHOW_TRAPS();
	}
	run_fn_in_mode(PRIV_U, do_sret, 0);
	/* TSR, TVM. */
	csr_set(mstatus, MSTATUS_TSR | MSTATUS_TVM);
	run_fn_in_mode(PRIV_S, do_priv, 0);
	run_fn_in_mode(PRIV_S, do_sret, 0);
	csr_clear(mstatus, MSTATUS_TSR | MSTATUS_TVM);
	SHOW_TRAPS();

	/* Counter enables: S needs mcounteren, U needs both. */
	long (*ctr[])(long) = {read_cycle, read_time, read_instret, read_hpm3};
	u64 enables[][2] = {{0, 0}, {0xf, 0}, {0xf, 0xf}, {0x5, 0xa}, {0x2, 0x2}};
	for (int e = 0; e < 5; e++) {
		csr_write(mcounteren, enables[e][0]);
		csr_write(scounteren, enables[e][1]);
		u64 res = 0;
		for (int c = 0; c < 4; c++) {
			res |= (u64)run_fn_in_mode(PRIV_S, ctr[c], 0) << (4 * c);
			res |= (u64)run_fn_in_mode(PRIV_U, ctr[c], 0) << (4 * c + 16);
		}
		show("counters", res);
		trap_log.count = 0;
	}
	csr_write(mcounteren, 0);
	csr_write(scounteren, 0);

	/* FS=Off: FP instructions and fcsr are illegal. */
	csr_clear(mstatus, 3 << 13);
	show("fp-off", fp_op(0));
	csr_set(mstatus, 1 << 13);
	show("fp-on", fp_op(0));
	show("fs", (csr_read(mstatus) >> 13) & 3);
	asm volatile("fmv.d.x f1, zero");
	show("fs-dirty", (csr_read(mstatus) >> 13) & 3);
	show("sd", csr_read(mstatus) >> 63);
	SHOW_TRAPS();

	/* Access faults: fetch, load and store to unmapped physical memory. */
	jump(0x800);
	loads(0x800);
	run_fn_in_mode(PRIV_U, loads, 0x1000000);
	SHOW_TRAPS();

	/* WARL read-backs. */
	csr_write(mtvec, 0x80000002);  /* mode 2: reserved, write ignored */
	show("mtvec", csr_read(mtvec) & 3);
	extern char mtrap_entry[];
	csr_write(mtvec, mtrap_entry);
	csr_write(stvec, 0x80001001);
	show("stvec", csr_read(stvec));
	csr_write(stvec, 0);
	csr_write(mideleg, 0x222);
	show("mideleg", csr_read(mideleg));
	csr_write(mideleg, 0);
	csr_write(medeleg, 0xb3ff);
	show("medeleg", csr_read(medeleg));
	csr_write(medeleg, 0);
	csr_write(mie, 0xaaa);
	show("mie", csr_read(mie));
	csr_write(mie, 0);
	show("misa", csr_read(misa));
	show("mhartid", csr_read(mhartid));
	show("mstatus", csr_read(mstatus) & ~(3ull << 13));
	u64 before = csr_read(mstatus);
	csr_write(sstatus, 0xc6122); /* spec-writable bits (QEMU 7.2 also latches UXL and VS) */
	show("sstatus-write", csr_read(mstatus) ^ before);
	csr_write(mstatus, before);
	csr_write(mscratch, csr_read(mscratch));
	csr_write(scause, 0x8000000000000123ull);
	show("scause", csr_read(scause));
	csr_write(mtval, 0x123456789abcdefull);
	show("mtval", csr_read(mtval));
	show("mconfigptr", csr_read(mconfigptr));
	SHOW_TRAPS();
	return 0;
}
