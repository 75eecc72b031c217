/*
 * spawnloop N: spawn and reap N processes, alternating harts and
 * alternating between two builds of one child (slchild_a, slchild_b) so
 * that code pages are recycled between different programs. Each child
 * checks that the code it runs is its own and that it runs where asked.
 */
#include "ulib.h"

static long free_pages(void)
{
	struct sysinfo si;
	sysinfo(&si);
	return si.free_pages;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	struct sysinfo si;
	sysinfo(&si);
	long free0 = si.free_pages;
	int ok = 0, bad = 0;
	unsigned long t0 = clock_ns();
	for (int i = 0; i < n; i++) {
		int cpu = i % si.ncpu;
		char args[16];
		snprintf(args, sizeof args, "%d", cpu);
		/*
		 * Round r of spawns puts program (r + cpu) & 1 on each cpu, so
		 * every hart alternates between the two builds whatever the hart
		 * count (i & 1 gives each hart of an even count the same one
		 * forever, and a stale I-cache line would hold the same code).
		 */
		const char *prog = ((i / si.ncpu + cpu) & 1) ? "slchild_b" : "slchild_a";
		int pid = spawn(prog, args, cpu);
		if (pid < 0) {
			printf("spawnloop: spawn %d of %s failed: error %d\n", i, prog, pid);
			bad++;
			continue;
		}
		int st = -1;
		if (waitpid(pid, &st) != pid || st != 0) {
			printf("spawnloop: child %d (%s, pid %d, cpu %d) exited with status %d\n", i, prog, pid, cpu, st);
			bad++;
		} else {
			ok++;
		}
		if ((i + 1) % 100 == 0)
			printf("spawnloop: %d/%d\n", i + 1, n);
	}
	unsigned long dt = clock_ns() - t0;
	/* The last child's kernel stack is freed just after it is reaped. */
	long free1 = free_pages();
	for (int i = 0; i < 500 && free1 != free0; i++) {
		sleep_ms(2);
		free1 = free_pages();
	}
	printf("spawnloop: %d spawned, %d ok, %d failed, %lu us per spawn+wait, free pages %ld -> %ld\n",
	       n, ok, bad, n ? dt / 1000 / (unsigned long)n : 0, free0, free1);
	if (free1 != free0) {
		printf("spawnloop: page leak\n");
		return 2;
	}
	return bad ? 1 : 0;
}
