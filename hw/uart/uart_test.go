package uart

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/sim"
)

type level struct{ v bool }

func (l *level) SetIRQ(_ int, v bool) { l.v = v }

type console struct{ events []sim.Event }

func (c *console) Observe(e *sim.Event) {
	ev := *e
	ev.Data = append([]byte(nil), e.Data...)
	c.events = append(c.events, ev)
}

func rd(t *testing.T, u interface {
	Read(uint64, int) (uint64, bool)
}, off uint64, size int) uint64 {
	t.Helper()
	v, ok := u.Read(off, size)
	require.True(t, ok)
	return v
}

func TestNS16550AResetValues(t *testing.T) {
	u, err := NewNS16550A(NS16550AConfig{Name: "uart0"})
	require.NoError(t, err)
	require.Equal(t, uint64(0x01), rd(t, u, 2, 1), "IIR: no interrupt")
	require.Equal(t, uint64(0x60), rd(t, u, 5, 1), "LSR: THRE|TEMT")
	require.Equal(t, uint64(0xB0), rd(t, u, 6, 1), "MSR: DCD|DSR|CTS")
	require.Equal(t, uint64(0x08), rd(t, u, 4, 1), "MCR: OUT2")
	require.Equal(t, uint64(8), u.Size())
	_, ok := u.Read(8, 1)
	require.False(t, ok)
}

func TestNS16550ATransmitAndTHREInterrupt(t *testing.T) {
	var out bytes.Buffer
	var irq level
	obs := &console{}
	u, err := NewNS16550A(NS16550AConfig{Name: "uart0", Out: &out, IRQ: sim.Line{Sink: &irq, N: 10}, Obs: obs})
	require.NoError(t, err)
	for _, c := range []byte("hi") {
		require.True(t, u.Write(0, 1, uint64(c)))
	}
	require.Equal(t, "hi", out.String())
	var text []byte
	for _, e := range obs.events {
		if e.Kind == sim.KindConsole {
			require.Equal(t, "uart0", e.Device)
			text = append(text, e.Data...)
		}
	}
	require.Equal(t, "hi", string(text))
	require.False(t, irq.v, "THRI not enabled")
	require.True(t, u.Write(1, 1, ierTHRI))
	require.True(t, irq.v, "enabling THRI with THR empty interrupts at once")
	require.Equal(t, uint64(0x02), rd(t, u, 2, 1), "IIR says THRE")
	require.False(t, irq.v, "reading IIR acknowledges THRE")
	require.True(t, u.Write(0, 1, 'x'))
	require.True(t, irq.v, "THR empties again")
}

func TestNS16550ADivisorLatch(t *testing.T) {
	u, _ := NewNS16550A(NS16550AConfig{Name: "u"})
	require.True(t, u.Write(3, 1, 0x83)) // DLAB, 8N1
	require.True(t, u.Write(0, 1, 0x02))
	require.True(t, u.Write(1, 1, 0x01))
	require.Equal(t, uint64(0x02), rd(t, u, 0, 1))
	require.Equal(t, uint64(0x01), rd(t, u, 1, 1))
	require.True(t, u.Write(3, 1, 0x03))
	require.Equal(t, uint64(0), rd(t, u, 1, 1), "IER untouched by the latch writes")
	require.Equal(t, uint16(0x0102), u.div)
}

func TestNS16550AReceiveNoFIFO(t *testing.T) {
	var irq level
	u, _ := NewNS16550A(NS16550AConfig{Name: "u", IRQ: sim.Line{Sink: &irq}})
	require.True(t, u.Write(1, 1, ierRDI))
	require.Equal(t, 1, u.Receive([]byte("ab")), "one holding register: back-pressure")
	require.True(t, irq.v)
	require.Equal(t, uint64(0x04), rd(t, u, 2, 1)&0x0F)
	require.Equal(t, uint64(0x61), rd(t, u, 5, 1), "DR set")
	require.Equal(t, uint64('a'), rd(t, u, 0, 1))
	require.False(t, irq.v)
	require.Equal(t, uint64(0x60), rd(t, u, 5, 1))
	require.Equal(t, 1, u.Receive([]byte("b")))
}

func TestNS16550AFIFOTriggerAndTimeout(t *testing.T) {
	var irq level
	clk := &sim.Clock{}
	u, _ := NewNS16550A(NS16550AConfig{Name: "u", Clock: clk, IRQ: sim.Line{Sink: &irq}})
	require.True(t, u.Write(3, 1, 0x83))
	require.True(t, u.Write(0, 1, 1)) // 230400 baud
	require.True(t, u.Write(3, 1, 0x03))
	require.True(t, u.Write(2, 1, 0x81)) // FIFO on, trigger 8
	require.Equal(t, uint64(0xC1), rd(t, u, 2, 1), "FIFO bits in IIR")
	require.True(t, u.Write(1, 1, ierRDI))
	require.Equal(t, 3, u.Receive([]byte("abc")))
	require.False(t, irq.v, "below the trigger level")
	clk.AdvanceTo(sim.Millisecond)
	require.True(t, irq.v, "character timeout")
	require.Equal(t, uint64(0xCC), rd(t, u, 2, 1))
	require.Equal(t, uint64('a'), rd(t, u, 0, 1))
	require.False(t, irq.v, "reading RBR clears the timeout")
	require.Equal(t, 14, u.RXSpace())
	require.Equal(t, 14, u.Receive(bytes.Repeat([]byte{'z'}, 20)))
	require.True(t, irq.v)
	require.Equal(t, uint64(0xC4), rd(t, u, 2, 1), "data at trigger level")
	require.True(t, u.Write(2, 1, 0x83)) // clear RX FIFO
	require.Equal(t, uint64(0x60), rd(t, u, 5, 1))
	require.False(t, irq.v)
}

func TestNS16550ALoopbackAndRegShift(t *testing.T) {
	var out bytes.Buffer
	u, err := NewNS16550A(NS16550AConfig{Name: "u", RegShift: 2, RegIOWidth: 4, Out: &out})
	require.NoError(t, err)
	require.Equal(t, uint64(32), u.Size())
	require.True(t, u.Write(4*4, 4, mcrLoop|0x03))
	require.True(t, u.Write(0, 4, 'q'))
	require.Empty(t, out.String(), "loopback keeps the byte inside")
	require.Equal(t, uint64('q'), rd(t, u, 0, 4))
	require.Equal(t, uint64(0x30), rd(t, u, 6*4, 4), "DTR->DSR, RTS->CTS")
	require.True(t, u.Write(7*4, 4, 0x5A))
	require.Equal(t, uint64(0x5A), rd(t, u, 7*4, 4))
}

func TestSiFiveUART(t *testing.T) {
	var out bytes.Buffer
	var irq level
	u, err := NewSiFive(SiFiveConfig{Name: "serial0", Out: &out, IRQ: sim.Line{Sink: &irq, N: 39}})
	require.NoError(t, err)
	require.Equal(t, uint64(0x8000_0000), rd(t, u, sifRxdata, 4), "empty")
	require.True(t, u.Write(sifTxctrl, 4, 1|1<<16))
	require.True(t, u.Write(sifTxdata, 4, 'A'))
	require.Equal(t, "A", out.String())
	require.Equal(t, uint64(0), rd(t, u, sifTxdata, 4), "never full")
	require.Equal(t, uint64(sifTXWM), rd(t, u, sifIP, 4))
	require.False(t, irq.v)
	require.True(t, u.Write(sifIE, 4, sifTXWM))
	require.True(t, irq.v, "txwm raised while FIFO below txcnt")
	require.True(t, u.Write(sifIE, 4, sifRXWM))
	require.False(t, irq.v)
	require.True(t, u.Write(sifRxctrl, 4, 1|2<<16))
	require.Equal(t, 8, u.Receive([]byte("0123456789")))
	require.True(t, irq.v, "8 entries > rxcnt 2")
	for i := 0; i < 6; i++ {
		require.Equal(t, uint64('0'+i), rd(t, u, sifRxdata, 4))
	}
	require.False(t, irq.v, "2 entries left: not above the watermark")
	require.True(t, u.Write(sifDiv, 4, 1084))
	require.Equal(t, uint64(1084), rd(t, u, sifDiv, 4))
	_, ok := u.Read(0, 1)
	require.False(t, ok)
}
