package firmware

import (
	"fmt"

	"cosim/hw/hart"
	"cosim/hw/mem"
	"cosim/hw/sim"
)

// SBI extension IDs and function IDs (RISC-V SBI specification v2.0).
const (
	extBase   = 0x10
	extTime   = 0x54494D45 // "TIME"
	extIPI    = 0x735049   // "sPI"
	extRFence = 0x52464E43 // "RFNC"
	extHSM    = 0x48534D   // "HSM"
	extSRST   = 0x53525354 // "SRST"
	extDBCN   = 0x4442434E // "DBCN"

	legacySetTimer     = 0x00
	legacyPutchar      = 0x01
	legacyGetchar      = 0x02
	legacyClearIPI     = 0x03
	legacySendIPI      = 0x04
	legacyRemoteFenceI = 0x05
	legacySfenceVMA    = 0x06
	legacySfenceASID   = 0x07
	legacyShutdown     = 0x08
)

// SBI error codes.
const (
	sbiSuccess         = 0
	sbiErrFailed       = -1
	sbiErrNotSupported = -2
	sbiErrInvalidParam = -3
	sbiErrInvalidAddr  = -5
	sbiErrAlreadyAvail = -6
)

// HSM hart states.
const (
	hsmStarted = 0
	hsmStopped = 1
)

// SBI implementation identity. IDs 0..10 are registered to other
// implementations; this one is unregistered and says "cosim" in ASCII-ish.
const (
	sbiSpecVersion = 2 << 24 // v2.0
	sbiImplID      = 0xC051
	sbiImplVersion = 1
)

// CSR numbers the SBI touches.
const (
	csrSstatus  = 0x100
	csrSie      = 0x104
	csrStvec    = 0x105
	csrSatp     = 0x180
	csrSepc     = 0x141
	csrScause   = 0x142
	csrStval    = 0x143
	csrStimecmp = 0x14D
	csrMstatus  = 0x300
	csrMedeleg  = 0x302
	csrMideleg  = 0x303
	csrMie      = 0x304
	csrMcounten = 0x306
	csrMenvcfg  = 0x30A
	csrMip      = 0x344
	csrPmpcfg0  = 0x3A0
	csrPmpaddr0 = 0x3B0
)

const (
	mipSSIP = 1 << sim.IRQSupervisorSoftware
	mipSTIP = 1 << sim.IRQSupervisorTimer
	mieMTIE = 1 << sim.IRQMachineTimer

	causeEcallS     = 9
	causeIllegal    = 2
	causeInterrupt  = 1 << 63
	menvcfgSTCE     = 1 << 63
	mstatusMPPShift = 11
)

// Console is where the SBI's console calls go: the board's console UART,
// driven through its registers as real firmware would.
type Console interface {
	PutByte(b byte)
	GetByte() (byte, bool)
}

// Platform is what the SBI needs from the machine around it.
type Platform struct {
	Bus     *mem.Bus
	Harts   []*hart.Hart
	Console Console
	// CLINTBase locates mtimecmp (base + 0x4000 + 8*hart) for SBI TIME on
	// harts without Sstc.
	CLINTBase uint64
	// Park stops or restarts scheduling of a hart (HSM).
	Park func(hart int, parked bool)
	// Reset ends the run: SRST and legacy shutdown. kind: 0 shutdown,
	// 1 cold reboot, 2 warm reboot; failure: reason "system failure".
	Reset func(kind uint32, failure bool)
}

// SBI is the built-in supervisor binary interface: it stands in for M-mode
// firmware so an S-mode payload runs directly on the harts.
type SBI struct {
	p     Platform
	state []int // HSM state per hart
}

// NewSBI installs the SBI on every hart of p: it sets the M-mode CSRs an
// SBI implementation sets (delegation, PMP open to S-mode, counters, Sstc
// enable) and takes over the M-mode trap path through the hart hook.
func NewSBI(p Platform) *SBI {
	s := &SBI{p: p, state: make([]int, len(p.Harts))}
	for i, h := range p.Harts {
		s.state[i] = hsmStopped
		s.configureHart(h)
		h.MHook = s.trap
	}
	return s
}

// medelegAll delegates every exception S-mode may handle itself:
// misaligned, access faults, illegal instruction, breakpoint, ecall from U
// and the page faults (not ecall from S or M, which come here).
const medelegAll = 1<<0 | 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<12 | 1<<13 | 1<<15

func (s *SBI) configureHart(h *hart.Hart) {
	deleg := uint64(medelegAll)
	if !h.HasTimeCSR() {
		deleg &^= 1 << causeIllegal // rdtime comes here to be emulated
	}
	h.SetCSR(csrMedeleg, deleg)
	h.SetCSR(csrMideleg, mipSSIP|mipSTIP|1<<sim.IRQSupervisorExternal)
	h.SetCSR(csrMcounten, 0xffff_ffff)
	// One NAPOT entry over the whole address space, RWX: S and U see memory
	// as they would under OpenSBI's default domain.
	h.SetCSR(csrPmpaddr0, ^uint64(0)>>10)
	h.SetCSR(csrPmpcfg0, 0x1f)
	if v, ok := h.CSR(csrMenvcfg); ok {
		h.SetCSR(csrMenvcfg, v|menvcfgSTCE)
	}
}

// Start enters payload entry in S-mode on hart i with a0 = hartid and
// a1 = arg (the FDT address for the boot hart, opaque for HSM starts).
func (s *SBI) Start(i int, entry, arg uint64) {
	h := s.p.Harts[i]
	h.SetX(10, s.hartID(i))
	h.SetX(11, arg)
	h.SetCSR(csrSatp, 0)
	if v, ok := h.CSR(csrSstatus); ok {
		h.SetCSR(csrSstatus, v&^2) // SIE off
	}
	h.SetPriv(1)
	h.SetPC(entry)
	s.state[i] = hsmStarted
	s.p.Park(i, false)
}

func (s *SBI) hartID(i int) uint64 {
	id, _ := s.p.Harts[i].CSR(0xF14)
	return id
}

// trap is the hart's M-mode hook.
func (s *SBI) trap(h *hart.Hart, cause, tval uint64) bool {
	switch cause {
	case causeEcallS:
		s.ecall(h)
		h.SetPC(h.PC() + 4)
		return true
	case causeIllegal:
		if rd, ok := rdtimeDest(uint32(tval)); ok && !h.HasTimeCSR() && h.Priv() != hart.PrivM {
			mtime, _ := s.p.Bus.Read(s.p.CLINTBase+0xbff8, 8)
			h.SetX(rd, mtime)
			h.SetPC(h.PC() + 4)
			return true
		}
		if h.Priv() != hart.PrivM {
			redirectToS(h, cause, tval)
			return true
		}
		return false
	case causeInterrupt | sim.IRQMachineTimer:
		// As OpenSBI: hand the tick to S-mode and mask the M-timer until
		// the next set_timer.
		s.setMIP(h, mipSTIP, true)
		mie, _ := h.CSR(csrMie)
		h.SetCSR(csrMie, mie&^mieMTIE)
		return true
	case causeInterrupt | sim.IRQMachineSoftware:
		// The SBI sends IPIs by setting SSIP directly; a stray MSIP is
		// acknowledged at the CLINT by whoever raised it.
		return true
	}
	return false
}

// rdtimeDest decodes "csrrs rd, time, x0" (rdtime), the instruction a
// hart without the time CSR traps on; it returns rd.
func rdtimeDest(insn uint32) (int, bool) {
	const rdtimeMask, rdtime = 0xfffff07f, 0xc0102073
	return int(insn>>7) & 31, insn&rdtimeMask == rdtime
}

// redirectToS delivers an exception taken from S or U to S-mode, as if
// medeleg had delegated it (the SBI keeps illegal instructions to itself
// on harts without the time CSR, and passes on all but rdtime).
func redirectToS(h *hart.Hart, cause, tval uint64) {
	const sie, spie, spp = 1 << 1, 1 << 5, 1 << 8
	st, _ := h.CSR(csrSstatus)
	st &^= spie | spp
	if st&sie != 0 {
		st |= spie
	}
	if h.Priv() == hart.PrivS {
		st |= spp
	}
	st &^= sie
	h.SetCSR(csrSstatus, st)
	h.SetCSR(csrSepc, h.PC())
	h.SetCSR(csrScause, cause)
	h.SetCSR(csrStval, tval)
	stvec, _ := h.CSR(csrStvec)
	h.SetPriv(hart.PrivS)
	h.SetPC(stvec &^ 3)
}

func (s *SBI) setMIP(h *hart.Hart, bit uint64, on bool) {
	mip, _ := h.CSR(csrMip)
	if on {
		mip |= bit
	} else {
		mip &^= bit
	}
	h.SetCSR(csrMip, mip)
}

func (s *SBI) index(h *hart.Hart) int {
	for i, x := range s.p.Harts {
		if x == h {
			return i
		}
	}
	return -1
}

// ecall serves one SBI call: a7 = EID, a6 = FID, a0..a5 arguments; the
// result goes to a0 (error) and a1 (value).
func (s *SBI) ecall(h *hart.Hart) {
	eid, fid := h.X(17), h.X(16)
	a := [6]uint64{h.X(10), h.X(11), h.X(12), h.X(13), h.X(14), h.X(15)}
	if eid <= legacyShutdown {
		ret, hasRet := s.legacy(h, eid, a)
		if hasRet {
			h.SetX(10, uint64(ret))
		}
		return
	}
	errc, val := s.call(h, eid, fid, a)
	h.SetX(10, uint64(errc))
	h.SetX(11, val)
}

func (s *SBI) call(h *hart.Hart, eid, fid uint64, a [6]uint64) (int64, uint64) {
	switch eid {
	case extBase:
		return s.base(h, fid, a)
	case extTime:
		if fid != 0 {
			return sbiErrNotSupported, 0
		}
		s.setTimer(h, a[0])
		return sbiSuccess, 0
	case extIPI:
		if fid != 0 {
			return sbiErrNotSupported, 0
		}
		return s.forHarts(a[0], a[1], func(t *hart.Hart) { s.setMIP(t, mipSSIP, true) }), 0
	case extRFence:
		return s.rfence(fid, a), 0
	case extHSM:
		return s.hsm(h, fid, a)
	case extSRST:
		if fid != 0 {
			return sbiErrNotSupported, 0
		}
		if a[0] > 2 || a[1] > 1 && a[1] < 0xF0000000 {
			return sbiErrInvalidParam, 0
		}
		s.p.Reset(uint32(a[0]), a[1] == 1)
		return sbiSuccess, 0
	case extDBCN:
		return s.dbcn(fid, a)
	}
	return sbiErrNotSupported, 0
}

func (s *SBI) base(h *hart.Hart, fid uint64, a [6]uint64) (int64, uint64) {
	switch fid {
	case 0:
		return sbiSuccess, sbiSpecVersion
	case 1:
		return sbiSuccess, sbiImplID
	case 2:
		return sbiSuccess, sbiImplVersion
	case 3:
		if s.implements(a[0]) {
			return sbiSuccess, 1
		}
		return sbiSuccess, 0
	case 4, 5, 6:
		v, _ := h.CSR(0xF11 + uint16(fid-4)) // mvendorid, marchid, mimpid
		return sbiSuccess, v
	}
	return sbiErrNotSupported, 0
}

func (s *SBI) implements(eid uint64) bool {
	switch eid {
	case extBase, extTime, extIPI, extRFence, extHSM, extSRST, extDBCN:
		return true
	}
	return eid <= legacyShutdown
}

func (s *SBI) setTimer(h *hart.Hart, when uint64) {
	if _, ok := h.CSR(csrStimecmp); ok {
		if env, _ := h.CSR(csrMenvcfg); env&menvcfgSTCE != 0 {
			h.SetCSR(csrStimecmp, when)
			return
		}
	}
	s.p.Bus.Write(s.p.CLINTBase+0x4000+8*s.hartID(s.index(h)), 8, when)
	s.setMIP(h, mipSTIP, false)
	mie, _ := h.CSR(csrMie)
	h.SetCSR(csrMie, mie|mieMTIE)
}

// forHarts applies fn to the started harts named by an SBI hart mask: bit
// i of mask is hart base+i; base = -1 means every available hart. A hart
// that exists but is stopped (or has no S-mode) is skipped, as OpenSBI
// does: an IPI left pending there would fire spuriously when it starts.
func (s *SBI) forHarts(mask, base uint64, fn func(*hart.Hart)) int64 {
	targets := make([]*hart.Hart, 0, len(s.p.Harts))
	for i, h := range s.p.Harts {
		id := s.hartID(i)
		named := base == ^uint64(0) || (id >= base && id-base < 64 && mask>>(id-base)&1 == 1)
		if named && s.state[i] == hsmStarted {
			targets = append(targets, h)
		}
	}
	if base != ^uint64(0) {
		for b := uint64(0); b < 64; b++ {
			if mask>>b&1 == 1 && !s.hasHartID(base+b) {
				return sbiErrInvalidParam
			}
		}
	}
	for _, t := range targets {
		fn(t)
	}
	return sbiSuccess
}

func (s *SBI) hasHartID(id uint64) bool {
	for i := range s.p.Harts {
		if s.hartID(i) == id {
			return true
		}
	}
	return false
}

func (s *SBI) rfence(fid uint64, a [6]uint64) int64 {
	switch fid {
	case 0:
		return s.forHarts(a[0], a[1], func(t *hart.Hart) { t.FenceI() })
	case 1, 2:
		return s.forHarts(a[0], a[1], func(t *hart.Hart) { t.FlushTLB() })
	}
	return sbiErrNotSupported
}

func (s *SBI) hsm(h *hart.Hart, fid uint64, a [6]uint64) (int64, uint64) {
	switch fid {
	case 0: // hart_start(hartid, start_addr, opaque)
		i := s.byHartID(a[0])
		if i < 0 {
			return sbiErrInvalidParam, 0
		}
		if s.state[i] != hsmStopped {
			// SBI 2.0, HSM hart_start: "SBI_ERR_ALREADY_AVAILABLE: the
			// given hartid is already started" (ALREADY_STARTED is PMU's).
			return sbiErrAlreadyAvail, 0
		}
		if s.p.Bus.RAMAt(a[1], 2) == nil {
			return sbiErrInvalidAddr, 0
		}
		if !s.hasSMode(i) {
			return sbiErrInvalidParam, 0
		}
		s.Start(i, a[1], a[2])
		return sbiSuccess, 0
	case 1: // hart_stop()
		i := s.index(h)
		s.state[i] = hsmStopped
		s.p.Park(i, true)
		h.Stop()
		return sbiSuccess, 0
	case 2: // hart_get_status(hartid)
		i := s.byHartID(a[0])
		if i < 0 {
			return sbiErrInvalidParam, 0
		}
		return sbiSuccess, uint64(s.state[i])
	case 3: // hart_suspend(type, resume_addr, opaque): default retentive only
		return hsmSuspend(uint32(a[0]))
	}
	return sbiErrNotSupported, 0
}

// hsmSuspend answers hart_suspend by its 32-bit type. The default
// retentive suspend resumes at once: a wake-up the caller must tolerate
// anyway. The default non-retentive one is a defined type this SBI lacks
// (NOT_SUPPORTED); reserved and platform-specific types are INVALID_PARAM.
func hsmSuspend(typ uint32) (int64, uint64) {
	switch {
	case typ == 0:
		return sbiSuccess, 0
	case typ == 0x8000_0000:
		return sbiErrNotSupported, 0
	}
	return sbiErrInvalidParam, 0
}

func (s *SBI) hasSMode(i int) bool {
	misa, _ := s.p.Harts[i].CSR(0x301)
	return misa&(1<<('S'-'A')) != 0
}

func (s *SBI) byHartID(id uint64) int {
	for i := range s.p.Harts {
		if s.hartID(i) == id {
			return i
		}
	}
	return -1
}

func (s *SBI) dbcn(fid uint64, a [6]uint64) (int64, uint64) {
	switch fid {
	case 0: // console_write(num_bytes, base_lo, base_hi)
		// On RV64 the address is base_lo alone; base_hi would be bits 64+.
		buf := make([]byte, min(a[0], 1<<16))
		if a[2] != 0 || !s.p.Bus.ReadBytes(a[1], buf) {
			return sbiErrInvalidParam, 0
		}
		for _, b := range buf {
			s.p.Console.PutByte(b)
		}
		return sbiSuccess, uint64(len(buf))
	case 1: // console_read(num_bytes, base_lo, base_hi)
		if a[2] != 0 || (a[0] > 0 && s.p.Bus.RAMAt(a[1], a[0]) == nil) {
			return sbiErrInvalidParam, 0 // checked first: a byte read is a byte consumed
		}
		var got []byte
		for uint64(len(got)) < a[0] {
			b, ok := s.p.Console.GetByte()
			if !ok {
				break
			}
			got = append(got, b)
		}
		s.p.Bus.WriteBytes(a[1], got)
		return sbiSuccess, uint64(len(got))
	case 2: // console_write_byte(byte)
		s.p.Console.PutByte(byte(a[0]))
		return sbiSuccess, 0
	}
	return sbiErrNotSupported, 0
}

// legacy serves the SBI v0.1 calls. Hart masks of the legacy IPI and fence
// calls are pointers; a null pointer means every hart, any other is read
// as a physical address (S-mode payloads call these before enabling paging).
func (s *SBI) legacy(h *hart.Hart, eid uint64, a [6]uint64) (int64, bool) {
	switch eid {
	case legacySetTimer:
		s.setTimer(h, a[0])
		return 0, true
	case legacyPutchar:
		s.p.Console.PutByte(byte(a[0]))
		return 0, true
	case legacyGetchar:
		if b, ok := s.p.Console.GetByte(); ok {
			return int64(b), true
		}
		return -1, true
	case legacyClearIPI:
		s.setMIP(h, mipSSIP, false)
		return 0, true
	case legacySendIPI:
		return s.legacyMask(a[0], func(t *hart.Hart) { s.setMIP(t, mipSSIP, true) }), true
	case legacyRemoteFenceI:
		return s.legacyMask(a[0], func(t *hart.Hart) { t.FenceI() }), true
	case legacySfenceVMA, legacySfenceASID:
		return s.legacyMask(a[0], func(t *hart.Hart) { t.FlushTLB() }), true
	case legacyShutdown:
		s.p.Reset(0, false)
		return 0, false
	}
	return sbiErrNotSupported, true
}

func (s *SBI) legacyMask(ptr uint64, fn func(*hart.Hart)) int64 {
	if ptr == 0 {
		return s.forHarts(0, ^uint64(0), fn)
	}
	mask, ok := s.p.Bus.Read(ptr, 8)
	if !ok {
		return sbiErrInvalidAddr
	}
	return s.forHarts(mask, 0, fn)
}

// String describes the SBI for banners and reports.
func (s *SBI) String() string {
	return fmt.Sprintf("cosim built-in SBI v%d.%d (impl %#x)", sbiSpecVersion>>24, sbiSpecVersion&0xffffff, sbiImplID)
}
