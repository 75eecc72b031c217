/* System-call dispatch: arguments from the trap frame, results in a0. */
#include <kernel/kernel.h>
#include <kernel/proc.h>
#include <kernel/ipc.h>
#include <kernel/sync.h>
#include <arch/sbi.h>
#include <arch/csr.h>

#define WRITE_MAX 1024

static struct addrspace *my_as(void)
{
	return &current_thread()->proc->as;
}

static long sys_write(unsigned long buf, unsigned long len)
{
	char kbuf[WRITE_MAX];
	len = MIN(len, (unsigned long)WRITE_MAX);
	if (copy_from_user(my_as(), kbuf, buf, len))
		return -EFAULT;
	console_write(kbuf, len);
	return (long)len;
}

static long sys_spawn(unsigned long uname, unsigned long uargs, long cpu)
{
	char name[PROC_NAME], args[BOOTARGS_MAX];
	if (strncpy_from_user(my_as(), name, uname, sizeof name) < 0)
		return -EFAULT;
	args[0] = 0;
	if (uargs && strncpy_from_user(my_as(), args, uargs, sizeof args) < 0)
		return -EFAULT;
	return proc_spawn(name, args, (int)cpu, current_thread()->proc->pid);
}

static long sys_thread_create(unsigned long entry, unsigned long arg, unsigned long stack,
			      long prio, long cpu)
{
	struct thread *me = current_thread();
	struct process *p = me->proc;
	if (prio == 0)
		prio = me->base_prio;
	if (prio < PRIO_MIN || prio > PRIO_MAX || cpu >= ncpu || (stack & 15))
		return -EINVAL;
	struct thread *t = thread_alloc(p, (int)prio);
	if (!t)
		return -EAGAIN;
	thread_setup_user(t, entry, stack, arg, 0);
	t->cpu = me->cpu;
	if (cpu >= 0) {
		t->runmask = 1u << cpu;
		t->cpu = (int)cpu;
	}
	lock_acquire(&p->lock);
	if (p->exiting) {
		lock_release(&p->lock);
		t->state = TS_DEAD;
		pages_free((void *)t->kstack, KSTACK_PAGES);
		thread_free_slot(t);
		return -EINTR;
	}
	list_add_tail(&p->threads, &t->plink);
	p->nthreads++;
	p->nlive++;
	lock_release(&p->lock);
	int tid = t->tid;
	make_ready(t);
	return tid;
}

static struct thread *thread_arg(long tid)
{
	struct thread *me = current_thread();
	if (tid == 0)
		return me;
	struct thread *t = thread_by_tid((int)tid);
	if (!t || t->proc != me->proc)
		return NULL;
	return t;
}

static long sys_set_prio(long tid, long prio)
{
	struct thread *t = thread_arg(tid);
	if (!t)
		return -ESRCH;
	if (prio < PRIO_MIN || prio > PRIO_MAX)
		return -EINVAL;
	lock_acquire(&t->lock);
	int old = t->base_prio;
	t->base_prio = (int)prio;
	lock_release(&t->lock);
	pi_recompute(t);
	return old;
}

static long sys_thread_info(long index, unsigned long uaddr)
{
	for (int i = (int)index; i >= 0 && i < MAX_THREADS; i++) {
		struct thread *t = &threads[i];
		if (READ_ONCE(t->slot) == SLOT_FREE)
			continue;
		struct thread_info ti;
		memset(&ti, 0, sizeof ti);
		ti.pid = t->proc ? t->proc->pid : 0;
		ti.tid = t->tid;
		ti.state = t->state;
		ti.prio = t->prio;
		ti.base_prio = t->base_prio;
		ti.cpu = t->cpu;
		ti.flags = t->flags;
		ti.runmask = t->runmask;
		unsigned long ticks = t->cpu_time;
		if (t->state == TS_RUNNING)
			ticks += rdtime() - t->run_start;
		ti.cpu_time_ns = ticks_to_ns(ticks);
		if (t->proc)
			strlcpy(ti.name, t->proc->name, sizeof ti.name);
		if (copy_to_user(my_as(), uaddr, &ti, sizeof ti))
			return -EFAULT;
		return i + 1;
	}
	return -ENOENT;
}

static long sys_lock_stats(long cls, long cpu, unsigned long uaddr)
{
	if (cls < 0 || cls >= LC_COUNT)
		return -ENOENT;
	if (cpu < 0 || cpu >= ncpu)
		return -EINVAL;
	struct lock_stats ls;
	lock_stats_get((int)cls, (int)cpu, &ls);
	return copy_to_user(my_as(), uaddr, &ls, sizeof ls);
}

static long sys_sysinfo(unsigned long uaddr)
{
	struct sysinfo si;
	memset(&si, 0, sizeof si);
	si.ncpu = ncpu;
	si.boot_cpu_hart = (int)machine.boot_hart;
	si.timebase_hz = (long)machine.timebase;
	si.mem_bytes = (long)machine.ram_size;
	si.free_pages = (long)pages_free_count();
	for (int i = 0; i < ncpu && i < 16; i++)
		si.hartid[i] = (int)cpus[i].hartid;
	strlcpy(si.board, BOARD_NAME, sizeof si.board);
	strlcpy(si.console, console_kind(), sizeof si.console);
	strlcpy(si.timer, timer_kind(), sizeof si.timer);
	si.debug_locks = DEBUG_LOCKS;
	si.bug = kernel_bug_variant;
	return copy_to_user(my_as(), uaddr, &si, sizeof si);
}

static long sys_mmap(unsigned long size)
{
	struct process *p = current_thread()->proc;
	size = PAGE_ROUND_UP(size);
	if (!size || size > (64UL << 20))
		return -EINVAL;
	lock_acquire(&p->lock);
	unsigned long va = p->as.mmap_next;
	if (va + size > USER_STACK_TOP - USER_STACK_SIZE - PAGE_SIZE) {
		lock_release(&p->lock);
		return -ENOMEM;
	}
	p->as.mmap_next += size + PAGE_SIZE;   /* leave a guard page */
	lock_release(&p->lock);
	int r = as_map_anon(&p->as, va, size, PTE_R | PTE_W);
	if (r) {
		as_unmap(&p->as, va, size);
		return r;
	}
	/* The ISA asks for sfence.vma even after invalid-to-valid changes;
	 * other harts of the process have never touched these addresses. */
	sfence_vma_all();
	return (long)va;
}

static long sys_kill(long pid)
{
	struct process *p = proc_by_pid((int)pid);
	if (!p || pid == 0)
		return -ESRCH;
	proc_kill(p, 128 + 9);
	return 0;
}

static long sys_icache_sync(unsigned long addr, unsigned long len)
{
	(void)addr;
	(void)len;
	icache_sync_all();
	return 0;
}

long syscall_dispatch(struct trapframe *tf)
{
	unsigned long a0 = tf_a(tf, 0), a1 = tf_a(tf, 1), a2 = tf_a(tf, 2), a3 = tf_a(tf, 3),
		      a4 = tf_a(tf, 4);
	struct thread *me = current_thread();
	struct process *p = me->proc;
	switch (tf_a(tf, 7)) {
	case SYS_WRITE: return sys_write(a0, a1);
	case SYS_EXIT:
		proc_kill(p, (int)a0);
		thread_exit((long)a0);
	case SYS_SPAWN: return sys_spawn(a0, a1, (long)a2);
	case SYS_WAITPID: return proc_waitpid((int)a0, a1);
	case SYS_GETPID: return p->pid;
	case SYS_GETTID: return me->tid;
	case SYS_THREAD_CREATE: return sys_thread_create(a0, a1, a2, (long)a3, (long)a4);
	case SYS_THREAD_EXIT: thread_exit((long)a0);
	case SYS_THREAD_JOIN: return proc_thread_join((int)a0, a1);
	case SYS_YIELD: sched_yield(); return 0;
	case SYS_SLEEP: return sleep_ns(a0);
	case SYS_CLOCK: return (long)ticks_to_ns(rdtime());
	case SYS_SET_PRIO: return sys_set_prio((long)a0, (long)a1);
	case SYS_GET_PRIO: {
		struct thread *t = thread_arg((long)a0);
		return t ? t->prio : -ESRCH;
	}
	case SYS_SET_RUNMASK: {
		struct thread *t = thread_arg((long)a0);
		return t ? sched_set_runmask(t, (uint32_t)a1) : -ESRCH;
	}
	case SYS_CPU: return this_cpu()->id;
	case SYS_MMAP: return sys_mmap(a0);
	case SYS_MUNMAP: return as_unmap(&p->as, a0, PAGE_ROUND_UP(a1));
	case SYS_KILL: return sys_kill((long)a0);
	case SYS_CHANNEL_CREATE: return ch_create(p);
	case SYS_CHANNEL_DESTROY: return ch_destroy(p, (int)a0, false);
	case SYS_CONNECT_ATTACH: return conn_attach(p, (int)a0, (int)a1);
	case SYS_CONNECT_DETACH: return conn_detach(p, (int)a0);
	case SYS_MSG_SEND: return msg_send((int)a0, a1, a2, a3, a4);
	case SYS_MSG_RECEIVE: return msg_receive((int)a0, a1, a2, a3);
	case SYS_MSG_REPLY: return msg_reply((int)a0, (long)a1, a2, a3);
	case SYS_MSG_ERROR: return msg_reply((int)a0, -(long)a1, 0, 0);
	case SYS_MSG_SEND_PULSE: return msg_send_pulse((int)a0, (int)a1, (int)a2, (long)a3);
	case SYS_MSG_READ: return msg_read((int)a0, a1, a2, a3);
	case SYS_MUTEX_CREATE: return sync_create(SK_MUTEX, 0);
	case SYS_MUTEX_DESTROY: return sync_destroy((int)a0);
	case SYS_MUTEX_LOCK: return mutex_lock((int)a0, false);
	case SYS_MUTEX_TRYLOCK: return mutex_lock((int)a0, true);
	case SYS_MUTEX_UNLOCK: return mutex_unlock((int)a0);
	case SYS_COND_CREATE: return sync_create(SK_COND, 0);
	case SYS_COND_DESTROY: return sync_destroy((int)a0);
	case SYS_COND_WAIT: return cond_wait((int)a0, (int)a1);
	case SYS_COND_SIGNAL: return cond_signal((int)a0, false);
	case SYS_COND_BROADCAST: return cond_signal((int)a0, true);
	case SYS_SEM_CREATE: return (long)a0 < 0 ? -EINVAL : sync_create(SK_SEM, (long)a0);
	case SYS_SEM_DESTROY: return sync_destroy((int)a0);
	case SYS_SEM_WAIT: return sem_wait((int)a0, false);
	case SYS_SEM_TRYWAIT: return sem_wait((int)a0, true);
	case SYS_SEM_POST: return sem_post((int)a0);
	case SYS_THREAD_INFO: return sys_thread_info((long)a0, a1);
	case SYS_LOCK_STATS: return sys_lock_stats((long)a0, (long)a1, a2);
	case SYS_SYSINFO: return sys_sysinfo(a0);
	case SYS_BLK_INFO: return blk_info_user(a0);
	case SYS_BLK_IO: return blk_io((int)a0, a1, a2, a3);
	case SYS_DEBUG: return debug_selftest((int)a0, a1);
	case SYS_LOCK_STATS_RESET: lock_stats_reset(); return 0;
	case SYS_ICACHE_SYNC: return sys_icache_sync(a0, a1);
	default: return -ENOSYS;
	}
}
