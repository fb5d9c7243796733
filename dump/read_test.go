package dump

import (
	"errors"
	"strings"
	"testing"
)

// memReader serves [base, base+len(b)) and faults elsewhere.
type memReader struct {
	base uint64
	b    []byte
}

func (m memReader) ReadAt(p []byte, a Addr) (int, error) {
	off := uint64(a) - m.base
	if uint64(a) < m.base || off >= uint64(len(m.b)) {
		return 0, &FaultError{Addr: a, Len: len(p), Kind: NotDumped}
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, &FaultError{Addr: a + Addr(n), Len: len(p) - n, Kind: NotDumped}
	}
	return n, nil
}

func TestReadCString(t *testing.T) {
	page := strings.Repeat("x", PageSize-10) + "tail\x00"
	long := strings.Repeat("y", 3*PageSize)
	tests := []struct {
		name      string
		mem       string
		at        uint64
		max       int
		want      string
		truncated bool
		fault     bool
	}{
		{"short", "hello\x00world", 0, 100, "hello", false, false},
		{"empty", "\x00", 0, 100, "", false, false},
		{"crosses a page", page, 0, 2 * PageSize, page[:len(page)-1], false, false},
		{"bounded by max", long, 0, 1024, long[:1024], true, false},
		{"max larger than a page", long + "\x00", 5, 2*PageSize + 7, long[:2*PageSize+7], true, false},
		{"runs into unreadable memory", "abc", 0, 100, "abc", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const base = 0xffffffff80200000
			s, tr, err := ReadCString(memReader{base, []byte(tc.mem)}, Addr(base+tc.at), tc.max)
			var fe *FaultError
			if tc.fault != errors.As(err, &fe) || (!tc.fault && err != nil) {
				t.Fatalf("err = %v, want fault %v", err, tc.fault)
			}
			if s != tc.want || tr != tc.truncated {
				t.Errorf("got %d bytes (truncated %v), want %d bytes (truncated %v)", len(s), tr, len(tc.want), tc.truncated)
			}
		})
	}
}
