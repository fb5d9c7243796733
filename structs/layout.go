package structs

import (
	"fmt"
	"strings"
)

// Field is one member of a struct or union, possibly nested: its offset is
// always counted from the start of the outermost struct (the Layout), so a
// decoder that read the whole struct can slice it directly.
//
// Every Field of a Layout satisfies 0 ≤ Offset and Offset+Size ≤ Layout.Size.
//
// Bit-fields (BitSize > 0) are normalized to whole bytes: Offset is the byte
// holding the field's lowest bit, BitOffset (0–7) the position of that bit
// within the byte (0 = least significant) and Size the number of bytes that
// hold the field, (BitOffset+BitSize+7)/8, at most 9. To decode, read Size
// bytes at Offset as a little-endian integer, shift right by BitOffset and
// keep BitSize bits. Both DWARF encodings are accepted (DW_AT_data_bit_offset,
// and the older big-endian-numbered DW_AT_bit_offset with DW_AT_byte_size).
type Field struct {
	Name      string  // the member name; "" for an anonymous struct or union member
	Path      string  // the dotted path from the Layout ("p_list.le_next"); anonymous members are not named in paths
	Offset    int64   // byte offset from the start of the Layout
	Size      int64   // size in bytes (0 for a flexible array member)
	Type      Type    // canonical type description
	CType     string  // the C spelling of the declared type ("pid_t", "struct proc *"); informative, empty in profiles
	BitOffset int     // bit-fields: the lowest bit's position within the byte at Offset
	BitSize   int     // bit-fields: the width in bits; 0 for an ordinary member
	Members   []Field // the members of a struct or union member, in order (nil in profiles); must not be modified
}

// IsBitField reports whether the member is a bit-field.
func (f Field) IsBitField() bool { return f.BitSize > 0 }

// End returns Offset+Size, the offset just past the member.
func (f Field) End() int64 { return f.Offset + f.Size }

// Layout is the layout of one struct or union: from a kernel's DWARF
// (Layouts.Layout) or from a built-in Profile. A Layout is immutable and
// safe for concurrent use.
type Layout struct {
	Name    string  // the tag without "struct "/"union " ("proc"); the typedef name for an anonymous struct found through a typedef
	Kind    Kind    // KindStruct or KindUnion
	Size    int64   // sizeof; for a profile whose source gives no sizeof, the end of the last listed member
	Fields  []Field // DWARF: the direct members in declaration order, nested ones in Field.Members; profile: the listed members, flat, each with its full Path
	Origin  string  // "dwarf" or "profile NAME"
	Partial bool    // true for profiles: only the members kdump reads are listed

	paths map[string]*Field // every resolvable path
	order []string          // the paths in declaration (depth-first) order
}

// CName returns the C name of the layout: "struct proc", "union usched_data".
func (l *Layout) CName() string {
	return l.Kind.String() + " " + l.Name
}

// Field returns the member at the dotted path, for example "p_pid",
// "p_list.le_next", "lwp_usdata.bsd4.priority" or "u.lwp_rbnode.rbe_left".
// Members of anonymous struct and union members are found by their own
// names, as in C ("cr_ref" in the 2020 struct ucred). A missing path gives a
// *FieldError wrapping ErrNoField. A hit is a map lookup that allocates
// nothing.
func (l *Layout) Field(path string) (Field, error) {
	if f, ok := l.paths[path]; ok {
		return *f, nil
	}
	return Field{}, &FieldError{Origin: l.Origin, Struct: l.CName(), Path: path}
}

// Lookup is Field without the error: ok is false when the path is missing.
func (l *Layout) Lookup(path string) (f Field, ok bool) {
	p, ok := l.paths[path]
	if !ok {
		return Field{}, false
	}
	return *p, true
}

// Has reports whether the layout has a member at path.
func (l *Layout) Has(path string) bool {
	_, ok := l.paths[path]
	return ok
}

// Offset returns the offset of the member at path (see Field).
func (l *Layout) Offset(path string) (int64, error) {
	f, err := l.Field(path)
	return f.Offset, err
}

// Paths returns every path Field accepts, in declaration order (a member
// before its own members). The slice is a fresh copy.
func (l *Layout) Paths() []string {
	return append([]string(nil), l.order...)
}

// String returns the canonical text form of the layout, used as a test
// golden: a header line, then one line per member with its offset in decimal
// and hex, its size, its name indented two spaces per nesting level, its
// canonical Type and its C type:
//
//	struct proc: size 1312 (0x520), dwarf
//	     0 0x0000     16  p_list            struct         struct {...}
//	     0 0x0000      8    le_next         *struct proc   struct proc *
//	     8 0x0008      8    le_prev         *pointer       struct proc **
//
// Bit-fields show "name:width" and a trailing "bit N"; anonymous members are
// shown as "(anonymous)".
func (l *Layout) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: size %d (%#x), %s", l.CName(), l.Size, l.Size, l.Origin)
	if l.Partial {
		b.WriteString(", partial")
	}
	b.WriteByte('\n')
	var walk func(fs []Field, depth int)
	walk = func(fs []Field, depth int) {
		for i := range fs {
			f := &fs[i]
			name := f.Name
			if l.Partial {
				name = f.Path
			}
			if name == "" {
				name = "(anonymous)"
			}
			if f.BitSize > 0 {
				name = fmt.Sprintf("%s:%d", name, f.BitSize)
			}
			line := fmt.Sprintf("%6d 0x%04x %6d  %-36s %-30s %s", f.Offset, f.Offset, f.Size,
				strings.Repeat("  ", depth)+name, f.Type.String(), f.CType)
			if f.BitSize > 0 {
				line += fmt.Sprintf(" bit %d", f.BitOffset)
			}
			b.WriteString(strings.TrimRight(line, " "))
			b.WriteByte('\n')
			walk(f.Members, depth+1)
		}
	}
	walk(l.Fields, 0)
	return b.String()
}

// index builds the path map of a layout from its Fields: named members by
// their dotted path, members of anonymous members under their parent's
// prefix; the first of two equal paths wins. Profiles (flat, full Paths)
// are indexed by Path.
func (l *Layout) index() {
	l.paths = make(map[string]*Field)
	l.order = l.order[:0]
	add := func(f *Field) {
		if f.Path == "" || f.Name == "" {
			return
		}
		if _, dup := l.paths[f.Path]; dup {
			return
		}
		l.paths[f.Path] = f
		l.order = append(l.order, f.Path)
	}
	var walk func(fs []Field)
	walk = func(fs []Field) {
		for i := range fs {
			add(&fs[i])
			walk(fs[i].Members)
		}
	}
	walk(l.Fields)
}
