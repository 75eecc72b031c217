/*
 * Helper child for the conformance suite: testchild MODE [ARG]
 *   exit N       exit with status N
 *   cpu          exit with the index of the cpu it runs on
 *   argc         exit with argc
 *   sleep MS     sleep, then exit 0
 *   fault        load from address 0
 *   illegal      execute an illegal instruction
 *   threadexit   a second thread calls exit(5) while main blocks
 *   spin         spin forever in user mode
 */
#include "ulib.h"

static void *exiter(void *arg)
{
	sleep_ms(5);
	exit(5);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "exit";
	long arg = argc > 2 ? atol(argv[2]) : 0;
	if (strcmp(mode, "exit") == 0)
		return (int)arg;
	if (strcmp(mode, "cpu") == 0)
		return cpu_id();
	if (strcmp(mode, "argc") == 0)
		return argc;
	if (strcmp(mode, "sleep") == 0) {
		sleep_ms((unsigned long)arg);
		return 0;
	}
	if (strcmp(mode, "fault") == 0)
		return *(volatile int *)0;
	if (strcmp(mode, "illegal") == 0) {
		asm volatile(".4byte 0");
		return 0;
	}
	if (strcmp(mode, "threadexit") == 0) {
		int s = sem_create(0);
		thread_create(exiter, 0, 0, -1);
		sem_wait(s);
		return 99;
	}
	if (strcmp(mode, "spin") == 0)
		for (;;)
			;
	return 100;
}
