/* Threads, the scheduler, wait queues and sleeping. */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <kernel/cpu.h>
#include <kernel/lock.h>
#include <arch/trapframe.h>

#define MAX_THREADS 256
#define KSTACK_PAGES 2

/* Thread flags (thread->flags): AMO-only, see tflags_set. */
#define TF_INKERNEL 0x01u   /* in a trap: set and cleared by the thread's own hart */
#define TF_KILL     0x02u   /* exit at the next return to user mode: set by any hart */
#define TF_PI_BOOST 0x04u   /* running on an inherited priority */
#define TF_IDLE     0x08u
#define TF_USER     0x10u   /* user-set bits for the flags test */
#define TF_MIGRATE  0x20u   /* runmask no longer allows its cpu: move at next schedule */

struct process;
struct kmutex;

/* A wait queue is a list guarded by the lock of the object that owns it. */
struct waitq {
	struct list head;
};

enum slot_state { SLOT_FREE = 0, SLOT_ACTIVE, SLOT_ZOMBIE };

struct thread {
	struct context ctx;           /* callee-saved registers while switched out */
	unsigned long kstack;         /* base of the kernel stack pages */
	unsigned long kstack_top;
	struct trapframe *tf;         /* user registers, at kstack_top - TF_SIZE */
	volatile uint32_t flags;      /* TF_*: AMO only */
	volatile uint32_t on_cpu;     /* 1 from being picked until its context is saved */
	int tid;
	int index;
	int slot;                     /* enum slot_state, guarded by the thread table lock */
	int state;                    /* TS_*: guarded by the lock of where it waits (wait_lock) or by its cpu's run queue */
	int cpu;                      /* run queue it belongs to / last ran on */
	int rq_cpu;                   /* run queue holding it, -1 if none; guarded by that run queue's lock */
	int rq_prio_;                 /* priority list it was queued on */
	uint32_t runmask;             /* cpus it may run on */
	int prio;                     /* effective priority, guarded by lock */
	int base_prio;                /* guarded by lock */
	int msg_prio;                 /* client priority a server runs at until it replies, 0 none; guarded by lock */
	struct spinlock lock;         /* guards prio, base_prio, msg_prio, owned_mutexes */
	struct process *proc;
	struct list qlink;            /* in a run queue or one wait queue */
	struct list plink;            /* in proc->threads, guarded by the process lock */
	struct spinlock *volatile wait_lock; /* lock of the wait queue it is on, NULL when not waiting */
	struct waitq *waitq;
	long wait_result;             /* written by the waker before it readies the thread */
	struct list owned_mutexes;    /* guarded by lock */
	struct kmutex *volatile blocked_on; /* mutex it waits for (priority inheritance) */
	unsigned long wake_time;      /* sleep deadline, in timebase ticks */
	/* message passing: the buffers of a blocked sender or receiver */
	struct {
		unsigned long smsg, slen, rmsg, rlen, info;
		int coid;
		struct channel *chan;
	} ipc;
	long exit_value;
	int exited;                   /* left thread_exit's bookkeeping: guarded by the process lock */
	unsigned long cpu_time;       /* timebase ticks spent running */
	unsigned long run_start;
};

extern struct thread threads[MAX_THREADS];

void sched_init_cpu(struct cpu *c);
struct thread *thread_alloc(struct process *p, int prio);
void thread_free_slot(struct thread *t);
struct thread *thread_by_tid(int tid);
void thread_setup_user(struct thread *t, unsigned long pc, unsigned long sp,
		       unsigned long a0, unsigned long a1);
_Noreturn void thread_exit(long value);
void thread_start_first(void);

void schedule(void);
void make_ready(struct thread *t);
void sched_yield(void);
void sched_tick(void);
void sched_check_preempt(void);
void sched_set_prio(struct thread *t, int prio);
int sched_set_runmask(struct thread *t, uint32_t mask);
void sched_idle_loop(void) __attribute__((noreturn));
void send_ipi(int cpu, uint32_t reason);
void handle_ipi(void);

/* Blocking. Call with lk held; it is released. Returns the waker's result. */
void wait_enqueue(struct waitq *wq, struct spinlock *lk, int state, bool by_prio);
long block_on(struct waitq *wq, struct spinlock *lk, int state, bool by_prio);
/* Waking, with the queue's lock held: removes and returns a thread, now READY.
 * Call make_ready on it after dropping every lock. */
struct thread *wake_first(struct waitq *wq, long result);
void wake_thread_locked(struct thread *t, long result);
void cancel_wait(struct thread *t, int tid);
static inline void waitq_init(struct waitq *wq) { list_init(&wq->head); }
static inline bool waitq_empty(struct waitq *wq) { return list_empty(&wq->head); }

/* Time. */
unsigned long ns_to_ticks(unsigned long ns);
unsigned long ticks_to_ns(unsigned long ticks);
long sleep_ns(unsigned long ns);
void timer_interrupt(void);
void timer_rearm(void);

#endif
