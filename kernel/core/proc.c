/*
 * Processes: spawning an embedded ELF program into a fresh address space,
 * thread bookkeeping, exit, kill and waitpid.
 *
 * Life of a process: ALIVE until a thread calls exit (or it faults, or is
 * killed): EXITING, every thread gets TF_KILL and leaves at its next return
 * to user mode; the last one out tears the process down (channels, sync
 * objects, address space) and makes it a ZOMBIE for its parent to reap
 * (or frees it at once when nobody will).
 */
#include <kernel/kernel.h>
#include <kernel/proc.h>
#include <kernel/ipc.h>
#include <kernel/sync.h>
#include <arch/atomic.h>
#include <arch/csr.h>
#include <arch/sbi.h>

struct process procs[MAX_PROCS];
/* Guards every process's state and parent, and the slots of the table. */
struct spinlock proctable_lock = SPINLOCK_INIT(LC_PROCTABLE, 0, "proctable");
static uint32_t proc_gen[MAX_PROCS];

void proc_init(void)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		procs[i].index = i;
		lock_init(&procs[i].lock, LC_PROCESS, (uint32_t)i, "process");
		lock_init(&procs[i].vm_lock, LC_VM, (uint32_t)i, "vm");
		procs[i].as.lock = &procs[i].vm_lock;
	}
	struct process *k = &procs[0];
	k->pid = 0;
	k->state = PS_ALIVE;
	strlcpy(k->name, "kernel", sizeof k->name);
	list_init(&k->threads);
	waitq_init(&k->join_wait);
	waitq_init(&k->child_wait);
}

struct process *proc_by_pid(int pid)
{
	if (pid < 0)
		return NULL;
	struct process *p = &procs[pid % MAX_PROCS];
	if (READ_ONCE(p->pid) != pid || READ_ONCE(p->state) == PS_FREE)
		return NULL;
	return p;
}

const struct program *program_find(const char *name)
{
	for (const struct program *pr = program_table; pr->name; pr++)
		if (strcmp(pr->name, name) == 0)
			return pr;
	return NULL;
}

static struct process *proc_alloc(const char *name, int parent)
{
	lock_acquire(&proctable_lock);
	struct process *p = NULL;
	for (int i = 1; i < MAX_PROCS; i++) {
		if (procs[i].state == PS_FREE) {
			p = &procs[i];
			break;
		}
	}
	if (p) {
		int i = p->index;
		p->pid = i + MAX_PROCS * (int)proc_gen[i]++;
		p->state = PS_ALIVE;
		p->parent = parent;
	}
	lock_release(&proctable_lock);
	if (!p)
		return NULL;
	strlcpy(p->name, name, sizeof p->name);
	list_init(&p->threads);
	p->nthreads = p->nlive = 0;
	p->exiting = 0;
	p->exit_status = 0;
	memset(p->conns, 0, sizeof p->conns);
	memset(p->exited, 0, sizeof p->exited);
	p->exited_next = 0;
	waitq_init(&p->join_wait);
	waitq_init(&p->child_wait);
	p->as.root = NULL;
	return p;
}

static void proc_release_slot(struct process *p)
{
	/* proctable_lock held */
	p->state = PS_FREE;
}

/* ---- ELF loading ---- */

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define EM_RISCV 243

static int load_segment(struct process *p, const uint8_t *img, const struct elf64_phdr *ph)
{
	unsigned long perm = 0;
	if (ph->flags & PF_R)
		perm |= PTE_R;
	if (ph->flags & PF_W)
		perm |= PTE_W | PTE_R;
	if (ph->flags & PF_X)
		perm |= PTE_X;
	unsigned long start = PAGE_ROUND_DOWN(ph->vaddr), end = PAGE_ROUND_UP(ph->vaddr + ph->memsz);
	for (unsigned long va = start; va < end; va += PAGE_SIZE) {
		uint8_t *pg = page_alloc();
		if (!pg)
			return -ENOMEM;
		/* The part of the file image that lands in this page. */
		unsigned long lo = MAX(va, ph->vaddr), hi = MIN(va + PAGE_SIZE, ph->vaddr + ph->filesz);
		if (lo < hi)
			memcpy(pg + (lo - va), img + ph->offset + (lo - ph->vaddr), hi - lo);
		int r = as_map_page(&p->as, va, pg, perm);
		if (r) {
			page_free(pg);
			return r;
		}
	}
	return 0;
}

static int load_elf(struct process *p, const struct program *prog, unsigned long *entry)
{
	const uint8_t *img = prog->start;
	size_t size = (size_t)(prog->end - prog->start);
	const struct elf64_ehdr *eh = (const void *)img;
	if (size < sizeof *eh || memcmp(eh->ident, "\177ELF", 4) != 0 || eh->ident[4] != 2 ||
	    eh->machine != EM_RISCV || eh->phentsize != sizeof(struct elf64_phdr) ||
	    eh->phoff + (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size)
		return -ENOEXEC;
	for (int i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *ph = (const void *)(img + eh->phoff + i * sizeof *ph);
		if (ph->type != PT_LOAD || ph->memsz == 0)
			continue;
		if (ph->offset + ph->filesz > size || ph->filesz > ph->memsz ||
		    ph->vaddr < USER_VA_BASE || ph->vaddr + ph->memsz > USER_MMAP_BASE)
			return -ENOEXEC;
		int r = load_segment(p, img, ph);
		if (r)
			return r;
	}
	*entry = eh->entry;
	return 0;
}

/*
 * Code just written by stores becomes fetchable on every hart: fence.i
 * here and SBI remote fence.i on the others (the FU740's I-caches do not
 * snoop stores). Porting bug 1 (BUG_NO_FENCE_I) skips it.
 */
void icache_sync_all(void)
{
#ifndef CONFIG_BUG_NO_FENCE_I
	fence_i();
	unsigned long mask = 0;
	int me = this_cpu()->id;
	for (int i = 0; i < ncpu; i++)
		if (i != me && cpus[i].online)
			mask |= 1UL << cpus[i].hartid;
	if (mask)
		sbi_remote_fence_i(mask, 0);
#endif
}

/* argv strings and pointers at the top of the new stack. */
static int push_args(struct process *p, const char *name, const char *args,
		     unsigned long *sp_out, unsigned long *argv_out, int *argc_out)
{
	char buf[BOOTARGS_MAX + PROC_NAME + 2];
	unsigned long argv[32];
	int argc = 0;
	size_t len = strlen(name);
	memcpy(buf, name, len + 1);
	size_t n = len + 1;
	for (const char *s = args; s && *s && n + 1 < sizeof buf;) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		while (*s && *s != ' ' && n + 1 < sizeof buf)
			buf[n++] = *s++;
		buf[n++] = 0;
	}
	unsigned long top = USER_STACK_TOP;
	unsigned long strs = (top - n) & ~15UL;
	for (size_t i = 0; i < n && argc < 31; i += strlen(buf + i) + 1)
		argv[argc++] = strs + i;
	argv[argc] = 0;
	unsigned long vec = (strs - (argc + 1) * sizeof(unsigned long)) & ~15UL;
	if (copy_to_user(&p->as, strs, buf, n) || copy_to_user(&p->as, vec, argv, (argc + 1) * sizeof argv[0]))
		return -EFAULT;
	*sp_out = vec - 16;
	*argv_out = vec;
	*argc_out = argc;
	return 0;
}

static void proc_abort_spawn(struct process *p)
{
	as_destroy(&p->as);
	lock_acquire(&proctable_lock);
	proc_release_slot(p);
	lock_release(&proctable_lock);
}

int proc_spawn(const char *name, const char *args, int cpu, int parent)
{
	const struct program *prog = program_find(name);
	if (!prog)
		return -ENOENT;
	if (cpu >= ncpu)
		return -EINVAL;
	struct process *p = proc_alloc(name, parent);
	if (!p)
		return -EAGAIN;
	unsigned long entry, sp, argv;
	int argc, r;
	if ((r = as_create(&p->as)) != 0) {
		proc_abort_spawn(p);
		return r;
	}
	if ((r = load_elf(p, prog, &entry)) != 0 ||
	    (r = as_map_anon(&p->as, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, PTE_R | PTE_W)) != 0 ||
	    (r = push_args(p, name, args, &sp, &argv, &argc)) != 0) {
		proc_abort_spawn(p);
		return r;
	}
	icache_sync_all();
	struct thread *t = thread_alloc(p, PRIO_DEFAULT);
	if (!t) {
		proc_abort_spawn(p);
		return -EAGAIN;
	}
	thread_setup_user(t, entry, sp, (unsigned long)argc, argv);
	if (cpu >= 0) {
		t->runmask = 1u << cpu;
		t->cpu = cpu;
	} else {
		t->cpu = this_cpu()->id;
	}
	lock_acquire(&p->lock);
	list_add_tail(&p->threads, &t->plink);
	p->nthreads = p->nlive = 1;
	lock_release(&p->lock);
	int pid = p->pid;
	make_ready(t);
	return pid;
}

/* ---- exit ---- */

void proc_kill(struct process *p, int status)
{
	struct thread *me = current_thread();
	for (;;) {
		struct thread *victims[16];
		int tids[16];
		int n = 0;
		bool more = false;
		lock_acquire(&p->lock);
		if (!p->exiting) {
			p->exiting = 1;
			p->exit_status = status;
		}
		struct list *pos;
		list_for_each(pos, &p->threads) {
			struct thread *t = container_of(pos, struct thread, plink);
			if (t->exited || (READ_ONCE(t->flags) & TF_KILL))
				continue;
			tflags_set(&t->flags, TF_KILL);
			if (t == me)
				continue;
			if (n == (int)ARRAY_SIZE(victims)) {
				more = true;
				break;
			}
			tids[n] = t->tid;
			victims[n++] = t;
		}
		lock_release(&p->lock);
		for (int i = 0; i < n; i++) {
			/* It may have exited (and its slot been reused) meanwhile. */
			cancel_wait(victims[i], tids[i]);
			if (READ_ONCE(victims[i]->tid) != tids[i])
				continue;
			/* A victim running user code on another hart: make it trap. */
			int c = READ_ONCE(victims[i]->cpu);
			if (READ_ONCE(victims[i]->on_cpu) && c != this_cpu()->id)
				send_ipi(c, IPI_RESCHED);
		}
		if (!more)
			return;
	}
}

static void proc_teardown(struct process *p)
{
	struct cpu *c = this_cpu();
	csr_write(satp, kernel_satp());
	sfence_vma_all();
	atomic_and64(&p->as.cpus, ~(1UL << c->id));
	ipc_proc_cleanup(p);
	sync_proc_cleanup(p->pid);
	/* Harts still switching away from the process's other (dead) threads
	 * run on its page tables until they load another satp. */
	while (READ_ONCE(p->as.cpus))
		cpu_relax();
	acquire_fence();
	as_destroy(&p->as);

	struct thread *wake[MAX_PROCS];
	int n = 0;
	lock_acquire(&proctable_lock);
	p->state = PS_ZOMBIE;
	struct process *parent = p->parent ? proc_by_pid(p->parent) : NULL;
	if (parent && parent->state == PS_ALIVE) {
		struct thread *t;
		while (n < (int)ARRAY_SIZE(wake) && (t = wake_first(&parent->child_wait, 0)))
			wake[n++] = t;
	} else {
		proc_release_slot(p);   /* nobody will reap it */
	}
	/* Orphans: free the zombies, let the others free themselves. */
	for (int i = 1; i < MAX_PROCS; i++) {
		struct process *o = &procs[i];
		if (o == p || o->state == PS_FREE || o->parent != p->pid)
			continue;
		o->parent = 0;
		if (o->state == PS_ZOMBIE)
			proc_release_slot(o);
	}
	lock_release(&proctable_lock);
	for (int i = 0; i < n; i++)
		make_ready(wake[i]);
}

void proc_thread_exited(struct thread *t)
{
	struct process *p = t->proc;
	struct thread *wake[16];
	int n = 0;
	lock_acquire(&p->lock);
	t->exited = 1;
	p->nlive--;
	p->exited[p->exited_next].tid = t->tid;
	p->exited[p->exited_next].value = t->exit_value;
	p->exited_next = (p->exited_next + 1) % (int)ARRAY_SIZE(p->exited);
	list_del(&t->plink);
	p->nthreads--;
	struct thread *w;
	while (n < (int)ARRAY_SIZE(wake) && (w = wake_first(&p->join_wait, 0)))
		wake[n++] = w;
	bool last = p->nlive == 0;
	int status = p->exiting ? p->exit_status : (int)t->exit_value;
	if (last && !p->exiting) {
		p->exiting = 1;
		p->exit_status = status;
	}
	lock_release(&p->lock);
	for (int i = 0; i < n; i++)
		make_ready(wake[i]);
	/* Release any mutex it still owns, so waiters are not stranded. */
	sync_thread_cleanup(t);
	if (!last)
		return;
	int pid = p->pid;
	proc_teardown(p);
	if (pid == 1) {
		printk("[kernel] init exited with status %d\n", status);
		system_shutdown(status != 0, status ? "init failed" : NULL);
	}
}

long proc_waitpid(int pid, unsigned long status_uaddr)
{
	struct thread *me = current_thread();
	struct process *self = me->proc;
	for (;;) {
		lock_acquire(&proctable_lock);
		bool have_child = false;
		struct process *z = NULL;
		for (int i = 1; i < MAX_PROCS; i++) {
			struct process *o = &procs[i];
			if (o->state == PS_FREE || o->parent != self->pid || o == self)
				continue;
			if (pid > 0 && o->pid != pid)
				continue;
			have_child = true;
			if (o->state == PS_ZOMBIE) {
				z = o;
				break;
			}
		}
		if (z) {
			int zpid = z->pid, status = z->exit_status;
			proc_release_slot(z);
			lock_release(&proctable_lock);
			if (status_uaddr && copy_to_user(&self->as, status_uaddr, &status, sizeof status))
				return -EFAULT;
			return zpid;
		}
		if (!have_child) {
			lock_release(&proctable_lock);
			return -ECHILD;
		}
		long r = block_on(&self->child_wait, &proctable_lock, TS_WAITPID, false);
		if (r < 0)
			return r;
	}
}

long proc_thread_join(int tid, unsigned long value_uaddr)
{
	struct thread *me = current_thread();
	struct process *p = me->proc;
	if (tid == me->tid)
		return -EDEADLK;
	for (;;) {
		lock_acquire(&p->lock);
		for (int i = 0; i < (int)ARRAY_SIZE(p->exited); i++) {
			if (p->exited[i].tid == tid) {
				long v = p->exited[i].value;
				p->exited[i].tid = 0;
				lock_release(&p->lock);
				if (value_uaddr && copy_to_user(&p->as, value_uaddr, &v, sizeof v))
					return -EFAULT;
				return 0;
			}
		}
		struct thread *t = thread_by_tid(tid);
		if (!t || t->proc != p || t->exited) {
			lock_release(&p->lock);
			return -ESRCH;
		}
		long r = block_on(&p->join_wait, &p->lock, TS_JOIN, false);
		if (r < 0)
			return r;
	}
}
