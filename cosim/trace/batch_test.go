package trace

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/require"

	"cosim/hw/sim"
)

// fenceRetirements is a batch whose retirement i reports a fence when
// fences[i] is set.
type fenceRetirements struct {
	fakeRetirements
	fences map[int]bool
}

func (f *fenceRetirements) Fence(i int, e *sim.Event) bool {
	if !f.fences[i] {
		return false
	}
	r := &f.rs[i]
	*e = sim.Event{Kind: sim.KindFenceI, Hart: f.hart, Cycle: r.Cycle, Instret: f.first + uint64(i), Priv: r.Priv, PC: r.PC}
	return true
}

// randomRetirements makes n retirements covering every field a batch
// codes: jumps both ways, stalls, privilege changes, both register files,
// every access kind and size, CSR writes, values of every length.
func randomRetirements(rng *rand.Rand, n int) []sim.Retired {
	val := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			return rng.Uint64()
		case 1:
			return uint64(rng.IntN(256))
		case 2:
			return -uint64(rng.IntN(4096))
		}
		return 0x80000000 + uint64(rng.IntN(1<<20))
	}
	pc, cyc := uint64(0x80000000), uint64(1)
	var rs []sim.Retired
	for i := 0; i < n; i++ {
		r := sim.Retired{PC: pc, Cycle: cyc, Priv: []uint8{0, 1, 3}[rng.IntN(3)&rng.IntN(3)]}
		if rng.IntN(8) == 0 {
			r.PC = val()
		}
		if rng.IntN(6) == 0 {
			r.Cycle += uint64(rng.IntN(1000))
		}
		if rng.IntN(3) == 0 {
			r.Insn, r.InsnLen = uint32(rng.IntN(0x10000))&^3|uint32(rng.IntN(3)), 2
		} else {
			r.Insn, r.InsnLen = rng.Uint32()|3, 4
		}
		if rng.IntN(4) != 0 {
			r.RegKind, r.Reg, r.RegVal = sim.RegX, uint8(1+rng.IntN(31)), val()
			if rng.IntN(5) == 0 {
				r.RegKind, r.Reg = sim.RegF, uint8(rng.IntN(32))
			}
		}
		if rng.IntN(3) == 0 {
			r.MemKind = uint8(1 + rng.IntN(3))
			r.MemSize = []uint8{1, 2, 4, 8}[rng.IntN(4)]
			r.MemAddr = val()
			r.MemData = val() & sizeMask(r.MemSize)
		}
		if rng.IntN(20) == 0 {
			r.CSRWrit, r.CSR, r.CSRVal = true, uint16(rng.IntN(4096)), val()
		}
		rs = append(rs, r)
		pc, cyc = r.PC+uint64(r.InsnLen), r.Cycle+1
	}
	return rs
}

func sizeMask(n uint8) uint64 {
	if n >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*n) - 1
}

// TestBatchReadsBackAsPerEventRecords: retirements written in batches
// read back as the same records as the same events written one record
// each, through Reader and through the gopacket layer.
func TestBatchReadsBackAsPerEventRecords(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := &fenceRetirements{fakeRetirements: fakeRetirements{hart: 1, first: 77, rs: randomRetirements(rng, 20000)},
		fences: map[int]bool{5: true, 6: true, 19999: true}}
	for i := range b.fences {
		b.rs[i].Fence = true
	}
	var batched, single bytes.Buffer
	wb, err := NewWriter(&batched, Header{Harts: 2})
	require.NoError(t, err)
	n, err := wb.WriteRetirements(b, nil, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(20003), n)
	require.NoError(t, wb.Flush())
	ws, err := NewWriter(&single, Header{Harts: 2})
	require.NoError(t, err)
	for i := range b.rs {
		var e sim.Event
		b.rs[i].Event(&e, 1, b.first+uint64(i), b.ClockHz())
		require.NoError(t, ws.WriteEvent(&e, 0))
		if b.Fence(i, &e) {
			e.Time = sim.FromTicks(e.Cycle, b.ClockHz())
			require.NoError(t, ws.WriteEvent(&e, 0))
		}
	}
	require.NoError(t, ws.Flush())
	require.Less(t, batched.Len()*3, single.Len())

	want := readAll(t, single.Bytes())
	require.Len(t, want, 20003)
	require.Equal(t, want, readAll(t, batched.Bytes()))

	ng, err := pcapgo.NewNgReader(bytes.NewReader(batched.Bytes()), pcapgo.DefaultNgReaderOptions)
	require.NoError(t, err)
	var got []Record
	batches := 0
	for p := range gopacket.NewPacketSource(ng, ng.LinkType()).Packets() {
		require.Nil(t, p.ErrorLayer())
		switch l := p.ApplicationLayer().(type) {
		case *RetireBatchLayer:
			got = append(got, l.Records...)
			batches++
		case *EventLayer:
			got = append(got, l.Record)
		default:
			t.Fatalf("packet without a cosim layer: %v", p)
		}
	}
	require.Equal(t, want, got)
	require.GreaterOrEqual(t, batches, 4) // split at the fences
}

func readAll(t *testing.T, data []byte) []Record {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	var out []Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, *rec)
	}
}

// TestBatchKeepsOnlyMatchingPCs: a pc filter drops retirements from a
// batch, and what is left still reads back with the right counts.
func TestBatchKeepsOnlyMatchingPCs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	b := &fakeRetirements{first: 1, rs: randomRetirements(rng, 5000)}
	f, err := ParseFilter("pc=0x80000000-0x80010000")
	require.NoError(t, err)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Harts: 1})
	require.NoError(t, err)
	n, err := w.WriteRetirements(b, f.matchPC, f.Match)
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	recs := readAll(t, buf.Bytes())
	require.Len(t, recs, int(n))
	kept := 0
	for i, r := range b.rs {
		if f.matchPC(r.PC) {
			require.Equal(t, b.first+uint64(i), recs[kept].Instret)
			require.Equal(t, r.PC, recs[kept].PC)
			kept++
		}
	}
	require.Equal(t, kept, len(recs))
	require.Greater(t, kept, 0)
	require.Less(t, kept, 5000)
}

// FuzzDecodeBatch: no byte string makes decoding a batch panic.
func FuzzDecodeBatch(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	b := &fakeRetirements{first: 1, rs: randomRetirements(rng, 40)}
	var bw batchWriter
	for i := range b.rs {
		if i == 0 {
			bw.begin(&b.rs[0], 0, 1, 1e9)
		}
		bw.add(&b.rs[i])
	}
	f.Add(append([]byte(nil), bw.finish()...))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = DecodeBatch(data, func(r *Record) error { return nil })
	})
}

// TestRecorderFiltersFencesAndRetirements: a filter that keeps fences but
// not retirements records the fences of a batch, and one that keeps
// retirements but not fences records no fence.
func TestRecorderFiltersFencesAndRetirements(t *testing.T) {
	for _, c := range []struct {
		filter          string
		retires, fences int
	}{{"kind=fence.i", 0, 2}, {"kind=retire", 100, 0}, {"", 100, 2}} {
		t.Run(c.filter, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			b := &fenceRetirements{fakeRetirements: fakeRetirements{first: 1, rs: randomRetirements(rng, 100)},
				fences: map[int]bool{10: true, 50: true}}
			for i := range b.fences {
				b.rs[i].Fence = true
			}
			f, err := ParseFilter(c.filter)
			require.NoError(t, err)
			var buf bytes.Buffer
			rec, err := NewRecorder(&buf, RecorderOptions{Header: Header{Harts: 1}, Filter: f})
			require.NoError(t, err)
			rec.ObserveRetirements(b)
			require.NoError(t, rec.Close())
			var retires, fences int
			for _, r := range readAll(t, buf.Bytes()) {
				switch r.Kind {
				case sim.KindRetire:
					retires++
				case sim.KindFenceI:
					fences++
				}
			}
			require.Equal(t, c.retires, retires)
			require.Equal(t, c.fences, fences)
		})
	}
}
