package structs

import (
	"debug/dwarf"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Limits applied while resolving DWARF, so that damaged or hostile debugging
// information costs bounded time and memory. A DragonFly GENERIC kernel's
// struct proc expands to a few hundred members and nests less than ten deep.
const (
	maxTypeDepth  = 64      // typedef/qualifier/pointer/array chain length
	maxNest       = 32      // struct-in-struct nesting depth of a layout
	maxFields     = 1 << 17 // members (all nesting levels) of one layout
	maxMembers    = 1 << 16 // direct members of one struct or union
	maxObjectSize = 1 << 32 // bytes of a struct, union or array
	maxWarnings   = 16      // index warnings kept
	maxNulls      = 4096    // consecutive top-level null entries while indexing
)

// Layouts gives the struct and union layouts described by a kernel's DWARF.
// The top-level type definitions are indexed by name once, when the Layouts
// is created; a struct's members are resolved only when the struct is first
// asked for, and the result is cached. A Layouts is safe for concurrent use.
type Layouts struct {
	name string
	data *dwarf.Data

	index    map[string]dwarf.Offset // "struct proc", "union x", "typedef y", "enum z" → DIE
	declared map[string]bool         // names seen only as declarations so far
	warnings []string                // problems met while indexing (a partial index)

	mu      sync.Mutex
	r       *dwarf.Reader
	types   map[dwarf.Offset]*tnode
	layouts map[string]*Layout // by requested name and by "struct NAME"
	errs    map[string]error   // cached failures by requested name
}

// tnode is one resolved DWARF type (typedefs and qualifiers stripped, but
// the C spelling of the outermost name kept in cname).
type tnode struct {
	typ   Type
	size  int64  // bytes; -1 when unknown (void, incomplete struct, function)
	cname string // the C spelling of the declared type
	st    *sinfo // struct and union types: where the members are
}

// sinfo locates the members of a struct or union type and caches them.
type sinfo struct {
	die     dwarf.Offset // the defining DIE (0: only a declaration was found)
	loaded  bool
	members []rawMember
	total   int // members at all nesting levels, once counted
	counted bool
}

// rawMember is a DW_TAG_member as read from the DWARF, not yet resolved.
type rawMember struct {
	off            dwarf.Offset // the member's DIE, for error messages
	name           string
	typ            dwarf.Offset
	hasType        bool
	loc            int64 // DW_AT_data_member_location (0 when absent)
	dataBitOff     int64 // DW_AT_data_bit_offset
	hasDataBitOff  bool
	bitOff         int64 // DW_AT_bit_offset (DWARF 2/3, counted from the storage unit's MSB)
	hasBitOff      bool
	bitSize        int64 // DW_AT_bit_size
	byteSize       int64 // DW_AT_byte_size of the storage unit (DWARF 2/3 bit-fields)
	hasByteSize    bool
	locUnsupported string // a location expression this package cannot evaluate
}

// FromDWARF returns the layouts described by already-loaded DWARF data; name
// is used in error messages and returned by Name. It indexes the top-level
// type definitions of every compilation unit. Damaged DWARF may leave the
// index partial (see Warnings); FromDWARF fails only when it finds no type
// definition at all.
func FromDWARF(d *dwarf.Data, name string) (*Layouts, error) {
	return fromDWARF(d, name, "")
}

// fromDWARF is FromDWARF with a first warning from loading.
func fromDWARF(d *dwarf.Data, name, warn string) (l *Layouts, err error) {
	if d == nil {
		return nil, &DWARFError{File: name, Offset: -1, What: "no DWARF data", Err: ErrNoDWARF}
	}
	l = &Layouts{
		name:     name,
		data:     d,
		index:    make(map[string]dwarf.Offset),
		declared: make(map[string]bool),
		types:    make(map[dwarf.Offset]*tnode),
		layouts:  make(map[string]*Layout),
		errs:     make(map[string]error),
	}
	if warn != "" {
		l.warnings = append(l.warnings, warn)
	}
	if err := l.buildIndex(); err != nil {
		return nil, err
	}
	return l, nil
}

// Name returns the file name (or the name given to FromDWARF).
func (l *Layouts) Name() string { return l.name }

// Origin returns "dwarf", the value of Layout.Origin for these layouts.
func (l *Layouts) Origin() string { return "dwarf" }

// Warnings returns the problems met while indexing the DWARF (damaged
// compilation units); when it is not empty some types may be missing.
func (l *Layouts) Warnings() []string { return append([]string(nil), l.warnings...) }

// Structs returns the names of the complete struct and union definitions in
// the index, sorted, as "struct proc", "union usched_data".
func (l *Layouts) Structs() []string {
	var out []string
	for k := range l.index {
		if strings.HasPrefix(k, "struct ") || strings.HasPrefix(k, "union ") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether the DWARF defines the struct or union name (with the
// lookup rules of Layout) without resolving it.
func (l *Layouts) Has(name string) bool {
	for _, k := range candidates(name) {
		if _, ok := l.index[k]; ok {
			return true
		}
	}
	return false
}

func (l *Layouts) warnf(format string, args ...any) {
	if len(l.warnings) < maxWarnings {
		l.warnings = append(l.warnings, fmt.Sprintf(format, args...))
	}
}

func (l *Layouts) errf(off dwarf.Offset, format string, args ...any) error {
	return &DWARFError{File: l.name, Offset: int64(off), What: fmt.Sprintf(format, args...), Err: ErrMalformed}
}

// buildIndex records every named struct, union, enum and typedef DIE that is
// a direct child of a unit, preferring complete definitions to declarations.
func (l *Layouts) buildIndex() (err error) {
	defer func() {
		if p := recover(); p != nil {
			l.warnf("internal error while indexing the DWARF: %v", p)
			if len(l.index) == 0 {
				err = &DWARFError{File: l.name, Offset: -1, What: fmt.Sprintf("internal error while indexing the DWARF: %v", p), Err: ErrMalformed}
			}
		}
	}()
	r := l.data.Reader()
	nulls := 0
	for {
		e, err := r.Next()
		if err != nil {
			l.warnf("DWARF index incomplete: %v", err)
			break
		}
		if e == nil {
			break
		}
		// debug/dwarf returns null entries without advancing when a unit
		// ends in an unterminated LEB128; real DWARF never has long runs
		// of null entries at the top level.
		if e.Tag == 0 {
			if nulls++; nulls > maxNulls {
				l.warnf("DWARF index incomplete: more than %d null entries in a row (damaged unit)", maxNulls)
				break
			}
			continue
		}
		nulls = 0
		switch e.Tag {
		case dwarf.TagCompileUnit, dwarf.TagPartialUnit, dwarf.TagTypeUnit, dwarf.TagSkeletonUnit:
			continue // descend into the unit's children
		case dwarf.TagStructType, dwarf.TagClassType, dwarf.TagUnionType, dwarf.TagEnumerationType, dwarf.TagTypedef:
			l.record(e)
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	if len(l.index) == 0 && len(l.declared) == 0 {
		what := "no type definitions in the DWARF"
		if len(l.warnings) > 0 {
			what += ": " + l.warnings[0]
		}
		return &DWARFError{File: l.name, Offset: -1, What: what, Err: ErrNoDWARF}
	}
	return nil
}

// tagPrefix returns "struct", "union", "enum" or "typedef" for an indexable
// tag.
func tagPrefix(t dwarf.Tag) string {
	switch t {
	case dwarf.TagStructType, dwarf.TagClassType:
		return "struct"
	case dwarf.TagUnionType:
		return "union"
	case dwarf.TagEnumerationType:
		return "enum"
	case dwarf.TagTypedef:
		return "typedef"
	}
	return ""
}

func (l *Layouts) record(e *dwarf.Entry) {
	name, _ := e.Val(dwarf.AttrName).(string)
	if name == "" {
		return
	}
	key := tagPrefix(e.Tag) + " " + name
	if decl, _ := e.Val(dwarf.AttrDeclaration).(bool); decl {
		if _, ok := l.index[key]; !ok {
			l.declared[key] = true
		}
		return
	}
	if _, ok := l.index[key]; ok {
		return // the first complete definition wins
	}
	l.index[key] = e.Offset
	delete(l.declared, key)
}

// candidates returns the index keys Layout tries for name, in order.
func candidates(name string) []string {
	name = strings.TrimSpace(name)
	for _, p := range []string{"struct ", "union "} {
		if strings.HasPrefix(name, p) {
			return []string{p + strings.TrimSpace(name[len(p):])}
		}
	}
	return []string{"struct " + name, "union " + name, "typedef " + name}
}

// Layout returns the layout of the struct or union called name: "proc"
// finds struct proc, then union proc, then a typedef proc naming a struct or
// union; "struct proc" and "union usched_data" ask for exactly that.
// Incomplete declarations are skipped in favour of the complete definition.
// A missing name gives a *NotFoundError listing what was tried. Results,
// including failures, are cached.
func (l *Layouts) Layout(name string) (lay *Layout, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lay, ok := l.layouts[name]; ok {
		return lay, nil
	}
	if err, ok := l.errs[name]; ok {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			lay = nil
			err = &DWARFError{File: l.name, Offset: -1, What: fmt.Sprintf("internal error while resolving %s: %v", name, p), Err: ErrMalformed}
		}
		if err != nil {
			l.errs[name] = err
		} else {
			l.layouts[name] = lay
		}
	}()
	if l.r == nil {
		l.r = l.data.Reader()
	}
	looked := candidates(name)
	incomplete := false
	for _, key := range looked {
		off, ok := l.index[key]
		if !ok {
			if l.declared[key] {
				incomplete = true
			}
			continue
		}
		lay, err := l.resolveTop(off, key)
		if errors.Is(err, errNotStruct) {
			continue // a typedef naming something else
		}
		return lay, err
	}
	nf := &NotFoundError{Source: l.name, Looked: looked, Incomplete: incomplete}
	if len(l.warnings) > 0 {
		nf.Note = "the DWARF index is incomplete: " + l.warnings[0]
	}
	return nil, nf
}

var errNotStruct = errors.New("not a struct or union")

// resolveTop builds the Layout of the struct or union at off.
func (l *Layouts) resolveTop(off dwarf.Offset, key string) (*Layout, error) {
	n, err := l.typeOf(off, 0)
	if err != nil {
		return nil, err
	}
	if n.typ.Kind != KindStruct && n.typ.Kind != KindUnion {
		return nil, errNotStruct
	}
	name := n.typ.Target
	if name == "" {
		_, name, _ = strings.Cut(key, " ")
	}
	cname := n.typ.Kind.String() + " " + name
	// Another spelling may already have resolved the same tagged struct.
	if n.typ.Target != "" {
		if lay, ok := l.layouts[cname]; ok {
			return lay, nil
		}
	}
	if n.size < 0 || n.st == nil || n.st.die == 0 {
		return nil, &NotFoundError{Source: l.name, Looked: []string{cname}, Incomplete: true}
	}
	// Count first (memoized per struct type, so cheap even when the
	// expansion would be exponential), then expand.
	if total, err := l.countMembers(n.st, 0); err != nil {
		return nil, fmt.Errorf("%s: %w", cname, err)
	} else if total > maxFields {
		return nil, fmt.Errorf("%s: %w", cname, l.errf(n.st.die, "more than %d members", maxFields))
	}
	var count int
	fields, err := l.expand(n.st, 0, n.size, "", 0, &count)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cname, err)
	}
	lay := &Layout{Name: name, Kind: n.typ.Kind, Size: n.size, Fields: fields, Origin: "dwarf"}
	lay.index()
	if n.typ.Target != "" {
		l.layouts[cname] = lay
	}
	return lay, nil
}

// entry reads the DIE at off.
func (l *Layouts) entry(off dwarf.Offset) (*dwarf.Entry, error) {
	l.r.Seek(off)
	e, err := l.r.Next()
	if err != nil {
		return nil, &DWARFError{File: l.name, Offset: int64(off), What: err.Error(), Err: ErrMalformed}
	}
	if e == nil || e.Offset != off || e.Tag == 0 {
		return nil, l.errf(off, "no debugging entry at this offset")
	}
	return e, nil
}

// children reads the direct children of the DIE at off (which entry has
// just read), skipping grandchildren.
func (l *Layouts) children(off dwarf.Offset, limit int) ([]*dwarf.Entry, error) {
	e, err := l.entry(off)
	if err != nil {
		return nil, err
	}
	if !e.Children {
		return nil, nil
	}
	var out []*dwarf.Entry
	for {
		c, err := l.r.Next()
		if err != nil {
			return nil, &DWARFError{File: l.name, Offset: int64(off), What: "reading children: " + err.Error(), Err: ErrMalformed}
		}
		if c == nil || c.Tag == dwarf.TagCompileUnit || c.Tag == dwarf.TagPartialUnit {
			return nil, l.errf(off, "children not terminated")
		}
		if c.Tag == 0 {
			return out, nil
		}
		if len(out) >= limit {
			return nil, l.errf(off, "more than %d children", limit)
		}
		out = append(out, c)
		if c.Children {
			l.r.SkipChildren()
		}
	}
}

// intVal converts an attribute value holding an integer constant.
func intVal(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

func attrInt(e *dwarf.Entry, a dwarf.Attr) (int64, bool) {
	return intVal(e.Val(a))
}

func attrRef(e *dwarf.Entry, a dwarf.Attr) (dwarf.Offset, bool) {
	off, ok := e.Val(a).(dwarf.Offset)
	return off, ok
}

var (
	voidNode    = &tnode{typ: Type{Kind: KindVoid}, size: -1, cname: "void"}
	unknownNode = &tnode{typ: Type{Kind: KindUnknown}, size: -1, cname: "?"}
)

// typeOf resolves the type DIE at off (not the members of a struct).
func (l *Layouts) typeOf(off dwarf.Offset, depth int) (*tnode, error) {
	if n, ok := l.types[off]; ok {
		return n, nil
	}
	if depth > maxTypeDepth {
		return nil, l.errf(off, "type chain deeper than %d (a loop?)", maxTypeDepth)
	}
	e, err := l.entry(off)
	if err != nil {
		return nil, err
	}
	n, err := l.makeType(e, depth)
	if err != nil {
		return nil, err
	}
	l.types[off] = n
	return n, nil
}

// inner resolves the DW_AT_type of e (void when absent).
func (l *Layouts) inner(e *dwarf.Entry, depth int) (*tnode, error) {
	t, ok := attrRef(e, dwarf.AttrType)
	if !ok {
		if e.Val(dwarf.AttrType) != nil {
			return unknownNode, nil // a type signature (type units): not followed
		}
		return voidNode, nil
	}
	return l.typeOf(t, depth+1)
}

func (l *Layouts) makeType(e *dwarf.Entry, depth int) (*tnode, error) {
	name, _ := e.Val(dwarf.AttrName).(string)
	size, hasSize := attrInt(e, dwarf.AttrByteSize)
	if hasSize && (size < 0 || size > maxObjectSize) {
		return nil, l.errf(e.Offset, "byte size %d out of range", size)
	}
	switch e.Tag {
	case dwarf.TagTypedef, dwarf.TagConstType, dwarf.TagVolatileType, dwarf.TagRestrictType,
		dwarf.TagAtomicType, dwarf.TagSharedType, dwarf.TagImmutableType, dwarf.TagPackedType:
		in, err := l.inner(e, depth)
		if err != nil {
			return nil, err
		}
		n := *in
		switch e.Tag {
		case dwarf.TagTypedef:
			if name != "" {
				n.cname = name
			}
		case dwarf.TagConstType:
			n.cname = qualify("const", in.cname)
		case dwarf.TagVolatileType:
			n.cname = qualify("volatile", in.cname)
		case dwarf.TagAtomicType:
			n.cname = qualify("_Atomic", in.cname)
		}
		return &n, nil

	case dwarf.TagBaseType:
		if !hasSize {
			return nil, l.errf(e.Offset, "base type %q without a byte size", name)
		}
		enc, _ := attrInt(e, dwarf.AttrEncoding)
		return &tnode{typ: Type{Kind: baseKind(enc)}, size: size, cname: name}, nil

	case dwarf.TagUnspecifiedType:
		return &tnode{typ: Type{Kind: KindVoid}, size: -1, cname: orDefault(name, "void")}, nil

	case dwarf.TagPointerType, dwarf.TagReferenceType, dwarf.TagRvalueReferenceType:
		in, err := l.inner(e, depth)
		if err != nil {
			return nil, err
		}
		if !hasSize {
			size = int64(l.r.AddressSize())
			if size <= 0 {
				size = 8
			}
		}
		n := &tnode{size: size, cname: pointerName(in.cname)}
		switch in.typ.Kind {
		case KindFunc:
			n.typ = Type{Kind: KindFuncPointer}
		default:
			n.typ = Type{Kind: KindPointer, Elem: in.typ.Kind}
			if in.typ.Kind.tagged() {
				n.typ.Target = in.typ.Target
			}
		}
		return n, nil

	case dwarf.TagSubroutineType:
		return &tnode{typ: Type{Kind: KindFunc}, size: -1, cname: "func()"}, nil

	case dwarf.TagEnumerationType:
		n := &tnode{typ: Type{Kind: KindEnum, Target: name}, size: size, cname: "enum " + orDefault(name, "{...}")}
		if !hasSize {
			n.size = 4 // the C default when the DWARF does not say
		}
		if t, ok := attrRef(e, dwarf.AttrType); ok {
			in, err := l.typeOf(t, depth+1)
			if err != nil {
				return nil, err
			}
			if in.typ.Kind == KindInt || in.typ.Kind == KindUint {
				n.typ.Elem = in.typ.Kind
				if !hasSize {
					n.size = in.size
				}
			}
		} else if enc, ok := attrInt(e, dwarf.AttrEncoding); ok {
			if k := baseKind(enc); k == KindInt || k == KindUint {
				n.typ.Elem = k
			}
		} else if e.Children {
			// DWARF 2/3 say nothing: C compilers pick int when an
			// enumerator is negative, unsigned int otherwise.
			kids, err := l.children(e.Offset, maxMembers)
			if err != nil {
				return nil, err
			}
			n.typ.Elem = KindUint
			for _, k := range kids {
				if v, ok := k.Val(dwarf.AttrConstValue).(int64); ok && v < 0 {
					n.typ.Elem = KindInt
				}
			}
		}
		return n, nil

	case dwarf.TagStructType, dwarf.TagClassType, dwarf.TagUnionType:
		kind := KindStruct
		if e.Tag == dwarf.TagUnionType {
			kind = KindUnion
		}
		decl, _ := e.Val(dwarf.AttrDeclaration).(bool)
		if decl && name != "" {
			key := tagPrefix(e.Tag) + " " + name
			if def, ok := l.index[key]; ok && def != e.Offset {
				return l.typeOf(def, depth+1)
			}
		}
		n := &tnode{typ: Type{Kind: kind, Target: name}, size: -1, cname: kind.String() + " " + orDefault(name, "{...}"), st: &sinfo{}}
		if !decl {
			if !hasSize {
				return nil, l.errf(e.Offset, "%s without a byte size", n.cname)
			}
			n.size = size
			n.st.die = e.Offset
		}
		return n, nil

	case dwarf.TagArrayType:
		return l.arrayType(e, depth)
	}
	// Anything else (pointer to member, string type, …): not modelled.
	return &tnode{typ: Type{Kind: KindUnknown}, size: sizeOr(size, hasSize), cname: orDefault(name, e.Tag.String())}, nil
}

func (l *Layouts) arrayType(e *dwarf.Entry, depth int) (*tnode, error) {
	el, err := l.inner(e, depth)
	if err != nil {
		return nil, err
	}
	subs, err := l.children(e.Offset, 64)
	if err != nil {
		return nil, err
	}
	count, known := int64(1), true
	var dims strings.Builder
	ndims := 0
	for _, s := range subs {
		if s.Tag != dwarf.TagSubrangeType && s.Tag != dwarf.TagEnumerationType {
			continue
		}
		ndims++
		var n int64
		ok := false
		if c, has := attrInt(s, dwarf.AttrCount); has {
			n, ok = c, true
		} else if ub, has := attrInt(s, dwarf.AttrUpperBound); has {
			lb, _ := attrInt(s, dwarf.AttrLowerBound)
			n, ok = ub-lb+1, true
			if ub < lb {
				n = 0
			}
		}
		if !ok || n < 0 {
			known = false
			dims.WriteString("[]")
			continue
		}
		dims.WriteString("[" + strconv.FormatInt(n, 10) + "]")
		if n != 0 && count > maxObjectSize/n {
			return nil, l.errf(e.Offset, "array dimension %d too large", n)
		}
		count *= n
	}
	if ndims == 0 {
		known = false
		dims.WriteString("[]")
	}
	if !known {
		count = 0
	}
	t := Type{Kind: KindArray, Elem: el.typ.Kind, ElemSize: el.size, Count: count}
	if el.typ.Kind.tagged() {
		t.Target = el.typ.Target
	}
	cname := el.cname + dims.String()
	if el.typ.Kind == KindArray { // flatten arrays of arrays
		t.Elem, t.ElemSize, t.Target = el.typ.Elem, el.typ.ElemSize, el.typ.Target
		t.Count = count * el.typ.Count
		if el.typ.Count != 0 && count > maxObjectSize/el.typ.Count {
			return nil, l.errf(e.Offset, "array too large")
		}
		if base, rest, ok := strings.Cut(el.cname, "["); ok {
			cname = base + dims.String() + "[" + rest
		}
	}
	if t.ElemSize < 0 {
		return nil, l.errf(e.Offset, "array of %s, whose size is unknown", el.cname)
	}
	size := t.Count * t.ElemSize
	if t.ElemSize != 0 && t.Count > maxObjectSize/t.ElemSize {
		return nil, l.errf(e.Offset, "array of %d × %d bytes too large", t.Count, t.ElemSize)
	}
	return &tnode{typ: t, size: size, cname: cname}, nil
}

func baseKind(enc int64) Kind {
	switch enc {
	case 0x5, 0x6, 0xd: // signed, signed_char, signed_fixed
		return KindInt
	case 0x1, 0x7, 0x8, 0xe, 0x10: // address, unsigned, unsigned_char, unsigned_fixed, UTF
		return KindUint
	case 0x2:
		return KindBool
	case 0x3, 0x4, 0x9, 0xf: // complex_float, float, imaginary_float, decimal_float
		return KindFloat
	}
	return KindUnknown
}

func qualify(q, inner string) string {
	if strings.HasSuffix(inner, "*") {
		return inner + " " + q
	}
	return q + " " + inner
}

func pointerName(inner string) string {
	if strings.HasSuffix(inner, "*") {
		return inner + "*"
	}
	return inner + " *"
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func sizeOr(size int64, ok bool) int64 {
	if ok {
		return size
	}
	return -1
}

// members reads (once) the DW_TAG_member children of a struct or union.
func (l *Layouts) members(st *sinfo) ([]rawMember, error) {
	if st.loaded {
		return st.members, nil
	}
	kids, err := l.children(st.die, maxMembers)
	if err != nil {
		return nil, err
	}
	ms := make([]rawMember, 0, len(kids))
	for _, c := range kids {
		if c.Tag != dwarf.TagMember {
			continue
		}
		m := rawMember{off: c.Offset}
		m.name, _ = c.Val(dwarf.AttrName).(string)
		m.typ, m.hasType = attrRef(c, dwarf.AttrType)
		if f := c.AttrField(dwarf.AttrDataMemberLoc); f != nil {
			switch v := f.Val.(type) {
			case []byte:
				loc, ok := evalMemberLoc(v)
				if !ok {
					m.locUnsupported = fmt.Sprintf("location expression % x", v)
				}
				m.loc = loc
			default:
				loc, ok := intVal(v)
				if !ok {
					m.locUnsupported = fmt.Sprintf("location of class %v", f.Class)
				}
				m.loc = loc
			}
		}
		m.dataBitOff, m.hasDataBitOff = attrInt(c, dwarf.AttrDataBitOffset)
		m.bitOff, m.hasBitOff = attrInt(c, dwarf.AttrBitOffset)
		m.bitSize, _ = attrInt(c, dwarf.AttrBitSize)
		m.byteSize, m.hasByteSize = attrInt(c, dwarf.AttrByteSize)
		ms = append(ms, m)
	}
	st.members, st.loaded = ms, true
	return ms, nil
}

// evalMemberLoc evaluates the DWARF 2 style member location expressions
// compilers emit: DW_OP_plus_uconst N, DW_OP_constu N [DW_OP_plus],
// DW_OP_litN [DW_OP_plus].
func evalMemberLoc(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	op := b[0]
	var v uint64
	var rest []byte
	switch {
	case op == 0x23 || op == 0x10: // DW_OP_plus_uconst, DW_OP_constu
		var n int
		v, n = uleb(b[1:])
		if n == 0 {
			return 0, false
		}
		rest = b[1+n:]
	case op >= 0x30 && op <= 0x4f: // DW_OP_lit0..31
		v = uint64(op - 0x30)
		rest = b[1:]
	default:
		return 0, false
	}
	if op != 0x23 && len(rest) == 1 && rest[0] == 0x22 { // DW_OP_plus
		rest = nil
	}
	if len(rest) != 0 || v > maxObjectSize {
		return 0, false
	}
	return int64(v), true
}

// uleb decodes an unsigned LEB128 number; n is 0 when b holds none.
func uleb(b []byte) (v uint64, n int) {
	var shift uint
	for i, c := range b {
		if shift >= 64 {
			return 0, 0
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// countMembers returns the number of members of a struct or union at all
// nesting levels (saturating above maxFields), without building them.
func (l *Layouts) countMembers(st *sinfo, depth int) (int, error) {
	if st.counted {
		return st.total, nil
	}
	if depth > maxNest {
		return 0, l.errf(st.die, "structs nested more than %d deep", maxNest)
	}
	if st.die == 0 {
		return 0, fmt.Errorf("%w: member of an incomplete struct or union type", ErrMalformed)
	}
	ms, err := l.members(st)
	if err != nil {
		return 0, err
	}
	total := 0
	for i := range ms {
		total++
		m := &ms[i]
		if m.hasType && m.bitSize == 0 {
			tn, err := l.typeOf(m.typ, 0)
			if err != nil {
				return 0, err
			}
			if tn.typ.Kind == KindStruct || tn.typ.Kind == KindUnion {
				if tn.st == nil || tn.st.die == 0 {
					continue // reported by expand
				}
				n, err := l.countMembers(tn.st, depth+1)
				if err != nil {
					return 0, err
				}
				total += n
			}
		}
		if total > maxFields {
			break
		}
	}
	st.total, st.counted = total, true
	return total, nil
}

// expand resolves the members of a struct or union placed at byte offset
// base of the outermost struct, size bytes long, whose members' paths start
// with prefix.
func (l *Layouts) expand(st *sinfo, base, size int64, prefix string, depth int, count *int) ([]Field, error) {
	if depth > maxNest {
		return nil, l.errf(st.die, "structs nested more than %d deep", maxNest)
	}
	if st.die == 0 {
		return nil, fmt.Errorf("%w: member of an incomplete struct or union type", ErrMalformed)
	}
	ms, err := l.members(st)
	if err != nil {
		return nil, err
	}
	fields := make([]Field, 0, len(ms))
	for i := range ms {
		m := &ms[i]
		*count++
		if *count > maxFields {
			return nil, l.errf(m.off, "more than %d members", maxFields)
		}
		if m.locUnsupported != "" {
			return nil, l.errf(m.off, "member %q: unsupported %s", m.name, m.locUnsupported)
		}
		if !m.hasType {
			return nil, l.errf(m.off, "member %q has no type", m.name)
		}
		tn, err := l.typeOf(m.typ, 0)
		if err != nil {
			return nil, err
		}
		f := Field{Name: m.name, Type: tn.typ, CType: tn.cname}
		if m.bitSize > 0 || m.hasDataBitOff || m.hasBitOff {
			if err := l.bitField(m, tn, base, size, &f); err != nil {
				return nil, err
			}
		} else {
			if tn.size < 0 {
				return nil, l.errf(m.off, "member %q has a type of unknown size (%s)", m.name, tn.cname)
			}
			if m.loc < 0 || m.loc > size || tn.size > size-m.loc {
				return nil, l.errf(m.off, "member %q at offset %d, %d bytes, outside its %d-byte parent", m.name, m.loc, tn.size, size)
			}
			f.Offset, f.Size = base+m.loc, tn.size
		}
		f.Path = prefix
		if m.name != "" {
			if prefix != "" {
				f.Path = prefix + "." + m.name
			} else {
				f.Path = m.name
			}
		}
		if f.BitSize == 0 && (tn.typ.Kind == KindStruct || tn.typ.Kind == KindUnion) {
			f.Members, err = l.expand(tn.st, f.Offset, f.Size, f.Path, depth+1, count)
			if err != nil {
				return nil, err
			}
		}
		fields = append(fields, f)
	}
	return fields, nil
}

// bitField fills in the offset, size and bit position of a bit-field member.
func (l *Layouts) bitField(m *rawMember, tn *tnode, base, size int64, f *Field) error {
	if m.bitSize <= 0 || m.bitSize > 64 {
		return l.errf(m.off, "bit-field %q of %d bits", m.name, m.bitSize)
	}
	var bit int64 // from the start of the parent
	switch {
	case m.hasDataBitOff:
		bit = m.dataBitOff
	case m.hasBitOff:
		unit := tn.size
		if m.hasByteSize {
			unit = m.byteSize
		}
		if unit <= 0 || unit > 16 {
			return l.errf(m.off, "bit-field %q with a %d-byte storage unit", m.name, unit)
		}
		bit = m.loc*8 + unit*8 - m.bitOff - m.bitSize
	default:
		bit = m.loc * 8
	}
	if bit < 0 || bit > size*8 || m.bitSize > size*8-bit {
		return l.errf(m.off, "bit-field %q at bit %d (+%d) outside its %d-byte parent", m.name, bit, m.bitSize, size)
	}
	f.Offset = base + bit/8
	f.BitOffset = int(bit % 8)
	f.BitSize = int(m.bitSize)
	f.Size = (int64(f.BitOffset) + m.bitSize + 7) / 8
	return nil
}
