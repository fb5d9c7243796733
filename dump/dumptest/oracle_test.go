package dumptest

import (
	"bytes"
	"debug/elf"
	"math/bits"
	"testing"

	"github.com/kdump-bsd/kdump/dump"
)

const (
	ok = dump.FaultKind(0)
	un = dump.Unmapped
	nd = dump.NotDumped
	tr = dump.Truncated
)

// kinds gives the expected fault kind per format: minidumps, ELFFull, Raw,
// ELFVirtual (without VirtualDMAP).
type kinds struct{ mini, full, raw, virt dump.FaultKind }

func (k kinds) of(f dump.Format) dump.FaultKind {
	switch {
	case f.IsMinidump():
		return k.mini
	case f == dump.ELFFull:
		return k.full
	case f == dump.Raw:
		return k.raw
	}
	return k.virt
}

func TestExpectKinds(t *testing.T) {
	for _, with1G := range []bool{false, true} {
		tm := newTestMem(t, 29, with1G)
		dmapOnly := ok
		if !with1G {
			dmapOnly = nd
		}
		tests := []struct {
			name     string
			va       uint64
			n        int
			want     kinds
			failAt   uint64 // first failing address when a kind is set
			wantData func() []byte
		}{
			{"heap page", tHeap + 9*PageSize + 8, 16, kinds{ok, ok, ok, ok}, 0,
				func() []byte { b, _ := tm.ReadPhys(tm.heapPA[9]+8, 16); return b }},
			{"heap pages across boundary", tHeap + PageSize - 8, 16, kinds{ok, ok, ok, ok}, 0,
				func() []byte {
					a, _ := tm.ReadPhys(tm.heapPA[0]+PageSize-8, 8)
					b, _ := tm.ReadPhys(tm.heapPA[1], 8)
					return append(a, b...)
				}},
			{"into heap hole", tHeap + 10*PageSize - 4, 16, kinds{un, un, un, un}, tHeap + 10*PageSize, nil},
			{"heap hole", tHeap + 10*PageSize, 8, kinds{un, un, un, un}, tHeap + 10*PageSize, nil},
			{"excluded page", tm.excluded + 100, 8, kinds{nd, ok, ok, ok}, tm.excluded + 100, nil},
			{"2M page with PAT", tText2M + 0x1000, 64, kinds{ok, ok, ok, ok}, 0,
				func() []byte { b, _ := tm.ReadPhys(0x201000, 64); return b }},
			{"4K NX image page", tImage4K + 0x1ff0, 32, kinds{ok, ok, ok, ok}, 0,
				func() []byte { b, _ := tm.ReadPhys(0x401ff0, 32); return b }},
			{"past the image", tImage4K + 16*PageSize - 8, 16, kinds{un, un, un, un}, tImage4K + 16*PageSize, nil},
			{"DMAP DumpAlso page", DefaultDMAPBase + tm.dumpAlso, 8, kinds{ok, ok, ok, un}, DefaultDMAPBase + tm.dumpAlso,
				func() []byte { b, _ := tm.ReadPhys(tm.dumpAlso, 8); return b }},
			{"DMAP-only page", DefaultDMAPBase + tm.dmapOnly, 8, kinds{dmapOnly, ok, ok, un}, DefaultDMAPBase + tm.dmapOnly,
				func() []byte { b, _ := tm.ReadPhys(tm.dmapOnly, 8); return b }},
			{"DMAP of excluded page", DefaultDMAPBase + tm.heapPA[20], 8, kinds{nd, ok, ok, un}, DefaultDMAPBase + tm.heapPA[20], nil},
			{"DMAP hole", DefaultDMAPBase + 0xA0000, 8, kinds{nd, nd, ok, un}, DefaultDMAPBase + 0xA0000,
				func() []byte { return make([]byte, 8) }},
			{"DMAP beyond RAM", DefaultDMAPBase + tPhys, 8, kinds{nd, nd, nd, un}, DefaultDMAPBase + tPhys, nil},
			{"DMAP next GiB", DefaultDMAPBase + Size1G, 8, kinds{nd, un, un, un}, DefaultDMAPBase + Size1G, nil},
			{"DMAP end", DefaultDMAPEnd, 8, kinds{un, un, un, un}, DefaultDMAPEnd, nil},
			{"below DMAP", DefaultDMAPBase - 8, 8, kinds{un, un, un, un}, DefaultDMAPBase - 8, nil},
			{"null", 0, 8, kinds{un, un, un, un}, 0, nil},
		}
		if with1G {
			tests = append(tests, []struct {
				name     string
				va       uint64
				n        int
				want     kinds
				failAt   uint64
				wantData func() []byte
			}{
				{"1G window, page 0", t1G, 8, kinds{ok, ok, ok, ok}, 0, func() []byte { return make([]byte, 8) }},
				{"1G window onto the 2M page", t1G + 0x200010, 8, kinds{ok, ok, ok, ok}, 0,
					func() []byte { b, _ := tm.ReadPhys(0x200010, 8); return b }},
				{"1G window, hole", t1G + 0xA0000 - 4, 8, kinds{nd, nd, ok, un}, t1G + 0xA0000, nil},
				{"1G window, beyond RAM", t1G + tPhys, 8, kinds{nd, nd, nd, un}, t1G + tPhys, nil},
				{"1G window, excluded", t1G + tm.heapPA[20], 8, kinds{nd, ok, ok, ok}, t1G + tm.heapPA[20], nil},
			}...)
		}
		formats := append(append([]dump.Format{}, minidumps...), dump.ELFFull, dump.Raw, dump.ELFVirtual)
		layouts := map[dump.Format]*Layout{}
		files := map[dump.Format][]byte{}
		for _, f := range formats {
			files[f], layouts[f] = writeBytes(t, tm.Memory, f, WriteOptions{})
		}
		for _, tc := range tests {
			for _, f := range formats {
				name := tc.name + "/" + f.String()
				if with1G {
					name = "1G/" + name
				}
				t.Run(name, func(t *testing.T) {
					want := tc.want.of(f)
					got, kind, at := tm.Expect(f, tc.va, tc.n)
					if kind != want {
						t.Fatalf("kind %v, want %v", kind, want)
					}
					if want != ok {
						if at != tc.failAt {
							t.Errorf("first failing address %#x, want %#x", at, tc.failAt)
						}
						if uint64(len(got)) != at-tc.va {
							t.Errorf("%d bytes before the fault at %#x (read at %#x)", len(got), at, tc.va)
						}
					} else if len(got) != tc.n {
						t.Errorf("%d bytes, want %d", len(got), tc.n)
					}
					if want == ok && tc.wantData != nil && !bytes.Equal(got, tc.wantData()) {
						t.Errorf("data % x, want % x", got, tc.wantData())
					}
					// The layout oracle of the written file agrees with the ideal one.
					lgot, lkind, lat := layouts[f].Expect(tc.va, tc.n)
					if lkind != kind || lat != at || !bytes.Equal(lgot, got) {
						t.Errorf("layout oracle: %v at %#x, ideal: %v at %#x", lkind, lat, kind, at)
					}
				})
			}
		}
	}
}

func TestExpectWrap(t *testing.T) {
	m := NewMemory(Config{PhysSize: 2 << 20})
	if err := m.Map4K(0xfffffffffffff000, 0x1000, PG_RW); err != nil {
		t.Fatal(err)
	}
	for _, f := range []dump.Format{dump.MinidumpV1, dump.MinidumpDragonFlyV2, dump.ELFFull, dump.ELFVirtual} {
		got, kind, at := m.Expect(f, 0xfffffffffffffff8, 16)
		if kind != un || at != 0 || len(got) != 8 {
			t.Errorf("%v: %d bytes, %v at %#x; want 8 bytes, unmapped at 0", f, len(got), kind, at)
		}
	}
}

func TestExpectPhys(t *testing.T) {
	tm := newTestMem(t, 31, false)
	tests := []struct {
		name string
		pa   uint64
		want kinds
	}{
		{"heap page", tm.heapPA[2], kinds{ok, ok, ok, un}},
		{"excluded", tm.heapPA[20], kinds{nd, ok, ok, un}},
		{"hole", 0xA0000, kinds{nd, nd, ok, un}},
		{"DMAP-only", tm.dmapOnly, kinds{nd, ok, ok, un}},
		{"beyond RAM", tPhys, kinds{nd, nd, nd, un}},
		{"page table", tm.PML4(), kinds{ok, ok, ok, un}},
	}
	for _, tc := range tests {
		for _, f := range append(append([]dump.Format{}, minidumps...), dump.ELFFull, dump.Raw, dump.ELFVirtual) {
			t.Run(tc.name+"/"+f.String(), func(t *testing.T) {
				got, kind, at := tm.ExpectPhys(f, tc.pa, 16)
				if want := tc.want.of(f); kind != want {
					t.Fatalf("kind %v, want %v", kind, want)
				}
				if kind == ok {
					want, _ := tm.ReadPhys(tc.pa, 16)
					if tc.pa == 0xA0000 {
						want = make([]byte, 16)
					}
					if !bytes.Equal(got, want) {
						t.Errorf("data differs")
					}
				} else if at != tc.pa || len(got) != 0 {
					t.Errorf("%d bytes, fault at %#x", len(got), at)
				}
			})
		}
	}
}

func TestExpectTruncated(t *testing.T) {
	tm := newTestMem(t, 37, false)
	for _, f := range append(append([]dump.Format{}, minidumps...), dump.ELFFull, dump.Raw, dump.ELFVirtual) {
		t.Run(f.String(), func(t *testing.T) {
			b, l := writeBytes(t, tm.Memory, f, WriteOptions{})
			// Cut 100 bytes into the data page of heap page 40, found from the
			// file offsets the layout reports.
			va := uint64(tHeap + 40*PageSize)
			var pageOff int64
			if f == dump.ELFVirtual {
				pageOff, _ = l.VirtOffset(va)
			} else {
				var found bool
				if pageOff, found = l.Offset(tm.heapPA[40]); !found {
					t.Fatal("heap page 40 not in the file")
				}
			}
			want, _ := tm.ReadVirt(va, PageSize)
			if !bytes.Equal(b[pageOff:pageOff+PageSize], want) {
				t.Fatal("layout offset does not hold the page's bytes")
			}
			cut := pageOff + 100
			short := Truncate(b, cut)
			if int64(len(short)) != cut || !bytes.Equal(short, b[:cut]) {
				t.Fatal("Truncate")
			}
			got, kind, at := l.ExpectTruncated(cut, va, 200)
			wantKind := tr
			if f == dump.Raw {
				wantKind = nd
			}
			// The walk needs the page-table pages too: when one of them lies past
			// the cut, the read fails at its first byte.
			if tablesPastCut(t, tm, l, va, cut) {
				if kind != wantKind || at != va || len(got) != 0 {
					t.Errorf("page table past the cut: got %d bytes, %v at %#x; want %v at %#x", len(got), kind, at, wantKind, va)
				}
				return
			}
			if kind != wantKind || at != va+100 || !bytes.Equal(got, want[:100]) {
				t.Errorf("got %d bytes, %v at %#x; want 100 bytes, %v at %#x", len(got), kind, at, wantKind, va+100)
			}
			// Uncut, the layout oracle reads everything.
			if got, kind, _ := l.ExpectTruncated(l.FileSize, va, 200); kind != ok || !bytes.Equal(got, append(want[:0:0], want[:200]...)) {
				t.Errorf("uncut read: %v", kind)
			}
		})
	}
}

// tablesPastCut reports whether a page-table page the reader of l needs for va
// (by the format's translation path, spec §3.6/§3.7/§4.5/§5.3) lies past cut.
func tablesPastCut(t *testing.T, tm *testMem, l *Layout, va uint64, cut int64) bool {
	rd := func(pa uint64) uint64 { b, _ := tm.ReadPhys(pa, 8); return le.Uint64(b) }
	pml4 := tm.PML4()
	pdp := rd(pml4+(va>>39&511)*8) & PG_FRAME
	pd := rd(pdp+(va>>30&511)*8) & PG_FRAME
	pt := rd(pd+(va>>21&511)*8) & PG_FRAME
	var need []uint64
	switch l.Format {
	case dump.ELFFull, dump.Raw:
		need = []uint64{pml4, pdp, pd, pt}
	case dump.MinidumpDragonFlyV2:
		need = []uint64{pd, pt}
	case dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3:
		need = []uint64{pt}
	}
	for _, pa := range need {
		off, found := l.Offset(pa)
		if !found {
			t.Fatalf("table page %#x not in the file", pa)
		}
		if off+PageSize > cut {
			return true
		}
	}
	return false
}

func TestCorruptHeader(t *testing.T) {
	tm := newTestMem(t, 41, false)
	for _, f := range minidumps {
		b, _ := writeBytes(t, tm.Memory, f, WriteOptions{})
		fields := []Field{FieldMsgbufSize, FieldBitmapSize, FieldPTESize}
		if f == dump.MinidumpFreeBSDV3 {
			fields = append(fields, FieldDumpAvailSize)
		}
		for _, field := range fields {
			c, err := InflateHeaderField(b, f, field)
			if err != nil {
				t.Fatalf("%v %v: %v", f, field, err)
			}
			off, width, _ := fieldAt(f, field)
			v := readField(c, hdrField{off: off, width: width})
			if v <= uint64(len(b)) || v%PageSize != 0 {
				t.Errorf("%v %v: inflated to %#x, file %d bytes", f, field, v, len(b))
			}
			if !bytes.Equal(c[:off], b[:off]) || !bytes.Equal(c[off+width:], b[off+width:]) {
				t.Errorf("%v %v: other bytes changed", f, field)
			}
		}
		if _, err := InflateHeaderField(b, dump.MinidumpV1, FieldDumpAvailSize); err == nil {
			t.Error("v1 has no dumpavailsize")
		}
	}
}

func TestPointPastRAM(t *testing.T) {
	tm := newTestMem(t, 43, true)
	vas := []uint64{tHeap + 5*PageSize, tText2M + 0x3000, tImage4K + 2*PageSize, t1G + 0x300000}
	for _, f := range append(append([]dump.Format{}, minidumps...), dump.ELFFull, dump.Raw) {
		b, l := writeBytes(t, tm.Memory, f, WriteOptions{})
		for _, va := range vas {
			c, nl, err := PointPastRAM(b, l, va)
			if err != nil {
				t.Fatalf("%v VA %#x: %v", f, va, err)
			}
			off, _, _, err := l.entryLoc(va)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b[:off], c[:off]) || !bytes.Equal(b[off+8:], c[off+8:]) || bytes.Equal(b[off:off+8], c[off:off+8]) {
				t.Fatalf("%v VA %#x: not exactly the entry at %d changed", f, va, off)
			}
			entry := le.Uint64(c[off:])
			frame := uint64(PG_FRAME)
			if entry&PG_PS != 0 && f != dump.MinidumpV1 {
				frame = PG_2MFRM // keeps the PAT bit out of the comparison
			}
			if entry&frame != PastRAM || entry&PG_V == 0 {
				t.Errorf("%v VA %#x: new entry %#x", f, va, entry)
			}
			if _, kind, fail := nl.Expect(va+8, 8); kind != nd || fail != va+8 {
				t.Errorf("%v VA %#x: %v at %#x, want not dumped", f, va, kind, fail)
			}
			if _, kind, _ := nl.Expect(tHeap+30*PageSize, 8); kind != ok {
				t.Errorf("%v: unrelated heap page %v", f, kind)
			}
			if _, kind, _ := l.Expect(va+8, 8); kind != ok {
				t.Errorf("%v: original layout changed by the helper", f)
			}
		}
	}
	b, l := writeBytes(t, tm.Memory, dump.ELFVirtual, WriteOptions{})
	if _, _, err := PointPastRAM(b, l, tHeap); err == nil {
		t.Error("ELFVirtual has no page tables: no error")
	}
}

func TestBitmapExtraBits(t *testing.T) {
	tm := newTestMem(t, 47, false)
	for _, f := range minidumps {
		t.Run(f.String(), func(t *testing.T) {
			b, l := writeBytes(t, tm.Memory, f, WriteOptions{})
			c, nl, err := BitmapExtraBits(b, l, 3)
			if err != nil {
				t.Fatal(err)
			}
			pop := 0
			for _, x := range c[l.BitmapOff : l.BitmapOff+l.BitmapLen] {
				pop += bits.OnesCount8(x)
			}
			if int64(pop) != l.NumPages+3 || nl.NumPages != l.NumPages+3 {
				t.Fatalf("%d bits, %d pages in the new layout; %d data pages", pop, nl.NumPages, l.NumPages)
			}
			past := 0
			for pa, off := range nl.Pages {
				if off >= int64(len(c)) {
					past++
					if _, kind, _ := nl.ExpectPhys(pa, 8); kind != tr {
						t.Errorf("PA %#x ranked past the end: %v", pa, kind)
					}
				}
			}
			if past != 3 {
				t.Errorf("%d pages ranked past the end, want 3", past)
			}
		})
	}
}

func TestELFCorruption(t *testing.T) {
	tm := newTestMem(t, 53, false)
	b, _ := writeBytes(t, tm.Memory, dump.ELFFull, WriteOptions{})
	if c := ELFSetPhnum(b, 0xffff); le.Uint16(c[56:]) != 0xffff || le.Uint16(b[56:]) == 0xffff {
		t.Error("ELFSetPhnum")
	}
	if c := ELFSetPhentsize(b, 7); le.Uint16(c[54:]) != 7 {
		t.Error("ELFSetPhentsize")
	}
	if c := ELFSetPhoff(b, 1<<40); le.Uint64(c[32:]) != 1<<40 {
		t.Error("ELFSetPhoff")
	}
	c, err := ELFOverlongLoad(b, 1)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(c))
	if err != nil {
		t.Fatal(err)
	}
	if p := f.Progs[1]; p.Off+p.Filesz != uint64(len(b))+1<<20 {
		t.Errorf("PT_LOAD 1 ends at %d, file %d", p.Off+p.Filesz, len(b))
	}
	if _, err := ELFOverlongLoad(b, 5); err == nil {
		t.Error("no error for a missing program header")
	}
}
