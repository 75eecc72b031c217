package nvme

import "encoding/binary"

// NVM command set opcodes.
const (
	opFlush       = 0x00
	opWrite       = 0x01
	opRead        = 0x02
	opCompare     = 0x05
	opWriteZeroes = 0x08
	opDSM         = 0x09
)

// Command fields of the NVM command set.
const (
	rwFUA        = 1 << 30
	dsmDealloc   = 1 << 2
	dsmRangeSize = 16
)

// ioOpcodes lists the supported I/O commands and whether they change
// logical block content (for the Commands Supported and Effects log).
var ioOpcodes = []struct {
	op   uint8
	lbcc bool
}{
	{opFlush, false}, {opWrite, true}, {opRead, false}, {opCompare, false}, {opWriteZeroes, true}, {opDSM, true},
}

type ioHandler func(c *Controller, cmd *command, ns *namespace) (Status, uint32)

var ioHandlers [256]ioHandler

func init() {
	ioHandlers[opFlush] = (*Controller).flushCmd
	ioHandlers[opWrite] = (*Controller).write
	ioHandlers[opRead] = (*Controller).read
	ioHandlers[opCompare] = (*Controller).compare
	ioHandlers[opWriteZeroes] = (*Controller).writeZeroes
	ioHandlers[opDSM] = (*Controller).datasetManagement
}

// ioCommand checks what every I/O command shares, in QEMU's order (the
// namespace before the opcode), and runs it.
func (c *Controller) ioCommand(cmd *command) (Status, uint32) {
	if cmd.fuse() != 0 || cmd.psdt() != 0 {
		return InvalidField, 0 // no fused operations; PRPs only
	}
	nsid := cmd.nsid()
	if cmd.opcode() == opFlush && nsid == broadcastNSID {
		return c.flushAll(), 0
	}
	if nsid == 0 || nsid > c.c.MaxNamespaces {
		return InvalidNamespace, 0
	}
	ns := c.namespace(nsid)
	if ns == nil {
		return InvalidField, 0 // a valid but inactive namespace
	}
	h := ioHandlers[cmd.opcode()]
	if h == nil {
		return InvalidOpcode, 0
	}
	return h(c, cmd, ns)
}

// blockRange returns the byte offset and length of the command's logical
// blocks (SLBA in CDW10-11, 0-based NLB in CDW12), checking the transfer
// size against MDTS when the command moves data.
func (c *Controller) blockRange(cmd *command, ns *namespace, moves bool) (off, n int64, st Status) {
	slba := uint64(cmd.cdw(11))<<32 | uint64(cmd.cdw(10))
	nlb := uint64(cmd.cdw(12)&0xFFFF) + 1
	bytes := nlb << ns.shift
	if moves && bytes > c.mdtsBytes() {
		return 0, 0, InvalidField
	}
	if slba >= ns.blocks || nlb > ns.blocks-slba {
		return 0, 0, LBAOutOfRange
	}
	return int64(slba << ns.shift), int64(bytes), Success
}

func (c *Controller) dma(segs []segment, data []byte, toHost bool) Status {
	for _, s := range segs {
		ok := false
		if toHost {
			ok = c.pci.DMAWrite(s.addr, data[:s.n])
		} else {
			ok = c.pci.DMARead(s.addr, data[:s.n])
		}
		if !ok {
			return DataTransferError
		}
		data = data[s.n:]
	}
	return Success
}

func (c *Controller) read(cmd *command, ns *namespace) (Status, uint32) {
	off, n, st := c.blockRange(cmd, ns, true)
	if !st.OK() {
		return st, 0
	}
	segs, st := c.mapPRP(cmd.prp1(), cmd.prp2(), uint64(n))
	if !st.OK() {
		return st, 0
	}
	buf := c.scratch(int(n))
	if err := ns.img.ReadAt(buf, off); err != nil {
		ns.stats.mediaErrors++
		c.observeText("read: " + err.Error())
		return UnrecoveredReadError, 0
	}
	if st := c.dma(segs, buf, true); !st.OK() {
		return st, 0
	}
	ns.stats.readCmds++
	ns.stats.bytesRead += uint64(n)
	return Success, 0
}

func (c *Controller) write(cmd *command, ns *namespace) (Status, uint32) {
	off, n, st := c.blockRange(cmd, ns, true)
	if !st.OK() {
		return st, 0
	}
	if ns.readOnly {
		return NamespaceWriteProtect, 0
	}
	segs, st := c.mapPRP(cmd.prp1(), cmd.prp2(), uint64(n))
	if !st.OK() {
		return st, 0
	}
	buf := c.scratch(int(n))
	if st := c.dma(segs, buf, false); !st.OK() {
		return st, 0
	}
	if err := ns.img.WriteAt(buf, off); err != nil {
		ns.stats.mediaErrors++
		c.observeText("write: " + err.Error())
		return WriteFault, 0
	}
	ns.stats.writeCmds++
	ns.stats.bytesWritten += uint64(n)
	return c.durable(ns, cmd.cdw(12)&rwFUA != 0), 0
}

// durable makes a completed write durable when the write cache is off or
// the command asked for Force Unit Access; with the cache on, Flush does.
func (c *Controller) durable(ns *namespace, fua bool) Status {
	if c.feat.writeCache && !fua {
		return Success
	}
	if err := ns.img.Flush(); err != nil {
		ns.stats.mediaErrors++
		c.observeText("flush: " + err.Error())
		return WriteFault
	}
	return Success
}

func (c *Controller) compare(cmd *command, ns *namespace) (Status, uint32) {
	off, n, st := c.blockRange(cmd, ns, true)
	if !st.OK() {
		return st, 0
	}
	segs, st := c.mapPRP(cmd.prp1(), cmd.prp2(), uint64(n))
	if !st.OK() {
		return st, 0
	}
	buf := c.scratch(int(2 * n))
	host, media := buf[:n], buf[n:]
	if st := c.dma(segs, host, false); !st.OK() {
		return st, 0
	}
	if err := ns.img.ReadAt(media, off); err != nil {
		ns.stats.mediaErrors++
		return UnrecoveredReadError, 0
	}
	if string(host) != string(media) {
		return CompareFailure, 0
	}
	ns.stats.readCmds++
	ns.stats.bytesRead += uint64(n)
	return Success, 0
}

func (c *Controller) flushCmd(_ *command, ns *namespace) (Status, uint32) {
	if err := ns.img.Flush(); err != nil {
		ns.stats.mediaErrors++
		c.observeText("flush: " + err.Error())
		return WriteFault, 0
	}
	return Success, 0
}

// flushAll flushes every namespace (Flush with NSID FFFFFFFFh, and turning
// the write cache off).
func (c *Controller) flushAll() Status {
	for _, ns := range c.ns {
		if st, _ := c.flushCmd(nil, ns); !st.OK() {
			return st
		}
	}
	return Success
}

func (c *Controller) writeZeroes(cmd *command, ns *namespace) (Status, uint32) {
	off, n, st := c.blockRange(cmd, ns, false)
	if !st.OK() {
		return st, 0
	}
	if ns.readOnly {
		return NamespaceWriteProtect, 0
	}
	if err := ns.img.WriteZeroes(off, n); err != nil {
		ns.stats.mediaErrors++
		c.observeText("write zeroes: " + err.Error())
		return WriteFault, 0
	}
	return c.durable(ns, cmd.cdw(12)&rwFUA != 0), 0
}

// datasetManagement reads the ranges and checks them. Deallocation is
// advisory (NVMe 1.4, 6.7): blocks are not deallocated, so they keep
// reading what was written, which DLFEAT allows for blocks that were not
// deallocated.
func (c *Controller) datasetManagement(cmd *command, ns *namespace) (Status, uint32) {
	nr := int(cmd.cdw(10)&0xFF) + 1
	data := c.scratch(nr * dsmRangeSize)
	if st := c.transferIn(cmd, data); !st.OK() {
		return st, 0
	}
	if cmd.cdw(11)&dsmDealloc == 0 {
		return Success, 0
	}
	for i := 0; i < nr; i++ {
		r := data[i*dsmRangeSize:]
		nlb := uint64(binary.LittleEndian.Uint32(r[4:]))
		slba := binary.LittleEndian.Uint64(r[8:])
		if nlb != 0 && (slba >= ns.blocks || nlb > ns.blocks-slba) {
			return LBAOutOfRange, 0
		}
	}
	return Success, 0
}
