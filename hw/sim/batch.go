package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// A retire batch codes consecutive retirements of one hart, each against
// the state the ones before it left: a hart retires hundreds of millions
// of instructions a second, and an observer that took them one Event at a
// time would cost many times the simulation. Capturing harts write the
// coding from inside their interpreter loop, and trace files store it as
// it is (docs/trace-format.md, "Retire batches"), so the layout is fixed:
//
//	tag:  low nibble, length of the jump; high nibble, length of the
//	      value (bytes, 0..8)
//	meta: bits 0-5, the register written (0: none, 1-31: x1-x31,
//	      32-63: f0-f31); bit 6, a memory access follows; bit 7, an
//	      extension byte follows
//	jump: zigzag(next pc - (pc + length)), little-endian: an event's pc
//	      is where the one before it went (the batch's start pc first)
//	[extension: u8 bits (ExtCSR, ExtFence), then their fields in that
//	      order]
//	instruction: 2 bytes, or 4 if the low two bits are 11
//	value: zigzag(the register's new value)
//	[memory: u8 kind<<6 | log2(size)<<4 | address delta length,
//	      zigzag(address - previous address), size bytes of data; kind 0
//	      is a load whose data is the value (cut to size), which the
//	      memory access then leaves out]
//
// Between events (and after the last) a mark may stand, which is no
// event: MarkTag, u8 bits (MarkStall, MarkPriv), then their fields in that
// order. It says the events after it start at a later cycle or in another
// privilege, as one does after a stall or a trap.
//
// Values are little-endian bytes with their length given beside them,
// not varints: the coder stores eight bytes and keeps as many as count,
// which costs no branch per byte. An instruction that goes on in sequence
// has no jump, so the coder of its event computes nothing about pcs, and
// a value is coded by itself, not against the register's last one, so the
// coder keeps no copy of the registers.
const (
	MetaMem = 1 << 6
	MetaExt = 1 << 7
)

// Extension bits: rare fields of an event, in this order.
const (
	ExtCSR   = 1 << 2 // u16 csr, u64 value after the write
	ExtFence = 1 << 3 // u8 fence kind | FenceAddrValid | FenceValValid, then u64 addr, u64 value if valid
)

// MarkTag starts a mark: no event's tag has a nibble above 8.
const MarkTag = 0xff

// Mark bits, in the order of their fields.
const (
	MarkStall = 1 << 0 // uvarint: cycle of the next event minus the one expected
	MarkPriv  = 1 << 1 // u8 privilege of the events from here
)

// Flags of the fence byte beside its kind (the low four bits).
const (
	FenceAddrValid = 1 << 6
	FenceValValid  = 1 << 7
)

// MaxBatchEvent bounds the bytes one event and the mark before it take in
// a batch, plus the eight bytes a store of a whole uint64 past the last
// field needs.
const MaxBatchEvent = (1 + 1 + 10 + 1) + 2 + 8 + (1 + 10 + 17) + 4 + 8 + (1 + 8 + 8) + 8

// A coder ends a batch once it holds MaxBatchBytes. A loop that codes
// events may code MaxBatchRun of them into a batch that is not Full
// without looking at its room, so a batch holds at most BatchBufLen
// bytes, below the 256 KiB packet Wireshark accepts.
const (
	MaxBatchBytes = 60 << 10
	MaxBatchRun   = 2048
	BatchBufLen   = MaxBatchBytes + MaxBatchRun*MaxBatchEvent
)

// BatchState is what coding an event against the ones before it needs;
// coder and decoder keep the same.
type BatchState struct {
	PC, Cycle, Instret uint64 // expected for the next event
	Priv               uint8
	Addr               uint64 // of the last memory access (0 at the start)
}

// RetireCoder codes one batch at a time.
type RetireCoder struct {
	// Buf[:P] is the coded events; Buf has BatchBufLen bytes.
	Buf    []byte
	P      int
	Last   int    // where the last event starts, for Retarget
	N      uint32 // events coded
	Fences uint32 // of them, events a fence event follows
	// Start is the state the batch begins in: the first event's pc and
	// instret, and its cycle and privilege unless a mark before it says
	// otherwise.
	Start BatchState
	State BatchState
}

// Begin starts an empty batch coded against pc, cycle, instret and priv.
func (c *RetireCoder) Begin(pc, cycle, instret uint64, priv uint8) {
	if len(c.Buf) != BatchBufLen {
		c.Buf = make([]byte, BatchBufLen)
	}
	c.P, c.Last, c.N, c.Fences = 0, 0, 0, 0
	c.State = BatchState{PC: pc, Cycle: cycle, Instret: instret, Priv: priv}
	c.Start = c.State
}

// Full reports whether the batch should end before another event.
func (c *RetireCoder) Full() bool { return c.P >= MaxBatchBytes }

// Codable reports whether r can be coded in a batch.
func Codable(r *Retired) bool {
	return (r.InsnLen == 4) == (r.Insn&3 == 3) && (r.InsnLen == 4 || r.InsnLen == 2 && r.Insn>>16 == 0) &&
		(r.RegKind == RegNone || (r.RegKind == RegX || r.RegKind == RegF) && r.Reg < 32) &&
		(r.MemKind == MemNone || r.MemKind <= MemAMO && r.MemSize != 0 && r.MemSize <= 8 && r.MemSize&(r.MemSize-1) == 0) &&
		(r.Fence == 0 || r.Fence == KindFence || r.Fence == KindFenceI || r.Fence == KindSfenceVMA)
}

// Continues reports whether r, with retired-instruction count instret,
// can follow the batch's events: it is the next retirement, not earlier
// than the last, and the batch is not full.
func (c *RetireCoder) Continues(r *Retired, instret uint64) bool {
	return instret == c.State.Instret && r.Cycle >= c.State.Cycle && !c.Full()
}

// ByteLen is the number of bytes v needs (0 for 0).
func ByteLen(v uint64) int { return (bits.Len64(v) + 7) >> 3 }

// Zigzag maps a two's-complement difference to an unsigned one that is
// small when the difference is small either way.
func Zigzag(d uint64) uint64 { return d<<1 ^ uint64(int64(d)>>63) }

func unzigzag(u uint64) uint64 { return u>>1 ^ -(u & 1) }

// SizeMask keeps the low n bytes of a value (all of them from 8 on).
func SizeMask(n uint8) uint64 {
	if n >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*n) - 1
}

// Log2Size codes an access size of 1, 2, 4 or 8 bytes in two bits.
var Log2Size = [16]uint8{1: 0, 2: 1, 4: 2, 8: 3}

// metaReg is the meta byte's register number for a destination register.
func metaReg(kind, reg uint8) uint8 { return reg | kind>>1<<5 } // x: reg; f: 32+reg; none: 0

// Add appends r (Codable, Continues) to the batch.
func (c *RetireCoder) Add(r *Retired) {
	if r.PC != c.State.PC {
		c.Retarget(r.PC)
	}
	if r.Cycle != c.State.Cycle || r.Priv != c.State.Priv {
		c.Mark(r.Cycle, r.Priv)
	}
	s := &c.State
	buf := c.Buf[:BatchBufLen]
	le := binary.LittleEndian
	at := c.P
	p := at + 2
	reg := metaReg(r.RegKind, r.Reg)
	if r.RegKind == RegNone {
		reg = 0
	}
	meta := reg
	if r.CSRWrit || r.Fence != 0 {
		meta |= MetaExt
		p = c.ext(r, p)
	}
	le.PutUint32(buf[p:], r.Insn)
	p += int(r.InsnLen)
	v := Zigzag(r.RegVal)
	if reg == 0 {
		v = 0
	}
	nv := ByteLen(v)
	le.PutUint64(buf[p:], v)
	p += nv
	if r.MemKind != MemNone {
		meta |= MetaMem
		d := Zigzag(r.MemAddr - s.Addr)
		n := ByteLen(d)
		kind := r.MemKind
		if kind == MemLoad && reg != 0 && r.MemData == r.RegVal&SizeMask(r.MemSize) {
			kind = 0
		}
		buf[p] = kind<<6 | Log2Size[r.MemSize&15]<<4 | byte(n)
		le.PutUint64(buf[p+1:], d)
		p += 1 + n
		if kind != 0 {
			le.PutUint64(buf[p:], r.MemData)
			p += int(r.MemSize)
		}
		s.Addr = r.MemAddr
	}
	buf[at] = byte(nv) << 4
	buf[at+1] = meta
	c.Last = at
	c.P = p
	c.N++
	s.PC = r.PC + uint64(r.InsnLen)
	s.Cycle = r.Cycle + 1
	s.Instret++
}

// Mark says the events from here start at cycle (not earlier than the
// state's) in privilege priv.
func (c *RetireCoder) Mark(cycle uint64, priv uint8) {
	s := &c.State
	buf := c.Buf
	p := c.P + 2
	var x byte
	if d := cycle - s.Cycle; d != 0 {
		x |= MarkStall
		if d < 0x80 { // a cache miss's stall
			buf[p] = byte(d)
			p++
		} else {
			p += binary.PutUvarint(buf[p:], d)
		}
		s.Cycle = cycle
	}
	if priv != s.Priv {
		x |= MarkPriv
		buf[p] = priv
		p++
		s.Priv = priv
	}
	buf[c.P], buf[c.P+1] = MarkTag, x
	c.P = p
}

// Retarget says the event after the last goes on at pc, not where the
// last went: it rewrites the last event's jump, or the batch's start pc if
// it has no event yet.
func (c *RetireCoder) Retarget(pc uint64) {
	if c.N == 0 {
		c.Start.PC, c.State.PC = pc, pc
		return
	}
	buf := c.Buf
	at := c.Last
	n := int(buf[at] & 15)
	j := Zigzag(unzigzag(getLE(buf[at+2:at+2+n])) + pc - c.State.PC)
	m := ByteLen(j)
	copy(buf[at+2+m:], buf[at+2+n:c.P])
	for i := 0; i < m; i++ {
		buf[at+2+i] = byte(j >> (8 * i))
	}
	buf[at] = buf[at]&0xf0 | byte(m)
	c.P += m - n
	c.State.PC = pc
}

// ext writes r's extension byte and fields at p.
func (c *RetireCoder) ext(r *Retired, p int) int {
	buf := c.Buf
	le := binary.LittleEndian
	at := p
	p++
	var x byte
	if r.CSRWrit {
		x |= ExtCSR
		le.PutUint16(buf[p:], r.CSR)
		le.PutUint64(buf[p+2:], r.CSRVal)
		p += 10
	}
	if r.Fence != 0 {
		c.Fences++
		x |= ExtFence
		f := byte(r.Fence)
		if r.FenceAddrValid {
			f |= FenceAddrValid
		}
		if r.FenceValValid {
			f |= FenceValValid
		}
		buf[p] = f
		p++
		if r.FenceAddrValid {
			le.PutUint64(buf[p:], r.FenceAddr)
			p += 8
		}
		if r.FenceValValid {
			le.PutUint64(buf[p:], r.FenceVal)
			p += 8
		}
	}
	buf[at] = x
	return p
}

var errBatchShort = errors.New("batch ends inside an event")

// DecodeRetirements decodes n events coded against start from body,
// calling fn with each and its retired-instruction count. The Retired
// passed to fn is reused between calls.
func DecodeRetirements(body []byte, n uint32, start BatchState, fn func(r *Retired, instret uint64) error) error {
	s := start
	d := batchDecoder{data: body}
	var r Retired
	for i := uint32(0); i < n; i++ {
		instret := s.Instret
		if err := d.event(&s, &r); err != nil {
			return fmt.Errorf("retire batch event %d: %w", i, err)
		}
		if err := fn(&r, instret); err != nil {
			return err
		}
	}
	if err := d.marks(&s); err != nil {
		return fmt.Errorf("retire batch after event %d: %w", n, err)
	}
	if d.p != len(body) {
		return fmt.Errorf("retire batch: %d bytes after %d events", len(body)-d.p, n)
	}
	return nil
}

type batchDecoder struct {
	data []byte
	p    int
	err  bool
}

func (d *batchDecoder) byte() byte {
	if d.p >= len(d.data) {
		d.err = true
		return 0
	}
	d.p++
	return d.data[d.p-1]
}

func (d *batchDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.data[min(d.p, len(d.data)):])
	if n <= 0 {
		d.err = true
		return 0
	}
	d.p += n
	return v
}

// bytes reads an n-byte little-endian value.
func (d *batchDecoder) bytes(n int) uint64 {
	if n > len(d.data)-d.p {
		d.err = true
		return 0
	}
	v := getLE(d.data[d.p : d.p+n])
	d.p += n
	return v
}

// getLE reads the little-endian value of b's bytes.
func getLE(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// marks reads the marks at the decoder's position into s.
func (d *batchDecoder) marks(s *BatchState) error {
	for d.p < len(d.data) && d.data[d.p] == MarkTag {
		d.p++
		x := d.byte()
		if x&^(MarkStall|MarkPriv) != 0 {
			return fmt.Errorf("unknown mark bits %#x", x)
		}
		if x&MarkStall != 0 {
			s.Cycle += d.uvarint()
		}
		if x&MarkPriv != 0 {
			s.Priv = d.byte()
		}
		if d.err {
			return errBatchShort
		}
	}
	return nil
}

func (d *batchDecoder) event(s *BatchState, r *Retired) error {
	*r = Retired{}
	if err := d.marks(s); err != nil {
		return err
	}
	tag, meta := d.byte(), d.byte()
	nj, nv := int(tag&15), int(tag>>4)
	if nj > 8 || nv > 8 {
		return fmt.Errorf("jump and value lengths %d and %d", nj, nv)
	}
	r.PC, r.Cycle = s.PC, s.Cycle
	jump := unzigzag(d.bytes(nj))
	if meta&MetaExt != 0 {
		if err := d.ext(r); err != nil {
			return err
		}
	}
	r.Priv = s.Priv
	r.Insn = uint32(d.bytes(2))
	r.InsnLen = 2
	if r.Insn&3 == 3 {
		r.Insn |= uint32(d.bytes(2)) << 16
		r.InsnLen = 4
	}
	reg := meta & 63
	v := unzigzag(d.bytes(nv))
	if reg != 0 {
		r.RegKind, r.Reg, r.RegVal = RegX, reg, v
		if reg >= 32 {
			r.RegKind, r.Reg = RegF, reg-32
		}
	} else if nv != 0 {
		return errors.New("value without a register")
	}
	if meta&MetaMem != 0 {
		m := d.byte()
		n := int(m & 15)
		if n > 8 {
			return fmt.Errorf("address delta of %d bytes", n)
		}
		r.MemKind, r.MemSize = m>>6, 1<<(m>>4&3)
		s.Addr += unzigzag(d.bytes(n))
		r.MemAddr = s.Addr
		if r.MemKind == MemNone { // a load of the value
			if reg == 0 {
				return errors.New("a load of the value without a register")
			}
			r.MemKind, r.MemData = MemLoad, r.RegVal&SizeMask(r.MemSize)
		} else {
			r.MemData = d.bytes(int(r.MemSize))
		}
	}
	if d.err {
		return errBatchShort
	}
	s.PC = r.PC + uint64(r.InsnLen) + jump
	s.Cycle = r.Cycle + 1
	s.Instret++
	return nil
}

// ext reads an extension byte and its fields into r.
func (d *batchDecoder) ext(r *Retired) error {
	x := d.byte()
	if x&^(ExtCSR|ExtFence) != 0 {
		return fmt.Errorf("unknown extension bits %#x", x)
	}
	if x&ExtCSR != 0 {
		r.CSRWrit = true
		r.CSR = uint16(d.bytes(2))
		r.CSRVal = d.bytes(8)
	}
	if x&ExtFence != 0 {
		f := d.byte()
		r.Fence = Kind(f & 15)
		if r.Fence != KindFence && r.Fence != KindFenceI && r.Fence != KindSfenceVMA {
			return fmt.Errorf("fence of kind %d", r.Fence)
		}
		if f&^(15|FenceAddrValid|FenceValValid) != 0 {
			return fmt.Errorf("unknown fence bits %#x", f)
		}
		if f&FenceAddrValid != 0 {
			r.FenceAddrValid, r.FenceAddr = true, d.bytes(8)
		}
		if f&FenceValValid != 0 {
			r.FenceValValid, r.FenceVal = true, d.bytes(8)
		}
	}
	return nil
}
