package boards

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every validation rule has one bad file in testdata/invalid. The file marks
// the line the error must name with a comment "# want: KEY: MESSAGE", where
// MESSAGE is a substring of the expected message.
var invalidFiles = []struct{ file, rule string }{
	{"syntax", "TOML syntax error"},
	{"type", "value of the wrong type"},
	{"bad-size", "size string that is not a size"},
	{"unknown-top-key", "unknown key at the top level"},
	{"unknown-boot-key", "unknown key in a table"},
	{"unknown-hart-key", "unknown key in a [[hart]] table"},
	{"unknown-nested-key", "unknown key in an inline table"},
	{"key-not-for-kind", "key another kind accepts but this kind does not"},
	{"unknown-device-key", "key no kind accepts"},
	{"unknown-kind", "unknown device kind"},
	{"missing-device-name", "missing required field (device name)"},
	{"missing-isa", "missing required field (hart ISA)"},
	{"missing-timebase", "missing required field (timebase)"},
	{"missing-base", "missing required field (device base)"},
	{"missing-payload", "missing required field (boot payload)"},
	{"overlap", "overlapping regions"},
	{"outside-bus", "device outside any bus window"},
	{"irq-beyond-plic", "IRQ beyond the PLIC sources"},
	{"irq-zero", "IRQ 0 is reserved"},
	{"irq-shared", "one IRQ wired to two devices"},
	{"context-hart", "PLIC context naming a hart that does not exist"},
	{"cache-not-pow2", "cache geometry not a power of two"},
	{"cache-ways", "cache ways that do not divide"},
	{"cache-replacement", "cache replacement policy outside its set"},
	{"duplicate-name", "duplicate names"},
	{"bad-enum", "value outside its set"},
	{"bad-isa", "ISA string that is not one"},
	{"mmu-without-s", "MMU on a hart without S-mode"},
	{"console-not-uart", "reference to the wrong kind of device"},
	{"no-boot-hart", "no hart may boot"},
	{"no-dram", "no DRAM region"},
	{"default-harts", "default_harts beyond the harts declared"},
	{"bad-family", "unknown board family"},
}

func TestMinimalBoardIsValid(t *testing.T) {
	b, err := Load("testdata/minimal.toml")
	require.NoError(t, err)
	require.Len(t, b.Harts, 2)
}

func TestInvalidFiles(t *testing.T) {
	for _, tc := range invalidFiles {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "invalid", tc.file+".toml")
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			line, key, msg := wantMarker(t, string(data))

			_, err = Parse(path, data)
			require.Error(t, err, "rule %q: the file must be rejected", tc.rule)
			var es Errors
			require.True(t, errors.As(err, &es), "want Errors, got %T", err)
			require.Len(t, es, 1, "one fault, one error: %v", err)
			e := es[0]
			require.Equal(t, path, e.File)
			require.Equal(t, line, e.Line, "line of %v", e)
			require.Equal(t, key, e.Key, "key of %v", e)
			require.Contains(t, e.Msg, msg)
			prefix := fmt.Sprintf("%s:%d: ", path, line)
			if key != "" {
				prefix += key + ": "
			}
			require.True(t, strings.HasPrefix(e.Error(), prefix), "%q should start with %q", e.Error(), prefix)
		})
	}
}

// TestEveryInvalidFileIsListed keeps the table and the directory in step.
func TestEveryInvalidFileIsListed(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.toml")
	require.NoError(t, err)
	var got, want []string
	for _, f := range files {
		got = append(got, strings.TrimSuffix(filepath.Base(f), ".toml"))
	}
	for _, tc := range invalidFiles {
		want = append(want, tc.file)
	}
	sort.Strings(got)
	sort.Strings(want)
	require.Equal(t, want, got)
}

func wantMarker(t *testing.T, src string) (line int, key, msg string) {
	for i, l := range strings.Split(src, "\n") {
		_, m, ok := strings.Cut(l, "# want: ")
		if !ok {
			continue
		}
		key, msg, ok = strings.Cut(m, ": ")
		require.True(t, ok, "marker %q needs KEY: MESSAGE", m)
		return i + 1, key, msg
	}
	t.Fatal("no # want: marker")
	return
}

// Cache tables without latencies or a policy get the documented defaults.
func TestCacheDefaults(t *testing.T) {
	b, err := Load("sifive-unleashed.toml")
	require.NoError(t, err)
	require.Equal(t, Cache{Size: 32 << 10, Ways: 8, Line: 64, HitLatency: DefaultL1HitLatency,
		MissLatency: DefaultL1MissLatency, Replacement: ReplaceRandom}, *b.Harts[1].DCache)
	require.Equal(t, DefaultL2HitLatency, b.L2.HitLatency)
	require.Equal(t, DefaultL2MissLatency, b.L2.MissLatency)
}
