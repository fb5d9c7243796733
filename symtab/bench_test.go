package symtab

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// synthetic builds a kernel-sized symbol table: n symbols (a DragonFly 2020 GENERIC
// kernel has about 50,000), functions in .text and objects in .data, a third of
// them local, some sharing addresses.
func synthetic(n int) (b []byte, names []string, addrs []uint64) {
	const text, data = 0xffffffff80200000, 0xffffffff81000000
	syms := make([]tsym, 0, n)
	var locals, globals []tsym
	for i := range n {
		s := tsym{name: fmt.Sprintf("kernel_symbol_%06d", i), bind: tSTB_GLOBAL}
		if i%3 == 0 {
			s.bind = tSTB_LOCAL
		}
		if i%2 == 0 {
			s.typ, s.shndx, s.value, s.size = tSTT_FUNC, 1, text+uint64(i)*0x40, 0x30
		} else {
			s.typ, s.shndx, s.value, s.size = tSTT_OBJECT, 2, data+uint64(i)*0x10, 8
		}
		if i%97 == 0 {
			s.typ, s.size = tSTT_NOTYPE, 0
		}
		if s.bind == tSTB_LOCAL {
			locals = append(locals, s)
		} else {
			globals = append(globals, s)
		}
		names = append(names, "_"+s.name)
		addrs = append(addrs, s.value+4)
	}
	syms = append(append(syms, locals...), globals...)
	symtab, strtab := symtabPair(".symtab", ".strtab", tSHT_SYMTAB, 4, syms)
	e := buildELF(tET_EXEC, text, []tsec{
		{name: ".text", typ: tSHT_NOBITS, flags: tSHF_ALLOC | tSHF_EXEC, addr: text, size: uint64(n) * 0x40},
		{name: ".data", typ: tSHT_NOBITS, flags: tSHF_ALLOC | tSHF_WRITE, addr: data, size: uint64(n) * 0x10},
		symtab, strtab,
	})
	return e.b, names, addrs
}

func BenchmarkOpen(b *testing.B) {
	syn, _, _ := synthetic(50000)
	b.Run("synthetic-50k", func(b *testing.B) {
		p := writeTemp(b, "kern.syn", syn)
		b.SetBytes(int64(len(syn)))
		for b.Loop() {
			tab, err := Open(p)
			if err != nil {
				b.Fatal(err)
			}
			tab.Close()
		}
	})
	b.Run("go-compile-tool", func(b *testing.B) {
		p := realELF(b)
		fi, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(fi.Size())
		for b.Loop() {
			tab, err := Open(p)
			if err != nil {
				b.Fatal(err)
			}
			tab.Close()
		}
	})
	b.Run("kern-dfly2020", func(b *testing.B) {
		if _, err := os.Stat(sampleKernel); err != nil {
			b.Skip("sample kernel not present")
		}
		for b.Loop() {
			tab, err := Open(sampleKernel)
			if err != nil {
				b.Fatal(err)
			}
			tab.Close()
		}
	})
}

func BenchmarkLookup(b *testing.B) {
	syn, names, _ := synthetic(50000)
	tab, err := OpenReader(bytes.NewReader(syn), int64(len(syn)), "kern.syn")
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if _, ok := tab.Lookup(names[i%len(names)]); !ok {
			b.Fatal("not found")
		}
		i += 7919
	}
}

func BenchmarkSymbolize(b *testing.B) {
	syn, _, addrs := synthetic(50000)
	tab, err := OpenReader(bytes.NewReader(syn), int64(len(syn)), "kern.syn")
	if err != nil {
		b.Fatal(err)
	}
	tab.Symbolize(0) // builds the address index
	i := 0
	for b.Loop() {
		tab.Symbolize(addrs[i%len(addrs)])
		i += 7919
	}
}
