package nvme

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/blockdev"
	"cosim/hw/mem"
	"cosim/hw/pcie"
	"cosim/hw/sim"
)

// The rig is a virt-like machine with a driver written in Go: RAM at
// 0x8000_0000, an ECAM host with the controller at 00:01.0 and BAR0 at
// 0x4000_0000, INTx into a recording interrupt sink.
const (
	ramBase = 0x8000_0000
	ramSize = 16 << 20
	barBase = 0x4000_0000
)

type levels map[int]bool

func (l levels) SetIRQ(n int, level bool) { l[n] = level }

type rig struct {
	t     testing.TB
	clock *sim.Clock
	sys   *mem.Bus
	ram   *mem.RAM
	host  *pcie.ECAMHost
	ctrl  *Controller
	bar   mem.Device
	irq   levels
	alloc uint64
	cid   uint16
	admin *queue
}

// queue is the driver's view of a queue pair (or a lone SQ or CQ).
type queue struct {
	sqid, cqid       uint16
	sq, cq           uint64
	sqSize, cqSize   uint32
	tail, head       uint32
	phase            uint16
	sharedCQ         *queue // completions of this SQ arrive on another queue's CQ
	pendingDoorbells bool
}

func newRig(t testing.TB, cfg Config, ns ...Namespace) *rig {
	t.Helper()
	r := &rig{t: t, clock: &sim.Clock{}, sys: &mem.Bus{}, irq: levels{}, alloc: ramBase}
	ram, err := mem.NewRAM("ram", ramBase, ramSize, false)
	require.NoError(t, err)
	t.Cleanup(func() { ram.Close() })
	require.NoError(t, r.sys.MapRAM(ram))
	r.ram = ram
	var intx [4]sim.Line
	for i := range intx {
		intx[i] = sim.Line{Sink: r.irq, N: 32 + i}
	}
	r.host, err = pcie.NewECAMHost(pcie.ECAMConfig{Name: "pcie", Buses: 1, HostBridge: &pcie.GPEXHostBridge, INTx: intx, DMA: r.sys})
	require.NoError(t, err)
	if len(ns) == 0 {
		ns = []Namespace{{Image: blockdev.NewMemory(1 << 20)}}
	}
	if cfg.Serial == "" {
		cfg.Serial = "cosim0001"
	}
	r.ctrl, err = New(cfg, r.clock, ns...)
	require.NoError(t, err)
	require.NoError(t, r.host.Attach(1, 0, r.ctrl))
	r.cfgWrite(pcie.RegBAR0, 4, barBase)
	r.cfgWrite(pcie.RegBAR0+4, 4, 0)
	r.cfgWrite(pcie.RegCommand, 2, pcie.CmdMemory|pcie.CmdBusMaster)
	r.bar = r.host.MemWindow(barBase)
	return r
}

func (r *rig) cfgRead(off, size int) uint32 {
	v, ok := r.host.ConfigSpace().Read(uint64(1<<15|off), size)
	require.True(r.t, ok)
	return uint32(v)
}

func (r *rig) cfgWrite(off, size int, v uint32) {
	require.True(r.t, r.host.ConfigSpace().Write(uint64(1<<15|off), size, uint64(v)))
}

func (r *rig) r32(off uint64) uint32 {
	v, ok := r.bar.Read(off, 4)
	require.True(r.t, ok)
	return uint32(v)
}

func (r *rig) r64(off uint64) uint64 {
	v, ok := r.bar.Read(off, 8)
	require.True(r.t, ok)
	return v
}

func (r *rig) w32(off uint64, v uint32) { require.True(r.t, r.bar.Write(off, 4, uint64(v))) }
func (r *rig) w64(off uint64, v uint64) { require.True(r.t, r.bar.Write(off, 8, v)) }

// page returns n fresh zeroed pages of RAM.
func (r *rig) page(n int) uint64 {
	a := r.alloc
	r.alloc += uint64(n) * pageSize
	require.LessOrEqual(r.t, r.alloc, uint64(ramBase+ramSize))
	clear(r.ram.Data[a-ramBase : a-ramBase+uint64(n)*pageSize])
	return a
}

func (r *rig) mem(addr uint64, n int) []byte {
	return r.ram.Data[addr-ramBase : addr-ramBase+uint64(n)]
}

func (r *rig) put64(addr, v uint64) { binary.LittleEndian.PutUint64(r.mem(addr, 8), v) }

// run lets simulated time pass until nothing is scheduled.
func (r *rig) run() {
	for i := 0; i < 1_000_000; i++ {
		t, ok := r.clock.Next()
		if !ok {
			return
		}
		r.clock.AdvanceTo(t)
	}
	r.t.Fatal("events keep coming")
}

// enable brings the controller up with an admin queue pair of n entries.
func (r *rig) enable(n uint32) {
	r.admin = &queue{sq: r.page(1), cq: r.page(1), sqSize: n, cqSize: n, phase: 1}
	r.w32(regAQA, (n-1)<<16|(n-1))
	r.w64(regASQ, r.admin.sq)
	r.w64(regACQ, r.admin.cq)
	r.w32(regCC, 4<<20|6<<16|ccEN)
	r.run()
	require.Equal(r.t, uint32(cstsRDY), r.r32(regCSTS)&(cstsRDY|cstsCFS))
}

// sqe is a submission queue entry being built.
type sqe [64]byte

func cmdOf(op uint8) *sqe {
	var s sqe
	s[0] = op
	return &s
}

func (s *sqe) nsid(v uint32) *sqe { binary.LittleEndian.PutUint32(s[4:], v); return s }
func (s *sqe) prp(p1, p2 uint64) *sqe {
	binary.LittleEndian.PutUint64(s[24:], p1)
	binary.LittleEndian.PutUint64(s[32:], p2)
	return s
}
func (s *sqe) dw(n int, v uint32) *sqe { binary.LittleEndian.PutUint32(s[4*n:], v); return s }
func (s *sqe) flags(v uint8) *sqe      { s[1] = v; return s }
func (s *sqe) lba(slba uint64, n uint32) *sqe {
	return s.dw(10, uint32(slba)).dw(11, uint32(slba>>32)).dw(12, n-1)
}

// submit places an entry on q's SQ and rings its doorbell; it returns the
// CID.
func (r *rig) submit(q *queue, s *sqe) uint16 {
	r.cid++
	binary.LittleEndian.PutUint16(s[2:], r.cid)
	copy(r.mem(q.sq+uint64(q.tail)*64, 64), s[:])
	q.tail = (q.tail + 1) % q.sqSize
	r.w32(doorbellBase+uint64(q.sqid)*8, q.tail)
	return r.cid
}

type completion struct {
	dw0    uint32
	sqhd   uint16
	sqid   uint16
	cid    uint16
	status Status
}

// take returns the next completion of q's CQ if there is one.
func (r *rig) take(q *queue, ring bool) (completion, bool) {
	e := r.mem(q.cq+uint64(q.head)*16, 16)
	st := binary.LittleEndian.Uint16(e[14:])
	if st&1 != q.phase {
		return completion{}, false
	}
	c := completion{
		dw0: binary.LittleEndian.Uint32(e[0:]), sqhd: binary.LittleEndian.Uint16(e[8:]),
		sqid: binary.LittleEndian.Uint16(e[10:]), cid: binary.LittleEndian.Uint16(e[12:]), status: Status(st >> 1),
	}
	q.head++
	if q.head == q.cqSize {
		q.head = 0
		q.phase ^= 1
	}
	if ring {
		r.w32(doorbellBase+uint64(q.cqid)*8+4, q.head)
	}
	return c, true
}

// do submits and waits for the completion (on the queue's CQ, or the
// shared one).
func (r *rig) do(q *queue, s *sqe) completion {
	r.t.Helper()
	cid := r.submit(q, s)
	r.run()
	cq := q
	if q.sharedCQ != nil {
		cq = q.sharedCQ
	}
	c, ok := r.take(cq, true)
	require.True(r.t, ok, "no completion for cid %d", cid)
	require.Equal(r.t, cid, c.cid)
	return c
}

func (r *rig) admin1(s *sqe) completion { r.t.Helper(); return r.do(r.admin, s) }

// ioPair creates I/O CQ and SQ qid with n entries (interrupts on, vector iv).
func (r *rig) ioPair(qid uint16, n uint32, iv uint16) *queue {
	r.t.Helper()
	q := &queue{sqid: qid, cqid: qid, sq: r.page(1), cq: r.page(1), sqSize: n, cqSize: n, phase: 1}
	c := r.admin1(cmdOf(opCreateCQ).prp(q.cq, 0).dw(10, (n-1)<<16|uint32(qid)).dw(11, uint32(iv)<<16|3))
	require.Equal(r.t, Success, c.status)
	c = r.admin1(cmdOf(opCreateSQ).prp(q.sq, 0).dw(10, (n-1)<<16|uint32(qid)).dw(11, uint32(qid)<<16|1))
	require.Equal(r.t, Success, c.status)
	return q
}

// up is a rig with the controller enabled and I/O queue pair 1.
func up(t testing.TB, cfg Config, ns ...Namespace) (*rig, *queue) {
	r := newRig(t, cfg, ns...)
	r.enable(32)
	return r, r.ioPair(1, 16, 0)
}

func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed ^ byte(i>>9)
	}
	return b
}

// writeFile creates a disk image file with the given contents.
func writeFile(t testing.TB, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.img")
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}
