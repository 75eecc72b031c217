// Package sim owns what every hardware model shares: simulated time, the
// device event queue, interrupt wires and the observer hook through which
// models report events, with the compact coding of a hart's retirements
// that the hook hands over in batches (batch.go).
//
// It must not know about harts, boards, the engine or any observer: models
// import sim, sim imports nothing of ours. Simulated time never comes from the
// host clock; the engine advances it from retired instructions and modelled
// latencies, so a run is deterministic.
package sim

import "math/bits"

// Time is simulated time in picoseconds since reset.
type Time uint64

// Units of Time.
const (
	Picosecond  Time = 1
	Nanosecond  Time = 1000 * Picosecond
	Microsecond Time = 1000 * Nanosecond
	Millisecond Time = 1000 * Microsecond
	Second      Time = 1000 * Millisecond
)

// Never is a time no event reaches.
const Never Time = ^Time(0)

// Ticks converts t to whole ticks of a clock running at freq Hz.
func Ticks(t Time, freq uint64) uint64 {
	hi, lo := bits.Mul64(uint64(t), freq)
	if hi >= uint64(Second) {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, uint64(Second))
	return q
}

// FromTicks converts n ticks of a clock at freq Hz to time, rounded up so
// that a deadline computed from it is never early.
func FromTicks(n, freq uint64) Time {
	if freq == 0 {
		return Never
	}
	hi, lo := bits.Mul64(n, uint64(Second))
	if hi >= freq {
		return Never
	}
	q, r := bits.Div64(hi, lo, freq)
	if r != 0 {
		q++
	}
	return Time(q)
}
