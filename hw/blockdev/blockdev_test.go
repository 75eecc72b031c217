package blockdev

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func newImage(t *testing.T, size int) string {
	p := filepath.Join(t.TempDir(), "disk.img")
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i * 7)
	}
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

func TestWritesReachTheFile(t *testing.T) {
	p := newImage(t, 4096)
	d, err := Open(p, Options{})
	require.NoError(t, err)
	require.NoError(t, d.WriteAt([]byte("hello"), 510))
	require.NoError(t, d.Flush())
	got := make([]byte, 5)
	require.NoError(t, d.ReadAt(got, 510))
	require.Equal(t, "hello", string(got))
	raw, _ := os.ReadFile(p)
	require.Equal(t, "hello", string(raw[510:515]))
	require.NoError(t, d.Close())
}

func TestSnapshotNeverWritesTheFile(t *testing.T) {
	p := newImage(t, 4096)
	before, _ := os.ReadFile(p)
	d, err := Open(p, Options{Snapshot: true})
	require.NoError(t, err)
	require.NoError(t, d.WriteAt(bytes.Repeat([]byte{0xee}, 1000), 300))
	require.NoError(t, d.WriteZeroes(2048, 512))
	require.NoError(t, d.Flush())
	got := make([]byte, 4096)
	require.NoError(t, d.ReadAt(got, 0))
	want := append([]byte(nil), before...)
	copy(want[300:1300], bytes.Repeat([]byte{0xee}, 1000))
	clear(want[2048:2560])
	require.Equal(t, want, got)
	require.Equal(t, []int64{0, 1, 2, 4}, d.OverlaySectors())
	require.NoError(t, d.Close())
	after, _ := os.ReadFile(p)
	require.Equal(t, before, after)
}

func TestBoundsAndBadImages(t *testing.T) {
	p := newImage(t, 1024)
	d, err := Open(p, Options{})
	require.NoError(t, err)
	require.ErrorIs(t, d.ReadAt(make([]byte, 2), 1023), ErrOutOfRange)
	require.ErrorIs(t, d.WriteAt(make([]byte, 1), -1), ErrOutOfRange)
	odd := filepath.Join(t.TempDir(), "odd.img")
	require.NoError(t, os.WriteFile(odd, make([]byte, 1000), 0o644))
	_, err = Open(odd, Options{})
	require.ErrorContains(t, err, "not a multiple of 512")
	ro, err := Open(p, Options{ReadOnly: true})
	require.NoError(t, err)
	require.ErrorContains(t, ro.WriteAt([]byte{1}, 0), "read-only")
}
