package misc

import "cosim/hw/sim"

// Stub is a plain register file for hardware the DTB describes but whose
// behaviour no firmware or kernel on these boards depends on (PWM, SPI, GEM,
// OTP, the DDR controller, PDMA): every naturally aligned 1-, 2-, 4- or
// 8-byte location reads back what was last written there, and reads zero
// after reset. It is not a model of the device: nothing happens when
// software writes a command, no interrupt is ever raised, and status bits
// that real hardware would set never change. Each use is listed in the
// board's documentation page.
type Stub struct {
	name  string
	size  uint64
	words map[uint64]uint64 // 8-byte words, sparse
	// Obs receives MMIO events when set.
	Obs sim.Observer
}

// NewStub returns a register file of size bytes.
func NewStub(name string, size uint64) *Stub {
	return &Stub{name: name, size: size, words: map[uint64]uint64{}}
}

// Size returns the window size.
func (s *Stub) Size() uint64 { return s.size }

// Read implements mem.Device.
func (s *Stub) Read(off uint64, size int) (uint64, bool) {
	if !aligned(off, size) || off >= s.size || uint64(size) > s.size-off {
		return 0, false
	}
	base := off &^ 7
	v := subword(s.words[base], base, off, size)
	observeMMIO(s.Obs, s.name, off, v, size, false)
	return v, true
}

// Write implements mem.Device.
func (s *Stub) Write(off uint64, size int, v uint64) bool {
	if !aligned(off, size) || off >= s.size || uint64(size) > s.size-off {
		return false
	}
	observeMMIO(s.Obs, s.name, off, v, size, true)
	base := off &^ 7
	if w := deposit(s.words[base], base, off, size, v); w != 0 {
		s.words[base] = w
	} else {
		delete(s.words, base)
	}
	return true
}
