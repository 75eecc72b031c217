/*
 * Message passing, QNX style. A client's MsgSend blocks it SEND-blocked on
 * the channel until a server thread receives the message, then
 * REPLY-blocked until the server replies. A server's MsgReceive blocks it
 * RECEIVE-blocked until a message or a pulse arrives. The kernel copies
 * message bytes directly between the two address spaces.
 *
 * A blocked peer's address space stays alive while the peer sits on one of
 * the channel's queues (a killed thread is first taken off the queue under
 * the channel lock), so copying to or from it under that lock is safe.
 */
#include <kernel/kernel.h>
#include <kernel/ipc.h>
#include <kernel/proc.h>
#include <kernel/sync.h>

static struct channel channels[MAX_CHANNELS];
static uint32_t channel_gen[MAX_CHANNELS];
/* Guards the owner field of free channels (allocation). */
static struct spinlock chtable_lock = SPINLOCK_INIT(LC_OBJTABLE, 2, "chtable");

void ipc_init(void)
{
	for (int i = 0; i < MAX_CHANNELS; i++) {
		lock_init(&channels[i].lock, LC_CHANNEL, (uint32_t)i, "channel");
		waitq_init(&channels[i].senders);
		waitq_init(&channels[i].receivers);
		waitq_init(&channels[i].repliers);
	}
}

long ch_create(struct process *p)
{
	lock_acquire(&chtable_lock);
	struct channel *ch = NULL;
	for (int i = 1; i < MAX_CHANNELS; i++) {
		if (channels[i].owner == 0) {
			ch = &channels[i];
			ch->owner = -1;  /* reserved while we set it up */
			break;
		}
	}
	lock_release(&chtable_lock);
	if (!ch)
		return -EAGAIN;
	int idx = (int)(ch - channels);
	lock_acquire(&ch->lock);
	ch->chid = idx + MAX_CHANNELS * (int)++channel_gen[idx];
	ch->npulses = ch->pulse_head = 0;
	ch->owner = p->pid;
	lock_release(&ch->lock);
	return ch->chid;
}

/* The channel with this chid, locked; NULL if none. */
static struct channel *ch_lock(int chid)
{
	if (chid <= 0)
		return NULL;
	struct channel *ch = &channels[chid % MAX_CHANNELS];
	lock_acquire(&ch->lock);
	if (ch->chid != chid || ch->owner <= 0) {
		lock_release(&ch->lock);
		return NULL;
	}
	return ch;
}

static int drain(struct waitq *wq, struct thread **out, int max, long result)
{
	int n = 0;
	struct thread *t;
	while (n < max && (t = wake_first(wq, result)))
		out[n++] = t;
	return n;
}

long ch_destroy(struct process *p, int chid, bool force)
{
	struct channel *ch = ch_lock(chid);
	if (!ch)
		return -EINVAL;
	if (!force && ch->owner != p->pid) {
		lock_release(&ch->lock);
		return -EPERM;
	}
	ch->chid = 0;   /* no new lookups succeed */
	for (;;) {
		struct thread *w[16];
		int n = drain(&ch->senders, w, 16, -ESRCH);
		n += drain(&ch->receivers, w + n, 16 - n, -ESRCH);
		n += drain(&ch->repliers, w + n, 16 - n, -ESRCH);
		bool empty = waitq_empty(&ch->senders) && waitq_empty(&ch->receivers) &&
			     waitq_empty(&ch->repliers);
		if (empty)
			ch->owner = 0;   /* free: ch_create may reuse it */
		lock_release(&ch->lock);
		for (int i = 0; i < n; i++)
			make_ready(w[i]);
		if (empty)
			return 0;
		lock_acquire(&ch->lock);
	}
}

long conn_attach(struct process *p, int pid, int chid)
{
	struct channel *ch = ch_lock(chid);
	if (!ch)
		return -ESRCH;
	bool owner_ok = pid == 0 || ch->owner == pid;
	lock_release(&ch->lock);
	if (!owner_ok)
		return -ESRCH;
	lock_acquire(&p->lock);
	for (int i = 1; i < MAX_CONNS; i++) {
		if (p->conns[i] == 0) {
			p->conns[i] = chid;
			lock_release(&p->lock);
			return i;
		}
	}
	lock_release(&p->lock);
	return -EAGAIN;
}

long conn_detach(struct process *p, int coid)
{
	if (coid <= 0 || coid >= MAX_CONNS)
		return -EINVAL;
	lock_acquire(&p->lock);
	long r = p->conns[coid] ? 0 : -EINVAL;
	p->conns[coid] = 0;
	lock_release(&p->lock);
	return r;
}

static int coid_to_chid(struct process *p, int coid)
{
	if (coid <= 0 || coid >= MAX_CONNS)
		return 0;
	return READ_ONCE(p->conns[coid]);
}

/* Can the whole range be accessed with perm? */
static bool range_ok(struct addrspace *as, unsigned long va, unsigned long len, unsigned long perm)
{
	if (!len)
		return true;
	for (unsigned long a = va & ~(PAGE_SIZE - 1); a < va + len; a += PAGE_SIZE)
		if (!as_translate(as, a < va ? va : a, perm))
			return false;
	return true;
}

static long fill_info(struct thread *rcv, struct thread *snd, struct channel *ch)
{
	if (!rcv->ipc.info)
		return 0;
	struct msg_info mi = {
		.pid = snd->proc->pid, .tid = snd->tid, .chid = ch->chid, .coid = snd->ipc.coid,
		.srcmsglen = (long)snd->ipc.slen, .dstmsglen = (long)snd->ipc.rlen, .prio = snd->prio,
	};
	return copy_to_user(&rcv->proc->as, rcv->ipc.info, &mi, sizeof mi);
}

/* Move the sender's message into the receiver's buffer. */
static long transfer(struct thread *rcv, struct thread *snd, struct channel *ch)
{
	unsigned long n = MIN(snd->ipc.slen, rcv->ipc.rlen);
	long r = copy_user_to_user(&rcv->proc->as, rcv->ipc.rmsg, &snd->proc->as, snd->ipc.smsg, n);
	if (r < 0)
		return r;
	return fill_info(rcv, snd, ch);
}

long msg_send(int coid, unsigned long smsg, unsigned long slen, unsigned long rmsg, unsigned long rlen)
{
	struct thread *me = current_thread();
	if (slen > MSG_MAX || rlen > MSG_MAX)
		return -E2BIG;
	struct channel *ch = ch_lock(coid_to_chid(me->proc, coid));
	if (!ch)
		return -EINVAL;
	me->ipc.smsg = smsg;
	me->ipc.slen = slen;
	me->ipc.rmsg = rmsg;
	me->ipc.rlen = rlen;
	me->ipc.coid = coid;
	me->ipc.chan = ch;
	if (!range_ok(&me->proc->as, smsg, slen, PTE_R) || !range_ok(&me->proc->as, rmsg, rlen, PTE_W)) {
		lock_release(&ch->lock);
		return -EFAULT;
	}
	/* A receiver whose own buffer is bad gets the error and is skipped. */
	struct thread *rcv;
	long r;
	int chid = ch->chid;
	for (;;) {
		rcv = list_first(&ch->receivers.head, struct thread, qlink);
		if (!rcv || (r = transfer(rcv, me, ch)) == 0)
			break;
		wake_thread_locked(rcv, r);
		lock_release(&ch->lock);
		make_ready(rcv);
		if (!(ch = ch_lock(chid)))
			return -EINVAL;
	}
	if (!rcv)
		return block_on(&ch->senders, &ch->lock, TS_SEND, true);
	/* A server is waiting: hand it the message and wait for the reply. */
	wake_thread_locked(rcv, me->tid);
	msg_prio_set(rcv, me->prio);
	wait_enqueue(&ch->repliers, &ch->lock, TS_REPLY, false);
	bool queued = me->state == TS_REPLY;   /* read before anyone can reply */
	lock_release(&ch->lock);
	make_ready(rcv);
	if (!queued)
		return -EINTR;
	schedule();
	return me->wait_result;
}

static long deliver_pulse(struct thread *rcv, const struct pulse *pl)
{
	unsigned long n = MIN(sizeof *pl, rcv->ipc.rlen);
	return copy_to_user(&rcv->proc->as, rcv->ipc.rmsg, pl, n);
}

long msg_receive(int chid, unsigned long buf, unsigned long len, unsigned long info)
{
	struct thread *me = current_thread();
	struct channel *ch = ch_lock(chid);
	if (!ch)
		return -EINVAL;
	if (ch->owner != me->proc->pid) {
		lock_release(&ch->lock);
		return -EPERM;
	}
	me->ipc.rmsg = buf;
	me->ipc.rlen = len;
	me->ipc.info = info;
	if (ch->npulses) {
		struct pulse pl = ch->pulses[ch->pulse_head];
		ch->pulse_head = (ch->pulse_head + 1) % PULSE_QUEUE;
		ch->npulses--;
		lock_release(&ch->lock);
		long r = deliver_pulse(me, &pl);
		return r < 0 ? r : 0;
	}
	if (!range_ok(&me->proc->as, buf, len, PTE_W) ||
	    (info && !range_ok(&me->proc->as, info, sizeof(struct msg_info), PTE_W))) {
		lock_release(&ch->lock);
		return -EFAULT;
	}
	/* Senders whose buffers fault get the error; take the next one. */
	struct thread *snd;
	for (;;) {
		snd = list_first(&ch->senders.head, struct thread, qlink);
		if (!snd || transfer(me, snd, ch) == 0)
			break;
		wake_thread_locked(snd, -EFAULT);
		lock_release(&ch->lock);
		make_ready(snd);
		if (!(ch = ch_lock(chid)))
			return -EINVAL;
	}
	if (!snd)
		return block_on(&ch->receivers, &ch->lock, TS_RECEIVE, false);
	msg_prio_set(me, snd->prio);
	/* Still blocked, now on the reply queue: no wake-up. */
	list_del(&snd->qlink);
	list_add_tail(&ch->repliers.head, &snd->qlink);
	snd->waitq = &ch->repliers;
	snd->state = TS_REPLY;
	int rcvid = snd->tid;
	lock_release(&ch->lock);
	return rcvid;
}

/* The REPLY-blocked sender behind rcvid, with its channel locked. */
static struct thread *rcvid_lock(int rcvid, struct channel **chp)
{
	struct thread *me = current_thread();
	struct thread *snd = thread_by_tid(rcvid);
	if (!snd)
		return NULL;
	struct channel *ch = READ_ONCE(snd->ipc.chan);
	if (!ch)
		return NULL;
	lock_acquire(&ch->lock);
	if (snd->tid != rcvid || snd->waitq != &ch->repliers || snd->state != TS_REPLY ||
	    ch->owner != me->proc->pid) {
		lock_release(&ch->lock);
		return NULL;
	}
	*chp = ch;
	return snd;
}

long msg_reply(int rcvid, long status, unsigned long msg, unsigned long len)
{
	struct thread *me = current_thread();
	struct channel *ch;
	struct thread *snd = rcvid_lock(rcvid, &ch);
	if (!snd)
		return -ESRCH;
	long r = 0;
	if (msg && len) {
		unsigned long n = MIN(len, snd->ipc.rlen);
		r = copy_user_to_user(&snd->proc->as, snd->ipc.rmsg, &me->proc->as, msg, n);
	}
	wake_thread_locked(snd, r < 0 ? r : status);
	lock_release(&ch->lock);
	make_ready(snd);
	if (me->msg_prio)
		msg_prio_set(me, 0);
	return r < 0 ? r : 0;
}

long msg_read(int rcvid, unsigned long buf, unsigned long len, unsigned long offset)
{
	struct thread *me = current_thread();
	struct channel *ch;
	struct thread *snd = rcvid_lock(rcvid, &ch);
	if (!snd)
		return -ESRCH;
	long r = 0;
	if (offset < snd->ipc.slen) {
		unsigned long n = MIN(len, snd->ipc.slen - offset);
		r = copy_user_to_user(&me->proc->as, buf, &snd->proc->as, snd->ipc.smsg + offset, n);
	}
	lock_release(&ch->lock);
	return r;
}

long msg_send_pulse(int coid, int prio, int code, long value)
{
	struct thread *me = current_thread();
	(void)prio;
	struct channel *ch = ch_lock(coid_to_chid(me->proc, coid));
	if (!ch)
		return -EINVAL;
	struct pulse pl = { PULSE_TYPE, code, value };
	struct thread *rcv = list_first(&ch->receivers.head, struct thread, qlink);
	if (rcv) {
		long r = deliver_pulse(rcv, &pl);
		wake_thread_locked(rcv, r < 0 ? r : 0);
		lock_release(&ch->lock);
		make_ready(rcv);
		return 0;
	}
	if (ch->npulses == PULSE_QUEUE) {
		lock_release(&ch->lock);
		return -EAGAIN;
	}
	ch->pulses[(ch->pulse_head + ch->npulses) % PULSE_QUEUE] = pl;
	ch->npulses++;
	lock_release(&ch->lock);
	return 0;
}

void ipc_proc_cleanup(struct process *p)
{
	for (int i = 1; i < MAX_CHANNELS; i++)
		if (READ_ONCE(channels[i].owner) == p->pid)
			ch_destroy(p, READ_ONCE(channels[i].chid), true);
	lock_acquire(&p->lock);
	memset(p->conns, 0, sizeof p->conns);
	lock_release(&p->lock);
}
