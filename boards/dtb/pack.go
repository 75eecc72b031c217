package dtb

import (
	"encoding/binary"
	"fmt"
)

// Pack returns the blob with its free space removed, laid out as libfdt's
// fdt_pack leaves it: header, reservation block at offset 40, structure
// block, strings block, and totalsize ending at the strings. QEMU packs
// the tree it hands a guest (a -dtb file or its own), so a machine booting
// a blob dumped by QEMU must pack it too for the firmware to see the same
// bytes (OpenSBI copies totalsize bytes). The tree itself is not rewritten:
// node and string order stay as they were.
func Pack(b []byte) ([]byte, error) {
	if _, err := Parse(b); err != nil {
		return nil, err
	}
	h := func(i int) uint32 { return binary.BigEndian.Uint32(b[4*i:]) }
	structOff, stringsOff, rsvOff := h(2), h(3), h(4)
	stringsSize, structSize := h(8), h(9)
	rsvEnd := rsvOff
	for binary.BigEndian.Uint64(b[rsvEnd:]) != 0 || binary.BigEndian.Uint64(b[rsvEnd+8:]) != 0 {
		rsvEnd += 16 // Parse checked the block is terminated inside the blob
	}
	rsvEnd += 16
	out := make([]byte, headerSize, headerSize+int(rsvEnd-rsvOff)+int(structSize)+int(stringsSize))
	copy(out, b[:headerSize])
	out = append(out, b[rsvOff:rsvEnd]...)
	newStruct := uint32(len(out))
	out = append(out, b[structOff:structOff+structSize]...)
	newStrings := uint32(len(out))
	out = append(out, b[stringsOff:stringsOff+stringsSize]...)
	put := func(i int, v uint32) { binary.BigEndian.PutUint32(out[4*i:], v) }
	put(1, uint32(len(out)))
	put(2, newStruct)
	put(3, newStrings)
	put(4, headerSize)
	if _, err := Parse(out); err != nil {
		return nil, fmt.Errorf("dtb: pack: %w", err)
	}
	return out, nil
}
