package firmware

import (
	"debug/elf"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// progHeader is one PT_LOAD segment of a hand-made ELF.
type progHeader struct {
	paddr uint64
	data  []byte
	memsz uint64
}

// makeELF writes a minimal RV64 executable: header, program headers, then
// each segment's bytes (a segment without bytes points at the file's end,
// as linkers place an all-.bss segment).
func makeELF(entry uint64, segs []progHeader) []byte {
	const ehsize, phsize = 64, 56
	le := binary.LittleEndian
	b := make([]byte, ehsize+phsize*len(segs))
	copy(b, elf.ELFMAG)
	b[elf.EI_CLASS], b[elf.EI_DATA], b[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	le.PutUint16(b[16:], uint16(elf.ET_EXEC))
	le.PutUint16(b[18:], uint16(elf.EM_RISCV))
	le.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(b[24:], entry)
	le.PutUint64(b[32:], ehsize) // e_phoff
	le.PutUint16(b[52:], ehsize)
	le.PutUint16(b[54:], phsize)
	le.PutUint16(b[56:], uint16(len(segs)))
	le.PutUint16(b[58:], 64) // e_shentsize, no sections
	off := uint64(len(b))
	for _, s := range segs {
		off += uint64(len(s.data))
	}
	dataOff := uint64(len(b))
	for i, s := range segs {
		ph := b[ehsize+phsize*i:]
		le.PutUint32(ph[0:], uint32(elf.PT_LOAD))
		le.PutUint32(ph[4:], uint32(elf.PF_R|elf.PF_W|elf.PF_X))
		o := dataOff
		if len(s.data) == 0 {
			o = off
		}
		le.PutUint64(ph[8:], o)
		le.PutUint64(ph[16:], s.paddr)
		le.PutUint64(ph[24:], s.paddr)
		le.PutUint64(ph[32:], uint64(len(s.data)))
		le.PutUint64(ph[40:], s.memsz)
		le.PutUint64(ph[48:], 8)
		dataOff += uint64(len(s.data))
	}
	for _, s := range segs {
		b = append(b, s.data...)
	}
	return b
}

// An ELF whose last segment is .bss alone (no file bytes) loads, with the
// segment zero-filled.
func TestParseELFWithBSSOnlySegment(t *testing.T) {
	code := []byte{0x13, 0, 0, 0, 0x6f, 0, 0, 0} // nop; j .
	data := makeELF(0x8000_0000, []progHeader{
		{paddr: 0x8000_0000, data: code, memsz: uint64(len(code))},
		{paddr: 0x8000_1000, memsz: 0x2000},
	})
	img, err := Parse("bss.elf", data, 0)
	require.NoError(t, err)
	require.True(t, img.ELF)
	require.Equal(t, uint64(0x8000_0000), img.Entry)
	require.Len(t, img.Segments, 2)
	require.Equal(t, code, img.Segments[0].Data)
	require.Empty(t, img.Segments[1].Data)
	require.Equal(t, uint64(0x2000), img.Segments[1].Size)
	require.Equal(t, uint64(0x8000_3000), img.End())
}

// A segment claiming more file bytes than memory is an error, not a panic.
func TestParseELFRejectsFileLargerThanMemory(t *testing.T) {
	data := makeELF(0x8000_0000, []progHeader{{paddr: 0x8000_0000, data: make([]byte, 16), memsz: 8}})
	_, err := Parse("bad.elf", data, 0)
	require.ErrorContains(t, err, "exceeds memory size")
}
