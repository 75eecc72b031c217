package boards

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuiltinBoardsLoad(t *testing.T) {
	for _, n := range Names() {
		b, err := Builtin(n)
		require.NoError(t, err, n)
		require.Equal(t, n, b.Name)
	}
}
