package prebuilt

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestImagesPresent(t *testing.T) {
	require.Equal(t, []string{"fu740", "qemu-virt"}, Boards())
	for _, b := range Boards() {
		img, err := Image(b)
		require.NoError(t, err)
		require.Greater(t, len(img), 16*1024, b)
	}
	_, err := Image("spike")
	require.Error(t, err)
}

// The committed images are exactly what the sources build today.
func TestImagesUpToDate(t *testing.T) {
	if _, err := exec.LookPath("riscv64-unknown-elf-gcc"); err != nil {
		t.Fatalf("riscv64-unknown-elf-gcc not found (Debian package gcc-riscv64-unknown-elf): %v", err)
	}
	out := t.TempDir()
	for _, b := range Boards() {
		dir := filepath.Join(out, b)
		cmd := exec.Command("make", "-C", "..", "-j2", "BOARD="+b, "BUG=", "DEBUG_LOCKS=1", "O="+dir)
		log, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", log)
		fresh, err := os.ReadFile(filepath.Join(dir, "kernel.bin"))
		require.NoError(t, err)
		committed, err := Image(b)
		require.NoError(t, err)
		require.True(t, bytes.Equal(fresh, committed),
			"kernel/prebuilt/%s.bin is stale: run `make -C kernel prebuilt` and commit it", b)
	}
}

// Two builds in different directories give the same bytes.
func TestBuildReproducible(t *testing.T) {
	var images [2][]byte
	for i := range images {
		dir := filepath.Join(t.TempDir(), "out")
		cmd := exec.Command("make", "-C", "..", "-j2", "BOARD=qemu-virt", "BUG=no-fence-i", "O="+dir)
		log, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", log)
		images[i], err = os.ReadFile(filepath.Join(dir, "kernel.elf"))
		require.NoError(t, err)
	}
	require.True(t, bytes.Equal(images[0], images[1]), "two builds of one source differ")
}
