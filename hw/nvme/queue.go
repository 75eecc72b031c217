package nvme

import (
	"encoding/binary"

	"cosim/hw/sim"
)

// subQueue is a submission queue: the host produces at tail, the
// controller consumes at head.
type subQueue struct {
	id         uint16
	base       uint64
	size       uint32
	head, tail uint32
	cq         *complQueue
	inflight   []*command // fetched, not yet completed (for Abort and deletion)
}

// complQueue is a completion queue: the controller produces at tail with
// the current phase tag, the host consumes at head.
type complQueue struct {
	id         uint16
	base       uint64
	size       uint32
	head, tail uint32
	phase      uint16 // tag written with the next entry
	ien        bool
	iv         uint16
	sqs        int   // submission queues that complete here
	backlog    []cqe // completions waiting for room
}

func (q *complQueue) full() bool    { return (q.tail+1)%q.size == q.head }
func (q *complQueue) pending() bool { return q.head != q.tail }

type cqe struct {
	dw0    uint32
	sqhd   uint16
	sqid   uint16
	cid    uint16
	status Status
}

// command is a fetched submission queue entry on its way to completion.
type command struct {
	c     *Controller
	sq    *subQueue
	raw   [64]byte
	alarm *sim.Alarm
	fire  func()
}

func (cmd *command) opcode() uint8    { return cmd.raw[0] }
func (cmd *command) fuse() uint8      { return cmd.raw[1] & 3 }
func (cmd *command) psdt() uint8      { return cmd.raw[1] >> 6 }
func (cmd *command) cid() uint16      { return binary.LittleEndian.Uint16(cmd.raw[2:]) }
func (cmd *command) nsid() uint32     { return binary.LittleEndian.Uint32(cmd.raw[4:]) }
func (cmd *command) prp1() uint64     { return binary.LittleEndian.Uint64(cmd.raw[24:]) }
func (cmd *command) prp2() uint64     { return binary.LittleEndian.Uint64(cmd.raw[32:]) }
func (cmd *command) cdw(n int) uint32 { return binary.LittleEndian.Uint32(cmd.raw[4*n:]) }

func (c *Controller) newCQ(id uint16, base uint64, size uint32, ien bool, iv uint16) *complQueue {
	q := &complQueue{id: id, base: base, size: size, phase: 1, ien: ien, iv: iv}
	c.cqs[id] = q
	return q
}

func (c *Controller) newSQ(id uint16, base uint64, size uint32, cq *complQueue) *subQueue {
	q := &subQueue{id: id, base: base, size: size, cq: cq}
	cq.sqs++
	c.sqs[id] = q
	return q
}

// doorbell handles a write to the doorbell area: submission queue tails
// start fetches, completion queue heads free entries. A doorbell of a
// queue that does not exist, or a value the queue cannot hold, is reported
// through an asynchronous event and otherwise ignored.
func (c *Controller) doorbell(off uint64, v uint32) {
	if !c.ready() || off >= c.layout.doorbellEnd {
		if off >= c.layout.doorbellEnd && c.ready() {
			c.doorbellError(0xFFFF, eventInvalidDoorbell)
		}
		return
	}
	idx := (off - doorbellBase) / 4
	qid, isCQ := uint16(idx/2), idx%2 == 1
	if isCQ {
		q := c.cqs[qid]
		if q == nil {
			c.doorbellError(qid, eventInvalidDoorbell)
			return
		}
		if v >= q.size || !headValid(q, v) {
			c.doorbellError(qid, eventInvalidDoorbellValue)
			return
		}
		q.head = v
		c.drainBacklog(q)
		c.updateINTx()
		return
	}
	q := c.sqs[qid]
	if q == nil {
		c.doorbellError(qid, eventInvalidDoorbell)
		return
	}
	if v >= q.size {
		c.doorbellError(qid, eventInvalidDoorbellValue)
		return
	}
	q.tail = v
	c.scheduleFetch()
}

// headValid reports whether a new head only consumes entries the
// controller posted.
func headValid(q *complQueue, v uint32) bool {
	posted := (q.tail + q.size - q.head) % q.size
	consumed := (v + q.size - q.head) % q.size
	return consumed <= posted
}

func (c *Controller) scheduleFetch() {
	if c.fetchAlarm.Pending() {
		return
	}
	c.fetchAlarm = c.clock.After(0, c.fetchFn)
}

// fetch takes new entries from the submission queues, one per queue per
// round (round robin, admin queue first), and starts each command.
func (c *Controller) fetch() {
	for more := true; more && c.ready(); {
		more = false
		for _, sq := range c.sqs {
			if sq == nil || sq.head == sq.tail {
				continue
			}
			if !c.fetchOne(sq) {
				return
			}
			more = true
		}
	}
}

func (c *Controller) fetchOne(sq *subQueue) bool {
	addr := sq.base + uint64(sq.head)*sqEntrySize
	if !c.pci.DMARead(addr, c.sqe[:]) {
		c.fatal("cannot read a submission queue entry")
		return false
	}
	sq.head = (sq.head + 1) % sq.size
	cmd := c.newCommand(sq)
	cmd.raw = c.sqe
	c.observeCommand(cmd)
	if sq.id == 0 && cmd.opcode() == opAsyncEvent {
		c.asyncEventRequest(cmd)
		return true
	}
	sq.inflight = append(sq.inflight, cmd)
	cmd.alarm = c.clock.After(c.latency(cmd), cmd.fire)
	return true
}

func (c *Controller) newCommand(sq *subQueue) *command {
	var cmd *command
	if n := len(c.free); n > 0 {
		cmd, c.free = c.free[n-1], c.free[:n-1]
	} else {
		cmd = &command{c: c}
		cmd.fire = cmd.run
	}
	cmd.sq, cmd.alarm = sq, nil
	return cmd
}

func (c *Controller) recycle(cmd *command) {
	cmd.sq, cmd.alarm = nil, nil
	c.free = append(c.free, cmd)
}

// run executes the command when its latency has passed and posts its
// completion.
func (cmd *command) run() {
	c, sq := cmd.c, cmd.sq
	sq.dropInflight(cmd)
	if c.failed {
		// A failed controller touches neither media nor host memory.
		c.recycle(cmd)
		return
	}
	var st Status
	var dw0 uint32
	if sq.id == 0 {
		st, dw0 = c.adminCommand(cmd)
	} else {
		st, dw0 = c.ioCommand(cmd)
	}
	c.complete(sq, cmd.cid(), st, dw0)
	c.recycle(cmd)
}

func (sq *subQueue) dropInflight(cmd *command) {
	for i, x := range sq.inflight {
		if x == cmd {
			sq.inflight = append(sq.inflight[:i], sq.inflight[i+1:]...)
			return
		}
	}
}

// complete posts a completion for the command cid of sq.
func (c *Controller) complete(sq *subQueue, cid uint16, st Status, dw0 uint32) {
	if !st.OK() && st != AbortRequested && st != AbortedSQDeletion {
		c.logError(sq.id, cid, st)
	}
	c.post(sq.cq, cqe{dw0: dw0, sqhd: uint16(sq.head), sqid: sq.id, cid: cid, status: st})
}

// post writes a completion queue entry, or keeps it until the host frees
// room in a full queue.
func (c *Controller) post(q *complQueue, e cqe) {
	if c.failed || c.cqs[q.id] != q {
		return
	}
	if q.full() || len(q.backlog) > 0 {
		q.backlog = append(q.backlog, e)
		return
	}
	c.writeCQE(q, e)
}

func (c *Controller) writeCQE(q *complQueue, e cqe) {
	var b [cqEntrySize]byte
	binary.LittleEndian.PutUint32(b[0:], e.dw0)
	binary.LittleEndian.PutUint16(b[8:], e.sqhd)
	binary.LittleEndian.PutUint16(b[10:], e.sqid)
	binary.LittleEndian.PutUint16(b[12:], e.cid)
	binary.LittleEndian.PutUint16(b[14:], uint16(e.status)<<1|q.phase)
	if !c.pci.DMAWrite(q.base+uint64(q.tail)*cqEntrySize, b[:]) {
		c.fatal("cannot write a completion queue entry")
		return
	}
	c.observeCompletion(q, e)
	q.tail++
	if q.tail == q.size {
		q.tail = 0
		q.phase ^= 1
	}
	c.signal(q)
}

func (c *Controller) drainBacklog(q *complQueue) {
	n := 0
	for n < len(q.backlog) && !q.full() && !c.failed {
		c.writeCQE(q, q.backlog[n])
		n++
	}
	q.backlog = append(q.backlog[:0], q.backlog[n:]...)
}

// vectorState is interrupt coalescing's per-vector aggregation.
type vectorState struct {
	count int
	alarm *sim.Alarm
}

// signal raises the queue's interrupt: an MSI-X message (subject to
// coalescing on I/O queues), or the INTx level.
func (c *Controller) signal(q *complQueue) {
	if !q.ien {
		return
	}
	if !c.msix.Enabled() {
		c.updateINTx()
		return
	}
	iv := int(q.iv)
	if q.id == 0 || !c.coalescing(iv) {
		c.msix.Notify(iv)
		return
	}
	v := &c.vec[iv]
	v.count++
	if v.count > int(c.feat.coalesce&0xFF) {
		c.flushVector(iv)
		return
	}
	if !v.alarm.Pending() {
		delay := sim.Time(c.feat.coalesce>>8&0xFF) * 100 * sim.Microsecond
		v.alarm = c.clock.After(delay, func() { c.flushVector(iv) })
	}
}

func (c *Controller) coalescing(iv int) bool {
	return c.feat.coalesce>>8&0xFF != 0 && c.feat.coalesce&0xFF != 0 && !c.feat.vectorNoCoalesce(iv)
}

func (c *Controller) flushVector(iv int) {
	v := &c.vec[iv]
	c.clock.Cancel(v.alarm)
	if v.count > 0 {
		v.count = 0
		c.msix.Notify(iv)
	}
}

// updateINTx drives the pin from the completion queues: asserted while any
// queue with interrupts enabled holds entries the host has not consumed,
// unless its vector is masked in INTMS.
func (c *Controller) updateINTx() {
	level := false
	for _, q := range c.cqs {
		if q != nil && q.ien && q.pending() && c.intms&(1<<(q.iv%32)) == 0 {
			level = true
			break
		}
	}
	c.pci.SetINTx(level)
}

// latency is how long cmd takes from fetch to completion.
func (c *Controller) latency(cmd *command) sim.Time {
	l := &c.c.Latency
	if cmd.sq.id == 0 {
		return l.Admin
	}
	switch cmd.opcode() {
	case opRead, opCompare:
		return l.Read + c.transferTime(cmd)
	case opWrite:
		return l.Write + c.transferTime(cmd)
	case opFlush:
		return l.Flush
	}
	return l.Other
}

func (c *Controller) transferTime(cmd *command) sim.Time {
	if c.c.Latency.PerPage == 0 {
		return 0
	}
	ns := c.namespace(cmd.nsid())
	if ns == nil {
		return 0
	}
	bytes := (uint64(cmd.cdw(12)&0xFFFF) + 1) << ns.shift
	return sim.Time((bytes+pageSize-1)/pageSize) * c.c.Latency.PerPage
}
