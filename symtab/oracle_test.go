package symtab

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// oracleSymbolAt is the definition of SymbolAt written as a linear scan: among the
// symbolizable symbols covering addr, the greatest value, then the best rank, then
// the smallest name, then the smallest index.
func oracleSymbolAt(t *Table, addr uint64) (Symbol, bool) {
	best := -1
	for i := range t.syms {
		s := &t.syms[i]
		if !t.symbolizable(s) || s.value > addr || addr > lastAddr(s) {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := &t.syms[best]
		switch {
		case s.value != b.value:
			if s.value > b.value {
				best = i
			}
		case rank(s) != rank(b):
			if rank(s) < rank(b) {
				best = i
			}
		case s.name != b.name:
			if s.name < b.name {
				best = i
			}
		}
	}
	if best < 0 {
		return Symbol{}, false
	}
	return t.symbol(int32(best)), true
}

// checkSymbolAt compares SymbolAt with the oracle at addr.
func checkSymbolAt(t testing.TB, tab *Table, addr uint64) {
	t.Helper()
	got, off, ok := tab.SymbolAt(addr)
	want, wantOK := oracleSymbolAt(tab, addr)
	if ok != wantOK || got.Index != want.Index {
		t.Fatalf("SymbolAt(%#x) = %q (index %d), %v; oracle says %q (index %d), %v", addr, got.Name, got.Index, ok, want.Name, want.Index, wantOK)
	}
	if ok && got.Value+off != addr {
		t.Fatalf("SymbolAt(%#x) = %q+%#x, but its value is %#x", addr, got.Name, off, got.Value)
	}
}

// TestSymbolizeOracle compares the O(log n) index with the linear definition on
// random, densely overlapping symbol tables.
func TestSymbolizeOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		n := 1 + rng.IntN(40)
		var syms []tsym
		for i := range n {
			typ := []byte{tSTT_FUNC, tSTT_OBJECT, tSTT_NOTYPE, tSTT_SECTION}[rng.IntN(4)]
			bind := []byte{tSTB_LOCAL, tSTB_GLOBAL, tSTB_WEAK}[rng.IntN(3)]
			shndx := uint16(1)
			if rng.IntN(10) == 0 {
				shndx = tSHN_ABS
			}
			v := uint64(0x1000 + rng.IntN(64))
			size := uint64(rng.IntN(3)) * uint64(rng.IntN(24))
			if round%50 == 0 {
				v = 0xffffffffffffffff - uint64(rng.IntN(40))
				size = uint64(rng.IntN(80))
			}
			syms = append(syms, tsym{fmt.Sprintf("s%d", rng.IntN(n+i+1)), bind, typ, shndx, v, size})
		}
		symtab, strtab := symtabPair(".symtab", ".strtab", tSHT_SYMTAB, 3, syms)
		e := buildELF(tET_EXEC, 0, []tsec{
			{name: ".data", typ: tSHT_NOBITS, flags: tSHF_ALLOC | tSHF_WRITE, addr: 0, size: 0xffffffffffffffff},
			symtab, strtab,
		})
		tab, err := OpenReader(bytes.NewReader(e.b), int64(len(e.b)), "oracle")
		if err != nil {
			t.Fatal(err)
		}
		for a := uint64(0xff0); a < 0x1060; a++ {
			checkSymbolAt(t, tab, a)
		}
		for a := uint64(0xffffffffffffffff - 50); a != 0; a++ {
			checkSymbolAt(t, tab, a)
		}
	}
}
