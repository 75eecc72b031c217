package firmware

import (
	"encoding/binary"
	"fmt"
)

// ResetROM describes the boot ROM a QEMU-style board places at its reset
// address: a few instructions that load a0 = mhartid, a1 = FDT address,
// a2 = &fw_dynamic_info and jump to the firmware, followed by the two
// addresses they load and the fw_dynamic_info block OpenSBI's fw_dynamic reads.
type ResetROM struct {
	Name string
	// Prefix words before the code (sifive_u: the MSEL pin state).
	Prefix []uint32
	// Code is the instruction sequence; the addresses follow it.
	Code []uint32
	// Pad words between the addresses and fw_dynamic_info.
	Pad int
	// StartOnly: the code loads only the start address (Spike's ROM finds
	// the DTB right after itself), and there is no fw_dynamic_info.
	StartOnly bool
}

// Reset ROM layouts of QEMU 7.2 (read back from a running QEMU with the
// monitor's `xp /20wx 0x1000`; the instructions are auipc t0,0; addi a2,t0,N;
// csrr a0,mhartid; ld a1,32(t0); ld t0,24(t0); jr t0).
var resetROMs = map[string]ResetROM{
	"qemu-virt": {
		Name: "qemu-virt",
		Code: []uint32{0x00000297, 0x02828613, 0xf1402573, 0x0202b583, 0x0182b283, 0x00028067},
	},
	"qemu-sifive-u": {
		Name:   "qemu-sifive-u",
		Prefix: []uint32{0}, // MSEL = 0
		Code:   []uint32{0x00000297, 0x02c28613, 0xf1402573, 0x0202b583, 0x0182b283, 0x00028067},
		Pad:    1,
	},
	// The sifive_u layout with the two addresses moved to 8-byte
	// boundaries: QEMU's ROM loads them from 0x101c and 0x1024, which a
	// hart that traps misaligned loads (the U74) cannot do before any
	// mtvec is set. A nop after jr pads the code; ld a1,36(t0) and
	// ld t0,28(t0) read 0x1028 and 0x1020; fw_dynamic_info stays at 0x1030.
	"sifive-aligned": {
		Name:   "sifive-aligned",
		Prefix: []uint32{0},
		Code:   []uint32{0x00000297, 0x02c28613, 0xf1402573, 0x0242b583, 0x01c2b283, 0x00028067, 0x00000013},
	},
	// Spike's boot ROM (riscv/sim.cc): auipc t0,0; addi a1,t0,32 (the DTB
	// follows the ROM at 0x1020); csrr a0,mhartid; ld t0,24(t0); jr t0.
	"spike": {
		Name:      "spike",
		Code:      []uint32{0x00000297, 0x02028593, 0xf1402573, 0x0182b283, 0x00028067, 0},
		StartOnly: true,
	},
}

// fw_dynamic_info constants (OpenSBI include/sbi/fw_dynamic.h).
const (
	fwDynamicMagic   = 0x4942534f // "OSBI"
	fwDynamicVersion = 2
	// NextModeS asks fw_dynamic to enter the next stage in S-mode.
	NextModeS = 1
	// NextModeM asks fw_dynamic to enter the next stage in M-mode.
	NextModeM = 3
)

// LookupResetROM returns the named layout.
func LookupResetROM(name string) (ResetROM, error) {
	r, ok := resetROMs[name]
	if !ok {
		return ResetROM{}, fmt.Errorf("firmware: unknown reset ROM %q (known: qemu-virt, qemu-sifive-u, sifive-aligned, spike)", name)
	}
	return r, nil
}

// EntryOffset is the offset of the first instruction from the ROM base: the
// hart's reset pc is base + EntryOffset.
func (r ResetROM) EntryOffset() uint64 { return uint64(4 * len(r.Prefix)) }

// Build returns the ROM bytes: the code jumps to start with a1 = fdt, and
// fw_dynamic_info names next (entered in nextMode) as the stage after the
// firmware.
func (r ResetROM) Build(start, fdt, next uint64, nextMode uint64) []byte {
	var b []byte
	for _, w := range r.Prefix {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	for _, w := range r.Code {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	b = binary.LittleEndian.AppendUint64(b, start)
	if r.StartOnly {
		return b
	}
	b = binary.LittleEndian.AppendUint64(b, fdt)
	for i := 0; i < r.Pad; i++ {
		b = binary.LittleEndian.AppendUint32(b, 0)
	}
	// struct fw_dynamic_info { magic, version, next_addr, next_mode, options, boot_hart }
	for _, v := range []uint64{fwDynamicMagic, fwDynamicVersion, next, nextMode, 0, 0} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}
