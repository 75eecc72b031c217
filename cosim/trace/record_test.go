package trace

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/require"

	"cosim/hw/sim"
)

// everyKind returns one event of each kind over two harts and the board,
// with the fields each kind uses filled.
func everyKind() []sim.Event {
	return []sim.Event{
		{Kind: sim.KindMeta, Hart: -1, Text: "board=qemu-virt\nseed=1"},
		{Kind: sim.KindRetire, Hart: 0, Cycle: 1, Instret: 1, Time: 1000, PC: 0x80000000, Insn: 0x00050433, InsnLen: 4, Priv: 3, RegKind: sim.RegX, Reg: 8, RegVal: 0x1234},
		{Kind: sim.KindRetire, Hart: 1, Cycle: 2, Instret: 1, Time: 2000, PC: 0x80000004, Insn: 0x00a2b023, InsnLen: 4, Priv: 1, MemKind: sim.MemStore, MemSize: 8, MemAddr: 0x80001000, MemData: 0xdeadbeef},
		{Kind: sim.KindRetire, Hart: 0, Cycle: 3, Instret: 2, PC: 0x80000008, Insn: 0x30529073, InsnLen: 4, Priv: 3, CSRWrit: true, CSR: 0x305, CSRVal: 0x80000100},
		{Kind: sim.KindTrap, Hart: 0, Cycle: 4, Instret: 2, PC: 0x8000000c, Insn: 0x00000073, InsnLen: 4, Priv: 1, Cause: 9, Tval: 0, TargetPriv: 3, NewPC: 0x80000100},
		{Kind: sim.KindInterrupt, Hart: 1, Cycle: 5, Instret: 2, PC: 0x80000010, Priv: 1, Cause: 1<<63 | 5, TargetPriv: 1, NewPC: 0x80200000},
		{Kind: sim.KindFence, Hart: 0, Cycle: 6, Instret: 3, PC: 0x80000010, Insn: 0x0ff0000f, InsnLen: 4, Priv: 3, Value: 0xff, ValueValid: true},
		{Kind: sim.KindFenceI, Hart: 0, Cycle: 7, Instret: 4, PC: 0x80000014, Insn: 0x0000100f, InsnLen: 4, Priv: 3},
		{Kind: sim.KindSfenceVMA, Hart: 1, Cycle: 8, Instret: 3, PC: 0x80000018, Insn: 0x12000073, InsnLen: 4, Priv: 1, Addr: 0x4000, AddrValid: true},
		{Kind: sim.KindMMIO, Hart: -1, Cycle: 9, Device: "uart0", Addr: 0, Value: 0x41, Size: 1, Write: true},
		{Kind: sim.KindConsole, Hart: -1, Cycle: 10, Device: "uart0", Data: []byte("hi\n")},
		{Kind: sim.KindDevice, Hart: -1, Cycle: 11, Device: "nvme0", Text: "cmd read sq=1 cid=3", Value: 7, Data: []byte{1, 2, 3}},
	}
}

// normalised is how a decoded event compares with the one written: the
// valid bits are set for present address/value fields.
func normalised(e sim.Event) sim.Event {
	if e.Addr != 0 || e.Kind == sim.KindMMIO {
		e.AddrValid = true
	}
	if e.Value != 0 || e.Kind == sim.KindMMIO || e.Kind == sim.KindFence || e.Kind == sim.KindFenceI {
		e.ValueValid = true
	}
	return e
}

func writeTrace(t testing.TB, evs []sim.Event, harts int) []byte {
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf, RecorderOptions{Header: Header{Harts: harts, Meta: []KV{{"board", "test"}, {"seed", "42"}}}})
	require.NoError(t, err)
	for i := range evs {
		rec.Observe(&evs[i])
	}
	require.NoError(t, rec.Close())
	return buf.Bytes()
}

func TestRoundTripEveryKind(t *testing.T) {
	evs := everyKind()
	data := writeTrace(t, evs, 2)
	r, err := NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, 2, r.Header().Harts)
	v, ok := Lookup(r.Header().Meta, "seed")
	require.True(t, ok)
	require.Equal(t, "42", v)
	for i := range evs {
		rec, err := r.Next()
		require.NoError(t, err, "event %d", i)
		require.Equal(t, normalised(evs[i]), rec.Event, "event %d (%s)", i, KindName(evs[i].Kind))
	}
	_, err = r.Next()
	require.ErrorIs(t, err, io.EOF)
}

func TestGopacketDecodesEveryKind(t *testing.T) {
	evs := everyKind()
	data := writeTrace(t, evs, 2)
	ng, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.DefaultNgReaderOptions)
	require.NoError(t, err)
	seen := map[sim.Kind]bool{}
	i := 0
	src := gopacket.NewPacketSource(ng, ng.LinkType())
	for p := range src.Packets() {
		require.Nil(t, p.ErrorLayer(), "packet %d", i)
		l, ok := p.Layer(LayerTypeEvent).(*EventLayer)
		require.True(t, ok, "packet %d has no event layer: %v", i, p)
		require.Equal(t, normalised(evs[i]), l.Event)
		seen[l.Kind] = true
		i++
	}
	require.Equal(t, len(evs), i)
	for k := sim.KindRetire; k <= sim.KindMeta; k++ {
		require.True(t, seen[k], "kind %s not decoded", KindName(k))
	}
	// Direct decoding of one record with the registered layer type.
	p := gopacket.NewPacket(AppendEvent(nil, &evs[1], 0), LayerTypeEvent, gopacket.Default)
	l := p.Layer(LayerTypeEvent).(*EventLayer)
	require.Equal(t, uint64(0x1234), l.RegVal)
}

func TestDecodeRejectsGarbage(t *testing.T) {
	var r Record
	require.Error(t, DecodeRecord([]byte{1, 1, 0}, &r))
	full := AppendEvent(nil, &everyKind()[1], 0)
	for n := 0; n < len(full); n++ {
		require.Error(t, DecodeRecord(full[:n], &r), "truncated to %d", n)
	}
	bad := append([]byte(nil), full...)
	bad[0] = 99
	require.Error(t, DecodeRecord(bad, &r))
	// A console record whose length prefix runs past the end.
	con := AppendEvent(nil, &everyKind()[10], 0)
	require.Error(t, DecodeRecord(con[:len(con)-1], &r))
}

func TestRecordingIsDeterministic(t *testing.T) {
	a := writeTrace(t, everyKind(), 2)
	b := writeTrace(t, everyKind(), 2)
	require.Equal(t, a, b)
	require.NotContains(t, string(a), "linux")
	require.NotContains(t, string(a), "amd64")
}

func TestTsharkOpensTwoHartTrace(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatalf("tshark not installed (apt-get install tshark): %v", err)
	}
	path := filepath.Join(t.TempDir(), "two-hart.pcapng")
	require.NoError(t, os.WriteFile(path, writeTrace(t, everyKind(), 2), 0o644))
	cmd := exec.Command(tshark, "-r", path)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "tshark -r: %s", stderr.String())
	require.NotContains(t, stderr.String(), "rror", "tshark complained")
	lines := bytes.Count(bytes.TrimSpace(out), []byte("\n")) + 1
	require.Equal(t, len(everyKind()), lines, "tshark output:\n%s", out)
	out, err = exec.Command(tshark, "-r", path, "-T", "fields", "-e", "frame.interface_name").Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "hart1")
	require.Contains(t, string(out), "board")

	// The Lua dissector of docs/wireshark decodes every record.
	lua := filepath.Join("..", "..", "docs", "wireshark", "cosim-trace.lua")
	out, err = exec.Command(tshark, "-X", "lua_script:"+lua, "-r", path, "-T", "fields",
		"-e", "cosim.kind", "-e", "cosim.hart", "-e", "cosim.pc", "-e", "cosim.reg_value", "-e", "cosim.device", "-e", "cosim.text").Output()
	require.NoError(t, err)
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, rows, len(everyKind()))
	for i, e := range everyKind() {
		cols := strings.Split(rows[i], "\t")
		require.Equal(t, fmt.Sprint(int(e.Kind)), cols[0], "row %d: %q", i, rows[i])
	}
	require.Equal(t, "1\t0\t0x0000000080000000\t0x0000000000001234\t\t", rows[1])
	require.Equal(t, "8\t65535\t\t\tuart0\t", rows[10])
}

func TestFilter(t *testing.T) {
	f, err := ParseFilter("hart=1,pc=0x80000000-0x80000010+0x90000000-0x90000100,kind=retire+trap+interrupt+console")
	require.NoError(t, err)
	var kept []sim.Kind
	for _, e := range everyKind() {
		if f.Match(&e) {
			kept = append(kept, e.Kind)
		}
	}
	// hart 1's store (pc in range), hart 1's interrupt at 0x80000010 is
	// outside [lo,hi), the console event has no hart and no pc.
	require.Equal(t, []sim.Kind{sim.KindRetire, sim.KindConsole}, kept)
	require.Equal(t, "hart=1,pc=0x80000000-0x80000010+0x90000000-0x90000100,kind=retire+trap+interrupt+console", f.String())
	for _, bad := range []string{"hart", "hart=x", "pc=5", "pc=9-1", "kind=bogus", "colour=red"} {
		_, err := ParseFilter(bad)
		require.Error(t, err, bad)
	}
	all, err := ParseFilter("")
	require.NoError(t, err)
	e := everyKind()[4]
	require.True(t, all.Match(&e))
}

func BenchmarkRecordRetire(b *testing.B) {
	benchRecord(b, io.Discard)
}

// BenchmarkRecordRetireToFile includes the writes to a file in the page
// cache, as a run with --trace pays them.
func BenchmarkRecordRetireToFile(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "bench.pcapng"))
	require.NoError(b, err)
	defer f.Close()
	benchRecord(b, f)
}

func benchRecord(b *testing.B, w io.Writer) {
	rec, err := NewRecorder(w, RecorderOptions{Header: Header{Harts: 1}})
	require.NoError(b, err)
	e := sim.Event{Kind: sim.KindRetire, PC: 0x80000000, Insn: 0x00050433, InsnLen: 4, Priv: 3, RegKind: sim.RegX, Reg: 8}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Cycle++
		e.Instret++
		e.Time += sim.Nanosecond
		e.PC += 4
		e.RegVal = uint64(i)
		rec.Observe(&e)
	}
	b.StopTimer()
	require.NoError(b, rec.Close())
}

// TestRetireFastPathMatchesGeneric checks the per-instruction writer
// produces the bytes the general encoder does.
func TestRetireFastPathMatchesGeneric(t *testing.T) {
	evs := []sim.Event{
		{Kind: sim.KindRetire, Hart: 0, PC: 0x80000000, Insn: 0x13, InsnLen: 4, Priv: 3},
		{Kind: sim.KindRetire, Hart: 1, Cycle: 9, Instret: 7, Time: 12345678, PC: 0x80000004, Insn: 0x4501, InsnLen: 2, Priv: 1, RegKind: sim.RegX, Reg: 10, RegVal: 1},
		{Kind: sim.KindRetire, Hart: 1, PC: 8, Insn: 0x30529073, InsnLen: 4, CSRWrit: true, CSR: 0x305, CSRVal: 0x100, RegKind: sim.RegX, Reg: 5, RegVal: 3},
		{Kind: sim.KindRetire, Hart: 0, Time: 1, PC: 12, Insn: 0x00a3382f, InsnLen: 4, RegKind: sim.RegX, Reg: 16, RegVal: 0x37, MemKind: sim.MemAMO, MemSize: 8, MemAddr: 0x80000100, MemData: 0x6e},
	}
	var fast, slow bytes.Buffer
	wf, err := NewWriter(&fast, Header{Harts: 2})
	require.NoError(t, err)
	ws, err := NewWriter(&slow, Header{Harts: 2})
	require.NoError(t, err)
	for i := range evs {
		require.NoError(t, wf.WriteEvent(&evs[i], 0))
		require.NoError(t, ws.writeGeneric(&evs[i], 0))
	}
	require.NoError(t, wf.Flush())
	require.NoError(t, ws.Flush())
	require.Equal(t, slow.Bytes(), fast.Bytes())
}

// FuzzDecodeRecord: no byte string makes decoding, listing or comparing a
// record panic, and re-encoding what decodes reaches a fixed point (groups
// holding only zeros may be dropped once).
func FuzzDecodeRecord(f *testing.F) {
	for _, e := range everyKind() {
		f.Add(AppendEvent(nil, &e, FlagDelta))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Record
		if DecodeRecord(data, &r) != nil {
			return
		}
		FormatText(&r)
		row := make([]string, len(CSVColumns))
		csvRow(row, &r)
		other := r
		other.RegVal++
		DiffHart(&sliceSource{[]Record{r}}, &sliceSource{[]Record{other}}, 0, DiffOptions{})
		again := AppendRecord(nil, &r)
		var r2 Record
		require.NoError(t, DecodeRecord(again, &r2))
		require.Equal(t, again, AppendRecord(nil, &r2))
	})
}

// TestLateHartInterfaces: a hart first seen mid-stream gets its interface
// then, and readers (ours, tshark) accept the file.
func TestLateHartInterfaces(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Harts: 1})
	require.NoError(t, err)
	evs := everyKind()
	for i := range evs {
		if evs[i].Hart == 1 {
			evs[i].Hart = 3
		}
		require.NoError(t, w.WriteEvent(&evs[i], 0))
	}
	require.NoError(t, w.Flush())
	r, err := NewReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	var harts []int32
	for _, rec := range collect(t, r) {
		harts = append(harts, rec.Hart)
	}
	require.Equal(t, []int32{-1, 0, 3, 0, 0, 3, 0, 0, 3, -1, -1, -1}, harts)

	path := filepath.Join(t.TempDir(), "late.pcapng")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	out, err := exec.Command(needTool(t, "tshark", "tshark"), "-r", path, "-T", "fields", "-e", "frame.interface_name").Output()
	require.NoError(t, err)
	require.Equal(t, "board\nhart0\nhart3\nhart0\nhart0\nhart3\nhart0\nhart0\nhart3\nboard\nboard\nboard\n", string(out))
}
