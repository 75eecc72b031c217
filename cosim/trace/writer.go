package trace

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"cosim/hw/sim"
)

// LinkType is the pcapng link type of every interface in a trace:
// LINKTYPE_USER0, which the tcpdump registry reserves for private use.
const LinkType = layers.LinkType(147)

// Application is the shb_userappl string written to every trace.
const Application = "cosim trace"

// Header describes a trace file: how many harts have an interface, and the
// run metadata stored in the section header comment as key=value lines
// (board, image hashes, seed, cosim version, source).
type Header struct {
	Harts int
	Meta  []KV
}

// KV is one metadata entry. Order is kept so files are byte-identical.
type KV struct{ Key, Value string }

// MetaText renders metadata as the key=value lines of the section comment.
func MetaText(meta []KV) string {
	var b strings.Builder
	for _, kv := range meta {
		b.WriteString(kv.Key)
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(kv.Value, "\n", " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseMeta parses key=value lines; lines without '=' are skipped.
func ParseMeta(text string) []KV {
	var out []KV
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok {
			out = append(out, KV{k, v})
		}
	}
	return out
}

// Lookup returns the value of key in meta.
func Lookup(meta []KV, key string) (string, bool) {
	for _, kv := range meta {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Writer writes records to a pcapng stream: interface i < Harts is hart i,
// interface Harts is the board.
type Writer struct {
	ng      *pcapgo.NgWriter
	bw      *bufio.Writer
	harts   int
	board   int   // interface index of the board
	intf    []int // interface index of each hart
	buf     []byte
	batch   sim.RetireCoder // re-codes filtered retirements
	bhart   int32           // batch's hart
	bhz     uint64          // batch's clock
	scratch sim.Event
	head    [epbHeaderLen + batchHeaderLen + 8]byte // a batch's headers, then its trailer
	err     error
}

// writeBufferSize is large so that the pcapgo writer's own small buffer is
// bypassed for most writes and a syscall carries many events.
const writeBufferSize = 256 << 10

// NewWriter writes the section header and one interface per hart plus the
// board interface. Everything written is fixed by h: no host name, OS or
// clock reaches the file.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	if h.Harts < 0 || h.Harts >= BoardHart {
		return nil, fmt.Errorf("trace: %d harts out of range", h.Harts)
	}
	bw := bufio.NewWriterSize(w, writeBufferSize)
	opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
		Hardware:    "cosim",
		OS:          "cosim",
		Application: Application,
		Comment:     MetaText(h.Meta),
	}}
	ng, err := pcapgo.NewNgWriterInterface(bw, hartInterface(0, h.Harts), opts)
	if err != nil {
		return nil, fmt.Errorf("trace: writing pcapng header: %w", err)
	}
	for i := 1; i <= h.Harts; i++ {
		if _, err := ng.AddInterface(hartInterface(i, h.Harts)); err != nil {
			return nil, fmt.Errorf("trace: adding interface %d: %w", i, err)
		}
	}
	// Packets bypass ng (see appendEPB), so its buffer is drained now and
	// never used again.
	if err := ng.Flush(); err != nil {
		return nil, fmt.Errorf("trace: writing pcapng header: %w", err)
	}
	tw := &Writer{ng: ng, bw: bw, harts: h.Harts, board: h.Harts, buf: make([]byte, 0, 512)}
	for i := 0; i < h.Harts; i++ {
		tw.intf = append(tw.intf, i)
	}
	return tw, nil
}

// hartInterface describes interface i of a trace with harts harts.
func hartInterface(i, harts int) pcapgo.NgInterface {
	intf := pcapgo.NgInterface{
		LinkType:            LinkType,
		TimestampResolution: 9,
		OS:                  "cosim",
	}
	if i < harts {
		intf.Name = fmt.Sprintf("hart%d", i)
		intf.Description = fmt.Sprintf("cosim hart %d: retire, trap, interrupt and fence events", i)
	} else {
		intf.Name = "board"
		intf.Description = "cosim board: MMIO, console, device and metadata events"
	}
	return intf
}

// Harts returns the number of hart interfaces.
func (w *Writer) Harts() int { return w.harts }

// WriteEvent appends e with the no-payload flags extra. A hart beyond the
// declared ones gets its interface when its first event arrives (importers
// learn the hart count from the log).
func (w *Writer) WriteEvent(e *sim.Event, extra uint16) error {
	if w.err != nil {
		return w.err
	}
	if e.Kind == sim.KindRetire && extra == 0 && e.Hart >= 0 && int(e.Hart) < len(w.intf) {
		return w.writeRetire(e)
	}
	return w.writeGeneric(e, extra)
}

func (w *Writer) writeGeneric(e *sim.Event, extra uint16) error {
	intf := w.board
	if e.Hart >= 0 {
		if int(e.Hart) >= len(w.intf) {
			if err := w.addHarts(int(e.Hart) + 1); err != nil {
				return err
			}
		}
		intf = w.intf[e.Hart]
	}
	w.buf = appendEPB(w.bw.AvailableBuffer(), intf, uint64(e.Time/sim.Nanosecond), e, extra)
	if _, err := w.bw.Write(w.buf); err != nil {
		w.err = fmt.Errorf("trace: writing event: %w", err)
		return w.err
	}
	return nil
}

// writeRetire is WriteEvent for the event a hart reports per instruction:
// the same bytes as appendEPB, written straight into the output buffer (a
// copy of the encoder kept for speed: ~16 ns against ~19 ns per event;
// TestRetireFastPathMatchesGeneric holds the two to the same bytes).
func (w *Writer) writeRetire(e *sim.Event) error {
	f := FlagPC
	if e.Time != 0 {
		f |= FlagTime
	}
	if e.RegKind != sim.RegNone {
		f |= FlagReg
	}
	if e.CSRWrit {
		f |= FlagCSR
	}
	if e.MemKind != sim.MemNone {
		f |= FlagMem
	}
	if e.Device != "" || len(e.Data) > 0 || e.Text != "" || e.Addr != 0 || e.Value != 0 || e.Size != 0 || e.Write {
		return w.writeGeneric(e, 0) // unusual fields: let the general encoder place them
	}
	n := headerLen + int(fixedLen[f])
	pad := (4 - n&3) & 3
	total := epbHeaderLen + n + pad + 4
	if w.bw.Available() < total {
		if err := w.bw.Flush(); err != nil {
			w.err = fmt.Errorf("trace: writing event: %w", err)
			return w.err
		}
	}
	b := w.bw.AvailableBuffer()[:total]
	le := binary.LittleEndian
	ts := uint64(e.Time / sim.Nanosecond)
	le.PutUint32(b[0:], epbBlockType)
	le.PutUint32(b[4:], uint32(total))
	le.PutUint32(b[8:], uint32(w.intf[e.Hart]))
	le.PutUint32(b[12:], uint32(ts>>32))
	le.PutUint32(b[16:], uint32(ts))
	le.PutUint32(b[20:], uint32(n))
	le.PutUint32(b[24:], uint32(n))
	r := b[epbHeaderLen:]
	r[0] = byte(sim.KindRetire)
	r[1] = FormatVersion
	le.PutUint16(r[2:], uint16(e.Hart))
	le.PutUint16(r[4:], f)
	le.PutUint64(r[6:], e.Cycle)
	le.PutUint64(r[14:], e.Instret)
	p := headerLen
	if f&FlagTime != 0 {
		le.PutUint64(r[p:], uint64(e.Time))
		p += 8
	}
	le.PutUint64(r[p:], e.PC)
	le.PutUint32(r[p+8:], e.Insn)
	r[p+12] = e.InsnLen
	r[p+13] = e.Priv
	p += 14
	if f&FlagReg != 0 {
		r[p] = e.RegKind
		r[p+1] = e.Reg
		le.PutUint64(r[p+2:], e.RegVal)
		p += 10
	}
	if f&FlagCSR != 0 {
		le.PutUint16(r[p:], e.CSR)
		le.PutUint64(r[p+2:], e.CSRVal)
		p += 10
	}
	if f&FlagMem != 0 {
		r[p] = e.MemKind
		r[p+1] = e.MemSize
		le.PutUint64(r[p+2:], e.MemAddr)
		le.PutUint64(r[p+10:], e.MemData)
		p += 18
	}
	for i := 0; i < pad; i++ {
		r[p+i] = 0
	}
	le.PutUint32(b[total-4:], uint32(total))
	// Write copies b onto itself: it is the buffer's own free space.
	w.bw.Write(b)
	return nil
}

// addHarts declares interfaces for harts up to n-1, numbered after the
// ones already written.
func (w *Writer) addHarts(n int) error {
	if n >= BoardHart {
		return fmt.Errorf("trace: hart %d out of range", n-1)
	}
	// ng writes into bw behind what is buffered there, so order holds.
	next := len(w.intf) + 1
	for h := len(w.intf); h < n; h++ {
		intf := hartInterface(h, h+1)
		if _, err := w.ng.AddInterface(intf); err != nil {
			w.err = fmt.Errorf("trace: adding hart %d: %w", h, err)
			return w.err
		}
		w.intf = append(w.intf, next)
		next++
	}
	w.harts = n
	if err := w.ng.Flush(); err != nil {
		w.err = fmt.Errorf("trace: adding hart: %w", err)
	}
	return w.err
}

// epbHeaderLen is the fixed head of a pcapng Enhanced Packet Block: type,
// total length, interface, timestamp high and low, captured and original
// length.
const epbHeaderLen = 28

// appendEPB appends an Enhanced Packet Block holding e's record. pcapgo's
// NgWriter writes the section and interface blocks; packets are framed here
// because NgWriter.WritePacket costs four buffered writes and a time.Time
// per event, which alone is over the per-event budget. The bytes are the
// same as WritePacket's for a packet without options.
func appendEPB(buf []byte, intf int, ts uint64, e *sim.Event, extra uint16) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, epbHeaderLen)...)
	buf = AppendEvent(buf, e, extra)
	n := len(buf) - start - epbHeaderLen
	pad := (4 - n&3) & 3
	buf = append(buf, zeroPad[:pad+4]...)
	total := uint32(len(buf) - start)
	le := binary.LittleEndian
	b := buf[start:]
	le.PutUint32(b[0:], epbBlockType)
	le.PutUint32(b[4:], total)
	le.PutUint32(b[8:], uint32(intf))
	le.PutUint32(b[12:], uint32(ts>>32))
	le.PutUint32(b[16:], uint32(ts))
	le.PutUint32(b[20:], uint32(n))
	le.PutUint32(b[24:], uint32(n))
	le.PutUint32(b[len(b)-4:], total)
	return buf
}

const epbBlockType = 6

var zeroPad [8]byte

// WriteRecord appends r keeping its flags.
func (w *Writer) WriteRecord(r *Record) error { return w.WriteEvent(&r.Event, r.Flags) }

// Flush writes buffered records to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("trace: flush: %w", err)
	}
	return nil
}

// CreateFile creates the file a trace is written to. An existing regular
// file is removed first rather than truncated, as linkers do with their
// output: the file system then drops the old trace's pages instead of
// writing them out (ext4 writes a file truncated on open back to disk
// when it is closed, which a run would wait for). Where it cannot be
// removed (a directory without write permission), it is truncated.
func CreateFile(path string) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		os.Remove(path)
	}
	return os.Create(path)
}

// ImageMeta returns the "image" metadata entry for a file a run loads
// (firmware, kernel, disk): its base name and SHA-256.
func ImageMeta(path string) (KV, error) {
	f, err := os.Open(path)
	if err != nil {
		return KV{}, fmt.Errorf("trace: image hash: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return KV{}, fmt.Errorf("trace: image hash: %s: %w", path, err)
	}
	return KV{Key: "image", Value: filepath.Base(path) + " sha256:" + hex.EncodeToString(h.Sum(nil))}, nil
}

// WriteRetirements writes the retirements of b whose pc keepPC accepts
// and the fence events among them that keep accepts, in retire batch
// records and records of their own, in order; nil accepts all, and with
// both nil the batch is stored as the hart coded it. It returns how many
// events it wrote. It releases b.
func (w *Writer) WriteRetirements(b sim.Retirements, keepPC func(uint64) bool, keep func(*sim.Event) bool) (uint64, error) {
	if w.err != nil {
		b.Release()
		return 0, w.err
	}
	hart, hz, c := b.Hart(), b.ClockHz(), b.Coded()
	if int(hart) >= len(w.intf) {
		if err := w.addHarts(int(hart) + 1); err != nil {
			b.Release()
			return 0, err
		}
	}
	if keepPC == nil && keep == nil {
		n := uint64(c.N) + uint64(c.Fences)
		w.writeBatch(c, hart, hz, b)
		return n, w.err
	}
	defer b.Release()
	var written uint64
	f := &w.scratch
	err := sim.DecodeRetirements(c.Buf[:c.P], c.N, c.Start, func(r *sim.Retired, instret uint64) error {
		if r.Fence != 0 {
			r.FenceEvent(f, hart, instret, hz)
			if keep != nil && !keep(f) {
				r.Fence = 0
			}
		}
		switch {
		case keepPC == nil || keepPC(r.PC):
			written++
			if r.Fence != 0 {
				written++
			}
			w.addRetired(r, hart, instret, hz)
		case r.Fence != 0:
			written++
			w.endBatch()
			w.writeGeneric(f, 0)
		}
		return w.err
	})
	w.endBatch()
	if err != nil && w.err == nil {
		w.err = fmt.Errorf("trace: hart %d's batch: %w", hart, err)
	}
	return written, w.err
}

// addRetired adds r to the open batch, or starts one with it, or writes it
// as records of its own if a batch cannot hold it.
func (w *Writer) addRetired(r *sim.Retired, hart int32, instret, hz uint64) {
	c := &w.batch
	switch {
	case !sim.Codable(r):
		w.endBatch()
		e := &w.scratch
		r.Event(e, hart, instret, hz)
		w.writeGeneric(e, 0)
		if r.Fence != 0 {
			r.FenceEvent(e, hart, instret, hz)
			w.writeGeneric(e, 0)
		}
		return
	case c.N == 0 || w.bhart != hart || !c.Continues(r, instret):
		w.endBatch()
		c.Begin(r.PC, r.Cycle, instret, r.Priv)
		w.bhart, w.bhz = hart, hz
	}
	c.Add(r)
}

// endBatch writes the open re-coded batch, if any.
func (w *Writer) endBatch() {
	if w.batch.N != 0 {
		w.writeBatch(&w.batch, w.bhart, w.bhz, nil)
		w.batch.N, w.batch.P = 0, 0
	}
}

// writeBatch writes the events c coded as a retire batch record of hart,
// whose clock runs at hz, and releases b (if not nil), c's batch, once it
// no longer needs c. (Handing c to a goroutine that writes the file,
// instead of copying it, was tried: the hart's stores into buffers the
// other core had read made the run 2.5 times slower.)
func (w *Writer) writeBatch(c *sim.RetireCoder, hart int32, hz uint64, b sim.Retirements) {
	if b != nil {
		defer b.Release()
	}
	if c.N == 0 || w.err != nil {
		return
	}
	var ts uint64
	if hz != 0 {
		ts = uint64(sim.FromTicks(c.Start.Cycle, hz) / sim.Nanosecond)
	}
	head := &w.head
	n := batchHeaderLen + c.P
	pad := (4 - n&3) & 3
	total := uint32(epbHeaderLen + n + pad + 4)
	le := binary.LittleEndian
	le.PutUint32(head[0:], epbBlockType)
	le.PutUint32(head[4:], total)
	le.PutUint32(head[8:], uint32(w.intf[hart]))
	le.PutUint32(head[12:], uint32(ts>>32))
	le.PutUint32(head[16:], uint32(ts))
	le.PutUint32(head[20:], uint32(n))
	le.PutUint32(head[24:], uint32(n))
	rh := batchHeader(c, hart, hz)
	copy(head[epbHeaderLen:], rh[:])
	t := w.head[len(w.head)-8:]
	clear(t)
	le.PutUint32(t[pad:], total)
	tail := t[:pad+4]
	w.bw.Write(head[:epbHeaderLen+batchHeaderLen])
	w.bw.Write(c.Buf[:c.P])
	if _, err := w.bw.Write(tail); err != nil {
		w.err = fmt.Errorf("trace: writing event: %w", err)
	}
}
