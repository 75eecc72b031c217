package nvme

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/blockdev"
)

// FuzzSubmissionEntry submits one arbitrary 64-byte entry to the admin or
// an I/O queue of a running controller: the simulator must not panic, the
// controller must not fail, and the command must complete with some status
// (an Asynchronous Event Request waits for an event instead).
func FuzzSubmissionEntry(f *testing.F) {
	seed := func(admin bool, s *sqe) {
		b := append([]byte(nil), s[:]...)
		if admin {
			b = append(b, 0)
		} else {
			b = append(b, 1)
		}
		f.Add(b)
	}
	seed(false, cmdOf(opRead).nsid(1).prp(ramBase+0x100000, 0).lba(0, 8))
	seed(false, cmdOf(opWrite).nsid(1).prp(ramBase+0x100000, ramBase+0x101000).lba(4, 24))
	seed(false, cmdOf(opDSM).nsid(1).prp(ramBase+0x100000, 0).dw(10, 255).dw(11, 4))
	seed(false, cmdOf(opWriteZeroes).nsid(1).lba(2040, 8))
	seed(true, cmdOf(opIdentify).prp(ramBase+0x100000, 0).dw(10, 1))
	seed(true, cmdOf(opGetLogPage).prp(ramBase+0x100000, 0).dw(10, 0xFF<<16|2))
	seed(true, cmdOf(opCreateCQ).prp(ramBase+0x200000, 0).dw(10, 3<<16|2).dw(11, 3))
	seed(true, cmdOf(opDeleteSQ).dw(10, 1))
	seed(true, cmdOf(opAbort).dw(10, 1))
	seed(true, cmdOf(opSetFeature).dw(10, featWriteCache))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 65 {
			return
		}
		r, q := up(t, Config{}, Namespace{Image: blockdev.NewMemory(1 << 20)})
		var s sqe
		copy(s[:], data[:64])
		target, cq := q, q
		if data[64]&1 == 0 {
			target, cq = r.admin, r.admin
		}
		cid := r.submit(target, &s)
		r.run()
		require.Zero(t, r.r32(regCSTS)&cstsCFS, "controller failed")
		if target == r.admin && s[0] == opAsyncEvent {
			return
		}
		for {
			c, ok := r.take(cq, true)
			require.True(t, ok, "no completion for opcode %#x", s[0])
			if c.cid == cid {
				return
			}
		}
	})
}

// FuzzDoorbell writes arbitrary values to arbitrary registers and doorbells
// of a running controller, letting time pass in between: nothing may panic
// and the controller's queue state must stay inside the queues.
func FuzzDoorbell(f *testing.F) {
	f.Add([]byte{0x00, 0x10, 1, 0, 0, 0})                   // admin SQ tail 1
	f.Add([]byte{0x08, 0x10, 200, 0, 0, 0})                 // SQ 1 tail beyond its size
	f.Add([]byte{0x0C, 0x10, 3, 0, 0, 0, 0x50, 0x10, 1, 0}) // CQ 1 head ahead of the tail, SQ 10
	f.Add([]byte{0x14, 0x00, 0, 0, 0, 0, 0x14, 0x00, 1, 0, 0x46, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, q := up(t, Config{})
		copy(r.mem(q.sq, 64), cmdOf(opRead).nsid(1).prp(ramBase+0x100000, 0).lba(0, 1)[:])
		for len(data) >= 6 {
			off := uint64(binary.LittleEndian.Uint16(data)) % 0x2100
			v := binary.LittleEndian.Uint32(data[2:])
			data = data[6:]
			r.bar.Write(off&^3, 4, uint64(v))
			if v&0x80000000 != 0 {
				r.run()
			}
		}
		r.run()
		for _, sq := range r.ctrl.sqs {
			if sq != nil {
				require.Less(t, sq.head, sq.size)
				require.Less(t, sq.tail, sq.size)
			}
		}
		for _, cq := range r.ctrl.cqs {
			if cq != nil {
				require.Less(t, cq.head, cq.size)
				require.Less(t, cq.tail, cq.size)
			}
		}
	})
}

// benchIO measures the host cost of 4 KiB commands at queue depth 16.
func benchIO(b *testing.B, op uint8, img *blockdev.Image) {
	r, _ := up(b, Config{}, Namespace{Image: img})
	const depth = 16
	q := r.ioPair(2, 64, 0)
	buf := r.page(depth)
	cmds := make([]*sqe, depth)
	for i := range cmds {
		cmds[i] = cmdOf(op).nsid(1).prp(buf+uint64(i)*pageSize, 0).lba(uint64(i)*8, 8)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(depth, b.N-done)
		for i := 0; i < n; i++ {
			r.submit(q, cmds[i])
		}
		r.run()
		for i := 0; i < n; i++ {
			if _, ok := r.take(q, true); !ok {
				b.Fatal("missing completion")
			}
		}
		done += n
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
}

func BenchmarkRead4K(b *testing.B)  { benchIO(b, opRead, blockdev.NewMemory(64<<20)) }
func BenchmarkWrite4K(b *testing.B) { benchIO(b, opWrite, blockdev.NewMemory(64<<20)) }

// BenchmarkWrite4KFile includes the host's pwrite (write cache on: no
// fsync per command).
func BenchmarkWrite4KFile(b *testing.B) {
	img, err := blockdev.Open(writeFile(b, make([]byte, 64<<20)), blockdev.Options{})
	require.NoError(b, err)
	defer img.Close()
	benchIO(b, opWrite, img)
}
