package symtab

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// realELF returns the path of a real, linker-produced amd64 ELF executable with a
// symbol table: the running test binary if it has one (go test strips it by
// default), else the Go toolchain's compile tool (about 25 MB and 28,000 symbols,
// close to a DragonFly kernel), else the go command. It skips the test if none is
// usable.
func realELF(t testing.TB) string {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skipf("no amd64 ELF executables on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	var paths []string
	if exe, err := os.Executable(); err == nil {
		paths = append(paths, exe)
	}
	if out, err := exec.Command("go", "env", "GOROOT", "GOHOSTOS", "GOHOSTARCH").Output(); err == nil {
		if f := strings.Fields(string(out)); len(f) == 3 {
			paths = append(paths,
				filepath.Join(f[0], "pkg", "tool", f[1]+"_"+f[2], "compile"),
				filepath.Join(f[0], "bin", "go"))
		}
	}
	for _, p := range paths {
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		ok := f.Machine == elf.EM_X86_64 && (f.Type == elf.ET_EXEC || f.Type == elf.ET_DYN) && f.SectionByType(elf.SHT_SYMTAB) != nil
		f.Close()
		if ok {
			return p
		}
	}
	t.Skipf("none of %q is an amd64 ELF executable with a symbol table", paths)
	return ""
}

// TestCrossCheckDebugELF compares the whole symbol table and the section headers of
// a real, linker-produced amd64 ELF file with thousands of symbols (see realELF)
// with what the standard library's independent parser reads.
func TestCrossCheckDebugELF(t *testing.T) {
	exe := realELF(t)
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ref, err := f.Symbols() // skips the null symbol at index 0
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()

	type sym struct {
		Name    string
		Value   uint64
		Size    uint64
		Info    byte
		Other   byte
		Section elf.SectionIndex
	}
	var want, got []sym
	for _, s := range ref {
		want = append(want, sym{s.Name, s.Value, s.Size, s.Info, s.Other, s.Section})
	}
	for _, s := range tab.Symbols()[1:] {
		got = append(got, sym{s.Name, s.Value, s.Size, byte(s.Bind)<<4 | byte(s.Type), s.Other, s.Section})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("symbols differ from debug/elf (-want +got):\n%s", diff)
	}

	type sec struct {
		Name   string
		Type   elf.SectionType
		Flags  elf.SectionFlag
		Addr   uint64
		Offset uint64
		Size   uint64
		Link   uint32
	}
	var wantSec, gotSec []sec
	for _, s := range f.Sections {
		wantSec = append(wantSec, sec{s.Name, s.Type, s.Flags, s.Addr, s.Offset, s.Size, s.Link})
	}
	for _, s := range tab.Sections() {
		gotSec = append(gotSec, sec{s.Name, s.Type, s.Flags, s.Addr, s.Offset, s.Size, s.Link})
	}
	if diff := cmp.Diff(wantSec, gotSec); diff != "" {
		t.Errorf("sections differ from debug/elf (-want +got):\n%s", diff)
	}
	hdr := tab.Header()
	if hdr.Entry != f.Entry || hdr.Type != f.Type || hdr.Machine != f.Machine {
		t.Errorf("Header() = %+v; debug/elf says entry %#x type %v machine %v", hdr, f.Entry, f.Type, f.Machine)
	}

	// Data: every sized object in a PROGBITS section reads back as debug/elf sees it,
	// and every sized function symbolizes to itself (unless a better symbol shares
	// its address).
	checked := 0
	for _, s := range ref {
		if s.Size == 0 || int(s.Section) >= len(f.Sections) || s.Section == elf.SHN_UNDEF {
			continue
		}
		sh := f.Sections[s.Section]
		if sh.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC {
			if sym, off, ok := tab.SymbolAt(s.Value + s.Size - 1); !ok || sym.Value != s.Value || off != s.Size-1 {
				t.Errorf("SymbolAt(%#x) = %q+%#x, %v; want a symbol at %#x (%s)", s.Value+s.Size-1, sym.Name, off, ok, s.Value, s.Name)
			}
		}
		if sh.Type != elf.SHT_PROGBITS || elf.ST_TYPE(s.Info) != elf.STT_OBJECT || checked >= 500 {
			continue
		}
		n := min(s.Size, 64)
		want := make([]byte, n)
		if _, err := sh.ReadAt(want, int64(s.Value-sh.Addr)); err != nil {
			t.Fatal(err)
		}
		got, err := tab.ReadData(s.Value, int(n))
		if err != nil {
			t.Fatalf("ReadData(%s): %v", s.Name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ReadData(%s) differs from debug/elf (-want +got):\n%s", s.Name, diff)
		}
		checked++
	}
	if checked == 0 {
		t.Error("no data symbols were checked")
	}
	t.Logf("%d symbols, %d data objects compared", len(ref), checked)
}
