package boards

import (
	"fmt"
	"sort"
	"strings"
)

// crossCheck validates what no single table can: names, address overlaps,
// bus windows, interrupt wiring and references between entries.
func (l *loader) crossCheck(b *Board) {
	l.checkNames(b)
	l.checkOverlaps(b)
	l.checkBuses(b)
	l.checkIRQs(b)
	l.checkRefs(b)
}

// MacroName is how a name appears in the C header: upper case, every
// character that is not a letter or digit replaced by '_'.
func MacroName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, name)
}

func (l *loader) checkNames(b *Board) {
	type owner struct{ name, path string }
	seen := map[string]owner{}
	check := func(name, path string) {
		if name == "" {
			return
		}
		m := MacroName(name)
		if o, dup := seen[m]; dup {
			if o.name == name {
				l.errorf(path+".name", "name %q is already used by %s", name, l.label(o.path))
			} else {
				l.errorf(path+".name", "name %q and %q (%s) give the same header macro BOARD_DEV_%s", name, o.name, l.label(o.path), m)
			}
			return
		}
		seen[m] = owner{name, path}
	}
	for i, r := range b.Memory {
		check(r.Name, fmt.Sprintf("memory[%d]", i))
	}
	for _, d := range b.Devices {
		check(d.Name, d.srcPath)
	}
}

type span struct {
	Window
	path string // where the file declares it, with the key ("device[3].base")
	what string
}

func (l *loader) spans(b *Board) []span {
	var out []span
	for i, r := range b.Memory {
		out = append(out, span{r.Window(), fmt.Sprintf("memory[%d].base", i), fmt.Sprintf("memory %q", r.Name)})
	}
	for i := range b.Devices {
		d := &b.Devices[i]
		for j, w := range d.Windows() {
			key := ".base"
			if d.Size == 0 || j > 0 {
				key = ".regs"
				if _, ok := d.Params.(*PCIeDW); ok {
					key = "." + w.Name[len(d.Name)+1:]
				}
			}
			out = append(out, span{w, d.srcPath + key, fmt.Sprintf("device %q", w.Name)})
		}
		for _, w := range pcieWindows(d) {
			out = append(out, span{w, d.srcPath + ".windows", fmt.Sprintf("PCIe window %s", w.Name)})
		}
	}
	return out
}

func (l *loader) checkOverlaps(b *Board) {
	ss := l.spans(b)
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].Base < ss[j].Base })
	for i := range ss {
		if ss[i].End() < ss[i].Base {
			l.errorf(ss[i].path, "%s wraps past the end of the address space", ss[i].what)
		}
		for j := i + 1; j < len(ss) && ss[j].Base < ss[i].End(); j++ {
			if !ss[i].Overlaps(ss[j].Window) {
				continue
			}
			// Report at whichever comes later in the file.
			a, c := ss[i], ss[j]
			if l.src.pos.lineOf(a.path) > l.src.pos.lineOf(c.path) {
				a, c = c, a
			}
			l.errorf(c.path, "%s [%#x, %#x) overlaps %s [%#x, %#x)", c.what, c.Base, c.End(), a.what, a.Base, a.End())
		}
	}
}

func (l *loader) checkBuses(b *Board) {
	if len(b.Buses) == 0 {
		return
	}
	for _, s := range l.spans(b) {
		if strings.HasPrefix(s.what, "memory") || strings.HasPrefix(s.what, "PCIe window") {
			continue
		}
		in := false
		for _, bus := range b.Buses {
			in = in || bus.Contains(s.Base, s.Size)
		}
		if !in {
			l.errorf(s.path, "%s [%#x, %#x) is outside every bus window (%s)", s.what, s.Base, s.End(), busList(b.Buses))
		}
	}
}

func busList(bs []Window) string {
	parts := make([]string, len(bs))
	for i, w := range bs {
		parts[i] = fmt.Sprintf("%s [%#x, %#x)", w.Name, w.Base, w.End())
	}
	return strings.Join(parts, ", ")
}

func (l *loader) checkIRQs(b *Board) {
	var plics []*Device
	for i := range b.Devices {
		if b.Devices[i].Kind == KindPLIC {
			plics = append(plics, &b.Devices[i])
		}
	}
	type use struct {
		parent string
		irq    uint32
	}
	users := map[use]*Device{}
	for i := range b.Devices {
		d := &b.Devices[i]
		if len(d.IRQs) == 0 {
			continue
		}
		if d.IRQParent == "" {
			if len(plics) != 1 {
				l.errorf(d.srcPath+".irqs", "the board has %d PLICs: say which one with interrupt_parent", len(plics))
				continue
			}
			d.IRQParent = plics[0].Name
		}
		parent, ok := b.Device(d.IRQParent)
		if !ok {
			l.errorf(d.srcPath+".interrupt_parent", "interrupt_parent %q is not a device of this board", d.IRQParent)
			continue
		}
		limit, what := 0, ""
		switch p := parent.Params.(type) {
		case *PLIC:
			limit, what = p.Sources, fmt.Sprintf("the PLIC's %d sources", p.Sources)
		case *GPIO:
			limit, what = p.Lines-1, fmt.Sprintf("GPIO %q's %d lines", parent.Name, p.Lines)
		default:
			l.errorf(d.srcPath+".interrupt_parent", "%q is a %s, not an interrupt controller", parent.Name, parent.Kind)
			continue
		}
		for _, irq := range d.IRQs {
			switch {
			case parent.Kind == KindPLIC && irq == 0:
				l.errorf(d.srcPath+".irqs", "IRQ 0 is reserved: PLIC sources start at 1")
			case int64(irq) > int64(limit):
				l.errorf(d.srcPath+".irqs", "IRQ %d is beyond %s", irq, what)
			default:
				u := use{parent.Name, irq}
				if o, dup := users[u]; dup && o != d {
					l.errorf(d.srcPath+".irqs", "IRQ %d of %q is also wired to %q", irq, parent.Name, o.Name)
				} else {
					users[u] = d
				}
			}
		}
	}
}

func (l *loader) checkRefs(b *Board) {
	kindOf := func(key, name string, kinds ...Kind) *Device {
		d, ok := b.Device(name)
		if !ok {
			l.errorf(key, "%q is not a device of this board", name)
			return nil
		}
		if !contains(kinds, d.Kind) {
			l.errorf(key, "%q is a %s device, want %s", name, d.Kind, joinQuoted(kinds))
			return nil
		}
		return d
	}
	if b.Console != "" {
		kindOf("console", b.Console, KindUART)
	}
	aliases := make([]string, 0, len(b.Aliases))
	for a := range b.Aliases {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		if _, ok := b.Device(b.Aliases[a]); !ok {
			l.errorf("aliases."+a, "alias %q names %q, which is not a device of this board", a, b.Aliases[a])
		}
	}
	if b.L2 != nil && b.L2.Controller != "" {
		kindOf("l2.controller", b.L2.Controller, KindL2Cache)
	}
	slots := map[[2]any]string{}
	for i := range b.Devices {
		d := &b.Devices[i]
		switch p := d.Params.(type) {
		case *NVMe:
			if p.Host == "" {
				continue
			}
			if kindOf(d.srcPath+".host", p.Host, KindPCIeECAM, KindPCIeDW) != nil {
				k := [2]any{p.Host, p.Slot}
				if o, dup := slots[k]; dup {
					l.errorf(d.srcPath+".slot", "slot %d of %q is already taken by %q", p.Slot, p.Host, o)
				}
				slots[k] = d.Name
			}
		case *PCIeDW:
			if p.GPIO == "" {
				continue
			}
			if g := kindOf(d.srcPath+".gpio", p.GPIO, KindGPIO); g != nil {
				lines := g.Params.(*GPIO).Lines
				for _, v := range []struct {
					key  string
					line int
				}{{"pwren_gpio", p.PowerGPIO}, {"perst_gpio", p.ResetGPIO}} {
					if v.line >= lines {
						l.errorf(d.srcPath+"."+v.key, "GPIO line %d does not exist (%q has %d)", v.line, p.GPIO, lines)
					}
				}
			}
		case *I2C:
			if p.PMIC == nil || p.PMIC.GPIOIRQ < 0 {
				continue
			}
			gs := b.DevicesOf(KindGPIO)
			if len(gs) == 0 {
				l.errorf(d.srcPath+".pmic", "pmic gpio_irq needs a GPIO controller on the board")
			} else if lines := gs[0].Params.(*GPIO).Lines; p.PMIC.GPIOIRQ >= lines {
				l.errorf(d.srcPath+".pmic", "pmic gpio_irq %d does not exist (%q has %d lines)", p.PMIC.GPIOIRQ, gs[0].Name, lines)
			}
		}
	}
}
