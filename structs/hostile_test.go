package structs

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdump-bsd/kdump/internal/samples"
)

// sectionInfo locates a section of a pristine ELF file: its data and the
// file offset of its section header.
type sectionInfo struct {
	off, size uint64 // file offset and size of the data
	shdr      uint64 // file offset of the section header
}

func findSection(t testing.TB, path, name string) sectionInfo {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	shoff := binary.LittleEndian.Uint64(raw[0x28:])
	for i, s := range f.Sections {
		if s.Name == name {
			return sectionInfo{off: s.Offset, size: s.Size, shdr: shoff + uint64(i)*64}
		}
	}
	t.Fatalf("%s has no %s", path, name)
	return sectionInfo{}
}

// exercise opens a (possibly damaged) kernel and resolves everything it
// can, failing the test on a recovered panic from this package's own code.
func exercise(t *testing.T, l *Layouts) {
	t.Helper()
	names := append([]string(nil), goldenStructs...)
	if all := l.Structs(); len(all) > 30 {
		names = append(names, all[:30]...)
	} else {
		names = append(names, all...)
	}
	for _, n := range names {
		lay, err := l.Layout(n)
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Errorf("recovered panic: %v", err)
			}
			continue
		}
		_ = lay.String()
		for _, p := range lay.Paths() {
			f, _ := lay.Field(p)
			if f.Offset < 0 || f.End() > lay.Size {
				t.Errorf("%s.%s outside the struct: %+v", n, p, f)
			}
		}
	}
}

// TestCorruptDebugInfoFiles flips random bytes in the .debug_info of a
// copy of kern-dfly2020 and opens it from disk: an error or a partial
// result, never a panic.
func TestCorruptDebugInfoFiles(t *testing.T) {
	src := samples.Kernel("dfly2020")
	info := findSection(t, src, ".debug_info")
	pristine, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	opened, failed := 0, 0
	for i := 0; i < 40; i++ {
		b := bytes.Clone(pristine)
		for n := 1 + rng.IntN(8); n > 0; n-- {
			at := info.off + rng.Uint64N(info.size)
			b[at] ^= byte(1 + rng.IntN(255))
		}
		path := filepath.Join(dir, "kern.flip")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Open(path)
		if err != nil {
			failed++
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file: %v", err)
			}
			continue
		}
		opened++
		exercise(t, l)
	}
	t.Logf("%d variants opened (partial or intact), %d refused", opened, failed)
}

// TestCorruptDebugInfoInMemory runs many more flips through FromDWARF.
func TestCorruptDebugInfoInMemory(t *testing.T) {
	abbrev, info, str := kernelSections(t, "dfly2020")
	rng := rand.New(rand.NewPCG(3, 4))
	n := 300
	if testing.Short() {
		n = 60
	}
	for i := 0; i < n; i++ {
		b := bytes.Clone(info)
		for k := 1 + rng.IntN(4); k > 0; k-- {
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		}
		if rng.IntN(4) == 0 { // also truncate
			b = b[:rng.IntN(len(b))]
		}
		d, err := newDWARF(abbrev, b, str)
		if err != nil {
			continue
		}
		l, err := FromDWARF(d, "flipped")
		if err != nil {
			continue
		}
		exercise(t, l)
	}
}

// kernelSections returns .debug_abbrev, .debug_info and .debug_str of a
// sample kernel.
func kernelSections(t testing.TB, name string) (abbrev, info, str []byte) {
	t.Helper()
	f, err := elf.Open(samples.Kernel(name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	get := func(n string) []byte {
		b, err := f.Section(n).Data()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return get(".debug_abbrev"), get(".debug_info"), get(".debug_str")
}

// newDWARF is dwarf.New with debug/dwarf's own panics turned into errors.
func newDWARF(abbrev, info, str []byte) (d *dwarf.Data, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, errors.New("dwarf.New panicked")
		}
	}()
	return dwarf.New(abbrev, nil, nil, info, nil, nil, nil, str)
}

// TestTruncatedAndLying covers section headers that lie about the file and
// files cut short.
func TestTruncatedAndLying(t *testing.T) {
	src := samples.Kernel("dfly2020")
	info := findSection(t, src, ".debug_info")
	pristine, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	setSize := func(size uint64) []byte {
		b := bytes.Clone(pristine)
		binary.LittleEndian.PutUint64(b[info.shdr+0x20:], size) // sh_size
		return b
	}
	cases := []struct {
		name    string
		data    []byte
		wantErr string // "" = may open (partially)
	}{
		{"cut inside .debug_info", pristine[:info.off+info.size/2], ""},
		{"sh_size past EOF", setSize(uint64(len(pristine))), "extends past the end of the file"},
		{"sh_size 2^62", setSize(1 << 62), "extends past the end of the file"},
		{"sh_size halved", setSize(info.size / 2), ""},
		{"sh_size 11 (header only)", setSize(11), ""},
		{"sh_size 0", setSize(0), "no .debug_info"},
		{"empty file", nil, "not an ELF file"},
		{"not ELF", []byte("this is not a kernel\n"), "not an ELF file"},
		{"ELF header only", pristine[:64], ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := write("k", c.data)
			l, err := Open(path)
			if err != nil {
				t.Logf("%v", err)
				if !strings.Contains(err.Error(), path) {
					t.Errorf("error does not name the file: %v", err)
				}
				if c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error %q, want %q", err, c.wantErr)
				}
				return
			}
			if c.wantErr != "" {
				t.Fatalf("Open succeeded, want error %q", c.wantErr)
			}
			t.Logf("opened with warnings %q", l.Warnings())
			exercise(t, l)
		})
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open(directory): %v", err)
	}
	if _, err := Open(filepath.Join(dir, "nonexistent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(nonexistent): %v", err)
	}
}

// stripByRename returns a copy of kernel whose debug sections are renamed
// (".debug_*" → ".xebug_*"), which is what a stripped kernel looks like to
// this package.
func stripByRename(t *testing.T, kernel string) string {
	t.Helper()
	sh := findSection(t, kernel, ".shstrtab")
	b, err := os.ReadFile(kernel)
	if err != nil {
		t.Fatal(err)
	}
	tab := b[sh.off : sh.off+sh.size]
	copy(tab, bytes.ReplaceAll(tab, []byte(".debug_"), []byte(".xebug_")))
	p := filepath.Join(t.TempDir(), "kern.stripped")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStrippedAndOpenDebug: a kernel without DWARF gives ErrNoDWARF;
// OpenDebug with the separate debug file gives the same layouts as the
// unstripped kernel.
func TestStrippedAndOpenDebug(t *testing.T) {
	full := samples.Kernel("dfly2020")
	stripped := stripByRename(t, full)
	_, err := Open(stripped)
	if !errors.Is(err, ErrNoDWARF) || !strings.Contains(err.Error(), stripped) {
		t.Fatalf("Open(stripped) = %v; want ErrNoDWARF naming the file", err)
	}
	l, err := OpenDebug(stripped, full)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(l.Name(), "debug file") {
		t.Errorf("Name %q", l.Name())
	}
	for _, n := range goldenStructs {
		if a, b := layout(t, l, n).String(), layout(t, kernel(t, "dfly2020"), n).String(); a != b {
			t.Errorf("%s differs through OpenDebug", n)
		}
	}
	if _, err := OpenDebug(stripped, stripped); !errors.Is(err, ErrNoDWARF) {
		t.Errorf("OpenDebug(stripped, stripped) = %v", err)
	}
	if _, err := OpenDebug(filepath.Join(t.TempDir(), "none"), full); err == nil {
		t.Error("OpenDebug with a missing kernel succeeded")
	}
}

// TestOpenDebugObjcopy uses the real tools (skipped without objcopy):
// objcopy --only-keep-debug (whose non-debug sections become SHT_NOBITS)
// plus --strip-debug --add-gnu-debuglink; a modified debug file fails the
// debug link's CRC check.
func TestOpenDebugObjcopy(t *testing.T) {
	objcopy, err := exec.LookPath("objcopy")
	if err != nil {
		t.Skip("objcopy not installed")
	}
	dir := t.TempDir()
	kern := filepath.Join(dir, "kernel")
	dbg := filepath.Join(dir, "kernel.debug")
	if err := os.WriteFile(kern, mustRead(t, samples.Kernel("dfly2020")), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(objcopy, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("objcopy %v: %v\n%s", args, err, out)
		}
	}
	run("--only-keep-debug", "kernel", "kernel.debug")
	run("--strip-debug", "--add-gnu-debuglink=kernel.debug", "kernel")
	if _, err := Open(kern); !errors.Is(err, ErrNoDWARF) {
		t.Fatalf("Open(stripped kernel) = %v", err)
	}
	l, err := OpenDebug(kern, dbg)
	if err != nil {
		t.Fatal(err)
	}
	if got := field(t, layout(t, l, "proc"), "p_comm").Offset; got != 920 {
		t.Errorf("p_comm at %d", got)
	}
	// The debug file alone opens too (it is an ELF file with DWARF).
	if _, err := Open(dbg); err != nil {
		t.Errorf("Open(kernel.debug): %v", err)
	}
	// Change one byte of the debug file: the debug link's CRC-32 no longer matches.
	b := mustRead(t, dbg)
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(dbg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenDebug(kern, dbg); !errors.Is(err, ErrMismatch) {
		t.Errorf("OpenDebug with a modified debug file = %v; want ErrMismatch", err)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSalvageWholeUnits: a .debug_info whose last unit is cut short keeps
// the whole units before it (a partial result with a warning), here two
// copies of kern-dfly2020's unit followed by half of a third, placed at the
// end of a copy of the kernel.
func TestSalvageWholeUnits(t *testing.T) {
	src := samples.Kernel("dfly2020")
	info := findSection(t, src, ".debug_info")
	b := mustRead(t, src)
	unit := bytes.Clone(b[info.off : info.off+info.size])
	newOff := uint64(len(b))
	b = append(b, unit...)
	b = append(b, unit...)
	b = append(b, unit[:len(unit)/2]...)
	binary.LittleEndian.PutUint64(b[info.shdr+0x18:], newOff)                // sh_offset
	binary.LittleEndian.PutUint64(b[info.shdr+0x20:], uint64(len(b))-newOff) // sh_size
	path := filepath.Join(t.TempDir(), "kern.tail")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	w := l.Warnings()
	if len(w) == 0 || !strings.Contains(w[0], "kept the first 2 whole compilation units") {
		t.Fatalf("warnings %q", w)
	}
	t.Logf("%s", w[0])
	for _, n := range goldenStructs {
		if a, b := layout(t, l, n).String(), layout(t, kernel(t, "dfly2020"), n).String(); a != b {
			t.Errorf("%s differs after salvage", n)
		}
	}
	// A missing struct's error mentions the damage.
	_, err = l.Layout("nosuch")
	if err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("Layout(nosuch) = %v; want a note about the incomplete index", err)
	}
}
