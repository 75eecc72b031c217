/*
 * Threads and the scheduler: per-cpu ready queues by priority, idle harts
 * stealing work, preemption by the timer, and the wait queues blocking
 * primitives are built from.
 *
 * Wake-up handshake: a thread is "on cpu" from the moment a hart picks it
 * until that hart has saved its registers while switching it out. A hart
 * that readies a thread waits for on_cpu to drop (acquire) before queueing
 * it, and the hart switching out publishes it with a release fence, so
 * whoever runs the thread next loads the context that was saved, not an
 * older one. Waking happens with no lock held (the thread being switched
 * out needs none of ours), so this wait cannot deadlock.
 */
#include <kernel/kernel.h>
#include <kernel/proc.h>
#include <kernel/mm.h>
#include <arch/atomic.h>
#include <arch/barrier.h>
#include <arch/csr.h>
#include <arch/sbi.h>

struct thread threads[MAX_THREADS];
/* Guards the slot and tid fields of every thread. */
static struct spinlock thread_table_lock = SPINLOCK_INIT(LC_OBJTABLE, 1, "threadtable");
static uint32_t thread_gen[MAX_THREADS];

#define SLICE_NS 10000000UL

extern void thread_trampoline(void);
extern struct thread *switch_context(struct context *from, struct context *to, struct thread *prev);

/* ---- time ---- */

/* Any timebase below 18 GHz: the products stay within 64 bits. */
unsigned long ns_to_ticks(unsigned long ns)
{
	unsigned long tb = machine.timebase;
	return ns / 1000000000UL * tb + ((ns % 1000000000UL) * tb + 999999999UL) / 1000000000UL;
}

unsigned long ticks_to_ns(unsigned long ticks)
{
	unsigned long tb = machine.timebase;
	return ticks / tb * 1000000000UL + (ticks % tb) * 1000000000UL / tb;
}

/* ---- run queues ---- */

static void rq_enqueue(struct cpu *c, struct thread *t)
{
	struct runqueue *rq = &c->rq;
	int p = t->prio;
	list_add_tail(&rq->queue[p], &t->qlink);
	rq->bitmap |= 1UL << p;
	rq->nready++;
	t->rq_prio_ = p;
	t->rq_cpu = c->id;
	t->cpu = c->id;
}

static void rq_remove(struct cpu *c, struct thread *t)
{
	struct runqueue *rq = &c->rq;
	list_del(&t->qlink);
	if (list_empty(&rq->queue[t->rq_prio_]))
		rq->bitmap &= ~(1UL << t->rq_prio_);
	rq->nready--;
	t->rq_cpu = -1;
}

static int highest_bit(uint64_t v)
{
	int n = 0;
	if (v >> 32) { n += 32; v >>= 32; }
	if (v >> 16) { n += 16; v >>= 16; }
	if (v >> 8) { n += 8; v >>= 8; }
	if (v >> 4) { n += 4; v >>= 4; }
	if (v >> 2) { n += 2; v >>= 2; }
	if (v >> 1) { n += 1; }
	return n;
}

static struct thread *rq_pick(struct cpu *c)
{
	struct runqueue *rq = &c->rq;
	if (!rq->bitmap)
		return NULL;
	int p = highest_bit(rq->bitmap);
	struct thread *t = list_first(&rq->queue[p], struct thread, qlink);
	rq_remove(c, t);
	return t;
}

static int rq_top_prio(struct cpu *c)
{
	return c->rq.bitmap ? highest_bit(c->rq.bitmap) : -1;
}

void sched_init_cpu(struct cpu *c)
{
	lock_init(&c->rq.lock, LC_RUNQUEUE, (uint32_t)c->id, "runqueue");
	for (int i = 0; i < NPRIO; i++)
		list_init(&c->rq.queue[i]);
	lock_init(&c->sleep_lock, LC_SLEEPQ, (uint32_t)c->id, "sleepq");
	list_init(&c->sleepers);
}

/* ---- thread slots ---- */

struct thread *thread_alloc(struct process *p, int prio)
{
	void *stack = pages_alloc(KSTACK_PAGES);
	if (!stack)
		return NULL;
	lock_acquire(&thread_table_lock);
	struct thread *t = NULL;
	for (int i = 0; i < MAX_THREADS; i++) {
		if (threads[i].slot == SLOT_FREE) {
			t = &threads[i];
			break;
		}
	}
	if (!t) {
		lock_release(&thread_table_lock);
		pages_free(stack, KSTACK_PAGES);
		return NULL;
	}
	int idx = (int)(t - threads);
	thread_gen[idx]++;
	memset(t, 0, sizeof *t);
	t->slot = SLOT_ACTIVE;
	t->index = idx;
	t->tid = idx + MAX_THREADS * (int)thread_gen[idx];
	lock_release(&thread_table_lock);

	t->kstack = (unsigned long)stack;
	t->kstack_top = t->kstack + KSTACK_PAGES * PAGE_SIZE;
	t->tf = (struct trapframe *)(t->kstack_top - TF_SIZE);
	t->state = TS_READY;
	t->rq_cpu = -1;
	t->runmask = (uint32_t)((1UL << ncpu) - 1);
	t->prio = t->base_prio = prio;
	t->proc = p;
	lock_init(&t->lock, LC_THREAD, (uint32_t)idx, "thread");
	list_init(&t->qlink);
	list_init(&t->plink);
	list_init(&t->owned_mutexes);
	return t;
}

/* Return a dead thread's slot; waits until its hart has switched away. */
void thread_free_slot(struct thread *t)
{
	while (smp_load_acquire(&t->on_cpu))
		cpu_relax();
	lock_acquire(&thread_table_lock);
	t->slot = SLOT_FREE;
	lock_release(&thread_table_lock);
}

struct thread *thread_by_tid(int tid)
{
	if (tid <= 0)
		return NULL;
	struct thread *t = &threads[tid % MAX_THREADS];
	if (READ_ONCE(t->tid) != tid || READ_ONCE(t->slot) == SLOT_FREE)
		return NULL;
	return t;
}

void thread_setup_user(struct thread *t, unsigned long pc, unsigned long sp,
		       unsigned long a0, unsigned long a1)
{
	struct trapframe *tf = t->tf;
	memset(tf, 0, sizeof *tf);
	tf->sepc = pc;
	tf->sstatus = SSTATUS_SPIE;   /* SPP = 0: user mode */
	tf_sp(tf) = sp;
	tf_a(tf, 0) = a0;
	tf_a(tf, 1) = a1;
	t->ctx.ra = (unsigned long)thread_trampoline;
	t->ctx.sp = (unsigned long)tf;
}

/* ---- switching ---- */

static void switch_address_space(struct thread *prev, struct thread *next)
{
	struct cpu *c = this_cpu();
	struct process *pp = prev->proc, *np = next->proc;
	bool puser = !(prev->flags & TF_IDLE), nuser = !(next->flags & TF_IDLE);
	/* A dead prev may have been its process's last thread: the slot (and
	 * even the page-table root) can already belong to a new process. */
	if (puser && nuser && pp == np && prev->state != TS_DEAD)
		return;
	if (nuser) {
		atomic_or64(&np->as.cpus, 1UL << c->id);
		csr_write(satp, as_satp(&np->as));
	} else {
		csr_write(satp, kernel_satp());
	}
	/* One full flush: also what the CIP-1200 erratum requires. */
	sfence_vma_all();
	/* Only now is this hart off prev's page tables: the process's last
	 * thread waits for this before it frees them. */
	if (puser && pp != np)
		atomic_and64(&pp->as.cpus, ~(1UL << c->id));
}

static void finish_switch(struct thread *prev)
{
	struct cpu *c = this_cpu();
	if (prev->state == TS_DEAD && prev->kstack) {
		pages_free((void *)prev->kstack, KSTACK_PAGES);
		prev->kstack = 0;
	}
	/* Handshake: prev's registers are saved; it may run elsewhere now. */
	wake_release();
	WRITE_ONCE(prev->on_cpu, 0);
	lock_release(&c->rq.lock);
	if (prev->state == TS_DEAD)
		thread_free_slot(prev);
	struct thread *push = c->push;
	if (push) {
		c->push = NULL;
		make_ready(push);
	}
	timer_rearm();
}

/* A new thread's first instructions, on its own stack. */
struct trapframe *thread_first_run(struct thread *prev)
{
	finish_switch(prev);
	return current_thread()->tf;
}

static bool allowed_on(const struct thread *t, int cpu)
{
	return t->runmask & (1u << cpu);
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current;
	lock_acquire(&c->rq.lock);
	c->need_resched = 0;
	if (prev->state == TS_RUNNING && !(prev->flags & TF_IDLE)) {
		prev->state = TS_READY;
		if (allowed_on(prev, c->id))
			rq_enqueue(c, prev);
		else
			c->push = prev;   /* readied on an allowed cpu once switched out */
	}
	struct thread *next = rq_pick(c);
	if (!next)
		next = c->idle;
	if (next == prev) {
		prev->state = TS_RUNNING;
		c->slice_end = rdtime() + ns_to_ticks(SLICE_NS);
		lock_release(&c->rq.lock);
		return;
	}
#if DEBUG_LOCKS
	if (READ_ONCE(next->on_cpu))
		panic("cpu %d: picked tid %d still on cpu", c->id, next->tid);
	if (c->nheld != 1)
		panic("cpu %d: schedule() with %d locks held", c->id, c->nheld);
#endif
	next->state = TS_RUNNING;
	next->cpu = c->id;
	next->on_cpu = 1;
	unsigned long now = rdtime();
	prev->cpu_time += now - prev->run_start;
	next->run_start = now;
	c->current = next;
	c->kstack_top = next->kstack_top;
	c->slice_end = now + ns_to_ticks(SLICE_NS);
	switch_address_space(prev, next);
	prev = switch_context(&prev->ctx, &next->ctx, prev);
	finish_switch(prev);
}

static int choose_cpu(struct thread *t)
{
	int last = t->cpu;
	if (last >= 0 && last < ncpu && allowed_on(t, last) &&
	    (READ_ONCE(cpus[last].current)->flags & TF_IDLE))
		return last;
	for (int i = 0; i < ncpu; i++) {
		int c = (last + 1 + i) % ncpu;
		if (allowed_on(t, c) && cpus[c].online &&
		    (READ_ONCE(cpus[c].current)->flags & TF_IDLE) && !READ_ONCE(cpus[c].rq.nready))
			return c;
	}
	if (last >= 0 && last < ncpu && allowed_on(t, last))
		return last;
	for (int i = 0; i < ncpu; i++)
		if (allowed_on(t, i) && cpus[i].online)
			return i;
	return 0;
}

void make_ready(struct thread *t)
{
	lock_assert_none_held("make_ready");
	while (READ_ONCE(t->on_cpu))
		cpu_relax();
	wake_acquire();
	int target = choose_cpu(t);
	struct cpu *tc = &cpus[target];
	lock_acquire(&tc->rq.lock);
	rq_enqueue(tc, t);
	struct thread *cur = READ_ONCE(tc->current);
	bool preempt = t->prio > cur->prio;
	lock_release(&tc->rq.lock);
	if (!preempt)
		return;
	if (tc == this_cpu())
		tc->need_resched = 1;
	else
		send_ipi(target, IPI_RESCHED);
}

void sched_yield(void)
{
	this_cpu()->need_resched = 1;
}

/* Move a thread from another cpu's queue to ours; both locks in cpu order. */
static bool steal(struct cpu *me)
{
	for (int i = 1; i < ncpu; i++) {
		struct cpu *o = &cpus[(me->id + i) % ncpu];
		if (!READ_ONCE(o->rq.nready))
			continue;
		struct cpu *first = o->id < me->id ? o : me, *second = o->id < me->id ? me : o;
		lock_acquire(&first->rq.lock);
		lock_acquire(&second->rq.lock);
		struct thread *found = NULL;
		for (int p = NPRIO - 1; p >= 0 && !found; p--) {
			struct list *pos;
			list_for_each(pos, &o->rq.queue[p]) {
				struct thread *t = container_of(pos, struct thread, qlink);
				if (allowed_on(t, me->id)) {
					found = t;
					break;
				}
			}
		}
		if (found) {
			rq_remove(o, found);
			rq_enqueue(me, found);
		}
		lock_release(&second->rq.lock);
		lock_release(&first->rq.lock);
		if (found)
			return true;
	}
	return false;
}

static void poll_interrupts(void)
{
	unsigned long pending = csr_read(sip) & csr_read(sie);
	if (pending & SIE_SSIE)
		handle_ipi();
	if (pending & SIE_STIE)
		timer_interrupt();
	if (pending & SIE_SEIE)
		irq_external();
}

/*
 * The idle thread. Interrupts stay globally disabled in the kernel: wfi
 * wakes on any interrupt enabled in sie, and the loop polls sip.
 */
void sched_idle_loop(void)
{
	for (;;) {
		struct cpu *c = this_cpu();
		poll_interrupts();
		if (READ_ONCE(system_halting)) {
			wfi();
			continue;
		}
		if (c->need_resched || READ_ONCE(c->rq.nready) || steal(c)) {
			schedule();
			continue;
		}
		wfi();
	}
}

/* ---- priorities and placement ---- */

/* Called with t->lock held. */
void sched_set_prio(struct thread *t, int prio)
{
	if (t->prio == prio)
		return;
	bool raised = prio > t->prio;
	t->prio = prio;
	int rc = READ_ONCE(t->rq_cpu);
	if (rc >= 0) {
		struct cpu *c = &cpus[rc];
		lock_acquire(&c->rq.lock);
		if (t->rq_cpu == rc && t->rq_prio_ != t->prio) {
			rq_remove(c, t);
			rq_enqueue(c, t);
		}
		bool preempt = raised && t->rq_cpu == rc && t->prio > READ_ONCE(c->current)->prio;
		lock_release(&c->rq.lock);
		if (preempt) {
			if (c == this_cpu())
				c->need_resched = 1;
			else
				send_ipi(rc, IPI_RESCHED);
		}
	} else if (!raised && t == current_thread()) {
		this_cpu()->need_resched = 1;   /* someone queued may now outrank us */
	}
}

/* Restrict t to the cpus in mask; it moves at once if it sits elsewhere. */
int sched_set_runmask(struct thread *t, uint32_t mask)
{
	mask &= (uint32_t)((1UL << ncpu) - 1);
	if (!mask)
		return -EINVAL;
	int old = (int)t->runmask;
	t->runmask = mask;
	if (t == current_thread()) {
		if (!allowed_on(t, this_cpu()->id))
			this_cpu()->need_resched = 1;   /* schedule() pushes it away */
		return old;
	}
	int rc = READ_ONCE(t->rq_cpu);
	if (rc >= 0 && !allowed_on(t, rc)) {
		struct cpu *c = &cpus[rc];
		bool moved = false;
		lock_acquire(&c->rq.lock);
		if (t->rq_cpu == rc) {
			rq_remove(c, t);
			moved = true;
		}
		lock_release(&c->rq.lock);
		if (moved)
			make_ready(t);
	} else if (READ_ONCE(t->state) == TS_RUNNING && READ_ONCE(t->on_cpu)) {
		int c = READ_ONCE(t->cpu);
		if (!allowed_on(t, c) && c != this_cpu()->id)
			send_ipi(c, IPI_RESCHED);
	}
	return old;
}

void sched_check_preempt(void)
{
	struct cpu *c = this_cpu();
	if (rq_top_prio(c) > c->current->prio)
		c->need_resched = 1;
}

/* ---- IPIs ---- */

void send_ipi(int cpu, uint32_t reason)
{
	atomic_or32(&cpus[cpu].ipi_pending, reason);
	sbi_send_ipi(1, cpus[cpu].hartid);
}

void handle_ipi(void)
{
	struct cpu *c = this_cpu();
	csr_clear(sip, SIE_SSIE);
	uint32_t why = atomic_swap32(&c->ipi_pending, 0);
	if (why & IPI_RESCHED)
		c->need_resched = 1;
	if (why & IPI_HALT) {
		for (;;)
			wfi();
	}
}

/* ---- wait queues ---- */

enum { WQ_FIFO, WQ_PRIO, WQ_TIME };

static void wq_insert(struct waitq *wq, struct thread *t, int order)
{
	struct list *pos = &wq->head;
	if (order != WQ_FIFO) {
		list_for_each(pos, &wq->head) {
			struct thread *o = container_of(pos, struct thread, qlink);
			if (order == WQ_PRIO ? o->prio < t->prio : o->wake_time > t->wake_time)
				break;
		}
	}
	list_insert_before(pos, &t->qlink);
}

/* With lk held: queue the caller on wq. False if it is being killed. */
static bool wait_prepare(struct waitq *wq, struct spinlock *lk, int state, int order)
{
	struct thread *t = current_thread();
	if (READ_ONCE(t->flags) & TF_KILL)
		return false;
	wq_insert(wq, t, order);
	t->waitq = wq;
	t->wait_result = 0;
	t->state = state;
	WRITE_ONCE(t->wait_lock, lk);
	return true;
}

void wait_enqueue(struct waitq *wq, struct spinlock *lk, int state, bool by_prio)
{
	if (!wait_prepare(wq, lk, state, by_prio ? WQ_PRIO : WQ_FIFO))
		current_thread()->wait_result = -EINTR;
}

long block_on(struct waitq *wq, struct spinlock *lk, int state, bool by_prio)
{
	if (!wait_prepare(wq, lk, state, by_prio ? WQ_PRIO : WQ_FIFO)) {
		lock_release(lk);
		return -EINTR;
	}
	lock_release(lk);
	schedule();
	return current_thread()->wait_result;
}

void wake_thread_locked(struct thread *t, long result)
{
	list_del(&t->qlink);
	t->wait_result = result;
	t->waitq = NULL;
	WRITE_ONCE(t->wait_lock, NULL);
	t->state = TS_READY;
}

struct thread *wake_first(struct waitq *wq, long result)
{
	struct thread *t = list_first(&wq->head, struct thread, qlink);
	if (t)
		wake_thread_locked(t, result);
	return t;
}

/* Take thread tid (in slot t) off whatever it waits on, with -EINTR.
 * Call with no lock held. Nothing happens if the slot holds another thread. */
void cancel_wait(struct thread *t, int tid)
{
	for (int tries = 0; tries < 8; tries++) {
		struct spinlock *lk = READ_ONCE(t->wait_lock);
		if (!lk || READ_ONCE(t->tid) != tid)
			return;
		lock_acquire(lk);
		/* A thread is only ever queued or dequeued under its queue's lock. */
		if (READ_ONCE(t->wait_lock) == lk && t->tid == tid) {
			t->blocked_on = NULL;
			wake_thread_locked(t, -EINTR);
			lock_release(lk);
			make_ready(t);
			return;
		}
		lock_release(lk);
	}
}

/* ---- sleeping and the timer ---- */

long sleep_ns(unsigned long ns)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;
	unsigned long now = rdtime(), ticks = ns >= (1UL << 62) ? ~0UL : ns_to_ticks(ns);
	t->wake_time = ticks > ~0UL - now - 1 ? ~0UL - 1 : now + ticks;
	lock_acquire(&c->sleep_lock);
	if (!wait_prepare((struct waitq *)&c->sleepers, &c->sleep_lock, TS_SLEEP, WQ_TIME)) {
		lock_release(&c->sleep_lock);
		return -EINTR;
	}
	lock_release(&c->sleep_lock);
	schedule();
	return t->wait_result;
}

void timer_interrupt(void)
{
	struct cpu *c = this_cpu();
	unsigned long now = rdtime();
	struct thread *woken[16];
	int n;
	do {
		n = 0;
		lock_acquire(&c->sleep_lock);
		while (n < (int)ARRAY_SIZE(woken)) {
			struct thread *t = list_first(&c->sleepers, struct thread, qlink);
			if (!t || t->wake_time > now)
				break;
			wake_thread_locked(t, 0);
			woken[n++] = t;
		}
		lock_release(&c->sleep_lock);
		for (int i = 0; i < n; i++)
			make_ready(woken[i]);
	} while (n == (int)ARRAY_SIZE(woken));
	if (!(c->current->flags & TF_IDLE) && now >= c->slice_end) {
		if (rq_top_prio(c) >= c->current->prio)
			c->need_resched = 1;
		c->slice_end = now + ns_to_ticks(SLICE_NS);
	}
	c->timer_armed = 0;   /* it fired: reprogram even if the deadline is unchanged */
	timer_rearm();
}

void timer_rearm(void)
{
	struct cpu *c = this_cpu();
	unsigned long next = ~0UL;
	if (!(c->current->flags & TF_IDLE))
		next = c->slice_end;
	lock_acquire(&c->sleep_lock);
	struct thread *t = list_first(&c->sleepers, struct thread, qlink);
	if (t && t->wake_time < next)
		next = t->wake_time;
	lock_release(&c->sleep_lock);
	if (next != c->timer_armed)
		timer_program(next);
}

/* ---- exit ---- */

_Noreturn void thread_exit(long value)
{
	struct thread *t = current_thread();
	t->exit_value = value;
	proc_thread_exited(t);
	t->state = TS_DEAD;
	schedule();
	panic("dead thread %d scheduled", t->tid);
}
