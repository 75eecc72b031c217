/* Trap dispatch: system calls, interrupts, faults. */
#include <kernel/kernel.h>
#include <kernel/proc.h>
#include <arch/atomic.h>
#include <arch/csr.h>
#include <arch/sbi.h>
#include <drivers/plic.h>

extern char trap_entry[];

void trap_init_cpu(void)
{
	csr_write(stvec, (unsigned long)trap_entry);
	csr_write(sscratch, 0);
	/* Let user programs read cycle, time and instret (benchmarks). */
	csr_write(scounteren, 7);
	csr_write(sie, SIE_SSIE | SIE_STIE | SIE_SEIE);
}

static const char *const exc_names[] = {
	"instruction misaligned", "instruction access fault", "illegal instruction",
	"breakpoint", "load misaligned", "load access fault", "store misaligned",
	"store access fault", "user ecall", "supervisor ecall", "?", "?",
	"instruction page fault", "load page fault", "?", "store page fault",
};

static const char *exc_name(unsigned long cause)
{
	return cause < ARRAY_SIZE(exc_names) ? exc_names[cause] : "?";
}

static void handle_interrupt(unsigned long cause)
{
	struct cpu *c = this_cpu();
	switch (cause) {
	case IRQ_S_SOFT:
		c->ipi_count++;
		handle_ipi();
		break;
	case IRQ_S_TIMER:
		c->timer_count++;
		timer_interrupt();
		break;
	case IRQ_S_EXT:
		c->irq_count++;
		irq_external();
		break;
	default:
		panic("unexpected interrupt %lu", cause);
	}
}

/* Faulting address as the spec defines it: the CIP-453 erratum leaves
 * stval of instruction faults not sign-extended, which only matters for
 * upper-half addresses (never user ones). */
static unsigned long fault_address(struct trapframe *tf)
{
	unsigned long a = tf->stval;
#if BOARD_ERRATUM_CIP453
	unsigned long cause = tf->scause;
	if ((cause == EXC_INST_PAGE || cause == EXC_INST_ACCESS) && (a & (1UL << 38)))
		a |= ~((1UL << 39) - 1);
#endif
	return a;
}

static void user_fault(struct trapframe *tf)
{
	struct thread *t = current_thread();
	printk("[kernel] %s (pid %d tid %d): %s at pc %lx, address %lx; killing it\n",
	       t->proc->name, t->proc->pid, t->tid, exc_name(tf->scause), tf->sepc,
	       fault_address(tf));
	proc_kill(t->proc, 128 + (int)tf->scause);
}

static void kernel_fault(struct trapframe *tf)
{
	struct cpu *c = this_cpu();
	if (c->probing && tf->scause == EXC_ILLEGAL_INST) {
		c->probe_faulted = 1;
		tf->sepc += 4;
		return;
	}
	panic("kernel trap on cpu %d: %s, sepc %lx stval %lx ra %lx sp %lx", c->id,
	      exc_name(tf->scause), tf->sepc, fault_address(tf), tf_ra(tf), tf_sp(tf));
}

/* Work owed before returning to user mode: reschedule, die. */
static void return_to_user_work(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		struct thread *t = c->current;
		if (READ_ONCE(t->flags) & TF_KILL)
			thread_exit(-EINTR);
		if (!c->need_resched)
			break;
		schedule();
		c = this_cpu();
	}
}

void trap_handler(struct trapframe *tf)
{
	bool from_user = !(tf->sstatus & SSTATUS_SPP);
	unsigned long cause = tf->scause;
	struct cpu *c = this_cpu();

	if (!from_user) {
		if (cause & SCAUSE_INTR)
			handle_interrupt(cause & ~SCAUSE_INTR);
		else
			kernel_fault(tf);
		return;
	}
	struct thread *t = c->current;
	tflags_set(&t->flags, TF_INKERNEL);
	if (cause & SCAUSE_INTR) {
		handle_interrupt(cause & ~SCAUSE_INTR);
	} else if (cause == EXC_ECALL_U) {
		tf->sepc += 4;
		c->syscalls++;
		tf_a(tf, 0) = (unsigned long)syscall_dispatch(tf);
	} else {
		user_fault(tf);
	}
	return_to_user_work();
	t = this_cpu()->current;
	/* Only this thread sets and clears TF_INKERNEL: finding it gone means
	 * another hart's update of the word overwrote ours (a plain
	 * read-modify-write racing with ours, porting bug 3). */
	uint32_t old = tflags_clear(&t->flags, TF_INKERNEL);
	if (!(old & TF_INKERNEL))
		panic("tid %d: thread flags lost an update (TF_INKERNEL cleared under us, flags %#x)",
		      t->tid, old);
}

void irq_external(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		uint32_t irq = plic_claim(c->plic_context);
		if (!irq)
			break;
		extern void irq_dispatch(uint32_t irq);
		irq_dispatch(irq);
		plic_complete(c->plic_context, irq);
	}
}
