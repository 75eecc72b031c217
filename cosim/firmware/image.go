// Package firmware owns what is put into a machine before its first
// instruction: firmware and payload images (ELF or raw), the reset-vector ROM
// and fw_dynamic hand-over block QEMU's boards place at 0x1000, and the
// built-in SBI that lets S-mode payloads run with no M-mode firmware.
//
// It reaches the machine only through hw/mem (to place bytes) and hw/hart
// (registers, CSRs, the M-mode trap hook). It must not know which board it
// runs on beyond the addresses it is handed.
package firmware

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"cosim/hw/mem"
)

// Segment is a contiguous run of bytes placed at a physical address.
type Segment struct {
	Addr uint64
	Data []byte // file contents; MemSize beyond len(Data) is zero-filled
	Size uint64 // memory size (>= len(Data))
}

// Image is a loadable program.
type Image struct {
	Name     string
	ELF      bool
	Entry    uint64
	Segments []Segment
	Symbols  map[string]uint64 // ELF symbol table (empty for raw images)
	SHA256   string            // of the file as read
}

// ReadFile reads an ELF (detected by its magic) or a raw binary. A raw
// binary is placed at rawBase and entered at its first byte.
func ReadFile(path string, rawBase uint64) (*Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("firmware: %w", err)
	}
	img, err := Parse(filepath.Base(path), data, rawBase)
	if err != nil {
		return nil, fmt.Errorf("firmware: %s: %w", path, err)
	}
	return img, nil
}

// Parse interprets data as an ELF or a raw binary (see ReadFile).
func Parse(name string, data []byte, rawBase uint64) (*Image, error) {
	sum := sha256.Sum256(data)
	img := &Image{Name: name, SHA256: hex.EncodeToString(sum[:]), Symbols: map[string]uint64{}}
	if !bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
		if len(data) == 0 {
			return nil, errors.New("empty image")
		}
		img.Entry = rawBase
		img.Segments = []Segment{{Addr: rawBase, Data: data, Size: uint64(len(data))}}
		return img, nil
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_RISCV || f.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("not a little-endian RV64 ELF (class %v, machine %v)", f.Class, f.Machine)
	}
	img.ELF = true
	img.Entry = f.Entry
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Memsz == 0 {
			continue
		}
		if p.Filesz > p.Memsz {
			return nil, fmt.Errorf("segment at %#x: file size %d exceeds memory size %d", p.Paddr, p.Filesz, p.Memsz)
		}
		b := make([]byte, p.Filesz)
		// A segment of .bss alone has no file bytes, and a zero-length
		// ReadAt at its offset reports EOF.
		if p.Filesz > 0 {
			if _, err := p.ReadAt(b, 0); err != nil {
				return nil, fmt.Errorf("segment at %#x: %w", p.Paddr, err)
			}
		}
		// Physical addresses, as QEMU's ELF loader uses for -kernel and -bios.
		img.Segments = append(img.Segments, Segment{Addr: p.Paddr, Data: b, Size: p.Memsz})
	}
	if len(img.Segments) == 0 {
		return nil, errors.New("ELF has no loadable segment")
	}
	if syms, err := f.Symbols(); err == nil {
		for _, s := range syms {
			if s.Name != "" && elf.ST_TYPE(s.Info) != elf.STT_SECTION && elf.ST_TYPE(s.Info) != elf.STT_FILE {
				img.Symbols[s.Name] = s.Value
			}
		}
	}
	return img, nil
}

// Low and End return the lowest address the image occupies and the first
// address past it.
func (img *Image) Low() uint64 {
	lo := ^uint64(0)
	for _, s := range img.Segments {
		lo = min(lo, s.Addr)
	}
	return lo
}

// End returns the first address past the image's highest segment.
func (img *Image) End() uint64 {
	var hi uint64
	for _, s := range img.Segments {
		hi = max(hi, s.Addr+s.Size)
	}
	return hi
}

// Relocate moves a raw image to base (ELF images keep their addresses).
func (img *Image) Relocate(base uint64) {
	if img.ELF {
		return
	}
	img.Segments[0].Addr = base
	img.Entry = base
}

// Place writes the image into memory. Zero-fill beyond the file contents is
// written too, since RAM may hold an earlier run's bytes on reset.
func (img *Image) Place(bus *mem.Bus) error {
	for _, s := range img.Segments {
		if err := bus.Load(s.Addr, s.Data); err != nil {
			return fmt.Errorf("firmware: %s: %w", img.Name, err)
		}
		if pad := s.Size - uint64(len(s.Data)); pad > 0 {
			if err := bus.Load(s.Addr+uint64(len(s.Data)), make([]byte, pad)); err != nil {
				return fmt.Errorf("firmware: %s: zero-fill: %w", img.Name, err)
			}
		}
	}
	return nil
}
