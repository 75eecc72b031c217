// Package blockdev owns disk images: the backing store of virtio-blk and NVMe
// namespaces, and the durability promise made to the user who lends us a
// disk image.
//
// Writes go straight to the image file (so a killed simulator loses nothing
// the host kernel already has), Flush makes them durable with fsync, and a
// snapshot image never writes the file at all: its writes live in an
// in-memory overlay that vanishes with the run. It must not know which
// device or guest protocol sits on top.
package blockdev

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// SectorSize is the unit of the snapshot overlay and of Size rounding.
const SectorSize = 512

// ErrOutOfRange is returned for accesses past the end of the image.
var ErrOutOfRange = errors.New("blockdev: access beyond end of image")

// Image is a disk image opened for a device.
type Image struct {
	path     string
	f        *os.File
	size     int64
	readOnly bool
	snapshot bool
	overlay  map[int64][]byte // sector -> contents (snapshot mode)
	dirty    bool             // written since the last Flush
}

// Options say how to open an image.
type Options struct {
	Snapshot bool // never write the file; writes are kept in memory
	ReadOnly bool // refuse writes altogether
}

// Open opens the image at path. Its size must be a multiple of 512 bytes.
func Open(path string, o Options) (*Image, error) {
	flag := os.O_RDWR
	if o.Snapshot || o.ReadOnly {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, fmt.Errorf("blockdev: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blockdev: %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("blockdev: %s: not a regular file", path)
	}
	if st.Size()%SectorSize != 0 {
		f.Close()
		return nil, fmt.Errorf("blockdev: %s: size %d is not a multiple of %d bytes", path, st.Size(), SectorSize)
	}
	img := &Image{path: path, f: f, size: st.Size(), readOnly: o.ReadOnly, snapshot: o.Snapshot}
	if o.Snapshot {
		img.overlay = make(map[int64][]byte)
	}
	return img, nil
}

// NewMemory returns an image of size bytes that exists only in memory (for
// tests and scratch disks).
func NewMemory(size int64) *Image {
	size -= size % SectorSize
	return &Image{path: "(memory)", size: size, snapshot: true, overlay: make(map[int64][]byte)}
}

// Path returns the image's file name.
func (d *Image) Path() string { return d.path }

// Size returns the image size in bytes.
func (d *Image) Size() int64 { return d.size }

// ReadOnly reports whether writes are refused.
func (d *Image) ReadOnly() bool { return d.readOnly }

// ReadAt fills p from offset off.
func (d *Image) ReadAt(p []byte, off int64) error {
	if err := d.check(off, len(p)); err != nil {
		return err
	}
	if !d.snapshot {
		_, err := d.f.ReadAt(p, off)
		return wrap(d.path, err)
	}
	for len(p) > 0 {
		sec, in := off/SectorSize, off%SectorSize
		n := min(len(p), int(SectorSize-in))
		if s, ok := d.overlay[sec]; ok {
			copy(p[:n], s[in:])
		} else if d.f != nil {
			if _, err := d.f.ReadAt(p[:n], off); err != nil {
				return wrap(d.path, err)
			}
		} else {
			clear(p[:n])
		}
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// WriteAt writes p at offset off. In snapshot mode the file is untouched.
func (d *Image) WriteAt(p []byte, off int64) error {
	if d.readOnly {
		return fmt.Errorf("blockdev: %s: read-only", d.path)
	}
	if err := d.check(off, len(p)); err != nil {
		return err
	}
	if !d.snapshot {
		_, err := d.f.WriteAt(p, off)
		d.dirty = true
		return wrap(d.path, err)
	}
	for len(p) > 0 {
		sec, in := off/SectorSize, off%SectorSize
		n := min(len(p), int(SectorSize-in))
		s, ok := d.overlay[sec]
		if !ok {
			s = make([]byte, SectorSize)
			if d.f != nil {
				if _, err := d.f.ReadAt(s, sec*SectorSize); err != nil {
					return wrap(d.path, err)
				}
			}
			d.overlay[sec] = s
		}
		copy(s[in:], p[:n])
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// WriteZeroes zeroes n bytes at off.
func (d *Image) WriteZeroes(off, n int64) error {
	zero := make([]byte, min(n, 1<<16))
	for n > 0 {
		k := min(n, int64(len(zero)))
		if err := d.WriteAt(zero[:k], off); err != nil {
			return err
		}
		off, n = off+k, n-k
	}
	return nil
}

// Flush makes every completed write durable: after it returns, the data
// survives a crash of the simulator and of the host.
func (d *Image) Flush() error {
	if d.snapshot || !d.dirty {
		return nil
	}
	if err := d.f.Sync(); err != nil {
		return wrap(d.path, err)
	}
	d.dirty = false
	return nil
}

// Close flushes and closes the image.
func (d *Image) Close() error {
	if d.f == nil {
		return nil
	}
	err := d.Flush()
	if cerr := d.f.Close(); err == nil {
		err = wrap(d.path, cerr)
	}
	d.f = nil
	return err
}

// OverlaySectors lists the sectors a snapshot image holds in memory, in
// order (for tests and statistics).
func (d *Image) OverlaySectors() []int64 {
	s := make([]int64, 0, len(d.overlay))
	for k := range d.overlay {
		s = append(s, k)
	}
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

func (d *Image) check(off int64, n int) error {
	if off < 0 || n < 0 || off > d.size || int64(n) > d.size-off {
		return fmt.Errorf("%w: %s: offset %d length %d, size %d", ErrOutOfRange, d.path, off, n, d.size)
	}
	return nil
}

func wrap(path string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("blockdev: %s: %w", path, err)
}
