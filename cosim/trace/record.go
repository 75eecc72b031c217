package trace

import (
	"encoding/binary"
	"errors"
	"fmt"

	"cosim/hw/sim"
)

// FormatVersion is the record layout version stored in byte 1 of every
// record but retire batches (BatchVersion).
const FormatVersion = 1

// BoardHart is the hart number stored for board events (sim.Event.Hart -1).
const BoardHart = 0xFFFF

// headerLen is the fixed part of a record: kind, version, hart, flags,
// cycle, instret.
const headerLen = 22

// Flag bits of a record's flags word. Bits 0..11 announce optional field
// groups, which follow the header in bit order; bits 12..14 carry no bytes and
// say what the source could not observe.
const (
	FlagTime   uint16 = 1 << 0  // u64 time in picoseconds
	FlagPC     uint16 = 1 << 1  // u64 pc, u32 insn, u8 insn length, u8 privilege
	FlagReg    uint16 = 1 << 2  // u8 register file, u8 register, u64 value
	FlagCSR    uint16 = 1 << 3  // u16 csr, u64 value after the write
	FlagMem    uint16 = 1 << 4  // u8 kind, u8 size, u64 address, u64 data
	FlagTrap   uint16 = 1 << 5  // u64 cause, u64 tval, u8 target privilege, u64 new pc
	FlagAddr   uint16 = 1 << 6  // u64 address (MMIO offset, sfence.vma vaddr)
	FlagValue  uint16 = 1 << 7  // u64 value (MMIO data, fence pred/succ, sfence.vma asid)
	FlagAccess uint16 = 1 << 8  // u8 size, u8 write (0 read, 1 write)
	FlagDevice uint16 = 1 << 9  // u16 length, device name bytes
	FlagData   uint16 = 1 << 10 // u32 length, payload bytes
	FlagText   uint16 = 1 << 11 // u32 length, UTF-8 text

	// FlagDelta: register and CSR writes were seen as changes of state
	// (QEMU log, GDB stepping), so a missing write may be a write of the
	// value the register already held.
	FlagDelta uint16 = 1 << 12
	// FlagPrivUnknown: the source did not know the privilege level.
	FlagPrivUnknown uint16 = 1 << 13
	// FlagNoMem: the source does not record memory effects.
	FlagNoMem uint16 = 1 << 14
)

// Record is one decoded event: the model's event plus the flags word that
// says which fields were recorded.
type Record struct {
	sim.Event
	Flags uint16
}

// Has reports whether every bit of f is set in r's flags.
func (r *Record) Has(f uint16) bool { return r.Flags&f == f }

// IsBoard reports whether r is a board event rather than a hart's.
func (r *Record) IsBoard() bool { return r.Hart < 0 }

// fieldFlags computes which optional groups an event carries.
func fieldFlags(e *sim.Event) uint16 {
	var f uint16
	if e.Time != 0 {
		f |= FlagTime
	}
	switch e.Kind {
	case sim.KindRetire:
		f |= FlagPC
		if e.RegKind != sim.RegNone {
			f |= FlagReg
		}
		if e.CSRWrit {
			f |= FlagCSR
		}
		if e.MemKind != sim.MemNone {
			f |= FlagMem
		}
	case sim.KindTrap, sim.KindInterrupt:
		f |= FlagPC | FlagTrap
	case sim.KindFence, sim.KindFenceI:
		if e.PC != 0 || e.Insn != 0 {
			f |= FlagPC
		}
		f |= FlagValue
	case sim.KindSfenceVMA:
		if e.PC != 0 || e.Insn != 0 {
			f |= FlagPC
		}
		if e.AddrValid {
			f |= FlagAddr
		}
		if e.ValueValid {
			f |= FlagValue
		}
	case sim.KindMMIO:
		f |= FlagAddr | FlagValue | FlagAccess
	}
	if e.Kind != sim.KindMMIO && e.Kind != sim.KindSfenceVMA {
		if e.Addr != 0 {
			f |= FlagAddr
		}
		if e.Value != 0 {
			f |= FlagValue
		}
		if e.Size != 0 || e.Write {
			f |= FlagAccess
		}
	}
	if e.Device != "" {
		f |= FlagDevice
	}
	if len(e.Data) > 0 {
		f |= FlagData
	}
	if e.Text != "" {
		f |= FlagText
	}
	return f
}

// EncodedLen returns the number of bytes AppendEvent appends for e.
func EncodedLen(e *sim.Event) int {
	return encodedLen(fieldFlags(e), e)
}

func encodedLen(f uint16, e *sim.Event) int {
	n := headerLen + int(fixedLen[f&fixedMask])
	if f&FlagDevice != 0 {
		n += 2 + len(e.Device)
	}
	if f&FlagData != 0 {
		n += 4 + len(e.Data)
	}
	if f&FlagText != 0 {
		n += 4 + len(e.Text)
	}
	return n
}

// groupSizes lists the fixed-size groups in the order they are laid out.
var groupSizes = [...]struct {
	flag uint16
	size int
}{
	{FlagTime, 8},
	{FlagPC, 14},
	{FlagReg, 10},
	{FlagCSR, 10},
	{FlagMem, 18},
	{FlagTrap, 25},
	{FlagAddr, 8},
	{FlagValue, 8},
	{FlagAccess, 2},
}

// fixedMask selects the flag bits of fixed-size groups.
const fixedMask = FlagAccess<<1 - 1

// fixedLen[f] is the total size of the fixed-size groups flags f announce,
// so sizing a record costs one load.
var fixedLen = func() (t [fixedMask + 1]uint8) {
	for f := range t {
		for _, g := range groupSizes {
			if uint16(f)&g.flag != 0 {
				t[f] += uint8(g.size)
			}
		}
	}
	return t
}()

// AppendEvent appends the record for e to buf, adding the no-payload flags
// in extra (FlagDelta, FlagPrivUnknown, FlagNoMem), and returns the result.
// It does not allocate when buf has room.
func AppendEvent(buf []byte, e *sim.Event, extra uint16) []byte {
	f := fieldFlags(e) | extra&(FlagDelta|FlagPrivUnknown|FlagNoMem)
	n := encodedLen(f, e)
	start := len(buf)
	if cap(buf)-start < n {
		nb := make([]byte, start, start+n+64)
		copy(nb, buf)
		buf = nb
	}
	buf = buf[:start+n]
	b := buf[start:]
	le := binary.LittleEndian
	b[0] = byte(e.Kind)
	b[1] = FormatVersion
	hart := uint16(BoardHart)
	if e.Hart >= 0 && e.Hart < BoardHart {
		hart = uint16(e.Hart)
	}
	le.PutUint16(b[2:], hart)
	le.PutUint16(b[4:], f)
	le.PutUint64(b[6:], e.Cycle)
	le.PutUint64(b[14:], e.Instret)
	p := headerLen
	if f&FlagTime != 0 {
		le.PutUint64(b[p:], uint64(e.Time))
		p += 8
	}
	if f&FlagPC != 0 {
		le.PutUint64(b[p:], e.PC)
		le.PutUint32(b[p+8:], e.Insn)
		b[p+12] = e.InsnLen
		b[p+13] = e.Priv
		p += 14
	}
	if f&FlagReg != 0 {
		b[p] = e.RegKind
		b[p+1] = e.Reg
		le.PutUint64(b[p+2:], e.RegVal)
		p += 10
	}
	if f&FlagCSR != 0 {
		le.PutUint16(b[p:], e.CSR)
		le.PutUint64(b[p+2:], e.CSRVal)
		p += 10
	}
	if f&FlagMem != 0 {
		b[p] = e.MemKind
		b[p+1] = e.MemSize
		le.PutUint64(b[p+2:], e.MemAddr)
		le.PutUint64(b[p+10:], e.MemData)
		p += 18
	}
	if f&FlagTrap != 0 {
		le.PutUint64(b[p:], e.Cause)
		le.PutUint64(b[p+8:], e.Tval)
		b[p+16] = e.TargetPriv
		le.PutUint64(b[p+17:], e.NewPC)
		p += 25
	}
	if f&FlagAddr != 0 {
		le.PutUint64(b[p:], e.Addr)
		p += 8
	}
	if f&FlagValue != 0 {
		le.PutUint64(b[p:], e.Value)
		p += 8
	}
	if f&FlagAccess != 0 {
		b[p] = e.Size
		b[p+1] = 0
		if e.Write {
			b[p+1] = 1
		}
		p += 2
	}
	if f&FlagDevice != 0 {
		le.PutUint16(b[p:], uint16(len(e.Device)))
		p += 2 + copy(b[p+2:], e.Device)
	}
	if f&FlagData != 0 {
		le.PutUint32(b[p:], uint32(len(e.Data)))
		p += 4 + copy(b[p+4:], e.Data)
	}
	if f&FlagText != 0 {
		le.PutUint32(b[p:], uint32(len(e.Text)))
		copy(b[p+4:], e.Text)
	}
	return buf
}

// AppendRecord appends r, keeping its no-payload flags.
func AppendRecord(buf []byte, r *Record) []byte {
	return AppendEvent(buf, &r.Event, r.Flags)
}

var errShort = errors.New("record truncated")

// DecodeRecord decodes one record from data into r. Data, Device and Text
// are copied, so r does not alias data.
func DecodeRecord(data []byte, r *Record) error {
	*r = Record{}
	if len(data) < headerLen {
		return fmt.Errorf("trace: record of %d bytes: %w", len(data), errShort)
	}
	if data[1] != FormatVersion {
		return fmt.Errorf("trace: record version %d, want %d", data[1], FormatVersion)
	}
	le := binary.LittleEndian
	e := &r.Event
	e.Kind = sim.Kind(data[0])
	if e.Kind < sim.KindRetire || e.Kind > sim.KindMeta {
		return fmt.Errorf("trace: unknown event kind %d", data[0])
	}
	hart := le.Uint16(data[2:])
	e.Hart = int32(hart)
	if hart == BoardHart {
		e.Hart = -1
	}
	f := le.Uint16(data[4:])
	r.Flags = f
	e.Cycle = le.Uint64(data[6:])
	e.Instret = le.Uint64(data[14:])
	p := headerLen
	if need := encodedLen(f&^(FlagDevice|FlagData|FlagText), e); len(data) < need {
		return fmt.Errorf("trace: %s record: %w", kindName(e.Kind), errShort)
	}
	if f&FlagTime != 0 {
		e.Time = sim.Time(le.Uint64(data[p:]))
		p += 8
	}
	if f&FlagPC != 0 {
		e.PC = le.Uint64(data[p:])
		e.Insn = le.Uint32(data[p+8:])
		e.InsnLen = data[p+12]
		e.Priv = data[p+13]
		p += 14
	}
	if f&FlagReg != 0 {
		e.RegKind = data[p]
		e.Reg = data[p+1]
		e.RegVal = le.Uint64(data[p+2:])
		p += 10
	}
	if f&FlagCSR != 0 {
		e.CSRWrit = true
		e.CSR = le.Uint16(data[p:])
		e.CSRVal = le.Uint64(data[p+2:])
		p += 10
	}
	if f&FlagMem != 0 {
		e.MemKind = data[p]
		e.MemSize = data[p+1]
		e.MemAddr = le.Uint64(data[p+2:])
		e.MemData = le.Uint64(data[p+10:])
		p += 18
	}
	if f&FlagTrap != 0 {
		e.Cause = le.Uint64(data[p:])
		e.Tval = le.Uint64(data[p+8:])
		e.TargetPriv = data[p+16]
		e.NewPC = le.Uint64(data[p+17:])
		p += 25
	}
	if f&FlagAddr != 0 {
		e.Addr = le.Uint64(data[p:])
		e.AddrValid = true
		p += 8
	}
	if f&FlagValue != 0 {
		e.Value = le.Uint64(data[p:])
		e.ValueValid = true
		p += 8
	}
	if f&FlagAccess != 0 {
		e.Size = data[p]
		e.Write = data[p+1] != 0
		p += 2
	}
	var err error
	if f&FlagDevice != 0 {
		var b []byte
		b, p, err = lengthPrefixed(data, p, 2)
		if err != nil {
			return fmt.Errorf("trace: device name: %w", err)
		}
		e.Device = string(b)
	}
	if f&FlagData != 0 {
		var b []byte
		b, p, err = lengthPrefixed(data, p, 4)
		if err != nil {
			return fmt.Errorf("trace: data: %w", err)
		}
		e.Data = append([]byte(nil), b...)
	}
	if f&FlagText != 0 {
		var b []byte
		b, _, err = lengthPrefixed(data, p, 4)
		if err != nil {
			return fmt.Errorf("trace: text: %w", err)
		}
		e.Text = string(b)
	}
	return nil
}

// lengthPrefixed reads a byte string preceded by a little-endian length of
// width 2 or 4 at data[p:].
func lengthPrefixed(data []byte, p, width int) ([]byte, int, error) {
	if len(data) < p+width {
		return nil, p, errShort
	}
	var n int
	if width == 2 {
		n = int(binary.LittleEndian.Uint16(data[p:]))
	} else {
		n = int(binary.LittleEndian.Uint32(data[p:]))
	}
	p += width
	if n > len(data)-p {
		return nil, p, errShort
	}
	return data[p : p+n], p + n, nil
}

// kindNames are the names used in text output, filters and the docs.
var kindNames = map[sim.Kind]string{
	sim.KindRetire:    "retire",
	sim.KindTrap:      "trap",
	sim.KindInterrupt: "interrupt",
	sim.KindFence:     "fence",
	sim.KindFenceI:    "fence.i",
	sim.KindSfenceVMA: "sfence.vma",
	sim.KindMMIO:      "mmio",
	sim.KindConsole:   "console",
	sim.KindDevice:    "device",
	sim.KindMeta:      "meta",
}

func kindName(k sim.Kind) string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind%d", k)
}

// KindName returns the name of an event kind as filters and listings spell it.
func KindName(k sim.Kind) string { return kindName(k) }
