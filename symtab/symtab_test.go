package symtab

import (
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fxWantNType is the n_type nlist gives each fixture symbol, by symbol-table index,
// worked out by hand from elf_sym_to_nlist.
var fxWantNType = []NType{
	0:  NUndf,        // null symbol: SHN_UNDEF, local
	1:  NFn,          // kern_proc.c: STT_FILE under SHN_ABS
	2:  NData,        // section symbol of .data, local
	3:  NBss,         // procglob: .bss, local
	4:  NText,        // helper: .text, local
	5:  NData,        // dup (local)
	6:  NData,        // both
	7:  NData,        // inner
	8:  NData,        // data_label
	9:  NData,        // label_in_big
	10: NText,        // local_at_start
	11: NAbs | NExt,  // kernbase
	12: NText | NExt, // btext
	13: NText | NExt, // mi_startup
	14: NData | NExt, // version
	15: NData | NExt, // ostype
	16: NData | NExt, // osrelease
	17: NData | NExt, // allproc_hsize
	18: NData | NExt, // weak_sym (weak counts as external)
	19: NBss | NExt,  // nprocs
	20: NData | NExt, // dup (global)
	21: NData | NExt, // _both
	22: NData | NExt, // _underscored
	23: NUndf | NExt, // undef_sym: SHN_UNDEF
	24: NUndf | NExt, // common_sym: SHN_COMMON
	25: NText | NExt, // const_tab: read-only PROGBITS
	26: NUndf | NExt, // bad_shndx: index past e_shnum
	27: NData | NExt, // big_obj
	28: NText | NExt, // comment_sym: .comment is PROGBITS without SHF_WRITE
	29: NData | NExt, // noterm
	30: NData | NExt, // allproc
	31: NData | NExt, // edata
	32: NText | NExt, // weak_alias
	33: NText | NExt, // strong_fn
	34: NData | NExt, // version_ptr
}

// fxWant returns the Symbol expected for fixture symbol-table index i.
func fxWant(i int) Symbol {
	if i == 0 {
		return Symbol{}
	}
	s := fxSyms[i-1]
	return Symbol{
		Name:    s.name,
		Value:   s.value,
		Size:    s.size,
		Type:    elf.SymType(s.typ),
		Bind:    elf.SymBind(s.bind),
		Section: elf.SectionIndex(s.shndx),
		NType:   fxWantNType[i],
		Index:   i,
	}
}

func openFixture(t testing.TB) *Table {
	t.Helper()
	b := fixtureELF().b
	tab, err := OpenReader(bytes.NewReader(b), int64(len(b)), "kern.fixture")
	if err != nil {
		t.Fatalf("OpenReader(fixture): %v", err)
	}
	return tab
}

func TestOpenFixture(t *testing.T) {
	tab := openFixture(t)
	wantHdr := FileHeader{
		Class:   elf.ELFCLASS64,
		Data:    elf.ELFDATA2LSB,
		OSABI:   elf.ELFOSABI_NONE,
		Type:    elf.ET_EXEC,
		Machine: elf.EM_X86_64,
		Entry:   fxText,
	}
	if diff := cmp.Diff(wantHdr, tab.Header()); diff != "" {
		t.Errorf("Header() mismatch (-want +got):\n%s", diff)
	}
	if got := tab.Arch(); got != "amd64" {
		t.Errorf("Arch() = %q, want amd64", got)
	}
	if got := tab.Path(); got != "kern.fixture" {
		t.Errorf("Path() = %q, want kern.fixture", got)
	}
	if got, want := tab.Len(), len(fxSyms)+1; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if got := tab.SymtabSection(); got.Name != ".symtab" || got.Index != fxSecSymtab {
		t.Errorf("SymtabSection() = %d %q, want %d .symtab", got.Index, got.Name, fxSecSymtab)
	}
	if w := tab.Warnings(); len(w) != 0 {
		t.Errorf("Warnings() = %q, want none", w)
	}
	wantNames := []string{"", ".text", ".rodata", ".data", ".bss", ".comment", ".dynsym", ".dynstr", ".symtab", ".strtab", ".symtab.second", ".strtab.second", ".shstrtab"}
	var gotNames []string
	for _, s := range tab.Sections() {
		gotNames = append(gotNames, s.Name)
	}
	if diff := cmp.Diff(wantNames, gotNames); diff != "" {
		t.Errorf("section names mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Section{Index: fxSecData, Name: ".data", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE,
		Addr: fxData, Offset: fixtureELF().offs[fxSecData], Size: 0x500, Addralign: 16}, tab.Sections()[fxSecData]); diff != "" {
		t.Errorf(".data section mismatch (-want +got):\n%s", diff)
	}
}

func TestSymbolsNType(t *testing.T) {
	tab := openFixture(t)
	var want []Symbol
	for i := 0; i <= len(fxSyms); i++ {
		want = append(want, fxWant(i))
	}
	if diff := cmp.Diff(want, tab.Symbols()); diff != "" {
		t.Errorf("Symbols() mismatch (-want +got):\n%s", diff)
	}
}

func TestLookup(t *testing.T) {
	tab := openFixture(t)
	tests := []struct {
		name  string
		query string
		want  int // symbol-table index, or -1 for not found
	}{
		{"underscore stripped", "_allproc", 30},
		{"plain name", "allproc", 30},
		{"static symbol matches", "_procglob", 3},
		{"static symbol plain", "procglob", 3},
		{"absolute symbol", "kernbase", 11},
		{"absolute via underscore", "_kernbase", 11},
		{"only one underscore stripped", "__allproc", -1},
		{"last duplicate wins", "dup", 20},
		{"last duplicate wins with underscore", "_dup", 20},
		{"symbol spelled with underscore beats earlier plain one", "_both", 21},
		{"plain query does not match underscored symbol", "both", 6},
		{"double underscore finds single underscore symbol", "__both", 21},
		{"underscored symbol by its own name", "_underscored", 22},
		{"underscored symbol with one more underscore", "__underscored", 22},
		{"plain name never gains an underscore", "underscored", -1},
		{"weak symbol", "weak_sym", 18},
		{"undefined symbol is still a symbol", "undef_sym", 23},
		{"common symbol", "common_sym", 24},
		{"file symbol", "kern_proc.c", 1},
		{"dynsym is not searched", "onlydyn", -1},
		{"second symtab is not searched", "second_only", -1},
		{"first symtab value, not the second's", "_allproc", 30},
		{"empty name never matches", "", -1},
		{"lone underscore never matches the empty section symbol", "_", -1},
		{"missing", "nosuch", -1},
		{"case sensitive", "Allproc", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tab.Lookup(tt.query)
			if tt.want < 0 {
				if ok {
					t.Errorf("Lookup(%q) = %+v, want not found", tt.query, got)
				}
				return
			}
			if !ok {
				t.Fatalf("Lookup(%q) not found, want symbol %d", tt.query, tt.want)
			}
			if diff := cmp.Diff(fxWant(tt.want), got); diff != "" {
				t.Errorf("Lookup(%q) mismatch (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

func TestLookupAll(t *testing.T) {
	tab := openFixture(t)
	tests := []struct {
		query string
		want  []int
	}{
		{"dup", []int{5, 20}},
		{"_dup", []int{5, 20}},
		{"_both", []int{6, 21}},
		{"both", []int{6}},
		{"version", []int{14}},
		{"_version", []int{14}},
		{"nosuch", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var want []Symbol
			for _, i := range tt.want {
				want = append(want, fxWant(i))
			}
			if diff := cmp.Diff(want, tab.LookupAll(tt.query)); diff != "" {
				t.Errorf("LookupAll(%q) mismatch (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

func TestNlist(t *testing.T) {
	tab := openFixture(t)
	names := []string{"_nprocs", "_procglob", "_nosuch", "_allproc_hsize", "kernbase", "onlydyn", "_dup", "_allproc"}
	syms, missing := tab.Nlist(names...)
	wantSyms := []Symbol{fxWant(19), fxWant(3), {}, fxWant(17), fxWant(11), {}, fxWant(20), fxWant(30)}
	if diff := cmp.Diff(wantSyms, syms); diff != "" {
		t.Errorf("Nlist symbols mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"_nosuch", "onlydyn"}, missing); diff != "" {
		t.Errorf("Nlist missing mismatch (-want +got):\n%s", diff)
	}
	syms, missing = tab.Nlist()
	if len(syms) != 0 || missing != nil {
		t.Errorf("Nlist() = %v, %v; want empty", syms, missing)
	}
}

func TestResolver(t *testing.T) {
	res := openFixture(t).Resolver()
	type result struct {
		V  uint64
		OK bool
	}
	for _, tt := range []struct {
		name string
		want result
	}{
		{"kernbase", result{fxKernbase, true}},
		{"_procglob", result{fxBss, true}},
		{"dumppcb", result{0, false}},
	} {
		v, ok := res(tt.name)
		if diff := cmp.Diff(tt.want, result{v, ok}); diff != "" {
			t.Errorf("Resolver()(%q) mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestSymbolize(t *testing.T) {
	tab := openFixture(t)
	tests := []struct {
		name string
		addr uint64
		want string // "" for not found
	}{
		{"global function beats local function and label at same address", fxText, "mi_startup"},
		{"inside function", fxText + 0x8, "mi_startup+0x8"},
		{"last byte of function", fxText + 0x3f, "mi_startup+0x3f"},
		{"next function", fxText + 0x40, "helper"},
		{"local function", fxText + 0x5f, "helper+0x1f"},
		{"gap after function end", fxText + 0x60, ""},
		{"global beats weak at same address", fxText + 0x84, "strong_fn+0x4"},
		{"past both aliases", fxText + 0x90, ""},
		{"object at section start, section symbol ignored", fxData, "version"},
		{"last byte of object", fxData + 0x7f, "version+0x7f"},
		{"object", fxData + 0xa2, "allproc_hsize+0x2"},
		{"weak object", fxData + 0xa8, "weak_sym"},
		{"underscored object", fxData + 0x118, "_both"},
		{"zero-size label matches its address", fxData + 0x300, "data_label"},
		{"zero-size label matches nothing past it", fxData + 0x301, ""},
		{"nested object wins inside it", fxData + 0x418, "inner+0x8"},
		{"enclosing object after nested one", fxData + 0x420, "big_obj+0x20"},
		{"label inside object at its address", fxData + 0x440, "label_in_big"},
		{"enclosing object just after label", fxData + 0x441, "big_obj+0x41"},
		{"overlapping objects: greater value wins", fxData + 0x4ff, "version_ptr+0x7"},
		{"zero-size label beats overlapping object with lower value", fxData + 0x500, "edata"},
		{"overlapping object after label", fxData + 0x501, "version_ptr+0x9"},
		{"end of overlapping object", fxData + 0x508, ""},
		{"bss object", fxBss + 0x10, "procglob+0x10"},
		{"bss object at start", fxBss + 0x4000, "nprocs"},
		{"bss after objects", fxBss + 0x4004, ""},
		{"read-only data", fxRodata + 4, "const_tab+0x4"},
		{"absolute symbols are not places", fxKernbase, ""},
		{"common symbol ignored", 0x10, ""},
		{"bad section index ignored", 0x1234, ""},
		{"non-allocated section ignored", 0, ""},
		{"top of address space", 0xffffffffffffffff, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tab.Symbolize(tt.addr)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("Symbolize(%#x) = %q, %v; want %q", tt.addr, got, ok, tt.want)
			}
		})
	}
}

// TestSymbolizeEdges covers address-space extremes and empty tables with small
// hand-built symbol tables.
func TestSymbolizeEdges(t *testing.T) {
	const top = 0xffffffffffffffff
	tests := []struct {
		name string
		syms []tsym
		addr uint64
		want string
	}{
		{"symbol reaching the top", []tsym{{"hi", tSTB_GLOBAL, tSTT_OBJECT, 1, top - 0xf, 0x10}}, top, "hi+0xf"},
		{"size overflowing the address space is clamped", []tsym{{"huge", tSTB_GLOBAL, tSTT_OBJECT, 1, top - 0xf, 0x100}}, top, "huge+0xf"},
		{"zero-size symbol at the top", []tsym{{"last", tSTB_GLOBAL, tSTT_NOTYPE, 1, top, 0}}, top, "last"},
		{"symbol at zero", []tsym{{"zero", tSTB_GLOBAL, tSTT_OBJECT, 1, 0, 4}}, 3, "zero+0x3"},
		{"no symbols", nil, 0x1000, ""},
		{"names break ties", []tsym{{"b", tSTB_GLOBAL, tSTT_OBJECT, 1, 0x100, 4}, {"a", tSTB_GLOBAL, tSTT_OBJECT, 1, 0x100, 4}}, 0x100, "a"},
		{"local object beats global label", []tsym{{"lbl", tSTB_GLOBAL, tSTT_NOTYPE, 1, 0x100, 0}, {"obj", tSTB_LOCAL, tSTT_OBJECT, 1, 0x100, 4}}, 0x100, "obj"},
		{"TLS and section symbols ignored", []tsym{{"sec", tSTB_LOCAL, tSTT_SECTION, 1, 0x100, 4}, {"tls", tSTB_GLOBAL, 6, 1, 0x100, 4}}, 0x100, ""},
		{"shorter preferred symbol then longer one", []tsym{{"long", tSTB_LOCAL, tSTT_OBJECT, 1, 0x100, 0x10}, {"short", tSTB_GLOBAL, tSTT_OBJECT, 1, 0x100, 4}}, 0x108, "long+0x8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			symtab, strtab := symtabPair(".symtab", ".strtab", tSHT_SYMTAB, 3, tt.syms)
			e := buildELF(tET_EXEC, 0, []tsec{
				{name: ".data", typ: tSHT_NOBITS, flags: tSHF_ALLOC | tSHF_WRITE, addr: 0, size: top},
				symtab, strtab,
			})
			tab, err := OpenReader(bytes.NewReader(e.b), int64(len(e.b)), "edge")
			if err != nil {
				t.Fatal(err)
			}
			got, ok := tab.Symbolize(tt.addr)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("Symbolize(%#x) = %q, %v; want %q", tt.addr, got, ok, tt.want)
			}
		})
	}
}

func TestSymbolAt(t *testing.T) {
	tab := openFixture(t)
	type result struct {
		Sym Symbol
		Off uint64
		OK  bool
	}
	sym, off, ok := tab.SymbolAt(fxData + 0x418)
	if diff := cmp.Diff(result{fxWant(7), 8, true}, result{sym, off, ok}); diff != "" {
		t.Errorf("SymbolAt mismatch (-want +got):\n%s", diff)
	}
}

func TestReadData(t *testing.T) {
	tab := openFixture(t)
	tests := []struct {
		name    string
		addr    uint64
		n       int
		want    []byte
		wantErr error
	}{
		{"start of version", fxData, 9, []byte("DragonFly"), nil},
		{"int in .data", fxData + 0xa0, 4, []byte{0, 1, 0, 0}, nil},
		{"read-only data", fxRodata, 16, []byte("const_tab_bytes\x00"), nil},
		{"text", fxText + 0xfe, 2, []byte{0xcc, 0xcc}, nil},
		{"last bytes of .data", fxData + 0x4fc, 4, []byte("xxxx"), nil},
		{"zero length", fxData, 0, []byte{}, nil},
		{"allocated non-PROGBITS section with contents", fxDyn, 4, []byte{0, 0, 0, 0}, nil},
		{"runs past the end of .data", fxData + 0x4fc, 5, nil, ErrNotInFile},
		{".bss has no bytes in the file", fxBss + 8, 8, nil, ErrNoBits},
		{"absolute address outside sections", fxKernbase, 1, nil, ErrNotInFile},
		{"non-allocated section is not addressable", 0, 4, nil, ErrNotInFile},
		{"just past .data", fxData + 0x500, 1, nil, ErrNotInFile},
		{"negative length", fxData, -1, nil, ErrNotInFile},
		{"huge length", fxData, 1 << 30, nil, ErrNotInFile},
		{"top of address space", 0xffffffffffffffff, 1, nil, ErrNotInFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tab.ReadData(tt.addr, tt.n)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ReadData(%#x, %d) error = %v, want %v", tt.addr, tt.n, err, tt.wantErr)
				}
				var ae *AddrError
				if !errors.As(err, &ae) || ae.Addr != tt.addr {
					t.Errorf("ReadData error %v is not an *AddrError for %#x", err, tt.addr)
				}
				if !strings.HasPrefix(err.Error(), "kern.fixture: address ") {
					t.Errorf("error %q does not name the file and address", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadData(%#x, %d): %v", tt.addr, tt.n, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadData(%#x, %d) mismatch (-want +got):\n%s", tt.addr, tt.n, diff)
			}
		})
	}
}

func TestCString(t *testing.T) {
	tab := openFixture(t)
	tests := []struct {
		name    string
		sym     string
		max     int
		want    string
		wantErr error
	}{
		{"version keeps its newline", "version", 4096, fxVersion, nil},
		{"nlist-style name", "_version", 4096, fxVersion, nil},
		{"ostype", "ostype", 64, fxOSType, nil},
		{"bounded by max", "ostype", 4, "Drag", nil},
		{"max zero", "ostype", 0, "", nil},
		{"no NUL within the symbol's size", "noterm", 100, "", ErrMalformed},
		{"max below the symbol's size", "noterm", 2, "AB", nil},
		{"no NUL before the section end", "version_ptr", 100, "", ErrMalformed},
		{"bss string", "procglob", 16, "", ErrNoBits},
		{"absolute symbol", "kernbase", 16, "", ErrNotInFile},
		{"missing symbol", "nosuch", 16, "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tab.CString(tt.sym, tt.max)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("CString(%q, %d) = %q, %v; want error %v", tt.sym, tt.max, got, err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "kern.fixture: ") {
					t.Errorf("error %q does not start with the file name", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("CString(%q, %d) = %q, %v; want %q", tt.sym, tt.max, got, err, tt.want)
			}
		})
	}
}

func TestVersionStrings(t *testing.T) {
	tab := openFixture(t)
	type strs struct{ Version, First, OSType, OSRelease string }
	var got strs
	var err error
	if got.Version, err = tab.Version(); err != nil {
		t.Fatal(err)
	}
	got.First = FirstLine(got.Version)
	if got.OSType, err = tab.OSType(); err != nil {
		t.Fatal(err)
	}
	if got.OSRelease, err = tab.OSRelease(); err != nil {
		t.Fatal(err)
	}
	want := strs{
		Version:   fxVersion,
		First:     "DragonFly v5.8.3-RELEASE #0: Tue Nov 10 12:00:00 UTC 2020",
		OSType:    "DragonFly",
		OSRelease: "5.8-RELEASE",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("version strings mismatch (-want +got):\n%s", diff)
	}
	if got := FirstLine("no newline"); got != "no newline" {
		t.Errorf("FirstLine(no newline) = %q", got)
	}
}

func TestOpenFileAndClose(t *testing.T) {
	path := writeTemp(t, "kern.0", fixtureELF().b)
	tab, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Path() != path {
		t.Errorf("Path() = %q, want %q", tab.Path(), path)
	}
	if v, err := tab.OSType(); err != nil || v != fxOSType {
		t.Errorf("OSType() = %q, %v", v, err)
	}
	if err := tab.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := tab.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, ok := tab.Lookup("_allproc"); !ok {
		t.Error("Lookup after Close failed")
	}
	if _, err := tab.ReadData(fxData, 4); !errors.Is(err, os.ErrClosed) {
		t.Errorf("ReadData after Close: err = %v, want os.ErrClosed", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir + "/missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want ErrNotExist", err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open(dir) = %v, want 'not a regular file'", err)
	}
}

func TestNTypeString(t *testing.T) {
	for _, tt := range []struct {
		t    NType
		want string
	}{
		{NUndf, "N_UNDF"},
		{NUndf | NExt, "N_UNDF|N_EXT"},
		{NAbs | NExt, "N_ABS|N_EXT"},
		{NText, "N_TEXT"},
		{NData | NExt, "N_DATA|N_EXT"},
		{NBss, "N_BSS"},
		{NFn, "N_FN"},
		{0x10, "0x10"},
	} {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("NType(%#x).String() = %q, want %q", uint8(tt.t), got, tt.want)
		}
	}
}

// TestDynamicAndBadShstrtab checks that ET_DYN images open (PIE kernels), and that a
// broken section name table only costs names.
func TestDynamicAndBadShstrtab(t *testing.T) {
	e := fixtureELF()
	e.put16(ehType, tET_DYN)
	e.put16(ehShstrndx, 200)
	tab, err := OpenReader(bytes.NewReader(e.b), int64(len(e.b)), "kern.dyn")
	if err != nil {
		t.Fatal(err)
	}
	if tab.Header().Type != elf.ET_DYN {
		t.Errorf("Type = %v, want ET_DYN", tab.Header().Type)
	}
	if diff := cmp.Diff([]string{"kern.dyn: e_shstrndx 200 is not below e_shnum 13: section names are unavailable"}, tab.Warnings()); diff != "" {
		t.Errorf("Warnings mismatch (-want +got):\n%s", diff)
	}
	if s, ok := tab.Lookup("_allproc"); !ok || s.Value != fxData+0x1a0 {
		t.Errorf("Lookup(_allproc) = %+v, %v", s, ok)
	}
	if _, err := tab.ReadData(fxBss, 4); err == nil || !strings.Contains(err.Error(), "section 4 (SHT_NOBITS)") {
		t.Errorf("ReadData(.bss) error %v should name the section by index", err)
	}
}

// TestConcurrentUse runs queries from several goroutines on a fresh table, so the
// race detector sees the lazily built address index (go test -race).
func TestConcurrentUse(t *testing.T) {
	tab := openFixture(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got, _ := tab.Symbolize(fxText + 8); got != "mi_startup+0x8" {
				t.Errorf("Symbolize = %q", got)
			}
			if _, ok := tab.Lookup("_procglob"); !ok {
				t.Error("Lookup(_procglob) failed")
			}
			if v, err := tab.OSType(); err != nil || v != fxOSType {
				t.Errorf("OSType() = %q, %v", v, err)
			}
		})
	}
	wg.Wait()
}
