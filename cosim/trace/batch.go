package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"cosim/hw/sim"
)

// A retire batch record holds consecutive retirements of one hart, each
// coded against the one before it: a run records one per instruction, and
// a record per event (~90 bytes) would make writing the trace cost more
// than simulating. Readers expand a batch into the records a retire event
// each would have given (docs/trace-format.md, "Retire batches").

// KindRetireBatch is the kind byte of a retire batch record. It lies
// outside sim.Kind's range: a batch is a container, not an event.
const KindRetireBatch = 0x80

// batchHeaderLen: the record header (kind, version, hart, flags, cycle and
// instret of the first event), then u32 count, u64 clock Hz, u64 first pc,
// u8 first privilege.
const batchHeaderLen = headerLen + 4 + 8 + 8 + 1

// An event in a batch is coded against the state the events before it
// left (batchState): two bytes say what follows, then the fields.
//
//	tag:  low nibble, length of the pc delta; high nibble, length of the
//	      register value delta (bytes, 0..8)
//	meta: bits 0-5, the register written (0: none, 1-31: x1-x31,
//	      32-63: f0-f31); bit 6, a memory access follows; bit 7, an
//	      extension byte follows
//	pc delta: zigzag(pc - (previous pc + previous length)), little-endian
//	[extension: u8 bits (extStall, extPriv, extCSR), then their fields]
//	instruction: 2 bytes, or 4 if the low two bits are 11
//	register delta: zigzag(value - the register's previous value)
//	[memory: u8 kind<<6 | log2(size)<<4 | address delta length,
//	      zigzag(address - previous address), size bytes of data]
//
// Values are little-endian bytes with their length given beside them,
// not varints: the coder stores eight bytes and keeps as many as count,
// which costs no branch per byte, and an event in sequence with no memory
// access costs no branch at all.
const (
	metaMem = 1 << 6
	metaExt = 1 << 7
)

// Extension bits: rare fields, in this order.
const (
	extStall = 1 << 0 // uvarint: cycle minus (previous cycle + 1)
	extPriv  = 1 << 1 // u8 privilege
	extCSR   = 1 << 2 // u16 csr, u64 value after the write
)

// maxBatchBytes bounds a batch record well below the 256 KiB packet size
// Wireshark accepts.
const maxBatchBytes = 60 << 10

// batchState is what coding an event against the ones before it needs;
// encoder and decoder keep the same.
type batchState struct {
	pc, cycle, instret uint64 // expected for the next event
	priv               uint8
	regs               [64]uint64 // x0..x31, f0..f31
	addr               uint64
}

// batchable reports whether r can be coded in a batch.
func batchable(r *sim.Retired) bool {
	return (r.InsnLen == 4) == (r.Insn&3 == 3) && (r.InsnLen == 4 || r.InsnLen == 2 && r.Insn>>16 == 0) &&
		(r.RegKind == sim.RegNone || (r.RegKind == sim.RegX || r.RegKind == sim.RegF) && r.Reg < 32) &&
		(r.MemKind == sim.MemNone || r.MemKind <= sim.MemAMO && r.MemSize != 0 && r.MemSize <= 8 && r.MemSize&(r.MemSize-1) == 0)
}

// maxBatchEvent bounds the bytes one event takes in a batch, plus the
// slack an eight-byte store past the last field needs.
const maxBatchEvent = 1 + 10 + 10 + 1 + 1 + 2 + 8 + 4 + 1 + 8 + 1 + 8 + 8 + 8

// batchWriter builds one batch record at a time for a Writer.
type batchWriter struct {
	buf   []byte // len batchBufLen; the record is buf[:p]
	p     int
	n     uint32
	hart  int32
	ts    uint64 // packet timestamp, ns
	state batchState
}

const batchBufLen = maxBatchBytes + maxBatchEvent

func (b *batchWriter) open() bool { return b.n != 0 }

// begin starts a batch of hart's retirements with r, the one with
// retired-instruction count instret, as its first event.
func (b *batchWriter) begin(r *sim.Retired, hart int32, instret, hz uint64) {
	if len(b.buf) != batchBufLen {
		b.buf = make([]byte, batchBufLen)
	}
	h := b.buf
	le := binary.LittleEndian
	h[0] = KindRetireBatch
	h[1] = FormatVersion
	le.PutUint16(h[2:], uint16(hart))
	le.PutUint16(h[4:], 0)
	le.PutUint64(h[6:], r.Cycle)
	le.PutUint64(h[14:], instret)
	le.PutUint64(h[26:], hz)
	le.PutUint64(h[34:], r.PC)
	h[42] = r.Priv
	b.p, b.hart, b.n = batchHeaderLen, hart, 0
	b.ts = 0
	if hz != 0 {
		b.ts = uint64(sim.FromTicks(r.Cycle, hz) / sim.Nanosecond)
	}
	b.state = batchState{pc: r.PC, cycle: r.Cycle, instret: instret, priv: r.Priv}
}

// fits reports whether r, with retired-instruction count instret,
// continues the open batch.
func (b *batchWriter) fits(r *sim.Retired, instret uint64) bool {
	return instret == b.state.instret && r.Cycle >= b.state.cycle && b.p < maxBatchBytes
}

// byteLen is the number of bytes v needs (0 for 0).
func byteLen(v uint64) int { return (bits.Len64(v) + 7) >> 3 }

// log2Size codes an access size of 1, 2, 4 or 8 bytes in two bits.
var log2Size = [9]uint8{1: 0, 2: 1, 4: 2, 8: 3}

// add appends r (batchable, fitting) to the open batch.
func (b *batchWriter) add(r *sim.Retired) {
	s := &b.state
	buf := b.buf[:batchBufLen]
	le := binary.LittleEndian
	at := b.p
	dpc := zigzag(r.PC - s.pc)
	npc := byteLen(dpc)
	le.PutUint64(buf[at+2:], dpc)
	p := at + 2 + npc
	reg := r.Reg | r.RegKind>>1<<5 // x: Reg; f: 32+Reg; none: Reg is 0
	meta := reg
	if r.Cycle != s.cycle || r.Priv != s.priv || r.CSRWrit {
		meta |= metaExt
		p = b.ext(r, p)
	}
	le.PutUint32(buf[p:], r.Insn)
	p += int(r.InsnLen)
	dv := zigzag(r.RegVal - s.regs[reg])
	nv := byteLen(dv)
	le.PutUint64(buf[p:], dv)
	p += nv
	s.regs[reg] = r.RegVal
	if r.MemKind != sim.MemNone {
		meta |= metaMem
		d := zigzag(r.MemAddr - s.addr)
		n := byteLen(d)
		buf[p] = r.MemKind<<6 | log2Size[r.MemSize&15]<<4 | byte(n)
		le.PutUint64(buf[p+1:], d)
		p += 1 + n
		le.PutUint64(buf[p:], r.MemData)
		p += int(r.MemSize)
		s.addr = r.MemAddr
	}
	buf[at] = byte(npc) | byte(nv)<<4
	buf[at+1] = meta
	b.p = p
	b.n++
	s.pc = r.PC + uint64(r.InsnLen)
	s.cycle = r.Cycle + 1
	s.instret++
}

// ext writes r's extension byte and fields at p.
func (b *batchWriter) ext(r *sim.Retired, p int) int {
	s := &b.state
	buf := b.buf
	at := p
	p++
	var x byte
	if r.Cycle != s.cycle {
		x |= extStall
		p = putUvarint(buf, p, r.Cycle-s.cycle)
	}
	if r.Priv != s.priv {
		x |= extPriv
		buf[p] = r.Priv
		p++
		s.priv = r.Priv
	}
	if r.CSRWrit {
		x |= extCSR
		binary.LittleEndian.PutUint16(buf[p:], r.CSR)
		binary.LittleEndian.PutUint64(buf[p+2:], r.CSRVal)
		p += 10
	}
	buf[at] = x
	return p
}

// putUvarint writes v at buf[p:] as a uvarint and returns the position
// after it. buf has room (maxBatchEvent per event).
func putUvarint(buf []byte, p int, v uint64) int {
	for v >= 0x80 {
		buf[p] = byte(v) | 0x80
		v >>= 7
		p++
	}
	buf[p] = byte(v)
	return p + 1
}

// finish completes the open batch's header and returns the record.
func (b *batchWriter) finish() []byte {
	binary.LittleEndian.PutUint32(b.buf[headerLen:], b.n)
	b.n = 0
	return b.buf[:b.p]
}

// zigzag maps a two's-complement difference to an unsigned one that is
// small when the difference is small either way.
func zigzag(d uint64) uint64 { return d<<1 ^ uint64(int64(d)>>63) }

func unzigzag(u uint64) uint64 { return u>>1 ^ -(u & 1) }

// DecodeBatch decodes a retire batch record, calling fn with each event in
// order. The record passed to fn is reused between calls.
func DecodeBatch(data []byte, fn func(*Record) error) error {
	if len(data) < batchHeaderLen {
		return fmt.Errorf("trace: retire batch of %d bytes: %w", len(data), errShort)
	}
	if data[0] != KindRetireBatch {
		return fmt.Errorf("trace: record kind %d is not a retire batch", data[0])
	}
	if data[1] != FormatVersion {
		return fmt.Errorf("trace: record version %d, want %d", data[1], FormatVersion)
	}
	le := binary.LittleEndian
	hart := int32(le.Uint16(data[2:]))
	count := le.Uint32(data[headerLen:])
	hz := le.Uint64(data[26:])
	var s batchState
	s.pc, s.cycle, s.instret, s.priv = le.Uint64(data[34:]), le.Uint64(data[6:]), le.Uint64(data[14:]), data[42]
	d := batchDecoder{data: data, p: batchHeaderLen}
	var rec Record
	for i := uint32(0); i < count; i++ {
		if err := d.event(&s, &rec, hart, hz); err != nil {
			return fmt.Errorf("trace: retire batch event %d: %w", i, err)
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
	if d.p != len(data) {
		return fmt.Errorf("trace: retire batch: %d bytes after %d events", len(data)-d.p, count)
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
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(d.data[d.p+i])
	}
	d.p += n
	return v
}

func (d *batchDecoder) event(s *batchState, r *Record, hart int32, hz uint64) error {
	*r = Record{Flags: FlagPC}
	e := &r.Event
	e.Kind, e.Hart = sim.KindRetire, hart
	tag, meta := d.byte(), d.byte()
	npc, nv := int(tag&15), int(tag>>4)
	if npc > 8 || nv > 8 {
		return fmt.Errorf("delta lengths %d and %d", npc, nv)
	}
	e.PC, e.Cycle, e.Instret = s.pc+unzigzag(d.bytes(npc)), s.cycle, s.instret
	if meta&metaExt != 0 {
		x := d.byte()
		if x&^(extStall|extPriv|extCSR) != 0 {
			return fmt.Errorf("unknown extension bits %#x", x)
		}
		if x&extStall != 0 {
			e.Cycle += d.uvarint()
		}
		if x&extPriv != 0 {
			s.priv = d.byte()
		}
		if x&extCSR != 0 {
			e.CSRWrit = true
			e.CSR = uint16(d.bytes(2))
			e.CSRVal = d.bytes(8)
			r.Flags |= FlagCSR
		}
	}
	e.Priv = s.priv
	e.Insn = uint32(d.bytes(2))
	e.InsnLen = 2
	if e.Insn&3 == 3 {
		e.Insn |= uint32(d.bytes(2)) << 16
		e.InsnLen = 4
	}
	reg := meta & 63
	s.regs[reg] += unzigzag(d.bytes(nv))
	if reg != 0 {
		e.RegKind, e.Reg, e.RegVal = sim.RegX, reg, s.regs[reg]
		if reg >= 32 {
			e.RegKind, e.Reg = sim.RegF, reg-32
		}
		r.Flags |= FlagReg
	} else if nv != 0 {
		return errors.New("value delta without a register")
	}
	if meta&metaMem != 0 {
		m := d.byte()
		n := int(m & 15)
		if n > 8 {
			return fmt.Errorf("address delta of %d bytes", n)
		}
		e.MemKind, e.MemSize = m>>6, 1<<(m>>4&3)
		if e.MemKind == sim.MemNone {
			return errors.New("memory access of no kind")
		}
		s.addr += unzigzag(d.bytes(n))
		e.MemAddr = s.addr
		e.MemData = d.bytes(int(e.MemSize))
		r.Flags |= FlagMem
	}
	if d.err {
		return errShort
	}
	if hz != 0 {
		e.Time = sim.FromTicks(e.Cycle, hz)
		if e.Time != 0 {
			r.Flags |= FlagTime
		}
	}
	s.pc = e.PC + uint64(e.InsnLen)
	s.cycle = e.Cycle + 1
	s.instret++
	return nil
}
