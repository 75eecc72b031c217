package traces

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards"
	"cosim/cosim/engine"
	"cosim/cosim/firmware"
	"cosim/cosim/machine"
	"cosim/cosim/trace"
	"cosim/hw/sim"
	"cosim/kernel/prebuilt"
)

// stepping hides the recorder's sim.RetireObserver side, so that harts
// report each retirement through Observe, one instruction at a time: the
// reference the captured batches are checked against.
type stepping struct{ r *trace.Recorder }

func (s stepping) Observe(e *sim.Event)              { s.r.Observe(e) }
func (s stepping) Wants(hart int32, k sim.Kind) bool { return s.r.Wants(hart, k) }

// recordKernel boots the embedded kernel on board with smp harts and
// records n instructions' worth of the events filter keeps to a file.
func recordKernel(t *testing.T, board string, smp int, n uint64, step bool, filter string) string {
	t.Helper()
	b, err := boards.Open(board)
	require.NoError(t, err)
	if smp != 0 {
		b, err = b.WithHarts(smp)
		require.NoError(t, err)
	}
	img, err := prebuilt.Image(b.Name)
	require.NoError(t, err)
	kernel, err := firmware.Parse("prebuilt", img, b.Boot.Payload)
	require.NoError(t, err)
	m, err := machine.Boot(machine.Config{Board: b, Kernel: kernel, Seed: 3, Console: io.Discard})
	require.NoError(t, err)
	defer m.Close()
	path := filepath.Join(t.TempDir(), "trace.pcapng")
	f, err := os.Create(path)
	require.NoError(t, err)
	keep, err := trace.ParseFilter(filter)
	require.NoError(t, err)
	rec, err := trace.NewRecorder(f, trace.RecorderOptions{Header: trace.Header{Harts: len(m.SoC.Harts)}, Filter: keep})
	require.NoError(t, err)
	if step {
		m.SoC.Observe(stepping{rec})
	} else {
		m.SoC.Observe(rec)
	}
	_, err = m.Run(engine.Limits{Instructions: n})
	require.NoError(t, err)
	m.SoC.Observe(nil)
	require.NoError(t, rec.Close())
	return path
}

// TestCapturedTraceEqualsStepped: the trace a run records with harts
// capturing retirements in their interpreter loop (retire batch records)
// reads back record for record, field for field and in the same order as
// the trace of the same run with harts stepping and reporting each event
// (one record per event): on qemu-virt with two harts, and on fu740, whose
// caches add stall cycles; and with traps left out, so that a batch goes
// on across a trap (its last event jumps to the handler, a mark gives the
// new privilege).
func TestCapturedTraceEqualsStepped(t *testing.T) {
	for _, c := range []struct {
		board  string
		smp    int
		filter string
	}{{"qemu-virt", 2, ""}, {"fu740", 0, ""}, {"qemu-virt", 2, "kind=retire+fence+fence.i+sfence.vma"}} {
		t.Run(c.board+"/"+c.filter, func(t *testing.T) {
			const n = 3_000_000
			captured := recordKernel(t, c.board, c.smp, n, false, c.filter)
			stepped := recordKernel(t, c.board, c.smp, n, true, c.filter)
			a, err := trace.Open(captured)
			require.NoError(t, err)
			defer a.Close()
			b, err := trace.Open(stepped)
			require.NoError(t, err)
			defer b.Close()
			var count, retires, jumps int
			var next [2]uint64 // the pc each hart's next retirement has if none jumps
			for {
				ra, errA := a.Next()
				rb, errB := b.Next()
				if errors.Is(errA, io.EOF) && errors.Is(errB, io.EOF) {
					break
				}
				require.NoError(t, errA, "captured trace, record %d", count)
				require.NoError(t, errB, "stepped trace, record %d", count)
				require.Equal(t, *rb, *ra, "record %d", count)
				count++
				if ra.Kind == sim.KindRetire {
					retires++
					if h := ra.Hart; h < 2 {
						if next[h] != 0 && ra.PC != next[h] {
							jumps++
						}
						next[h] = ra.PC + uint64(ra.InsnLen)
					}
				}
			}
			require.Greater(t, retires, n*9/10)
			require.Greater(t, jumps, n/20)
			ca, err := os.Stat(captured)
			require.NoError(t, err)
			cb, err := os.Stat(stepped)
			require.NoError(t, err)
			t.Logf("%d records (%d retirements, %d jumps): captured %d bytes, stepped %d bytes", count, retires, jumps, ca.Size(), cb.Size())
			require.Less(t, ca.Size()*4, cb.Size(), "batches are not compact")
		})
	}
}
