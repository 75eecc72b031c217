//go:build !unix

package mem

// allocSparse falls back to a Go slice where anonymous mappings are not
// available; the OS may still commit pages lazily.
func allocSparse(size uint64) ([]byte, func() error, error) {
	return make([]byte, size), func() error { return nil }, nil
}
