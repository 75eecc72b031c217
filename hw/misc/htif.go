package misc

import (
	"encoding/binary"
	"fmt"
	"io"

	"cosim/hw/mem"
	"cosim/hw/sim"
)

// HTIF devices and commands (the riscv-fesvr protocol Spike implements).
const (
	htifDevSyscall = 0
	htifDevConsole = 1
	htifCmdGetc    = 0
	htifCmdPutc    = 1

	sysWrite = 64
	sysExit  = 93
	enosys   = 38
)

// HTIFConfig describes the host-target interface of a program: the
// addresses of its tohost and fromhost doublewords (from the board or the
// ELF's symbols).
type HTIFConfig struct {
	Name     string
	Bus      *mem.Bus
	ToHost   uint64
	FromHost uint64 // 0 if the program has none: replies are then dropped
	Out      io.Writer
	OnExit   func(Exit)
	Obs      sim.Observer
}

// HTIF lives in guest RAM, so it has no registers: the engine calls Poll
// between quanta, which reads tohost through the bus, acts on a command and
// clears tohost, then posts any reply to fromhost once the program has
// consumed the previous one.
type HTIF struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs     sim.Observer
	cfg     HTIFConfig
	replies []uint64
	input   []byte
	getc    int // console reads waiting for input
	exited  bool
	err     error
}

// NewHTIF builds the interface.
func NewHTIF(cfg HTIFConfig) (*HTIF, error) {
	if cfg.Bus == nil {
		return nil, fmt.Errorf("htif %s: no bus", cfg.Name)
	}
	if cfg.Bus.RAMAt(cfg.ToHost, 8) == nil {
		return nil, fmt.Errorf("htif %s: tohost %#x is not in RAM", cfg.Name, cfg.ToHost)
	}
	if cfg.FromHost != 0 && cfg.Bus.RAMAt(cfg.FromHost, 8) == nil {
		return nil, fmt.Errorf("htif %s: fromhost %#x is not in RAM", cfg.Name, cfg.FromHost)
	}
	return &HTIF{cfg: cfg, Obs: cfg.Obs}, nil
}

// Err returns the first error met writing the console.
func (h *HTIF) Err() error { return h.err }

// Receive queues console input for getchar requests and returns how many
// bytes were taken (all of them: the queue is unbounded).
func (h *HTIF) Receive(b []byte) int {
	h.input = append(h.input, b...)
	return len(b)
}

// Poll services one pending command and delivers waiting replies. It
// reports whether tohost held a command.
func (h *HTIF) Poll() bool {
	did := false
	if v, ok := h.cfg.Bus.Read(h.cfg.ToHost, 8); ok && v != 0 && !h.exited {
		h.cfg.Bus.Write(h.cfg.ToHost, 8, 0)
		h.command(v)
		did = true
	}
	h.answerGetc()
	h.deliver()
	return did
}

func (h *HTIF) command(v uint64) {
	dev, cmd, payload := v>>56, v>>48&0xFF, v&(1<<48-1)
	switch {
	case dev == htifDevSyscall && cmd == 0 && payload&1 != 0:
		h.exit(int(payload >> 1))
	case dev == htifDevSyscall && cmd == 0:
		h.syscall(payload)
		h.reply(dev, cmd, 1)
	case dev == htifDevConsole && cmd == htifCmdPutc:
		h.putc(byte(payload))
		h.reply(dev, cmd, 0)
	case dev == htifDevConsole && cmd == htifCmdGetc:
		h.getc++
	default:
		observeDevice(h.Obs, h.cfg.Name, fmt.Sprintf("htif: unknown device %d command %d", dev, cmd), v)
	}
}

func (h *HTIF) exit(code int) {
	h.exited = true
	observeDevice(h.Obs, h.cfg.Name, fmt.Sprintf("htif: exit %d", code), uint64(code))
	if h.cfg.OnExit != nil {
		h.cfg.OnExit(Exit{Code: code})
	}
}

// syscall runs the proxied call whose eight-doubleword block (number, then
// arguments) is at addr, writing the return value back over the number.
func (h *HTIF) syscall(addr uint64) {
	var blk [8 * 8]byte
	if !h.cfg.Bus.ReadBytes(addr, blk[:]) {
		observeDevice(h.Obs, h.cfg.Name, "htif: syscall block not in RAM", addr)
		return
	}
	arg := func(i int) uint64 { return binary.LittleEndian.Uint64(blk[8*i:]) }
	ret := negErrno(enosys)
	switch arg(0) {
	case sysExit:
		h.exit(int(arg(1)))
		return
	case sysWrite:
		ret = h.write(arg(1), arg(2), arg(3))
	}
	binary.LittleEndian.PutUint64(blk[:8], ret)
	h.cfg.Bus.WriteBytes(addr, blk[:8])
}

func (h *HTIF) write(fd, buf, n uint64) uint64 {
	if fd != 1 && fd != 2 {
		return negErrno(9) // EBADF
	}
	const maxWrite = 1 << 20
	n = min(n, maxWrite)
	p := make([]byte, n)
	if !h.cfg.Bus.ReadBytes(buf, p) {
		return negErrno(14) // EFAULT
	}
	for _, c := range p {
		h.putc(c)
	}
	return n
}

func (h *HTIF) putc(c byte) {
	if h.cfg.Out != nil {
		if _, err := h.cfg.Out.Write([]byte{c}); err != nil && h.err == nil {
			h.err = fmt.Errorf("htif %s: console: %w", h.cfg.Name, err)
		}
	}
	if h.Obs != nil {
		b := [1]byte{c}
		h.Obs.Observe(&sim.Event{Kind: sim.KindConsole, Hart: -1, Device: h.cfg.Name, Data: b[:], Size: 1, Value: uint64(c)})
	}
}

func (h *HTIF) answerGetc() {
	for h.getc > 0 && len(h.input) > 0 {
		h.reply(htifDevConsole, htifCmdGetc, uint64(h.input[0]))
		h.input = h.input[1:]
		h.getc--
	}
}

func (h *HTIF) reply(dev, cmd, data uint64) {
	if h.cfg.FromHost == 0 {
		return
	}
	h.replies = append(h.replies, dev<<56|cmd<<48|data&(1<<48-1))
}

// deliver writes the oldest reply once the program has cleared fromhost.
func (h *HTIF) deliver() {
	if len(h.replies) == 0 {
		return
	}
	if v, ok := h.cfg.Bus.Read(h.cfg.FromHost, 8); !ok || v != 0 {
		return
	}
	h.cfg.Bus.Write(h.cfg.FromHost, 8, h.replies[0])
	h.replies = h.replies[1:]
}

// negErrno is -e as the 64-bit register value a syscall returns.
func negErrno(e uint64) uint64 { return ^e + 1 }
