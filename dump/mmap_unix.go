//go:build unix

package dump

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps f read-only. ok is false when the file cannot be mapped (a pipe, an
// empty file, a file system without mmap); the caller then falls back to pread.
func mapFile(f *os.File, size int64) (data []byte, unmap func() error, ok bool) {
	if size <= 0 || int64(int(size)) != size {
		return nil, nil, false
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, false
	}
	return b, func() error { return unix.Munmap(b) }, true
}
