package nvme

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/blockdev"
	"cosim/hw/pcie"
	"cosim/hw/sim"
)

func TestPCIFunctionAsQEMU(t *testing.T) {
	r := newRig(t, Config{})
	require.Equal(t, uint32(0x00101b36), r.cfgRead(pcie.RegVendor, 4))
	require.Equal(t, uint32(0x01080202), r.cfgRead(pcie.RegRevision, 4))
	require.Equal(t, uint32(0x11001af4), r.cfgRead(pcie.RegSubsystemVendor, 4))
	require.Equal(t, uint32(1), r.cfgRead(pcie.RegIntPin, 1))
	r.cfgWrite(pcie.RegBAR0, 4, 0xFFFFFFFF)
	require.Equal(t, uint32(0xFFFFC004), r.cfgRead(pcie.RegBAR0, 4), "64-bit, 16 KiB")
	r.cfgWrite(pcie.RegBAR0, 4, barBase)
	var caps []uint32
	for p := r.cfgRead(pcie.RegCapPtr, 1); p != 0; p = r.cfgRead(int(p)+1, 1) {
		caps = append(caps, r.cfgRead(int(p), 1), p)
	}
	require.Equal(t, []uint32{pcie.CapMSIX, 0x40, pcie.CapPCIe, 0x80, pcie.CapPM, 0x60}, caps)
	require.Equal(t, uint32(0x0040), r.cfgRead(0x42, 2), "65 vectors")
	require.Equal(t, uint32(0x2000), r.cfgRead(0x44, 4), "table in BAR0 at 0x2000")
	require.Equal(t, uint32(0x3000), r.cfgRead(0x48, 4), "PBA in BAR0 at 0x3000")
}

func TestRegistersAtReset(t *testing.T) {
	r := newRig(t, Config{})
	cp := r.r64(regCAP)
	require.Equal(t, uint64(0x7FF), cp&0xFFFF, "MQES")
	require.Equal(t, uint64(1), cp>>16&1, "CQR")
	require.Equal(t, uint64(0xF), cp>>24&0xFF, "TO")
	require.Equal(t, uint64(0), cp>>32&0xF, "DSTRD")
	require.Equal(t, uint64(1), cp>>37&0xFF, "CSS: NVM")
	require.Equal(t, uint64(0), cp>>48&0xFF, "MPSMIN = MPSMAX = 4 KiB")
	require.Equal(t, uint32(cp), r.r32(regCAP))
	require.Equal(t, uint32(cp>>32), r.r32(regCAP+4))
	require.Equal(t, uint32(0x00010400), r.r32(regVS))
	v, ok := r.bar.Read(regVS+2, 2)
	require.True(t, ok)
	require.Equal(t, uint64(1), v, "narrow reads see the register")
	require.Zero(t, r.r32(regCC))
	require.Zero(t, r.r32(regCSTS))
	r.w64(regASQ, 0x1234_5678_9ABC_DEF0)
	require.Equal(t, uint64(0x1234_5678_9ABC_D000), r.r64(regASQ), "page aligned")
	r.w32(regAQA, 0xFFFFFFFF)
	require.Equal(t, uint32(0x0FFF0FFF), r.r32(regAQA))
	_, ok = r.bar.Read(r.ctrl.BARSize(), 4)
	require.False(t, ok)
}

func TestEnableRequiresReadyDelay(t *testing.T) {
	r := newRig(t, Config{ReadyDelay: 2 * sim.Millisecond})
	a, c := r.page(1), r.page(1)
	r.w32(regAQA, 0x001F001F)
	r.w64(regASQ, a)
	r.w64(regACQ, c)
	r.w32(regCC, 4<<20|6<<16|1)
	require.Zero(t, r.r32(regCSTS)&cstsRDY)
	r.clock.AdvanceTo(sim.Millisecond)
	require.Zero(t, r.r32(regCSTS)&cstsRDY)
	r.clock.AdvanceTo(2 * sim.Millisecond)
	require.Equal(t, uint32(cstsRDY), r.r32(regCSTS))
	r.w32(regCC, 0)
	require.Zero(t, r.r32(regCSTS))

	_, err := New(Config{ReadyDelay: 10 * sim.Second}, r.clock, Namespace{Image: blockdev.NewMemory(4096)})
	require.Error(t, err, "beyond CAP.TO")
}

func TestEnableWithBadConfigurationIsFatal(t *testing.T) {
	for name, cc := range map[string]uint32{
		"sq entry size": 4<<20 | 7<<16 | 1,
		"cq entry size": 5<<20 | 6<<16 | 1,
		"page size":     4<<20 | 6<<16 | 1<<7 | 1,
		"command set":   4<<20 | 6<<16 | 1<<4 | 1,
		"arbitration":   4<<20 | 6<<16 | 1<<11 | 1,
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, Config{})
			r.w32(regAQA, 0x001F001F)
			r.w64(regASQ, r.page(1))
			r.w64(regACQ, r.page(1))
			r.w32(regCC, cc)
			require.Equal(t, uint32(cstsCFS), r.r32(regCSTS))
			r.w32(regCC, 0)
			require.Zero(t, r.r32(regCSTS), "reset clears CFS")
			r.w32(regCC, 4<<20|6<<16|1)
			require.Equal(t, uint32(cstsRDY), r.r32(regCSTS))
		})
	}
	r := newRig(t, Config{})
	r.w32(regCC, 4<<20|6<<16|1)
	require.Equal(t, uint32(cstsCFS), r.r32(regCSTS), "no admin queue")
}

func TestShutdownHandshake(t *testing.T) {
	r, _ := up(t, Config{Latency: Latency{Flush: 100 * sim.Microsecond}})
	cc := r.r32(regCC)
	r.w32(regCC, cc|1<<14)
	require.Equal(t, uint32(1), r.r32(regCSTS)>>2&3, "shutdown occurring")
	r.run()
	require.Equal(t, uint32(2), r.r32(regCSTS)>>2&3, "shutdown complete")
	require.Equal(t, uint32(cstsRDY), r.r32(regCSTS)&cstsRDY)
	r.w32(regCC, cc)
	require.Zero(t, r.r32(regCSTS)>>2&3, "SHN cleared: normal operation")
	r.w32(regCC, cc|2<<14)
	r.run()
	require.Equal(t, uint32(2), r.r32(regCSTS)>>2&3, "abrupt shutdown")
	require.Equal(t, cc|2<<14, r.r32(regCC), "other CC fields kept while enabled")
	r.w32(regCC, 0)
	require.Zero(t, r.r32(regCSTS))
}

func TestIdentify(t *testing.T) {
	img := blockdev.NewMemory(1 << 20)
	r, _ := up(t, Config{}, Namespace{Image: img}, Namespace{Image: blockdev.NewMemory(1 << 20), LBAShift: 12})
	buf := r.page(2)

	c := r.admin1(cmdOf(opIdentify).prp(buf, 0).dw(10, cnsController))
	require.Equal(t, Success, c.status)
	d := r.mem(buf, 4096)
	require.Equal(t, uint16(0x1b36), binary.LittleEndian.Uint16(d[0:]))
	require.Equal(t, uint16(0x1af4), binary.LittleEndian.Uint16(d[2:]))
	require.Equal(t, "cosim0001           ", string(d[4:24]))
	require.Equal(t, "QEMU NVMe Ctrl", string(d[24:38]))
	require.Equal(t, "cosim   ", string(d[64:72]))
	require.Equal(t, []byte{0x00, 0x54, 0x52}, d[73:76])
	require.Equal(t, byte(7), d[77], "MDTS")
	require.Equal(t, uint32(0x00010400), binary.LittleEndian.Uint32(d[80:]))
	require.Equal(t, byte(0x66), d[512])
	require.Equal(t, byte(0x44), d[513])
	require.Equal(t, uint32(256), binary.LittleEndian.Uint32(d[516:]), "NN")
	require.Equal(t, uint16(0x1D), binary.LittleEndian.Uint16(d[520:]), "ONCS")
	require.Equal(t, byte(7), d[525], "VWC")
	require.Equal(t, "nqn.2019-08.org.qemu:cosim0001", string(d[768:798]))
	require.Zero(t, d[798])

	c = r.admin1(cmdOf(opIdentify).nsid(1).prp(buf+0x800, buf+4096).dw(10, cnsNamespace))
	require.Equal(t, Success, c.status, "PRP1 with an offset, PRP2 the next page")
	d = r.mem(buf+0x800, 4096)
	require.Equal(t, uint64(2048), binary.LittleEndian.Uint64(d[0:]))
	require.Equal(t, uint64(2048), binary.LittleEndian.Uint64(d[8:]))
	require.Equal(t, byte(9), d[130], "LBADS")
	require.Equal(t, byte(1), d[33], "DLFEAT")

	c = r.admin1(cmdOf(opIdentify).nsid(2).prp(buf, 0).dw(10, cnsNamespace))
	require.Equal(t, Success, c.status)
	require.Equal(t, uint64(256), binary.LittleEndian.Uint64(r.mem(buf, 8)), "4 KiB blocks")
	require.Equal(t, byte(12), r.mem(buf, 4096)[130])

	r.mem(buf, 8)[0] = 0xAA
	c = r.admin1(cmdOf(opIdentify).nsid(7).prp(buf, 0).dw(10, cnsNamespace))
	require.Equal(t, Success, c.status)
	require.Equal(t, make([]byte, 4096), r.mem(buf, 4096), "inactive namespace: zeroes")

	c = r.admin1(cmdOf(opIdentify).nsid(0).prp(buf, 0).dw(10, cnsActiveNS))
	require.Equal(t, Success, c.status)
	require.Equal(t, []byte{1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}, r.mem(buf, 12))
	c = r.admin1(cmdOf(opIdentify).nsid(1).prp(buf, 0).dw(10, cnsActiveNS))
	require.Equal(t, []byte{2, 0, 0, 0, 0, 0, 0, 0}, r.mem(buf, 8))

	c = r.admin1(cmdOf(opIdentify).nsid(1).prp(buf, 0).dw(10, cnsDescriptors))
	require.Equal(t, Success, c.status)
	u1 := append([]byte(nil), r.mem(buf, 20)...)
	require.Equal(t, []byte{3, 16}, u1[:2])
	require.Equal(t, byte(0x50), u1[4+6]&0xF0, "version 5 UUID")
	c = r.admin1(cmdOf(opIdentify).nsid(2).prp(buf, 0).dw(10, cnsDescriptors))
	require.NotEqual(t, u1, r.mem(buf, 20), "one UUID per namespace")

	for _, tc := range []struct {
		cns, nsid uint32
		want      Status
	}{
		{0x55, 0, InvalidField},
		{cnsNamespace, 0, InvalidNamespace},
		{cnsNamespace, 257, InvalidNamespace},
		{cnsActiveNS, 0xFFFFFFFF, InvalidField},
		{cnsDescriptors, 5, InvalidField},
	} {
		c = r.admin1(cmdOf(opIdentify).nsid(tc.nsid).prp(buf, 0).dw(10, tc.cns))
		require.Equal(t, tc.want, c.status, "cns %#x nsid %d", tc.cns, tc.nsid)
	}
}

func TestReadWriteThroughPRPLists(t *testing.T) {
	img := blockdev.NewMemory(1 << 20)
	r, q := up(t, Config{}, Namespace{Image: img})
	data := pattern(0x5a, 3*4096)
	src := r.page(3)
	copy(r.mem(src, len(data)), data)
	list := r.page(1)
	r.put64(list, src+4096)
	r.put64(list+8, src+8192)
	c := r.do(q, cmdOf(opWrite).nsid(1).prp(src, list).lba(8, 24))
	require.Equal(t, Success, c.status)
	got := make([]byte, len(data))
	require.NoError(t, img.ReadAt(got, 8*512))
	require.Equal(t, data, got)

	// Four pages through a list that starts 16 bytes before its page's end
	// and chains to a second list page.
	data = pattern(0x33, 4*4096)
	src = r.page(4)
	copy(r.mem(src, len(data)), data)
	l1, l2 := r.page(1), r.page(1)
	r.put64(l1+4080, src+4096)
	r.put64(l1+4088, l2)
	r.put64(l2, src+8192)
	r.put64(l2+8, src+12288)
	c = r.do(q, cmdOf(opWrite).nsid(1).prp(src, l1+4080).lba(100, 32))
	require.Equal(t, Success, c.status)
	dst := r.page(4)
	r.put64(l1+4080, dst+4096)
	r.put64(l2, dst+8192)
	r.put64(l2+8, dst+12288)
	c = r.do(q, cmdOf(opRead).nsid(1).prp(dst, l1+4080).lba(100, 32))
	require.Equal(t, Success, c.status)
	require.Equal(t, data, r.mem(dst, len(data)))

	// 4 KiB from the middle of a page: PRP2 is the next page.
	dst = r.page(2)
	c = r.do(q, cmdOf(opRead).nsid(1).prp(dst+0x200, dst+4096).lba(100, 8))
	require.Equal(t, Success, c.status)
	require.Equal(t, data[:4096], r.mem(dst+0x200, 4096))
	require.Equal(t, make([]byte, 0x200), r.mem(dst, 0x200), "nothing before PRP1")

	c = r.do(q, cmdOf(opFlush).nsid(1))
	require.Equal(t, Success, c.status)
	c = r.do(q, cmdOf(opFlush).nsid(0xFFFFFFFF))
	require.Equal(t, Success, c.status, "broadcast flush")
}

func TestPRPErrors(t *testing.T) {
	img := blockdev.NewMemory(1 << 20)
	r, q := up(t, Config{}, Namespace{Image: img})
	src, list := r.page(3), r.page(1)
	copy(r.mem(src, 3*4096), pattern(1, 3*4096))
	r.put64(list, src+4096)
	r.put64(list+8, src+8192+0x200)
	c := r.do(q, cmdOf(opWrite).nsid(1).prp(src, list).lba(200, 24))
	require.Equal(t, InvalidPRPOffset, c.status, "list entry with an offset")
	require.True(t, c.status.DNR())
	got := make([]byte, 24*512)
	require.NoError(t, img.ReadAt(got, 200*512))
	require.Equal(t, make([]byte, len(got)), got, "nothing written")

	c = r.do(q, cmdOf(opRead).nsid(1).prp(src, src+4096+0x100).lba(0, 16))
	require.Equal(t, InvalidPRPOffset, c.status, "second-page PRP2 with an offset")
	c = r.do(q, cmdOf(opRead).nsid(1).prp(src, list+4).lba(0, 24))
	require.Equal(t, InvalidPRPOffset, c.status, "misaligned list pointer")
	c = r.do(q, cmdOf(opRead).nsid(1).prp(0x1000, 0).lba(0, 1))
	require.Equal(t, DataTransferError, c.status, "buffer outside RAM")
	c = r.do(q, cmdOf(opWrite).nsid(1).prp(src, 0x2000).lba(0, 24))
	require.Equal(t, DataTransferError, c.status, "list outside RAM")
	c = r.do(q, cmdOf(opRead).nsid(1).prp(src, 0).lba(0, 1).flags(1<<6))
	require.Equal(t, InvalidField, c.status, "SGLs are not supported")
	c = r.do(q, cmdOf(opRead).nsid(1).prp(src, 0).lba(0, 1).flags(1))
	require.Equal(t, InvalidField, c.status, "no fused operations")
}

func TestIOStatuses(t *testing.T) {
	ro := blockdev.NewMemory(4096)
	r, q := up(t, Config{}, Namespace{Image: blockdev.NewMemory(1 << 20)}, Namespace{Image: ro})
	buf := r.page(1)
	for _, tc := range []struct {
		name string
		cmd  *sqe
		want Status
	}{
		{"at end", cmdOf(opRead).nsid(1).prp(buf, 0).lba(2048, 1), LBAOutOfRange},
		{"across end", cmdOf(opRead).nsid(1).prp(buf, 0).lba(2047, 2), LBAOutOfRange},
		{"huge lba", cmdOf(opRead).nsid(1).prp(buf, 0).lba(1<<63, 1), LBAOutOfRange},
		{"over MDTS", cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 65536), InvalidField},
		{"write zeroes across end", cmdOf(opWriteZeroes).nsid(1).lba(2044, 8), LBAOutOfRange},
		{"bad opcode", cmdOf(0x7F).nsid(1), InvalidOpcode},
		{"nsid 0", cmdOf(opRead).nsid(0).prp(buf, 0).lba(0, 1), InvalidNamespace},
		{"inactive nsid", cmdOf(opRead).nsid(3).prp(buf, 0).lba(0, 1), InvalidField},
		{"nsid beyond NN", cmdOf(opRead).nsid(0x1000).prp(buf, 0).lba(0, 1), InvalidNamespace},
		{"broadcast read", cmdOf(opRead).nsid(0xFFFFFFFF).prp(buf, 0).lba(0, 1), InvalidNamespace},
		{"compare equal", cmdOf(opCompare).nsid(1).prp(buf, 0).lba(0, 1), Success},
	} {
		c := r.do(q, tc.cmd)
		require.Equal(t, tc.want, c.status, tc.name)
		require.Equal(t, uint16(1), c.sqid)
	}
	r.mem(buf, 1)[0] = 1
	c := r.do(q, cmdOf(opCompare).nsid(1).prp(buf, 0).lba(0, 1))
	require.Equal(t, CompareFailure, c.status)
	require.False(t, c.status.DNR())
	require.Equal(t, uint8(2), c.status.SCT())

	roImg, err := blockdev.Open(writeFile(t, make([]byte, 4096)), blockdev.Options{ReadOnly: true})
	require.NoError(t, err)
	r2, q2 := up(t, Config{}, Namespace{Image: roImg})
	c = r2.do(q2, cmdOf(opWrite).nsid(1).prp(r2.page(1), 0).lba(0, 1))
	require.Equal(t, NamespaceWriteProtect, c.status)
	c = r2.do(q2, cmdOf(opWriteZeroes).nsid(1).lba(0, 1))
	require.Equal(t, NamespaceWriteProtect, c.status)
}

func TestWriteZeroesAndDatasetManagement(t *testing.T) {
	img := blockdev.NewMemory(1 << 20)
	require.NoError(t, img.WriteAt(pattern(9, 8192), 0))
	r, q := up(t, Config{}, Namespace{Image: img})
	c := r.do(q, cmdOf(opWriteZeroes).nsid(1).lba(2, 4))
	require.Equal(t, Success, c.status)
	got := make([]byte, 8192)
	require.NoError(t, img.ReadAt(got, 0))
	want := pattern(9, 8192)
	clear(want[1024:3072])
	require.Equal(t, want, got)

	ranges := r.page(1)
	binary.LittleEndian.PutUint32(r.mem(ranges+4, 4), 8)
	binary.LittleEndian.PutUint64(r.mem(ranges+8, 8), 100)
	binary.LittleEndian.PutUint32(r.mem(ranges+16+4, 4), 0) // empty range: ignored
	binary.LittleEndian.PutUint64(r.mem(ranges+16+8, 8), 1<<40)
	c = r.do(q, cmdOf(opDSM).nsid(1).prp(ranges, 0).dw(10, 1).dw(11, dsmDealloc))
	require.Equal(t, Success, c.status)
	binary.LittleEndian.PutUint32(r.mem(ranges+16+4, 4), 8)
	c = r.do(q, cmdOf(opDSM).nsid(1).prp(ranges, 0).dw(10, 1).dw(11, dsmDealloc))
	require.Equal(t, LBAOutOfRange, c.status)
	c = r.do(q, cmdOf(opDSM).nsid(1).prp(ranges, 0).dw(10, 1).dw(11, 1))
	require.Equal(t, Success, c.status, "attributes only")
}
