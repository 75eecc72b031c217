package isa

import (
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/tests/isa/difftest"
	"cosim/tests/isa/harness"
	"cosim/tests/isa/randgen"
)

var (
	diffSeed  = flag.Uint64("diff.seed", 1, "first seed of the differential campaign")
	diffCount = flag.Int("diff.count", 4, "programs in the differential campaign (50 sequences each)")
)

// TestDifferential runs a short random campaign against QEMU: a few
// hundred sequences in a handful of QEMU runs. -diff.seed and -diff.count
// change it; cmd/difftest runs long campaigns.
func TestDifferential(t *testing.T) {
	if err := harness.Need(harness.GCC, harness.QEMU); err != nil {
		t.Fatal(err)
	}
	cfg := difftest.Config{Dir: t.TempDir(), Root: ".", Hart: harness.VirtConfig(), Timeout: 60 * time.Second}
	for i := 0; i < *diffCount; i++ {
		o := randgen.DefaultOptions(*diffSeed + uint64(i))
		ms, err := difftest.RunProgram(cfg, o)
		require.NoError(t, err)
		for _, m := range ms {
			t.Errorf("%v", m)
		}
	}
}
