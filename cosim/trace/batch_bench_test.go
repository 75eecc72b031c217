package trace

import (
	"io"
	"testing"

	"cosim/hw/sim"
)

// fakeRetirements is a batch of retirements made up by a test.
type fakeRetirements struct {
	hart  int32
	first uint64
	rs    []sim.Retired
}

func (f *fakeRetirements) Hart() int32                          { return f.hart }
func (f *fakeRetirements) Len() int                             { return len(f.rs) }
func (f *fakeRetirements) First() uint64                        { return f.first }
func (f *fakeRetirements) ClockHz() uint64                      { return 1_000_000_000 }
func (f *fakeRetirements) Fill(dst []sim.Retired, from int) int { return copy(dst, f.rs[from:]) }
func (f *fakeRetirements) Fence(int, *sim.Event) bool           { return false }
func (f *fakeRetirements) Release()                             {}

// loopRetirements makes n retirements of a loop of ALU ops, loads and
// stores, as a compiled loop retires them.
func loopRetirements(n int) *fakeRetirements {
	f := &fakeRetirements{first: 1}
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
		f.rs = append(f.rs, r)
	}
	return f
}

// BenchmarkWriteRetirements measures coding retirements into batch
// records (ns per retirement).
func BenchmarkWriteRetirements(b *testing.B) {
	w, err := NewWriter(io.Discard, Header{Harts: 1})
	if err != nil {
		b.Fatal(err)
	}
	batch := loopRetirements(1024)
	for b.Loop() {
		if _, err := w.WriteRetirements(batch, nil, nil); err != nil {
			b.Fatal(err)
		}
		batch.first += 1024
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1024), "ns/retirement")
}
