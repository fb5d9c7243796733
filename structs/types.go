package structs

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the canonical kind of a member's type, after typedefs and the
// const, volatile, restrict and _Atomic qualifiers are resolved.
type Kind uint8

// The kinds of Type. KindInt and KindUint are the signed and unsigned
// integers (char is KindInt on amd64: gcc marks it DW_ATE_signed_char).
const (
	KindUnknown     Kind = iota // a type this package does not model (or none)
	KindInt                     // a signed integer: char, short, int, long, pid_t, …
	KindUint                    // an unsigned integer: u_int, uid_t, size_t, …
	KindBool                    // _Bool
	KindFloat                   // float, double, long double (and complex)
	KindEnum                    // an enumeration; Type.Elem is its underlying KindInt or KindUint
	KindPointer                 // a pointer to data; Type.Elem is the pointee's kind
	KindFuncPointer             // a pointer to a function
	KindArray                   // an array; Type.Elem, ElemSize and Count describe it
	KindStruct                  // a struct
	KindUnion                   // a union
	KindVoid                    // void: only as the Elem of a pointer (void *)
	KindFunc                    // a function type: only as the Elem of a pointer to a function pointer
)

var kindNames = [...]string{
	KindUnknown:     "unknown",
	KindInt:         "int",
	KindUint:        "uint",
	KindBool:        "bool",
	KindFloat:       "float",
	KindEnum:        "enum",
	KindPointer:     "pointer",
	KindFuncPointer: "funcptr",
	KindArray:       "array",
	KindStruct:      "struct",
	KindUnion:       "union",
	KindVoid:        "void",
	KindFunc:        "func",
}

// String returns the kind's name as used in Type.String: "int", "uint",
// "pointer", "funcptr", "array", "struct", and so on.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// tagged reports whether types of kind k carry a tag name (struct, union,
// enum).
func (k Kind) tagged() bool {
	return k == KindStruct || k == KindUnion || k == KindEnum
}

// Type is the small canonical description of a member's type that decoding
// needs: no typedef names, no qualifiers. Two members with the same Type
// decode the same way. Type values are comparable with ==.
//
// Which fields are meaningful depends on Kind:
//
//   - KindEnum: Elem is the underlying integer kind (KindInt or KindUint,
//     or KindUnknown when the DWARF does not say); Target is the tag.
//   - KindPointer: Elem is the pointee's kind (KindVoid for void *,
//     KindPointer for a pointer to a pointer); Target is the pointee's
//     tag when it is a struct, union or enum ("proc" for struct proc *).
//   - KindArray: Elem, ElemSize and Target describe the element (arrays of
//     arrays are flattened to their innermost element); Count is the total
//     number of elements, 0 for a flexible array member (u_char ar_args[]).
//   - KindStruct, KindUnion: Target is the tag, "" for an anonymous one.
//
// The size of the member itself is Field.Size, not part of Type.
type Type struct {
	Kind     Kind   // the member's kind
	Elem     Kind   // pointee, element or underlying kind (see above)
	ElemSize int64  // arrays: the size of one element in bytes
	Count    int64  // arrays: the number of elements (0: flexible)
	Target   string // the struct, union or enum tag of the type, pointee or element
}

// Signed reports whether values of the type (or of its elements, for an
// array, or its underlying integer, for an enum) are signed integers.
func (t Type) Signed() bool {
	switch t.Kind {
	case KindInt:
		return true
	case KindEnum, KindArray:
		return t.Elem == KindInt
	}
	return false
}

// elemString formats a kind with an optional tag: "struct proc", "int".
func elemString(k Kind, target string) string {
	if k.tagged() && target != "" {
		return k.String() + " " + target
	}
	return k.String()
}

// String returns the canonical one-word form of the type, used in
// Layout.String and in the built-in profile tables:
//
//	int  uint  bool  float  funcptr  unknown
//	enum procstat:uint                         (tag, underlying kind)
//	*struct proc  *int  *void  *pointer  *func (pointer to the pointee)
//	[17]int(1)  [3]struct itimerval(32)  []uint(1)   (count, element, element size)
//	struct timeval  struct  union               (tag, or none when anonymous)
func (t Type) String() string {
	switch t.Kind {
	case KindEnum:
		s := elemString(KindEnum, t.Target)
		if t.Elem == KindInt || t.Elem == KindUint {
			s += ":" + t.Elem.String()
		}
		return s
	case KindPointer:
		return "*" + elemString(t.Elem, t.Target)
	case KindArray:
		n := ""
		if t.Count > 0 {
			n = strconv.FormatInt(t.Count, 10)
		}
		return "[" + n + "]" + elemString(t.Elem, t.Target) + "(" + strconv.FormatInt(t.ElemSize, 10) + ")"
	case KindStruct, KindUnion:
		return elemString(t.Kind, t.Target)
	}
	return t.Kind.String()
}

// kindByName maps the names of kindNames back to kinds.
func kindByName(s string) (Kind, bool) {
	for k, n := range kindNames {
		if n == s {
			return Kind(k), true
		}
	}
	return KindUnknown, false
}

// parseElem parses "struct proc", "enum x", "int" (the inverse of
// elemString).
func parseElem(s string) (Kind, string, error) {
	name, tag, _ := strings.Cut(s, " ")
	k, ok := kindByName(name)
	if !ok {
		return 0, "", fmt.Errorf("unknown kind %q", name)
	}
	if tag != "" && !k.tagged() {
		return 0, "", fmt.Errorf("kind %s takes no tag (%q)", k, s)
	}
	return k, tag, nil
}

// parseType parses the canonical form produced by Type.String. The built-in
// profiles are written in it.
func parseType(s string) (Type, error) {
	bad := func(err error) (Type, error) {
		return Type{}, fmt.Errorf("type %q: %w", s, err)
	}
	switch {
	case strings.HasPrefix(s, "*"):
		k, tag, err := parseElem(s[1:])
		if err != nil {
			return bad(err)
		}
		return Type{Kind: KindPointer, Elem: k, Target: tag}, nil
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		open := strings.LastIndexByte(s, '(')
		if end < 0 || open < end || !strings.HasSuffix(s, ")") {
			return bad(fmt.Errorf("want [N]elem(size)"))
		}
		var t Type
		t.Kind = KindArray
		if n := s[1:end]; n != "" {
			c, err := strconv.ParseInt(n, 10, 64)
			if err != nil || c <= 0 {
				return bad(fmt.Errorf("bad count %q", n))
			}
			t.Count = c
		}
		es, err := strconv.ParseInt(s[open+1:len(s)-1], 10, 64)
		if err != nil || es < 0 {
			return bad(fmt.Errorf("bad element size"))
		}
		t.ElemSize = es
		t.Elem, t.Target, err = parseElem(s[end+1 : open])
		if err != nil {
			return bad(err)
		}
		return t, nil
	case strings.HasPrefix(s, "enum"):
		body, under, _ := strings.Cut(s, ":")
		_, tag, err := parseElem(body)
		if err != nil {
			return bad(err)
		}
		t := Type{Kind: KindEnum, Target: tag}
		if under != "" {
			k, ok := kindByName(under)
			if !ok || (k != KindInt && k != KindUint) {
				return bad(fmt.Errorf("enum underlying kind must be int or uint"))
			}
			t.Elem = k
		}
		return t, nil
	}
	k, tag, err := parseElem(s)
	if err != nil {
		return bad(err)
	}
	return Type{Kind: k, Target: tag}, nil
}
