package dtb

import (
	"encoding/binary"
	"fmt"
)

// maxDepth bounds nesting so a hostile blob cannot exhaust the stack.
const maxDepth = 64

// Parse reads an FDT blob (version 16 or later). Malformed input gives an
// error, never a panic.
func Parse(b []byte) (*Tree, error) {
	if len(b) < headerSize {
		return nil, fmt.Errorf("dtb: %d bytes is shorter than the header", len(b))
	}
	h := func(i int) uint32 { return binary.BigEndian.Uint32(b[4*i:]) }
	if h(0) != fdtMagic {
		return nil, fmt.Errorf("dtb: bad magic %#x", h(0))
	}
	total, structOff, stringsOff, rsvOff := h(1), h(2), h(3), h(4)
	ver, lastComp, bootCPU, stringsSize, structSize := h(5), h(6), h(7), h(8), h(9)
	if ver < 16 || lastComp > version {
		return nil, fmt.Errorf("dtb: version %d (compatible with %d) is not supported", ver, lastComp)
	}
	if uint64(total) > uint64(len(b)) {
		return nil, fmt.Errorf("dtb: header says %d bytes, have %d", total, len(b))
	}
	in := func(off, size uint32) bool { return uint64(off)+uint64(size) <= uint64(total) }
	if !in(structOff, structSize) || !in(stringsOff, stringsSize) || !in(rsvOff, 0) {
		return nil, fmt.Errorf("dtb: blocks lie outside the blob")
	}
	t := &Tree{BootCPU: bootCPU}
	for off := uint64(rsvOff); ; off += 16 {
		if off+16 > uint64(total) {
			return nil, fmt.Errorf("dtb: unterminated reservation block")
		}
		addr, size := binary.BigEndian.Uint64(b[off:]), binary.BigEndian.Uint64(b[off+8:])
		if addr == 0 && size == 0 {
			break
		}
		t.Reserved = append(t.Reserved, Reservation{addr, size})
	}
	st := b[structOff : structOff+structSize]
	strs := b[stringsOff : stringsOff+stringsSize]
	p := &parser{st: st, strs: strs}
	var err error
	if t.Root, err = p.tree(); err != nil {
		return nil, err
	}
	return t, nil
}

type parser struct {
	st, strs []byte
	off      int
}

func (p *parser) u32() (uint32, error) {
	if p.off+4 > len(p.st) {
		return 0, fmt.Errorf("dtb: structure block ends at %d inside a token", p.off)
	}
	v := binary.BigEndian.Uint32(p.st[p.off:])
	p.off += 4
	return v, nil
}

func (p *parser) align() { p.off = (p.off + 3) &^ 3 }

func (p *parser) cstring(buf []byte, at int) (string, error) {
	for i := at; i < len(buf); i++ {
		if buf[i] == 0 {
			return string(buf[at:i]), nil
		}
	}
	return "", fmt.Errorf("dtb: unterminated string at %d", at)
}

func (p *parser) tree() (*Node, error) {
	var root *Node
	var cur *Node
	depth := 0
	for {
		tok, err := p.u32()
		if err != nil {
			return nil, err
		}
		switch tok {
		case fdtBeginNode:
			name, err := p.cstring(p.st, p.off)
			if err != nil {
				return nil, err
			}
			p.off += len(name) + 1
			p.align()
			if depth++; depth > maxDepth {
				return nil, fmt.Errorf("dtb: nodes nested deeper than %d", maxDepth)
			}
			switch {
			case cur != nil:
				cur = cur.Add(name)
			case root == nil:
				root = &Node{Name: name}
				cur = root
			default:
				return nil, fmt.Errorf("dtb: second root node at %d", p.off)
			}
		case fdtEndNode:
			if cur == nil {
				return nil, fmt.Errorf("dtb: END_NODE without a node at %d", p.off)
			}
			cur = cur.parent
			depth--
		case fdtProp:
			if cur == nil {
				return nil, fmt.Errorf("dtb: property outside a node at %d", p.off)
			}
			n, err := p.u32()
			if err != nil {
				return nil, err
			}
			nameOff, err := p.u32()
			if err != nil {
				return nil, err
			}
			if uint64(p.off)+uint64(n) > uint64(len(p.st)) {
				return nil, fmt.Errorf("dtb: property of %d bytes runs past the structure block", n)
			}
			if int(nameOff) >= len(p.strs) {
				return nil, fmt.Errorf("dtb: property name offset %d outside the strings block", nameOff)
			}
			name, err := p.cstring(p.strs, int(nameOff))
			if err != nil {
				return nil, err
			}
			cur.Props = append(cur.Props, Prop{Name: name, Value: append([]byte{}, p.st[p.off:p.off+int(n)]...)})
			p.off += int(n)
			p.align()
		case fdtNop:
		case fdtEnd:
			if root == nil || cur != nil {
				return nil, fmt.Errorf("dtb: END before the root node closed")
			}
			return root, nil
		default:
			return nil, fmt.Errorf("dtb: unknown token %#x at %d", tok, p.off-4)
		}
	}
}
