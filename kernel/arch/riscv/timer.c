/* The supervisor timer: Sstc's stimecmp when the hart has it, else SBI TIME. */
#include <kernel/kernel.h>
#include <arch/csr.h>
#include <arch/sbi.h>

static int use_sstc;

/* Reading stimecmp traps unless the hart has Sstc and M-mode enabled it. */
static int probe_sstc(void)
{
	struct cpu *c = this_cpu();
	c->probe_faulted = 0;
	c->probing = 1;
	barrier();
	unsigned long v;
	asm volatile(".option push\n.option norvc\ncsrr %0, 0x14d\n.option pop" : "=r"(v) :: "memory");
	barrier();
	c->probing = 0;
	(void)v;
	return !c->probe_faulted;
}

void timer_init_cpu(void)
{
	struct cpu *c = this_cpu();
	/* Probe only where the DTB's riscv,isa names Sstc: elsewhere the probe's
	 * illegal-instruction trap would depend on the firmware redirecting it. */
	int listed = 0;
	for (int i = 0; i < machine.nharts; i++)
		if (machine.hartids[i] == c->hartid)
			listed = machine.hart_sstc[i];
	int sstc = listed && probe_sstc();
	if (c->id == 0)
		use_sstc = sstc;
	else if (use_sstc && !sstc)
		panic("cpu %d lacks Sstc that cpu 0 has", c->id);
	timer_program(~0UL);
}

const char *timer_kind(void)
{
	return use_sstc ? "sstc" : "sbi";
}

void timer_program(unsigned long when)
{
	this_cpu()->timer_armed = when;
	if (use_sstc)
		asm volatile("csrw 0x14d, %0" :: "r"(when) : "memory");
	else
		sbi_set_timer(when);
}
