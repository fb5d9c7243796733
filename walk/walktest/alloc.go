package walktest

import (
	"encoding/binary"
	"fmt"

	"github.com/kdump-bsd/kdump/dump/dumptest"
)

// chunkSize is how much heap the generator takes from the machine at a time;
// objects are packed densely inside a chunk, as a kernel zone packs them.
const chunkSize = 1 << 20

// heap hands out kernel heap addresses. Without a machine it only counts
// (a dry run, to size the heap).
type heap struct {
	mc       *dumptest.Machine
	cur, end uint64
	dry      uint64 // dry run: the next address
	err      error
}

func roundUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }

// alloc returns the address of size bytes aligned to align, or 0 (and sets
// h.err) when the heap is exhausted.
func (h *heap) alloc(size, align uint64) uint64 {
	if align == 0 {
		align = 8
	}
	if h.mc == nil {
		p := roundUp(h.dry, align)
		h.dry = p + size
		return dumptest.SampleHeapBase + p
	}
	p := roundUp(h.cur, align)
	if h.cur == 0 || p+size > h.end {
		n := max(chunkSize, roundUp(size, dumptest.PageSize))
		base := h.mc.Alloc(n, dumptest.PageSize)
		if base == 0 {
			h.fail(size)
			return 0
		}
		h.cur, h.end, p = base, base+n, base
	}
	h.cur = p + size
	return p
}

// isolated returns page-aligned addresses for size bytes on pages no other
// object shares, so that excluding them damages that object only.
func (h *heap) isolated(size uint64) uint64 {
	n := roundUp(size, dumptest.PageSize)
	if h.mc == nil {
		p := roundUp(h.dry, dumptest.PageSize)
		h.dry = p + n
		return dumptest.SampleHeapBase + p
	}
	p := h.mc.Alloc(n, dumptest.PageSize)
	if p == 0 {
		h.fail(size)
	}
	// Later small objects must not land on these pages either.
	h.cur, h.end = 0, 0
	return p
}

func (h *heap) fail(size uint64) {
	if h.err == nil {
		h.err = fmt.Errorf("walktest: kernel heap [%#x, %#x) exhausted allocating %d bytes: size it with HeapNeeded",
			h.mc.HeapStart, h.mc.HeapEnd, size)
	}
}

// enc fills one struct image at the offsets of a DWARF layout. The first
// missing member or size mismatch is kept in *err.
type enc struct {
	b   []byte
	l   *layout
	err *error
}

func (e *enc) fail(format string, args ...any) {
	if *e.err == nil {
		*e.err = fmt.Errorf("walktest: struct %s: "+format, append([]any{e.l.name}, args...)...)
	}
}

// u stores v (truncated to the member's size) at member path.
func (e *enc) u(path string, v uint64) {
	m := e.l.field(path)
	if !m.ok {
		e.fail("no member %s", path)
		return
	}
	e.put(m, path, v)
}

// opt is u for members some eras lack.
func (e *enc) opt(path string, v uint64) {
	if m := e.l.field(path); m.ok {
		e.put(m, path, v)
	}
}

func (e *enc) put(m member, path string, v uint64) {
	if m.off+m.size > len(e.b) {
		e.fail("member %s [%d,+%d) outside %d bytes", path, m.off, m.size, len(e.b))
		return
	}
	switch m.size {
	case 1:
		e.b[m.off] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(e.b[m.off:], uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(e.b[m.off:], uint32(v))
	case 8:
		binary.LittleEndian.PutUint64(e.b[m.off:], v)
	default:
		e.fail("member %s has size %d, not a scalar", path, m.size)
	}
}

// str stores s NUL-terminated in the char array at path, cut to fit.
func (e *enc) str(path, s string) {
	m := e.l.field(path)
	if !m.ok {
		e.fail("no member %s", path)
		return
	}
	if len(s) > m.size-1 {
		s = s[:m.size-1]
	}
	clear(e.b[m.off : m.off+m.size])
	copy(e.b[m.off:], s)
}

// optStr is str for members some eras lack.
func (e *enc) optStr(path, s string) {
	if e.l.has(path) {
		e.str(path, s)
	}
}
