/*
 * Mutexes with priority inheritance, condition variables and semaphores,
 * as kernel objects named by id.
 *
 * Priority inheritance: a thread that blocks on a mutex lends its priority
 * to the owner, and along the chain of owners blocked on further mutexes
 * (one mutex lock at a time, hand over hand, as FreeBSD's turnstiles do).
 * An owner's priority is recomputed from its base priority and the first
 * waiter of every mutex it still holds whenever it releases one.
 */
#include <kernel/kernel.h>
#include <kernel/sync.h>
#include <kernel/proc.h>
#include <arch/atomic.h>

static struct kmutex objs[MAX_SYNC];
static uint32_t obj_gen[MAX_SYNC];
/* Guards the alloc field of every slot. */
static struct spinlock synctable_lock = SPINLOCK_INIT(LC_OBJTABLE, 3, "synctable");

#define PI_MAX_DEPTH 8

void sync_init(void)
{
	for (int i = 0; i < MAX_SYNC; i++) {
		lock_init(&objs[i].lock, LC_SYNC, (uint32_t)i, "sync");
		waitq_init(&objs[i].waiters);
		list_init(&objs[i].owner_link);
	}
}

long sync_create(int kind, long count)
{
	lock_acquire(&synctable_lock);
	struct kmutex *m = NULL;
	for (int i = 1; i < MAX_SYNC; i++) {
		if (!objs[i].alloc) {
			m = &objs[i];
			m->alloc = 1;
			break;
		}
	}
	lock_release(&synctable_lock);
	if (!m)
		return -EAGAIN;
	int idx = (int)(m - objs);
	lock_acquire(&m->lock);
	m->id = idx + MAX_SYNC * (int)++obj_gen[idx];
	m->kind = kind;
	m->owner = NULL;
	m->top_prio = 0;
	m->count = count;
	m->owner_pid = current_thread()->proc->pid;
	int id = m->id;
	lock_release(&m->lock);
	return id;
}

/* The object with this id and kind, locked. */
static struct kmutex *obj_lock(int id, int kind)
{
	if (id <= 0)
		return NULL;
	struct kmutex *m = &objs[id % MAX_SYNC];
	lock_acquire(&m->lock);
	if (m->id != id || m->kind != kind) {
		lock_release(&m->lock);
		return NULL;
	}
	return m;
}

static int first_prio(struct kmutex *m)
{
	struct thread *t = list_first(&m->waiters.head, struct thread, qlink);
	return t ? t->prio : 0;
}

static void set_owner(struct kmutex *m, struct thread *t)
{
	m->owner = t;
	lock_acquire(&t->lock);
	list_add_tail(&t->owned_mutexes, &m->owner_link);
	/* The new owner inherits from the waiters it now makes wait. */
	if (t->prio < m->top_prio) {
		sched_set_prio(t, m->top_prio);
		tflags_set(&t->flags, TF_PI_BOOST);
	}
	lock_release(&t->lock);
}

/* Effective priority: the base, raised by the first waiter of every mutex
 * t owns and by the client whose message it is serving. */
void pi_recompute(struct thread *t)
{
	lock_acquire(&t->lock);
	int p = MAX(t->base_prio, t->msg_prio);
	struct list *pos;
	list_for_each(pos, &t->owned_mutexes) {
		struct kmutex *m = container_of(pos, struct kmutex, owner_link);
		p = MAX(p, READ_ONCE(m->top_prio));
	}
	sched_set_prio(t, p);
	if (p == MAX(t->base_prio, t->msg_prio))
		tflags_clear(&t->flags, TF_PI_BOOST);
	lock_release(&t->lock);
}

void msg_prio_set(struct thread *t, int prio)
{
	lock_acquire(&t->lock);
	t->msg_prio = prio;
	lock_release(&t->lock);
	pi_recompute(t);
}

/* Lend prio to the owner of what t waits for, and onwards along the chain. */
static void pi_propagate(struct thread *t, int prio)
{
	for (int depth = 0; depth < PI_MAX_DEPTH; depth++) {
		struct kmutex *m = READ_ONCE(t->blocked_on);
		if (!m)
			return;
		lock_acquire(&m->lock);
		if (t->blocked_on != m || t->waitq != &m->waiters) {
			lock_release(&m->lock);
			return;
		}
		/* t's own priority may have risen: keep the queue ordered. */
		list_del(&t->qlink);
		struct list *pos;
		list_for_each(pos, &m->waiters.head)
			if (container_of(pos, struct thread, qlink)->prio < t->prio)
				break;
		list_insert_before(pos, &t->qlink);
		m->top_prio = first_prio(m);
		struct thread *o = m->owner;
		bool raised = false;
		if (o) {
			lock_acquire(&o->lock);
			if (o->prio < prio) {
				sched_set_prio(o, prio);
				tflags_set(&o->flags, TF_PI_BOOST);
				raised = true;
			}
			lock_release(&o->lock);
		}
		lock_release(&m->lock);
		if (!raised)
			return;
		t = o;
	}
}

long mutex_lock(int id, bool try)
{
	struct thread *me = current_thread();
	struct kmutex *m = obj_lock(id, SK_MUTEX);
	if (!m)
		return -EINVAL;
	if (!m->owner) {
		set_owner(m, me);
		lock_release(&m->lock);
		return 0;
	}
	if (m->owner == me) {
		lock_release(&m->lock);
		return -EDEADLK;
	}
	if (try) {
		lock_release(&m->lock);
		return -EBUSY;
	}
	wait_enqueue(&m->waiters, &m->lock, TS_MUTEX, true);
	if (me->state != TS_MUTEX) {
		lock_release(&m->lock);
		return -EINTR;
	}
	me->blocked_on = m;
	m->top_prio = first_prio(m);
	struct thread *o = m->owner;
	int prio = me->prio;
	bool raised = false;
	lock_acquire(&o->lock);
	if (o->prio < prio) {
		sched_set_prio(o, prio);
		tflags_set(&o->flags, TF_PI_BOOST);
		raised = true;
	}
	lock_release(&o->lock);
	lock_release(&m->lock);
	if (raised)
		pi_propagate(o, prio);
	schedule();
	return me->wait_result;
}

/* Hand m to its first waiter, or free it. Called with m->lock held. */
static struct thread *mutex_release_locked(struct kmutex *m, struct thread *me)
{
	lock_acquire(&me->lock);
	list_del(&m->owner_link);
	lock_release(&me->lock);
	struct thread *w = wake_first(&m->waiters, 0);
	m->top_prio = first_prio(m);
	if (w) {
		w->blocked_on = NULL;
		set_owner(m, w);
	} else {
		m->owner = NULL;
	}
	return w;
}

long mutex_unlock(int id)
{
	struct thread *me = current_thread();
	struct kmutex *m = obj_lock(id, SK_MUTEX);
	if (!m)
		return -EINVAL;
	if (m->owner != me) {
		lock_release(&m->lock);
		return -EPERM;
	}
	struct thread *w = mutex_release_locked(m, me);
	lock_release(&m->lock);
	pi_recompute(me);
	if (w)
		make_ready(w);
	return 0;
}

/* A thread leaving with mutexes held passes them on. */
void sync_thread_cleanup(struct thread *t)
{
	for (;;) {
		lock_acquire(&t->lock);
		struct kmutex *m = list_first(&t->owned_mutexes, struct kmutex, owner_link);
		int id = m ? m->id : 0;
		lock_release(&t->lock);
		if (!m)
			return;
		lock_acquire(&m->lock);
		struct thread *w = NULL;
		if (m->owner == t && m->id == id)
			w = mutex_release_locked(m, t);
		else {
			lock_acquire(&t->lock);
			list_del(&m->owner_link);
			lock_release(&t->lock);
		}
		lock_release(&m->lock);
		if (w)
			make_ready(w);
	}
}

long cond_wait(int cid, int mid)
{
	struct thread *me = current_thread();
	struct kmutex *m = obj_lock(mid, SK_MUTEX);
	if (!m)
		return -EINVAL;
	bool owner = m->owner == me;
	lock_release(&m->lock);
	if (!owner)
		return -EPERM;
	struct kmutex *c = obj_lock(cid, SK_COND);
	if (!c)
		return -EINVAL;
	wait_enqueue(&c->waiters, &c->lock, TS_CONDVAR, true);
	bool blocked = me->state == TS_CONDVAR;
	lock_release(&c->lock);
	/* Queued before the mutex is released: a signal after this finds us. */
	mutex_unlock(mid);
	long r = -EINTR;
	if (blocked) {
		schedule();
		r = me->wait_result;
	}
	long l = mutex_lock(mid, false);
	return r ? r : l;
}

long cond_signal(int cid, bool all)
{
	struct kmutex *c = obj_lock(cid, SK_COND);
	if (!c)
		return -EINVAL;
	for (;;) {
		struct thread *w[16];
		int n = 0;
		struct thread *t;
		while (n < (all ? 16 : 1) && (t = wake_first(&c->waiters, 0)))
			w[n++] = t;
		bool more = all && !waitq_empty(&c->waiters);
		lock_release(&c->lock);
		for (int i = 0; i < n; i++)
			make_ready(w[i]);
		if (!more)
			return 0;
		c = obj_lock(cid, SK_COND);
		if (!c)
			return 0;
	}
}

long sem_wait(int id, bool try)
{
	struct kmutex *s = obj_lock(id, SK_SEM);
	if (!s)
		return -EINVAL;
	if (s->count > 0) {
		s->count--;
		lock_release(&s->lock);
		return 0;
	}
	if (try) {
		lock_release(&s->lock);
		return -EAGAIN;
	}
	return block_on(&s->waiters, &s->lock, TS_SEM, true);
}

long sem_post(int id)
{
	struct kmutex *s = obj_lock(id, SK_SEM);
	if (!s)
		return -EINVAL;
	struct thread *w = wake_first(&s->waiters, 0);
	if (!w)
		s->count++;
	lock_release(&s->lock);
	if (w)
		make_ready(w);
	return 0;
}

static void destroy_locked(struct kmutex *m)
{
	m->kind = SK_FREE;
	m->id = 0;
	if (m->owner) {
		struct thread *o = m->owner;
		lock_acquire(&o->lock);
		list_del(&m->owner_link);
		lock_release(&o->lock);
		m->owner = NULL;
	}
	m->top_prio = 0;
}

static long destroy(struct kmutex *m)
{
	/* m->lock held */
	destroy_locked(m);
	for (;;) {
		struct thread *w[16];
		int n = 0;
		struct thread *t;
		while (n < 16 && (t = wake_first(&m->waiters, -EOWNERDEAD))) {
			t->blocked_on = NULL;
			w[n++] = t;
		}
		bool more = !waitq_empty(&m->waiters);
		lock_release(&m->lock);
		for (int i = 0; i < n; i++)
			make_ready(w[i]);
		if (!more)
			break;
		lock_acquire(&m->lock);
	}
	lock_acquire(&synctable_lock);
	m->alloc = 0;
	lock_release(&synctable_lock);
	return 0;
}

long sync_destroy(int id)
{
	if (id <= 0)
		return -EINVAL;
	struct kmutex *m = &objs[id % MAX_SYNC];
	lock_acquire(&m->lock);
	if (m->id != id || m->kind == SK_FREE) {
		lock_release(&m->lock);
		return -EINVAL;
	}
	if (m->kind == SK_MUTEX && m->owner && m->owner != current_thread()) {
		lock_release(&m->lock);
		return -EBUSY;
	}
	return destroy(m);
}

void sync_proc_cleanup(int pid)
{
	for (int i = 1; i < MAX_SYNC; i++) {
		struct kmutex *m = &objs[i];
		if (READ_ONCE(m->owner_pid) != pid || READ_ONCE(m->kind) == SK_FREE)
			continue;
		lock_acquire(&m->lock);
		if (m->owner_pid == pid && m->kind != SK_FREE)
			destroy(m);
		else
			lock_release(&m->lock);
	}
}
