package trace

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/sim"
)

// Wants answers from the kind and hart terms, so a hart can skip producing
// what the filter would drop.
func TestFilterWants(t *testing.T) {
	f, err := ParseFilter("hart=1,kind=trap+mmio")
	require.NoError(t, err)
	require.True(t, f.Wants(1, sim.KindTrap))
	require.False(t, f.Wants(1, sim.KindRetire))
	require.False(t, f.Wants(0, sim.KindTrap))
	require.True(t, f.Wants(-1, sim.KindMMIO))
	all, err := ParseFilter("")
	require.NoError(t, err)
	require.True(t, all.Wants(3, sim.KindRetire))
}
