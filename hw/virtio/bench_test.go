package virtio

import (
	"testing"

	"cosim/hw/blockdev"
	"cosim/hw/sim"
)

// BenchmarkBlockRead4K measures a 4 KiB virtio-blk read from notify to
// used-ring update, over an in-memory image.
func BenchmarkBlockRead4K(b *testing.B) {
	d := newRig(b, false, blockdev.NewMemory(1<<20), 0)
	d.init(FeatureVersion1)
	const hdr, data, status = ramBase + 0x10000, ramBase + 0x20000, ramBase + 0x30000
	d.header(hdr, blkTIn, 8)
	now := sim.Time(0)
	b.SetBytes(4096)
	for b.Loop() {
		d.submit(buf{hdr, 16, false}, buf{data, 4096, true}, buf{status, 1, true})
		now++
		d.clk.AdvanceTo(now)
		if len(d.reap()) != 1 {
			b.Fatal("request did not complete")
		}
	}
}
