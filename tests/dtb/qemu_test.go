package dtbtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards"
	"cosim/boards/dtb"
)

// omitted lists, per board, the QEMU nodes and properties our model does
// not implement, with the reason. The comparison covers everything else.
var omitted = map[string]map[string]string{
	"qemu-virt": {
		"/pmu":                  "no SBI PMU extension: the built-in SBI does not offer counters to S-mode",
		"/fw-cfg@10100000":      "fw_cfg is QEMU's host interface; runs are configured by cosim, not the guest",
		"/flash@20000000":       "no CFI flash model; firmware is loaded directly",
		"/platform-bus@4000000": "no dynamic sysbus devices",
		"/chosen:rng-seed":      "random bytes: our DTB is deterministic",
	},
	"sifive-unleashed": {
		"/soc/spi@10040000/flash@0": "the SPI controllers are DTB-only; no flash chip is modelled behind QSPI0",
		"/soc/spi@10050000/mmc@0":   "no SD card is modelled behind QSPI2",
	},
}

var refName = regexp.MustCompile(`^(.+)_smp(\d+)_m(\w+)\.dtb\.gz$`)

func loadRef(t *testing.T, path string) *dtb.Tree {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	blob, err := io.ReadAll(zr)
	require.NoError(t, err)
	tree, err := dtb.Parse(blob)
	require.NoError(t, err, path)
	return tree
}

// TestMatchesQEMU rebuilds each recorded configuration and compares every
// node and property of QEMU's tree that the model implements: compatible
// strings, reg, interrupts, interrupts-extended, interrupt-map, riscv,isa,
// mmu-type, timebase-frequency and the rest, phandles resolved to paths.
func TestMatchesQEMU(t *testing.T) {
	files, err := filepath.Glob("testdata/*.dtb.gz")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded QEMU DTBs: run tests/dtb/record.sh")
	seen := map[string]bool{}
	for _, file := range files {
		m := refName.FindStringSubmatch(filepath.Base(file))
		require.NotNil(t, m, "%s: name must be <board>_smp<N>_m<SIZE>.dtb.gz", file)
		t.Run(filepath.Base(file), func(t *testing.T) {
			board, smp, mem := m[1], m[2], m[3]
			seen[board] = true
			b, err := boards.Builtin(board)
			require.NoError(t, err)
			n, _ := strconv.Atoi(smp)
			b, err = b.WithHarts(n)
			require.NoError(t, err)
			size, err := boards.ParseSize(mem)
			require.NoError(t, err)
			b, err = b.WithDRAM(size)
			require.NoError(t, err)
			ours, err := dtb.FromBoard(b)
			require.NoError(t, err)
			ref := loadRef(t, file)

			omit := omitted[board]
			paths := make([]string, 0, len(omit))
			for p := range omit {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, path := range paths {
				why := omit[path]
				node, prop, isProp := cut(path)
				rn := ref.Lookup(node)
				require.NotNil(t, rn, "omitted %s is not in QEMU's tree: drop it from the list", path)
				if isProp {
					_, ok := rn.Prop(prop)
					require.True(t, ok, "omitted %s is not in QEMU's tree", path)
				} else {
					require.Nil(t, ours.Lookup(node), "%s is listed as omitted but we emit it", path)
				}
				t.Logf("omitted %s: %s", path, why)
			}
			for _, p := range diff(ref, ours, omit) {
				t.Error(p)
			}
			for _, p := range extraNodes(ref, ours) {
				t.Logf("extra node (ours only): %s", p)
			}
		})
	}
	require.True(t, seen["qemu-virt"] && seen["sifive-unleashed"], "references for both QEMU boards")
}

func cut(path string) (node, prop string, isProp bool) {
	if i := bytes.IndexByte([]byte(path), ':'); i >= 0 {
		return path[:i], path[i+1:], true
	}
	return path, "", false
}

// TestAllReferencesResolve checks every phandle-carrying property of every
// built-in board's tree points at a node with the cells its layout needs.
func TestAllReferencesResolve(t *testing.T) {
	for _, name := range boards.Names() {
		b, err := boards.Builtin(name)
		require.NoError(t, err)
		tree, err := dtb.FromBoard(b)
		require.NoError(t, err)
		n := 0
		tree.Walk(func(node *dtb.Node) {
			for _, p := range node.Props {
				_, err := normalize(tree, node, p.Name)
				require.NoError(t, err, "%s: %s %s", name, node.Path(), p.Name)
				n++
			}
		})
		require.Greater(t, n, 20, name)
	}
}
