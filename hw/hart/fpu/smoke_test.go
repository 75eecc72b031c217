package fpu

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func f32(x float32) uint32 { return math.Float32bits(x) }
func f64(x float64) uint64 { return math.Float64bits(x) }

func TestSmoke(t *testing.T) {
	r, fl := Add32(f32(1), f32(2), RNE)
	require.Equal(t, f32(3), r)
	require.Zero(t, fl)
	r, fl = Div32(f32(1), f32(3), RNE)
	require.Equal(t, f32(1.0/3), r)
	require.Equal(t, NX, fl)
	r, fl = Div32(f32(1), f32(3), RTZ)
	require.Equal(t, f32(1.0/3)-1, r)
	require.Equal(t, NX, fl)
	d, fl := Sqrt64(f64(2), RNE)
	require.Equal(t, f64(math.Sqrt2), d)
	require.Equal(t, NX, fl)
	d, fl = fmt64.sqrt(f64(2), RNE)
	require.Equal(t, f64(math.Sqrt2), d)
	require.Equal(t, NX, fl)
	d, fl = fmt64.sqrt(f64(9), RNE)
	require.Equal(t, f64(3), d)
	require.Zero(t, fl)
	d, fl = fmt64.div(f64(1), f64(10), RNE)
	require.Equal(t, f64(0.1), d)
	require.Equal(t, NX, fl)
	d, fl = fmt64.mul(f64(0.1), f64(3), RNE)
	x, y := 0.1, 3.0
	require.Equal(t, f64(x*y), d)
	require.Equal(t, NX, fl)
	d, fl = fmt64.add(f64(0.1), f64(0.2), RNE)
	require.Equal(t, f64(0.30000000000000004), d)
	require.Equal(t, NX, fl)
	d, fl = MulAdd64(f64(0.1), f64(10), f64(-1), false, false, RNE)
	require.Equal(t, f64(0x1p-54), d) // 0.1 is 3602879701896397×2^-55: exact
	require.Zero(t, fl)
	d, fl = MulAdd64(f64(math.Inf(1)), 0, CanonicalNaN64, false, false, RNE)
	require.Equal(t, CanonicalNaN64, d)
	require.Equal(t, NV, fl)
	v, fl := F64ToI32(f64(-2.5), RNE)
	require.Equal(t, uint64(0xfffffffffffffffe), v)
	require.Equal(t, NX, fl)
	v, fl = F64ToU32(f64(math.NaN()), RNE)
	require.Equal(t, uint64(math.MaxUint64), v)
	require.Equal(t, NV, fl)
	d, fl = I64ToF64(math.MinInt64, RNE)
	require.Equal(t, f64(-0x1p63), d)
	require.Zero(t, fl)
	r, fl = F64ToF32(1, RNE) // smallest subnormal double
	require.Equal(t, uint32(0), r)
	require.Equal(t, NX|UF, fl)
	r, fl = F64ToF32(1, RUP)
	require.Equal(t, uint32(1), r)
	require.Equal(t, NX|UF, fl)
	r, fl = Mul32(f32(math.MaxFloat32), f32(2), RTZ)
	require.Equal(t, f32(math.MaxFloat32), r)
	require.Equal(t, OF|NX, fl)
}
