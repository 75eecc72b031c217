package trace

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RSP is a minimal GDB remote serial protocol client: enough to learn a
// target's registers, read memory and single-step.
type RSP struct {
	conn    net.Conn
	r       *bufio.Reader
	noAck   bool
	timeout time.Duration
	buf     bytes.Buffer
}

// ErrTargetExited reports that the target process exited (W/X reply) or
// closed the connection.
var ErrTargetExited = errors.New("gdb remote: target exited")

// DialRSP connects to a GDB remote stub (e.g. QEMU's -gdb tcp::PORT).
// timeout bounds each reply, and how long a stub that is still starting
// may refuse the connection.
func DialRSP(addr string, timeout time.Duration) (*RSP, error) {
	conn, err := dialRetry(addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("gdb remote: %w", err)
	}
	c := &RSP{conn: conn, r: bufio.NewReader(conn), timeout: timeout}
	if _, err := c.Command("qSupported:multiprocess-;xmlRegisters=riscv;qXfer:features:read+"); err != nil {
		conn.Close()
		return nil, err
	}
	if reply, err := c.Command("QStartNoAckMode"); err == nil && reply == "OK" {
		c.noAck = true
	}
	return c, nil
}

// dialRetry dials until the stub listens or timeout passes: a recorder is
// often started together with the emulator it records.
func dialRetry(addr string, timeout time.Duration) (net.Conn, error) {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, timeout)
		if err == nil || !errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) {
			return conn, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Close closes the connection.
func (c *RSP) Close() error { return c.conn.Close() }

func rspChecksum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// Command sends one packet and returns the decoded reply. Console output
// packets ('O...') are skipped.
func (c *RSP) Command(pkt string) (string, error) {
	if err := c.send(pkt); err != nil {
		return "", err
	}
	for {
		reply, err := c.receive()
		if err != nil {
			return "", fmt.Errorf("gdb remote: %s: %w", abbreviate(pkt), err)
		}
		if len(reply) > 1 && reply[0] == 'O' && reply != "OK" && isHex(reply[1:]) {
			continue
		}
		return reply, nil
	}
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

func (c *RSP) send(pkt string) error {
	c.buf.Reset()
	c.buf.WriteByte('$')
	c.buf.WriteString(pkt)
	fmt.Fprintf(&c.buf, "#%02x", rspChecksum([]byte(pkt)))
	if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return fmt.Errorf("gdb remote: %w", err)
	}
	for tries := 0; tries < 3; tries++ {
		if _, err := c.conn.Write(c.buf.Bytes()); err != nil {
			return fmt.Errorf("gdb remote: send: %w", err)
		}
		if c.noAck {
			return nil
		}
		ack, err := c.r.ReadByte()
		if err != nil {
			return fmt.Errorf("gdb remote: ack: %w", err)
		}
		if ack == '+' {
			return nil
		}
	}
	return errors.New("gdb remote: packet not acknowledged")
}

// receive reads one packet, checks it and acknowledges it.
func (c *RSP) receive() (string, error) {
	if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return "", err
	}
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", ErrTargetExited
			}
			return "", err
		}
		if b != '$' {
			continue // stray acks
		}
		body, err := c.r.ReadBytes('#')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", ErrTargetExited
			}
			return "", err
		}
		body = body[:len(body)-1]
		var cs [2]byte
		if _, err := io.ReadFull(c.r, cs[:]); err != nil {
			return "", err
		}
		want, err := strconv.ParseUint(string(cs[:]), 16, 8)
		if err != nil || byte(want) != rspChecksum(body) {
			if !c.noAck {
				c.conn.Write([]byte{'-'})
			}
			continue
		}
		if !c.noAck {
			if _, err := c.conn.Write([]byte{'+'}); err != nil {
				return "", err
			}
		}
		return rspDecode(body), nil
	}
}

// rspDecode undoes the '}' escape and '*' run-length encoding of replies.
func rspDecode(b []byte) string {
	if bytes.IndexAny(b, "}*") < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '}' && i+1 < len(b):
			i++
			out = append(out, b[i]^0x20)
		case b[i] == '*' && i+1 < len(b) && len(out) > 0:
			i++
			n := int(b[i]) - 29
			last := out[len(out)-1]
			for ; n > 0; n-- {
				out = append(out, last)
			}
		default:
			out = append(out, b[i])
		}
	}
	return string(out)
}

// ReadFeature reads an XML target description annex (qXfer:features:read).
func (c *RSP) ReadFeature(annex string) ([]byte, error) {
	var out []byte
	for {
		reply, err := c.Command(fmt.Sprintf("qXfer:features:read:%s:%x,%x", annex, len(out), 0x3ff0))
		if err != nil {
			return nil, err
		}
		if reply == "" || (reply[0] != 'm' && reply[0] != 'l') {
			return nil, fmt.Errorf("gdb remote: reading %s: reply %q", annex, abbreviate(reply))
		}
		out = append(out, reply[1:]...)
		if reply[0] == 'l' {
			return out, nil
		}
	}
}

// TargetReg is one register of the target description.
type TargetReg struct {
	Name    string
	Bitsize int
	Regnum  int
}

// ReadRegisters reads target.xml and the annexes it includes, numbering
// registers as GDB does: consecutively, or from an explicit regnum.
func (c *RSP) ReadRegisters() ([]TargetReg, error) {
	var regs []TargetReg
	next := 0
	var walk func(annex string, depth int) error
	walk = func(annex string, depth int) error {
		if depth > 4 {
			return fmt.Errorf("gdb remote: %s: includes nested too deep", annex)
		}
		data, err := c.ReadFeature(annex)
		if err != nil {
			return err
		}
		dec := xml.NewDecoder(bytes.NewReader(data))
		dec.Strict = false
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("gdb remote: %s: %w", annex, err)
			}
			el, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			switch el.Name.Local {
			case "include":
				if href := xmlAttr(el, "href"); href != "" {
					if err := walk(href, depth+1); err != nil {
						return err
					}
				}
			case "reg":
				r := TargetReg{Name: xmlAttr(el, "name"), Regnum: next}
				r.Bitsize, _ = strconv.Atoi(xmlAttr(el, "bitsize"))
				if n, err := strconv.Atoi(xmlAttr(el, "regnum")); err == nil {
					r.Regnum = n
				}
				next = r.Regnum + 1
				regs = append(regs, r)
			}
		}
	}
	if err := walk("target.xml", 0); err != nil {
		return nil, err
	}
	return regs, nil
}

func xmlAttr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// ReadReg reads register regnum as a little-endian value.
func (c *RSP) ReadReg(regnum int) (uint64, error) {
	reply, err := c.Command(fmt.Sprintf("p%x", regnum))
	if err != nil {
		return 0, err
	}
	return leHex(reply)
}

// ReadGPRs reads the 'g' packet: x0..x31 then pc, 64 bits each.
func (c *RSP) ReadGPRs(x *[32]uint64) (pc uint64, err error) {
	reply, err := c.Command("g")
	if err != nil {
		return 0, err
	}
	if len(reply) < 33*16 {
		return 0, fmt.Errorf("gdb remote: g reply of %d hex digits, want at least %d", len(reply), 33*16)
	}
	for i := 0; i < 32; i++ {
		if x[i], err = leHex(reply[i*16 : i*16+16]); err != nil {
			return 0, err
		}
	}
	return leHex(reply[32*16 : 33*16])
}

// ReadMemory reads n bytes at addr.
func (c *RSP) ReadMemory(addr uint64, n int) ([]byte, error) {
	reply, err := c.Command(fmt.Sprintf("m%x,%x", addr, n))
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(reply, "E") && len(reply) == 3 {
		return nil, fmt.Errorf("gdb remote: reading %#x: error %s", addr, reply)
	}
	b, err := hex.DecodeString(reply)
	if err != nil {
		return nil, fmt.Errorf("gdb remote: reading %#x: %w", addr, err)
	}
	return b, nil
}

// Step single-steps and returns the stop reply. A W or X reply (the target
// exited) gives ErrTargetExited.
func (c *RSP) Step() (string, error) {
	reply, err := c.Command("s")
	if err != nil {
		return "", err
	}
	if len(reply) > 0 && (reply[0] == 'W' || reply[0] == 'X') {
		return reply, ErrTargetExited
	}
	if len(reply) == 0 || (reply[0] != 'T' && reply[0] != 'S') {
		return reply, fmt.Errorf("gdb remote: step: unexpected reply %q", abbreviate(reply))
	}
	return reply, nil
}

// leHex decodes a target-order (little-endian) hex register value.
func leHex(s string) (uint64, error) {
	if len(s) == 0 || len(s) > 16 || len(s)%2 != 0 {
		return 0, fmt.Errorf("gdb remote: register value %q", abbreviate(s))
	}
	var v uint64
	for i := len(s) - 2; i >= 0; i -= 2 {
		b, err := strconv.ParseUint(s[i:i+2], 16, 8)
		if err != nil {
			if s[i:i+2] == "xx" { // unavailable
				return 0, fmt.Errorf("gdb remote: register unavailable")
			}
			return 0, fmt.Errorf("gdb remote: register value %q", abbreviate(s))
		}
		v = v<<8 | b
	}
	return v, nil
}
