package fpu

import (
	"flag"
	"fmt"
	"testing"
)

var (
	oracleCases = flag.Int("fpu.oracle", 1500, "random cases per instruction and rounding mode in TestOracle")
	seedFlag    = flag.Uint64("fpu.seed", 1, "seed for the random operand generators")
)

// TestOracle compares every instruction in every rounding mode against the
// math/big model on seeded random operands.
func TestOracle(t *testing.T) {
	n := *oracleCases
	if testing.Short() {
		n /= 10
	}
	for i, op := range allOps() {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			g := newGen(*seedFlag+uint64(i)*1000003, op.spec)
			rms := []uint8{RNE}
			if op.rounds {
				rms = []uint8{RNE, RTZ, RDN, RUP, RMM}
			}
			bad := 0
			for range n {
				a, b, c := op.gen(g)
				for _, rm := range rms {
					got, gotFl := op.impl(a, b, c, rm)
					want, wantFl := op.oracle(a, b, c, rm)
					if got != want || gotFl != wantFl {
						bad++
						if bad <= 8 {
							t.Errorf("%s: got %#x flags %#x, want %#x flags %#x", op.describe(a, b, c, rm), got, gotFl, want, wantFl)
						}
					}
				}
			}
			if bad > 8 {
				t.Errorf("%d mismatches in all", bad)
			}
			t.Logf("%d operand sets × %d modes", n, len(rms))
		})
	}
}

// TestSoftPathOracle checks the software path on its own for the operations
// that have a host fast path, which would otherwise hide it for ordinary
// operands.
func TestSoftPathOracle(t *testing.T) {
	n := *oracleCases
	if testing.Short() {
		n /= 10
	}
	type softOp struct {
		name   string
		f      *format
		s      spec
		impl   fn
		oracle fn
		gen    func(g *gen) (uint64, uint64, uint64)
	}
	var ops []softOp
	for _, fs := range []struct {
		f *format
		s spec
	}{{fmt32, spec32}, {fmt64, spec64}} {
		f, s := fs.f, fs.s
		ops = append(ops,
			softOp{"add", f, s, func(a, b, _ uint64, rm uint8) (uint64, uint8) { return f.add(a, b, rm) },
				func(a, b, _ uint64, rm uint8) (uint64, uint8) { return s.oracleAdd(a, b, rm) }, genBinary},
			softOp{"mul", f, s, func(a, b, _ uint64, rm uint8) (uint64, uint8) { return f.mul(a, b, rm) },
				func(a, b, _ uint64, rm uint8) (uint64, uint8) { return s.oracleMul(a, b, rm) }, genBinary},
			softOp{"div", f, s, func(a, b, _ uint64, rm uint8) (uint64, uint8) { return f.div(a, b, rm) },
				func(a, b, _ uint64, rm uint8) (uint64, uint8) { return s.oracleDiv(a, b, rm) }, genDiv},
			softOp{"sqrt", f, s, func(a, _, _ uint64, rm uint8) (uint64, uint8) { return f.sqrt(a, rm) },
				func(a, _, _ uint64, rm uint8) (uint64, uint8) { return s.oracleSqrt(a, rm) }, genSqrt},
		)
	}
	for i, op := range ops {
		t.Run(fmt.Sprintf("%s%d", op.name, op.s.width), func(t *testing.T) {
			t.Parallel()
			g := newGen(*seedFlag+uint64(i)*7919+17, op.s)
			bad := 0
			for range n {
				a, b, c := op.gen(g)
				for rm := RNE; rm <= RMM; rm++ {
					got, gotFl := op.impl(a, b, c, rm)
					want, wantFl := op.oracle(a, b, c, rm)
					if got != want || gotFl != wantFl {
						bad++
						if bad <= 8 {
							t.Errorf("soft %s%d a=%#x b=%#x rm=%d: got %#x flags %#x, want %#x flags %#x",
								op.name, op.s.width, a, b, rm, got, gotFl, want, wantFl)
						}
					}
				}
			}
		})
	}
}
