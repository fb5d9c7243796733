package structs

import (
	"encoding/binary"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kdump-bsd/kdump/dump"
)

// fakeMem is a kernel address space made of whole pages; an address on a
// page never written (or dropped) reads as a NotDumped fault, the way a
// minidump reports a page left out of the dump.
type fakeMem struct {
	pages map[dump.Addr]*[dump.PageSize]byte
	reads int // ReadAt calls
}

func newFakeMem() *fakeMem { return &fakeMem{pages: map[dump.Addr]*[dump.PageSize]byte{}} }

func (m *fakeMem) ReadAt(p []byte, a dump.Addr) (int, error) {
	m.reads++
	n := 0
	for n < len(p) {
		cur := a + dump.Addr(n)
		pg := m.pages[cur&^(dump.PageSize-1)]
		if pg == nil {
			return n, &dump.FaultError{Addr: cur, Len: len(p) - n, Kind: dump.NotDumped}
		}
		n += copy(p[n:], pg[cur&(dump.PageSize-1):])
	}
	return n, nil
}

func (m *fakeMem) write(a dump.Addr, b []byte) {
	for len(b) > 0 {
		base := a &^ (dump.PageSize - 1)
		pg := m.pages[base]
		if pg == nil {
			pg = new([dump.PageSize]byte)
			m.pages[base] = pg
		}
		n := copy(pg[a-base:], b)
		a, b = a+dump.Addr(n), b[n:]
	}
}

// putInt writes the low size bytes of v, little-endian.
func (m *fakeMem) putInt(a dump.Addr, size int64, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	m.write(a, b[:size])
}

// drop removes the page holding a.
func (m *fakeMem) drop(a dump.Addr) { delete(m.pages, a&^(dump.PageSize-1)) }

// notDumped is the fault message the fake gives for address a.
func notDumped(a dump.Addr) string {
	return (&dump.FaultError{Addr: a, Kind: dump.NotDumped}).Error()
}

// loc is where a member lies in an era's struct.
type loc struct{ off, size int64 }

// eraTable maps "struct member" to the member's place, for one kernel.
type eraTable map[string]loc

// parseOffsets reads a table of decode_offsets_test.go.
func parseOffsets(t testing.TB, text string) eraTable {
	t.Helper()
	tab := eraTable{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 {
			t.Fatalf("bad offset row %q", line)
		}
		off, err1 := strconv.ParseInt(f[2], 10, 64)
		size, err2 := strconv.ParseInt(f[3], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad offset row %q", line)
		}
		tab[f[0]+" "+f[1]] = loc{off, size}
	}
	return tab
}

// optTable derives kern-dfly2020opt's table from the 2020 one by the rule
// stated in testdata/kernels/dfly2020opt.c: 16 bytes inserted after p_fd
// (offset 24, 8 bytes), after lwp_procq (0, 16) and after td_sleepq (32,
// 16); every other struct unchanged.
func optTable(t2020 eraTable) eraTable {
	after := map[string]int64{"proc": 32, "lwp": 16, "thread": 48}
	out := eraTable{}
	for k, l := range t2020 {
		strct, _, _ := strings.Cut(k, " ")
		if end, ok := after[strct]; ok && l.off >= end {
			l.off += 16
		}
		out[k] = l
	}
	return out
}

// has reports whether the era's struct has the member.
func (e eraTable) has(strct, member string) bool {
	_, ok := e[strct+" "+member]
	return ok
}

// members returns the names a record of strct is expected to list in
// Members: the table's members with the composite ones (timeval, rusage,
// rtprio) named as a whole, sorted.
func (e eraTable) members(strct string) []string {
	seen := map[string]bool{}
	for k := range e {
		s, m, _ := strings.Cut(k, " ")
		if s != strct {
			continue
		}
		seen[collapse(m)] = true
	}
	var out []string
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// collapse names a member of a composite member (struct timeval, rusage,
// rtprio) by the composite, as records do in Members and Faults.
func collapse(member string) string {
	for _, c := range []string{"p_start", "p_ru", "p_cru", "lwp_ru", "lwp_rtprio", "td_start"} {
		if strings.HasPrefix(member, c+".") {
			return c
		}
	}
	return member
}

// ptrVal is the made-up kernel pointer stored in a pointer member.
func ptrVal(member string) uint64 {
	h := fnv.New32a()
	h.Write([]byte(member))
	return 0xfffff80000000000 | uint64(h.Sum32())<<3
}

func neg(x int64) uint64 { return uint64(-x) }
