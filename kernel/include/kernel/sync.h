/* Mutexes with priority inheritance, condition variables, semaphores. */
#ifndef KERNEL_SYNC_H
#define KERNEL_SYNC_H

#include <kernel/thread.h>

#define MAX_SYNC 256

enum sync_kind { SK_FREE = 0, SK_MUTEX, SK_COND, SK_SEM };

struct kmutex {
	struct spinlock lock;      /* guards every field below */
	int id;
	int kind;                  /* enum sync_kind */
	int owner_pid;             /* creator: destroyed when it exits */
	struct waitq waiters;      /* by priority */
	/* mutex */
	struct thread *owner;
	struct list owner_link;    /* in owner->owned_mutexes, guarded by owner->lock */
	int alloc;                 /* slot taken: guarded by the sync table lock */
	volatile int top_prio;     /* priority of the first waiter, 0 if none */
	/* semaphore */
	long count;
};

long sync_create(int kind, long count);
long sync_destroy(int id);
long mutex_lock(int id, bool try);
long mutex_unlock(int id);
long cond_wait(int cid, int mid);
long cond_signal(int cid, bool all);
long sem_wait(int id, bool try);
long sem_post(int id);
void sync_proc_cleanup(int pid);
void sync_init(void);
void pi_recompute(struct thread *t);
/* A server runs at its client's priority (if higher) until it replies. */
void msg_prio_set(struct thread *t, int prio);
void sync_thread_cleanup(struct thread *t);

#endif
