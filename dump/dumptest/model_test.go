package dumptest

import (
	"testing"
)

func TestTranslate(t *testing.T) {
	tm := newTestMem(t, 7, true)
	tests := []struct {
		name   string
		va     uint64
		wantPA uint64
		wantOK bool
		size   uint64
		flags  uint64 // bits that must be present in the raw leaf entry
	}{
		{"2M first byte", tText2M, 0x200000, true, Size2M, PG_PS | PG_PAT2M},
		{"2M PAT bit not in PA", tText2M + 0x1234, 0x201234, true, Size2M, PG_PAT2M},
		{"2M last byte", tText2M + Size2M - 1, 0x3fffff, true, Size2M, PG_PS},
		{"4K NX", tImage4K + 5, 0x400005, true, PageSize, PG_NX},
		{"4K high ignored bits", tImage4K + PageSize + 0xff8, 0x401ff8, true, PageSize, PG_NX | PG_IGN52 | PG_IGN58 | PG_AVL},
		{"4K after image", tImage4K + 16*PageSize, 0, false, 0, 0},
		{"heap page 0", tHeap + 8, tm.heapPA[0] + 8, true, PageSize, PG_NX},
		{"heap hole", tHeap + 10*PageSize, 0, false, 0, 0},
		{"1G first", t1G, 0, true, Size1G, PG_PS | PG_IGN52 | PG_NX},
		{"1G beyond RAM", t1G + tPhys + 3, tPhys + 3, true, Size1G, PG_PS},
		{"1G last", 0xffffffffffffffff, Size1G - 1, true, Size1G, PG_PS},
		{"DMAP", DefaultDMAPBase + 0x5000, 0x5000, true, Size1G, PG_PS},
		{"DMAP next GiB", DefaultDMAPBase + Size1G, 0, false, 0, 0},
		{"below 2M page", tText2M - 1, 0, false, 0, 0},
		{"user", 0x400000, 0, false, 0, 0},
		{"non-canonical", 0x0000800000000000, 0, false, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pa, ok := tm.Translate(tc.va)
			if ok != tc.wantOK || pa != tc.wantPA {
				t.Fatalf("Translate(%#x) = %#x, %v; want %#x, %v", tc.va, pa, ok, tc.wantPA, tc.wantOK)
			}
			if !ok {
				return
			}
			mp, _ := tm.Leaf(tc.va)
			if mp.Size != tc.size {
				t.Errorf("leaf size %#x, want %#x", mp.Size, tc.size)
			}
			if mp.Entry&tc.flags != tc.flags {
				t.Errorf("entry %#x lacks bits %#x", mp.Entry, tc.flags)
			}
			raw, _ := tm.ReadPhys(mp.EntryPA, 8)
			if got := le.Uint64(raw); got != mp.Entry {
				t.Errorf("entry in memory %#x, Leaf says %#x", got, mp.Entry)
			}
		})
	}
}

// TestWalkByHand checks the page tables in physical memory against the spec's
// 4-level walk, reading raw entries, independently of Translate.
func TestWalkByHand(t *testing.T) {
	tm := newTestMem(t, 3, true)
	rd := func(pa uint64) uint64 {
		b, err := tm.ReadPhys(pa, 8)
		if err != nil {
			t.Fatal(err)
		}
		return le.Uint64(b)
	}
	va := uint64(tHeap + 33*PageSize + 0x10)
	pml4e := rd(tm.PML4() + (va>>39&511)*8)
	if pml4e&1 == 0 || pml4e&0x20 == 0 {
		t.Fatalf("PML4E %#x: want V and A", pml4e)
	}
	if pml4e&(0x200|1<<52) == 0 {
		t.Errorf("PML4E %#x carries no ignored bit", pml4e)
	}
	pdpe := rd(pml4e&0x000ffffffffff000 + (va>>30&511)*8)
	pde := rd(pdpe&0x000ffffffffff000 + (va>>21&511)*8)
	pte := rd(pde&0x000ffffffffff000 + (va>>12&511)*8)
	if pdpe&0x80 != 0 || pde&0x80 != 0 {
		t.Fatalf("unexpected large page: pdpe %#x pde %#x", pdpe, pde)
	}
	if got, want := pte&0x000ffffffffff000|va&0xfff, tm.heapPA[33]+0x10; got != want {
		t.Errorf("walk gives %#x, want %#x", got, want)
	}
	if pte&(1<<63) == 0 {
		t.Errorf("heap PTE %#x not NX", pte)
	}
	for _, p := range []uint64{pml4e, pdpe, pde} {
		if !tm.IsTablePage(p & 0x000ffffffffff000) {
			t.Errorf("entry %#x does not point at a table page", p)
		}
	}
}

func TestMapErrors(t *testing.T) {
	tm := newTestMem(t, 1, true)
	tests := []struct {
		name string
		fn   func() error
	}{
		{"double 4K", func() error { return tm.Map4K(tImage4K, 0x400000, 0) }},
		{"4K inside 2M", func() error { return tm.Map4K(tText2M+PageSize, 0x500000, 0) }},
		{"2M over page table", func() error { return tm.Map2M(tImage4K&^(Size2M-1), 0x400000, 0) }},
		{"4K inside 1G", func() error { return tm.Map4K(t1G, 0, 0) }},
		{"misaligned VA", func() error { return tm.Map4K(tImage4K+1, 0, 0) }},
		{"misaligned 2M PA", func() error { return tm.Map2M(0xffffffff80600000, 0x1000, 0) }},
		{"flags in frame", func() error { return tm.Map4K(0xffffffff80800000, 0x800000, 0x1000) }},
		{"non-canonical", func() error { return tm.Map4K(0x0000800000000000, 0, 0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.fn(); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestAllocPage(t *testing.T) {
	gen := func(seed uint64) []uint64 {
		m := NewMemory(Config{PhysSize: 4 << 20, Seed: seed})
		if err := m.Reserve(0x200000, 0x10000); err != nil {
			t.Fatal(err)
		}
		var out []uint64
		for {
			pa := m.AllocPage()
			if pa == 0 {
				break
			}
			out = append(out, pa)
		}
		return out
	}
	a := gen(42)
	// 4 MiB = 1024 pages − page 0 − 96 hole pages − 16 reserved.
	if want := 1024 - 1 - 96 - 16; len(a) != want {
		t.Fatalf("allocated %d pages, want %d", len(a), want)
	}
	seen := map[uint64]bool{}
	ascending := 0
	for i, pa := range a {
		switch {
		case pa%PageSize != 0:
			t.Fatalf("page %#x not aligned", pa)
		case pa >= 0xA0000 && pa < 0x100000:
			t.Fatalf("page %#x in the PC hole", pa)
		case pa >= 0x200000 && pa < 0x210000:
			t.Fatalf("page %#x reserved", pa)
		case seen[pa]:
			t.Fatalf("page %#x returned twice", pa)
		}
		seen[pa] = true
		if i > 0 && pa > a[i-1] {
			ascending++
		}
	}
	if ascending > len(a)*3/4 || ascending < len(a)/4 {
		t.Errorf("allocation not scattered: %d of %d steps ascending", ascending, len(a))
	}
	b := gen(42)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, allocation %d differs: %#x vs %#x", i, a[i], b[i])
		}
	}
	c := gen(43)
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same > len(a)/2 {
		t.Errorf("different seeds give %d identical allocations", same)
	}
}

func TestReserveAndWriteErrors(t *testing.T) {
	m := NewMemory(Config{PhysSize: 4 << 20})
	if err := m.Reserve(0xA0000, PageSize); err == nil {
		t.Error("Reserve of a hole page succeeded")
	}
	if err := m.WritePhys(0xFF000, []byte{1}); err == nil {
		t.Error("WritePhys into the hole succeeded")
	}
	if err := m.WritePhys(4<<20-1, []byte{1, 2}); err == nil {
		t.Error("WritePhys past RAM succeeded")
	}
	if err := m.WriteVirt(0xffffffff80000000, []byte{1}); err == nil {
		t.Error("WriteVirt to an unmapped VA succeeded")
	}
	if m.PhysSize() != 4<<20 {
		t.Errorf("PhysSize %#x", m.PhysSize())
	}
	n := NewMemory(Config{PhysSize: 3 << 20, Holes: [][2]uint64{}})
	if n.PhysSize() != 4<<20 || len(n.Holes()) != 0 || len(n.RAM()) != 1 {
		t.Errorf("PhysSize %#x holes %v RAM %v", n.PhysSize(), n.Holes(), n.RAM())
	}
}

func TestMinidumpPageSet(t *testing.T) {
	tests := []struct {
		name   string
		with1G bool
	}{{"without 1G window", false}, {"with 1G window", true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm := newTestMem(t, 5, tc.with1G)
			set := map[uint64]bool{}
			for _, pa := range tm.MinidumpPages(DefaultKernBase) {
				set[pa] = true
			}
			check := func(what string, pa uint64, want bool) {
				t.Helper()
				if set[pa] != want {
					t.Errorf("%s (PA %#x): in set = %v, want %v", what, pa, set[pa], want)
				}
			}
			check("2M page, first", 0x200000, true)
			check("2M page, last", 0x3ff000, true)
			check("4K image page", 0x40f000, true)
			check("heap page", tm.heapPA[0], true)
			check("excluded page", tm.heapPA[20], false)
			check("DumpAlso page", tm.dumpAlso, true)
			check("DMAP-only page", tm.dmapOnly, tc.with1G)
			check("page 0", 0, tc.with1G)
			check("hole", 0xA0000, false)
			for _, pa := range tm.TablePages() {
				check("table page", pa, true)
			}
			if tc.with1G {
				if want := uint64(tPhys/PageSize - 96 - 1); uint64(len(set)) != want {
					t.Errorf("%d pages, want all RAM but the excluded one = %d", len(set), want)
				}
			}
		})
	}
}
