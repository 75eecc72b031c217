package trace

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultVolatile is the volatile set the comparison masks unless told
// otherwise: counters and timers that two runs never agree on, the
// pending-interrupt registers whose bits depend on when a timer fired, and
// the CLINT's mtime register where QEMU's virt and sifive_u (and the
// boards modelled on them) put it, 0x0200bff8. Values computed from a
// volatile value are masked too (the comparison follows them through
// registers, not through memory).
const DefaultVolatile = "csr:cycle,csr:time,csr:instret,csr:mcycle,csr:minstret,csr:mip,csr:sip,mem:0x200bff8-0x200c000"

// Volatile lists values the comparison does not compare: reads of named
// CSRs (the destination register of a Zicsr instruction naming one, and
// its CSR write), loads from address ranges (the loaded value), and spin
// loops: code ranges where a hart waits for memory another hart writes,
// so how many times it goes round depends on the interleaving of harts,
// which QEMU's round-robin TCG and cosim's engine choose differently (and
// QEMU's by host time). Events at a pc in a spin range are not compared on
// either side; the comparison goes on from each side's first event after.
type Volatile struct {
	CSRs   map[uint16]bool
	Ranges []PCRange
	Spins  []PCRange
}

// ParseVolatile parses "csr:NAME|NUMBER,...,mem:LO-HI,...,spin:LO-HI,...";
// "none" or "" gives the empty set.
func ParseVolatile(s string) (Volatile, error) {
	v := Volatile{CSRs: map[uint16]bool{}}
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return v, nil
	}
	for _, term := range strings.Split(s, ",") {
		kind, val, ok := strings.Cut(strings.TrimSpace(term), ":")
		switch {
		case ok && kind == "csr":
			csr, found := CSRByName(val)
			if !found {
				return Volatile{}, fmt.Errorf("volatile: unknown CSR %q", val)
			}
			v.CSRs[csr] = true
		case ok && (kind == "mem" || kind == "spin"):
			los, his, ok := strings.Cut(val, "-")
			lo, err1 := strconv.ParseUint(los, 0, 64)
			hi, err2 := strconv.ParseUint(his, 0, 64)
			if !ok || err1 != nil || err2 != nil || hi <= lo {
				return Volatile{}, fmt.Errorf("volatile: range %q: want %s:LO-HI", val, kind)
			}
			if kind == "mem" {
				v.Ranges = append(v.Ranges, PCRange{lo, hi})
			} else {
				v.Spins = append(v.Spins, PCRange{lo, hi})
			}
		default:
			return Volatile{}, fmt.Errorf("volatile: term %q: want csr:NAME, mem:LO-HI or spin:LO-HI", term)
		}
	}
	return v, nil
}

// MustDefaultVolatile returns the parsed DefaultVolatile.
func MustDefaultVolatile() Volatile {
	v, err := ParseVolatile(DefaultVolatile)
	if err != nil {
		panic(err) // a constant of this package: a bug, not input
	}
	return v
}

// csrVolatile reports whether insn is a Zicsr instruction naming a
// volatile CSR.
func (v *Volatile) csrVolatile(insn uint32) bool {
	csr, ok := zicsrTarget(insn)
	return ok && v.CSRs[csr]
}

func (v *Volatile) memVolatile(addr uint64) bool {
	for _, r := range v.Ranges {
		if addr >= r.Lo && addr < r.Hi {
			return true
		}
	}
	return false
}

func (v *Volatile) inSpin(pc uint64) bool {
	for _, r := range v.Spins {
		if pc >= r.Lo && pc < r.Hi {
			return true
		}
	}
	return false
}
