package nvme

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/blockdev"
)

func TestFeatures(t *testing.T) {
	r := newRig(t, Config{})
	r.enable(32)
	get := func(fid, sel, dw11 uint32) completion {
		return r.admin1(cmdOf(opGetFeature).dw(10, fid|sel<<8).dw(11, dw11))
	}
	set := func(fid, dw11 uint32) completion { return r.admin1(cmdOf(opSetFeature).dw(10, fid).dw(11, dw11)) }

	c := set(featNumQueues, 3<<16|3)
	require.Equal(t, Success, c.status)
	require.Equal(t, uint32(0x003F003F), c.dw0, "all 64 pairs allocated, as QEMU")
	require.Equal(t, uint32(0x003F003F), get(featNumQueues, 0, 0).dw0)
	require.Equal(t, InvalidField, set(featNumQueues, 0xFFFF).status)
	r.ioPair(1, 4, 0)
	require.Equal(t, CommandSequenceError, set(featNumQueues, 0).status, "after queues exist")

	require.Equal(t, uint32(1), get(featWriteCache, 0, 0).dw0)
	require.Equal(t, uint32(capChangeable), get(featWriteCache, selCapabilities, 0).dw0)
	require.Equal(t, Success, set(featWriteCache, 0).status)
	require.Equal(t, uint32(0), get(featWriteCache, 0, 0).dw0)
	require.Equal(t, uint32(1), get(featWriteCache, selDefault, 0).dw0)
	require.Equal(t, uint32(1), get(featWriteCache, selSaved, 0).dw0, "nothing saved: the default")

	require.Equal(t, uint32(7), get(featArbitration, 0, 0).dw0)
	require.Equal(t, uint32(0x157), get(featTemperature, 0, 0).dw0)
	require.Equal(t, Success, set(featTemperature, 1<<20|0x100).status)
	require.Equal(t, uint32(1<<20|0x100), get(featTemperature, 0, 1<<20).dw0, "under-temperature threshold")
	require.Equal(t, InvalidField, set(featTemperature, 3<<16|0x100).status, "no sensor 3")
	require.Equal(t, Success, set(featCoalescing, 0x0104).status)
	require.Equal(t, uint32(0x0104), get(featCoalescing, 0, 0).dw0)
	require.Equal(t, InvalidField, set(featPowerManagement, 1).status, "one power state")
	require.Equal(t, InvalidField, set(featErrorRecovery, 1<<16).status)
	require.Equal(t, Success, set(featAsyncConfig, 0x1FF).status)
	require.Equal(t, uint32(0xFF), get(featAsyncConfig, 0, 0).dw0)
	require.Equal(t, Success, set(featWriteAtomicity, 1).status)

	require.Equal(t, InvalidField, get(0x7F, 0, 0).status)
	require.Equal(t, InvalidField, set(0x0C, 0).status, "no autonomous power state transitions")
	require.Equal(t, InvalidField, get(featArbitration, 4, 0).status, "select 4 is reserved")
	c = r.admin1(cmdOf(opSetFeature).dw(10, 1<<31|featArbitration))
	require.Equal(t, FeatureNotSaveable, c.status)

	r2 := newRig(t, Config{WriteCache: WriteCacheNone})
	r2.enable(8)
	require.Equal(t, FeatureNotChangeable, r2.admin1(cmdOf(opSetFeature).dw(10, featWriteCache).dw(11, 1)).status)
	require.Zero(t, r2.admin1(cmdOf(opGetFeature).dw(10, featWriteCache|selCapabilities<<8)).dw0)
}

func TestLogPages(t *testing.T) {
	r, q := up(t, Config{})
	buf := r.page(8)
	log := r.page(2)
	getLog := func(lid uint8, nsid uint32, bytes uint32, off uint64) completion {
		return r.admin1(cmdOf(opGetLogPage).nsid(nsid).prp(log, log+4096).
			dw(10, (bytes/4-1)<<16|uint32(lid)).dw(12, uint32(off)).dw(13, uint32(off>>32)))
	}
	for i := 0; i < 3; i++ {
		require.Equal(t, Success, r.do(q, cmdOf(opWrite).nsid(1).prp(buf, 0).lba(0, 8)).status)
	}
	require.Equal(t, Success, r.do(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(0, 8)).status)
	require.Equal(t, LBAOutOfRange, r.do(q, cmdOf(opRead).nsid(1).prp(buf, 0).lba(4096, 8)).status)

	require.Equal(t, Success, getLog(logSMART, 0xFFFFFFFF, 512, 0).status)
	d := r.mem(log, 512)
	require.Equal(t, uint16(0x143), binary.LittleEndian.Uint16(d[1:]))
	require.Equal(t, byte(100), d[3])
	require.Equal(t, uint64(1), binary.LittleEndian.Uint64(d[32:]), "data units read, rounded up")
	require.Equal(t, uint64(1), binary.LittleEndian.Uint64(d[48:]))
	require.Equal(t, uint64(1), binary.LittleEndian.Uint64(d[64:]), "read commands (failed ones not counted)")
	require.Equal(t, uint64(3), binary.LittleEndian.Uint64(d[80:]))
	require.Equal(t, uint64(1), binary.LittleEndian.Uint64(d[176:]), "error log entries")
	require.Equal(t, Success, getLog(logSMART, 1, 512, 0).status, "per namespace")
	require.Equal(t, uint64(3), binary.LittleEndian.Uint64(r.mem(log+80, 8)))
	require.Equal(t, InvalidField, getLog(logSMART, 2, 512, 0).status, "inactive namespace")
	require.Equal(t, InvalidNamespace, getLog(logSMART, 0x1000, 512, 0).status)

	require.Equal(t, Success, getLog(logError, 0, 64, 0).status)
	d = r.mem(log, 64)
	require.Equal(t, uint64(3), binary.LittleEndian.Uint64(d[0:]), "error count")
	require.Equal(t, uint16(0), binary.LittleEndian.Uint16(d[8:]), "the latest error: the admin SQ")
	require.Equal(t, uint16(InvalidNamespace)<<1, binary.LittleEndian.Uint16(d[12:]))

	require.Equal(t, Success, getLog(logFirmware, 0, 512, 0).status)
	require.Equal(t, byte(1), r.mem(log, 1)[0])
	require.Equal(t, "cosim   ", string(r.mem(log+8, 8)))

	require.Equal(t, Success, getLog(logEffects, 0, 8192, 0).status, "past the log: zeroes")
	d = r.mem(log, 4096)
	require.Equal(t, uint32(1), binary.LittleEndian.Uint32(d[4*opIdentify:]))
	require.Equal(t, uint32(3), binary.LittleEndian.Uint32(d[1024+4*opWrite:]), "write changes LBAs")
	require.Zero(t, binary.LittleEndian.Uint32(d[4*0x80:]), "no Format NVM")

	require.Equal(t, Success, getLog(logSMART, 0, 4, 508).status, "from an offset")
	require.Equal(t, InvalidField, getLog(logSMART, 0, 4, 513).status, "misaligned offset")
	require.Equal(t, InvalidField, getLog(logSMART, 0, 4, 516).status, "offset past the log")
	require.Equal(t, InvalidLogPage, getLog(0x7F, 0, 512, 0).status)
	c := r.admin1(cmdOf(opGetLogPage).prp(log, 0).dw(10, 0xFFFF<<16|logSMART).dw(11, 0xFFFF))
	require.Equal(t, InvalidField, c.status, "beyond MDTS")
}

func TestAdminOpcodesAndFields(t *testing.T) {
	r := newRig(t, Config{})
	r.enable(8)
	require.Equal(t, InvalidOpcode, r.admin1(cmdOf(0x3F)).status)
	require.Equal(t, InvalidOpcode, r.admin1(cmdOf(0x80)).status, "Format NVM is not supported")
	require.Equal(t, InvalidField, r.admin1(cmdOf(opIdentify).dw(10, 1).flags(1<<6)).status, "SGL")
}

// TestDurabilityWriteCacheOn: data a Flush covered is in the file, as a
// second handle opened after the run sees it.
func TestDurabilityWriteCacheOn(t *testing.T) {
	path := writeFile(t, make([]byte, 1<<20))
	img, err := blockdev.Open(path, blockdev.Options{})
	require.NoError(t, err)
	r, q := up(t, Config{}, Namespace{Image: img})
	buf := r.page(2)
	data := pattern(0x77, 8192)
	copy(r.mem(buf, 8192), data)
	require.Equal(t, Success, r.do(q, cmdOf(opWrite).nsid(1).prp(buf, buf+4096).lba(16, 16)).status)
	require.Equal(t, Success, r.do(q, cmdOf(opFlush).nsid(1)).status)

	other, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, data, other[16*512:16*512+8192])
	require.NoError(t, img.Close())
}

// TestDurabilityWriteCacheOff: with the cache off each write is durable at
// its completion; turning the cache off flushes what it held.
func TestDurabilityWriteCacheOff(t *testing.T) {
	path := writeFile(t, make([]byte, 1<<20))
	img, err := blockdev.Open(path, blockdev.Options{})
	require.NoError(t, err)
	r, q := up(t, Config{WriteCache: WriteCacheOff}, Namespace{Image: img})
	require.Zero(t, r.admin1(cmdOf(opGetFeature).dw(10, featWriteCache)).dw0)
	buf := r.page(1)
	copy(r.mem(buf, 4096), pattern(0x11, 4096))
	require.Equal(t, Success, r.do(q, cmdOf(opWrite).nsid(1).prp(buf, 0).lba(0, 8)).status)
	other, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, pattern(0x11, 4096), other[:4096])
	require.Equal(t, Success, r.do(q, cmdOf(opWrite).nsid(1).prp(buf, 0).lba(8, 8).dw(12, 7|rwFUA)).status)
	require.NoError(t, img.Close())
}

// TestSnapshotNeverWritesTheImage: a snapshot namespace takes writes, reads
// them back, and leaves the file as it was.
func TestSnapshotNeverWritesTheImage(t *testing.T) {
	orig := pattern(0x42, 1<<16)
	path := writeFile(t, orig)
	img, err := blockdev.Open(path, blockdev.Options{Snapshot: true})
	require.NoError(t, err)
	r, q := up(t, Config{}, Namespace{Image: img})
	buf := r.page(1)
	copy(r.mem(buf, 4096), pattern(0x99, 4096))
	require.Equal(t, Success, r.do(q, cmdOf(opWrite).nsid(1).prp(buf, 0).lba(0, 8)).status)
	require.Equal(t, Success, r.do(q, cmdOf(opWriteZeroes).nsid(1).lba(8, 8)).status)
	require.Equal(t, Success, r.do(q, cmdOf(opFlush).nsid(1)).status)
	back := r.page(1)
	require.Equal(t, Success, r.do(q, cmdOf(opRead).nsid(1).prp(back, 0).lba(0, 8)).status)
	require.Equal(t, pattern(0x99, 4096), r.mem(back, 4096))
	r.w32(regCC, r.r32(regCC)|1<<14) // shutdown flushes
	r.run()
	other, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, orig, other)
}
