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

// randomRetirements makes n retirements covering every field a batch
// codes: jumps both ways, stalls, privilege changes, both register files,
// every access kind and size, CSR writes, fences, values of every length.
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
			r.MemData = val() & sim.SizeMask(r.MemSize)
			if r.MemKind == sim.MemLoad && r.RegKind != sim.RegNone && rng.IntN(2) == 0 {
				r.MemData = r.RegVal & sim.SizeMask(r.MemSize) // as loads are
			}
		}
		if rng.IntN(20) == 0 {
			r.CSRWrit, r.CSR, r.CSRVal = true, uint16(rng.IntN(4096)), val()
		}
		if rng.IntN(50) == 0 {
			setFence(rng, &r, rng.IntN(4), val(), val())
		}
		rs = append(rs, r)
		pc, cyc = r.PC+uint64(r.InsnLen), r.Cycle+1
	}
	return rs
}

// setFence makes r report a fence event: fence (pred/succ in val),
// fence.i, or sfence.vma with both, one or none of addr and val (how is
// 0..3).
func setFence(rng *rand.Rand, r *sim.Retired, how int, addr, val uint64) {
	switch how {
	case 0:
		r.Fence, r.FenceVal, r.FenceValValid = sim.KindFence, val&0xff, true
	case 1:
		r.Fence = sim.KindFenceI
	default:
		r.Fence = sim.KindSfenceVMA
		r.FenceAddr, r.FenceAddrValid = addr, how == 3
		r.FenceVal, r.FenceValValid = val, rng.IntN(2) == 0
		if !r.FenceAddrValid {
			r.FenceAddr = 0
		}
		if !r.FenceValValid {
			r.FenceVal = 0
		}
	}
}

// TestBatchReadsBackAsPerEventRecords: retirements written in batches
// read back as the same records as the same events written one record
// each, through Reader and through the gopacket layer.
func TestBatchReadsBackAsPerEventRecords(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rs := randomRetirements(rng, 20000)
	setFence(rng, &rs[19999], 1, 0, 0)
	const hz = 1_000_000_000
	var batched, single bytes.Buffer
	wb, err := NewWriter(&batched, Header{Harts: 2})
	require.NoError(t, err)
	var n uint64
	batches := codeBatches(1, 77, rs)
	require.Greater(t, len(batches), 2)
	for _, b := range batches {
		k, err := wb.WriteRetirements(b, nil, nil)
		require.NoError(t, err)
		n += k
	}
	require.NoError(t, wb.Flush())
	ws, err := NewWriter(&single, Header{Harts: 2})
	require.NoError(t, err)
	fences := 0
	for i := range rs {
		var e sim.Event
		rs[i].Event(&e, 1, 77+uint64(i), hz)
		require.NoError(t, ws.WriteEvent(&e, 0))
		if rs[i].Fence != 0 {
			rs[i].FenceEvent(&e, 1, 77+uint64(i), hz)
			require.NoError(t, ws.WriteEvent(&e, 0))
			fences++
		}
	}
	require.NoError(t, ws.Flush())
	require.Greater(t, fences, 100)
	require.Equal(t, uint64(len(rs)+fences), n)
	require.Less(t, batched.Len()*3, single.Len())

	want := readAll(t, single.Bytes())
	require.Len(t, want, len(rs)+fences)
	require.Equal(t, want, readAll(t, batched.Bytes()))

	ng, err := pcapgo.NewNgReader(bytes.NewReader(batched.Bytes()), pcapgo.DefaultNgReaderOptions)
	require.NoError(t, err)
	var got []Record
	for p := range gopacket.NewPacketSource(ng, ng.LinkType()).Packets() {
		require.Nil(t, p.ErrorLayer())
		switch l := p.ApplicationLayer().(type) {
		case *RetireBatchLayer:
			got = append(got, l.Records...)
		case *EventLayer:
			got = append(got, l.Record)
		default:
			t.Fatalf("packet without a cosim layer: %v", p)
		}
	}
	require.Equal(t, want, got)
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
	rs := randomRetirements(rng, 5000)
	for i := range rs {
		rs[i].Fence = 0
	}
	f, err := ParseFilter("pc=0x80000000-0x80010000")
	require.NoError(t, err)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Harts: 1})
	require.NoError(t, err)
	var n uint64
	for _, b := range codeBatches(0, 1, rs) {
		k, err := w.WriteRetirements(b, f.matchPC, f.Match)
		require.NoError(t, err)
		n += k
	}
	require.NoError(t, w.Flush())
	recs := readAll(t, buf.Bytes())
	require.Len(t, recs, int(n))
	kept := 0
	for i, r := range rs {
		if f.matchPC(r.PC) {
			require.Equal(t, 1+uint64(i), recs[kept].Instret)
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
	b := codeBatches(0, 1, randomRetirements(rng, 40))[0]
	h := batchHeader(&b.c, 0, 1e9)
	f.Add(append(h[:], b.c.Buf[:b.c.P]...))
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
	}{{"kind=fence.i", 0, 2}, {"kind=retire", 100, 0}, {"", 100, 2}, {"pc=0-0x80000000", -1, -1}} {
		t.Run(c.filter, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			rs := randomRetirements(rng, 100)
			for i := range rs {
				rs[i].Fence = 0
			}
			setFence(rng, &rs[10], 1, 0, 0)
			setFence(rng, &rs[50], 1, 0, 0)
			f, err := ParseFilter(c.filter)
			require.NoError(t, err)
			var buf bytes.Buffer
			rec, err := NewRecorder(&buf, RecorderOptions{Header: Header{Harts: 1}, Filter: f})
			require.NoError(t, err)
			for _, b := range codeBatches(0, 1, rs) {
				rec.ObserveRetirements(b)
			}
			require.NoError(t, rec.Close())
			var retires, fences int
			for _, r := range readAll(t, buf.Bytes()) {
				switch r.Kind {
				case sim.KindRetire:
					retires++
					require.True(t, f.matchPC(r.PC))
				case sim.KindFenceI:
					fences++
				}
			}
			if c.retires >= 0 {
				require.Equal(t, c.retires, retires)
			} else {
				require.Greater(t, retires, 0)
				require.Less(t, retires, 100)
			}
			if c.fences < 0 { // the fences in the range
				c.fences = 0
				for _, i := range []int{10, 50} {
					if f.matchPC(rs[i].PC) {
						c.fences++
					}
				}
			}
			require.Equal(t, c.fences, fences)
		})
	}
}
