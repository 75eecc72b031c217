package nvme

// Admin command opcodes.
const (
	opDeleteSQ   = 0x00
	opCreateSQ   = 0x01
	opGetLogPage = 0x02
	opDeleteCQ   = 0x04
	opCreateCQ   = 0x05
	opIdentify   = 0x06
	opAbort      = 0x08
	opSetFeature = 0x09
	opGetFeature = 0x0A
	opAsyncEvent = 0x0C
)

type handler func(c *Controller, cmd *command) (Status, uint32)

// adminOpcodes lists the supported admin commands (and the Commands
// Supported and Effects log reports them).
var adminOpcodes = []uint8{
	opDeleteSQ, opCreateSQ, opGetLogPage, opDeleteCQ, opCreateCQ, opIdentify,
	opAbort, opSetFeature, opGetFeature, opAsyncEvent,
}

var adminHandlers [256]handler

func init() {
	adminHandlers[opDeleteSQ] = (*Controller).deleteSQ
	adminHandlers[opCreateSQ] = (*Controller).createSQ
	adminHandlers[opGetLogPage] = (*Controller).getLogPage
	adminHandlers[opDeleteCQ] = (*Controller).deleteCQ
	adminHandlers[opCreateCQ] = (*Controller).createCQ
	adminHandlers[opIdentify] = (*Controller).identify
	adminHandlers[opAbort] = (*Controller).abort
	adminHandlers[opSetFeature] = (*Controller).setFeatures
	adminHandlers[opGetFeature] = (*Controller).getFeatures
}

// adminCommand runs an admin command (Asynchronous Event Requests never
// get here: they wait for events).
func (c *Controller) adminCommand(cmd *command) (Status, uint32) {
	h := adminHandlers[cmd.opcode()]
	if h == nil {
		return InvalidOpcode, 0
	}
	if cmd.fuse() != 0 || cmd.psdt() != 0 {
		return InvalidField, 0 // no fused operations; PRPs only
	}
	return h(c, cmd)
}

// queueArgs are the fields Create I/O SQ/CQ share (CDW10, CDW11, PRP1).
type queueArgs struct {
	qid        uint16
	size       uint32 // entries
	contiguous bool
	high       uint16 // CDW11[31:16]: CQID of an SQ, IV of a CQ
	flags      uint32 // CDW11[15:0]
	base       uint64
}

func args(cmd *command) queueArgs {
	dw10, dw11 := cmd.cdw(10), cmd.cdw(11)
	return queueArgs{
		qid: uint16(dw10), size: dw10>>16 + 1, contiguous: dw11&1 != 0,
		high: uint16(dw11 >> 16), flags: dw11 & 0xFFFF, base: cmd.prp1(),
	}
}

func (c *Controller) ioQueueIDValid(qid uint16) bool {
	return qid != 0 && int(qid) <= c.c.MaxIOQueuePairs
}

func (c *Controller) queueSizeValid(size uint32) bool {
	return size >= 2 && size <= uint32(c.c.MQES)+1
}

// createCQ checks, in QEMU's order: queue ID, size, vector, contiguity.
func (c *Controller) createCQ(cmd *command) (Status, uint32) {
	a := args(cmd)
	switch {
	case !c.ioQueueIDValid(a.qid) || c.cqs[a.qid] != nil:
		return InvalidQueueID, 0
	case !c.queueSizeValid(a.size):
		return InvalidQueueSize, 0
	case a.base%pageSize != 0:
		return InvalidPRPOffset, 0
	case int(a.high) >= c.c.MSIXVectors:
		return InvalidInterruptVector, 0
	case !a.contiguous:
		return InvalidField, 0
	}
	c.newCQ(a.qid, a.base, a.size, a.flags&2 != 0, a.high)
	c.queuesCreated = true
	return Success, 0
}

// createSQ checks, in QEMU's order: completion queue, queue ID, size,
// contiguity.
func (c *Controller) createSQ(cmd *command) (Status, uint32) {
	a := args(cmd)
	switch {
	case a.high == 0 || int(a.high) >= len(c.cqs) || c.cqs[a.high] == nil:
		return CompletionQueueInvalid, 0
	case !c.ioQueueIDValid(a.qid) || c.sqs[a.qid] != nil:
		return InvalidQueueID, 0
	case !c.queueSizeValid(a.size):
		return InvalidQueueSize, 0
	case a.base%pageSize != 0:
		return InvalidPRPOffset, 0
	case !a.contiguous:
		return InvalidField, 0
	}
	c.newSQ(a.qid, a.base, a.size, c.cqs[a.high])
	c.queuesCreated = true
	return Success, 0
}

// deleteSQ completes the queue's outstanding commands as aborted, then
// removes it.
func (c *Controller) deleteSQ(cmd *command) (Status, uint32) {
	qid := uint16(cmd.cdw(10))
	if !c.ioQueueIDValid(qid) || c.sqs[qid] == nil {
		return InvalidQueueID, 0
	}
	sq := c.sqs[qid]
	for _, x := range sq.inflight {
		c.clock.Cancel(x.alarm)
		c.complete(sq, x.cid(), AbortedSQDeletion, 0)
		c.recycle(x)
	}
	sq.inflight = nil
	sq.cq.sqs--
	c.sqs[qid] = nil
	return Success, 0
}

// deleteCQ removes a completion queue no submission queue uses any more.
func (c *Controller) deleteCQ(cmd *command) (Status, uint32) {
	qid := uint16(cmd.cdw(10))
	if !c.ioQueueIDValid(qid) || c.cqs[qid] == nil {
		return InvalidQueueID, 0
	}
	if c.cqs[qid].sqs > 0 {
		return InvalidQueueDeletion, 0
	}
	c.cqs[qid] = nil
	c.updateINTx()
	return Success, 0
}

// abort completes a command still waiting in the controller with Command
// Abort Requested; DW0 bit 0 says whether it was found (0) or not (1).
func (c *Controller) abort(cmd *command) (Status, uint32) {
	dw10 := cmd.cdw(10)
	sqid, cid := uint16(dw10), uint16(dw10>>16)
	if int(sqid) >= len(c.sqs) || c.sqs[sqid] == nil {
		return InvalidField, 0
	}
	aborts := 0
	for _, x := range c.sqs[0].inflight {
		if x.opcode() == opAbort {
			aborts++
		}
	}
	if aborts > abortLimit {
		return AbortLimitExceeded, 0
	}
	sq := c.sqs[sqid]
	for _, x := range sq.inflight {
		if x.cid() == cid && x != cmd {
			sq.dropInflight(x)
			c.clock.Cancel(x.alarm)
			c.complete(sq, cid, AbortRequested, 0)
			c.recycle(x)
			return Success, 0
		}
	}
	if sqid == 0 {
		for i, x := range c.aers {
			if x.cid() == cid {
				c.aers = append(c.aers[:i], c.aers[i+1:]...)
				c.complete(sq, cid, AbortRequested, 0)
				c.recycle(x)
				return Success, 0
			}
		}
	}
	return Success, 1
}
