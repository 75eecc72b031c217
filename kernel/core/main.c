/* Boot: check the machine, bring up memory, harts and the first program. */
#include <kernel/kernel.h>
#include <kernel/proc.h>
#include <kernel/ipc.h>
#include <kernel/sync.h>
#include <kernel/mm.h>
#include <arch/sbi.h>
#include <arch/csr.h>
#include <arch/io.h>
#include <arch/atomic.h>
#include <drivers/plic.h>

struct cpu cpus[NCPU];
int ncpu = 1;
volatile int system_halting;
static struct thread idle_threads[NCPU];
static const int plic_scontext[] = BOARD_PLIC_SCONTEXT_INIT;

#if defined(CONFIG_BUG_NO_FENCE_I)
int kernel_bug_variant = BUG_NO_FENCE_I;
#define BUG_NAME "no-fence-i"
#elif defined(CONFIG_BUG_NO_AD_BITS)
int kernel_bug_variant = BUG_NO_AD_BITS;
#define BUG_NAME "no-ad-bits"
#elif defined(CONFIG_BUG_PLAIN_FLAGS_RMW)
int kernel_bug_variant = BUG_PLAIN_FLAGS_RMW;
#define BUG_NAME "plain-flags-rmw"
#elif defined(CONFIG_BUG_COMPILER_BARRIER)
int kernel_bug_variant = BUG_COMPILER_BARRIER;
#define BUG_NAME "compiler-barrier"
#else
int kernel_bug_variant = BUG_NONE;
#define BUG_NAME "none"
#endif

extern char _kernel_end[], boot_stack_top[], secondary_entry[];

static void finisher_write(uint32_t v)
{
#ifdef BOARD_TEST_FINISHER_BASE
	mmio_write32(BOARD_TEST_FINISHER_BASE, v);
#else
	(void)v;
#endif
}

/*
 * Stop the machine: SBI SRST (reason none, or system failure). Where the
 * board has a test finisher, a failure is also written there directly, so
 * QEMU exits with a non-zero status (OpenSBI 1.1 maps every SRST shutdown
 * to the finisher's "pass").
 */
_Noreturn void system_shutdown(int failure, const char *why)
{
	/* A second shutdown (a fault while stopping): just stop this hart. */
	if (atomic_swap32((volatile uint32_t *)&system_halting, 1))
		for (;;)
			wfi();
	char msg[160];
	int n = snprintf(msg, sizeof msg, "[kernel] shutdown: %s\n",
			 why ? why : (failure ? "failure" : "all done"));
	console_write_unlocked(msg, MIN((size_t)n, sizeof msg - 1));
	if (this_cpu()) {
		for (int i = 0; i < ncpu; i++)
			if (cpus[i].online && &cpus[i] != this_cpu())
				send_ipi(i, IPI_HALT);
	}
	if (failure)
		finisher_write((1u << 16) | 0x3333);
	sbi_shutdown(failure);
	finisher_write(failure ? ((1u << 16) | 0x3333) : 0x5555);
	/* No way to power off (QEMU sifive_u has only gpio-restart): reset,
	 * which QEMU turns into an exit with -no-reboot. */
	sbi_reboot();
	sbi_legacy_shutdown();
	for (;;)
		wfi();
}

_Noreturn void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	struct cpu *c = this_cpu();
	char head[48];
	int h = snprintf(head, sizeof head, "\nKERNEL PANIC (cpu %d): ", c ? c->id : -1);
	console_write_unlocked(head, (size_t)h);
	console_write_unlocked(buf, MIN((size_t)n, sizeof buf - 1));
	console_write_unlocked("\n", 1);
	system_shutdown(1, "kernel panic");
}

/* _start ran a second time: some hart jumped to the image base. */
void kernel_reentered(unsigned long a0, unsigned long a1, unsigned long ra, unsigned long sp, unsigned long tp)
{
	char buf[200];
	int n = snprintf(buf, sizeof buf,
			 "\nKERNEL PANIC: _start entered again: a0 %lx a1 %lx ra %lx sp %lx tp %lx sepc %lx scause %lx stval %lx\n",
			 a0, a1, ra, sp, tp, csr_read(sepc), csr_read(scause), csr_read(stval));
	console_write_unlocked(buf, MIN((size_t)n, sizeof buf - 1));
	system_shutdown(1, "kernel entered twice");
}

static void idle_thread_init(struct cpu *c, unsigned long stack_top)
{
	struct thread *t = &idle_threads[c->id];
	t->tid = 0;
	t->index = -1;
	t->slot = SLOT_ACTIVE;
	t->state = TS_RUNNING;
	t->flags = TF_IDLE;
	t->on_cpu = 1;
	t->cpu = c->id;
	t->rq_cpu = -1;
	t->prio = t->base_prio = 0;
	t->proc = &procs[0];
	t->kstack_top = stack_top;
	t->runmask = 1u << c->id;
	list_init(&t->qlink);
	list_init(&t->owned_mutexes);
	lock_init(&t->lock, LC_THREAD, 0xffff0000u + (uint32_t)c->id, "idle");
	c->idle = c->current = t;
	c->kstack_top = stack_top;
}

static void cpu_local_init(struct cpu *c)
{
	trap_init_cpu();
	timer_init_cpu();
	c->plic_context = c->hartid < ARRAY_SIZE(plic_scontext) ? plic_scontext[c->hartid] : -1;
	plic_init_cpu((int)c->hartid, c->plic_context);
}

void kmain_secondary(struct cpu *c)
{
	cpu_local_init(c);
	smp_store_release(&c->online, 1);
	sched_idle_loop();
}

static void start_secondaries(void)
{
	for (int i = 1; i < ncpu; i++) {
		struct cpu *c = &cpus[i];
		void *stack = pages_alloc(4);
		if (!stack)
			panic("no memory for cpu %d's stack", i);
		idle_thread_init(c, (unsigned long)stack + 4 * PAGE_SIZE);
		long err = sbi_hart_start(c->hartid, (unsigned long)secondary_entry, (unsigned long)c);
		if (err) {
			printk("[kernel] hart %lu did not start (SBI error %ld)\n", c->hartid, err);
			ncpu = i;
			return;
		}
		/* Generous: under QEMU on a loaded host a vCPU can wait long for a turn. */
		unsigned long deadline = rdtime() + 10 * machine.timebase;
		while (!smp_load_acquire(&c->online)) {
			if (rdtime() > deadline) {
				printk("[kernel] hart %lu did not come online\n", c->hartid);
				ncpu = i;
				return;
			}
			cpu_relax();
		}
	}
}

/* Harts in cpu order: the boot hart is cpu 0, the others follow by hartid. */
static void assign_cpus(unsigned long boot_hart)
{
	int n = 1;
	cpus[0].hartid = boot_hart;
	for (int i = 0; i < machine.nharts && n < NCPU; i++)
		if (machine.hartids[i] != boot_hart)
			cpus[n++].hartid = machine.hartids[i];
	ncpu = n;
	for (int i = 0; i < NCPU; i++) {
		cpus[i].self = &cpus[i];
		cpus[i].id = i;
		sched_init_cpu(&cpus[i]);
	}
}

/*
 * Kernel options lead the command line (console=uart); the rest, with an
 * optional "init=" prefix, is init's command line.
 */
static const char *kernel_options(const char *args)
{
	for (;;) {
		while (*args == ' ')
			args++;
		if (strncmp(args, "console=uart", 12) == 0 && (args[12] == ' ' || !args[12])) {
			console_use_uart();
			args += 12;
			continue;
		}
		if (strncmp(args, "init=", 5) == 0)
			args += 5;
		return args;
	}
}

static void spawn_init(const char *args)
{
	int pid = proc_spawn("init", args, -1, 0);
	if (pid < 0) {
		printk("[kernel] cannot spawn init: error %d\n", pid);
		system_shutdown(1, "no init");
	}
}

void kmain(unsigned long hartid, void *dtb)
{
	struct cpu *c = &cpus[0];
	c->self = c;
	c->hartid = hartid;
	asm volatile("mv tp, %0" :: "r"(c));
	sbi_init();
	console_init();
	printk("\ncosim kernel: board %s, bug variant %s, lock checking %s\n", BOARD_NAME, BUG_NAME,
	       DEBUG_LOCKS ? "on" : "off");
	printk("[kernel] SBI spec %ld.%ld, implementation %ld version %#lx; boot hart %lu, DTB at %p\n",
	       (sbi_spec_version >> 24) & 0x7f, sbi_spec_version & 0xffffff, sbi_impl_id,
	       sbi_impl_version, hartid, dtb);
	machine_check_dtb(dtb, hartid);
	const char *init_args = kernel_options(machine.bootargs);
	assign_cpus(hartid);

	unsigned long ram_end = machine.ram_base + machine.ram_size;
	pages_init((unsigned long)_kernel_end, ram_end);
	pages_reserve((unsigned long)dtb, (unsigned long)dtb + machine.fdt_size);
	kvm_init(machine.ram_base, ram_end);
	kvm_enable();
	proc_init();
	ipc_init();
	sync_init();
	idle_thread_init(c, (unsigned long)boot_stack_top);
	cpu_local_init(c);
	c->online = 1;
	if (!sbi_has_hsm && ncpu > 1) {
		printk("[kernel] no SBI HSM: running on the boot hart only\n");
		ncpu = 1;
	}
	start_secondaries();
	blk_init();
	printk("[kernel] %d harts online (hartids", ncpu);
	for (int i = 0; i < ncpu; i++)
		printk(" %lu", cpus[i].hartid);
	printk("), %lu KiB free, console %s, timer %s, timebase %lu Hz\n",
	       pages_free_count() * 4, console_kind(), timer_kind(), machine.timebase);
	printk("[kernel] board traits: I-cache %s, PTE A/D %s, %s memory model%s\n",
	       BOARD_ICACHE_COHERENT ? "coherent" : "not coherent (fence.i + SBI remote fence.i)",
	       BOARD_PTE_AD_FAULT ? "fault (set by the kernel)" : "hardware (set by the kernel anyway)",
#if defined(BOARD_MEMORY_MODEL_SC)
	       "sc",
#elif defined(BOARD_MEMORY_MODEL_TSO)
	       "tso",
#else
	       "rvwmo",
#endif
	       BOARD_ERRATUM_CIP1200 ? ", CIP-1200 (full sfence.vma only)" : "");
	printk("[kernel] bootargs \"%s\"\n", machine.bootargs);
	spawn_init(init_args);
	sched_idle_loop();
}
