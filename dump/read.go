package dump

import (
	"bytes"
	"encoding/binary"
)

// ReadU32 reads a little-endian uint32 at a.
func ReadU32(r Reader, a Addr) (uint32, error) {
	var b [4]byte
	if _, err := r.ReadAt(b[:], a); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}

// ReadU64 reads a little-endian uint64 at a.
func ReadU64(r Reader, a Addr) (uint64, error) {
	var b [8]byte
	if _, err := r.ReadAt(b[:], a); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// ReadPtr reads an 8-byte kernel pointer at a.
func ReadPtr(r Reader, a Addr) (Addr, error) {
	v, err := ReadU64(r, a)
	return Addr(v), err
}

// ReadCString reads a NUL-terminated string at a, at most max bytes (without the
// NUL). It reads page by page, so a string that ends just before an unreadable page
// is still returned. If no NUL is found within max bytes, the first max bytes are
// returned with truncated set.
func ReadCString(r Reader, a Addr, max int) (s string, truncated bool, err error) {
	var out []byte
	buf := make([]byte, min(max, PageSize))
	for len(out) < max {
		chunk := PageSize - int(uint64(a)&PageMask) // stay within one page per read
		if rem := max - len(out); chunk > rem {
			chunk = rem
		}
		buf = buf[:chunk]
		n, rerr := r.ReadAt(buf, a)
		if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
			return string(append(out, buf[:i]...)), false, nil
		}
		out = append(out, buf[:n]...)
		if rerr != nil {
			return string(out), false, rerr
		}
		a += Addr(n)
	}
	return string(out), true, nil
}
