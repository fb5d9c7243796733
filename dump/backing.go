package dump

import (
	"encoding/binary"
	"fmt"
	"io"
)

// backing is the dump file's bytes: the whole file memory-mapped when the OS allows,
// else an io.ReaderAt. All offsets handed to it have been checked against size by the
// caller or are checked here.
type backing struct {
	name    string
	data    []byte // the whole file when mapped (or in memory); nil otherwise
	ra      io.ReaderAt
	res     *residency // bounds what stays resident of a large mapping (nil: no bound)
	size    int64
	closers []func() error
}

func newBacking(name string, r io.ReaderAt, size int64) *backing {
	b := &backing{name: name, ra: r, size: size}
	if m, ok := r.(interface{ Bytes() []byte }); ok {
		b.data = m.Bytes()
	}
	return b
}

// readAt reads len(p) bytes at off; a short read returns the count and io.EOF.
func (b *backing) readAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= b.size {
		return 0, io.EOF
	}
	if rem := b.size - off; int64(len(p)) > rem {
		n, err := b.readAt(p[:rem], off)
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	if b.data != nil {
		n := copy(p, b.data[off:])
		b.res.touched(off)
		return n, nil
	}
	n, err := b.ra.ReadAt(p, off)
	if n == len(p) {
		err = nil
	}
	return n, err
}

// preadAt reads like readAt, but never through the mapping: with pread(2)
// on the file (or the io.ReaderAt the dump came from).
func (b *backing) preadAt(p []byte, off int64) (int, error) {
	if b.data == nil || b.ra == nil {
		return b.readAt(p, off)
	}
	if off < 0 || off >= b.size {
		return 0, io.EOF
	}
	if rem := b.size - off; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := b.ra.ReadAt(p, off)
	if n == len(p) {
		err = nil
	}
	return n, err
}

// u64 reads a little-endian uint64 at off.
func (b *backing) u64(off int64) (uint64, bool) {
	if b.data != nil {
		if off < 0 || off > b.size-8 {
			return 0, false
		}
		return binary.LittleEndian.Uint64(b.data[off:]), true
	}
	var buf [8]byte
	if n, _ := b.readAt(buf[:], off); n != 8 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(buf[:]), true
}

// section returns n bytes at off, either a view of the mapping or a fresh copy.
// n must have been checked against the file size by the caller.
func (b *backing) section(off, n int64, what string) ([]byte, error) {
	if off < 0 || n < 0 || off > b.size || n > b.size-off {
		return nil, fmt.Errorf("%s: %s at offset %#x, %d bytes, lies past the end of the file (%d bytes)", b.name, what, off, n, b.size)
	}
	if b.data != nil {
		return b.data[off : off+n : off+n], nil
	}
	buf := make([]byte, n)
	if _, err := b.readAt(buf, off); err != nil {
		return nil, fmt.Errorf("%s: reading %s at offset %#x: %w", b.name, what, off, err)
	}
	return buf, nil
}

func (b *backing) close() error {
	var first error
	for i := len(b.closers) - 1; i >= 0; i-- {
		if err := b.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	b.closers = nil
	b.data = nil
	return first
}
