package walk

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/symtab"
)

const kernels = "../testdata/kernels/"

// imageReader serves the kernel file's initialized data as if it were the
// core: what a dump taken right after boot holds for .data.
type imageReader struct{ t *symtab.Table }

func (r imageReader) ReadAt(p []byte, a dump.Addr) (int, error) {
	if b, err := r.t.ReadData(uint64(a), len(p)); err == nil {
		return copy(p, b), nil
	}
	for i := range p { // a range that runs out of the section: byte by byte
		b, err := r.t.ReadData(uint64(a)+uint64(i), 1)
		if err != nil {
			return i, &dump.FaultError{Addr: a + dump.Addr(i), Len: len(p) - i, Kind: dump.Unmapped, Detail: err.Error()}
		}
		p[i] = b[0]
	}
	return len(p), nil
}

func openKernel(t testing.TB, name string) (*symtab.Table, *structs.Layouts, *structs.Decoder) {
	t.Helper()
	tab, err := symtab.Open(kernels + name)
	if err != nil {
		t.Fatal(err)
	}
	lay, err := structs.Open(kernels + name)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := structs.NewDecoder(lay)
	if err != nil {
		t.Fatal(err)
	}
	return tab, lay, dec
}

func sym(t *testing.T, tab *symtab.Table, name string) dump.Addr {
	t.Helper()
	s, ok := tab.Lookup(name)
	if !ok {
		t.Fatalf("no symbol %s", name)
	}
	return dump.Addr(s.Value)
}

func TestDetectEraSampleKernels(t *testing.T) {
	type summary struct {
		ProcList   ProcList
		LWPs       LWPContainer
		NHeads     int
		First      Head
		Last       Head
		HashSize   int
		VMSegBytes bool
		BuildDate  string
	}
	// Head addresses: spec §9.3 (allprocs + 8n) and §10.14 (procglob +
	// 64n + 32 in 2020; 2020opt from its own DWARF, read through Layout).
	tests := []struct {
		kernel string
		want   func(t *testing.T, tab *symtab.Table, lay *structs.Layouts) summary
	}{
		{"kern-dfly2007", func(t *testing.T, tab *symtab.Table, _ *structs.Layouts) summary {
			return summary{AllprocZombproc, LWPList, 2, Head{"allproc", sym(t, tab, "allproc")}, Head{"zombproc", sym(t, tab, "zombproc")}, 0, false, "2007-05-08"}
		}},
		{"kern-dfly2009", func(t *testing.T, tab *symtab.Table, _ *structs.Layouts) summary {
			return summary{AllprocZombproc, LWPTree, 2, Head{"allproc", sym(t, tab, "allproc")}, Head{"zombproc", sym(t, tab, "zombproc")}, 0, false, "2011-04-26"}
		}},
		{"kern-dfly2014", func(t *testing.T, tab *symtab.Table, _ *structs.Layouts) summary {
			a := sym(t, tab, "allprocs")
			return summary{Allprocs, LWPTree, 256, Head{"allprocs[0]", a}, Head{"allprocs[255]", a + 8*255}, 256, false, "2016-08-02"}
		}},
		{"kern-dfly2020", func(t *testing.T, tab *symtab.Table, _ *structs.Layouts) summary {
			a := sym(t, tab, "procglob")
			return summary{Procglob, LWPTree, 256, Head{"procglob[0].allproc", a + 32}, Head{"procglob[255].allproc", a + 64*255 + 32}, 256, true, "2020-07-24"}
		}},
		{"kern-dfly2020opt", func(t *testing.T, tab *symtab.Table, lay *structs.Layouts) summary {
			a := sym(t, tab, "procglob")
			pg, err := lay.Layout("procglob")
			if err != nil {
				t.Fatal(err)
			}
			off, err := pg.Offset("allproc")
			if err != nil {
				t.Fatal(err)
			}
			return summary{Procglob, LWPTree, 256, Head{"procglob[0].allproc", a + dump.Addr(off)},
				Head{"procglob[255].allproc", a + dump.Addr(255*pg.Size+off)}, 256, true, "2020-07-24"}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.kernel, func(t *testing.T) {
			tab, lay, dec := openKernel(t, tc.kernel)
			era, err := DetectEra(tab, dec, imageReader{tab}, "")
			if err != nil {
				t.Fatal(err)
			}
			got := summary{era.ProcList, era.LWPs, len(era.Heads), era.Heads[0], era.Heads[len(era.Heads)-1],
				era.HashSize, era.VMSegBytes, era.BuildDate.Format("2006-01-02")}
			if diff := cmp.Diff(tc.want(t, tab, lay), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(era.Anomalies) != 0 {
				t.Errorf("anomalies: %v", era.Anomalies)
			}
		})
	}
}

// fakeSyms is a symbol table of a few symbols; with data set it can also
// read the kernel file's initial allproc_hsize.
type fakeSyms map[string]symtab.Symbol

func (s fakeSyms) Lookup(name string) (symtab.Symbol, bool) { v, ok := s[name]; return v, ok }

type fakeSymsData struct {
	fakeSyms
	hsize uint32
}

func (s fakeSymsData) ReadData(addr uint64, n int) ([]byte, error) {
	if addr != s.fakeSyms["allproc_hsize"].Value || n != 4 {
		return nil, errors.New("not in the file")
	}
	return []byte{byte(s.hsize), byte(s.hsize >> 8), byte(s.hsize >> 16), byte(s.hsize >> 24)}, nil
}

func TestDetectEraHashSize(t *testing.T) {
	_, _, dec := openKernel(t, "kern-dfly2020")
	tests := []struct {
		name      string
		hsize     int64 // -1: unreadable
		arraySize uint64
		fileHsize uint32 // the kernel file's value, 0: syms cannot read data
		wantHeads int
		wantHsize int
		wantAn    []Kind
		wantErr   bool
	}{
		{name: "as built", hsize: 256, arraySize: 256 * 64, wantHeads: 256, wantHsize: 256},
		{name: "larger than the array", hsize: 100000, arraySize: 256 * 64, wantHeads: 256, wantHsize: 100000, wantAn: []Kind{Limit}},
		{name: "smaller than the array", hsize: 16, arraySize: 256 * 64, wantHeads: 256, wantHsize: 16, wantAn: []Kind{Limit}},
		{name: "negative, array known", hsize: -3, arraySize: 256 * 64, wantHeads: 256, wantHsize: -3, wantAn: []Kind{Limit}},
		{name: "array size unknown", hsize: 100, wantHeads: 100, wantHsize: 100},
		{name: "array size unknown, huge", hsize: 1 << 24, wantHeads: MaxHashSize, wantHsize: 1 << 24, wantAn: []Kind{Limit}},
		{name: "array size unknown, zero", hsize: 0, wantErr: true},
		{name: "huge array symbol", hsize: 1 << 20, arraySize: 64 << 20, wantHeads: MaxHashSize, wantHsize: 1 << 20, wantAn: []Kind{Limit}},
		{name: "unreadable, array known", hsize: -1, arraySize: 256 * 64, wantHeads: 256, wantAn: []Kind{Fault}},
		{name: "unreadable, from the kernel file", hsize: -1, fileHsize: 128, wantHeads: 128, wantHsize: 128, wantAn: []Kind{Fault, Fault}},
		{name: "unreadable, nothing else", hsize: -1, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newFakeMem()
			pg := m.alloc(256*64, 64)
			hs := m.alloc(8, 8)
			if tc.hsize >= 0 || tc.hsize < -1 {
				m.putU32(hs, uint32(int32(tc.hsize)))
			} else {
				m.unmap(hs)
			}
			syms := fakeSyms{
				"procglob":      {Name: "procglob", Value: uint64(pg), Size: tc.arraySize},
				"allproc_hsize": {Name: "allproc_hsize", Value: uint64(hs), Size: 4},
			}
			var s Symbols = syms
			if tc.fileHsize != 0 {
				s = fakeSymsData{syms, tc.fileHsize}
			}
			era, err := DetectEra(s, dec, m, "DragonFly v5.8.0-RELEASE #0: Sun Mar  1 12:00:00 UTC 2020")
			if tc.wantErr {
				if err == nil || !errors.Is(err, ErrNoProcList) {
					t.Fatalf("err = %v, want ErrNoProcList", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kinds []Kind
			for _, a := range era.Anomalies {
				kinds = append(kinds, a.Kind)
			}
			if len(era.Heads) != tc.wantHeads || era.HashSize != tc.wantHsize || !cmp.Equal(tc.wantAn, kinds) {
				t.Errorf("heads %d hsize %d anomalies %v; want %d, %d, %v", len(era.Heads), era.HashSize, era.Anomalies, tc.wantHeads, tc.wantHsize, tc.wantAn)
			}
			if last := era.Heads[len(era.Heads)-1]; last.Addr != pg+dump.Addr(64*(tc.wantHeads-1)+32) {
				t.Errorf("last head %v, want procglob + 64*%d + 32", last, tc.wantHeads-1)
			}
		})
	}
}

func TestDetectEraUnknown(t *testing.T) {
	_, _, dec2014 := openKernel(t, "kern-dfly2014")
	tests := []struct {
		name  string
		syms  fakeSyms
		wants []string
	}{
		{
			name:  "no symbols",
			syms:  fakeSyms{},
			wants: []string{"looked for symbols procglob+allproc_hsize (with struct procglob.allproc), allprocs+allproc_hsize, allproc+zombproc", "found none of them"},
		},
		{
			name:  "procglob without its struct",
			syms:  fakeSyms{"procglob": {Value: 0xffffffff80300000}, "allproc_hsize": {Value: 0xffffffff80300100}},
			wants: []string{"found allproc_hsize, procglob, (no struct procglob with member allproc in the layouts)"},
		},
		{
			name:  "allproc without zombproc",
			syms:  fakeSyms{"allproc": {Value: 0xffffffff80300000}},
			wants: []string{"found allproc"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DetectEra(tc.syms, dec2014, newFakeMem(), "")
			if !errors.Is(err, ErrNoProcList) {
				t.Fatalf("err = %v, want ErrNoProcList", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestBuildDate(t *testing.T) {
	tests := []struct {
		version string
		want    string // "" when no date
	}{
		{"DragonFly v5.9.0.733.gf875a8-DEVELOPMENT #0: Fri Jul 24 18:41:07 PDT 2020\n    root@x:/usr/obj/sys/X86_64_GENERIC\n", "2020-07-24"},
		{"DragonFly 1.9.0-DEVELOPMENT #4: Tue May  8 21:14:33 PDT 2007\n", "2007-05-08"},
		{"DragonFly v5.4.1-RELEASE #1: Sat Feb 16 00:10:00 2019", "2019-02-16"},
		{"DragonFly v5.4.1-RELEASE #1: Fri Feb 15 23:59:59 UTC 2019", "2019-02-15"},
		{"DragonFly v6.4.0-RELEASE", ""},
		{"", ""},
		{"Fri Feb 31 00:00:00 UTC 2019", ""},
	}
	for _, tc := range tests {
		d, ok := BuildDate(tc.version)
		got := ""
		if ok {
			got = d.Format(time.DateOnly)
		}
		if got != tc.want {
			t.Errorf("BuildDate(%q) = %q, want %q", tc.version, got, tc.want)
		}
	}
}

func TestDetectEraVMSegBytes(t *testing.T) {
	_, _, dec := openKernel(t, "kern-dfly2014")
	m := newFakeMem()
	arr, hs := m.alloc(2048, 8), m.alloc(8, 8)
	m.putU32(hs, 256)
	syms := fakeSyms{"allprocs": {Value: uint64(arr), Size: 2048}, "allproc_hsize": {Value: uint64(hs)}}
	for _, tc := range []struct {
		version string
		want    bool
	}{
		{"DragonFly v5.4.1-RELEASE #1: Sat Feb 16 00:10:00 PST 2019", true},
		{"DragonFly v5.4.0-RELEASE #1: Mon Dec  3 10:00:00 PST 2018", false},
		{"no date here", false}, // allprocs era: pages
	} {
		era, err := DetectEra(syms, dec, m, tc.version)
		if err != nil {
			t.Fatal(err)
		}
		if era.VMSegBytes != tc.want {
			t.Errorf("%q: VMSegBytes %v, want %v", tc.version, era.VMSegBytes, tc.want)
		}
	}
}
