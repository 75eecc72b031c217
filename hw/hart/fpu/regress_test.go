package fpu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// regression is one fixed case: the instruction, static rm, operand and
// result registers as the guest sees them (binary32 values NaN-boxed), and
// why it is here. TestQEMU runs these too, so each want is QEMU's answer.
type regression struct {
	op      string
	rm      uint8
	a, b, c uint64
	want    uint64
	flags   uint8
	why     string
}

const (
	one32  = 0xffffffff_3f800000
	qnan32 = 0xffffffff_7fc00000
	snan32 = 0xffffffff_7f800001
	pz32   = 0xffffffff_00000000
	nz32   = 0xffffffff_80000000
	one64  = 0x3ff0000000000000
	qnan64 = 0x7ff8000000000000
	snan64 = 0x7ff0000000000001
)

var regressions = []regression{
	{"fmsub.s", RNE, 0xffffffff_81000000, 0xffffffff_80ffffff, 0xffffffff_00800000, 0xffffffff_80800000, NX,
		"rounds up to the smallest normal: tiny before rounding but not after, so no UF"},
	{"fadd.s", RNE, snan32, one32, 0, qnan32, NV, "sNaN operand: canonical NaN and NV"},
	{"fadd.d", RNE, 0x7ff800000000abcd, one64, 0, qnan64, 0, "qNaN payload is not propagated"},
	{"fadd.s", RNE, 0x3f800000, one32, 0, qnan32, 0, "improperly NaN-boxed operand reads as the canonical NaN"},
	{"fmin.s", RNE, nz32, pz32, 0, nz32, 0, "fmin: -0 < +0"},
	{"fmax.s", RNE, nz32, pz32, 0, pz32, 0, "fmax: -0 < +0"},
	{"fmin.s", RNE, qnan32, one32, 0, one32, 0, "minimumNumber: a quiet NaN loses quietly"},
	{"fmin.s", RNE, snan32, one32, 0, one32, NV, "minimumNumber: a signalling NaN loses, with NV"},
	{"fmax.d", RNE, qnan64, 0x7ff8000000000001, 0, qnan64, 0, "two NaNs: canonical NaN"},
	{"feq.s", RNE, qnan32, one32, 0, 0, 0, "feq is quiet on qNaN"},
	{"feq.d", RNE, snan64, one64, 0, 0, NV, "feq signals on sNaN"},
	{"flt.s", RNE, qnan32, one32, 0, 0, NV, "flt signals on any NaN"},
	{"fle.d", RNE, one64, qnan64, 0, 0, NV, "fle signals on any NaN"},
	{"feq.s", RNE, pz32, nz32, 0, 1, 0, "+0 == -0"},
	{"flt.d", RNE, 0x8000000000000000, 0, 0, 0, 0, "-0 < +0 is false for flt"},
	{"fclass.s", RNE, 0xffffffff_ff800000, 0, 0, 1 << 0, 0, "fclass -inf"},
	{"fclass.s", RNE, 0xffffffff_80000001, 0, 0, 1 << 2, 0, "fclass negative subnormal"},
	{"fclass.d", RNE, 0x8000000000000000, 0, 0, 1 << 3, 0, "fclass -0"},
	{"fclass.d", RNE, 0x0010000000000000, 0, 0, 1 << 6, 0, "fclass smallest positive normal"},
	{"fclass.s", RNE, snan32, 0, 0, 1 << 8, 0, "fclass sNaN"},
	{"fclass.d", RNE, qnan64, 0, 0, 1 << 9, 0, "fclass qNaN"},
	{"fcvt.w.s", RNE, qnan32, 0, 0, 0x7fffffff, NV, "NaN converts to the largest positive"},
	{"fcvt.w.s", RNE, 0xffffffff_ff800000, 0, 0, 0xffffffff_80000000, NV, "-inf saturates to the minimum"},
	{"fcvt.wu.s", RNE, qnan32, 0, 0, 0xffffffff_ffffffff, NV, "NaN to unsigned: 2^32-1, sign-extended in rd"},
	{"fcvt.wu.s", RNE, 0xffffffff_bf800000, 0, 0, 0, NV, "-1.0 to unsigned is invalid"},
	{"fcvt.wu.s", RTZ, 0xffffffff_bf000000, 0, 0, 0, NX, "-0.5 to unsigned rounds to 0: inexact only"},
	{"fcvt.lu.d", RNE, 0x43f0000000000000, 0, 0, 0xffffffffffffffff, NV, "2^64 to unsigned 64 saturates"},
	{"fcvt.l.d", RNE, 0xc3e0000000000000, 0, 0, 0x8000000000000000, 0, "-2^63 fits exactly"},
	{"fcvt.w.d", RTZ, 0x41dfffffffe00000, 0, 0, 0x7fffffff, NX, "2^31-0.5 truncates into range"},
	{"fcvt.w.d", RNE, 0x41dfffffffe00000, 0, 0, 0x7fffffff, NV, "2^31-0.5 ties to even 2^31: out of range"},
	{"fcvt.w.d", RNE, 0xc1e0000000100000, 0, 0, 0xffffffff_80000000, NX, "-2^31-0.5 ties to even -2^31"},
	{"fcvt.s.w", RNE, 0xdeadbeef_00000003, 0, 0, 0xffffffff_40400000, 0, "fcvt.s.w ignores rs1[63:32]"},
	{"fmadd.d", RNE, 0x7ff0000000000000, 0, qnan64, qnan64, NV, "inf×0 is invalid even with a quiet NaN addend"},
	{"fmadd.d", RDN, one64, one64, 0xbff0000000000000, 0x8000000000000000, 0, "exact zero sum rounds down to -0"},
	{"fmadd.d", RNE, one64, one64, 0xbff0000000000000, 0, 0, "exact zero sum is +0 otherwise"},
	{"fsqrt.d", RNE, 0x8000000000000000, 0, 0, 0x8000000000000000, 0, "sqrt(-0) = -0"},
	{"fsqrt.s", RNE, 0xffffffff_bf800000, 0, 0, qnan32, NV, "sqrt of a negative is invalid"},
	{"fdiv.s", RNE, one32, pz32, 0, 0xffffffff_7f800000, DZ, "division by zero"},
	{"fdiv.d", RNE, 0, 0, 0, qnan64, NV, "0/0 is invalid"},
	{"fcvt.s.d", RTZ, 0x7fefffffffffffff, 0, 0, 0xffffffff_7f7fffff, OF | NX, "overflow towards zero: largest finite"},
	{"fcvt.s.d", RNE, 0x7fefffffffffffff, 0, 0, 0xffffffff_7f800000, OF | NX, "overflow to nearest: infinity"},
	{"fcvt.s.d", RUP, 1, 0, 0, 0xffffffff_00000001, UF | NX, "tiny double rounds up to the smallest subnormal"},
	{"fcvt.d.s", RNE, snan32, 0, 0, qnan64, NV, "widening an sNaN"},
	{"fmul.d", RNE, 0x0170000000000000, 0x3c30000000000000, 0, 0x0000000000004000, 0, "exact subnormal product: no UF"},
	{"fmul.s", RDN, 0xffffffff_7f000000, 0xffffffff_40800000, 0, 0xffffffff_7f7fffff, OF | NX, "positive overflow rounding down"},
}

func opByName(t *testing.T, ops []opCase, name string) int {
	t.Helper()
	for i, op := range ops {
		if op.name == name {
			return i
		}
	}
	t.Fatalf("no instruction %q in the table", name)
	return 0
}

func regressionVectors(t *testing.T, ops []opCase) []vector {
	var vs []vector
	for _, r := range regressions {
		vs = append(vs, vector{opByName(t, ops, r.op), r.rm, r.a, r.b, r.c})
	}
	return vs
}

func TestRegressions(t *testing.T) {
	ops := allOps()
	for i, v := range regressionVectors(t, ops) {
		r := regressions[i]
		got, fl := expect(ops[v.op], v)
		require.Equal(t, r.want, got, "%s (%s)", ops[v.op].describe(v.a, v.b, v.c, v.rm), r.why)
		require.Equal(t, r.flags, fl, "%s (%s): flags", ops[v.op].describe(v.a, v.b, v.c, v.rm), r.why)
	}
}
