/* Cross-process IPC peer: ipcpeer PID CHID sends "ping", expects "pong" and status 42. */
#include "ulib.h"

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int coid = connect_attach(atoi(argv[1]), atoi(argv[2]));
	if (coid < 0)
		return 3;
	char reply[8] = { 0 };
	long st = msg_send(coid, "ping", 5, reply, sizeof reply);
	if (st != 42)
		return 4;
	if (strcmp(reply, "pong") != 0)
		return 5;
	if (msg_send_pulse(coid, 10, 7, 1234) != 0)
		return 6;
	return 0;
}
