package structs

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Bounds on what one member may make the decoder read, so that a damaged or
// hostile layout (a char p_comm[1<<30]) costs bounded memory. Real kernels
// stay far below them: the longest string kdump reads is si_name[64], the
// largest group array cr_groups[16] and the widest record span (struct
// vmspace, vm_map.size to vm_ssize) under 1.5 KiB.
const (
	maxString = 256      // bytes of a char array member
	maxGroups = 1024     // entries of cr_groups
	maxSpan   = 16 << 10 // bytes from the first to the last member of a record
)

// shape says what a member must look like to fill a Go field.
type shape uint8

const (
	shapeInt    shape = iota // an integer, enum or bool of 1, 2, 4 or 8 bytes, or a bit-field
	shapePtr                 // a pointer (or pointer-sized integer) of 8 bytes
	shapeString              // an array of 1-byte elements
	shapeSigset              // a 16-byte sigset_t
	shapeGroups              // an array of 4-byte gid_t
	shapeFlex                // any array, possibly flexible: only its offset is used
)

// mem is one resolved member: where its bytes lie in the struct and how to
// turn them into a Go value. The zero mem (ok false) is an absent member.
type mem struct {
	name    string // the kernel member path as found ("p_flag" on a 2007 kernel); faults and Known use it
	off     int64  // offset from the start of the struct
	size    int64  // bytes to read (strings and arrays: bounded)
	count   int64  // shapeGroups: entries available (bounded)
	signed  bool
	bitOff  uint8
	bitSize uint8
	ok      bool
}

// end returns the offset just past the member's bytes.
func (m *mem) end() int64 { return m.off + m.size }

// load decodes an integer member from b, which holds the member's bytes
// from its first byte on: read with the member's own size, sign-extended to
// 64 bits when the member is signed.
func (m *mem) load(b []byte) uint64 {
	if m.bitSize == 0 {
		switch m.size {
		case 8:
			return binary.LittleEndian.Uint64(b)
		case 4:
			if v := binary.LittleEndian.Uint32(b); !m.signed {
				return uint64(v)
			} else {
				return uint64(int64(int32(v)))
			}
		case 2:
			if v := binary.LittleEndian.Uint16(b); !m.signed {
				return uint64(v)
			} else {
				return uint64(int64(int16(v)))
			}
		case 1:
			if !m.signed {
				return uint64(b[0])
			}
			return uint64(int64(int8(b[0])))
		}
		return 0 // fit admits no other size
	}
	return m.loadBits(b)
}

// loadBits decodes a bit-field: Size (at most 9) bytes little-endian,
// shifted right by BitOffset, BitSize bits kept.
func (m *mem) loadBits(b []byte) uint64 {
	var v uint64
	for i := min(m.size, 8) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	v >>= m.bitOff
	if m.size == 9 && m.bitOff > 0 { // a 64-bit field straddling nine bytes
		v |= uint64(b[8]) << (64 - m.bitOff)
	}
	if m.bitSize < 64 {
		sh := 64 - uint(m.bitSize)
		if m.signed {
			return uint64(int64(v<<sh) >> sh)
		}
		return v << sh >> sh
	}
	return v
}

// resolver looks members up once for NewDecoder and collects what it did
// not find.
type resolver struct {
	p       Provider
	layouts map[string]*Layout // by struct name; nil entry: not found
	absent  []string           // "struct proc.p_ppid", mismatches with their reason
}

// layout returns the struct's layout or nil.
func (r *resolver) layout(strct string) *Layout {
	if lay, ok := r.layouts[strct]; ok {
		return lay
	}
	lay, err := r.p.Layout("struct " + strct)
	if err != nil {
		lay = nil
		r.absent = append(r.absent, "struct "+strct)
	}
	r.layouts[strct] = lay
	return lay
}

// member resolves the first of the alternative paths the layout has and
// checks its shape. A path not found, or of the wrong shape, is noted as
// absent and gives the zero mem.
func (r *resolver) member(lay *Layout, sh shape, paths ...string) mem {
	if lay == nil {
		return mem{}
	}
	for _, path := range paths {
		f, ok := resolvePath(r.p, lay, path, 0)
		if !ok {
			continue
		}
		m, why := fit(f, sh)
		if why != "" {
			r.absent = append(r.absent, fmt.Sprintf("%s.%s: %s", lay.CName(), path, why))
			return mem{}
		}
		m.name = path
		return m
	}
	s := lay.CName() + "." + paths[0]
	if len(paths) > 1 {
		s += " (or " + strings.Join(paths[1:], ", ") + ")"
	}
	r.absent = append(r.absent, s)
	return mem{}
}

// resolvePath finds the member at a dotted path. A layout that lists only
// some members (a profile) may give "p_ru" but not "p_ru.ru_maxrss"; then the
// rest of the path is looked up in the layout of the member's own struct
// type ("struct rusage") and the offsets are added.
func resolvePath(p Provider, lay *Layout, path string, depth int) (Field, bool) {
	if f, ok := lay.Lookup(path); ok {
		return f, true
	}
	if depth >= maxNest {
		return Field{}, false
	}
	for i := strings.LastIndexByte(path, '.'); i > 0; i = strings.LastIndexByte(path[:i], '.') {
		outer, ok := lay.Lookup(path[:i])
		if !ok {
			continue
		}
		if (outer.Type.Kind != KindStruct && outer.Type.Kind != KindUnion) || outer.Type.Target == "" {
			return Field{}, false
		}
		sub, err := p.Layout(outer.Type.Kind.String() + " " + outer.Type.Target)
		if err != nil {
			return Field{}, false
		}
		f, ok := resolvePath(p, sub, path[i+1:], depth+1)
		if !ok || f.End() > outer.Size {
			return Field{}, false
		}
		f.Offset += outer.Offset
		f.Path = path
		return f, true
	}
	return Field{}, false
}

// fit checks a member against the shape of the Go field it fills and returns
// how to read it, or why it cannot be used.
func fit(f Field, sh shape) (mem, string) {
	m := mem{off: f.Offset, size: f.Size, ok: true, signed: f.Type.Signed()}
	what := fmt.Sprintf("%d-byte %s", f.Size, f.Type)
	switch sh {
	case shapeInt:
		if f.IsBitField() {
			if f.BitSize > 64 || f.Size > 9 || f.BitOffset > 7 {
				return mem{}, what + " bit-field too wide"
			}
			m.bitOff, m.bitSize = uint8(f.BitOffset), uint8(f.BitSize)
			return m, ""
		}
		switch f.Type.Kind {
		case KindInt, KindUint, KindEnum, KindBool:
		default:
			return mem{}, what + ", want an integer"
		}
		if f.Size != 1 && f.Size != 2 && f.Size != 4 && f.Size != 8 {
			return mem{}, what + ", want an integer of 1, 2, 4 or 8 bytes"
		}
	case shapePtr:
		switch f.Type.Kind {
		case KindPointer, KindFuncPointer, KindInt, KindUint:
		default:
			return mem{}, what + ", want a pointer"
		}
		if f.Size != 8 || f.IsBitField() {
			return mem{}, what + ", want an 8-byte pointer"
		}
		m.signed = false
	case shapeString:
		if f.Type.Kind != KindArray || f.Type.ElemSize != 1 || f.Size == 0 {
			return mem{}, what + ", want a char array"
		}
		m.size = min(f.Size, maxString)
	case shapeSigset:
		if f.Size != 16 || (f.Type.Kind != KindStruct && f.Type.Kind != KindArray) {
			return mem{}, what + ", want a 16-byte sigset_t"
		}
	case shapeGroups:
		if f.Type.Kind != KindArray || f.Type.ElemSize != 4 || f.Size == 0 {
			return mem{}, what + ", want an array of 4-byte gid_t"
		}
		m.count = min(f.Size/4, maxGroups)
		m.size = 4 * m.count
		m.signed = false
	case shapeFlex:
		if f.Type.Kind != KindArray {
			return mem{}, what + ", want an array"
		}
		m.size = 0
	}
	return m, ""
}

// timevalMem is a struct timeval member.
type timevalMem struct{ sec, usec mem }

// rusageMem is the part of a struct rusage member kdump reads.
type rusageMem struct {
	utime, stime timevalMem
	maxrss       mem
}

// rtprioMem is a struct rtprio member.
type rtprioMem struct{ typ, prio mem }

// whole reports whether the layout has the composite member at path, and
// notes it as absent (once, not member by member) when not.
func (r *resolver) whole(lay *Layout, path string) bool {
	if lay == nil {
		return false
	}
	if _, ok := resolvePath(r.p, lay, path, 0); !ok {
		r.absent = append(r.absent, lay.CName()+"."+path)
		return false
	}
	return true
}

func (r *resolver) timeval(lay *Layout, path string) timevalMem {
	if !r.whole(lay, path) {
		return timevalMem{}
	}
	t := timevalMem{r.member(lay, shapeInt, path+".tv_sec"), r.member(lay, shapeInt, path+".tv_usec")}
	t.sec.name, t.usec.name = path, path
	return t
}

func (r *resolver) rusage(lay *Layout, path string) rusageMem {
	if !r.whole(lay, path) {
		return rusageMem{}
	}
	u := rusageMem{
		utime:  r.timeval(lay, path+".ru_utime"),
		stime:  r.timeval(lay, path+".ru_stime"),
		maxrss: r.member(lay, shapeInt, path+".ru_maxrss"),
	}
	for _, m := range []*mem{&u.utime.sec, &u.utime.usec, &u.stime.sec, &u.stime.usec, &u.maxrss} {
		m.name = path
	}
	return u
}

func (r *resolver) rtprio(lay *Layout, path string) rtprioMem {
	if !r.whole(lay, path) {
		return rtprioMem{}
	}
	t := rtprioMem{r.member(lay, shapeInt, path+".type"), r.member(lay, shapeInt, path+".prio")}
	t.typ.name, t.prio.name = path, path
	return t
}
