package intc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// hartInputs records the levels a PLIC or CLINT drives into harts.
type hartInputs struct{ lv map[int]bool }

func (h *hartInputs) SetIRQ(n int, level bool) {
	if h.lv == nil {
		h.lv = map[int]bool{}
	}
	h.lv[n] = level
}

func newTestPLIC(t *testing.T, ctxs []PLICContext) (*PLIC, []*hartInputs) {
	t.Helper()
	p, err := NewPLIC(PLICConfig{Name: "plic", NDev: 53, Contexts: ctxs})
	require.NoError(t, err)
	harts := map[int]*hartInputs{}
	var list []*hartInputs
	for i, c := range ctxs {
		if harts[c.Hart] == nil {
			harts[c.Hart] = &hartInputs{}
			list = append(list, harts[c.Hart])
		}
		p.Outputs[i].Sink = harts[c.Hart]
		p.Outputs[i].N = c.Mode.MIPBit()
	}
	return p, list
}

func w32(t *testing.T, d interface {
	Write(uint64, int, uint64) bool
}, off, v uint64) {
	t.Helper()
	require.True(t, d.Write(off, 4, v), "write %#x", off)
}

func r32(t *testing.T, d interface {
	Read(uint64, int) (uint64, bool)
}, off uint64) uint64 {
	t.Helper()
	v, ok := d.Read(off, 4)
	require.True(t, ok, "read %#x", off)
	return v
}

func TestPLICClaimCompleteByPriority(t *testing.T) {
	p, harts := newTestPLIC(t, VirtContexts(1))
	h := harts[0]
	w32(t, p, 4*10, 3)            // priority of source 10
	w32(t, p, 4*5, 5)             // priority of source 5
	w32(t, p, 0x2000, 1<<10|1<<5) // context 0 (M) enables
	w32(t, p, 0x200000, 0)        // threshold 0
	p.SetIRQ(10, true)
	require.True(t, h.lv[11], "M external raised")
	require.False(t, h.lv[9], "S context has nothing enabled")
	p.SetIRQ(5, true)
	require.Equal(t, uint64(1<<10|1<<5), r32(t, p, 0x1000))
	require.Equal(t, uint64(5), r32(t, p, 0x200004), "highest priority first")
	require.Equal(t, uint64(10), r32(t, p, 0x200004))
	require.False(t, h.lv[11], "both claimed: line low")
	require.Equal(t, uint64(0), r32(t, p, 0x200004), "nothing left to claim")
	// Source 5 still asserted at completion: pending again.
	w32(t, p, 0x200004, 5)
	require.True(t, p.Pending(5))
	require.True(t, h.lv[11])
	// Source 10 dropped before completion: completion does not re-pend it.
	p.SetIRQ(10, false)
	w32(t, p, 0x200004, 10)
	require.False(t, p.Pending(10))
}

func TestPLICThresholdAndTies(t *testing.T) {
	p, harts := newTestPLIC(t, VirtContexts(1))
	w32(t, p, 4*3, 2)
	w32(t, p, 4*7, 2)
	w32(t, p, 0x2000, 1<<3|1<<7)
	w32(t, p, 0x200000, 2)
	p.SetIRQ(7, true)
	p.SetIRQ(3, true)
	require.False(t, harts[0].lv[11], "priority must exceed the threshold")
	require.Equal(t, uint64(0), r32(t, p, 0x200004))
	w32(t, p, 0x200000, 1)
	require.True(t, harts[0].lv[11])
	require.Equal(t, uint64(3), r32(t, p, 0x200004), "ties go to the lower source number")
	w32(t, p, 0x200000, 9) // above MaxPriority: ignored
	require.Equal(t, uint64(1), r32(t, p, 0x200000))
}

func TestPLICLevelLowBeforeClaimDropsPending(t *testing.T) {
	p, harts := newTestPLIC(t, VirtContexts(1))
	w32(t, p, 4*1, 1)
	w32(t, p, 0x2000, 1<<1)
	p.SetIRQ(1, true)
	require.True(t, harts[0].lv[11])
	p.SetIRQ(1, false)
	require.False(t, harts[0].lv[11], "QEMU 7.2: the pending bit follows the level until claimed")
}

func TestPLICRegisterMasks(t *testing.T) {
	p, _ := newTestPLIC(t, VirtContexts(1))
	w32(t, p, 4*1, 0xFF)
	require.Equal(t, uint64(7), r32(t, p, 4), "three priority bits")
	w32(t, p, 0, 7)
	require.Equal(t, uint64(0), r32(t, p, 0), "source 0 has no priority")
	w32(t, p, 0x2000, 0xFFFF_FFFF)
	require.Equal(t, uint64(0xFFFF_FFFE), r32(t, p, 0x2000), "source 0 not enableable")
	w32(t, p, 0x2004, 0xFFFF_FFFF)
	require.Equal(t, uint64(1<<22-1), r32(t, p, 0x2004), "sources 32..53 only")
	w32(t, p, 0x1000, 0xFFFF_FFFF)
	require.Equal(t, uint64(0), r32(t, p, 0x1000), "pending is read-only")
	_, ok := p.Read(4, 8)
	require.False(t, ok, "64-bit access faults")
	_, ok = p.Read(2, 4)
	require.False(t, ok, "misaligned access faults")
	_, ok = p.Read(p.Size(), 4)
	require.False(t, ok, "past the window faults")
}

func TestPLICSiFiveContextLayout(t *testing.T) {
	ctxs := SiFiveContexts(5)
	require.Len(t, ctxs, 9)
	require.Equal(t, PLICContext{0, ModeM}, ctxs[0])
	require.Equal(t, PLICContext{1, ModeM}, ctxs[1])
	require.Equal(t, PLICContext{1, ModeS}, ctxs[2])
	require.Equal(t, PLICContext{4, ModeS}, ctxs[8])
	p, harts := newTestPLIC(t, ctxs)
	// Context 2 = hart 1 S-mode: enable at 0x2000+2*0x80, threshold at 0x202000.
	w32(t, p, 4*39, 1)
	w32(t, p, 0x2000+2*0x80+4, 1<<(39-32))
	p.SetIRQ(39, true)
	require.True(t, harts[1].lv[9], "hart 1 S external")
	require.False(t, harts[1].lv[11])
	require.False(t, harts[0].lv[11])
	require.Equal(t, uint64(39), r32(t, p, 0x200000+2*0x1000+4))
}

func TestPLICConfigErrors(t *testing.T) {
	_, err := NewPLIC(PLICConfig{Name: "x", NDev: 0, Contexts: VirtContexts(1)})
	require.Error(t, err)
	_, err = NewPLIC(PLICConfig{Name: "x", NDev: 10})
	require.Error(t, err)
	_, err = NewPLIC(PLICConfig{Name: "x", NDev: 10, Contexts: VirtContexts(2), Size: 0x1000})
	require.Error(t, err)
}

// FuzzPLIC drives random register accesses and source levels and checks
// that nothing panics and every context's wire agrees with the claimable
// state the registers expose.
func FuzzPLIC(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := NewPLIC(PLICConfig{Name: "fuzz", NDev: 40, Contexts: SiFiveContexts(3)})
		require.NoError(t, err)
		for len(data) >= 4 {
			op, a, b, c := data[0], data[1], data[2], data[3]
			data = data[4:]
			switch op % 4 {
			case 0:
				p.SetIRQ(int(a%48), b&1 != 0)
			case 1:
				off := uint64(a%64) * 4
				p.Write(off, 4, uint64(b))
			case 2:
				off := plicEnableBase + uint64(a%5)*plicEnableStride + uint64(b%3)*4
				p.Write(off, 4, uint64(c)*0x01010101)
			case 3:
				ctx := uint64(a % 5)
				reg := uint64(b%2) * 4
				if c&1 == 0 {
					p.Read(plicContextBase+ctx*plicContextStride+reg, 4)
				} else {
					p.Write(plicContextBase+ctx*plicContextStride+reg, 4, uint64(c%50))
				}
			}
			for ctx := range p.cfg.Contexts {
				require.Equal(t, p.best(ctx) != 0, p.Output(ctx))
			}
			for w := range p.pending {
				require.Zero(t, p.pending[w]&p.claimed[w], "claimed sources are not pending")
			}
		}
	})
}
