package trace

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCreateFileReplaces: CreateFile replaces an existing trace (a hard
// link to the old one keeps its bytes, as it would not after a
// truncation), and writes through a symlink to what it points at.
func TestCreateFileReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.pcapng")
	require.NoError(t, os.WriteFile(path, []byte("old trace"), 0o644))
	keep := filepath.Join(dir, "kept.pcapng")
	require.NoError(t, os.Link(path, keep))
	f, err := CreateFile(path)
	require.NoError(t, err)
	_, err = f.WriteString("new")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "new", string(got))
	old, err := os.ReadFile(keep)
	require.NoError(t, err)
	require.Equal(t, "old trace", string(old))

	link := filepath.Join(dir, "latest.pcapng")
	require.NoError(t, os.Symlink(keep, link))
	f, err = CreateFile(link)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeSymlink, "the symlink stays")
	old, err = os.ReadFile(keep)
	require.NoError(t, err)
	require.Empty(t, old, "written through the symlink")
}
