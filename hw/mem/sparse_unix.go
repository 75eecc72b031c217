//go:build unix

package mem

import "golang.org/x/sys/unix"

// allocSparse reserves size bytes of anonymous memory that the kernel backs
// only where touched (MAP_NORESERVE), so large guest DRAM is cheap.
func allocSparse(size uint64) ([]byte, func() error, error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	b, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE|unix.MAP_NORESERVE)
	if err != nil {
		return nil, nil, err
	}
	return b, func() error { return unix.Munmap(b) }, nil
}
