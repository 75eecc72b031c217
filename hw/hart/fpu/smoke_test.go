package fpu

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func bits32(x float32) uint32 { return math.Float32bits(x) }
func bits64(x float64) uint64 { return math.Float64bits(x) }

func TestSmoke(t *testing.T) {
	r, fl := Add32(bits32(1), bits32(2), RNE)
	require.Equal(t, bits32(3), r)
	require.Zero(t, fl)
	r, fl = Div32(bits32(1), bits32(3), RNE)
	require.Equal(t, bits32(1.0/3), r)
	require.Equal(t, NX, fl)
	r, fl = Div32(bits32(1), bits32(3), RTZ)
	require.Equal(t, bits32(1.0/3)-1, r)
	require.Equal(t, NX, fl)
	d, fl := Sqrt64(bits64(2), RNE)
	require.Equal(t, bits64(math.Sqrt2), d)
	require.Equal(t, NX, fl)
	d, fl = fmt64.sqrt(bits64(2), RNE)
	require.Equal(t, bits64(math.Sqrt2), d)
	require.Equal(t, NX, fl)
	d, fl = fmt64.sqrt(bits64(9), RNE)
	require.Equal(t, bits64(3), d)
	require.Zero(t, fl)
	d, fl = fmt64.div(bits64(1), bits64(10), RNE)
	require.Equal(t, bits64(0.1), d)
	require.Equal(t, NX, fl)
	d, fl = fmt64.mul(bits64(0.1), bits64(3), RNE)
	x, y := 0.1, 3.0
	require.Equal(t, bits64(x*y), d)
	require.Equal(t, NX, fl)
	d, fl = fmt64.add(bits64(0.1), bits64(0.2), RNE)
	require.Equal(t, bits64(0.30000000000000004), d)
	require.Equal(t, NX, fl)
	d, fl = MulAdd64(bits64(0.1), bits64(10), bits64(-1), false, false, RNE)
	require.Equal(t, bits64(0x1p-54), d) // 0.1 is 3602879701896397×2^-55: exact
	require.Zero(t, fl)
	d, fl = MulAdd64(bits64(math.Inf(1)), 0, CanonicalNaN64, false, false, RNE)
	require.Equal(t, CanonicalNaN64, d)
	require.Equal(t, NV, fl)
	v, fl := F64ToI32(bits64(-2.5), RNE)
	require.Equal(t, uint64(0xfffffffffffffffe), v)
	require.Equal(t, NX, fl)
	v, fl = F64ToU32(bits64(math.NaN()), RNE)
	require.Equal(t, uint64(math.MaxUint64), v)
	require.Equal(t, NV, fl)
	d, fl = I64ToF64(math.MinInt64, RNE)
	require.Equal(t, bits64(-0x1p63), d)
	require.Zero(t, fl)
	r, fl = F64ToF32(1, RNE) // smallest subnormal double
	require.Equal(t, uint32(0), r)
	require.Equal(t, NX|UF, fl)
	r, fl = F64ToF32(1, RUP)
	require.Equal(t, uint32(1), r)
	require.Equal(t, NX|UF, fl)
	r, fl = Mul32(bits32(math.MaxFloat32), bits32(2), RTZ)
	require.Equal(t, bits32(math.MaxFloat32), r)
	require.Equal(t, OF|NX, fl)
}
