package virtio

import (
	"encoding/binary"
	"errors"
	"fmt"

	"cosim/hw/blockdev"
	"cosim/hw/mem"
	"cosim/hw/sim"
)

// virtio-blk (virtio 1.1 §5.2).
const (
	DeviceIDBlock = 2

	blkFSegMax      = 1 << 2
	blkFGeometry    = 1 << 4
	blkFRO          = 1 << 5
	blkFBlkSize     = 1 << 6
	blkFFlush       = 1 << 9
	blkFTopology    = 1 << 10
	blkFWriteZeroes = 1 << 14

	blkTIn          = 0
	blkTOut         = 1
	blkTFlush       = 4
	blkTGetID       = 8
	blkTWriteZeroes = 13

	blkSOK     = 0
	blkSIOErr  = 1
	blkSUnsupp = 2

	blkHeaderSize = 16
	blkIDBytes    = 20
	sectorSize    = 512
	// configSize is the config space QEMU 7.2 exposes (up to
	// max_write_zeroes_seg); reads past it return all ones.
	configSize = 0x38
	// maxRequest bounds one request's data so a guest cannot make the
	// simulator allocate without limit.
	maxRequest = 64 << 20
)

// BlockConfig describes a virtio block device.
type BlockConfig struct {
	Name  string
	Image *blockdev.Image
	Bus   *mem.Bus
	// SegMax is the most data segments per request (QEMU: queue size - 2
	// = 254).
	SegMax uint32
	// Latency is the time from notification to completion of a request;
	// zero completes it at the engine's next AdvanceTo.
	Latency sim.Time
	// Serial is the GET_ID answer (at most 20 bytes; QEMU's default is
	// empty, 20 zero bytes).
	Serial string
	Obs    sim.Observer
}

// Block is the virtio block device over a disk image.
type Block struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs    sim.Observer
	cfg    BlockConfig
	config [configSize]byte
}

// NewBlock builds the device.
func NewBlock(cfg BlockConfig) (*Block, error) {
	if cfg.Image == nil || cfg.Bus == nil {
		return nil, fmt.Errorf("virtio-blk %s: needs an image and a bus", cfg.Name)
	}
	if len(cfg.Serial) > blkIDBytes {
		return nil, fmt.Errorf("virtio-blk %s: serial %q longer than %d bytes", cfg.Name, cfg.Serial, blkIDBytes)
	}
	if cfg.SegMax == 0 {
		cfg.SegMax = 254
	}
	b := &Block{cfg: cfg, Obs: cfg.Obs}
	b.fillConfig()
	return b, nil
}

// fillConfig lays out struct virtio_blk_config with QEMU 7.2's values for
// the fields this model offers.
func (b *Block) fillConfig() {
	c := b.config[:]
	sectors := uint64(b.cfg.Image.Size()) / sectorSize
	le := binary.LittleEndian
	le.PutUint64(c[0:], sectors)
	le.PutUint32(c[12:], b.cfg.SegMax)
	cyl, heads, secs := geometry(sectors)
	le.PutUint16(c[16:], cyl)
	c[18], c[19] = heads, secs
	le.PutUint32(c[20:], sectorSize)
	c[32] = 1 // writeback: the image is a write-back cache until FLUSH
	le.PutUint16(c[34:], 1)
	le.PutUint32(c[48:], 0x3F_FFFF) // max_write_zeroes_sectors
	le.PutUint32(c[52:], 1)         // max_write_zeroes_seg
}

// geometry guesses a CHS geometry with 16 heads and 63 sectors per track,
// as QEMU does for disks without a partition table.
func geometry(sectors uint64) (uint16, uint8, uint8) {
	cyl := max(min(sectors/(16*63), 65535), 1)
	return uint16(cyl), 16, 63
}

// DeviceID implements Device.
func (b *Block) DeviceID() uint32 { return DeviceIDBlock }

// Features implements Device.
func (b *Block) Features() uint64 {
	f := uint64(blkFSegMax | blkFGeometry | blkFBlkSize | blkFFlush | blkFTopology | blkFWriteZeroes | FeatureIndirectDesc)
	if b.cfg.Image.ReadOnly() {
		f |= blkFRO
	}
	return f
}

// Config implements Device.
func (b *Block) Config() []byte { return b.config[:] }

// NumQueues implements Device.
func (b *Block) NumQueues() int { return 1 }

// Latency implements Device.
func (b *Block) Latency(*Chain) sim.Time { return b.cfg.Latency }

// Reset implements Device.
func (b *Block) Reset() {}

type blkHeader struct {
	typ    uint32
	sector uint64
}

func (b *Block) header(c *Chain) (blkHeader, error) {
	var h [blkHeaderSize]byte
	if c.ReadLen() < blkHeaderSize || c.WriteLen() < 1 {
		return blkHeader{}, fmt.Errorf("%w: virtio-blk request without header or status byte", ErrBadQueue)
	}
	if err := c.Gather(b.cfg.Bus, 0, h[:]); err != nil {
		return blkHeader{}, fmt.Errorf("%w: %v", ErrBadQueue, err)
	}
	return blkHeader{binary.LittleEndian.Uint32(h[0:]), binary.LittleEndian.Uint64(h[8:])}, nil
}

// Submitted implements Device.
func (b *Block) Submitted(_ int, c *Chain) {
	if b.Obs == nil {
		return
	}
	h, err := b.header(c)
	text := "virtio-blk: malformed request"
	if err == nil {
		text = fmt.Sprintf("virtio-blk: %s sector %d bytes %d", typeName(h.typ), h.sector, b.dataLen(h.typ, c))
	}
	b.Obs.Observe(&sim.Event{Kind: sim.KindDevice, Hart: -1, Device: b.cfg.Name, Text: text, Addr: h.sector, AddrValid: err == nil, Value: uint64(c.Head), ValueValid: true})
}

func (b *Block) dataLen(typ uint32, c *Chain) uint64 {
	if typ == blkTIn {
		return c.WriteLen() - 1
	}
	return c.ReadLen() - blkHeaderSize
}

func typeName(t uint32) string {
	switch t {
	case blkTIn:
		return "IN"
	case blkTOut:
		return "OUT"
	case blkTFlush:
		return "FLUSH"
	case blkTGetID:
		return "GET_ID"
	case blkTWriteZeroes:
		return "WRITE_ZEROES"
	}
	return fmt.Sprintf("type %d", t)
}

// Handle implements Device: it performs the request and writes the status
// byte into the last writable byte of the chain.
func (b *Block) Handle(_ int, c *Chain) (uint32, error) {
	h, err := b.header(c)
	if err != nil {
		return 0, err
	}
	status, err := b.do(h, c)
	if err != nil {
		return 0, err
	}
	wl := c.WriteLen()
	if err := c.Scatter(b.cfg.Bus, wl-1, []byte{status}); err != nil {
		return 0, fmt.Errorf("%w: status byte: %v", ErrBadQueue, err)
	}
	if b.Obs != nil {
		b.Obs.Observe(&sim.Event{Kind: sim.KindDevice, Hart: -1, Device: b.cfg.Name,
			Text: fmt.Sprintf("virtio-blk: %s sector %d done status %d", typeName(h.typ), h.sector, status),
			Addr: h.sector, AddrValid: true, Value: uint64(status), ValueValid: true})
	}
	// QEMU reports the whole device-writable length as used.
	return uint32(min(wl, 1<<32-1)), nil
}

// errGuestMemory marks data buffers that are not RAM: a broken request.
var errGuestMemory = errors.New("virtio-blk: data buffer is not guest RAM")

// do runs one request; it returns the status byte, or an error when the
// request is malformed enough that the device must be reset.
func (b *Block) do(h blkHeader, c *Chain) (byte, error) {
	switch h.typ {
	case blkTIn:
		return b.read(h.sector, c)
	case blkTOut:
		return b.write(h.sector, c)
	case blkTFlush:
		if b.cfg.Image.Flush() != nil {
			return blkSIOErr, nil
		}
		return blkSOK, nil
	case blkTGetID:
		id := make([]byte, min(uint64(blkIDBytes), c.WriteLen()-1))
		copy(id, b.cfg.Serial)
		if err := c.Scatter(b.cfg.Bus, 0, id); err != nil {
			return 0, fmt.Errorf("%w: %v", ErrBadQueue, err)
		}
		return blkSOK, nil
	case blkTWriteZeroes:
		return b.writeZeroes(c)
	}
	return blkSUnsupp, nil
}

// span checks a transfer of n bytes at sector against the image.
func (b *Block) span(sector, n uint64) (int64, bool) {
	size := uint64(b.cfg.Image.Size())
	if n%sectorSize != 0 || sector > size/sectorSize || n > size-sector*sectorSize {
		return 0, false
	}
	return int64(sector * sectorSize), true
}

func (b *Block) read(sector uint64, c *Chain) (byte, error) {
	n := c.WriteLen() - 1
	off, ok := b.span(sector, n)
	if !ok || n > maxRequest {
		return blkSIOErr, nil
	}
	buf := make([]byte, n)
	if err := b.cfg.Image.ReadAt(buf, off); err != nil {
		return blkSIOErr, nil
	}
	if err := c.Scatter(b.cfg.Bus, 0, buf); err != nil {
		return 0, fmt.Errorf("%w: %v: %v", ErrBadQueue, errGuestMemory, err)
	}
	return blkSOK, nil
}

func (b *Block) write(sector uint64, c *Chain) (byte, error) {
	n := c.ReadLen() - blkHeaderSize
	off, ok := b.span(sector, n)
	if !ok || n > maxRequest || b.cfg.Image.ReadOnly() {
		return blkSIOErr, nil
	}
	buf := make([]byte, n)
	if err := c.Gather(b.cfg.Bus, blkHeaderSize, buf); err != nil {
		return 0, fmt.Errorf("%w: %v: %v", ErrBadQueue, errGuestMemory, err)
	}
	if err := b.cfg.Image.WriteAt(buf, off); err != nil {
		return blkSIOErr, nil
	}
	return blkSOK, nil
}

// writeZeroes handles one virtio_blk_discard_write_zeroes segment
// (sector u64, num_sectors u32, flags u32).
func (b *Block) writeZeroes(c *Chain) (byte, error) {
	if c.ReadLen()-blkHeaderSize != 16 {
		return blkSUnsupp, nil // more than max_write_zeroes_seg segments
	}
	var seg [16]byte
	if err := c.Gather(b.cfg.Bus, blkHeaderSize, seg[:]); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadQueue, err)
	}
	sector := binary.LittleEndian.Uint64(seg[0:])
	n := uint64(binary.LittleEndian.Uint32(seg[8:])) * sectorSize
	off, ok := b.span(sector, n)
	if !ok || b.cfg.Image.ReadOnly() {
		return blkSIOErr, nil
	}
	if b.cfg.Image.WriteZeroes(off, int64(n)) != nil {
		return blkSIOErr, nil
	}
	return blkSOK, nil
}
