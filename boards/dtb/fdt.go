// Package dtb owns the flattened device tree: a small tree type, its
// writer (FDT v17, byte-for-byte deterministic) and reader (bounds-checked,
// with phandle resolution), and FromBoard, which turns a board IR into the
// DTB firmware and kernels boot with.
//
// It imports only boards; it must not know about hardware models or the
// engine, and nothing it reads from a blob may panic.
package dtb

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Tree is a device tree.
type Tree struct {
	Root *Node
	// BootCPU is the header's boot_cpuid_phys.
	BootCPU uint32
	// Reserved is the memory reservation block.
	Reserved []Reservation
}

// Reservation is one /memreserve/ entry.
type Reservation struct{ Addr, Size uint64 }

// Node is one node: its name (with unit address, "" for the root), its
// properties in order, and its children in order.
type Node struct {
	Name     string
	Props    []Prop
	Children []*Node
	parent   *Node
}

// Prop is one property; Value is the raw big-endian bytes.
type Prop struct {
	Name  string
	Value []byte
}

// NewTree returns a tree with an empty root.
func NewTree() *Tree { return &Tree{Root: &Node{}} }

// Add appends a child node and returns it.
func (n *Node) Add(name string) *Node {
	c := &Node{Name: name, parent: n}
	n.Children = append(n.Children, c)
	return c
}

// Child returns the child with the given name, or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Parent returns the parent node (nil for the root).
func (n *Node) Parent() *Node { return n.parent }

// Path is the node's full path, "/" for the root.
func (n *Node) Path() string {
	if n.parent == nil {
		return "/"
	}
	p := n.parent.Path()
	if p == "/" {
		return "/" + n.Name
	}
	return p + "/" + n.Name
}

// Set sets a property, replacing an earlier value of the same name.
func (n *Node) Set(name string, v []byte) *Node {
	for i := range n.Props {
		if n.Props[i].Name == name {
			n.Props[i].Value = v
			return n
		}
	}
	n.Props = append(n.Props, Prop{Name: name, Value: v})
	return n
}

// SetCells sets a property of 32-bit big-endian cells.
func (n *Node) SetCells(name string, cells ...uint32) *Node {
	v := make([]byte, 4*len(cells))
	for i, c := range cells {
		binary.BigEndian.PutUint32(v[4*i:], c)
	}
	return n.Set(name, v)
}

// SetString sets a NUL-terminated string property.
func (n *Node) SetString(name, s string) *Node { return n.Set(name, append([]byte(s), 0)) }

// SetStrings sets a string-list property.
func (n *Node) SetStrings(name string, ss ...string) *Node {
	var v []byte
	for _, s := range ss {
		v = append(append(v, s...), 0)
	}
	return n.Set(name, v)
}

// SetEmpty sets a property with no value (a flag such as
// "interrupt-controller").
func (n *Node) SetEmpty(name string) *Node { return n.Set(name, []byte{}) }

// Prop returns a property's raw value.
func (n *Node) Prop(name string) ([]byte, bool) {
	for _, p := range n.Props {
		if p.Name == name {
			return p.Value, true
		}
	}
	return nil, false
}

// Cells returns a property as 32-bit cells.
func (n *Node) Cells(name string) ([]uint32, bool) {
	v, ok := n.Prop(name)
	if !ok || len(v)%4 != 0 {
		return nil, false
	}
	out := make([]uint32, len(v)/4)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(v[4*i:])
	}
	return out, true
}

// Strings returns a string-list property.
func (n *Node) Strings(name string) ([]string, bool) {
	v, ok := n.Prop(name)
	if !ok || len(v) == 0 || v[len(v)-1] != 0 {
		return nil, false
	}
	return strings.Split(string(v[:len(v)-1]), "\x00"), true
}

// String returns a single-string property.
func (n *Node) String(name string) (string, bool) {
	ss, ok := n.Strings(name)
	if !ok || len(ss) != 1 {
		return "", false
	}
	return ss[0], true
}

// Lookup finds a node by its full path ("/soc/serial@10000000").
func (t *Tree) Lookup(path string) *Node {
	if path == "/" {
		return t.Root
	}
	if !strings.HasPrefix(path, "/") {
		return nil
	}
	n := t.Root
	for _, part := range strings.Split(path[1:], "/") {
		if n = n.Child(part); n == nil {
			return nil
		}
	}
	return n
}

// Walk visits every node, parents before children, in order.
func (t *Tree) Walk(fn func(*Node)) {
	var walk func(*Node)
	walk = func(n *Node) {
		fn(n)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(t.Root)
}

// Phandles maps every phandle in the tree to its node.
func (t *Tree) Phandles() map[uint32]*Node {
	m := map[uint32]*Node{}
	t.Walk(func(n *Node) {
		if c, ok := n.Cells("phandle"); ok && len(c) == 1 {
			m[c[0]] = n
		}
	})
	return m
}

const (
	fdtMagic     = 0xd00dfeed
	fdtBeginNode = 1
	fdtEndNode   = 2
	fdtProp      = 3
	fdtNop       = 4
	fdtEnd       = 9
	headerSize   = 40
	version      = 17
	lastCompat   = 16
)

// Marshal writes the tree as an FDT v17 blob. The same tree always gives the
// same bytes.
func (t *Tree) Marshal() ([]byte, error) {
	var st []byte
	strs := newStringTable()
	put32 := func(v uint32) { st = binary.BigEndian.AppendUint32(st, v) }
	pad := func() {
		for len(st)%4 != 0 {
			st = append(st, 0)
		}
	}
	var emit func(n *Node, depth int) error
	emit = func(n *Node, depth int) error {
		if depth > 0 && !validNodeName(n.Name) {
			return fmt.Errorf("dtb: node %q under %s: invalid name", n.Name, n.parent.Path())
		}
		put32(fdtBeginNode)
		st = append(append(st, n.Name...), 0)
		pad()
		seen := map[string]bool{}
		for _, p := range n.Props {
			if !validPropName(p.Name) {
				return fmt.Errorf("dtb: %s: invalid property name %q", n.Path(), p.Name)
			}
			if seen[p.Name] {
				return fmt.Errorf("dtb: %s: property %q set twice", n.Path(), p.Name)
			}
			seen[p.Name] = true
			put32(fdtProp)
			put32(uint32(len(p.Value)))
			put32(strs.offset(p.Name))
			st = append(st, p.Value...)
			pad()
		}
		names := map[string]bool{}
		for _, c := range n.Children {
			if names[c.Name] {
				return fmt.Errorf("dtb: %s: two children named %q", n.Path(), c.Name)
			}
			names[c.Name] = true
			if err := emit(c, depth+1); err != nil {
				return err
			}
		}
		put32(fdtEndNode)
		return nil
	}
	if t.Root == nil {
		return nil, fmt.Errorf("dtb: tree has no root")
	}
	if err := emit(t.Root, 0); err != nil {
		return nil, err
	}
	put32(fdtEnd)

	rsvOff := uint32(headerSize)
	structOff := rsvOff + uint32(16*(len(t.Reserved)+1))
	stringsOff := structOff + uint32(len(st))
	total := stringsOff + uint32(len(strs.data))
	out := make([]byte, 0, total)
	for _, v := range []uint32{fdtMagic, total, structOff, stringsOff, rsvOff, version, lastCompat,
		t.BootCPU, uint32(len(strs.data)), uint32(len(st))} {
		out = binary.BigEndian.AppendUint32(out, v)
	}
	for _, r := range t.Reserved {
		out = binary.BigEndian.AppendUint64(out, r.Addr)
		out = binary.BigEndian.AppendUint64(out, r.Size)
	}
	out = append(out, make([]byte, 16)...)
	out = append(out, st...)
	out = append(out, strs.data...)
	return out, nil
}

type stringTable struct {
	data []byte
	off  map[string]uint32
}

func newStringTable() *stringTable { return &stringTable{off: map[string]uint32{}} }

// offset returns the name's offset, adding it on first use: the table's
// order is the order of first use, so it is deterministic.
func (s *stringTable) offset(name string) uint32 {
	if o, ok := s.off[name]; ok {
		return o
	}
	o := uint32(len(s.data))
	s.data = append(append(s.data, name...), 0)
	s.off[name] = o
	return o
}

func validNodeName(s string) bool {
	name, unit, hasUnit := strings.Cut(s, "@")
	if name == "" || len(name) > 31 || hasUnit && unit == "" {
		return false
	}
	ok := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(",._+-", r)
	}
	for _, r := range name + unit {
		if !ok(r) {
			return false
		}
	}
	return true
}

func validPropName(s string) bool {
	if s == "" || len(s) > 31 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(",._+?#-", r)) {
			return false
		}
	}
	return true
}
