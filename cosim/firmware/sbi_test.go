package firmware

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/hart"
	"cosim/hw/mem"
	"cosim/hw/sim"
)

// sbiRig is an SBI over three harts shaped like the FU740's: hartid 0 has
// no S-mode, hartids 1 and 2 do. Hart 1 is started, as a boot hart would be.
type sbiRig struct {
	sbi    *SBI
	harts  []*hart.Hart
	parked map[int]bool
}

func newSBIRig(t *testing.T) *sbiRig {
	t.Helper()
	var bus mem.Bus
	var clock sim.Clock
	sys := hart.NewSystem(&bus, &clock)
	ram, err := mem.NewRAM("dram", 0x8000_0000, 1<<20, false)
	require.NoError(t, err)
	t.Cleanup(func() { ram.Close() })
	require.NoError(t, bus.MapRAM(ram))
	r := &sbiRig{parked: map[int]bool{}}
	for id := uint64(0); id < 3; id++ {
		cfg := hart.Config{HartID: id, ISA: "rv64imac", UMode: true, PMPEntries: 8, PMPGranularity: 4,
			ClockHz: 1e9, TimebaseHz: 1e7, ResetPC: 0x8000_0000}
		if id != 0 {
			cfg.SMode, cfg.MMUModes = true, []string{"sv39"}
		}
		h, err := sys.NewHart(cfg)
		require.NoError(t, err)
		h.Reset()
		r.harts = append(r.harts, h)
	}
	r.sbi = NewSBI(Platform{Bus: &bus, Harts: r.harts, Console: discard{},
		Park:  func(i int, p bool) { r.parked[i] = p },
		Reset: func(uint32, bool) {}})
	r.sbi.Start(1, 0x8000_0000, 0)
	return r
}

type discard struct{}

func (discard) PutByte(byte)          {}
func (discard) GetByte() (byte, bool) { return 0, false }

// ecall makes an SBI call from hart from and returns (error, value).
func (r *sbiRig) ecall(from int, eid, fid uint64, args ...uint64) (int64, uint64) {
	h := r.harts[from]
	h.SetX(17, eid)
	h.SetX(16, fid)
	for i := 0; i < 6; i++ {
		var v uint64
		if i < len(args) {
			v = args[i]
		}
		h.SetX(10+i, v)
	}
	pc := h.PC()
	handled := r.sbi.trap(h, causeEcallS, 0)
	if !handled || h.PC() != pc+4 {
		panic("the SBI did not handle the ecall")
	}
	return int64(h.X(10)), h.X(11)
}

func TestHSMHartStart(t *testing.T) {
	r := newSBIRig(t)
	const entry, opaque = 0x8000_1000, 0x1234

	e, _ := r.ecall(1, extHSM, 0, 2, entry, opaque)
	require.Equal(t, int64(sbiSuccess), e)
	h := r.harts[2]
	require.Equal(t, uint64(entry), h.PC())
	require.Equal(t, uint8(1), h.Priv(), "starts in S-mode")
	require.Equal(t, uint64(2), h.X(10), "a0 = hartid")
	require.Equal(t, uint64(opaque), h.X(11), "a1 = opaque")
	require.False(t, r.parked[2], "the started hart is scheduled")

	e, v := r.ecall(1, extHSM, 2, 2)
	require.Equal(t, int64(sbiSuccess), e)
	require.Equal(t, uint64(hsmStarted), v)

	e, _ = r.ecall(1, extHSM, 0, 2, entry, opaque)
	require.Equal(t, int64(-6), e, "SBI_ERR_ALREADY_AVAILABLE for a started hart")

	e, _ = r.ecall(1, extHSM, 0, 0, entry, opaque)
	require.Equal(t, int64(-3), e, "SBI_ERR_INVALID_PARAM: hart 0 has no S-mode")
	e, _ = r.ecall(1, extHSM, 0, 7, entry, opaque)
	require.Equal(t, int64(-3), e, "SBI_ERR_INVALID_PARAM: no such hartid")
	e, v = r.ecall(1, extHSM, 2, 0)
	require.Equal(t, int64(sbiSuccess), e)
	require.Equal(t, uint64(hsmStopped), v)
}

func TestHSMHartStartBadAddress(t *testing.T) {
	r := newSBIRig(t)
	e, _ := r.ecall(1, extHSM, 0, 2, 0x1000, 0)
	require.Equal(t, int64(-5), e, "SBI_ERR_INVALID_ADDRESS: no memory there")
}

func TestHSMHartSuspendTypes(t *testing.T) {
	r := newSBIRig(t)
	for _, c := range []struct {
		typ  uint64
		want int64
	}{
		{0, sbiSuccess},                     // default retentive
		{0xFFFF_FFFF_0000_0000, sbiSuccess}, // suspend_type is 32 bits wide
		{1, -3},                             // reserved
		{0x1000_0000, -3},                   // platform-specific, none implemented
		{0x8000_0000, -2},                   // default non-retentive: not supported here
		{0x8000_0001, -3},                   // reserved
		{0x9000_0000, -3},                   // platform-specific
	} {
		e, _ := r.ecall(1, extHSM, 3, c.typ, 0x8000_0000, 0)
		require.Equal(t, c.want, e, "suspend type %#x", c.typ)
	}
}

func TestIPISendByMask(t *testing.T) {
	r := newSBIRig(t)
	_, _ = r.ecall(1, extHSM, 0, 2, 0x8000_0000, 0)
	e, _ := r.ecall(1, extIPI, 0, 1, 2) // mask bit 0, base hartid 2
	require.Equal(t, int64(sbiSuccess), e)
	mip, _ := r.harts[2].CSR(csrMip)
	require.NotZero(t, mip&mipSSIP, "hart 2 got the IPI")
	mip, _ = r.harts[1].CSR(csrMip)
	require.Zero(t, mip&mipSSIP, "hart 1 did not")

	e, _ = r.ecall(1, extIPI, 0, 0b11, 2) // hartids 2 and 3: 3 does not exist
	require.Equal(t, int64(-3), e)
}

// Only started harts take an IPI: hart 2 is stopped and hart 0 has no
// S-mode, so neither may find SSIP pending when (if) it starts.
func TestIPIAllHartsOnlyStarted(t *testing.T) {
	r := newSBIRig(t)
	e, _ := r.ecall(1, extIPI, 0, 0, ^uint64(0)) // base -1: every available hart
	require.Equal(t, int64(sbiSuccess), e)
	for i, want := range []bool{false, true, false} {
		mip, _ := r.harts[i].CSR(csrMip)
		require.Equal(t, want, mip&mipSSIP != 0, "hart %d", i)
	}
	e, _ = r.ecall(1, extIPI, 0, 1, 2) // hart 2 by mask: exists, stopped
	require.Equal(t, int64(sbiSuccess), e)
	mip, _ := r.harts[2].CSR(csrMip)
	require.Zero(t, mip&mipSSIP)
}
