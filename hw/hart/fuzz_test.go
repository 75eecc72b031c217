package hart

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// FuzzDecode: every 16- and 32-bit word decodes to a valid slot or to
// illegal, never panics, and the slot's fields are in range.
func FuzzDecode(f *testing.F) {
	for _, w := range []uint32{0, 0x13, 0x00000073, 0x30200073, 0x4501, 0x8082, 0xffffffff, 0x0000ffff, 0x1000, 0x6000} {
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, w uint32) {
		for _, e := range []ext{allExt, extI | extM | extA | extC | extZicsr | extZifencei, extI} {
			s := decode(w, e)
			require.Less(t, s.op, uint8(numOps))
			require.True(t, s.len == 2 || s.len == 4)
			if w&3 != 3 {
				require.Equal(t, uint8(2), s.len)
			}
			if opInfos[s.op].writesRd {
				require.NotEqual(t, uint8(0), s.rd, "x0 destinations go to the scratch entry")
				require.True(t, s.rd < 32 || s.rd == xZeroSink || s.rd >= fBase && s.rd < fBase+32)
				require.True(t, s.rs1 < 32 || s.rs1 >= fBase && s.rs1 < fBase+32)
				require.True(t, s.rs2 < 32 || s.rs2 >= fBase && s.rs2 < fBase+32)
			}
		}
		_, _, _ = Decode(w)
	})
}

// fuzzMachine is a hart with 64 KiB of RAM at 0x8000_0000, a device that
// answers some of its accesses, and a second RAM page at 0.
func fuzzMachine(t testing.TB) (*System, *Hart, *mem.RAM) {
	var bus mem.Bus
	ram, err := mem.NewRAM("dram", 0x8000_0000, 64<<10, false)
	require.NoError(t, err)
	t.Cleanup(func() { ram.Close() })
	low, err := mem.NewRAM("low", 0, 4096, false)
	require.NoError(t, err)
	t.Cleanup(func() { low.Close() })
	require.NoError(t, bus.MapRAM(ram))
	require.NoError(t, bus.MapRAM(low))
	require.NoError(t, bus.MapDevice("dev", 0x1000_0000, 0x1000, &echoDev{}))
	var clock sim.Clock
	sys := NewSystem(&bus, &clock)
	h, err := sys.NewHart(Config{
		ISA: "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc", SMode: true, UMode: true,
		MMUModes: []string{"sv39", "sv48", "sv57"}, PMPEntries: 16, HPMCounters: 4,
		Misaligned: MisalignedEmulate, ResetPC: 0x8000_0000,
	})
	require.NoError(t, err)
	return sys, h, ram
}

type echoDev struct{ last uint64 }

func (d *echoDev) Read(off uint64, size int) (uint64, bool)  { return d.last + off, off < 0x800 }
func (d *echoDev) Write(off uint64, size int, v uint64) bool { d.last = v; return off < 0x800 }

// FuzzExecute runs arbitrary code from arbitrary register state at a
// random privilege: whatever it does (CSR writes, paging on random page
// tables, PMP, traps), the simulator must not panic.
func FuzzExecute(f *testing.F) {
	f.Add([]byte{0x13, 0x05, 0x10, 0x00, 0x73, 0x00, 0x00, 0x00}, uint64(1), uint8(3))
	f.Add([]byte{0xf3, 0x10, 0x00, 0x18, 0x73, 0x00, 0x20, 0x30, 0x01, 0x45}, uint64(0x8000000000080000), uint8(1))
	f.Add([]byte{0x2f, 0x35, 0xb5, 0x00, 0x82, 0x80}, uint64(0x80000100), uint8(0))
	f.Fuzz(func(t *testing.T, code []byte, seed uint64, priv uint8) {
		_, h, ram := fuzzMachine(t)
		copy(ram.Data, code)
		// Fill registers from the seed (xorshift), pointing some into RAM.
		x := seed | 1
		for i := 1; i < 32; i++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			v := x
			if i%3 == 0 {
				v = 0x8000_0000 + x%(64<<10)
			}
			h.SetX(i, v)
			h.SetF(i, x*0x9e3779b97f4a7c15)
		}
		h.SetCSR(csrMtvec, 0x8000_0000+(seed%64)*4)
		h.SetCSR(csrStvec, 0x8000_0100)
		h.SetCSR(csrSatp, seed)
		h.SetCSR(csrMstatus, seed>>3)
		h.SetCSR(csrMedeleg, seed>>7)
		h.SetCSR(csrPmpaddr0, seed>>11)
		h.SetCSR(csrPmpcfg0, seed>>17)
		h.SetPriv(priv & 3)
		h.Run(2000)
		if h.Sleeping() {
			h.SetIRQ(sim.IRQMachineTimer, true)
			h.SetCSR(csrMie, 0xaaa)
			h.Run(100)
		}
	})
}

func TestFuzzMachineRunsCode(t *testing.T) {
	_, h, ram := fuzzMachine(t)
	// addi a0, zero, 5; addi a0, a0, 7; ecall (-> mtvec = 0: access fault loop)
	binary.LittleEndian.PutUint32(ram.Data[0:], iType(5, 0, 0, 10, 0x13))
	binary.LittleEndian.PutUint32(ram.Data[4:], iType(7, 10, 0, 10, 0x13))
	h.Run(2)
	require.Equal(t, uint64(12), h.X(10))
	require.Equal(t, uint64(0x8000_0008), h.PC())
}
