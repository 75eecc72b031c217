package virtio

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/blockdev"
	"cosim/hw/mem"
	"cosim/hw/sim"
)

const (
	ramBase  = 0x8000_0000
	ramSize  = 1 << 20
	descBase = ramBase + 0x1000
	qsize    = 8
)

type irqLevel struct{ v bool }

func (l *irqLevel) SetIRQ(_ int, v bool) { l.v = v }

// driver plays the guest: it owns a RAM region, lays out a virtqueue there
// and talks to the transport through its registers.
type driver struct {
	t      testing.TB
	bus    *mem.Bus
	clk    *sim.Clock
	m      *MMIO
	irq    *irqLevel
	legacy bool
	desc   uint64
	avail  uint64
	used   uint64
	nextD  uint16
	availI uint16
	usedI  uint16
}

func newRig(t testing.TB, legacy bool, img *blockdev.Image, latency sim.Time) *driver {
	t.Helper()
	r, err := mem.NewRAM("ram", ramBase, ramSize, false)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	bus := &mem.Bus{}
	require.NoError(t, bus.MapRAM(r))
	clk := &sim.Clock{}
	blk, err := NewBlock(BlockConfig{Name: "vda", Image: img, Bus: bus, Latency: latency})
	require.NoError(t, err)
	irq := &irqLevel{}
	m, err := NewMMIO(MMIOConfig{Name: "virtio0", Legacy: legacy, Bus: bus, Clock: clk, Device: blk, IRQ: sim.Line{Sink: irq, N: 8}})
	require.NoError(t, err)
	return &driver{t: t, bus: bus, clk: clk, m: m, irq: irq, legacy: legacy}
}

func (d *driver) r(off uint64) uint32 {
	v, ok := d.m.Read(off, 4)
	require.True(d.t, ok)
	return uint32(v)
}

func (d *driver) w(off uint64, v uint32) { require.True(d.t, d.m.Write(off, 4, uint64(v))) }

// init follows §3.1.1 (and §4.2.4 for legacy) with queue 0 of 8 entries.
func (d *driver) init(features uint64) {
	require.Equal(d.t, uint32(magicValue), d.r(regMagic))
	d.w(regStatus, 0)
	d.w(regStatus, StatusAcknowledge)
	d.w(regStatus, StatusAcknowledge|StatusDriver)
	d.w(regDriverFeatSel, 0)
	d.w(regDriverFeatures, uint32(features))
	if !d.legacy {
		d.w(regDriverFeatSel, 1)
		d.w(regDriverFeatures, uint32(features>>32))
		d.w(regStatus, StatusAcknowledge|StatusDriver|StatusFeaturesOK)
		require.NotZero(d.t, d.r(regStatus)&StatusFeaturesOK, "features accepted")
	}
	d.w(regQueueSel, 0)
	require.Equal(d.t, uint32(1024), d.r(regQueueNumMax))
	d.w(regQueueNum, qsize)
	if d.legacy {
		d.w(regGuestPageSize, 4096)
		d.w(regQueueAlign, 4096)
		d.w(regQueuePFN, descBase/4096)
		d.desc = descBase
		d.avail = descBase + qsize*16
		d.used = descBase + 4096
	} else {
		d.desc, d.avail, d.used = descBase, descBase+0x400, descBase+0x800
		d.w(regQueueDescLow, uint32(d.desc))
		d.w(regQueueDescHigh, uint32(d.desc>>32))
		d.w(regQueueDriverLow, uint32(d.avail))
		d.w(regQueueDriverHigh, 0)
		d.w(regQueueDeviceLow, uint32(d.used))
		d.w(regQueueDeviceHigh, 0)
		d.w(regQueueReady, 1)
	}
	d.w(regStatus, d.r(regStatus)|StatusDriverOK)
}

func (d *driver) put64(a, v uint64) { require.True(d.t, d.bus.Write(a, 8, v)) }
func (d *driver) put16(a uint64, v uint16) {
	require.True(d.t, d.bus.Write(a, 2, uint64(v)))
}

type buf struct {
	addr  uint64
	len   uint32
	write bool
}

// submit writes a descriptor chain, publishes it and notifies.
func (d *driver) submit(bufs ...buf) uint16 {
	head := d.nextD
	for i, b := range bufs {
		idx := d.nextD
		d.nextD = (d.nextD + 1) % qsize
		a := d.desc + uint64(idx)*16
		d.put64(a, b.addr)
		require.True(d.t, d.bus.Write(a+8, 4, uint64(b.len)))
		var flags uint16
		if b.write {
			flags |= descFWrite
		}
		if i < len(bufs)-1 {
			flags |= descFNext
		}
		d.put16(a+12, flags)
		d.put16(a+14, d.nextD)
	}
	d.put16(d.avail+4+2*uint64(d.availI%qsize), head)
	d.availI++
	d.put16(d.avail+2, d.availI)
	d.w(regQueueNotify, 0)
	return head
}

// reap returns the used elements published since the last call.
func (d *driver) reap() [][2]uint32 {
	idx, _ := d.bus.Read(d.used+2, 2)
	var out [][2]uint32
	for d.usedI != uint16(idx) {
		e := d.used + 4 + 8*uint64(d.usedI%qsize)
		id, _ := d.bus.Read(e, 4)
		n, _ := d.bus.Read(e+4, 4)
		out = append(out, [2]uint32{uint32(id), uint32(n)})
		d.usedI++
	}
	return out
}

func (d *driver) header(a uint64, typ uint32, sector uint64) {
	require.True(d.t, d.bus.Write(a, 4, uint64(typ)))
	require.True(d.t, d.bus.Write(a+4, 4, 0))
	d.put64(a+8, sector)
}

func tempImage(t *testing.T, size int) (*blockdev.Image, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.img")
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i / 512)
	}
	require.NoError(t, os.WriteFile(p, data, 0o644))
	img, err := blockdev.Open(p, blockdev.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { img.Close() })
	return img, p
}

func TestBlockReadWriteModern(t *testing.T) { testBlockReadWrite(t, false) }
func TestBlockReadWriteLegacy(t *testing.T) { testBlockReadWrite(t, true) }

func testBlockReadWrite(t *testing.T, legacy bool) {
	img, path := tempImage(t, 64*512)
	d := newRig(t, legacy, img, 20*sim.Microsecond)
	version := uint32(2)
	if legacy {
		version = 1
	}
	require.Equal(t, version, d.r(regVersion))
	require.Equal(t, uint32(2), d.r(regDeviceID))
	require.Equal(t, uint32(VendorQEMU), d.r(regVendorID))
	cap64, ok := d.m.Read(regConfig, 8)
	require.True(t, ok)
	require.Equal(t, uint64(64), cap64, "capacity in sectors")
	d.init(blkFSegMax | blkFBlkSize | blkFFlush | FeatureVersion1)

	const hdr, data, status = ramBase + 0x10000, ramBase + 0x20000, ramBase + 0x30000
	// Read sectors 3 and 4 into two buffers.
	d.header(hdr, blkTIn, 3)
	head := d.submit(buf{hdr, 16, false}, buf{data, 512, true}, buf{data + 0x1000, 512, true}, buf{status, 1, true})
	require.Empty(t, d.reap(), "not before the latency")
	require.False(t, d.irq.v)
	d.clk.AdvanceTo(20 * sim.Microsecond)
	require.Equal(t, [][2]uint32{{uint32(head), 1025}}, d.reap())
	require.True(t, d.irq.v)
	require.Equal(t, uint32(1), d.r(regInterruptStatus))
	d.w(regInterruptACK, 1)
	require.False(t, d.irq.v)
	st, _ := d.bus.Read(status, 1)
	require.Equal(t, uint64(blkSOK), st)
	got := make([]byte, 512)
	require.True(t, d.bus.ReadBytes(data, got))
	require.Equal(t, bytes.Repeat([]byte{3}, 512), got)
	require.True(t, d.bus.ReadBytes(data+0x1000, got))
	require.Equal(t, bytes.Repeat([]byte{4}, 512), got)

	// Write sector 10, then flush: the file holds the bytes.
	require.NoError(t, d.bus.Load(data, bytes.Repeat([]byte{0xAB}, 512)))
	d.header(hdr, blkTOut, 10)
	d.submit(buf{hdr, 16, false}, buf{data, 512, false}, buf{status, 1, true})
	d.header(hdr+0x100, blkTFlush, 0)
	d.submit(buf{hdr + 0x100, 16, false}, buf{status + 1, 1, true})
	d.clk.AdvanceTo(sim.Millisecond)
	require.Len(t, d.reap(), 2)
	st, _ = d.bus.Read(status, 2)
	require.Equal(t, uint64(0), st, "both OK")
	file, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, bytes.Repeat([]byte{0xAB}, 512), file[10*512:11*512])
	require.Equal(t, bytes.Repeat([]byte{11}, 512), file[11*512:12*512], "neighbours untouched")

	// Past the end: IOERR. Unknown type: UNSUPP. GET_ID: 20 zero bytes.
	d.header(hdr, blkTIn, 64)
	d.submit(buf{hdr, 16, false}, buf{data, 512, true}, buf{status, 1, true})
	d.header(hdr+0x100, 99, 0)
	d.submit(buf{hdr + 0x100, 16, false}, buf{status + 1, 1, true})
	require.NoError(t, d.bus.Load(data, bytes.Repeat([]byte{0xFF}, 20)))
	d.header(hdr+0x200, blkTGetID, 0)
	d.submit(buf{hdr + 0x200, 16, false}, buf{data, 20, true}, buf{status + 2, 1, true})
	d.clk.AdvanceTo(2 * sim.Millisecond)
	require.Len(t, d.reap(), 3)
	for i, want := range []uint64{blkSIOErr, blkSUnsupp, blkSOK} {
		st, _ := d.bus.Read(status+uint64(i), 1)
		require.Equal(t, want, st, "request %d", i)
	}
	id := make([]byte, 20)
	require.True(t, d.bus.ReadBytes(data, id))
	require.Equal(t, make([]byte, 20), id)
	require.Zero(t, d.m.Status()&StatusDeviceNeedsReset)
}

func TestBlockWriteZeroes(t *testing.T) {
	img, _ := tempImage(t, 16*512)
	d := newRig(t, false, img, 0)
	d.init(blkFWriteZeroes | FeatureVersion1)
	const hdr, seg, status = ramBase + 0x10000, ramBase + 0x10100, ramBase + 0x10200
	d.header(hdr, blkTWriteZeroes, 0)
	d.put64(seg, 5)
	d.put64(seg+8, 2) // two sectors, flags 0
	d.submit(buf{hdr, 16, false}, buf{seg, 16, false}, buf{status, 1, true})
	d.clk.AdvanceTo(0)
	require.Len(t, d.reap(), 1, "zero latency completes at the next AdvanceTo")
	p := make([]byte, 3*512)
	require.NoError(t, img.ReadAt(p, 5*512))
	require.Equal(t, make([]byte, 1024), p[:1024])
	require.Equal(t, bytes.Repeat([]byte{7}, 512), p[1024:])
}

func TestBlockBadQueueNeedsReset(t *testing.T) {
	img, _ := tempImage(t, 16*512)
	d := newRig(t, false, img, 0)
	d.init(FeatureVersion1)
	// A descriptor pointing outside RAM.
	const hdr = ramBase + 0x10000
	d.header(hdr, blkTIn, 0)
	d.submit(buf{hdr, 16, false}, buf{0x1000, 512, true}, buf{hdr + 0x100, 1, true})
	d.clk.AdvanceTo(0)
	require.NotZero(t, d.m.Status()&StatusDeviceNeedsReset)
	require.True(t, d.irq.v)
	require.Equal(t, uint32(intConfigChange), d.r(regInterruptStatus))
	// Reset brings it back.
	d.init(FeatureVersion1)
	require.Zero(t, d.m.Status()&StatusDeviceNeedsReset)
	require.False(t, d.irq.v)
}

func TestBlockDescriptorLoop(t *testing.T) {
	img, _ := tempImage(t, 16*512)
	d := newRig(t, false, img, 0)
	d.init(FeatureVersion1)
	// Descriptor 0 -> 1 -> 0.
	for i, next := range []uint16{1, 0} {
		a := d.desc + uint64(i)*16
		d.put64(a, ramBase+0x10000)
		require.True(t, d.bus.Write(a+8, 4, 16))
		d.put16(a+12, descFNext)
		d.put16(a+14, next)
	}
	d.put16(d.avail+4, 0)
	d.put16(d.avail+2, 1)
	d.w(regQueueNotify, 0)
	require.NotZero(t, d.m.Status()&StatusDeviceNeedsReset)
}

func TestEmptySlotAndFeatures(t *testing.T) {
	m, err := NewMMIO(MMIOConfig{Name: "virtio7", Legacy: true})
	require.NoError(t, err)
	for off, want := range map[uint64]uint64{regMagic: magicValue, regVersion: 1, regDeviceID: 0, regVendorID: VendorQEMU, regQueueNumMax: 0} {
		v, ok := m.Read(off, 4)
		require.True(t, ok)
		require.Equal(t, want, v, "offset %#x", off)
	}
	require.True(t, m.Write(regStatus, 4, 1), "ignored")
	_, ok := m.Read(MMIOSize, 4)
	require.False(t, ok, "past QEMU's 0x200 window")

	img, _ := tempImage(t, 2048*512)
	leg := newRig(t, true, img, 0)
	f := leg.r(regDeviceFeatures)
	require.Equal(t, uint32(blkFSegMax|blkFGeometry|blkFBlkSize|blkFFlush|blkFTopology|blkFWriteZeroes|FeatureIndirectDesc), f)
	leg.w(regDeviceFeatSel, 1)
	require.Zero(t, leg.r(regDeviceFeatures), "legacy: no high word, no VERSION_1")
	mod := newRig(t, false, img, 0)
	mod.w(regDeviceFeatSel, 1)
	require.Equal(t, uint32(1), mod.r(regDeviceFeatures), "VERSION_1")
	// QEMU 7.2's config values for a 1 MiB disk.
	cfg := map[uint64]uint64{0x100: 0x800, 0x10C: 254, 0x110: 0x3F100002, 0x114: 512, 0x120: 0x00010001, 0x130: 0x3FFFFF, 0x134: 1, 0x138: 0xFFFFFFFF}
	for off, want := range cfg {
		v, ok := leg.m.Read(off, 4)
		require.True(t, ok)
		require.Equal(t, want, v, "config %#x", off)
	}
	// Modern: FEATURES_OK refused without VERSION_1.
	mod.w(regStatus, StatusAcknowledge|StatusDriver)
	mod.w(regDriverFeatures, blkFFlush)
	mod.w(regStatus, StatusAcknowledge|StatusDriver|StatusFeaturesOK)
	require.Zero(t, mod.r(regStatus)&StatusFeaturesOK)
}

func TestIndirectDescriptors(t *testing.T) {
	img, _ := tempImage(t, 16*512)
	d := newRig(t, false, img, 0)
	d.init(FeatureIndirectDesc | FeatureVersion1)
	const table, hdr, data, status = ramBase + 0x40000, ramBase + 0x10000, ramBase + 0x20000, ramBase + 0x30000
	d.header(hdr, blkTIn, 2)
	ent := []buf{{hdr, 16, false}, {data, 512, true}, {status, 1, true}}
	for i, b := range ent {
		a := table + uint64(i)*16
		d.put64(a, b.addr)
		require.True(t, d.bus.Write(a+8, 4, uint64(b.len)))
		flags := uint16(descFWrite)
		if !b.write {
			flags = 0
		}
		if i < len(ent)-1 {
			flags |= descFNext
		}
		d.put16(a+12, flags)
		d.put16(a+14, uint16(i+1))
	}
	d.put64(d.desc, table)
	require.True(t, d.bus.Write(d.desc+8, 4, 48))
	d.put16(d.desc+12, descFIndirect)
	d.put16(d.avail+4, 0)
	d.put16(d.avail+2, 1)
	d.w(regQueueNotify, 0)
	d.clk.AdvanceTo(0)
	require.Zero(t, d.m.Status()&StatusDeviceNeedsReset, "status %#x", d.m.Status())
	require.Equal(t, [][2]uint32{{0, 513}}, d.reap())
	got := make([]byte, 512)
	require.True(t, d.bus.ReadBytes(data, got))
	require.Equal(t, bytes.Repeat([]byte{2}, 512), got)
}

// FuzzVirtqueue fills the descriptor table and rings with arbitrary bytes
// and notifies: the device may complete requests or need a reset, but must
// never panic or touch memory outside RAM.
func FuzzVirtqueue(f *testing.F) {
	seed := make([]byte, 0x200)
	binary.LittleEndian.PutUint64(seed[0:], ramBase+0x10000)
	binary.LittleEndian.PutUint32(seed[8:], 16)
	binary.LittleEndian.PutUint16(seed[12:], descFNext)
	binary.LittleEndian.PutUint16(seed[14:], 1)
	f.Add(seed, uint16(1), false)
	f.Add([]byte{1, 2, 3}, uint16(300), true)
	f.Fuzz(func(t *testing.T, ring []byte, availIdx uint16, legacy bool) {
		img := blockdev.NewMemory(16 * 512)
		d := newRig(t, legacy, img, 0)
		d.init(FeatureIndirectDesc | FeatureVersion1)
		if len(ring) > 0x1000 {
			ring = ring[:0x1000]
		}
		require.NoError(t, d.bus.Load(d.desc, ring))
		// Give the header area some content the descriptors may point at.
		require.NoError(t, d.bus.Load(ramBase+0x10000, ring))
		d.put16(d.avail+2, availIdx)
		d.w(regQueueNotify, 0)
		d.clk.AdvanceTo(sim.Second)
		d.w(regQueueNotify, 0)
		d.clk.AdvanceTo(2 * sim.Second)
		_ = d.r(regStatus)
	})
}

func TestNoInterruptFlagAndLegacyTeardown(t *testing.T) {
	img, _ := tempImage(t, 16*512)
	d := newRig(t, true, img, 0)
	d.init(0)
	d.put16(d.avail, availFNoInterr)
	const hdr, status = ramBase + 0x10000, ramBase + 0x10100
	d.header(hdr, blkTFlush, 0)
	d.submit(buf{hdr, 16, false}, buf{status, 1, true})
	d.clk.AdvanceTo(0)
	require.Len(t, d.reap(), 1, "completed")
	require.False(t, d.irq.v, "but the driver asked for no interrupt")
	d.w(regQueuePFN, 0)
	require.Zero(t, d.m.Status(), "legacy PFN 0 resets the device, as QEMU")
	require.Zero(t, d.r(regQueuePFN))
}
