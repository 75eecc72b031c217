package misc

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

type level struct{ v bool }

func (l *level) SetIRQ(_ int, v bool) { l.v = v }

type dev interface {
	Read(uint64, int) (uint64, bool)
	Write(uint64, int, uint64) bool
}

func rd(t *testing.T, d dev, off uint64) uint64 {
	t.Helper()
	v, ok := d.Read(off, 4)
	require.True(t, ok, "read %#x", off)
	return v
}

func wr(t *testing.T, d dev, off, v uint64) {
	t.Helper()
	require.True(t, d.Write(off, 4, v), "write %#x", off)
}

type recorder struct{ ev []sim.Event }

func (r *recorder) Observe(e *sim.Event) { r.ev = append(r.ev, *e) }

func TestFinisherExits(t *testing.T) {
	var got []Exit
	obs := &recorder{}
	f := NewTestFinisher(TestFinisherConfig{Name: "test", OnExit: func(e Exit) { got = append(got, e) }, Obs: obs})
	wr(t, f, 0, 0x1234) // not a status: ignored
	require.Empty(t, got)
	wr(t, f, 0, FinisherPass)
	wr(t, f, 0, 3<<16|FinisherFail)
	wr(t, f, 0, FinisherReset)
	require.Equal(t, []Exit{{Code: 0}, {Code: 3}, {Reboot: true}}, got)
	require.Equal(t, uint64(0), rd(t, f, 0))
	_, ok := f.Read(0, 8)
	require.False(t, ok, "QEMU answers 2- and 4-byte accesses only")
	var texts []string
	for _, e := range obs.ev {
		if e.Kind == sim.KindDevice {
			texts = append(texts, e.Text)
		}
	}
	require.Equal(t, []string{"finisher: pass", "finisher: fail", "finisher: reset"}, texts)
}

func TestGoldfishRTC(t *testing.T) {
	clk := &sim.Clock{}
	var irq level
	r, err := NewGoldfishRTC(GoldfishRTCConfig{Name: "rtc", Clock: clk, EpochNs: 5 << 32, IRQ: sim.Line{Sink: &irq}})
	require.NoError(t, err)
	clk.AdvanceTo(3 * sim.Microsecond)
	require.Equal(t, uint64(3000), rd(t, r, rtcTimeLow))
	require.Equal(t, uint64(5), rd(t, r, rtcTimeHigh), "high word latched by the low read")
	// Alarm 1 us ahead: high word first, low word arms.
	wr(t, r, rtcIRQEnabled, 1)
	wr(t, r, rtcAlarmHigh, 5)
	wr(t, r, rtcAlarmLow, 4000)
	require.Equal(t, uint64(1), rd(t, r, rtcAlarmStatus))
	clk.AdvanceTo(3999 * sim.Nanosecond)
	require.False(t, irq.v)
	clk.AdvanceTo(4 * sim.Microsecond)
	require.True(t, irq.v)
	require.Equal(t, uint64(0), rd(t, r, rtcAlarmStatus))
	wr(t, r, rtcClearIRQ, 1)
	require.False(t, irq.v)
	// An alarm in the past fires at once; disabling hides it.
	wr(t, r, rtcAlarmLow, 0)
	require.True(t, irq.v)
	wr(t, r, rtcIRQEnabled, 0)
	require.False(t, irq.v)
	// Setting the time moves the clock, not simulated time.
	wr(t, r, rtcTimeHigh, 0)
	wr(t, r, rtcTimeLow, 100)
	clk.AdvanceTo(5 * sim.Microsecond)
	require.Equal(t, uint64(1100), r.Now())
	// A cleared alarm never fires.
	wr(t, r, rtcClearIRQ, 1)
	wr(t, r, rtcIRQEnabled, 1)
	wr(t, r, rtcAlarmHigh, 0)
	wr(t, r, rtcAlarmLow, 2000)
	wr(t, r, rtcClearAlarm, 1)
	clk.AdvanceTo(sim.Millisecond)
	require.False(t, irq.v)
}

func newRAMBus(t *testing.T) *mem.Bus {
	t.Helper()
	r, err := mem.NewRAM("ram", 0x8000_0000, 1<<20, false)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	b := &mem.Bus{}
	require.NoError(t, b.MapRAM(r))
	return b
}

func TestHTIFConsoleSyscallAndExit(t *testing.T) {
	b := newRAMBus(t)
	const tohost, fromhost = 0x8000_1000, 0x8000_1040
	var out bytes.Buffer
	var exits []Exit
	h, err := NewHTIF(HTIFConfig{Name: "htif", Bus: b, ToHost: tohost, FromHost: fromhost, Out: &out, OnExit: func(e Exit) { exits = append(exits, e) }})
	require.NoError(t, err)
	require.False(t, h.Poll(), "nothing posted")
	// putchar
	require.True(t, b.Write(tohost, 8, 1<<56|1<<48|'x'))
	require.True(t, h.Poll())
	require.Equal(t, "x", out.String())
	v, _ := b.Read(tohost, 8)
	require.Zero(t, v, "tohost consumed")
	v, _ = b.Read(fromhost, 8)
	require.Equal(t, uint64(1<<56|1<<48), v, "putchar acknowledged")
	// A second putchar's ack waits until the program clears fromhost.
	require.True(t, b.Write(tohost, 8, 1<<56|1<<48|'y'))
	h.Poll()
	v, _ = b.Read(fromhost, 8)
	require.Equal(t, uint64(1<<56|1<<48), v)
	require.True(t, b.Write(fromhost, 8, 0))
	h.Poll()
	v, _ = b.Read(fromhost, 8)
	require.Equal(t, uint64(1<<56|1<<48), v)
	require.True(t, b.Write(fromhost, 8, 0))
	// write(1, buf, 3) through the syscall proxy.
	require.NoError(t, b.Load(0x8000_2000, []byte("abc")))
	for i, x := range []uint64{sysWrite, 1, 0x8000_2000, 3} {
		require.True(t, b.Write(0x8000_3000+8*uint64(i), 8, x))
	}
	require.True(t, b.Write(tohost, 8, 0x8000_3000))
	h.Poll()
	require.Equal(t, "xyabc", out.String())
	v, _ = b.Read(0x8000_3000, 8)
	require.Equal(t, uint64(3), v, "return value over the syscall number")
	// Exit with code 7: tohost = 7<<1 | 1.
	require.True(t, b.Write(tohost, 8, 7<<1|1))
	h.Poll()
	require.Equal(t, []Exit{{Code: 7}}, exits)
	_, err = NewHTIF(HTIFConfig{Name: "bad", Bus: b, ToHost: 0x1000})
	require.Error(t, err)
}

func TestHTIFGetchar(t *testing.T) {
	b := newRAMBus(t)
	h, err := NewHTIF(HTIFConfig{Name: "htif", Bus: b, ToHost: 0x8000_0000, FromHost: 0x8000_0008})
	require.NoError(t, err)
	require.True(t, b.Write(0x8000_0000, 8, 1<<56|0<<48))
	h.Poll()
	v, _ := b.Read(0x8000_0008, 8)
	require.Zero(t, v, "no input yet: the request waits")
	h.Receive([]byte("k"))
	h.Poll()
	v, _ = b.Read(0x8000_0008, 8)
	require.Equal(t, uint64(1<<56|'k'), v)
}

func TestPRCIFU740Frequencies(t *testing.T) {
	p, err := NewPRCI(PRCIConfig{Name: "prci", Variant: PRCIFU740})
	require.NoError(t, err)
	require.Equal(t, uint64(1_196_000_000), p.CoreClockHz())
	require.Equal(t, uint64(130_000_000), p.PeripheralClockHz())
	require.Equal(t, uint64(125_125_000), PLLRate(uint32(rd(t, p, 0x1C)), 26_000_000))
	require.Equal(t, uint64(936_000_000), PLLRate(uint32(rd(t, p, 0x0C)), 26_000_000))
	require.NotZero(t, rd(t, p, 0x04)&pllLock)
	// Reprogramming the core PLL: it locks at once.
	wr(t, p, 0x04, uint64(PLLConfig(0, 76, 2, 4)&^pllLock))
	require.NotZero(t, rd(t, p, 0x04)&pllLock)
	require.Equal(t, uint64(1_001_000_000), p.CoreClockHz())
	wr(t, p, 0x24, 1)
	require.Equal(t, uint64(26_000_000), p.CoreClockHz(), "CORECLKSEL picks hfclk")
	wr(t, p, 0x2C, 0xFF)
	require.Zero(t, rd(t, p, 0x2C), "CLKMUXSTATUS is read-only")
	require.Zero(t, rd(t, p, 0x800), "no register there")
	_, ok := p.Read(0x04, 8)
	require.False(t, ok)
	_, err = NewPRCI(PRCIConfig{Name: "x", Reset: map[uint64]uint32{0x18: 1}})
	require.Error(t, err)
}

func TestPRCIFU540MatchesQEMU(t *testing.T) {
	p, err := NewPRCI(PRCIConfig{Name: "prci", Variant: PRCIFU540})
	require.NoError(t, err)
	want := map[uint64]uint64{0x00: 0xC0000000, 0x04: 0x820187C1, 0x0C: 0x820187C1, 0x1C: 0x820187C1, 0x24: 1, 0x28: 0}
	for off, v := range want {
		require.Equal(t, v, rd(t, p, off), "offset %#x", off)
	}
	wr(t, p, 0x00, 0)
	require.Equal(t, uint64(hfxoscRdy), rd(t, p, 0x00), "ready stays set")
}

func TestL2Cache(t *testing.T) {
	var ways []int
	var flushed []uint64
	cfg := L2ConfigFU740("l2")
	cfg.OnWayEnable = func(w int) { ways = append(ways, w) }
	cfg.OnFlush = func(a uint64) { flushed = append(flushed, a) }
	l, err := NewL2Cache(cfg)
	require.NoError(t, err)
	require.Equal(t, uint64(0x06091004), rd(t, l, 0), "4 banks, 16 ways, 2^9 sets, 2^6 B")
	require.Zero(t, rd(t, l, 8))
	wr(t, l, 8, 7)
	wr(t, l, 8, 3) // cannot go back
	wr(t, l, 8, 200)
	require.Equal(t, uint64(15), rd(t, l, 8))
	require.Equal(t, []int{7, 15}, ways)
	for _, off := range []uint64{0x100, 0x108, 0x120, 0x128, 0x140, 0x148, 0x160, 0x168} {
		require.Zero(t, rd(t, l, off), "no ECC errors at %#x", off)
	}
	require.True(t, l.Write(0x200, 8, 0x8000_1040))
	wr(t, l, 0x240, 0x800_0104)
	require.Equal(t, []uint64{0x8000_1040, 0x8000_1040}, flushed)
	v, ok := l.Read(0x800, 8)
	require.True(t, ok)
	require.Equal(t, uint64(0xFFFF), v, "way masks reset to all ways")
	wr(t, l, 0x0, 0)
	require.Equal(t, uint64(0x06091004), rd(t, l, 0), "CONFIG is read-only")
}

func TestGPIO(t *testing.T) {
	var outs []string
	g, err := NewGPIO(GPIOConfig{Name: "gpio", Pins: 16, OnOutput: func(pin int, lv bool) {
		s := "0"
		if lv {
			s = "1"
		}
		outs = append(outs, string(rune('a'+pin))+s)
	}})
	require.NoError(t, err)
	var irq3 level
	g.IRQ[3] = sim.Line{Sink: &irq3}
	// Drive PERST# (pin 8) high then low.
	wr(t, g, gpioOutputVal, 1<<8)
	require.Empty(t, outs, "not an output yet")
	wr(t, g, gpioOutputEn, 1<<8)
	wr(t, g, gpioOutputVal, 0)
	require.Equal(t, []string{"i1", "i0"}, outs)
	wr(t, g, gpioOutXor, 1<<8)
	require.Equal(t, []string{"i1", "i0", "i1"}, outs, "out_xor inverts")
	// Input pin 3 with a rising-edge interrupt.
	wr(t, g, gpioInputEn, 1<<3|1<<8)
	require.Equal(t, uint64(1<<8), rd(t, g, gpioInputVal), "an output reads back when its input is enabled")
	wr(t, g, gpioRiseIE, 1<<3)
	g.SetInput(3, true)
	require.True(t, irq3.v)
	require.Equal(t, uint64(1<<3|1<<8), rd(t, g, gpioInputVal))
	wr(t, g, gpioRiseIP, 1<<3)
	require.False(t, irq3.v, "write one to clear")
	// Level interrupt re-latches while the level holds.
	wr(t, g, gpioHighIE, 1<<3)
	require.True(t, irq3.v)
	wr(t, g, gpioHighIP, 1<<3)
	require.True(t, irq3.v)
	g.SetInput(3, false)
	wr(t, g, gpioHighIP, 1<<3)
	require.False(t, irq3.v)
	// Pull-up on an undriven input.
	g.ReleaseInput(3)
	wr(t, g, gpioPUE, 1<<3)
	require.True(t, g.Level(3))
}

func TestStub(t *testing.T) {
	s := NewStub("pwm0", 0x1000)
	require.True(t, s.Write(0x10, 4, 0xDEADBEEF))
	require.True(t, s.Write(0x11, 1, 0x00))
	v, ok := s.Read(0x10, 4)
	require.True(t, ok)
	require.Equal(t, uint64(0xDEAD00EF), v)
	v, _ = s.Read(0x10, 8)
	require.Equal(t, uint64(0xDEAD00EF), v)
	_, ok = s.Read(0x1000, 4)
	require.False(t, ok)
	_, ok = s.Read(0x3, 4)
	require.False(t, ok, "misaligned")
}
