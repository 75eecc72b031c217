package fpu

import "testing"

// FuzzOracle compares any instruction of the table on any operands and mode
// with the math/big model: go test -fuzz=FuzzOracle ./hw/hart/fpu/
func FuzzOracle(f *testing.F) {
	ops := allOps()
	for i := range ops {
		g := newGen(uint64(i), ops[i].spec)
		a, b, c := ops[i].gen(g)
		f.Add(uint8(i), uint8(i%5), a, b, c)
	}
	f.Fuzz(func(t *testing.T, opIndex, rm uint8, a, b, c uint64) {
		op := ops[int(opIndex)%len(ops)]
		rm %= 5
		mask := func(kind operand, v uint64) uint64 {
			if kind == f32 {
				return uint64(uint32(v))
			}
			return v
		}
		for k, kind := range op.srcs {
			switch k {
			case 0:
				a = mask(kind, a)
			case 1:
				b = mask(kind, b)
			default:
				c = mask(kind, c)
			}
		}
		got, gotFl := op.impl(a, b, c, rm)
		want, wantFl := op.oracle(a, b, c, rm)
		if got != want || gotFl != wantFl {
			t.Fatalf("%s: got %#x flags %#x, want %#x flags %#x", op.describe(a, b, c, rm), got, gotFl, want, wantFl)
		}
	})
}
