package trace

import (
	"encoding/binary"
	"fmt"

	"cosim/hw/sim"
)

// A retire batch record holds consecutive retirements of one hart, coded
// by sim.RetireCoder: a run records one per instruction, and a record per
// event (~90 bytes) would make writing the trace cost more than
// simulating. Harts code batches as they run and the writer stores them as
// they are; readers expand a batch into the records a retire event each
// (and a fence event after each fence) would have given
// (docs/trace-format.md, "Retire batches").

// KindRetireBatch is the kind byte of a retire batch record. It lies
// outside sim.Kind's range: a batch is a container, not an event.
const KindRetireBatch = 0x80

// BatchVersion is a retire batch record's version byte: the coding of its
// events changed at 2 (jumps where pcs went elsewhere, values by
// themselves, marks for stalls and privileges).
const BatchVersion = 2

// batchHeaderLen: the record header (kind, version, hart, flags, and the
// cycle and instret the first event is coded against), then u32 count,
// u64 clock Hz, and the pc and privilege the first event is coded
// against.
const batchHeaderLen = headerLen + 4 + 8 + 8 + 1

// batchHeader returns the record header of a batch of hart's retirements
// on a clock of hz Hz, coded by c.
func batchHeader(c *sim.RetireCoder, hart int32, hz uint64) [batchHeaderLen]byte {
	var h [batchHeaderLen]byte
	le := binary.LittleEndian
	h[0] = KindRetireBatch
	h[1] = BatchVersion
	le.PutUint16(h[2:], uint16(hart))
	le.PutUint64(h[6:], c.Start.Cycle)
	le.PutUint64(h[14:], c.Start.Instret)
	le.PutUint32(h[22:], c.N)
	le.PutUint64(h[26:], hz)
	le.PutUint64(h[34:], c.Start.PC)
	h[42] = c.Start.Priv
	return h
}

// DecodeBatch decodes a retire batch record, calling fn with each event in
// order. The record passed to fn is reused between calls.
func DecodeBatch(data []byte, fn func(*Record) error) error {
	if len(data) < batchHeaderLen {
		return fmt.Errorf("trace: retire batch of %d bytes: %w", len(data), errShort)
	}
	if data[0] != KindRetireBatch {
		return fmt.Errorf("trace: record kind %d is not a retire batch", data[0])
	}
	if data[1] != BatchVersion {
		return fmt.Errorf("trace: retire batch version %d, want %d (recorded by another cosim version)", data[1], BatchVersion)
	}
	le := binary.LittleEndian
	hart := int32(le.Uint16(data[2:]))
	count := le.Uint32(data[headerLen:])
	hz := le.Uint64(data[26:])
	start := sim.BatchState{PC: le.Uint64(data[34:]), Cycle: le.Uint64(data[6:]), Instret: le.Uint64(data[14:]), Priv: data[42]}
	var rec Record
	var fence sim.Event
	var buf []byte
	err := sim.DecodeRetirements(data[batchHeaderLen:], count, start, func(r *sim.Retired, instret uint64) error {
		r.Event(&rec.Event, hart, instret, hz)
		rec.Flags = fieldFlags(&rec.Event)
		if err := fn(&rec); err != nil || r.Fence == 0 {
			return err
		}
		// A fence reads back as its own record would.
		r.FenceEvent(&fence, hart, instret, hz)
		buf = AppendEvent(buf[:0], &fence, 0)
		if err := DecodeRecord(buf, &rec); err != nil {
			return err
		}
		return fn(&rec)
	})
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	return nil
}
