// Package dtbtest compares the DTBs cosim generates with references:
// QEMU's own trees for qemu-virt and sifive-unleashed (recorded by
// record.sh), and the facts of Linux's hifive-unmatched-a00.dts for fu740.
package dtbtest

import (
	"fmt"
	"strings"

	"cosim/boards/dtb"
)

// normalize renders a property's value so two trees can be compared:
// phandles become "&/path/of/target", other cells hex numbers, anything
// that is not made of cells its raw bytes.
func normalize(t *dtb.Tree, n *dtb.Node, prop string) (string, error) {
	raw, _ := n.Prop(prop)
	cells, isCells := n.Cells(prop)
	layout, refs := phandleLayouts[prop]
	if !refs && (strings.HasSuffix(prop, "-gpios") || prop == "gpios") {
		layout, refs = gpioLayout, true
	}
	if !refs {
		if isCells && !printable(raw) {
			return strings.Join(hexes(cells), " "), nil
		}
		return fmt.Sprintf("%q", raw), nil
	}
	if !isCells {
		return fmt.Sprintf("%q", raw), nil
	}
	phs := t.Phandles()
	var out []string
	for i := 0; i < len(cells); {
		entry, err := layout(n, phs, cells[i:])
		if err != nil {
			return "", fmt.Errorf("%s %s: %w", n.Path(), prop, err)
		}
		for _, c := range entry {
			out = append(out, c)
		}
		i += len(entry)
	}
	return strings.Join(out, " "), nil
}

// printable reports whether raw looks like a string list.
func printable(raw []byte) bool {
	if len(raw) == 0 || raw[len(raw)-1] != 0 || raw[0] == 0 {
		return false
	}
	for _, c := range raw {
		if c != 0 && (c < 0x20 || c > 0x7e) {
			return false
		}
	}
	return true
}

// A layout consumes one entry from cells and renders it.
type layout func(n *dtb.Node, phs map[uint32]*dtb.Node, cells []uint32) ([]string, error)

func ref(phs map[uint32]*dtb.Node, ph uint32) (*dtb.Node, string, error) {
	if ph == 0xffffffff {
		return nil, "-1", nil
	}
	target, ok := phs[ph]
	if !ok {
		return nil, "", fmt.Errorf("phandle %#x points nowhere", ph)
	}
	return target, "&" + target.Path(), nil
}

func cellsOf(n *dtb.Node, name string, def uint32) uint32 {
	if n == nil {
		return def
	}
	if c, ok := n.Cells(name); ok && len(c) == 1 {
		return c[0]
	}
	return def
}

func hexes(cs []uint32) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%#x", c)
	}
	return out
}

// phandleThen is "phandle, then the target's <sizeProp> cells".
func phandleThen(sizeProp string) layout {
	return func(_ *dtb.Node, phs map[uint32]*dtb.Node, cells []uint32) ([]string, error) {
		target, s, err := ref(phs, cells[0])
		if err != nil {
			return nil, err
		}
		k := int(cellsOf(target, sizeProp, 0))
		if target == nil && sizeProp == "#interrupt-cells" {
			k = 0 // Linux's "no interrupt here" marker is a bare -1
		}
		if 1+k > len(cells) {
			return nil, fmt.Errorf("entry needs %d cells, %d left", 1+k, len(cells))
		}
		return append([]string{s}, hexes(cells[1:1+k])...), nil
	}
}

var gpioLayout = phandleThen("#gpio-cells")

func onlyPhandles(_ *dtb.Node, phs map[uint32]*dtb.Node, cells []uint32) ([]string, error) {
	_, s, err := ref(phs, cells[0])
	return []string{s}, err
}

// interruptMap: child unit address, child interrupt specifier, parent
// phandle, parent unit address, parent interrupt specifier.
func interruptMap(n *dtb.Node, phs map[uint32]*dtb.Node, cells []uint32) ([]string, error) {
	child := int(cellsOf(n, "#address-cells", 0) + cellsOf(n, "#interrupt-cells", 1))
	if child+1 > len(cells) {
		return nil, fmt.Errorf("short interrupt-map entry")
	}
	target, s, err := ref(phs, cells[child])
	if err != nil {
		return nil, err
	}
	parent := int(cellsOf(target, "#address-cells", 0) + cellsOf(target, "#interrupt-cells", 1))
	if child+1+parent > len(cells) {
		return nil, fmt.Errorf("short interrupt-map entry")
	}
	out := hexes(cells[:child])
	out = append(out, s)
	return append(out, hexes(cells[child+1:child+1+parent])...), nil
}

var phandleLayouts = map[string]layout{
	"interrupt-parent":    onlyPhandles,
	"regmap":              onlyPhandles,
	"phy-handle":          onlyPhandles,
	"cpu":                 onlyPhandles,
	"next-level-cache":    onlyPhandles,
	"interrupts-extended": phandleThen("#interrupt-cells"),
	"clocks":              phandleThen("#clock-cells"),
	"resets":              phandleThen("#reset-cells"),
	"interrupt-map":       interruptMap,
}

// diff reports every node and property of ref (except those omitted) that
// got lacks or has with another value. omitNodes and omitProps map a path
// (node path, or node path + ":" + property) to the reason.
func diff(ref, got *dtb.Tree, omit map[string]string) []string {
	var problems []string
	ref.Walk(func(rn *dtb.Node) {
		path := rn.Path()
		if omittedNode(omit, path) {
			return
		}
		gn := got.Lookup(path)
		if gn == nil {
			problems = append(problems, fmt.Sprintf("missing node %s", path))
			return
		}
		for _, p := range rn.Props {
			if p.Name == "phandle" {
				continue
			}
			if _, skip := omit[path+":"+p.Name]; skip {
				continue
			}
			if _, ok := gn.Prop(p.Name); !ok {
				problems = append(problems, fmt.Sprintf("%s: missing property %s", path, p.Name))
				continue
			}
			want, err1 := normalize(ref, rn, p.Name)
			have, err2 := normalize(got, gn, p.Name)
			switch {
			case err1 != nil:
				problems = append(problems, fmt.Sprintf("reference: %v", err1))
			case err2 != nil:
				problems = append(problems, fmt.Sprintf("ours: %v", err2))
			case want != have:
				problems = append(problems, fmt.Sprintf("%s: %s = %s, want %s", path, p.Name, have, want))
			}
		}
	})
	return problems
}

// omittedNode reports whether the node or one of its ancestors is omitted.
func omittedNode(omit map[string]string, path string) bool {
	for p := path; p != "/" && p != ""; p = p[:strings.LastIndexByte(p, '/')] {
		if _, ok := omit[p]; ok {
			return true
		}
	}
	return false
}

// extraNodes lists nodes got has and ref does not.
func extraNodes(ref, got *dtb.Tree) []string {
	var out []string
	got.Walk(func(n *dtb.Node) {
		if ref.Lookup(n.Path()) == nil {
			out = append(out, n.Path())
		}
	})
	return out
}
