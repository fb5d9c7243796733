package structs

import (
	"debug/dwarf"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// dwb assembles a tiny DWARF 4 .debug_info (one compilation unit) with a
// fixed abbreviation table, for hostile-structure tests and fuzz seeds.
// References are labels resolved when the unit is finished.
type dwb struct {
	b      []byte
	labels map[string]int
	fixups map[int]string
}

// Abbreviation codes of dwbAbbrev.
const (
	abCU       = 1  // compile_unit, children
	abStruct   = 2  // structure_type, children: name string, byte_size data4
	abMember   = 3  // member: name string, type ref4, data_member_location data4
	abBase     = 4  // base_type: name string, encoding data1, byte_size data1
	abTypedef  = 5  // typedef: name string, type ref4
	abArray    = 6  // array_type, children: type ref4
	abSubrange = 7  // subrange_type: upper_bound data8
	abPointer  = 8  // pointer_type: byte_size data1, type ref4
	abUnion    = 9  // union_type, children: name string, byte_size data4
	abDecl     = 10 // structure_type: name string, declaration flag_present
)

// dwbAbbrev is the abbreviation table matching the codes above.
var dwbAbbrev = func() []byte {
	var a []byte
	add := func(code, tag byte, children bool, attrs ...byte) {
		c := byte(0)
		if children {
			c = 1
		}
		a = append(a, code, tag, c)
		a = append(a, attrs...)
		a = append(a, 0, 0)
	}
	const (
		tagArray    = 0x01
		tagMember   = 0x0d
		tagPointer  = 0x0f
		tagCU       = 0x11
		tagStruct   = 0x13
		tagTypedef  = 0x16
		tagUnion    = 0x17
		tagSubrange = 0x21
		tagBase     = 0x24
		atName      = 0x03
		atByteSize  = 0x0b
		atLoc       = 0x38
		atType      = 0x49
		atEncoding  = 0x3e
		atUpper     = 0x2f
		atDecl      = 0x3c
		fString     = 0x08
		fData1      = 0x0b
		fData4      = 0x06
		fData8      = 0x07
		fRef4       = 0x13
		fFlagPres   = 0x19
	)
	add(abCU, tagCU, true)
	add(abStruct, tagStruct, true, atName, fString, atByteSize, fData4)
	add(abMember, tagMember, false, atName, fString, atType, fRef4, atLoc, fData4)
	add(abBase, tagBase, false, atName, fString, atEncoding, fData1, atByteSize, fData1)
	add(abTypedef, tagTypedef, false, atName, fString, atType, fRef4)
	add(abArray, tagArray, true, atType, fRef4)
	add(abSubrange, tagSubrange, false, atUpper, fData8)
	add(abPointer, tagPointer, false, atByteSize, fData1, atType, fRef4)
	add(abUnion, tagUnion, true, atName, fString, atByteSize, fData4)
	add(abDecl, tagStruct, false, atName, fString, atDecl, fFlagPres)
	return append(a, 0)
}()

func newDWB() *dwb {
	d := &dwb{labels: map[string]int{}, fixups: map[int]string{}}
	// unit_length (patched), version 4, abbrev offset 0, address size 8
	d.b = append(d.b, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 8)
	d.b = append(d.b, abCU)
	return d
}

func (d *dwb) label(l string) *dwb {
	if l != "" {
		d.labels[l] = len(d.b)
	}
	return d
}
func (d *dwb) code(c byte) *dwb  { d.b = append(d.b, c); return d }
func (d *dwb) str(s string) *dwb { d.b = append(append(d.b, s...), 0); return d }
func (d *dwb) u8(v uint8) *dwb   { d.b = append(d.b, v); return d }
func (d *dwb) u32(v uint32) *dwb { d.b = binary.LittleEndian.AppendUint32(d.b, v); return d }
func (d *dwb) u64(v uint64) *dwb { d.b = binary.LittleEndian.AppendUint64(d.b, v); return d }
func (d *dwb) end() *dwb         { d.b = append(d.b, 0); return d }
func (d *dwb) ref(l string) *dwb { d.fixups[len(d.b)] = l; return d.u32(0) }
func (d *dwb) base(l, name string, enc, size uint8) *dwb {
	return d.label(l).code(abBase).str(name).u8(enc).u8(size)
}
func (d *dwb) strct(l, name string, size uint32) *dwb {
	return d.label(l).code(abStruct).str(name).u32(size)
}
func (d *dwb) member(name, typ string, loc uint32) *dwb {
	return d.code(abMember).str(name).ref(typ).u32(loc)
}
func (d *dwb) typedef(l, name, typ string) *dwb {
	return d.label(l).code(abTypedef).str(name).ref(typ)
}
func (d *dwb) array(l, elem string, upper uint64) *dwb {
	return d.label(l).code(abArray).ref(elem).code(abSubrange).u64(upper).end()
}
func (d *dwb) pointer(l, typ string) *dwb {
	return d.label(l).code(abPointer).u8(8).ref(typ)
}

// bytes finishes the unit (closing the CU's children) and returns
// .debug_info; unknown labels become offset 0xfffffff0.
func (d *dwb) bytes() []byte {
	b := append([]byte(nil), d.b...)
	b = append(b, 0)
	for at, l := range d.fixups {
		v := uint32(0xfffffff0)
		if off, ok := d.labels[l]; ok {
			v = uint32(off)
		}
		binary.LittleEndian.PutUint32(b[at:], v)
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// data returns the unit as *dwarf.Data.
func (d *dwb) data(t testing.TB) *dwarf.Data {
	t.Helper()
	dd, err := dwarf.New(dwbAbbrev, nil, nil, d.bytes(), nil, nil, nil, nil)
	if err != nil {
		t.Fatalf("dwarf.New: %v", err)
	}
	return dd
}

// hostileUnits are small units that describe impossible or explosive types;
// each must give an error (never a hang, a crash or an unbounded
// allocation). The map value is a substring of the expected error.
var hostileUnits = map[string]struct {
	build func() *dwb
	want  string
}{
	"typedef loop": {func() *dwb {
		return newDWB().typedef("t1", "t1", "t2").typedef("t2", "t2", "t1").
			strct("", "s", 8).member("m", "t1", 0).end()
	}, "deeper than"},
	"self-embedding struct": {func() *dwb {
		return newDWB().strct("s", "s", 8).member("self", "s", 0).end()
	}, "nested more than"},
	"exponential expansion": {func() *dwb {
		d := newDWB().base("int", "int", 5, 4)
		prev := "int"
		for lvl := 0; lvl < 5; lvl++ {
			name := string(rune('a' + lvl))
			d.strct(name, name, 64*4).member("", prev, 0) // first member anonymous
			for i := 1; i < 64; i++ {
				d.member("m", prev, 0)
			}
			d.end()
			prev = name
		}
		return d.strct("", "s", 64*4).member("top", prev, 0).end()
	}, "more than 131072 members"},
	"member outside its struct": {func() *dwb {
		return newDWB().base("int", "int", 5, 4).strct("", "s", 4).member("x", "int", 8).end()
	}, "outside its 4-byte parent"},
	"huge array": {func() *dwb {
		return newDWB().base("int", "int", 5, 4).array("arr", "int", 1<<40).
			strct("", "s", 16).member("x", "arr", 0).end()
	}, "too large"},
	"dangling type reference": {func() *dwb {
		return newDWB().strct("", "s", 8).member("x", "nowhere", 0).end()
	}, "DIE 0xfffffff0"},
	"pointer loop": {func() *dwb {
		return newDWB().pointer("p1", "p2").pointer("p2", "p1").strct("", "s", 8).member("x", "p1", 0).end()
	}, "deeper than"},
	"incomplete member type": {func() *dwb {
		return newDWB().label("o").code(abDecl).str("opaque").strct("", "s", 8).member("x", "o", 0).end()
	}, "unknown size"},
}

// TestHostileStructures resolves each hostile unit: an error naming the
// problem, no panic, no hang.
func TestHostileStructures(t *testing.T) {
	for name, c := range hostileUnits {
		t.Run(name, func(t *testing.T) {
			l, err := FromDWARF(c.build().data(t), name)
			if err != nil {
				t.Fatalf("FromDWARF: %v", err)
			}
			lay, err := l.Layout("s")
			if err == nil {
				t.Fatalf("Layout(s) succeeded:\n%s", lay)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "internal error") {
				t.Errorf("recovered panic: %v", err)
			}
			t.Logf("%v", err)
			// The failure is cached and stable.
			if _, err2 := l.Layout("s"); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("second call: %v", err2)
			}
		})
	}
}

// TestBuilderSane makes sure the builder itself produces DWARF that
// resolves, so the hostile cases fail for their stated reason.
func TestBuilderSane(t *testing.T) {
	d := newDWB().base("int", "int", 5, 4).base("uchar", "unsigned char", 8, 1).
		array("arr", "uchar", 15).pointer("p", "s").
		strct("s", "s", 40).member("x", "int", 0).member("arr", "arr", 4).member("next", "p", 24).end().
		code(abUnion).str("u").u32(8).member("a", "int", 0).member("b", "p", 0).end()
	l, err := FromDWARF(d.data(t), "builder")
	if err != nil {
		t.Fatal(err)
	}
	s := layout(t, l, "s")
	if f := field(t, s, "arr"); f.Offset != 4 || f.Size != 16 || f.Type.String() != "[16]uint(1)" {
		t.Errorf("arr: %+v", f)
	}
	if f := field(t, s, "next"); f.Type.String() != "*struct s" {
		t.Errorf("next: %v", f.Type)
	}
	if u := layout(t, l, "u"); u.Kind != KindUnion || u.Size != 8 {
		t.Errorf("union u: %s", u)
	}
}

// TestUnterminatedLEB128 is the fuzzer's first find: debug/dwarf's Reader
// returns null entries forever, without advancing, when a unit ends in an
// unterminated LEB128. Indexing must stop (with a warning), not hang.
func TestUnterminatedLEB128(t *testing.T) {
	abbrev := []byte("000000\xc4\xca")
	info := []byte(" \x00\x00\x00\x04\x00\x05\x00\x00\x00000000000000000000000000\x00\x80")
	d, err := newDWARF(abbrev, info, []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := FromDWARF(d, "leb")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "null entries") {
			t.Errorf("FromDWARF = %v; want an error about null entries", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("FromDWARF hangs")
	}
}
