package hart

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/cache"
	"cosim/hw/sim"
)

const fenceI = 0x0000100f

func jalr(rd, rs1 uint32, imm int32) uint32 { return iType(uint32(imm), rs1, 0, rd, 0x67) }
func bne(rs1, rs2 uint32, off int32) uint32 { return bType(uint32(off), rs2, rs1, 1) }

func newCache(t *testing.T, name string, size, ways uint64, r cache.Replacement, keep bool) *cache.Cache {
	c, err := cache.New(cache.Config{Name: name, Size: size, Ways: ways, Line: 64, HitLatency: 1, MissLatency: 20,
		Replacement: r, Seed: 1, KeepData: keep})
	require.NoError(t, err)
	return c
}

// selfModifying calls f (a0 = 1), rewrites f's first instruction to
// a0 = 2 with a store, calls it again, executes fence.i and calls it a
// third time; s1, s2, s3 hold the three results.
func selfModifying(t *testing.T, c Caches) *Hart { return selfModifyingObserved(t, c, nil) }

func selfModifyingObserved(t *testing.T, c Caches, obs sim.Observer) *Hart {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	require.NoError(t, h.SetCaches(c))
	h.Obs = obs
	f := m.base + 0x100
	m.put(m.base,
		jal(1, 0x100), addi(9, 10, 0),
		sd(6, 5, 0),
		jal(1, 0x100-12), addi(18, 10, 0),
		fenceI,
		jal(1, 0x100-24), addi(19, 10, 0),
		jal(0, 0))
	m.put(f, addi(10, 0, 1), jalr(0, 1, 0))
	h.SetX(5, f)
	h.SetX(6, uint64(jalr(0, 1, 0))<<32|uint64(addi(10, 0, 2)))
	h.Run(16)
	return h
}

func TestNonCoherentICacheRunsStaleCodeUntilFenceI(t *testing.T) {
	h := selfModifying(t, Caches{I: newCache(t, "l1i", 16<<10, 2, cache.Random, true), ICoherent: false})
	require.Equal(t, []uint64{1, 1, 2}, []uint64{h.X(9), h.X(18), h.X(19)},
		"the second call runs the line the I-cache captured; fence.i drops it")
	i, _ := h.CacheStats()
	require.Equal(t, uint64(4), i.Misses, "main's and f's lines, then both again after fence.i")
}

func TestCoherentICacheAndNoCacheSeeStoresAtOnce(t *testing.T) {
	for name, c := range map[string]Caches{
		"coherent": {I: newCache(t, "l1i", 16<<10, 2, cache.Random, false), ICoherent: true},
		"none":     {},
	} {
		h := selfModifying(t, c)
		require.Equal(t, []uint64{1, 2, 2}, []uint64{h.X(9), h.X(18), h.X(19)}, name)
	}
}

func TestNonCoherentICacheNeedsKeepData(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	require.ErrorContains(t, h.SetCaches(Caches{I: newCache(t, "l1i", 16<<10, 2, cache.Random, false)}), "keep the bytes")
}

// strided loads n lines at a 64-byte stride, passes times over the same
// addresses, through an LRU D-cache of the given geometry.
func strided(t *testing.T, size, ways uint64, n, passes int) (*Hart, cache.Stats) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	d := newCache(t, "l1d", size, ways, cache.LRU, false)
	require.NoError(t, h.SetCaches(Caches{D: d, ICoherent: true}))
	m.put(m.base,
		addi(5, 31, 0), // pass: x5 = data
		addi(28, 0, int32(n)),
		ld(7, 5, 0), // loop
		addi(5, 5, 64),
		addi(28, 28, -1),
		bne(28, 0, -12),
		addi(29, 29, -1),
		bne(29, 0, -28),
		jal(0, 0))
	h.SetX(31, m.base+0x4_0000)
	h.SetX(29, uint64(passes))
	require.Equal(t, uint64(passes*(4*n+4)), h.Run(uint64(passes*(4*n+4))))
	require.Equal(t, m.base+32, h.PC())
	return h, d.Stats
}

func TestStridedLoadMissesFollowGeometry(t *testing.T) {
	// 1 KiB, 2 ways, 64-byte lines: 8 sets. 16 lines fit; 32 lines put
	// 4 lines in each set, which LRU evicts before their next use.
	_, fit := strided(t, 1<<10, 2, 16, 3)
	require.Equal(t, uint64(16), fit.Misses, "only the first pass misses")
	_, thrash := strided(t, 1<<10, 2, 32, 3)
	require.Equal(t, uint64(96), thrash.Misses, "every load misses")
	require.Equal(t, uint64(96-16), thrash.Evictions)
}

func TestCacheLatencyCountsInCyclesNotInstret(t *testing.T) {
	h, st := strided(t, 1<<10, 2, 32, 1)
	require.Equal(t, uint64(32), st.Misses)
	// Each miss costs hit+miss latency (21 cycles) on top of the one cycle
	// per instruction; the loop body never reloads a line.
	require.Equal(t, h.Instret()+32*21, h.Cycle())
}

func TestEvictionFromNonCoherentICacheRefetchesMemory(t *testing.T) {
	// Two direct-mapped lines: main (at base) and f (base+0x100) share set
	// 0, so each call evicts the caller's line and each return f's: the
	// second call refetches f from memory and sees the store.
	tiny, err := cache.New(cache.Config{Name: "l1i", Size: 128, Ways: 1, Line: 64, KeepData: true})
	require.NoError(t, err)
	h := selfModifying(t, Caches{I: tiny})
	require.Equal(t, []uint64{1, 2, 2}, []uint64{h.X(9), h.X(18), h.X(19)})
	require.NotZero(t, tiny.Stats.Evictions)
}

// A store by one hart to code another hart has cached is not seen by the
// other's fetches until fence.i runs on it on the writer's behalf (SBI
// remote fence.i calls FenceI).
func TestRemoteFenceIDropsAnotherHartsStaleLine(t *testing.T) {
	m := newTestMachine(t)
	a := m.hart(t, 0, m.base)
	b := m.hart(t, 1, m.base+0x200)
	for _, h := range []*Hart{a, b} {
		require.NoError(t, h.SetCaches(Caches{I: newCache(t, "l1i", 16<<10, 2, cache.Random, true)}))
	}
	f := m.base + 0x100
	m.put(m.base, jal(1, 0x100), addi(9, 10, 0), jal(0, 0))
	m.put(f, addi(10, 0, 1), jalr(0, 1, 0))
	m.put(m.base+0x200, sd(6, 5, 0), jal(0, 0))
	b.SetX(5, f)
	b.SetX(6, uint64(jalr(0, 1, 0))<<32|uint64(addi(10, 0, 2)))
	callF := func() uint64 {
		a.SetPC(m.base)
		a.Run(4)
		return a.X(9)
	}
	require.Equal(t, uint64(1), callF())
	b.Run(1)
	require.Equal(t, uint64(1), callF(), "hart 0 still runs the line it fetched")
	a.FenceI()
	require.Equal(t, uint64(2), callF())
}

// The hart's line buffer serves alternating loads from two lines without
// a lookup when hits move no state (random replacement); under LRU every
// change of line is a lookup, so that the ages follow the accesses.
func TestLineBufferServesTwoLinesUnderRandomReplacement(t *testing.T) {
	for r, want := range map[cache.Replacement]uint64{cache.Random: 2, cache.LRU: 20} {
		m := newTestMachine(t)
		h := m.hart(t, 0, m.base)
		d := newCache(t, "l1d", 1<<10, 2, r, false)
		require.NoError(t, h.SetCaches(Caches{D: d}))
		m.put(m.base,
			addi(28, 0, 10),
			ld(7, 5, 0), // loop
			ld(7, 5, 64),
			addi(28, 28, -1),
			bne(28, 0, -12),
			jal(0, 0))
		h.SetX(5, m.base+0x4_0000)
		h.Run(1 + 10*4)
		require.Equal(t, m.base+20, h.PC())
		require.Equal(t, cache.Stats{Accesses: want, Misses: 2}, d.Stats, "replacement %d", r)
	}
}

// Observation steps the run loop one instruction at a time; the caches
// must see the same lookups, and the hart spend the same cycles, as
// without it.
func TestObservationDoesNotChangeCacheBehaviour(t *testing.T) {
	type outcome struct {
		i, d    cache.Stats
		cycles  uint64
		results []uint64
	}
	run := func(obs sim.Observer) outcome {
		c := Caches{I: newCache(t, "l1i", 16<<10, 2, cache.Random, true), D: newCache(t, "l1d", 1<<10, 2, cache.Random, false)}
		h := selfModifyingObserved(t, c, obs)
		return outcome{c.I.Stats, c.D.Stats, h.Cycle(), []uint64{h.X(9), h.X(18), h.X(19)}}
	}
	col := &collect{}
	plain, observed := run(nil), run(col)
	require.NotEmpty(t, col.evs)
	require.Equal(t, plain, observed)
	require.Equal(t, []uint64{1, 1, 2}, observed.results)
}

// With 128-byte lines a line occupies two slots of the line buffer; its
// eviction must empty both, or a later access to its second half would be
// taken for a hit.
func TestEvictionEmptiesEveryBufferSlotOfALongLine(t *testing.T) {
	m := newTestMachine(t)
	h := m.hart(t, 0, m.base)
	d, err := cache.New(cache.Config{Name: "l1d", Size: 256, Ways: 1, Line: 128, Seed: 1})
	require.NoError(t, err)
	require.NoError(t, h.SetCaches(Caches{D: d}))
	data := m.base + 0x4_0000
	m.put(m.base,
		ld(7, 5, 64),  // second half of line A: miss
		ld(7, 5, 256), // line B, same set: evicts A
		ld(7, 5, 64),  // A again: must miss
		jal(0, 0))
	h.SetX(5, data)
	h.Run(3)
	require.Equal(t, uint64(3), d.Stats.Misses)
}
