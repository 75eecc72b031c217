package hart

import "cosim/hw/sim"

// Capture: a hart whose observer is a sim.RetireObserver codes each
// retirement into a retire batch (sim.RetireCoder) from inside the
// interpreter loop (innerTraced, generated from inner), instead of
// stepping one instruction at a time and reporting each through Observe.
// The loop codes an ordinary instruction itself where it retires; it
// returns for the rare ones (fences, CSR writes, atomics), which go through
// sim.RetireCoder.Add as those the slow path runs do. The loop keeps
// neither the coder's State nor its N: innerCaptured brings them up to
// date when it returns.

// retireBatch is a batch of consecutive retirements of one hart. It holds
// copies only, so observers may decode it on any goroutine.
type retireBatch struct {
	hart    int32
	clockHz uint64
	c       sim.RetireCoder
	free    chan *retireBatch
}

func (b *retireBatch) Hart() int32             { return b.hart }
func (b *retireBatch) ClockHz() uint64         { return b.clockHz }
func (b *retireBatch) Coded() *sim.RetireCoder { return &b.c }

// Release returns the batch to its hart's free list.
func (b *retireBatch) Release() {
	select {
	case b.free <- b:
	default:
	}
}

// captureState is a capturing hart's side of the capture.
type captureState struct {
	capturing bool
	capObs    sim.RetireObserver
	capBuf    *retireBatch
	capFree   chan *retireBatch
	// Shared by innerCaptured and innerTraced: capPC is the pc of the
	// instruction dispatched; capV1 is rs1's value before the instruction
	// innerTraced returns exitCapture for.
	capPC uint64
	capV1 uint64
	// capPre is the instruction the slow path runs, as it was before.
	capPre retired
}

// startCapture reports whether the hart captures its retirements this
// Run, setting capture up on first use.
func (h *Hart) startCapture() bool {
	ro, ok := h.Obs.(sim.RetireObserver)
	if !ok {
		h.capturing = false
		return false
	}
	if h.capObs != ro {
		h.capObs = ro
		h.capFree = make(chan *retireBatch, 4)
		h.capBuf = h.newBatch()
		h.capBuf.c.Begin(h.pc, h.cycles()+1, h.retired+1, h.priv)
		ro.AddRetireSource(func() {
			if h.capObs == ro {
				h.flushCapture()
			}
		})
	}
	if c := &h.capBuf.c; c.State.Instret != h.retired+1 {
		// The hart ran without capturing since the last batch.
		h.flushCapture()
		h.capBuf.c.Begin(h.pc, h.cycles()+1, h.retired+1, h.priv)
	}
	h.capturing = true
	return true
}

func (h *Hart) newBatch() *retireBatch {
	select {
	case b := <-h.capFree:
		return b
	default:
		return &retireBatch{hart: int32(h.cfg.HartID), clockHz: h.cfg.ClockHz, free: h.capFree}
	}
}

// flushCapture hands the retirements coded so far to the observer and
// starts a new batch where they end.
func (h *Hart) flushCapture() {
	b := h.capBuf
	if b == nil || b.c.N == 0 {
		return
	}
	nb := h.newBatch()
	s := &b.c.State
	nb.c.Begin(s.PC, s.Cycle, s.Instret, s.Priv)
	h.capBuf = nb
	h.capObs.ObserveRetirements(b)
}

// innerCaptured is inner for a capturing hart: innerTraced on as many
// instructions as the batch certainly has room for, handing full batches
// over. done is the number of instructions retired before the call.
func (h *Hart) innerCaptured(pc, rem, done uint64, cp *codePage, cvpn uint64, set *tlbSet, key uint64, first *slot) (uint64, uint64, *slot, uint8) {
	for {
		c := &h.capBuf.c
		if c.Full() {
			h.flushCapture()
			continue
		}
		if c.State.PC != pc {
			c.Retarget(pc) // the hart went elsewhere than an instruction did
		}
		n := min(rem, sim.MaxBatchRun)
		if cycle := h.idle + done + 1; c.State.Cycle != cycle || c.State.Priv != h.priv {
			c.Mark(cycle, h.priv) // after a stall or a change of privilege
		}
		npc, r, s, why, end := h.innerTraced(pc, n, cp, cvpn, set, key, first)
		c.P = end
		k := n - r
		if why == exitCapture {
			k-- // the loop left the last instruction to captureAt
		}
		if k != 0 {
			done += k
			rem -= k
			c.N = uint32(done + 1 - c.Start.Instret)
			c.State.PC = npc
			c.State.Instret = done + 1
			c.State.Cycle = h.idle + done + 1 // the loop runs without stalls
		}
		switch {
		case why == exitCapture:
			h.captureAt(s, h.capPC, h.idle+done+1, h.capV1, npc)
			done++
			if rem--; rem == 0 {
				return npc, rem, s, exitDone
			}
		case why != exitDone || rem == 0:
			return npc, rem, s, why
		}
		pc, first = npc, nil // go on after the instruction, or flush the full batch
	}
}

// captureAt codes, for innerTraced, an instruction it cannot code itself:
// s at pc, retired at cycle, whose rs1 was v1, going on at next.
func (h *Hart) captureAt(s *slot, pc, cycle, v1, next uint64) {
	c := &h.capBuf.c
	c.State.PC = pc // where the loop's events went
	h.captureAdd(&retired{pc: pc, cycle: cycle, s: *s, v1: v1, v2: h.r[s.rs2], rdv: h.r[s.rd], priv: h.priv})
	if next != c.State.PC {
		c.Retarget(next)
	}
}

// captureAdd codes r the general way.
func (h *Hart) captureAdd(r *retired) {
	var ret sim.Retired
	setRetire(&ret, r)
	h.capBuf.c.Add(&ret)
}

// capturePre keeps what the slow path's instruction s at pc starts from,
// for captureSlow. It copies the slot: fence.i may invalidate the decoded
// page s lies in.
func (h *Hart) capturePre(s *slot, pc uint64) {
	h.capPre = retired{pc: pc, s: *s, v1: h.r[s.rs1], v2: h.r[s.rs2], priv: h.priv}
}

// captureSlow codes the instruction the slow path just retired (kept by
// capturePre), done instructions after the hart's start, going on at
// next: its cycle count now includes the stalls of its own accesses.
func (h *Hart) captureSlow(done, next uint64) {
	if h.capBuf.c.Full() {
		h.flushCapture()
	}
	r := &h.capPre
	r.rdv = h.r[r.s.rd]
	r.cycle = h.idle + done + 1
	if c, ok := csrWritten(&r.s); ok {
		r.v2, _ = h.CSR(c)
	}
	h.captureAdd(r)
	if c := &h.capBuf.c; next != c.State.PC {
		c.Retarget(next)
	}
}
