package hart

import (
	"fmt"
	"strings"
)

// ext is a set of implemented ISA extensions; decode consults it so that a
// hart without an extension raises illegal instruction for its encodings.
type ext uint32

const (
	extI ext = 1 << iota
	extM
	extA
	extF
	extD
	extC
	extZicsr
	extZifencei
	extZicntr
	extZihpm
	extZba
	extZbb
	extZbc
	extZbs
	extZihintpause
	extSstc
)

// extNames maps the multi-letter extensions of an ISA string to their bits.
var extNames = map[string]ext{
	"zicsr":       extZicsr,
	"zifencei":    extZifencei,
	"zicntr":      extZicntr,
	"zihpm":       extZihpm,
	"zba":         extZba,
	"zbb":         extZbb,
	"zbc":         extZbc,
	"zbs":         extZbs,
	"zihintpause": extZihintpause,
	"sstc":        extSstc,
}

// parseISA reads an ISA string such as "rv64imafdc_zicsr_zba". Zicsr,
// Zifencei and Zicntr are implied: every hart this package models has them
// (the ratified split postdates the boards' device trees, which omit them).
// It also returns the misa extension bits.
func parseISA(s string) (ext, uint64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		s = "rv64i"
	}
	if !strings.HasPrefix(s, "rv64") {
		return 0, 0, fmt.Errorf("hart: ISA %q: only rv64 is supported", s)
	}
	parts := strings.Split(s[4:], "_")
	var e ext = extZicsr | extZifencei | extZicntr
	var misa uint64
	letters := parts[0]
	for _, c := range letters {
		switch c {
		case 'i':
			e |= extI
		case 'm':
			e |= extM
		case 'a':
			e |= extA
		case 'f':
			e |= extF
		case 'd':
			e |= extD | extF
			misa |= 1 << ('f' - 'a')
		case 'c':
			e |= extC
		case 'g':
			e |= extI | extM | extA | extF | extD
			misa |= 1<<('i'-'a') | 1<<('m'-'a') | 1<<('a'-'a') | 1<<('f'-'a') | 1<<('d'-'a')
			continue
		case 'e':
			return 0, 0, fmt.Errorf("hart: ISA %q: RV64E is not supported", s)
		default:
			return 0, 0, fmt.Errorf("hart: ISA %q: unknown extension %q", s, c)
		}
		misa |= 1 << (c - 'a')
	}
	if e&extI == 0 {
		return 0, 0, fmt.Errorf("hart: ISA %q: base I missing", s)
	}
	for _, p := range parts[1:] {
		if p == "" {
			continue
		}
		b, ok := extNames[p]
		if !ok {
			// Unknown Z/S/X extensions of a device tree (svpbmt, zicbom, ...)
			// are refused so that a board never silently claims more
			// than the model implements.
			return 0, 0, fmt.Errorf("hart: ISA %q: extension %q is not implemented", s, p)
		}
		e |= b
	}
	return e, misa, nil
}
