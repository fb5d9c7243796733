package structs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdump-bsd/kdump/internal/samples"
)

// shapesObjects are testdata/shapes.c compiled with DWARF 2 (strict:
// DW_OP_plus_uconst member locations, DW_AT_bit_offset bit-fields), 4
// (constants, DW_AT_bit_offset) and 5 (DW_AT_data_bit_offset); see the
// header of shapes.c.
var shapesObjects = []string{"shapes-dwarf2.o", "shapes-dwarf4.o", "shapes-dwarf5.o"}

func openShapes(t testing.TB, obj string) *Layouts {
	t.Helper()
	l, err := Open(filepath.Join("testdata", obj))
	if err != nil {
		t.Fatalf("Open(%s): %v", obj, err)
	}
	return l
}

// TestBitFields checks the normalized bit-field positions against gdb's
// `ptype /o struct bits` of the same source (absolute bit positions lo 0,
// mid 3, neg 10, wide 24, top 64, flag 88), for both DWARF encodings.
func TestBitFields(t *testing.T) {
	want := []struct {
		path           string
		off            int64
		bitOff, bitLen int
		size           int64
		kind           Kind
	}{
		{"lo", 0, 0, 3, 1, KindUint},
		{"mid", 0, 3, 7, 2, KindUint},
		{"neg", 1, 2, 4, 1, KindInt},
		{"c", 2, 0, 0, 1, KindUint},
		{"wide", 3, 0, 40, 5, KindUint},
		{"top", 8, 0, 24, 3, KindUint},
		{"flag", 11, 0, 1, 1, KindBool},
	}
	for _, obj := range shapesObjects {
		t.Run(obj, func(t *testing.T) {
			l := openShapes(t, obj)
			bits := layout(t, l, "bits")
			if bits.Size != 16 {
				t.Errorf("sizeof(struct bits) = %d, want 16", bits.Size)
			}
			for _, w := range want {
				f := field(t, bits, w.path)
				if f.Offset != w.off || f.BitOffset != w.bitOff || f.BitSize != w.bitLen || f.Size != w.size || f.Type.Kind != w.kind {
					t.Errorf("%s: off %d bit %d width %d size %d kind %v; want %d %d %d %d %v",
						w.path, f.Offset, f.BitOffset, f.BitSize, f.Size, f.Type.Kind, w.off, w.bitOff, w.bitLen, w.size, w.kind)
				}
				if f.IsBitField() != (w.bitLen > 0) {
					t.Errorf("%s: IsBitField %v", w.path, f.IsBitField())
				}
			}
			// Nested: struct shapes has its struct bits at 8.
			if f := field(t, layout(t, l, "shapes"), "bits.mid"); f.Offset != 8 || f.BitOffset != 3 {
				t.Errorf("shapes.bits.mid: %d bit %d", f.Offset, f.BitOffset)
			}
			// Decoding with the normalized form recovers values placed at
			// gdb's absolute bit positions.
			buf := make([]byte, 16)
			put := func(bit, width int, v uint64) {
				for i := 0; i < width; i++ {
					if v>>i&1 != 0 {
						buf[(bit+i)/8] |= 1 << ((bit + i) % 8)
					}
				}
			}
			vals := map[string]uint64{"lo": 5, "mid": 0x55, "neg": 0xa, "wide": 0xab_cdef_0123, "top": 0x9876_54, "flag": 1}
			pos := map[string]int{"lo": 0, "mid": 3, "neg": 10, "wide": 24, "top": 64, "flag": 88}
			width := map[string]int{"lo": 3, "mid": 7, "neg": 4, "wide": 40, "top": 24, "flag": 1}
			for k, v := range vals {
				put(pos[k], width[k], v)
			}
			for k, v := range vals {
				f := field(t, bits, k)
				var raw uint64
				for i := int64(0); i < f.Size && i < 8; i++ {
					raw |= uint64(buf[f.Offset+i]) << (8 * i)
				}
				got := raw >> f.BitOffset & (1<<f.BitSize - 1)
				if got != v {
					t.Errorf("decode %s = %#x, want %#x", k, got, v)
				}
			}
		})
	}
}

// TestShapes checks the other shapes of shapes.c (offsets from its
// _Static_asserts) and that the three DWARF versions give identical layouts.
func TestShapes(t *testing.T) {
	var first string
	for _, obj := range shapesObjects {
		t.Run(obj, func(t *testing.T) {
			l := openShapes(t, obj)
			s := layout(t, l, "shapes")
			if s.Size != 160 {
				t.Errorf("sizeof(struct shapes) = %d", s.Size)
			}
			cases := []struct {
				path string
				off  int64
				size int64
				typ  string
			}{
				{"cv", 0, 4, "int"},
				{"bits", 8, 16, "struct bits"},
				{"u_i", 24, 4, "int"}, // anonymous union
				{"u_f", 24, 4, "float"},
				{"grid", 28, 30, "[15]int(2)"},
				{"anon", 64, 16, "struct"},
				{"anon.a", 64, 4, "int"},
				{"anon.b", 72, 8, "int"},
				{"ok", 80, 1, "bool"},
				{"d", 88, 8, "float"},
				{"sign", 96, 4, "enum sign:int"},
				{"op", 104, 8, "*struct opaque"},
				{"fn", 112, 8, "funcptr"},
				{"argv", 120, 8, "*pointer"},
				{"barr", 128, 32, "[2]struct bits(16)"},
				{"tail", 160, 0, "[]int(1)"},
			}
			for _, c := range cases {
				f := field(t, s, c.path)
				if f.Offset != c.off || f.Size != c.size || f.Type.String() != c.typ {
					t.Errorf("%s: %d %d %s; want %d %d %s", c.path, f.Offset, f.Size, f.Type, c.off, c.size, c.typ)
				}
			}
			if f := field(t, s, "grid"); f.CType != "short int[3][5]" {
				t.Errorf("grid CType %q", f.CType)
			}
			if f := field(t, s, "anon"); f.CType != "anon_t" {
				t.Errorf("anon CType %q", f.CType)
			}
			if !field(t, s, "sign").Type.Signed() || field(t, s, "op").Type.Signed() {
				t.Error("Signed")
			}
			// The anonymous union is a member without a name and path.
			if s.Fields[2].Name != "" || s.Fields[2].Type.Kind != KindUnion || s.Has("") {
				t.Errorf("anonymous union: %+v", s.Fields[2])
			}
			top := layout(t, l, "top")
			if top.Kind != KindUnion || top.Size != 24 || field(t, top, "b.flag").Offset != 11 || field(t, top, "c").Type.Count != 24 {
				t.Errorf("union top:\n%s", top)
			}
			if a := layout(t, l, "anon_t"); a.Name != "anon_t" || a.Size != 16 {
				t.Errorf("anon_t: %s", a)
			}
			_, err := l.Layout("opaque")
			var nf *NotFoundError
			if !errors.As(err, &nf) || !nf.Incomplete {
				t.Errorf("opaque: %v", err)
			}
			str := s.String() + top.String() + layout(t, l, "bits").String()
			if first == "" {
				first = str
			} else if str != first {
				t.Errorf("%s differs from %s:\n%s\n---\n%s", obj, shapesObjects[0], str, first)
			}
		})
	}
}

func TestTypeStringRoundTrip(t *testing.T) {
	for _, s := range []string{
		"int", "uint", "bool", "float", "funcptr", "unknown", "void",
		"enum procstat:uint", "enum sign:int", "enum",
		"*struct proc", "*int", "*void", "*pointer", "*func", "*struct", "*union u", "*enum e",
		"[17]int(1)", "[3]struct itimerval(32)", "[]uint(1)", "[4]pointer(8)",
		"struct timeval", "struct", "union usched_data", "union",
	} {
		typ, err := parseType(s)
		if err != nil {
			t.Errorf("parseType(%q): %v", s, err)
			continue
		}
		if got := typ.String(); got != s {
			t.Errorf("parseType(%q).String() = %q", s, got)
		}
	}
	for _, s := range []string{"", "long", "*", "[x]int(1)", "[1]int", "int proc", "enum e:float", "[0]int(1)"} {
		if _, err := parseType(s); err == nil {
			t.Errorf("parseType(%q) accepted", s)
		}
	}
	if got := Kind(200).String(); got != fmt.Sprintf("Kind(%d)", 200) {
		t.Errorf("Kind(200) = %q", got)
	}
}

// TestShapesRebuild proves the checked-in objects are what shapes.c's
// header says: rebuilt with the same gcc (the one recorded in
// testdata/kernels/BUILDINFO), they are byte-identical. Skipped without it.
func TestShapesRebuild(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	info, err := os.ReadFile(filepath.Join(samples.KernelsDir(), "BUILDINFO"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(gcc, "-dumpfullversion").Output()
	if err != nil || strings.TrimSpace(string(out)) != strings.SplitN(string(info), "\n", 2)[0] {
		t.Skipf("gcc %q is not the recorded %q", strings.TrimSpace(string(out)), strings.SplitN(string(info), "\n", 2)[0])
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "shapes.c"), mustRead(t, filepath.Join("testdata", "shapes.c")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"2", "4", "5"} {
		obj := "shapes-dwarf" + v + ".o"
		cmd := exec.Command(gcc, "-c", "-g", "-gdwarf-"+v, "-gstrict-dwarf", "-gno-record-gcc-switches", "-O0",
			"-fno-asynchronous-unwind-tables", "-fno-ident", "-fdebug-prefix-map="+dir+"=.", "-o", obj, "shapes.c")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, out)
		}
		if !bytes.Equal(mustRead(t, filepath.Join(dir, obj)), mustRead(t, filepath.Join("testdata", obj))) {
			t.Errorf("%s does not rebuild identically from shapes.c", obj)
		}
	}
}
