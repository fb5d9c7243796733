package walk

import (
	"encoding/binary"

	"github.com/kdump-bsd/kdump/dump"
)

// fakeMem is a sparse kernel address space for tests: pages exist once
// written; reading anything else is an Unmapped fault, as dump.Core reports.
type fakeMem struct {
	pages map[dump.Addr]*[dump.PageSize]byte
	next  dump.Addr // the allocator's next free address
}

const fakeHeap dump.Addr = 0xffffffff90000000

func newFakeMem() *fakeMem {
	return &fakeMem{pages: make(map[dump.Addr]*[dump.PageSize]byte), next: fakeHeap}
}

func (m *fakeMem) ReadAt(p []byte, a dump.Addr) (int, error) {
	n := 0
	for n < len(p) {
		pg, ok := m.pages[(a+dump.Addr(n))&^(dump.PageSize-1)]
		if !ok {
			return n, &dump.FaultError{Addr: a + dump.Addr(n), Len: len(p) - n, Kind: dump.Unmapped}
		}
		off := int((a + dump.Addr(n)) & (dump.PageSize - 1))
		n += copy(p[n:], pg[off:])
	}
	return n, nil
}

func (m *fakeMem) write(a dump.Addr, b []byte) {
	for len(b) > 0 {
		base := a &^ (dump.PageSize - 1)
		pg, ok := m.pages[base]
		if !ok {
			pg = new([dump.PageSize]byte)
			m.pages[base] = pg
		}
		n := copy(pg[a-base:], b)
		a, b = a+dump.Addr(n), b[n:]
	}
}

func (m *fakeMem) putPtr(a, v dump.Addr) { m.putU64(a, uint64(v)) }

func (m *fakeMem) putU64(a dump.Addr, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	m.write(a, b[:])
}

func (m *fakeMem) putU32(a dump.Addr, v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	m.write(a, b[:])
}

// alloc returns zeroed, mapped memory of size bytes aligned to align.
func (m *fakeMem) alloc(size, align int) dump.Addr {
	a := (m.next + dump.Addr(align-1)) &^ dump.Addr(align-1)
	m.next = a + dump.Addr(size)
	m.write(a, make([]byte, size))
	return a
}

// unmap removes the page holding a.
func (m *fakeMem) unmap(a dump.Addr) { delete(m.pages, a&^(dump.PageSize-1)) }
