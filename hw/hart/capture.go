package hart

import "cosim/hw/sim"

// Capture: a hart whose observer is a sim.RetireObserver records each
// retirement from inside the interpreter loop (innerTraced, generated
// from inner) into a batch, instead of stepping one instruction at a time
// and reporting each through Observe. The loop writes a record when it
// dispatches an instruction and the value of rd when the instruction
// completes; the slow path fills in what only it knows. The record of the
// instruction retiring next sits at index retired-base of the batch, so
// an instruction that leaves the loop without retiring (a slow access, a
// trap) leaves a record that the next dispatch overwrites.

// captureBatchLen is the number of retirements a batch holds.
const captureBatchLen = 1024

// retireBatch is a batch of consecutive retirements of one hart. It holds
// copies only, so observers may decode it on any goroutine.
type retireBatch struct {
	hart    int32
	clockHz uint64
	base    uint64 // the hart's retired count before recs[0]
	n       int
	recs    []retired
	free    chan *retireBatch
}

func (b *retireBatch) Hart() int32 { return b.hart }
func (b *retireBatch) Len() int    { return b.n }

func (b *retireBatch) First() uint64   { return b.base + 1 }
func (b *retireBatch) ClockHz() uint64 { return b.clockHz }

func (b *retireBatch) Fill(dst []sim.Retired, from int) int {
	recs := b.recs[from:b.n]
	n := min(len(recs), len(dst))
	for i := range n {
		setRetire(&dst[i], &recs[i])
	}
	return n
}

func (b *retireBatch) Fence(i int, e *sim.Event) bool {
	r := &b.recs[i]
	if !isFence(r.s.op) {
		return false
	}
	resetEvent(e, sim.KindFence, b.hart, r.cycle, b.base+uint64(i)+1, r.priv)
	setFence(e, r)
	return true
}

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
	// Set by innerCaptured for innerTraced: the record index and the
	// cycle count of the instruction dispatched with rem left are
	// capIdx0-rem and capCyc0-rem.
	capIdx0, capCyc0 uint64
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
		h.capBuf = h.newBatch(h.retired)
		ro.AddRetireSource(func() {
			if h.capObs == ro {
				h.flushCapture(h.retired)
			}
		})
	}
	h.capturing = true
	return true
}

func (h *Hart) newBatch(base uint64) *retireBatch {
	var b *retireBatch
	select {
	case b = <-h.capFree:
	default:
		b = &retireBatch{hart: int32(h.cfg.HartID), clockHz: h.cfg.ClockHz, recs: make([]retired, captureBatchLen), free: h.capFree}
	}
	b.base, b.n = base, 0
	return b
}

// flushCapture hands the records of the instructions retired up to done
// to the observer and starts a new batch, carrying over the record of an
// instruction under way (the slow path may be running it).
func (h *Hart) flushCapture(done uint64) {
	b := h.capBuf
	if b == nil || done == b.base {
		return
	}
	n := int(done - b.base)
	nb := h.newBatch(done)
	if n < len(b.recs) {
		nb.recs[0] = b.recs[n]
	}
	b.n = n
	h.capBuf = nb
	h.capObs.ObserveRetirements(b)
}

// innerCaptured is inner for a capturing hart: innerTraced on as many
// instructions as the batch has room for, handing full batches over.
// done is the number of instructions retired before the call.
func (h *Hart) innerCaptured(pc, rem, done uint64, cp *codePage, cvpn uint64, set *tlbSet, key uint64, first *slot) (uint64, uint64, *slot, uint8) {
	for {
		room := uint64(len(h.capBuf.recs)) - (done - h.capBuf.base)
		if room == 0 {
			h.flushCapture(done)
			continue
		}
		n := min(rem, room)
		h.capIdx0 = done + n - h.capBuf.base
		h.capCyc0 = h.idle + done + n + 1
		npc, r, s, why := h.innerTraced(pc, n, cp, cvpn, set, key, first)
		done += n - r
		rem -= n - r
		if why != exitDone || rem == 0 {
			return npc, rem, s, why
		}
		pc, first = npc, nil // the batch is full: flush and go on
	}
}

// captureSlow completes the record of the instruction the slow path just
// retired, done instructions after the hart's start: its results, and its
// cycle count, which now includes the stalls of its own accesses.
// It reads the slot from the record: fence.i may have invalidated the
// decoded page the hart's own copy lies in.
func (h *Hart) captureSlow(done uint64) {
	r := &h.capBuf.recs[done-h.capBuf.base]
	r.rdv = h.r[r.s.rd]
	r.cycle = h.idle + done + 1
	if c, ok := csrWritten(&r.s); ok {
		r.v2, _ = h.CSR(c)
	}
}
