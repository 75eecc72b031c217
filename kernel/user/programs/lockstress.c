/*
 * lockstress {mutex|sleep|nop} SECONDS: one thread per hart.
 *   mutex: lock, increment a shared counter, unlock one kernel mutex;
 *          odd harts' threads run one priority higher, so waiters keep
 *          lending their priority to owners running on other harts
 *   sleep: sleep for one timer tick (the sleep and run queues)
 *   nop:   a null system call (the trap path alone)
 * Prints iterations per second and the kernel's lock statistics.
 */
#include "ulib.h"

enum { M_MUTEX, M_SLEEP, M_NOP };

struct worker {
	int cpu;
	int tid;
	long iters;
} __attribute__((aligned(64)));

static volatile int stop;
static int mode;
static int mtx;
static volatile long counter;
static struct worker workers[16];

static void *work(void *arg)
{
	struct worker *w = arg;
	long n = 0;
	while (!stop) {
		switch (mode) {
		case M_MUTEX:
			mutex_lock(mtx);
			counter++;
			mutex_unlock(mtx);
			break;
		case M_SLEEP:
			sleep_ns(1000);
			break;
		default:
			getpid();
		}
		n++;
	}
	w->iters = n;
	return 0;
}

static void print_lock_stats(int ncpu)
{
	printf("lock statistics (all harts):\n");
	printf("  %-10s %4s %10s %10s %7s %12s %12s\n", "class", "rank", "acquired", "contended", "cont%", "spin/cont", "held/acq");
	for (int cls = 0;; cls++) {
		struct lock_stats sum, ls;
		memset(&sum, 0, sizeof sum);
		if (lock_stats(cls, 0, &ls) < 0)
			break;
		strlcpy(sum.name, ls.name, sizeof sum.name);
		sum.rank = ls.rank;
		for (int c = 0; c < ncpu; c++) {
			if (lock_stats(cls, c, &ls) < 0)
				continue;
			sum.acquisitions += ls.acquisitions;
			sum.contended += ls.contended;
			sum.spin_cycles += ls.spin_cycles;
			sum.held_cycles += ls.held_cycles;
			for (int i = 0; i < LOCKSTAT_HIST; i++)
				sum.hist[i] += ls.hist[i];
		}
		if (!sum.acquisitions)
			continue;
		unsigned long pct100 = sum.contended * 10000 / sum.acquisitions;
		printf("  %-10s %4d %10lu %10lu %4lu.%02lu %12lu %12lu\n", sum.name, sum.rank, sum.acquisitions,
		       sum.contended, pct100 / 100, pct100 % 100,
		       sum.contended ? sum.spin_cycles / sum.contended : 0,
		       sum.held_cycles / sum.acquisitions);
		if (sum.contended) {
			char line[256];
			int n = snprintf(line, sizeof line, "    spin histogram (log2 cycles: count):");
			for (int i = 1; i < LOCKSTAT_HIST; i++)
				if (sum.hist[i])
					n += snprintf(line + n, sizeof line - (size_t)n, " %d:%lu", i, sum.hist[i]);
			printf("%s\n", line);
		}
	}
	printf("contention per hart:\n");
	for (int c = 0; c < ncpu; c++) {
		unsigned long acq = 0, cont = 0, spin = 0;
		for (int cls = 0;; cls++) {
			struct lock_stats ls;
			if (lock_stats(cls, c, &ls) < 0)
				break;
			acq += ls.acquisitions;
			cont += ls.contended;
			spin += ls.spin_cycles;
		}
		printf("  cpu %d: %lu acquisitions, %lu contended, %lu spin cycles\n", c, acq, cont, spin);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		printf("usage: lockstress {mutex|sleep|nop} SECONDS\n");
		return 2;
	}
	if (strcmp(argv[1], "mutex") == 0)
		mode = M_MUTEX;
	else if (strcmp(argv[1], "sleep") == 0)
		mode = M_SLEEP;
	else if (strcmp(argv[1], "nop") == 0)
		mode = M_NOP;
	else {
		printf("lockstress: unknown mode %s\n", argv[1]);
		return 2;
	}
	long seconds = atol(argv[2]);
	struct sysinfo si;
	sysinfo(&si);
	int n = MIN(si.ncpu, (int)ARRAY_SIZE(workers));
	mtx = mutex_create();
	/* The coordinator outranks the workers so it wakes on time. */
	set_prio(0, PRIO_DEFAULT + 5);
	lock_stats_reset();
	unsigned long t0 = clock_ns();
	for (int i = 0; i < n; i++) {
		workers[i].cpu = i;
		int prio = mode == M_MUTEX ? PRIO_DEFAULT + (i & 1) : PRIO_DEFAULT;
		workers[i].tid = thread_create(work, &workers[i], prio, i);
		if (workers[i].tid < 0) {
			printf("lockstress: thread_create: %d\n", workers[i].tid);
			return 1;
		}
	}
	sleep_ms((unsigned long)seconds * 1000);
	stop = 1;
	long total = 0;
	for (int i = 0; i < n; i++) {
		thread_join(workers[i].tid, 0);
		total += workers[i].iters;
	}
	unsigned long dt_us = (clock_ns() - t0) / 1000;
	if (!dt_us)
		dt_us = 1;
	printf("lockstress %s: %d threads (one per hart), %lu ms\n", argv[1], n, dt_us / 1000);
	for (int i = 0; i < n; i++)
		printf("  cpu %d: %ld iterations, %ld per second\n", i, workers[i].iters,
		       (long)((unsigned long)workers[i].iters * 1000000UL / dt_us));
	int ok = 1;
	if (mode == M_MUTEX && counter != total) {
		printf("lockstress: counter %ld != iterations %ld: the mutex let two threads in\n", counter, total);
		ok = 0;
	}
	print_lock_stats(si.ncpu);
	printf("lockstress: mode=%s harts=%d seconds=%ld iterations=%ld per_second=%ld %s\n", argv[1], n,
	       seconds, total, (long)((unsigned long)total * 1000000UL / dt_us), ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
