/* pidin: list every thread (pid, tid, name, priority, state, cpu, flags). */
#include "ulib.h"

static const char *const states[TS_COUNT] = {
	"DEAD", "RUNNING", "READY", "SEND", "RECEIVE", "REPLY", "MUTEX", "CONDVAR",
	"SEM", "SLEEP", "JOIN", "WAITPID", "BLOCKIO",
};

int main(int argc, char **argv)
{
	struct thread_info ti;
	printf("%6s %8s %-12s %4s %-8s %3s %5s %8s\n", "pid", "tid", "name", "prio", "state", "cpu", "flags", "time(us)");
	for (int i = 0; (i = thread_info(i, &ti)) > 0;) {
		printf("%6d %8d %-12s %2d/%-2d %-8s %3d %5x %8lu\n", ti.pid, ti.tid, ti.name, ti.prio,
		       ti.base_prio, ti.state < TS_COUNT ? states[ti.state] : "?", ti.cpu, ti.flags,
		       ti.cpu_time_ns / 1000);
	}
	return 0;
}
