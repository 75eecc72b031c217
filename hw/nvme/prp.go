package nvme

import "encoding/binary"

// segment is a piece of host memory a command transfers.
type segment struct {
	addr uint64
	n    uint64
}

// mapPRP turns a command's PRP entries into the host memory segments of a
// transfer of length bytes (NVMe 1.4, 4.3), checking every entry before any
// data moves:
//   - PRP1 may start anywhere in a page and covers the rest of it;
//   - if one more page is needed, PRP2 is that page and must have no offset;
//   - if more, PRP2 points to a list of entries (it may have an offset); an
//     entry must have no offset, and the last slot of a list page points to
//     the next list page when more than one page remains.
func (c *Controller) mapPRP(prp1, prp2, length uint64) ([]segment, Status) {
	segs := c.segs[:0]
	defer func() { c.segs = segs[:0] }()
	first := min(length, pageSize-prp1%pageSize)
	segs = append(segs, segment{prp1, first})
	rem := length - first
	if rem == 0 {
		return segs, Success
	}
	if rem <= pageSize {
		if prp2%pageSize != 0 {
			return nil, InvalidPRPOffset
		}
		return append(segs, segment{prp2, rem}), Success
	}
	if prp2%8 != 0 {
		return nil, InvalidPRPOffset
	}
	var page [pageSize]byte
	list := prp2
	for rem > 0 {
		slots := (pageSize - list%pageSize) / 8
		need := (rem + pageSize - 1) / pageSize
		chain := need > slots
		n := min(slots, need)
		if !c.pci.DMARead(list, page[:8*n]) {
			return nil, DataTransferError
		}
		for i := uint64(0); i < n; i++ {
			e := binary.LittleEndian.Uint64(page[8*i:])
			if e%pageSize != 0 {
				return nil, InvalidPRPOffset
			}
			if chain && i == n-1 {
				list = e
				break
			}
			k := min(rem, pageSize)
			segs = append(segs, segment{e, k})
			rem -= k
		}
	}
	return segs, Success
}

// transferOut copies data to the host memory the command's PRPs describe.
func (c *Controller) transferOut(cmd *command, data []byte) Status {
	segs, st := c.mapPRP(cmd.prp1(), cmd.prp2(), uint64(len(data)))
	if !st.OK() {
		return st
	}
	for _, s := range segs {
		if !c.pci.DMAWrite(s.addr, data[:s.n]) {
			return DataTransferError
		}
		data = data[s.n:]
	}
	return Success
}

// transferIn fills data from the host memory the command's PRPs describe.
func (c *Controller) transferIn(cmd *command, data []byte) Status {
	segs, st := c.mapPRP(cmd.prp1(), cmd.prp2(), uint64(len(data)))
	if !st.OK() {
		return st
	}
	for _, s := range segs {
		if !c.pci.DMARead(s.addr, data[:s.n]) {
			return DataTransferError
		}
		data = data[s.n:]
	}
	return Success
}

// scratch returns a buffer of n bytes, reused between commands.
func (c *Controller) scratch(n int) []byte {
	if cap(c.buf) < n {
		c.buf = make([]byte, n)
	}
	return c.buf[:n]
}

// mdtsBytes is the largest transfer a command may ask for.
func (c *Controller) mdtsBytes() uint64 { return pageSize << c.c.MDTS }
