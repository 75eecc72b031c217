package pcie

import (
	"encoding/binary"
	"fmt"
)

// MSI-X Message Control bits.
const (
	msixEnable       = 1 << 15
	msixFunctionMask = 1 << 14
	msixEntrySize    = 16
	msixVectorMasked = 1
)

// MSIX is a function's MSI-X capability with its vector table and pending
// bit array. The device places the table and PBA in one of its BARs and
// forwards accesses there to ReadTable/WriteTable and ReadPBA.
//
// A message is a 4-byte memory write of the vector's data to its address,
// issued as the function's DMA: on a host with an MSI controller the host
// intercepts it, on one without (QEMU virt without AIA, and our virt model)
// it simply lands in guest memory.
type MSIX struct {
	cfg   *Config
	cap   int
	n     int
	table []byte
	pba   []uint64
}

// AddMSIX adds an MSI-X capability for n vectors (1..2048) at offset at,
// with the table at tableOff in BAR tableBAR and the PBA at pbaOff in BAR
// pbaBAR (offsets 8-byte aligned).
func AddMSIX(c *Config, at, n, tableBAR int, tableOff uint32, pbaBAR int, pbaOff uint32) (*MSIX, error) {
	if n < 1 || n > 2048 {
		return nil, fmt.Errorf("pcie: %s: %d MSI-X vectors (1..2048)", c.name, n)
	}
	if tableBAR < 0 || tableBAR > 5 || pbaBAR < 0 || pbaBAR > 5 || tableOff%8 != 0 || pbaOff%8 != 0 {
		return nil, fmt.Errorf("pcie: %s: bad MSI-X table or PBA location", c.name)
	}
	body := make([]byte, 10)
	binary.LittleEndian.PutUint16(body[0:], uint16(n-1))
	binary.LittleEndian.PutUint32(body[2:], tableOff|uint32(tableBAR))
	binary.LittleEndian.PutUint32(body[6:], pbaOff|uint32(pbaBAR))
	mask := make([]byte, 10)
	binary.LittleEndian.PutUint16(mask[0:], msixEnable|msixFunctionMask)
	if err := c.AddCapability(at, CapMSIX, body, mask); err != nil {
		return nil, err
	}
	m := &MSIX{cfg: c, cap: at, n: n, table: make([]byte, n*msixEntrySize), pba: make([]uint64, (n+63)/64)}
	m.resetVectors()
	c.OnWrite(at+2, 2, m.controlWritten)
	c.OnFunctionReset(m.resetVectors)
	return m, nil
}

func (m *MSIX) resetVectors() {
	clear(m.table)
	clear(m.pba)
	for v := 0; v < m.n; v++ {
		m.table[v*msixEntrySize+12] = msixVectorMasked
	}
}

// Vectors returns the table size.
func (m *MSIX) Vectors() int { return m.n }

// TableSize returns the size in bytes of the vector table.
func (m *MSIX) TableSize() int { return len(m.table) }

// PBASize returns the size in bytes of the pending bit array.
func (m *MSIX) PBASize() int { return 8 * len(m.pba) }

func (m *MSIX) control() uint16 { return m.cfg.u16(m.cap + 2) }

// Enabled reports whether software enabled MSI-X.
func (m *MSIX) Enabled() bool { return m.control()&msixEnable != 0 }

// Masked reports whether vector v is masked, on its own or by the function
// mask.
func (m *MSIX) Masked(v int) bool {
	if v < 0 || v >= m.n {
		return true
	}
	return m.control()&msixFunctionMask != 0 || m.table[v*msixEntrySize+12]&msixVectorMasked != 0
}

// Pending reports vector v's pending bit.
func (m *MSIX) Pending(v int) bool {
	return v >= 0 && v < m.n && m.pba[v/64]&(1<<(v%64)) != 0
}

// Notify signals vector v: a message if the vector is unmasked, otherwise
// its pending bit, sent when software unmasks it. It reports whether MSI-X
// is enabled (when it is not, the device uses its INTx pin instead).
func (m *MSIX) Notify(v int) bool {
	if !m.Enabled() {
		return false
	}
	if v < 0 || v >= m.n {
		return true
	}
	if m.Masked(v) {
		m.pba[v/64] |= 1 << (v % 64)
		return true
	}
	m.send(v)
	return true
}

func (m *MSIX) send(v int) {
	e := m.table[v*msixEntrySize:]
	addr := binary.LittleEndian.Uint64(e[0:])
	var data [4]byte
	copy(data[:], e[8:12])
	// A message lost because bus mastering is off is lost, as on hardware.
	m.cfg.DMAWrite(addr, data[:])
}

func (m *MSIX) controlWritten() {
	m.cfg.blockINTx(m.Enabled())
	m.deliverPending()
}

func (m *MSIX) deliverPending() {
	if !m.Enabled() || m.control()&msixFunctionMask != 0 {
		return
	}
	for v := 0; v < m.n; v++ {
		if m.Pending(v) && !m.Masked(v) {
			m.pba[v/64] &^= 1 << (v % 64)
			m.send(v)
		}
	}
}

// ReadTable reads the vector table at off.
func (m *MSIX) ReadTable(off uint64, size int) (uint64, bool) {
	if off >= uint64(len(m.table)) || off+uint64(size) > uint64(len(m.table)) {
		return 0, false
	}
	return readLE(m.table[off:], size), true
}

// WriteTable writes the vector table at off: addresses keep their low two
// bits clear, and only the mask bit of Vector Control is writable.
func (m *MSIX) WriteTable(off uint64, size int, v uint64) bool {
	if off >= uint64(len(m.table)) || off+uint64(size) > uint64(len(m.table)) {
		return false
	}
	for i := 0; i < size; i++ {
		o := off + uint64(i)
		b := byte(v >> (8 * i))
		switch o % msixEntrySize {
		case 0:
			b &^= 3
		case 12:
			b &= msixVectorMasked
		case 13, 14, 15:
			b = 0
		}
		m.table[o] = b
	}
	m.deliverPending()
	return true
}

// ReadPBA reads the pending bit array; it is read-only.
func (m *MSIX) ReadPBA(off uint64, size int) (uint64, bool) {
	n := uint64(8 * len(m.pba))
	if off >= n || off+uint64(size) > n {
		return 0, false
	}
	var b [8]byte
	var v uint64
	for i := 0; i < size; i++ {
		o := off + uint64(i)
		binary.LittleEndian.PutUint64(b[:], m.pba[o/8])
		v |= uint64(b[o%8]) << (8 * i)
	}
	return v, true
}

func readLE(b []byte, size int) uint64 {
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}
