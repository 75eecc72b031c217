/* Interrupts: the machine timer and software interrupt through the CLINT
 * (taken from WFI), their priority, global enables per privilege,
 * delegation to S-mode (software-written SSIP/STIP), Sstc's stimecmp,
 * vectored mtvec, and WFI's TW rule. Only causes and their order are
 * printed (the trap log shows no epc for interrupts): timing differs
 * between QEMU and the model. */
#include "lib/lib.h"

#define CLINT 0x2000000ull
#define MSIP ((volatile uint32_t *)(CLINT))
#define MTIMECMP ((volatile u64 *)(CLINT + 0x4000))
#define MTIME ((volatile u64 *)(CLINT + 0xbff8))

#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7

extern char strap_entry[], s_stack_top[], mtrap_vectors[];

static void wait_traps(struct traplog *log, u64 n)
{
	for (int i = 0; i < 1000000 && log->count < n; i++)
		asm volatile("wfi");
}

static long s_spin(long n)
{
	for (volatile long i = 0; i < n; i++)
		;
	return 0;
}

static long s_wfi(long n)
{
	asm volatile("wfi");
	return 0;
}

static long s_stimecmp(long delta)
{
	u64 t = csr_read(time);
	csr_write(stimecmp, t + delta);
	if (csr_read(stimecmp) != t + delta)
		return 0; /* not accessible: do not wait for it */
	csr_set(sstatus, MSTATUS_SIE);
	for (int i = 0; i < 1000000 && strap_log.count == 0; i++)
		asm volatile("wfi");
	csr_clear(sstatus, MSTATUS_SIE);
	return 1;
}

/* A vectored table: every entry goes to the normal handler, except the
 * machine timer's, which first counts itself. */
asm(".align 8\n"
    ".globl mtrap_vectors\n"
    "mtrap_vectors:\n"
    ".rept 7\n"
    "j mtrap_entry\n"
    ".endr\n"
    "j 1f\n"
    ".rept 8\n"
    "j mtrap_entry\n"
    ".endr\n"
    "1: csrrw sp, mscratch, sp\n"
    "addi sp, sp, -16\n"
    "sd t0, 0(sp)\n"
    "sd t1, 8(sp)\n"
    "la t0, vectored_hits\n"
    "ld t1, 0(t0)\n"
    "addi t1, t1, 1\n"
    "sd t1, 0(t0)\n"
    "ld t0, 0(sp)\n"
    "ld t1, 8(sp)\n"
    "addi sp, sp, 16\n"
    "csrrw sp, mscratch, sp\n"
    "j mtrap_entry\n");
u64 vectored_hits;

int test_main(void)
{
	csr_write(mie, 0);
	csr_set(mstatus, MSTATUS_MIE);

	/* Machine timer from WFI. */
	*MTIMECMP = *MTIME + 200;
	csr_set(mie, 1 << IRQ_MTI);
	wait_traps(&trap_log, 1);
	show("mie-after-mti", csr_read(mie));
	SHOW_TRAPS();

	/* Machine software interrupt: taken at once. */
	csr_set(mie, 1 << IRQ_MSI);
	*MSIP = 1;
	wait_traps(&trap_log, 1);
	*MSIP = 0;
	SHOW_TRAPS();

	/* Priority: MSI before MTI when both are pending. */
	csr_clear(mstatus, MSTATUS_MIE);
	*MTIMECMP = 0;
	*MSIP = 1;
	csr_set(mie, (1 << IRQ_MSI) | (1 << IRQ_MTI));
	show("mip-both", csr_read(mip) & 0xaaa);
	csr_set(mstatus, MSTATUS_MIE);
	wait_traps(&trap_log, 2);
	*MSIP = 0;
	*MTIMECMP = ~0ull;
	SHOW_TRAPS();

	/* M-level interrupts are taken in S-mode whatever mstatus.MIE says. */
	csr_clear(mstatus, MSTATUS_MIE);
	*MSIP = 1;
	csr_set(mie, 1 << IRQ_MSI);
	run_fn_in_mode(PRIV_S, s_spin, 100);
	*MSIP = 0;
	SHOW_TRAPS();

	/* Delegated supervisor software interrupt, taken in S with SIE. */
	csr_write(stvec, strap_entry);
	csr_write(sscratch, s_stack_top);
	csr_write(mideleg, (1 << IRQ_SSI) | (1 << IRQ_STI));
	show("mideleg", csr_read(mideleg));
	csr_set(mie, (1 << IRQ_SSI) | (1 << IRQ_STI));
	csr_set(mip, 1 << IRQ_SSI);
	show("sip", csr_read(sip));
	/* Not taken in M-mode (delegated), nor in S with SIE clear. */
	s_spin(50);
	run_fn_in_mode(PRIV_S, s_spin, 50);
	show("s-log-before", strap_log.count);
	csr_set(sstatus, MSTATUS_SIE);
	run_fn_in_mode(PRIV_S, s_spin, 50);
	/* In U-mode, S interrupts are enabled regardless of SIE. */
	csr_clear(sstatus, MSTATUS_SIE);
	csr_set(sie, 1 << IRQ_SSI);
	run_fn_in_mode(PRIV_U, s_spin, 50);
	csr_clear(mip, 1 << IRQ_SSI);
	/* STIP written by M (Sstc off): a supervisor timer interrupt. */
	csr_set(mip, 1 << IRQ_STI);
	run_fn_in_mode(PRIV_U, s_spin, 50);
	csr_clear(mip, 1 << IRQ_STI);
	SHOW_STRAPS();
	SHOW_TRAPS();

	/* A supervisor interrupt that is not delegated goes to M-mode. */
	csr_write(mideleg, 0);
	csr_set(mie, 1 << IRQ_SSI);
	csr_set(mip, 1 << IRQ_SSI);
	run_fn_in_mode(PRIV_S, s_spin, 50);
	csr_clear(mip, 1 << IRQ_SSI);
	SHOW_TRAPS();

	/* Sstc: stimecmp drives STIP once menvcfg.STCE is set. */
	csr_write(mideleg, 1 << IRQ_STI);
	csr_write(mcounteren, 2);
	run_fn_in_mode(PRIV_S, s_stimecmp, 100); /* STCE clear: illegal */
	SHOW_TRAPS();
	csr_set(menvcfg, 1ull << 63);
	csr_set(mie, 1 << IRQ_STI);
	show("stimecmp-ok", run_fn_in_mode(PRIV_S, s_stimecmp, 300));
	csr_clear(mip, 1 << IRQ_STI); /* read-only under Sstc: no effect */
	show("stip-still", (csr_read(mip) >> IRQ_STI) & 1);
	csr_write(stimecmp, ~0ull);
	show("stip-cleared", (csr_read(mip) >> IRQ_STI) & 1);
	csr_clear(menvcfg, 1ull << 63);
	csr_write(mideleg, 0);
	SHOW_STRAPS();
	SHOW_TRAPS();

	/* Vectored mtvec: the timer goes to entry 7. */
	csr_write(mtvec, (u64)mtrap_vectors | 1);
	*MTIMECMP = *MTIME + 100;
	csr_set(mie, 1 << IRQ_MTI);
	csr_set(mstatus, MSTATUS_MIE);
	wait_traps(&trap_log, 1);
	csr_clear(mstatus, MSTATUS_MIE);
	asm volatile("li a7, 0\n ecall" ::: "a7"); /* exceptions still use the base */
	extern char mtrap_entry[];
	csr_write(mtvec, mtrap_entry);
	show("vectored-hits", vectored_hits);
	SHOW_TRAPS();

	/* WFI: illegal in U-mode, and in S-mode with TW. */
	csr_write(mie, 0);
	run_fn_in_mode(PRIV_U, s_wfi, 0);
	csr_set(mstatus, MSTATUS_TW);
	run_fn_in_mode(PRIV_S, s_wfi, 0);
	csr_clear(mstatus, MSTATUS_TW);
	SHOW_TRAPS();
	return 0;
}
