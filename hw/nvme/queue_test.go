package nvme

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/pcie"
	"cosim/hw/sim"
)

func TestQueueManagementStatuses(t *testing.T) {
	r, _ := up(t, Config{})
	p := r.page(1)
	createCQ := func(qid uint16, size uint32, iv uint16, dw11 uint32) Status {
		return r.admin1(cmdOf(opCreateCQ).prp(p, 0).dw(10, (size-1)<<16|uint32(qid)).dw(11, uint32(iv)<<16|dw11)).status
	}
	createSQ := func(qid uint16, size uint32, cqid uint16, dw11 uint32) Status {
		return r.admin1(cmdOf(opCreateSQ).prp(p, 0).dw(10, (size-1)<<16|uint32(qid)).dw(11, uint32(cqid)<<16|dw11)).status
	}
	require.Equal(t, InvalidQueueID, createCQ(0, 4, 0, 1))
	require.Equal(t, InvalidQueueID, createCQ(1, 4, 0, 1), "exists")
	require.Equal(t, InvalidQueueID, createCQ(65, 4, 0, 1))
	require.Equal(t, InvalidQueueSize, createCQ(4, 1, 0, 1))
	require.Equal(t, InvalidQueueSize, createCQ(4, 2049, 0, 1))
	require.Equal(t, InvalidInterruptVector, createCQ(4, 4, 65, 1))
	require.Equal(t, InvalidField, createCQ(4, 4, 0, 0), "not physically contiguous")
	require.Equal(t, CompletionQueueInvalid, createSQ(4, 4, 9, 1))
	require.Equal(t, CompletionQueueInvalid, createSQ(4, 4, 0, 1), "the admin CQ")
	require.Equal(t, InvalidQueueID, createSQ(65, 4, 1, 1))
	require.Equal(t, InvalidQueueID, createSQ(1, 4, 1, 1), "exists")
	require.Equal(t, InvalidQueueSize, createSQ(4, 1, 1, 1))
	require.Equal(t, InvalidField, createSQ(4, 4, 1, 0))

	del := func(op uint8, qid uint32) Status { return r.admin1(cmdOf(op).dw(10, qid)).status }
	require.Equal(t, InvalidQueueID, del(opDeleteSQ, 9))
	require.Equal(t, InvalidQueueID, del(opDeleteSQ, 0))
	require.Equal(t, InvalidQueueID, del(opDeleteCQ, 9))
	require.Equal(t, InvalidQueueID, del(opDeleteCQ, 0))
	st := del(opDeleteCQ, 1)
	require.Equal(t, InvalidQueueDeletion, st)
	require.False(t, st.DNR())
	require.Equal(t, Success, del(opDeleteSQ, 1))
	require.Equal(t, Success, del(opDeleteCQ, 1))
	require.Equal(t, InvalidQueueID, del(opDeleteCQ, 1))
}

func TestSeveralSubmissionQueuesShareACompletionQueue(t *testing.T) {
	r, q1 := up(t, Config{})
	cq := &queue{cqid: 2, cq: r.page(1), cqSize: 8, phase: 1}
	require.Equal(t, Success, r.admin1(cmdOf(opCreateCQ).prp(cq.cq, 0).dw(10, 7<<16|2).dw(11, 3)).status)
	var sqs []*queue
	for qid := uint16(2); qid <= 4; qid++ {
		sq := &queue{sqid: qid, sq: r.page(1), sqSize: 4, sharedCQ: cq}
		require.Equal(t, Success, r.admin1(cmdOf(opCreateSQ).prp(sq.sq, 0).dw(10, 3<<16|uint32(qid)).dw(11, 2<<16|1)).status)
		sqs = append(sqs, sq)
	}
	buf := r.page(1)
	for _, sq := range sqs {
		r.submit(sq, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1))
	}
	r.submit(q1, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1))
	r.run()
	var got []uint16
	for {
		c, ok := r.take(cq, true)
		if !ok {
			break
		}
		require.Equal(t, Success, c.status)
		require.Equal(t, uint16(1), c.sqhd, "each SQ's head after its one command")
		got = append(got, c.sqid)
	}
	require.Equal(t, []uint16{2, 3, 4}, got)
	c, ok := r.take(q1, true)
	require.True(t, ok)
	require.Equal(t, uint16(1), c.sqid)
	require.Equal(t, InvalidQueueDeletion, r.admin1(cmdOf(opDeleteCQ).dw(10, 2)).status)
}

func TestPhaseTagsWrapAndFullQueueWaits(t *testing.T) {
	r := newRig(t, Config{})
	r.enable(8)
	q := r.ioPair(1, 4, 0) // three usable completion slots
	buf := r.page(1)
	for i := 0; i < 10; i++ {
		c := r.do(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(uint64(i), 1))
		require.Equal(t, Success, c.status)
	}
	require.Equal(t, uint32(2), q.head)
	require.Equal(t, uint16(1), q.phase, "wrapped twice")

	// Fill the SQ without consuming: the CQ holds three, the fourth waits.
	for i := 0; i < 3; i++ {
		r.submit(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1))
	}
	r.run()
	var cids []uint16
	for i := 0; i < 3; i++ {
		c, ok := r.take(q, false)
		require.True(t, ok)
		cids = append(cids, c.cid)
	}
	_, ok := r.take(q, false)
	require.False(t, ok, "no fourth entry while the queue is full")
	r.w32(doorbellBase+12, q.head) // free the slots
	c, ok := r.take(q, true)
	require.False(t, ok, "only three were submitted")
	_ = c
	require.Len(t, cids, 3)
}

func TestBacklogDrainsWhenHostConsumes(t *testing.T) {
	r := newRig(t, Config{})
	r.enable(8)
	q := &queue{sqid: 1, cqid: 1, sq: r.page(1), cq: r.page(1), sqSize: 16, cqSize: 2, phase: 1}
	require.Equal(t, Success, r.admin1(cmdOf(opCreateCQ).prp(q.cq, 0).dw(10, 1<<16|1).dw(11, 3)).status)
	require.Equal(t, Success, r.admin1(cmdOf(opCreateSQ).prp(q.sq, 0).dw(10, 15<<16|1).dw(11, 1<<16|1)).status)
	buf := r.page(1)
	var sent []uint16
	for i := 0; i < 5; i++ {
		sent = append(sent, r.submit(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1)))
	}
	r.run()
	var got []uint16
	for len(got) < 5 {
		c, ok := r.take(q, true)
		require.True(t, ok, "completion %d", len(got))
		got = append(got, c.cid)
	}
	require.Equal(t, sent, got, "one slot at a time, in order")
}

func TestINTxFollowsUnconsumedCompletions(t *testing.T) {
	r, q := up(t, Config{})
	buf := r.page(1)
	require.False(t, r.irq[33])
	r.submit(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1))
	r.run()
	require.True(t, r.irq[33], "slot 1 INTA is PLIC 33")
	require.NotZero(t, r.cfgRead(pcie.RegStatus, 2)&pcie.StatusINTx)
	_, ok := r.take(q, true)
	require.True(t, ok)
	require.False(t, r.irq[33], "head doorbell consumed the entry")

	r.w32(regINTMS, 1)
	require.Equal(t, uint32(1), r.r32(regINTMS))
	r.submit(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1))
	r.run()
	require.False(t, r.irq[33], "vector 0 masked")
	r.w32(regINTMC, 1)
	require.True(t, r.irq[33])
	require.Zero(t, r.r32(regINTMC))
	r.cfgWrite(pcie.RegCommand, 2, pcie.CmdMemory|pcie.CmdBusMaster|pcie.CmdINTxDisable)
	require.False(t, r.irq[33], "Interrupt Disable")
	r.cfgWrite(pcie.RegCommand, 2, pcie.CmdMemory|pcie.CmdBusMaster)
	r.take(q, true)
	require.False(t, r.irq[33])

	noIRQ := &queue{sqid: 2, cqid: 2, sq: r.page(1), cq: r.page(1), sqSize: 4, cqSize: 4, phase: 1}
	require.Equal(t, Success, r.admin1(cmdOf(opCreateCQ).prp(noIRQ.cq, 0).dw(10, 3<<16|2).dw(11, 1)).status)
	require.Equal(t, Success, r.admin1(cmdOf(opCreateSQ).prp(noIRQ.sq, 0).dw(10, 3<<16|2).dw(11, 2<<16|1)).status)
	r.submit(noIRQ, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1))
	r.run()
	require.False(t, r.irq[33], "interrupts disabled on that CQ")
	_, ok = r.take(noIRQ, true)
	require.True(t, ok)
}

func msixEntry(r *rig, v int, addr uint64, data uint32, masked bool) {
	base := uint64(0x2000 + 16*v)
	r.w64(base, addr)
	r.w32(base+8, data)
	ctrl := uint32(0)
	if masked {
		ctrl = 1
	}
	r.w32(base+12, ctrl)
}

func TestMSIXMessagesAndMasking(t *testing.T) {
	r, _ := up(t, Config{})
	mbox := r.page(1)
	msixEntry(r, 1, mbox, 0xC05E0001, false)
	r.cfgWrite(0x42, 2, 0x8000)
	cq := r.ioPair(2, 8, 1)
	buf := r.page(1)
	r.submit(cq, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1))
	r.run()
	require.Equal(t, uint32(0xC05E0001), binary.LittleEndian.Uint32(r.mem(mbox, 4)))
	require.False(t, r.irq[33], "no INTx with MSI-X")
	r.take(cq, true)

	binary.LittleEndian.PutUint32(r.mem(mbox, 4), 0)
	r.w32(0x2000+16+12, 1)
	r.submit(cq, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1))
	r.run()
	require.Zero(t, binary.LittleEndian.Uint32(r.mem(mbox, 4)))
	require.Equal(t, uint64(2), r.r64(0x3000)&2, "pending")
	r.w32(0x2000+16+12, 0)
	require.Equal(t, uint32(0xC05E0001), binary.LittleEndian.Uint32(r.mem(mbox, 4)))
	require.Zero(t, r.r64(0x3000)&2)
	r.w32(regINTMS, 1)
	require.Zero(t, r.r32(regINTMS), "INTMS is not for MSI-X")
}

func TestInterruptCoalescing(t *testing.T) {
	r, _ := up(t, Config{})
	mbox := r.page(1)
	msixEntry(r, 1, mbox, 1, false)
	r.cfgWrite(0x42, 2, 0x8000)
	q := r.ioPair(2, 16, 1)
	// Aggregate 3 entries (0-based 2) or 200 µs.
	require.Equal(t, Success, r.admin1(cmdOf(opSetFeature).dw(10, featCoalescing).dw(11, 2<<8|2)).status)
	count := func() uint32 { return binary.LittleEndian.Uint32(r.mem(mbox, 4)) }
	send := func() {
		binary.LittleEndian.PutUint32(r.mem(mbox, 4), 0)
		r.submit(q, cmdOf(opRead).nsid(1).prp(r.page(1), 0).lba(0, 1))
		r.clock.AdvanceTo(r.clock.Now())
	}
	send()
	send()
	require.Zero(t, count(), "two entries: still aggregating")
	send()
	require.Equal(t, uint32(1), count(), "the third triggers")
	send()
	require.Zero(t, count())
	r.clock.AdvanceTo(r.clock.Now() + 200*sim.Microsecond)
	require.Equal(t, uint32(1), count(), "aggregation time")

	require.Equal(t, Success, r.admin1(cmdOf(opSetFeature).dw(10, featVectorConfig).dw(11, 1<<16|1)).status)
	send()
	require.Equal(t, uint32(1), count(), "coalescing disabled on vector 1")
	c := r.admin1(cmdOf(opGetFeature).dw(10, featVectorConfig).dw(11, 1))
	require.Equal(t, uint32(1<<16|1), c.dw0)
	require.Equal(t, InvalidField, r.admin1(cmdOf(opSetFeature).dw(10, featVectorConfig).dw(11, 65)).status)
}

func TestAbort(t *testing.T) {
	r, q := up(t, Config{Latency: Latency{Read: 100 * sim.Microsecond}})
	buf := r.page(1)
	cid := r.submit(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1))
	r.clock.AdvanceTo(r.clock.Now()) // fetched, not yet done
	c := r.admin1(cmdOf(opAbort).dw(10, uint32(cid)<<16|1))
	require.Equal(t, Success, c.status)
	require.Zero(t, c.dw0, "aborted")
	io, ok := r.take(q, true)
	require.True(t, ok)
	require.Equal(t, cid, io.cid)
	require.Equal(t, AbortRequested, io.status)

	c = r.admin1(cmdOf(opAbort).dw(10, 0x7777<<16|1))
	require.Equal(t, uint32(1), c.dw0, "not found")
	c = r.admin1(cmdOf(opAbort).dw(10, 0x7777<<16|9))
	require.Equal(t, InvalidField, c.status, "no such SQ")

	aer := r.submit(r.admin, cmdOf(opAsyncEvent))
	abort := r.submit(r.admin, cmdOf(opAbort).dw(10, uint32(aer)<<16))
	r.run()
	c, ok = r.take(r.admin, true)
	require.True(t, ok)
	require.Equal(t, aer, c.cid, "the AER completes first, aborted")
	require.Equal(t, AbortRequested, c.status)
	c, ok = r.take(r.admin, true)
	require.True(t, ok)
	require.Equal(t, abort, c.cid)
	require.Zero(t, c.dw0)
}

func TestDeleteSQAbortsCommandsInFlight(t *testing.T) {
	r, q := up(t, Config{Latency: Latency{Read: sim.Millisecond}})
	buf := r.page(1)
	cid := r.submit(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 1))
	r.clock.AdvanceTo(r.clock.Now())
	c := r.admin1(cmdOf(opDeleteSQ).dw(10, 1))
	require.Equal(t, Success, c.status)
	io, ok := r.take(q, true)
	require.True(t, ok)
	require.Equal(t, cid, io.cid)
	require.Equal(t, AbortedSQDeletion, io.status)
	_, ok = r.take(q, true)
	require.False(t, ok, "nothing completes later")
}

func TestAsyncEvents(t *testing.T) {
	r, q := up(t, Config{})
	aer := r.submit(r.admin, cmdOf(opAsyncEvent))
	r.run()
	_, ok := r.take(r.admin, true)
	require.False(t, ok, "waits for an event")

	r.w32(doorbellBase+10*8, 1) // SQ 10 does not exist
	c, ok := r.take(r.admin, true)
	require.True(t, ok)
	require.Equal(t, aer, c.cid)
	require.Equal(t, uint32(0x00010000), c.dw0, "error, invalid doorbell register, error log")

	aer = r.submit(r.admin, cmdOf(opAsyncEvent))
	r.run()
	r.w32(doorbellBase+8, 100) // beyond SQ 1's size
	_, ok = r.take(r.admin, true)
	require.False(t, ok, "error events masked until the error log is read")
	log := r.page(1)
	require.Equal(t, Success, r.admin1(cmdOf(opGetLogPage).prp(log, 0).dw(10, 15<<16|1<<15|logError)).status)
	_, ok = r.take(r.admin, true)
	require.False(t, ok, "RAE keeps the mask")
	get := r.submit(r.admin, cmdOf(opGetLogPage).prp(log, 0).dw(10, 15<<16|logError))
	r.run()
	c, ok = r.take(r.admin, true)
	require.True(t, ok)
	require.Equal(t, aer, c.cid, "unmasked while the log is read: the event comes first")
	require.Equal(t, uint32(0x00010100), c.dw0, "invalid doorbell value")
	c, ok = r.take(r.admin, true)
	require.True(t, ok)
	require.Equal(t, get, c.cid)
	require.Equal(t, uint16(1), binary.LittleEndian.Uint16(r.mem(log+8, 2)), "error log names SQ 1")

	// The queue kept working.
	require.Equal(t, Success, r.do(q, cmdOf(opFlush).nsid(1)).status)

	// SMART temperature: only once the host enabled the event.
	aer = r.submit(r.admin, cmdOf(opAsyncEvent))
	r.run()
	require.Equal(t, Success, r.admin1(cmdOf(opSetFeature).dw(10, featTemperature).dw(11, 0x100)).status)
	set := r.submit(r.admin, cmdOf(opSetFeature).dw(10, featAsyncConfig).dw(11, aecTemperature))
	r.run()
	c, ok = r.take(r.admin, true)
	require.True(t, ok)
	require.Equal(t, aer, c.cid, "the event is posted before the command that raised it completes")
	require.Equal(t, uint32(0x00020101), c.dw0)
	c, ok = r.take(r.admin, true)
	require.True(t, ok)
	require.Equal(t, set, c.cid)
	require.Equal(t, Success, r.admin1(cmdOf(opGetLogPage).nsid(0xFFFFFFFF).prp(log, 0).dw(10, 127<<16|logSMART)).status)
	require.Equal(t, byte(critWarnTemp), r.mem(log, 1)[0])

	for i := 0; i < 4; i++ {
		r.submit(r.admin, cmdOf(opAsyncEvent))
	}
	c = r.admin1(cmdOf(opAsyncEvent))
	require.Equal(t, AERLimitExceeded, c.status, "AERL is 3: four outstanding at most")
}

func TestControllerResetDeletesQueues(t *testing.T) {
	r, q := up(t, Config{})
	require.Equal(t, Success, r.admin1(cmdOf(opSetFeature).dw(10, featWriteCache).dw(11, 0)).status)
	r.submit(r.admin, cmdOf(opAsyncEvent))
	r.w32(regCC, 0)
	require.Zero(t, r.r32(regCSTS)&cstsRDY)
	r.enable(32)
	require.Equal(t, InvalidQueueID, r.admin1(cmdOf(opDeleteSQ).dw(10, 1)).status)
	r.w32(doorbellBase+8, 1)
	c, ok := r.take(r.admin, true)
	require.False(t, ok, "the old AER is gone: no event completion (%+v)", c)
	require.Equal(t, uint32(1), r.admin1(cmdOf(opGetFeature).dw(10, featWriteCache)).dw0, "features back to defaults")
	q2 := r.ioPair(1, 4, 0)
	require.Equal(t, Success, r.do(q2, cmdOf(opFlush).nsid(1)).status)
	_ = q
}

func TestFatalWhenQueueMemoryIsUnusable(t *testing.T) {
	r := newRig(t, Config{})
	r.w32(regAQA, 0x00030003)
	r.w64(regASQ, 0x1000_0000) // not RAM
	r.w64(regACQ, r.page(1))
	r.w32(regCC, 4<<20|6<<16|1)
	r.w32(doorbellBase, 1)
	r.run()
	require.Equal(t, uint32(cstsRDY|cstsCFS), r.r32(regCSTS))
	r.w32(regCC, 0)
	require.Zero(t, r.r32(regCSTS))

	r2, q := up(t, Config{})
	r2.cfgWrite(pcie.RegCommand, 2, pcie.CmdMemory) // bus mastering off
	r2.submit(q, cmdOf(opFlush).nsid(1))
	r2.run()
	require.NotZero(t, r2.r32(regCSTS)&cstsCFS, "no DMA: the entry cannot be fetched")
}

func TestFunctionLevelResetClearsEverything(t *testing.T) {
	r, _ := up(t, Config{})
	r.cfgWrite(0x80+pcie.PCIeDevCtl, 2, r.cfgRead(0x80+pcie.PCIeDevCtl, 2)|1<<15)
	require.Zero(t, r.cfgRead(pcie.RegCommand, 2))
	r.cfgWrite(pcie.RegBAR0, 4, barBase)
	r.cfgWrite(pcie.RegCommand, 2, pcie.CmdMemory|pcie.CmdBusMaster)
	require.Zero(t, r.r32(regCC))
	require.Zero(t, r.r32(regAQA))
	require.Zero(t, r.r64(regASQ))
	require.Zero(t, r.r32(regCSTS))
	r.enable(8)
}

type recorder struct{ events []string }

func (o *recorder) Observe(e *sim.Event) { o.events = append(o.events, e.Device+": "+e.Text) }

func TestObserverSeesCommandsAndCompletions(t *testing.T) {
	r, q := up(t, Config{Name: "nvme0"})
	o := &recorder{}
	r.ctrl.Obs = o
	buf := r.page(1)
	r.do(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(5, 2))
	r.do(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(2048, 1))
	require.Equal(t, []string{
		"nvme0: cmd sq=1 cid=0x0003 read nsid=1 slba=5 nlb=2",
		"nvme0: cpl cq=1 sq=1 cid=0x0003 status=0x000 (success) dw0=0x0",
		"nvme0: cmd sq=1 cid=0x0004 read nsid=1 slba=2048 nlb=1",
		"nvme0: cpl cq=1 sq=1 cid=0x0004 status=0x4080 (LBA out of range) dw0=0x0",
	}, o.events)
}
