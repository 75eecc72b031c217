package isa

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/boards"
	"cosim/cosim/bench"
	"cosim/cosim/trace"
	"cosim/hw/hart"
	"cosim/hw/sim"
	"cosim/soc"
	"cosim/tests/isa/harness"
)

var benchQEMU = flag.Bool("qemu", false, "BenchmarkComputeQEMU: also time the compute workload on QEMU")

// buildCompute writes the compute workload of cosim/bench with the given
// iteration count.
func buildCompute(tb testing.TB, dir string, iters uint32) string {
	tb.Helper()
	data, err := bench.ComputeELF(iters)
	require.NoError(tb, err)
	out := filepath.Join(dir, fmt.Sprintf("compute-%d.elf", iters))
	require.NoError(tb, os.WriteFile(out, data, 0o644))
	return out
}

type nopObserver struct{ n uint64 }

func (o *nopObserver) Observe(e *sim.Event) { o.n++ }

// captureObserver takes retirements in batches and drops them.
type captureObserver struct{ nopObserver }

func (o *captureObserver) ObserveRetirements(b sim.Retirements) {
	o.n += uint64(b.Coded().N)
	b.Release()
}
func (o *captureObserver) AddRetireSource(func()) {}

// u74Caches builds the caches boards/fu740.toml gives its first U74 (hart 1).
func u74Caches(tb testing.TB) hart.Caches {
	b, err := boards.Open("fu740")
	require.NoError(tb, err)
	l2, err := soc.NewL2(b)
	require.NoError(tb, err)
	c, err := soc.NewHartCaches(b, b.Harts[1], l2)
	require.NoError(tb, err)
	require.NotNil(tb, c.I)
	require.False(tb, c.ICoherent)
	return c
}

func benchCompute(b *testing.B, observe bool) { benchComputeWith(b, observe, false) }

func benchComputeWith(b *testing.B, observe, caches bool) {
	var obs func() sim.Observer
	if observe {
		obs = func() sim.Observer { return &nopObserver{} }
	}
	benchComputeObs(b, obs, caches)
}

func benchComputeObs(b *testing.B, obs func() sim.Observer, caches bool) {
	elf := buildCompute(b, b.TempDir(), 200)
	var insns uint64
	var elapsed time.Duration
	for b.Loop() {
		m, err := harness.NewMachine(harness.VirtConfig(), 64<<20)
		require.NoError(b, err)
		require.NoError(b, m.LoadELF(elf))
		if caches {
			require.NoError(b, m.Hart.SetCaches(u74Caches(b)))
		}
		if obs != nil {
			m.Hart.Obs = obs()
		}
		start := time.Now()
		r, err := m.Run(1 << 40)
		elapsed += time.Since(start)
		require.NoError(b, err)
		require.True(b, r.Passed)
		require.Equal(b, bench.ChecksumAt200+"\n", r.Output)
		insns += r.Retired
		m.Close()
	}
	b.ReportMetric(float64(insns)/elapsed.Seconds()/1e6, "MIPS")
}

// BenchmarkCompute runs the compute workload (about 29 million
// instructions) on one hart and reports millions of instructions per
// second.
func BenchmarkCompute(b *testing.B) { benchCompute(b, false) }

// BenchmarkComputeCaches is BenchmarkCompute with a fu740 U74's caches in
// front of the hart (non-coherent L1 I, L1 D, L2).
func BenchmarkComputeCaches(b *testing.B) { benchComputeWith(b, false, true) }

// BenchmarkComputeObserved is BenchmarkCompute with a no-op observer
// attached (every retirement reported).
func BenchmarkComputeObserved(b *testing.B) { benchCompute(b, true) }

// BenchmarkComputeCaptured is BenchmarkCompute with an observer that takes
// retirements in batches (as the trace recorder does) and drops them.
func BenchmarkComputeCaptured(b *testing.B) {
	benchComputeObs(b, func() sim.Observer { return &captureObserver{} }, false)
}

// BenchmarkComputeTraced is BenchmarkCompute recording a trace of every
// event to a file, as cosim run --trace does.
func BenchmarkComputeTraced(b *testing.B) {
	dir := b.TempDir()
	var recs []*trace.Recorder
	benchComputeObs(b, func() sim.Observer {
		f, err := os.Create(filepath.Join(dir, "trace.pcapng"))
		require.NoError(b, err)
		r, err := trace.NewRecorder(f, trace.RecorderOptions{Header: trace.Header{Harts: 1}})
		require.NoError(b, err)
		recs = append(recs, r)
		return r
	}, false)
	for _, r := range recs {
		require.NoError(b, r.Close())
	}
}

// BenchmarkComputeQEMU (with -qemu) times the same workload on QEMU: two
// runs of different lengths, so that QEMU's start-up cancels out.
func BenchmarkComputeQEMU(b *testing.B) {
	if !*benchQEMU {
		b.Skip("run with -qemu")
	}
	if err := harness.Need(harness.QEMU); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	short, long := buildCompute(b, dir, 200), buildCompute(b, dir, 4200)
	count := func(elf string) uint64 {
		r, err := harness.RunELF(harness.VirtConfig(), elf, 1<<40)
		require.NoError(b, err)
		return r.Retired
	}
	n1, n2 := count(short), count(long)
	var d1, d2 time.Duration
	for b.Loop() {
		t := time.Now()
		_, err := harness.RunQEMU(short, time.Minute)
		require.NoError(b, err)
		d1 += time.Since(t)
		t = time.Now()
		_, err = harness.RunQEMU(long, time.Minute)
		require.NoError(b, err)
		d2 += time.Since(t)
	}
	per := (d2 - d1).Seconds() / float64(b.N)
	b.ReportMetric(float64(n2-n1)/per/1e6, "MIPS")
}
