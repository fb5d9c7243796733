package symtab

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// sampleKernel is the colleague-built sample kernel, relative to this package.
const sampleKernel = "../testdata/kernels/kern-dfly2020"

// FuzzOpen opens arbitrary bytes as a kernel and, when that succeeds, exercises
// every query. Nothing may panic; failures must be *FormatError values; SymbolAt
// must agree with its linear definition.
func FuzzOpen(f *testing.F) {
	good := fixtureELF()
	f.Add(good.b)
	// A few damaged variants, so the fuzzer starts next to the interesting checks.
	for _, m := range []func(e *telf){
		func(e *telf) { e.put32(e.shdr(fxSecSymtab)+shLink, 99) },
		func(e *telf) { e.put64(e.shdr(fxSecSymtab)+shSize, 1<<40) },
		func(e *telf) { e.put32(e.offs[fxSecSymtab]+3*24, 0xffffff) },
		func(e *telf) { e.put16(ehShstrndx, 0) },
		func(e *telf) { e.put64(e.shdr(fxSecData)+shOffset, 1<<40) },
		func(e *telf) { e.put32(e.shdr(fxSecSymtab)+shType, 1) },
	} {
		e := good.clone()
		m(e)
		f.Add(e.b)
	}
	// A small table with overlapping symbols near the top of the address space.
	symtab, strtab := symtabPair(".symtab", ".strtab", tSHT_SYMTAB, 3, []tsym{
		{"a", tSTB_GLOBAL, tSTT_OBJECT, 1, 0xfffffffffffffff0, 0x20},
		{"b", tSTB_LOCAL, tSTT_FUNC, 1, 0xfffffffffffffff8, 0},
		{"_a", tSTB_WEAK, tSTT_NOTYPE, 1, 0xfffffffffffffff0, 4},
	})
	f.Add(buildELF(tET_EXEC, 0, []tsec{
		{name: ".data", typ: tSHT_PROGBITS, flags: tSHF_ALLOC | tSHF_WRITE, addr: 0xfffffffffffffff0, data: []byte("0123456789abcdef")},
		symtab, strtab,
	}).b)
	if b, err := os.ReadFile(sampleKernel); err == nil && len(b) <= 1<<20 {
		f.Add(b)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := OpenReader(bytes.NewReader(data), int64(len(data)), "fuzz")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != "fuzz" {
				t.Fatalf("error %v is not a *FormatError naming the file", err)
			}
			return
		}
		for _, n := range []string{"", "_", "_allproc", "allproc", "kernbase", "_procglob", "dup", "_both"} {
			tab.Lookup(n)
			tab.LookupAll(n)
		}
		tab.Nlist("_nprocs", "_procglob", "_allproc_hsize")
		tab.Version()
		tab.OSType()
		tab.OSRelease()
		for _, s := range tab.Sections() {
			tab.ReadData(s.Addr, 16)
			tab.ReadData(s.Addr+s.Size-1, 2)
		}
		syms := tab.Symbols()
		if len(syms) > 2000 {
			syms = syms[:2000]
		}
		for _, s := range syms {
			if s.Name != "" {
				got, ok := tab.Lookup(s.Name)
				if !ok || got.Index < s.Index || (got.Name != s.Name && "_"+got.Name != s.Name) {
					t.Fatalf("Lookup(%q) = %q (index %d), %v; symbol %d should match", s.Name, got.Name, got.Index, ok, s.Index)
				}
				tab.CString(s.Name, 64)
			}
			for _, a := range []uint64{s.Value - 1, s.Value, s.Value + 1, s.Value + s.Size - 1, s.Value + s.Size} {
				checkSymbolAt(t, tab, a)
				tab.Symbolize(a)
			}
			tab.ReadData(s.Value, int(min(s.Size, 64)))
		}
	})
}
