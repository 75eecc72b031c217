package trace

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gopacket/gopacket/pcapgo"
)

// Reader reads records from a pcapng trace (plain or gzip-compressed).
type Reader struct {
	ng     *pcapgo.NgReader
	closer io.Closer
	header Header
	peeked *Record
	n      uint64
	batch  []Record // the rest of a retire batch being read
}

// NewReader reads the section header and the interface blocks.
func NewReader(r io.Reader) (*Reader, error) {
	ng, err := pcapgo.NewNgReader(r, pcapgo.NgReaderOptions{})
	if err != nil {
		return nil, fmt.Errorf("trace: not a pcapng trace: %w", err)
	}
	tr := &Reader{ng: ng}
	info := ng.SectionInfo()
	if info.Application != Application {
		return nil, fmt.Errorf("trace: pcapng written by %q, not by %q", info.Application, Application)
	}
	tr.header.Meta = ParseMeta(info.Comment)
	// Interface blocks are read with the first packet; peek it so Header
	// is complete before anything else is read.
	rec, err := tr.read()
	switch {
	case err == nil:
		tr.peeked = rec
	case errors.Is(err, io.EOF):
	default:
		return nil, err
	}
	tr.header.Harts = tr.countHarts()
	return tr, nil
}

// Open opens a trace file.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	r, err := NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("trace: %s: %w", path, err)
	}
	r.closer = f
	return r, nil
}

func (r *Reader) countHarts() int {
	n := 0
	for i := 0; i < r.ng.NInterfaces(); i++ {
		intf, err := r.ng.Interface(i)
		if err == nil && strings.HasPrefix(intf.Name, "hart") {
			n++
		}
	}
	return n
}

// Header returns the number of harts and the run metadata.
func (r *Reader) Header() Header { return r.header }

// Next returns the next record, or io.EOF at the end. The record is fresh
// for every call.
func (r *Reader) Next() (*Record, error) {
	if r.peeked != nil {
		rec := r.peeked
		r.peeked = nil
		return rec, nil
	}
	return r.read()
}

func (r *Reader) read() (*Record, error) {
	if len(r.batch) != 0 {
		rec := &r.batch[0]
		r.batch = r.batch[1:]
		return rec, nil
	}
	data, ci, err := r.ng.ZeroCopyReadPacketData()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("trace: record %d: %w", r.n, err)
	}
	intf, err := r.ng.Interface(ci.InterfaceIndex)
	if err != nil {
		return nil, fmt.Errorf("trace: record %d: %w", r.n, err)
	}
	if intf.LinkType != LinkType {
		return nil, fmt.Errorf("trace: record %d: link type %d, want %d", r.n, intf.LinkType, LinkType)
	}
	r.n++
	if len(data) > 0 && data[0] == KindRetireBatch {
		// Records of a batch share one allocation; each stays valid.
		var recs []Record
		if err := DecodeBatch(data, func(rec *Record) error {
			recs = append(recs, *rec)
			return nil
		}); err != nil {
			return nil, fmt.Errorf("trace: record %d: %w", r.n-1, err)
		}
		if len(recs) == 0 {
			return r.read()
		}
		r.batch = recs[1:]
		return &recs[0], nil
	}
	rec := &Record{}
	if err := DecodeRecord(data, rec); err != nil {
		return nil, fmt.Errorf("trace: record %d: %w", r.n-1, err)
	}
	return rec, nil
}

// Close closes the file Open opened.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}
