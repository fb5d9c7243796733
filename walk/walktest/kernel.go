package walktest

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"strings"
)

// kernel is what the generator takes from a kernel ELF: symbols, the
// read-only data (to point wait messages at real string literals), struct
// layouts and enumerators from DWARF. It is written here, not taken from
// package structs, so that a misreading there is not mirrored here.
type kernel struct {
	path    string
	syms    map[string]elf.Symbol
	rodata  []byte
	rodataV uint64
	data    *dwarf.Data
	structs map[string]dwarf.Offset // complete struct types by name
	enums   map[string]int64        // enumerator name → value
	layouts map[string]*layout
}

// layout is one struct type, with member paths resolved on demand.
type layout struct {
	name   string
	size   int
	st     *dwarf.StructType
	fields map[string]member
}

// member is a resolved member path: byte offset and size within the struct.
type member struct {
	off, size int
	ok        bool
}

// openKernel reads the kernel ELF at path. debug/elf and debug/dwarf may panic
// on malformed input; that becomes an error naming the file.
func openKernel(path string) (k *kernel, err error) {
	defer func() {
		if r := recover(); r != nil {
			k, err = nil, fmt.Errorf("walktest: kernel %s: malformed ELF or DWARF: %v", path, r)
		}
	}()
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("walktest: kernel %s: %w", path, err)
	}
	defer f.Close()
	k = &kernel{path: path, syms: map[string]elf.Symbol{}, structs: map[string]dwarf.Offset{},
		enums: map[string]int64{}, layouts: map[string]*layout{}}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("walktest: kernel %s: symbols: %w", path, err)
	}
	for _, s := range syms {
		if s.Name == "" || s.Section == elf.SHN_UNDEF {
			continue
		}
		old, dup := k.syms[s.Name]
		// A global definition wins over a local one of the same name.
		if !dup || (elf.ST_BIND(old.Info) == elf.STB_LOCAL && elf.ST_BIND(s.Info) != elf.STB_LOCAL) {
			k.syms[s.Name] = s
		}
	}
	if s := f.Section(".rodata"); s != nil && s.Type != elf.SHT_NOBITS {
		if k.rodata, err = s.Data(); err != nil {
			return nil, fmt.Errorf("walktest: kernel %s: .rodata: %w", path, err)
		}
		k.rodataV = s.Addr
	}
	if k.data, err = f.DWARF(); err != nil {
		return nil, fmt.Errorf("walktest: kernel %s: DWARF: %w", path, err)
	}
	r := k.data.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("walktest: kernel %s: DWARF: %w", path, err)
		}
		if e == nil {
			break
		}
		switch e.Tag {
		case dwarf.TagStructType:
			name, _ := e.Val(dwarf.AttrName).(string)
			decl, _ := e.Val(dwarf.AttrDeclaration).(bool)
			if _, seen := k.structs[name]; name != "" && !decl && !seen {
				k.structs[name] = e.Offset
			}
		case dwarf.TagEnumerator:
			name, _ := e.Val(dwarf.AttrName).(string)
			if v, ok := e.Val(dwarf.AttrConstValue).(int64); ok && name != "" {
				k.enums[name] = v
			}
		}
	}
	return k, nil
}

// symbol returns the value of a symbol, or 0 when the kernel has none.
func (k *kernel) symbol(name string) uint64 {
	if s, ok := k.syms[name]; ok {
		return s.Value
	}
	return 0
}

// rodataString returns the address of a NUL-terminated copy of s in the
// kernel's .rodata (where real wait messages live), or 0.
func (k *kernel) rodataString(s string) uint64 {
	needle := []byte(s + "\x00")
	for i := 0; i+len(needle) <= len(k.rodata); {
		j := strings.Index(string(k.rodata[i:]), string(needle))
		if j < 0 {
			return 0
		}
		at := i + j
		if at == 0 || k.rodata[at-1] == 0 {
			return k.rodataV + uint64(at)
		}
		i = at + 1
	}
	return 0
}

// layout returns the struct named name, or an error when DWARF has no complete
// definition of it.
func (k *kernel) layout(name string) (l *layout, err error) {
	if l := k.layouts[name]; l != nil {
		return l, nil
	}
	off, ok := k.structs[name]
	if !ok {
		return nil, fmt.Errorf("walktest: kernel %s: no complete struct %s in DWARF", k.path, name)
	}
	defer func() {
		if r := recover(); r != nil {
			l, err = nil, fmt.Errorf("walktest: kernel %s: struct %s: malformed DWARF: %v", k.path, name, r)
		}
	}()
	t, err := k.data.Type(off)
	if err != nil {
		return nil, fmt.Errorf("walktest: kernel %s: struct %s: %w", k.path, name, err)
	}
	st, ok := t.(*dwarf.StructType)
	if !ok || st.Incomplete {
		return nil, fmt.Errorf("walktest: kernel %s: struct %s is not a complete struct", k.path, name)
	}
	l = &layout{name: name, size: int(st.ByteSize), st: st, fields: map[string]member{}}
	k.layouts[name] = l
	return l, nil
}

// enum returns the value of an enumerator (SACTIVE, LSRUN…).
func (k *kernel) enum(name string) (int64, error) {
	v, ok := k.enums[name]
	if !ok {
		return 0, fmt.Errorf("walktest: kernel %s: no enumerator %s in DWARF", k.path, name)
	}
	return v, nil
}

// field resolves a dotted member path ("p_lwp_tree.rbh_root",
// "lwp_usdata.bsd4.priority"); members of anonymous structs and unions are
// found as if they were direct members.
func (l *layout) field(path string) member {
	if m, ok := l.fields[path]; ok {
		return m
	}
	var m member
	var t dwarf.Type = l.st
	off := 0
	for i, name := range strings.Split(path, ".") {
		st, ok := strip(t).(*dwarf.StructType)
		if !ok {
			break
		}
		f, foff := findMember(st, name)
		if f == nil {
			break
		}
		off += foff
		t = f.Type
		if i == strings.Count(path, ".") {
			m = member{off: off, size: int(t.Size()), ok: true}
		}
	}
	l.fields[path] = m
	return m
}

// has reports whether the struct has the member path.
func (l *layout) has(path string) bool { return l.field(path).ok }

// findMember finds name among st's members, descending into anonymous members.
func findMember(st *dwarf.StructType, name string) (*dwarf.StructField, int) {
	for _, f := range st.Field {
		if f.Name == name {
			return f, int(f.ByteOffset)
		}
	}
	for _, f := range st.Field {
		if f.Name != "" {
			continue
		}
		if inner, ok := strip(f.Type).(*dwarf.StructType); ok {
			if g, off := findMember(inner, name); g != nil {
				return g, int(f.ByteOffset) + off
			}
		}
	}
	return nil, 0
}

// strip removes typedefs and qualifiers.
func strip(t dwarf.Type) dwarf.Type {
	for {
		switch v := t.(type) {
		case *dwarf.TypedefType:
			t = v.Type
		case *dwarf.QualType:
			t = v.Type
		default:
			return t
		}
	}
}
