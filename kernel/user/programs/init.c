/*
 * The first process. With no arguments (or "conformance") it runs the
 * kernel conformance suite; otherwise it runs the named program with the
 * rest of the command line and exits with its status. The kernel shuts
 * the machine down when init exits (failure when the status is not 0).
 */
#include "ulib.h"

int conformance_run(void);

static int run_program(int argc, char **argv)
{
	char args[256];
	size_t n = 0;
	args[0] = 0;
	for (int i = 2; i < argc; i++) {
		int w = snprintf(args + n, sizeof args - n, "%s%s", i > 2 ? " " : "", argv[i]);
		if (w < 0 || (size_t)w >= sizeof args - n)
			break;
		n += (size_t)w;
	}
	int pid = spawn(argv[1], args, -1);
	if (pid < 0) {
		printf("init: cannot spawn %s: error %d\n", argv[1], pid);
		return 127;
	}
	int status = -1;
	int r = waitpid(pid, &status);
	if (r != pid) {
		printf("init: waitpid: error %d\n", r);
		return 126;
	}
	printf("init: %s exited with status %d\n", argv[1], status);
	return status;
}

int main(int argc, char **argv)
{
	if (argc <= 1 || strcmp(argv[1], "conformance") == 0)
		return conformance_run();
	return run_program(argc, argv);
}
