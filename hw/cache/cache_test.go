package cache

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func u74L1D(t *testing.T, r Replacement) *Cache {
	c, err := New(Config{Name: "l1d", Size: 32 << 10, Ways: 8, Line: 64, HitLatency: 1, MissLatency: 10, Replacement: r, Seed: 7})
	require.NoError(t, err)
	return c
}

func TestGeometryIsChecked(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Size: 3000, Ways: 1, Line: 64}, "size 3000 is not a power of two"},
		{Config{Size: 4096, Ways: 1, Line: 48}, "line 48 is not a power of two"},
		{Config{Size: 4096, Ways: 3, Line: 64}, "3 ways do not divide 64 lines"},
		{Config{Size: 4096, Ways: 0, Line: 64}, "0 ways do not divide"},
		{Config{Size: 4096, Ways: 16, Line: 64}, ""},
	} {
		_, err := New(c.cfg)
		if c.want == "" {
			require.NoError(t, err)
		} else {
			require.ErrorContains(t, err, c.want)
		}
	}
	c := u74L1D(t, Random)
	require.Equal(t, uint64(64), c.Sets())
}

// A strided sweep misses exactly as set arithmetic predicts: a working set
// that fits hits on the second pass; one twice the size misses every time
// under LRU (each set sees 16 lines cycling through 8 ways).
func TestStridedMissesFollowGeometry(t *testing.T) {
	for _, ws := range []uint64{16 << 10, 32 << 10, 64 << 10} {
		c := u74L1D(t, LRU)
		for pass := 0; pass < 2; pass++ {
			for a := uint64(0); a < ws; a += 64 {
				c.Access(0x8000_0000+a, false)
			}
		}
		lines := ws / 64
		want := lines // compulsory misses
		if ws > 32<<10 {
			want = 2 * lines
		}
		require.Equal(t, want, c.Stats.Misses, "working set %d", ws)
		require.Equal(t, 2*lines, c.Stats.Accesses)
	}
}

func TestLatencyChainsThroughLevels(t *testing.T) {
	l1 := u74L1D(t, Random)
	l2, err := New(Config{Name: "l2", Size: 2 << 20, Ways: 16, Line: 64, HitLatency: 20, MissLatency: 100})
	require.NoError(t, err)
	l1.Next = l2
	require.Equal(t, uint64(1+10+20+100), l1.Access(0x1000, false))
	require.Equal(t, uint64(1), l1.Access(0x1008, true))
	l1.InvalidateAll()
	require.Equal(t, uint64(1+10+20), l1.Access(0x1000, false), "L2 still holds the line")
	require.Equal(t, uint64(1), l1.Stats.Writebacks, "the dirty line was written back")
}

func TestRandomReplacementIsSeededAndDeterministic(t *testing.T) {
	run := func(seed uint64) Stats {
		c, _ := New(Config{Size: 4096, Ways: 4, Line: 64, Seed: seed})
		for i := uint64(0); i < 5000; i++ {
			c.Access((i*2654435761)%(64<<10), i%3 == 0)
		}
		return c.Stats
	}
	require.Equal(t, run(1), run(1))
	require.NotEqual(t, run(1), run(2))
}

func TestKeptDataIsStaleUntilRefilled(t *testing.T) {
	mem := make([]byte, 1<<12)
	mem[0x40] = 0xAA
	var evicted []uint64
	c, err := New(Config{Size: 1024, Ways: 2, Line: 64, KeepData: true})
	require.NoError(t, err)
	c.Fill = func(a uint64, dst []byte) { copy(dst, mem[a:]) }
	c.OnEvict = func(a uint64) { evicted = append(evicted, a) }
	c.Access(0x40, false)
	mem[0x40] = 0xBB // a store the cache does not see
	require.Equal(t, byte(0xAA), c.Data(0x40)[0])
	c.Invalidate(0x40)
	require.Nil(t, c.Data(0x40))
	require.Equal(t, []uint64{0x40}, evicted)
	c.Access(0x40, false)
	require.Equal(t, byte(0xBB), c.Data(0x40)[0])
}

func BenchmarkAccessHit(b *testing.B) {
	c, _ := New(Config{Size: 32 << 10, Ways: 8, Line: 64})
	for i := 0; i < b.N; i++ {
		c.Access(uint64(i&511)*8, false)
	}
}
