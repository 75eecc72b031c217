package boards

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{
		"4096": 4096, "0x1000": 0x1000, "0x8000_0000": 0x8000_0000, "2MiB": 2 << 20,
		"16 GiB": 16 << 30, "64K": 64 << 10, "1G": 1 << 30, "0x20_0000_0000": 0x20_0000_0000,
		"0xffff_ffff_ffff_ffff": ^uint64(0),
	} {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "12 parsecs", "-1", "0x", "17EiB", "99999999TiB"} {
		_, err := ParseSize(bad)
		require.Error(t, err, bad)
	}
}

func TestParseFreq(t *testing.T) {
	for in, want := range map[string]uint64{
		"10MHz": 10_000_000, "1.2GHz": 1_200_000_000, "3686400": 3686400, "1000kHz": 1_000_000, "26 MHz": 26_000_000,
	} {
		got, err := ParseFreq(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"fast", "0.5Hz", "-1MHz"} {
		_, err := ParseFreq(bad)
		require.Error(t, err, bad)
	}
}

func TestIRQList(t *testing.T) {
	var l IRQList
	require.NoError(t, l.UnmarshalTOML([]any{int64(1), "4-6", int64(9)}))
	require.Equal(t, IRQList{1, 4, 5, 6, 9}, l)
	require.NoError(t, l.UnmarshalTOML("23-38"))
	require.Len(t, l, 16)
	require.Error(t, l.UnmarshalTOML("8-1"))
	require.Error(t, l.UnmarshalTOML(int64(-3)))
	require.Error(t, l.UnmarshalTOML(true))
}

func TestFormat(t *testing.T) {
	require.Equal(t, "2 MiB", FormatSize(2<<20))
	require.Equal(t, "0x18", FormatSize(0x18))
	require.Equal(t, "60 KiB", FormatSize(60<<10))
	require.Equal(t, "1.2 GHz", FormatFreq(1_200_000_000))
	require.Equal(t, "3.6864 MHz", FormatFreq(3686400))
	require.Equal(t, "33333333 Hz", FormatFreq(33333333))
	require.Equal(t, "10 MHz", FormatFreq(10_000_000))
}

func TestScanPositions(t *testing.T) {
	src := `name = "x" # c
[boot]
fdt = "auto"
[[hart]]
isa = "rv64i"
icache = { size = 1, ways = { a = 1 }, line = 2 }
[[hart]]
"quoted.key" = 1
list = [
  { a = 1 },
  "]",
]
after = 3
[[device]]
[device.sub]
k = 1
`
	p := scanPositions(src)
	for path, line := range map[string]int{
		"name": 1, "boot": 2, "boot.fdt": 3, "hart[0]": 4, "hart[0].isa": 5,
		"hart[0].icache.size": 6, "hart[0].icache.ways.a": 6, "hart[0].icache.line": 6,
		"hart[1].quoted.key": 8, "hart[1].list": 9, "hart[1].after": 13,
		"device[0]": 14, "device[0].sub.k": 16,
	} {
		require.Equal(t, line, p.line[path], path)
	}
	require.Equal(t, []string{"hart[0].icache.line"}, p.matching("hart.icache.line"))
	require.Equal(t, 6, p.lineOf("hart[0].icache.nothere"))
	require.Equal(t, 1, p.lineOf("nothing"))
}
