package nvme

import (
	"fmt"

	"cosim/hw/sim"
)

var adminNames = map[uint8]string{
	opDeleteSQ: "delete-sq", opCreateSQ: "create-sq", opGetLogPage: "get-log-page",
	opDeleteCQ: "delete-cq", opCreateCQ: "create-cq", opIdentify: "identify", opAbort: "abort",
	opSetFeature: "set-features", opGetFeature: "get-features", opAsyncEvent: "async-event-request",
}

var ioNames = map[uint8]string{
	opFlush: "flush", opWrite: "write", opRead: "read", opCompare: "compare",
	opWriteZeroes: "write-zeroes", opDSM: "dataset-management",
}

func opName(admin bool, op uint8) string {
	names := ioNames
	if admin {
		names = adminNames
	}
	if n, ok := names[op]; ok {
		return n
	}
	return fmt.Sprintf("opcode-%#02x", op)
}

// observeCommand reports a fetched command: Addr is the submission queue,
// Value the opcode, Data the 64-byte entry.
func (c *Controller) observeCommand(cmd *command) {
	if c.Obs == nil {
		return
	}
	admin := cmd.sq.id == 0
	text := fmt.Sprintf("cmd sq=%d cid=%#04x %s nsid=%d", cmd.sq.id, cmd.cid(), opName(admin, cmd.opcode()), cmd.nsid())
	if !admin {
		switch cmd.opcode() {
		case opRead, opWrite, opCompare, opWriteZeroes:
			slba := uint64(cmd.cdw(11))<<32 | uint64(cmd.cdw(10))
			text += fmt.Sprintf(" slba=%d nlb=%d", slba, cmd.cdw(12)&0xFFFF+1)
		}
	} else {
		text += fmt.Sprintf(" cdw10=%#x cdw11=%#x", cmd.cdw(10), cmd.cdw(11))
	}
	c.Obs.Observe(&sim.Event{
		Kind: sim.KindDevice, Hart: -1, Time: c.clock.Now(), Device: c.c.Name,
		Addr: uint64(cmd.sq.id), AddrValid: true, Value: uint64(cmd.opcode()), ValueValid: true,
		Data: cmd.raw[:], Text: text,
	})
}

// observeCompletion reports a posted completion: Addr is the completion
// queue, Value the status field (phase tag excluded), Data the entry.
func (c *Controller) observeCompletion(q *complQueue, e cqe) {
	if c.Obs == nil {
		return
	}
	c.Obs.Observe(&sim.Event{
		Kind: sim.KindDevice, Hart: -1, Time: c.clock.Now(), Device: c.c.Name,
		Addr: uint64(q.id), AddrValid: true, Value: uint64(e.status), ValueValid: true, Write: true,
		Text: fmt.Sprintf("cpl cq=%d sq=%d cid=%#04x status=%#03x (%s) dw0=%#x", q.id, e.sqid, e.cid, uint16(e.status), e.status, e.dw0),
	})
}

func (c *Controller) observeText(text string) {
	if c.Obs == nil {
		return
	}
	c.Obs.Observe(&sim.Event{Kind: sim.KindDevice, Hart: -1, Time: c.clock.Now(), Device: c.c.Name, Text: text})
}
