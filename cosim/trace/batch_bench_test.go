package trace

import (
	"io"
	"testing"

	"cosim/hw/sim"
)

// fakeRetirements is a batch of retirements made up by a test, coded as
// a hart codes the ones its slow path runs.
type fakeRetirements struct {
	hart int32
	c    sim.RetireCoder
}

func (f *fakeRetirements) Hart() int32             { return f.hart }
func (f *fakeRetirements) ClockHz() uint64         { return 1_000_000_000 }
func (f *fakeRetirements) Coded() *sim.RetireCoder { return &f.c }
func (f *fakeRetirements) Release()                {}

// codeBatches codes rs, retirements of hart from instret first on, in as
// many batches as they need.
func codeBatches(hart int32, first uint64, rs []sim.Retired) []*fakeRetirements {
	var bs []*fakeRetirements
	for i := range rs {
		if len(bs) == 0 || bs[len(bs)-1].c.Full() {
			b := &fakeRetirements{hart: hart}
			b.c.Begin(rs[i].PC, rs[i].Cycle, first+uint64(i), rs[i].Priv)
			bs = append(bs, b)
		}
		bs[len(bs)-1].c.Add(&rs[i])
	}
	return bs
}

// loopRetirements makes n retirements of a loop of ALU ops, loads and
// stores, as a compiled loop retires them.
func loopRetirements(n int) []sim.Retired {
	var rs []sim.Retired
	pc, cyc := uint64(0x80000000), uint64(1)
	var acc uint64
	for i := 0; i < n; i++ {
		r := sim.Retired{PC: pc, Cycle: cyc, Priv: 3, Insn: 0x00b50533, InsnLen: 4, RegKind: sim.RegX, Reg: 10}
		acc += uint64(i) * 0x9e3779b9
		r.RegVal = acc
		switch i % 4 {
		case 1:
			r.Insn, r.MemKind, r.MemSize, r.MemAddr, r.MemData, r.RegVal = 0x0005b503, sim.MemLoad, 8, 0x80100000+uint64(i%64)*8, acc, acc
		case 2:
			r.Insn, r.InsnLen, r.RegKind, r.MemKind, r.MemSize, r.MemAddr, r.MemData = 0xe188, 2, 0, sim.MemStore, 8, 0x80100000+uint64(i%64)*8, acc
		}
		pc += uint64(r.InsnLen)
		if i%16 == 15 {
			pc = 0x80000000
		}
		cyc++
		rs = append(rs, r)
	}
	return rs
}

// BenchmarkWriteRetirements measures storing a hart's batch as it is
// (ns per retirement).
func BenchmarkWriteRetirements(b *testing.B) {
	benchmarkWriteRetirements(b, nil)
}

// BenchmarkWriteRetirementsFiltered measures decoding a batch and coding
// again what a pc filter keeps, here everything (ns per retirement).
func BenchmarkWriteRetirementsFiltered(b *testing.B) {
	benchmarkWriteRetirements(b, func(uint64) bool { return true })
}

func benchmarkWriteRetirements(b *testing.B, keepPC func(uint64) bool) {
	w, err := NewWriter(io.Discard, Header{Harts: 1})
	if err != nil {
		b.Fatal(err)
	}
	batch := codeBatches(0, 1, loopRetirements(4096))[0]
	for b.Loop() {
		if _, err := w.WriteRetirements(batch, keepPC, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(batch.c.N), "ns/retirement")
}
