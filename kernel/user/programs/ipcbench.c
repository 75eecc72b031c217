/*
 * ipcbench [ITERATIONS]: MsgSend/MsgReceive/MsgReply round trip, client
 * and server on the same hart, then on two harts. Reports cycles (rdcycle)
 * and nanoseconds (rdtime) per round trip.
 */
#include "ulib.h"

static int chid;
static volatile int server_cpu;

static void *server(void *arg)
{
	char buf[64];
	for (;;) {
		int rcvid = msg_receive(chid, buf, sizeof buf, 0);
		if (rcvid < 0)
			return 0;
		if (rcvid == 0)
			continue;
		msg_reply(rcvid, 0, buf, 8);
		if (buf[0] == 'q')
			return 0;
	}
}

static int measure(const char *label, int scpu, int ccpu, int iters, long timebase)
{
	int stid = thread_create(server, 0, PRIO_DEFAULT, scpu);
	if (stid < 0)
		return stid;
	set_runmask(0, 1u << ccpu);
	int coid = connect_attach(0, chid);
	char msg[8] = "ping", reply[8];
	for (int i = 0; i < 200; i++)
		msg_send(coid, msg, sizeof msg, reply, sizeof reply);
	unsigned long c0 = rdcycle(), t0 = rdtime();
	for (int i = 0; i < iters; i++)
		msg_send(coid, msg, sizeof msg, reply, sizeof reply);
	unsigned long c1 = rdcycle(), t1 = rdtime();
	msg_send(coid, "quit", 5, reply, sizeof reply);
	thread_join(stid, 0);
	connect_detach(coid);
	unsigned long cyc = (c1 - c0) / (unsigned long)iters;
	unsigned long ns = (t1 - t0) * 1000000000UL / (unsigned long)timebase / (unsigned long)iters;
	printf("ipcbench: %s round trip (server cpu %d, client cpu %d): %lu cycles, %lu ns, %d iterations\n",
	       label, scpu, ccpu, cyc, ns, iters);
	return 0;
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 2000;
	struct sysinfo si;
	sysinfo(&si);
	chid = channel_create();
	if (chid < 0) {
		printf("ipcbench: channel_create: %d\n", chid);
		return 1;
	}
	if (measure("same-hart", 0, 0, iters, si.timebase_hz))
		return 1;
	if (si.ncpu > 1) {
		if (measure("cross-hart", 0, 1, iters, si.timebase_hz))
			return 1;
	} else {
		printf("ipcbench: cross-hart round trip: n/a (1 hart)\n");
	}
	return 0;
}
