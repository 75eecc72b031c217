/*
 * Ticket spinlocks with rank checking and per-cpu statistics.
 *
 * Kernel code runs with interrupts disabled, so a lock is never re-entered
 * by an interrupt on the hart that holds it and needs no irq-save variant.
 */
#include <kernel/cpu.h>
#include <kernel/kernel.h>
#include <arch/atomic.h>
#include <arch/barrier.h>
#include <arch/csr.h>

/* Acquire in increasing rank only. Keep nesting shallow. */
const struct lock_class lock_classes[LC_COUNT] = {
	[LC_PROCTABLE] = { "proctable", 10 },
	[LC_PROCESS]   = { "process",   15 },
	[LC_CHANNEL]   = { "channel",   20 },
	[LC_SYNC]      = { "sync",      25 },
	[LC_OBJTABLE]  = { "objtable",  27 },
	[LC_THREAD]    = { "thread",    30 },
	[LC_SLEEPQ]    = { "sleepq",    35 },
	[LC_RUNQUEUE]  = { "runqueue",  40 },
	[LC_VM]        = { "vm",        45 },
	[LC_PAGES]     = { "pages",     50 },
	[LC_BLK]       = { "blk",       55 },
	[LC_CONSOLE]   = { "console",   60 },
};

void lock_init(struct spinlock *l, int cls, uint32_t key, const char *name)
{
	l->next = 0;
	l->owner = 0;
	l->cls = (uint16_t)cls;
	l->holder = 0;
	l->key = key;
	l->name = name;
	l->acquired_at = 0;
}

static __attribute__((unused)) void lock_describe(char *buf, size_t n, const struct spinlock *l)
{
	snprintf(buf, n, "%s (class %s, rank %d, instance %u)", l->name ? l->name : "?",
		 lock_classes[l->cls].name, lock_classes[l->cls].rank, l->key);
}

/* Does taking l while holding h respect the order? */
static __attribute__((unused)) bool ranks_above(const struct spinlock *l, const struct spinlock *h)
{
	int rl = lock_classes[l->cls].rank, rh = lock_classes[h->cls].rank;
	if (rl != rh)
		return rl > rh;
	return l->key > h->key;
}

#if DEBUG_LOCKS
static void check_order(struct cpu *c, struct spinlock *l)
{
	for (int i = 0; i < c->nheld; i++) {
		struct spinlock *h = c->held[i];
		if (ranks_above(l, h))
			continue;
		char a[96], b[96];
		lock_describe(a, sizeof a, l);
		lock_describe(b, sizeof b, h);
		/* The console lock may be the offender: write without it. */
		char msg[300];
		int len = snprintf(msg, sizeof msg,
			"\nLOCK ORDER VIOLATION on cpu %d: acquiring %s while holding %s\n",
			c->id, a, b);
		console_write_unlocked(msg, MIN((size_t)len, sizeof msg - 1));
		system_shutdown(1, "lock order violation");
	}
	if (c->nheld >= LOCK_MAX_HELD)
		panic("lock nesting deeper than %d taking %s", LOCK_MAX_HELD, l->name);
}
#endif

static unsigned spin_bucket(uint64_t cycles)
{
	unsigned b = 0;
	while (cycles > 1 && b < LOCKSTAT_HIST - 1) {
		cycles >>= 1;
		b++;
	}
	return b;
}

void lock_acquire(struct spinlock *l)
{
	struct cpu *c = this_cpu();
#if DEBUG_LOCKS
	check_order(c, l);
#endif
	uint32_t ticket = atomic_add32(&l->next, 1);
	uint64_t spin = 0;
	if (READ_ONCE(l->owner) != ticket) {
		uint64_t t0 = rdcycle();
		while (READ_ONCE(l->owner) != ticket)
			cpu_relax();
		spin = rdcycle() - t0;
	}
	acquire_fence();
	l->holder = (uint16_t)(c->id + 1);
	l->acquired_at = rdcycle();
	struct lockstat_cpu *s = &c->lockstat[l->cls];
	s->acquisitions++;
	if (spin) {
		s->contended++;
		s->spin_cycles += spin;
	}
	s->hist[spin_bucket(spin)]++;
	if (c->nheld < LOCK_MAX_HELD)
		c->held[c->nheld] = l;
	c->nheld++;
}

void lock_release(struct spinlock *l)
{
	struct cpu *c = this_cpu();
	c->lockstat[l->cls].held_cycles += rdcycle() - l->acquired_at;
	/* Locks are usually released in reverse order, but not always. */
	int i;
	for (i = c->nheld - 1; i >= 0; i--)
		if (c->held[i] == l)
			break;
#if DEBUG_LOCKS
	if (i < 0)
		panic("releasing %s, which cpu %d does not hold", l->name, c->id);
#endif
	if (i >= 0) {
		for (; i < c->nheld - 1; i++)
			c->held[i] = c->held[i + 1];
		c->nheld--;
	}
	l->holder = 0;
	smp_store_release(&l->owner, l->owner + 1);
}

bool lock_held_by_me(const struct spinlock *l)
{
	return l->holder == this_cpu()->id + 1;
}

int locks_held(void)
{
	return this_cpu()->nheld;
}

void lock_assert_none_held(const char *where)
{
#if DEBUG_LOCKS
	struct cpu *c = this_cpu();
	if (c->nheld) {
		char a[96];
		lock_describe(a, sizeof a, c->held[c->nheld - 1]);
		panic("%s with a lock held: %s", where, a);
	}
#else
	(void)where;
#endif
}

void lock_stats_get(int cls, int cpu, struct lock_stats *out)
{
	struct lockstat_cpu *s = &cpus[cpu].lockstat[cls];
	memset(out, 0, sizeof *out);
	strlcpy(out->name, lock_classes[cls].name, sizeof out->name);
	out->rank = lock_classes[cls].rank;
	out->cpu = cpu;
	out->acquisitions = READ_ONCE(s->acquisitions);
	out->contended = READ_ONCE(s->contended);
	out->spin_cycles = READ_ONCE(s->spin_cycles);
	out->held_cycles = READ_ONCE(s->held_cycles);
	for (int i = 0; i < LOCKSTAT_HIST; i++)
		out->hist[i] = READ_ONCE(s->hist[i]);
}

/* Each hart clears its own counters when it next takes an IPI would be
 * exact; resetting from one hart races with increments, which only blurs
 * the counts of that instant. */
void lock_stats_reset(void)
{
	for (int i = 0; i < NCPU; i++)
		memset(cpus[i].lockstat, 0, sizeof cpus[i].lockstat);
}
