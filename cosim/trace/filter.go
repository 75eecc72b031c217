package trace

import (
	"fmt"
	"strconv"
	"strings"

	"cosim/hw/sim"
)

// Filter selects events at record time. The zero Filter keeps everything.
//
// Syntax (docs/trace-format.md): comma-separated terms, each key=value, the
// value a '+'-separated list:
//
//	hart=0+2                   hart events of harts 0 and 2 (board events unaffected)
//	pc=0x80000000-0x80200000   events with a pc in [lo, hi) (events without a pc unaffected)
//	kind=retire+trap+mmio      only these kinds
type Filter struct {
	kinds  uint32 // bit k set: kind k kept; 0 means all
	harts  []bool // index hart: kept; nil means all
	ranges []PCRange
}

// PCRange is a half-open address range [Lo, Hi).
type PCRange struct{ Lo, Hi uint64 }

// ParseFilter parses the --trace-filter syntax; "" gives the keep-all filter.
func ParseFilter(s string) (Filter, error) {
	var f Filter
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	for _, term := range strings.Split(s, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(term), "=")
		if !ok || val == "" {
			return Filter{}, fmt.Errorf("trace filter: term %q: want key=value", term)
		}
		var err error
		switch key {
		case "hart":
			err = f.parseHarts(val)
		case "pc":
			err = f.parseRanges(val)
		case "kind":
			err = f.parseKinds(val)
		default:
			err = fmt.Errorf("unknown key %q (want hart, pc or kind)", key)
		}
		if err != nil {
			return Filter{}, fmt.Errorf("trace filter: %w", err)
		}
	}
	return f, nil
}

func (f *Filter) parseHarts(val string) error {
	for _, s := range strings.Split(val, "+") {
		h, err := strconv.ParseUint(s, 0, 16)
		if err != nil || h >= BoardHart {
			return fmt.Errorf("hart %q: not a hart number", s)
		}
		for len(f.harts) <= int(h) {
			f.harts = append(f.harts, false)
		}
		f.harts[h] = true
	}
	return nil
}

func (f *Filter) parseRanges(val string) error {
	for _, s := range strings.Split(val, "+") {
		los, his, ok := strings.Cut(s, "-")
		if !ok {
			return fmt.Errorf("pc range %q: want LO-HI", s)
		}
		lo, err1 := strconv.ParseUint(los, 0, 64)
		hi, err2 := strconv.ParseUint(his, 0, 64)
		if err1 != nil || err2 != nil || hi <= lo {
			return fmt.Errorf("pc range %q: want LO-HI with LO < HI", s)
		}
		f.ranges = append(f.ranges, PCRange{lo, hi})
	}
	return nil
}

func (f *Filter) parseKinds(val string) error {
	for _, s := range strings.Split(val, "+") {
		k, ok := KindByName(s)
		if !ok {
			return fmt.Errorf("kind %q: unknown (want one of %s)", s, kindList())
		}
		f.kinds |= 1 << k
	}
	return nil
}

// KindByName looks up an event kind by its filter name.
func KindByName(name string) (sim.Kind, bool) {
	for k, n := range kindNames {
		if n == name {
			return k, true
		}
	}
	return 0, false
}

func kindList() string {
	var names []string
	for k := sim.KindRetire; k <= sim.KindMeta; k++ {
		names = append(names, kindNames[k])
	}
	return strings.Join(names, ", ")
}

// hasPC reports whether an event of kind k carries a pc the range filter
// applies to.
func hasPC(e *sim.Event) bool {
	switch e.Kind {
	case sim.KindRetire, sim.KindTrap, sim.KindInterrupt:
		return true
	case sim.KindFence, sim.KindFenceI, sim.KindSfenceVMA:
		return e.PC != 0
	}
	return false
}

// Match reports whether e passes the filter.
func (f *Filter) Match(e *sim.Event) bool {
	if f.kinds != 0 && f.kinds&(1<<e.Kind) == 0 {
		return false
	}
	if f.harts != nil && e.Hart >= 0 && (int(e.Hart) >= len(f.harts) || !f.harts[e.Hart]) {
		return false
	}
	return !hasPC(e) || f.matchPC(e.PC)
}

// matchPC reports whether pc is in one of the filter's ranges, if it has any.
func (f *Filter) matchPC(pc uint64) bool {
	if len(f.ranges) == 0 {
		return true
	}
	for _, r := range f.ranges {
		if pc >= r.Lo && pc < r.Hi {
			return true
		}
	}
	return false
}

// Wants reports whether some event of kind k from hart (-1: the board) can
// match: the kind and hart terms decide; a pc range may still drop it.
func (f *Filter) Wants(hart int32, k sim.Kind) bool {
	if f.kinds != 0 && f.kinds&(1<<k) == 0 {
		return false
	}
	return f.harts == nil || hart < 0 || (int(hart) < len(f.harts) && f.harts[hart])
}

// String renders the filter in the syntax ParseFilter reads.
func (f *Filter) String() string {
	var terms []string
	if f.harts != nil {
		var hs []string
		for h, ok := range f.harts {
			if ok {
				hs = append(hs, strconv.Itoa(h))
			}
		}
		terms = append(terms, "hart="+strings.Join(hs, "+"))
	}
	if len(f.ranges) > 0 {
		var rs []string
		for _, r := range f.ranges {
			rs = append(rs, fmt.Sprintf("%#x-%#x", r.Lo, r.Hi))
		}
		terms = append(terms, "pc="+strings.Join(rs, "+"))
	}
	if f.kinds != 0 {
		var ks []string
		for k := sim.KindRetire; k <= sim.KindMeta; k++ {
			if f.kinds&(1<<k) != 0 {
				ks = append(ks, kindNames[k])
			}
		}
		terms = append(terms, "kind="+strings.Join(ks, "+"))
	}
	return strings.Join(terms, ",")
}
