/* Channels, connections and message passing (MsgSend/MsgReceive/MsgReply, pulses). */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include <kernel/thread.h>

#define MAX_CHANNELS 128
#define PULSE_QUEUE 32
#define MSG_MAX (64 * 1024)

struct channel {
	struct spinlock lock;     /* guards all fields below */
	int chid;
	int owner;                /* pid, 0 when free */
	struct waitq senders;     /* SEND-blocked, by priority */
	struct waitq receivers;   /* RECEIVE-blocked */
	struct waitq repliers;    /* REPLY-blocked: received, awaiting MsgReply */
	struct pulse pulses[PULSE_QUEUE];
	int pulse_head, npulses;
};

long ch_create(struct process *p);
long ch_destroy(struct process *p, int chid, bool force);
long conn_attach(struct process *p, int pid, int chid);
long conn_detach(struct process *p, int coid);
long msg_send(int coid, unsigned long smsg, unsigned long slen, unsigned long rmsg, unsigned long rlen);
long msg_receive(int chid, unsigned long buf, unsigned long len, unsigned long info);
long msg_reply(int rcvid, long status, unsigned long msg, unsigned long len);
long msg_read(int rcvid, unsigned long buf, unsigned long len, unsigned long offset);
long msg_send_pulse(int coid, int prio, int code, long value);
void ipc_proc_cleanup(struct process *p);
void ipc_init(void);

#endif
