package symtab

import (
	"debug/elf"
	"io"
	"sync"
)

// Table is the symbol table of one kernel ELF file, with the section headers needed
// to read its initialized data. It is immutable after opening and safe for
// concurrent use.
type Table struct {
	name     string
	r        io.ReaderAt
	size     int64
	hdr      FileHeader
	sections []Section
	shOffset uint64 // e_shoff, for error messages
	symtab   int    // index of the SHT_SYMTAB section used
	syms     []esym
	warnings []string

	byName map[string]nameRef // symbol name → first and last index in syms
	next   []int32            // next[i]: the next index with the same name as syms[i], or -1

	addrOnce sync.Once
	segs     []segment // address → symbol, for Symbolize; built by addrOnce

	closeOnce sync.Once
	closer    io.Closer
	closeErr  error
}

// nameRef is the first and last symbol-table index of one name.
type nameRef struct{ first, last int32 }

// Close releases the kernel file opened by Open. Lookups keep working after Close;
// ReadData, CString and the version helpers then fail. Close on a Table from
// OpenReader does nothing. Close is idempotent.
func (t *Table) Close() error {
	t.closeOnce.Do(func() {
		if t.closer != nil {
			t.closeErr = t.closer.Close()
		}
	})
	return t.closeErr
}

// Path returns the file name given to Open (or the name given to OpenReader).
func (t *Table) Path() string { return t.name }

// Header returns the ELF header facts of the kernel file.
func (t *Table) Header() FileHeader { return t.hdr }

// Arch returns the BSD name of the kernel's architecture. Only amd64 kernels open,
// so it is always "amd64".
func (t *Table) Arch() string { return "amd64" }

// Sections returns a copy of the kernel file's section headers, in file order.
func (t *Table) Sections() []Section {
	return append([]Section(nil), t.sections...)
}

// SymtabSection returns the header of the SHT_SYMTAB section the symbols come from
// (the first one in the file).
func (t *Table) SymtabSection() Section { return t.sections[t.symtab] }

// Warnings returns non-fatal problems found while opening, such as an unusable
// section name table. Each names the file.
func (t *Table) Warnings() []string { return append([]string(nil), t.warnings...) }

// Len returns the number of entries in the symbol table, including the reserved
// null entry at index 0.
func (t *Table) Len() int { return len(t.syms) }

// Symbols returns a copy of the whole symbol table in file order, including the
// reserved null entry at index 0.
func (t *Table) Symbols() []Symbol {
	out := make([]Symbol, len(t.syms))
	for i := range t.syms {
		out[i] = t.symbol(int32(i))
	}
	return out
}

// symbol expands symbol-table entry i.
func (t *Table) symbol(i int32) Symbol {
	s := &t.syms[i]
	return Symbol{
		Name:    s.name,
		Value:   s.value,
		Size:    s.size,
		Type:    s.typ(),
		Bind:    s.bind(),
		Other:   s.other,
		Section: elf.SectionIndex(s.shndx),
		NType:   s.ntype,
		Index:   int(i),
	}
}

// buildIndex builds the name index. Empty names are not indexed: nlist never
// matches them.
func (t *Table) buildIndex() {
	t.byName = make(map[string]nameRef, len(t.syms))
	t.next = make([]int32, len(t.syms))
	for i := range t.syms {
		t.next[i] = -1
		name := t.syms[i].name
		if name == "" {
			continue
		}
		ref, ok := t.byName[name]
		if !ok {
			t.byName[name] = nameRef{int32(i), int32(i)}
			continue
		}
		t.next[ref.last] = int32(i)
		ref.last = int32(i)
		t.byName[name] = ref
	}
}

// candidates returns the (at most two) symbol names a requested nlist name
// matches: the name itself and, if it starts with "_", the name without that "_".
func candidates(name string) (a, b string) {
	if len(name) > 1 && name[0] == '_' {
		return name, name[1:]
	}
	return name, ""
}

// Lookup finds a symbol the way nlist(3) does on a dead kernel: name matches a
// symbol equal to it, or — when name starts with "_" — a symbol equal to name
// without that one leading "_". So "_allproc" finds allproc (and a symbol literally
// named _allproc), while "kernbase" finds only kernbase. Symbol binding is ignored:
// local (static) symbols match. An empty name never matches. When several symbols
// match, the last one in symbol-table order wins, as in nlist; use LookupAll to see
// them all.
func (t *Table) Lookup(name string) (Symbol, bool) {
	if name == "" {
		return Symbol{}, false
	}
	a, b := candidates(name)
	best := int32(-1)
	if ref, ok := t.byName[a]; ok {
		best = ref.last
	}
	if b != "" {
		if ref, ok := t.byName[b]; ok && ref.last > best {
			best = ref.last
		}
	}
	if best < 0 {
		return Symbol{}, false
	}
	return t.symbol(best), true
}

// LookupAll returns every symbol Lookup(name) could match, in symbol-table order
// (Lookup returns the last). More than one means the name is ambiguous.
func (t *Table) LookupAll(name string) []Symbol {
	if name == "" {
		return nil
	}
	a, b := candidates(name)
	i, j := int32(-1), int32(-1)
	if ref, ok := t.byName[a]; ok {
		i = ref.first
	}
	if b != "" {
		if ref, ok := t.byName[b]; ok {
			j = ref.first
		}
	}
	var out []Symbol
	// Merge the two ascending chains.
	for i >= 0 || j >= 0 {
		if j < 0 || (i >= 0 && i < j) {
			out = append(out, t.symbol(i))
			i = t.next[i]
		} else {
			out = append(out, t.symbol(j))
			j = t.next[j]
		}
	}
	return out
}

// Nlist looks up each name with Lookup. syms has one entry per name, in request
// order; a name that is not found gets the zero Symbol (Value 0, NType N_UNDF, as
// nlist leaves it) and is also listed in missing, in request order. Unlike libc's
// nlist, a duplicate symbol never makes another requested name go missing.
func (t *Table) Nlist(names ...string) (syms []Symbol, missing []string) {
	syms = make([]Symbol, len(names))
	for i, n := range names {
		s, ok := t.Lookup(n)
		if !ok {
			missing = append(missing, n)
			continue
		}
		syms[i] = s
	}
	return syms, missing
}

// Resolver returns Lookup reduced to the symbol's value, for packages that must
// resolve kernel symbols (kernbase, dumppcb, KPML4phys) without importing symtab.
func (t *Table) Resolver() func(name string) (uint64, bool) {
	return func(name string) (uint64, bool) {
		s, ok := t.Lookup(name)
		return s.Value, ok
	}
}
