/*
 * NVMe driver (NVM Express base specification 1.4 register and queue
 * layout). Admin commands at initialisation are polled; I/O commands
 * complete by INTx through the PLIC, and the submitting thread blocks.
 */
#include <board.h>
#if defined(BOARD_PCIE_ECAM) || defined(BOARD_PCIE_DW)
#include <kernel/kernel.h>
#include <kernel/mm.h>
#include <arch/io.h>
#include <arch/csr.h>
#include <drivers/pci.h>
#include <drivers/nvme.h>

/* Controller registers (BAR0). */
#define REG_CAP   0x00
#define REG_VS    0x08
#define REG_INTMS 0x0c
#define REG_INTMC 0x10
#define REG_CC    0x14
#define REG_CSTS  0x1c
#define REG_AQA   0x24
#define REG_ASQ   0x28
#define REG_ACQ   0x30
#define CC_EN          (1u << 0)
#define CC_IOSQES(n)   ((uint32_t)(n) << 16)
#define CC_IOCQES(n)   ((uint32_t)(n) << 20)
#define CSTS_RDY       (1u << 0)
#define CSTS_CFS       (1u << 1)

/* Admin opcodes. */
#define ADM_CREATE_SQ 0x01
#define ADM_CREATE_CQ 0x05
#define ADM_IDENTIFY  0x06
#define ADM_SET_FEAT  0x09
#define FEAT_NUM_QUEUES 0x07

#define QDEPTH 16           /* entries per queue; QDEPTH - 1 commands in flight */
#define NSLOTS (QDEPTH - 1)

struct sqe {
	uint32_t cdw0;          /* opcode [7:0], command id [31:16] */
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct cqe {
	uint32_t dw0, dw1;
	uint16_t sq_head, sq_id;
	uint16_t cid;
	uint16_t status;        /* phase [0], status field [15:1] */
};

struct queue {
	struct sqe *sq;
	volatile struct cqe *cq;
	uint16_t sq_tail, cq_head;
	uint8_t phase;
	int qid;
};

struct slot {
	int busy;
	int done;
	uint16_t status;
	struct thread *waiter;
};

static struct nvme {
	unsigned long regs;
	unsigned dstrd;
	uint64_t cap;
	struct queue admin, io;
	struct nvme_info info;
	int present, irq;
	/* Guards io (tail, head, phase), slots and the wait queue. */
	struct spinlock lock;
	struct slot slots[NSLOTS];
	struct waitq slot_wait;     /* threads waiting for a free slot */
	unsigned long completions, interrupts;
} nv;

static uint32_t rd32(int off) { return mmio_read32(nv.regs + (unsigned long)off); }
static void wr32(int off, uint32_t v) { mmio_write32(nv.regs + (unsigned long)off, v); }
static uint64_t rd64(int off) { return (uint64_t)rd32(off) | (uint64_t)rd32(off + 4) << 32; }
static void wr64(int off, uint64_t v) { wr32(off, (uint32_t)v); wr32(off + 4, (uint32_t)(v >> 32)); }

static unsigned long sq_doorbell(int qid) { return 0x1000UL + (2UL * (unsigned long)qid) * (4UL << nv.dstrd); }
static unsigned long cq_doorbell(int qid) { return 0x1000UL + (2UL * (unsigned long)qid + 1) * (4UL << nv.dstrd); }

const struct nvme_info *nvme_info(void)
{
	return nv.present ? &nv.info : NULL;
}

/* Wait for CSTS.RDY to become want, within CAP.TO (units of 500 ms). */
static int wait_ready(bool want)
{
	unsigned long timeout = ((nv.cap >> 24) & 0xff) * 500 + 500;
	unsigned long deadline = rdtime() + machine.timebase / 1000 * timeout;
	while (((rd32(REG_CSTS) & CSTS_RDY) != 0) != want) {
		if (rd32(REG_CSTS) & CSTS_CFS)
			return -EIO;
		if (rdtime() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

static void submit(struct queue *q, const struct sqe *e)
{
	q->sq[q->sq_tail] = *e;
	q->sq_tail = (uint16_t)((q->sq_tail + 1) % QDEPTH);
	/* The entry must be in memory before the device sees the doorbell. */
	wmb();
	wr32((int)sq_doorbell(q->qid), q->sq_tail);
}

/* Poll the admin queue for the completion of the command just submitted. */
static int admin_cmd(struct sqe *e)
{
	static uint16_t cid;
	e->cdw0 |= (uint32_t)++cid << 16;
	submit(&nv.admin, e);
	unsigned long deadline = rdtime() + machine.timebase * 2;
	struct queue *q = &nv.admin;
	for (;;) {
		volatile struct cqe *c = &q->cq[q->cq_head];
		if ((c->status & 1) == q->phase) {
			rmb();
			uint16_t status = c->status >> 1, got = c->cid;
			q->cq_head = (uint16_t)((q->cq_head + 1) % QDEPTH);
			if (q->cq_head == 0)
				q->phase ^= 1;
			wr32((int)cq_doorbell(0), q->cq_head);
			if (got != cid)
				continue;
			return status ? -EIO : 0;
		}
		if (rdtime() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
}

static void copy_trimmed(char *dst, const uint8_t *src, int n)
{
	memcpy(dst, src, (size_t)n);
	dst[n] = 0;
	for (int i = n - 1; i >= 0 && (dst[i] == ' ' || dst[i] == 0); i--)
		dst[i] = 0;
}

static int identify(void)
{
	uint8_t *buf = page_alloc();
	if (!buf)
		return -ENOMEM;
	struct sqe e = { .cdw0 = ADM_IDENTIFY, .prp1 = (uint64_t)buf, .cdw10 = 1 };
	int r = admin_cmd(&e);
	if (!r) {
		copy_trimmed(nv.info.serial, buf + 4, 20);
		copy_trimmed(nv.info.model, buf + 24, 40);
		memset(buf, 0, PAGE_SIZE);
		struct sqe ns = { .cdw0 = ADM_IDENTIFY, .nsid = 1, .prp1 = (uint64_t)buf, .cdw10 = 0 };
		r = admin_cmd(&ns);
	}
	if (!r) {
		nv.info.blocks = *(uint64_t *)buf;
		int fmt = buf[26] & 0xf;
		uint32_t lbaf = *(uint32_t *)(buf + 128 + 4 * fmt);
		nv.info.block_size = 1u << ((lbaf >> 16) & 0xff);
		if (nv.info.block_size < 512 || nv.info.block_size > PAGE_SIZE)
			r = -EIO;
	}
	page_free(buf);
	return r;
}

static int create_io_queues(void)
{
	nv.io.qid = 1;
	nv.io.phase = 1;
	nv.io.sq = page_alloc();
	nv.io.cq = page_alloc();
	if (!nv.io.sq || !nv.io.cq)
		return -ENOMEM;
	struct sqe f = { .cdw0 = ADM_SET_FEAT, .cdw10 = FEAT_NUM_QUEUES, .cdw11 = 0 };
	int r = admin_cmd(&f);
	if (r)
		return r;
	/* Completion queue 1: physically contiguous, interrupts enabled, vector 0. */
	struct sqe cq = { .cdw0 = ADM_CREATE_CQ, .prp1 = (uint64_t)nv.io.cq,
			  .cdw10 = (QDEPTH - 1) << 16 | 1, .cdw11 = 1 << 1 | 1 };
	if ((r = admin_cmd(&cq)) != 0)
		return r;
	struct sqe sq = { .cdw0 = ADM_CREATE_SQ, .prp1 = (uint64_t)nv.io.sq,
			  .cdw10 = (QDEPTH - 1) << 16 | 1, .cdw11 = 1 << 16 | 1 };
	return admin_cmd(&sq);
}

static void nvme_irq(void *arg);

static int controller_init(struct pci_dev *d)
{
	nv.regs = d->bar[0];
	nv.cap = rd64(REG_CAP);
	nv.dstrd = (unsigned)((nv.cap >> 32) & 0xf);
	if (((nv.cap >> 48) & 0xf) > 0)
		return -ENOTSUP;   /* MPSMIN above 4 KiB */
	wr32(REG_CC, 0);
	int r = wait_ready(false);
	if (r)
		return r;
	nv.admin.qid = 0;
	nv.admin.phase = 1;
	nv.admin.sq = page_alloc();
	nv.admin.cq = page_alloc();
	if (!nv.admin.sq || !nv.admin.cq)
		return -ENOMEM;
	wr32(REG_AQA, (QDEPTH - 1) << 16 | (QDEPTH - 1));
	wr64(REG_ASQ, (uint64_t)nv.admin.sq);
	wr64(REG_ACQ, (uint64_t)nv.admin.cq);
	wr32(REG_INTMS, 1);   /* polled while initialising */
	wr32(REG_CC, CC_EN | CC_IOSQES(6) | CC_IOCQES(4));
	if ((r = wait_ready(true)) != 0)
		return r;
	if ((r = identify()) != 0 || (r = create_io_queues()) != 0)
		return r;
	nv.irq = d->irq;
	if (nv.irq && irq_attach(nv.irq, nvme_irq, NULL) != 0)
		return -EIO;
	wr32(REG_INTMC, 1);
	return 0;
}

int nvme_probe(void)
{
	lock_init(&nv.lock, LC_BLK, 0, "nvme");
	waitq_init(&nv.slot_wait);
	struct pci_dev *d = pci_find_class(0x010802);
	if (!d)
		return -ENODEV;
	int r = controller_init(d);
	if (r) {
		printk("[kernel] nvme %04x:%04x at %02x:%02x.%d: initialisation failed (%d)\n",
		       d->vendor, d->device, d->bus, d->dev, d->fn, r);
		return r;
	}
	nv.present = 1;
	printk("[kernel] nvme %02x:%02x.%d: \"%s\" serial \"%s\", %lu blocks of %u bytes, BAR0 %lx, irq %d\n",
	       d->bus, d->dev, d->fn, nv.info.model, nv.info.serial, (unsigned long)nv.info.blocks,
	       nv.info.block_size, (unsigned long)d->bar[0], nv.irq);
	return 0;
}

/*
 * Completions of the I/O queue; with nv.lock held. Returns threads to wake.
 *
 * After each head-doorbell write the queue is read again: an entry posted
 * between our last read and the doorbell keeps INTx asserted with no new
 * edge, and a PLIC that does not re-sample a level source when the claim
 * completes (QEMU 7.2's) would never signal it again.
 */
static int reap(struct thread **wake, int max)
{
	int n = 0;
	struct queue *q = &nv.io;
	for (;;) {
		int consumed = 0;
		while (n < max) {
			volatile struct cqe *c = &q->cq[q->cq_head];
			if ((c->status & 1) != q->phase)
				break;
			rmb();
			uint16_t cid = c->cid, status = c->status >> 1;
			q->cq_head = (uint16_t)((q->cq_head + 1) % QDEPTH);
			if (q->cq_head == 0)
				q->phase ^= 1;
			consumed++;
			nv.completions++;
			if (cid >= NSLOTS || !nv.slots[cid].busy)
				continue;
			struct slot *s = &nv.slots[cid];
			s->done = 1;
			s->status = status;
			if (s->waiter) {
				struct thread *t = s->waiter;
				s->waiter = NULL;
				t->state = TS_READY;
				wake[n++] = t;
			}
		}
		if (!consumed)
			return n;
		wr32((int)cq_doorbell(q->qid), q->cq_head);
	}
}

static void nvme_irq(void *arg)
{
	struct thread *wake[NSLOTS];
	lock_acquire(&nv.lock);
	nv.interrupts++;
	int n = reap(wake, NSLOTS);
	lock_release(&nv.lock);
	for (int i = 0; i < n; i++)
		make_ready(wake[i]);
}

int nvme_io(int op, uint64_t lba, uint32_t count, void *buf)
{
	if (!nv.present)
		return -ENODEV;
	struct thread *me = current_thread();
	lock_acquire(&nv.lock);
	int cid;
	for (;;) {
		for (cid = 0; cid < NSLOTS && nv.slots[cid].busy; cid++)
			;
		if (cid < NSLOTS)
			break;
		long r = block_on(&nv.slot_wait, &nv.lock, TS_BLOCKIO, false);
		if (r < 0)
			return (int)r;
		lock_acquire(&nv.lock);
	}
	struct slot *s = &nv.slots[cid];
	s->busy = 1;
	s->done = 0;
	unsigned long bytes = (unsigned long)count * nv.info.block_size;
	struct sqe e = { .cdw0 = (uint32_t)op | (uint32_t)cid << 16, .nsid = 1 };
	if (op != NVME_OP_FLUSH) {
		e.prp1 = (uint64_t)buf;
		e.prp2 = bytes > PAGE_SIZE ? (uint64_t)buf + PAGE_SIZE : 0;
		e.cdw10 = (uint32_t)lba;
		e.cdw11 = (uint32_t)(lba >> 32);
		e.cdw12 = count - 1;
	}
	submit(&nv.io, &e);
	/* Not cancellable: the device owns buf until the completion. */
	s->waiter = me;
	me->state = TS_BLOCKIO;
	lock_release(&nv.lock);
	schedule();

	lock_acquire(&nv.lock);
	uint16_t status = s->status;
	s->busy = 0;
	struct thread *next = wake_first(&nv.slot_wait, 0);
	lock_release(&nv.lock);
	if (next)
		make_ready(next);
	return status ? -EIO : 0;
}
#endif
