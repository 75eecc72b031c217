/* Per-cpu state. In the kernel, tp points at the running hart's struct cpu. */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include <board.h>
#include <kernel/lib.h>
#include <kernel/lock.h>
#include <arch/trapframe.h>
#include <arch/barrier.h>

#define NCPU BOARD_HART_COUNT
#define NPRIO 64

struct thread;

struct runqueue {
	struct spinlock lock;   /* guards everything below */
	uint64_t bitmap;        /* bit p: queue[p] not empty */
	struct list queue[NPRIO];
	int nready;
};

struct lockstat_cpu {
	uint64_t acquisitions, contended, spin_cycles, held_cycles;
	uint64_t hist[LOCKSTAT_HIST];
};

/* IPI reasons, set with AMOs by the sender in cpu->ipi_pending. */
#define IPI_RESCHED 1u
#define IPI_HALT    2u

struct cpu {
	struct cpu *self;               /* 0: keep first (trap entry) */
	unsigned long kstack_top;       /* 8: running thread's kernel stack top */
	unsigned long scratch;          /* 16: user sp during trap entry */
	unsigned long hartid;
	int id;
	volatile int online;
	struct thread *current;         /* written by this hart under rq.lock */
	struct thread *idle;
	struct runqueue rq;
	struct spinlock sleep_lock;     /* guards sleepers */
	struct list sleepers;           /* sorted by wake time */
	volatile uint32_t ipi_pending;  /* IPI_* bits, AMO only */
	volatile uint32_t need_resched; /* written by this hart only */
	unsigned long slice_end;        /* rdtime when the running thread's slice ends */
	unsigned long timer_armed;      /* deadline last programmed */
	struct thread *push;            /* switched out but not allowed here: ready it elsewhere */
	int plic_context;
	volatile int probing;           /* a CSR probe is running: an illegal instruction is expected */
	volatile int probe_faulted;
	/* lock debugging and statistics, touched only by this hart */
	int nheld;
	struct spinlock *held[LOCK_MAX_HELD];
	struct lockstat_cpu lockstat[LC_COUNT];
	unsigned long irq_count, ipi_count, timer_count, syscalls;
} __attribute__((aligned(64)));

extern struct cpu cpus[NCPU];
extern int ncpu;             /* harts brought up */

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	asm volatile("mv %0, tp" : "=r"(c));
	return c;
}

static inline struct thread *current_thread(void)
{
	return this_cpu()->current;
}

#endif
