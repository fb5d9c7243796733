package symtab

import (
	"cmp"
	"debug/elf"
	"math"
	"slices"
	"sort"
	"strconv"
)

// segment says that every address in [start, last] belongs to symbol sym (an index
// into Table.syms). Segments are sorted by start and do not overlap.
type segment struct {
	start, last uint64
	sym         int32
}

// rank orders symbols that share an address: lower is preferred. Functions and
// objects come before untyped labels; within each, global before weak before local.
func rank(s *esym) int {
	r := 0
	if s.typ() == elf.STT_NOTYPE {
		r = 3
	}
	switch s.bind() {
	case elf.STB_GLOBAL:
	case elf.STB_WEAK:
		r++
	default:
		r += 2
	}
	return r
}

// symbolizable reports whether s names a place in kernel memory: a function, an
// object or an untyped label with a non-empty name in an allocated, non-TLS section.
func (t *Table) symbolizable(s *esym) bool {
	if s.name == "" {
		return false
	}
	switch s.typ() {
	case elf.STT_FUNC, elf.STT_OBJECT, elf.STT_NOTYPE:
	default:
		return false
	}
	if s.shndx == uint16(elf.SHN_UNDEF) || s.shndx >= uint16(elf.SHN_LORESERVE) || int(s.shndx) >= len(t.sections) {
		return false
	}
	sec := &t.sections[s.shndx]
	return sec.Flags&elf.SHF_ALLOC != 0 && sec.Flags&elf.SHF_TLS == 0 && sec.Type != elf.SHT_NULL
}

// lastAddr returns the last address a symbol covers: value+size-1, or value for a
// size-0 symbol (which matches only its own address); clamped at the top of the
// address space.
func lastAddr(s *esym) uint64 {
	if s.size == 0 {
		return s.value
	}
	if s.size-1 > math.MaxUint64-s.value {
		return math.MaxUint64
	}
	return s.value + s.size - 1
}

// addrKey is a symbolizable symbol reduced to what the address index sorts by:
// its value, and its rank and symbol-table index packed as rank<<32 | index.
type addrKey struct {
	value uint64
	pref  uint64
}

func (k addrKey) idx() int32 { return int32(uint32(k.pref)) }

// buildAddrIndex flattens the symbols' address ranges into non-overlapping segments,
// each owned by the symbol Symbolize must report there: among the symbols covering
// an address, the one with the greatest value, ties broken by rank, then name, then
// symbol-table index. It runs once, on the first address query, in O(n log n);
// queries are O(log n).
func (t *Table) buildAddrIndex() {
	n := 0
	for i := range t.syms {
		if t.symbolizable(&t.syms[i]) {
			n++
		}
	}
	if n == 0 {
		return
	}
	keys := make([]addrKey, 0, n)
	for i := range t.syms {
		if s := &t.syms[i]; t.symbolizable(s) {
			keys = append(keys, addrKey{value: s.value, pref: uint64(rank(s))<<32 | uint64(i)})
		}
	}
	// Ascending value; at equal value the preferred symbol (lower rank, then
	// smaller name, then smaller index) comes last, so it is pushed last and sits on
	// top of the stack below.
	slices.SortFunc(keys, func(a, b addrKey) int {
		if a.value != b.value {
			return cmp.Compare(a.value, b.value)
		}
		return cmp.Compare(b.pref, a.pref)
	})
	// Names break ties within runs of equal value and rank, which are rare.
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].value == keys[i].value && keys[j].pref>>32 == keys[i].pref>>32 {
			j++
		}
		if j-i > 1 {
			slices.SortStableFunc(keys[i:j], func(a, b addrKey) int {
				return cmp.Compare(t.syms[b.idx()].name, t.syms[a.idx()].name)
			})
		}
		i = j
	}
	// Every last+1 is a boundary, and so is every start (keys are in start order).
	ends := make([]uint64, 0, len(keys))
	for _, k := range keys {
		if l := lastAddr(&t.syms[k.idx()]); l != math.MaxUint64 {
			ends = append(ends, l+1)
		}
	}
	slices.Sort(ends)

	// Sweep over the boundaries in order. The stack holds symbols in push order
	// (ascending value); a symbol that has ended is removed lazily when it reaches
	// the top. The live top is the most recently started live symbol: the greatest
	// value, best rank.
	var stack []int32 // indices into t.syms
	segs := make([]segment, 0, len(keys))
	ki, ei := 0, 0
	next := func() (uint64, bool) {
		switch {
		case ki < len(keys) && ei < len(ends):
			return min(keys[ki].value, ends[ei]), true
		case ki < len(keys):
			return keys[ki].value, true
		case ei < len(ends):
			return ends[ei], true
		}
		return 0, false
	}
	for {
		b, ok := next()
		if !ok {
			break
		}
		for ei < len(ends) && ends[ei] == b {
			ei++
		}
		for ki < len(keys) && keys[ki].value == b {
			stack = append(stack, keys[ki].idx())
			ki++
		}
		for len(stack) > 0 && lastAddr(&t.syms[stack[len(stack)-1]]) < b {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			continue
		}
		top := stack[len(stack)-1]
		end := uint64(math.MaxUint64)
		if nb, ok := next(); ok {
			end = nb - 1
		}
		if n := len(segs); n > 0 && segs[n-1].sym == top && segs[n-1].last+1 == b {
			segs[n-1].last = end
			continue
		}
		segs = append(segs, segment{start: b, last: end, sym: top})
	}
	t.segs = slices.Clip(segs)
}

// SymbolAt returns the symbol covering addr and addr's offset into it: among the
// functions, objects and untyped labels in allocated sections, the one with the
// greatest value ≤ addr such that addr < value+size (a size-0 symbol covers only its
// own address). When several share that value, functions and objects beat untyped
// labels, then global beats weak beats local, then the smaller name wins. The
// first call builds the address index (O(n log n), a few milliseconds for a
// kernel); every call is then a binary search.
func (t *Table) SymbolAt(addr uint64) (sym Symbol, off uint64, ok bool) {
	t.addrOnce.Do(t.buildAddrIndex)
	i := sort.Search(len(t.segs), func(i int) bool { return t.segs[i].start > addr }) - 1
	if i < 0 || addr > t.segs[i].last {
		return Symbol{}, 0, false
	}
	s := t.symbol(t.segs[i].sym)
	return s, addr - s.Value, true
}

// Symbolize names addr for display, as "name" at a symbol's start or "name+0x10"
// inside it (see SymbolAt for which symbol is chosen). It reports false when no
// symbol covers addr.
func (t *Table) Symbolize(addr uint64) (string, bool) {
	s, off, ok := t.SymbolAt(addr)
	if !ok {
		return "", false
	}
	if off == 0 {
		return s.Name, true
	}
	return s.Name + "+0x" + strconv.FormatUint(off, 16), true
}
