package gen

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"cosim/boards"
)

// BoardPage writes docs/boards/<board>.md (identity, harts and their
// fidelity knobs, caches, memory map, interrupts, PLIC contexts, boot,
// device parameters, unverified values) as a generated section, so a
// hand-written part after it (how faithful each device model is) stays, and
// docs/boards/README.md, the index.
type BoardPage struct{}

func (BoardPage) Name() string   { return "board-page" }
func (BoardPage) Owns() []string { return []string{"docs/boards/*.md"} }

func (BoardPage) Emit(bs []*boards.Board) ([]File, error) {
	var out []File
	for _, b := range bs {
		out = append(out, File{Path: "docs/boards/" + b.Name + ".md", Data: []byte(page(b)), Section: true})
	}
	out = append(out, File{Path: "docs/boards/README.md", Data: []byte(index(bs))})
	return out, nil
}

type md struct{ strings.Builder }

func (m *md) p(format string, args ...any) { fmt.Fprintf(m, format+"\n", args...) }

func (m *md) table(head []string, rows [][]string) {
	m.p("| %s |", strings.Join(head, " | "))
	seps := make([]string, len(head))
	for i := range seps {
		seps[i] = "---"
	}
	m.p("|%s|", strings.Join(seps, "|"))
	for _, r := range rows {
		for i := range r {
			r[i] = strings.ReplaceAll(r[i], "|", "\\|")
		}
		m.p("| %s |", strings.Join(r, " | "))
	}
	m.p("")
}

func code(s string) string {
	if s == "" {
		return "–"
	}
	return "`" + s + "`"
}

func hex(v uint64) string { return fmt.Sprintf("`%#x`", v) }

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func irqList(irqs []uint32) string {
	if len(irqs) == 0 {
		return "–"
	}
	// Render runs as ranges: 23–38.
	var parts []string
	for i := 0; i < len(irqs); {
		j := i
		for j+1 < len(irqs) && irqs[j+1] == irqs[j]+1 {
			j++
		}
		if j > i+1 {
			parts = append(parts, fmt.Sprintf("%d–%d", irqs[i], irqs[j]))
		} else {
			for k := i; k <= j; k++ {
				parts = append(parts, fmt.Sprint(irqs[k]))
			}
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func modes(h boards.Hart) string {
	s := "M"
	if h.SMode {
		s += "S"
	}
	if h.UMode {
		s += "U"
	}
	return s
}

func page(b *boards.Board) string {
	m := &md{}
	m.p("<!-- From %s. -->", b.Source)
	m.p("# %s — %s", b.Name, b.Model)
	m.p("")
	m.p("| | |")
	m.p("|---|---|")
	m.p("| source | `%s` |", b.Source)
	m.p("| family (kernel arch layer) | `%s` |", b.Family)
	m.p("| DTB compatible | %s |", code(strings.Join(b.Compatible, "`, `")))
	m.p("| timebase | %s |", boards.FormatFreq(b.TimebaseHz))
	m.p("| memory model | `%s` |", b.MemoryModel)
	m.p("| I-cache coherent with stores | %s |", yesNo(b.ICacheCoherent))
	m.p("| harts | %d declared, %d by default (`--smp 1..%d`) |", len(b.AllHarts), b.DefaultHarts, len(b.AllHarts))
	if d, ok := b.DRAM(); ok {
		m.p("| DRAM | %s at %s by default (`-m`) |", boards.FormatSize(d.Size), hex(d.Base))
	}
	m.p("| console | %s |", code(b.Console))
	m.p("")

	m.p("## Harts")
	m.p("")
	var rows [][]string
	for _, g := range hartGroups(b.AllHarts) {
		h := g.h
		errata := strings.Join(h.Errata, ", ")
		rows = append(rows, []string{g.ids, h.Core, code(h.ISA), modes(h), code(strings.Join(h.MMU, ", ")),
			fmt.Sprintf("%d × %s", h.PMPEntries, boards.FormatSize(h.PMPGranularity)),
			string(h.AD), string(h.Misaligned), yesNo(h.Boot), boards.FormatFreq(h.ClockHz), code(errata)})
	}
	m.table([]string{"hart", "core", "ISA", "modes", "MMU", "PMP", "A/D", "misaligned", "boot", "clock", "errata"}, rows)
	rows = nil
	for _, g := range hartGroups(b.AllHarts) {
		h := g.h
		rows = append(rows, []string{g.ids, hex(h.MVendorID), hex(h.MArchID), hex(h.MImpID), fmt.Sprint(h.HPMCounters),
			tlb(h.ITLB), tlb(h.DTLB), code(strings.Join(h.Compatible, ", "))})
	}
	m.table([]string{"hart", "mvendorid", "marchid", "mimpid", "HPM counters", "I-TLB", "D-TLB", "DTB compatible"}, rows)

	m.p("## Caches")
	m.p("")
	rows = nil
	for _, g := range hartGroups(b.AllHarts) {
		for _, c := range []struct {
			name string
			c    *boards.Cache
		}{{"L1 I", g.h.ICache}, {"L1 D", g.h.DCache}} {
			if c.c != nil {
				rows = append(rows, cacheRow("hart "+g.ids, c.name, *c.c))
			}
		}
	}
	if l2 := b.L2; l2 != nil {
		r := cacheRow("shared", fmt.Sprintf("L2 (%d banks, controller %s)", l2.Banks, code(l2.Controller)), l2.Cache)
		if l2.DTSets != 0 {
			r[5] += fmt.Sprintf(" (DTB says %d)", l2.DTSets)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		m.p("No caches are modelled.")
		m.p("")
	} else {
		m.table([]string{"where", "cache", "size", "ways", "line", "sets", "hit (cycles)", "miss (cycles)"}, rows)
	}

	m.p("## Memory map")
	m.p("")
	rows = nil
	for _, e := range b.MemoryMap() {
		rows = append(rows, []string{hex(e.Base), hex(e.End() - 1), boards.FormatSize(e.Size), code(e.Name), e.What, irqList(e.IRQs)})
	}
	m.table([]string{"base", "last", "size", "name", "kind", "IRQs"}, rows)
	if len(b.Buses) > 0 {
		var bs []string
		for _, w := range b.Buses {
			bs = append(bs, fmt.Sprintf("%s %s–%s", code(w.Name), hex(w.Base), hex(w.End()-1)))
		}
		m.p("Device registers must lie in a bus window: %s.", strings.Join(bs, ", "))
		m.p("")
	}

	m.p("## Interrupts")
	m.p("")
	rows = nil
	for _, d := range b.Devices {
		for i, q := range d.IRQs {
			rows = append(rows, []string{fmt.Sprint(q), code(d.Name), string(d.Kind), fmt.Sprint(i), code(d.IRQParent)})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i][4] != rows[j][4] {
			return rows[i][4] < rows[j][4]
		}
		return atoi(rows[i][0]) < atoi(rows[j][0])
	})
	if len(rows) == 0 {
		m.p("No device interrupts.")
		m.p("")
	} else {
		m.table([]string{"source", "device", "kind", "index", "controller"}, rows)
	}
	if d, p, ok := b.PLIC(); ok {
		m.p("PLIC %s: %d sources, %d priority levels; contexts for the declared harts:", code(d.Name), p.Sources, p.Priorities)
		m.p("")
		rows = nil
		for i, c := range p.AllContexts {
			rows = append(rows, []string{fmt.Sprint(i), fmt.Sprint(c.Hart), string(c.Mode),
				fmt.Sprintf("`%#x`", 0x2000+0x80*i), fmt.Sprintf("`%#x`", 0x200000+0x1000*i)})
		}
		m.table([]string{"context", "hart", "mode", "enable offset", "threshold offset"}, rows)
	}

	m.p("## Boot")
	m.p("")
	fdt := hex(b.Boot.FDT)
	if b.Boot.FDTAuto {
		fdt = "QEMU's rule: 2 MiB-aligned below min(DRAM end, 3 GiB)"
	}
	m.table([]string{"firmware", "reset vector", "payload", "FDT"}, [][]string{{code(b.Boot.Firmware), hex(b.Boot.ResetVector), hex(b.Boot.Payload), fdt}})

	m.p("## Device parameters")
	m.p("")
	rows = nil
	for _, d := range b.Devices {
		rows = append(rows, []string{code(d.Name), string(d.Kind), code(strings.Join(d.Compatible, ", ")), params(d.Params)})
	}
	m.table([]string{"device", "kind", "DTB compatible", "parameters"}, rows)

	if len(b.Unverified) > 0 {
		m.p("## Unverified values")
		m.p("")
		m.p("These are parameters with a default, not checked facts.")
		m.p("")
		keys := make([]string, 0, len(b.Unverified))
		for k := range b.Unverified {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rows = nil
		for _, k := range keys {
			rows = append(rows, []string{code(k), b.Unverified[k]})
		}
		m.table([]string{"key", "why"}, rows)
	}
	return strings.TrimRight(m.String(), "\n") + "\n"
}

func tlb(n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprint(n)
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

func cacheRow(where, name string, c boards.Cache) []string {
	return []string{where, name, boards.FormatSize(c.Size), fmt.Sprint(c.Ways), fmt.Sprint(c.Line), fmt.Sprint(c.Sets()),
		fmt.Sprint(c.HitLatency), fmt.Sprint(c.MissLatency)}
}

type hartGroup struct {
	ids string
	h   boards.Hart
}

// hartGroups folds runs of identical harts into one row ("1–4").
func hartGroups(hs []boards.Hart) []hartGroup {
	var out []hartGroup
	for i := 0; i < len(hs); {
		j := i
		for j+1 < len(hs) && sameHart(hs[i], hs[j+1]) {
			j++
		}
		ids := fmt.Sprint(hs[i].ID)
		if j > i {
			ids = fmt.Sprintf("%d–%d", hs[i].ID, hs[j].ID)
		}
		out = append(out, hartGroup{ids, hs[i]})
		i = j + 1
	}
	return out
}

func sameHart(a, b boards.Hart) bool {
	a.ID, b.ID = 0, 0
	return reflect.DeepEqual(a, b)
}

// params renders a kind's parameters as "key=value" pairs, skipping zero
// values and fields the tables above already show.
func params(p boards.Params) string {
	if p == nil {
		return "–"
	}
	v := reflect.ValueOf(p).Elem()
	t := v.Type()
	var parts []string
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		if f.Name == "AllContexts" || f.Name == "Contexts" || fv.IsZero() {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%s", f.Name, paramValue(f.Name, fv)))
	}
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, " ")
}

func paramValue(name string, v reflect.Value) string {
	switch x := v.Interface().(type) {
	case uint64:
		if strings.HasSuffix(name, "Hz") {
			return boards.FormatFreq(x)
		}
		return fmt.Sprintf("%#x", x)
	case time.Duration:
		return x.String()
	case [6]byte:
		return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", x[0], x[1], x[2], x[3], x[4], x[5])
	case boards.Window:
		return fmt.Sprintf("%#x+%#x", x.Base, x.Size)
	case []boards.PCIWindow:
		var ws []string
		for _, w := range x {
			ws = append(ws, fmt.Sprintf("%s:%#x+%#x→pci %#x", w.Type, w.CPU, w.Size, w.PCI))
		}
		return "[" + strings.Join(ws, ", ") + "]"
	case []boards.Namespace:
		var ns []string
		for _, n := range x {
			ns = append(ns, fmt.Sprintf("ns%d:%s/%dB", n.ID, boards.FormatSize(n.Size), n.BlockSize))
		}
		return "[" + strings.Join(ns, ", ") + "]"
	case boards.NVMeLatency:
		return fmt.Sprintf("read %v, write %v, flush %v, admin %v", x.Read, x.Write, x.Flush, x.Admin)
	case *boards.PMIC:
		return fmt.Sprintf("%s@%#x(gpio irq %d)", x.Model, x.Addr, x.GPIOIRQ)
	}
	return fmt.Sprint(v.Interface())
}

func index(bs []*boards.Board) string {
	m := &md{}
	m.p("<!-- Generated by `cosim gen` from boards/*.toml. %s. -->", Marker)
	m.p("# Boards")
	m.p("")
	m.p("Each page is generated from the board's TOML file; see [adding a board](../adding-a-board.md).")
	m.p("")
	var rows [][]string
	for _, b := range bs {
		dram := "–"
		if d, ok := b.DRAM(); ok {
			dram = boards.FormatSize(d.Size)
		}
		rows = append(rows, []string{fmt.Sprintf("[%s](%s.md)", b.Name, b.Name), b.Model, code(string(b.Family)),
			fmt.Sprintf("%d (default %d)", len(b.AllHarts), b.DefaultHarts), dram, boards.FormatFreq(b.TimebaseHz)})
	}
	m.table([]string{"board", "model", "family", "harts", "DRAM", "timebase"}, rows)
	return strings.TrimRight(m.String(), "\n") + "\n"
}
