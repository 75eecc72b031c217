/*
 * Spinlocks with a class and a rank. A hart may only acquire a lock that
 * ranks above every lock it already holds: by class rank first, then by
 * instance key (so two locks of one class nest when taken in key order,
 * e.g. two run queues by cpu index). The debug build (DEBUG_LOCKS=1)
 * checks every acquisition and stops with both locks named. Every class
 * keeps per-cpu statistics that user programs read through SYS_LOCK_STATS.
 *
 * Spin only around short critical sections: anything that may wait long
 * blocks on a wait queue instead.
 */
#ifndef KERNEL_LOCK_H
#define KERNEL_LOCK_H

#include <kernel/lib.h>
#include <uapi/cosim.h>

enum lock_class_id {
	LC_PROCTABLE,  /* process table: pids, parent links, zombie state */
	LC_PROCESS,    /* one process: its thread list, channel and connection tables */
	LC_CHANNEL,    /* one channel: its send, receive and reply queues, pulses */
	LC_SYNC,       /* one mutex, condition variable or semaphore */
	LC_OBJTABLE,   /* allocation of sync-object and channel slots */
	LC_THREAD,     /* one thread's priorities and the mutexes it owns */
	LC_SLEEPQ,     /* one cpu's queue of sleeping threads */
	LC_RUNQUEUE,   /* one cpu's ready queues */
	LC_VM,         /* one address space's page tables */
	LC_PAGES,      /* the free-page bitmap */
	LC_BLK,        /* the block device's queues */
	LC_CONSOLE,    /* console output */
	LC_COUNT
};

struct lock_class {
	const char *name;
	int rank;
};
extern const struct lock_class lock_classes[LC_COUNT];

struct spinlock {
	volatile uint32_t next;    /* ticket dispenser */
	volatile uint32_t owner;   /* ticket being served */
	uint16_t cls;              /* enum lock_class_id */
	uint16_t holder;           /* cpu index + 1 while held, 0 when free */
	uint32_t key;              /* instance order within the class */
	const char *name;
	uint64_t acquired_at;      /* cycle counter when taken, for held time */
};

#define SPINLOCK_INIT(c, k, n) { 0, 0, (c), 0, (k), (n), 0 }

void lock_init(struct spinlock *l, int cls, uint32_t key, const char *name);
void lock_acquire(struct spinlock *l);
void lock_release(struct spinlock *l);
bool lock_held_by_me(const struct spinlock *l);
int locks_held(void);
void lock_assert_none_held(const char *where);
void lock_stats_get(int cls, int cpu, struct lock_stats *out);
void lock_stats_reset(void);

#define LOCK_MAX_HELD 8

#endif
