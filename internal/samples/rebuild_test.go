package samples

import (
	"bufio"
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const kernbase = 0xffffffff80000000

// TestKernelsRebuildIdentically proves that the checked-in kernels are
// exactly what their sources and build.sh produce.
func TestKernelsRebuildIdentically(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc is not on PATH; cannot rebuild the sample kernels")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not on PATH; cannot run build.sh")
	}
	wantVersion, wantTarget := readBuildInfo(t)
	gotVersion := commandOutput(t, gcc, "-dumpfullversion")
	if gotVersion != wantVersion {
		t.Skipf("gcc %s is not the compiler the kernels were built with (BUILDINFO: gcc %s)", gotVersion, wantVersion)
	}
	if wantTarget != "" {
		if gotTarget := commandOutput(t, gcc, "-dumpmachine"); gotTarget != wantTarget {
			t.Skipf("gcc targets %s, the kernels were built by a gcc for %s (BUILDINFO)", gotTarget, wantTarget)
		}
	}

	out := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "bash", filepath.Join(KernelsDir(), "build.sh"), out)
	cmd.Dir = KernelsDir()
	cmd.Env = append(os.Environ(), "CC="+gcc)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh %s: %v\n%s", out, err, msg)
	}

	for _, name := range Kernels() {
		want, err := os.ReadFile(Kernel(name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, "kern-"+name))
		if err != nil {
			t.Fatal(err)
		}
		if off, same := firstDifference(want, got); !same {
			t.Errorf("kern-%s: rebuilt file differs from the checked-in one at offset %#x (checked in %d bytes, rebuilt %d bytes); run testdata/kernels/build.sh and commit the result",
				name, off, len(want), len(got))
		}
	}
}

func readBuildInfo(t *testing.T) (version, target string) {
	t.Helper()
	f, err := os.Open(filepath.Join(KernelsDir(), "BUILDINFO"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("BUILDINFO: first line must be the output of gcc -dumpfullversion")
	}
	if len(lines) > 1 {
		target = lines[1]
	}
	return lines[0], target
}

func commandOutput(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), name, args...).Output()
	if err != nil {
		t.Skipf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// firstDifference returns the first offset at which a and b differ, and
// whether they are identical.
func firstDifference(a, b []byte) (int, bool) {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i, false
		}
	}
	return n, len(a) == len(b)
}

func TestFirstDifference(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		off  int
		same bool
	}{
		{"equal", "abc", "abc", 3, true},
		{"empty", "", "", 0, true},
		{"middle", "abc", "abd", 2, false},
		{"first", "xbc", "abc", 0, false},
		{"shorter", "ab", "abc", 2, false},
		{"longer", "abcd", "abc", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			off, same := firstDifference([]byte(tt.a), []byte(tt.b))
			if off != tt.off || same != tt.same {
				t.Errorf("firstDifference(%q, %q) = %d, %v; want %d, %v", tt.a, tt.b, off, same, tt.off, tt.same)
			}
		})
	}
}

// eraSymbols are the process-list symbols of each era (spec §8): which
// must be global, which local (static in the kernel source), and which the
// era must not have.
var eraSymbols = map[string]struct {
	global, local, absent []string
}{
	"dfly2007":    {global: []string{"allproc", "zombproc"}, absent: []string{"allproc_hsize", "allprocs", "procglob"}},
	"dfly2009":    {global: []string{"allproc", "zombproc"}, absent: []string{"allproc_hsize", "allprocs", "procglob"}},
	"dfly2014":    {global: []string{"allproc_hsize"}, local: []string{"allprocs"}, absent: []string{"allproc", "zombproc", "procglob"}},
	"dfly2020":    {global: []string{"allproc_hsize"}, local: []string{"procglob"}, absent: []string{"allproc", "zombproc", "allprocs"}},
	"dfly2020opt": {global: []string{"allproc_hsize"}, local: []string{"procglob"}, absent: []string{"allproc", "zombproc", "allprocs"}},
}

// Symbols every sample kernel defines: the dump readers' globals and a few
// functions and wait channels for symbolization.
var (
	commonData = []string{
		"dumppcb", "KPML4phys", "msgbufp", "panicstr", "dumpthread",
		"version", "ostype", "osrelease", "nprocs",
		"lbolt", "proc0", "thread0", "lwp0",
	}
	commonText = []string{"btext", "tsleep", "lwkt_switch", "panic", "kern_nanosleep", "cpu_idle"}
)

// Struct types kdump decodes; every kernel's DWARF must describe them.
var wantStructs = []string{
	"proc", "lwp", "thread", "globaldata", "pgrp", "session", "tty", "cdev",
	"ucred", "prison", "vmspace", "vm_map", "pmap", "sigacts", "pargs",
	"pcb", "msgbuf", "rusage", "timeval",
}

// TestKernelsAreKernelELF checks the checked-in kernels without a C
// compiler: ELF identity, load addresses, symbols and DWARF.
func TestKernelsAreKernelELF(t *testing.T) {
	for _, name := range Kernels() {
		t.Run(name, func(t *testing.T) {
			path := Kernel(name)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() >= 500<<10 {
				t.Errorf("%s is %d bytes, want well under 500 KiB", path, fi.Size())
			}
			checkKernelELF(t, name, path)
		})
	}
}

func checkKernelELF(t *testing.T, name, path string) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: debug/elf or debug/dwarf panicked: %v", path, r)
		}
	}()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Type != elf.ET_EXEC || f.Machine != elf.EM_X86_64 {
		t.Fatalf("%s: %v %v %v %v, want ELFCLASS64 ELFDATA2LSB ET_EXEC EM_X86_64", path, f.Class, f.Data, f.Type, f.Machine)
	}
	if f.Entry < kernbase {
		t.Errorf("%s: entry point %#x is not a kernel address", path, f.Entry)
	}

	// Loadable segments: kernel VAs with VA - kernbase = PA (spec §3.10).
	loads := 0
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		loads++
		if p.Vaddr < kernbase || p.Paddr != p.Vaddr-kernbase || p.Vaddr%4096 != 0 {
			t.Errorf("%s: PT_LOAD vaddr %#x paddr %#x, want page-aligned kernel VA with paddr = vaddr - kernbase", path, p.Vaddr, p.Paddr)
		}
	}
	if loads == 0 {
		t.Errorf("%s: no PT_LOAD segment", path)
	}
	for _, sname := range []string{".text", ".rodata", ".data", ".bss"} {
		s := f.Section(sname)
		if s == nil {
			t.Errorf("%s: no %s section", path, sname)
			continue
		}
		if s.Addr < kernbase+0x200000 || s.Addr%4096 != 0 {
			t.Errorf("%s: %s at %#x, want a page-aligned address above kernbase+0x200000", path, sname, s.Addr)
		}
	}

	syms, err := f.Symbols()
	if err != nil {
		t.Fatalf("%s: .symtab: %v", path, err)
	}
	byName := make(map[string]elf.Symbol)
	for _, s := range syms {
		if _, dup := byName[s.Name]; !dup {
			byName[s.Name] = s
		}
	}
	lookup := func(sym string) (elf.Symbol, bool) {
		s, ok := byName[sym]
		if !ok {
			t.Errorf("%s: symbol %s missing", path, sym)
		}
		return s, ok
	}

	if s, ok := lookup("kernbase"); ok {
		if s.Section != elf.SHN_ABS || s.Value != kernbase {
			t.Errorf("%s: kernbase = %#x in section %v, want absolute %#x", path, s.Value, s.Section, uint64(kernbase))
		}
	}
	for _, sym := range commonData {
		if s, ok := lookup(sym); ok {
			if elf.ST_BIND(s.Info) != elf.STB_GLOBAL || elf.ST_TYPE(s.Info) != elf.STT_OBJECT || s.Value < kernbase {
				t.Errorf("%s: %s is %v %v at %#x, want a global data object at a kernel address", path, sym, elf.ST_BIND(s.Info), elf.ST_TYPE(s.Info), s.Value)
			}
		}
	}
	for _, sym := range commonText {
		if s, ok := lookup(sym); ok {
			if elf.ST_BIND(s.Info) != elf.STB_GLOBAL || elf.ST_TYPE(s.Info) != elf.STT_FUNC || !inSection(f, ".text", s.Value) {
				t.Errorf("%s: %s is %v %v at %#x, want a global function in .text", path, sym, elf.ST_BIND(s.Info), elf.ST_TYPE(s.Info), s.Value)
			}
		}
	}
	if s, ok := lookup("panic_buf"); ok && (elf.ST_BIND(s.Info) != elf.STB_LOCAL || s.Size != 256) {
		t.Errorf("%s: panic_buf is %v, %d bytes; want a local 256-byte buffer", path, elf.ST_BIND(s.Info), s.Size)
	}

	era, ok := eraSymbols[name]
	if !ok {
		t.Fatalf("no expected symbols for era %q", name)
	}
	for _, sym := range era.global {
		if s, ok := lookup(sym); ok && elf.ST_BIND(s.Info) != elf.STB_GLOBAL {
			t.Errorf("%s: %s is %v, want GLOBAL", path, sym, elf.ST_BIND(s.Info))
		}
	}
	for _, sym := range era.local {
		if s, ok := lookup(sym); ok {
			if elf.ST_BIND(s.Info) != elf.STB_LOCAL || elf.ST_TYPE(s.Info) != elf.STT_OBJECT {
				t.Errorf("%s: %s is %v %v, want a LOCAL object (static in the kernel)", path, sym, elf.ST_BIND(s.Info), elf.ST_TYPE(s.Info))
			}
			if s.Size != 256*64 && s.Size != 256*8 {
				t.Errorf("%s: %s is %d bytes, want 256 buckets", path, sym, s.Size)
			}
		}
	}
	for _, sym := range era.absent {
		if _, ok := byName[sym]; ok {
			t.Errorf("%s: symbol %s belongs to another era", path, sym)
		}
	}

	// String globals read from the file's .data section.
	if s := readCString(t, f, byName["ostype"]); s != "DragonFly" {
		t.Errorf("%s: ostype = %q, want DragonFly", path, s)
	}
	if s := readCString(t, f, byName["version"]); !strings.HasPrefix(s, "DragonFly ") || !strings.HasSuffix(s, "\n") {
		t.Errorf("%s: version = %q, want a newvers.sh-style string", path, s)
	}

	checkKernelDWARF(t, name, path, f)
}

func inSection(f *elf.File, name string, addr uint64) bool {
	s := f.Section(name)
	return s != nil && addr >= s.Addr && addr < s.Addr+s.Size
}

func readCString(t *testing.T, f *elf.File, sym elf.Symbol) string {
	t.Helper()
	for _, s := range f.Sections {
		if s.Type != elf.SHT_PROGBITS || sym.Value < s.Addr || sym.Value+sym.Size > s.Addr+s.Size {
			continue
		}
		b := make([]byte, sym.Size)
		if _, err := s.ReadAt(b, int64(sym.Value-s.Addr)); err != nil {
			t.Errorf("reading %s: %v", sym.Name, err)
			return ""
		}
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		return string(b)
	}
	t.Errorf("symbol %s (%#x, %d bytes) is in no PROGBITS section", sym.Name, sym.Value, sym.Size)
	return ""
}

func checkKernelDWARF(t *testing.T, name, path string, f *elf.File) {
	d, err := f.DWARF()
	if err != nil {
		t.Fatalf("%s: DWARF: %v", path, err)
	}
	structs := make(map[string]int64)
	enums := make(map[string]bool)
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			t.Fatalf("%s: DWARF: %v", path, err)
		}
		if e == nil {
			break
		}
		switch e.Tag {
		case dwarf.TagCompileUnit:
			// Reproducibility: no build path in the DWARF.
			if dir, _ := e.Val(dwarf.AttrCompDir).(string); dir != "." {
				t.Errorf("%s: DW_AT_comp_dir = %q, want \".\"", path, dir)
			}
			if n, _ := e.Val(dwarf.AttrName).(string); n != name+".c" {
				t.Errorf("%s: DW_AT_name = %q, want %q", path, n, name+".c")
			}
		case dwarf.TagStructType:
			if n, ok := e.Val(dwarf.AttrName).(string); ok {
				if sz, ok := e.Val(dwarf.AttrByteSize).(int64); ok {
					structs[n] = sz
				}
			}
		case dwarf.TagEnumerationType:
			if n, ok := e.Val(dwarf.AttrName).(string); ok {
				enums[n] = true
			}
		}
	}
	want := slices.Clone(wantStructs)
	if strings.HasPrefix(name, "dfly2020") {
		want = append(want, "procglob")
	}
	for _, s := range want {
		if structs[s] <= 0 {
			t.Errorf("%s: DWARF has no complete struct %s", path, s)
		}
	}
	for _, e := range []string{"procstat", "lwpstat"} {
		if !enums[e] {
			t.Errorf("%s: DWARF has no enum %s", path, e)
		}
	}
	if name == "dfly2020" {
		// Spot-check the spec's 2020 sizes through debug/dwarf as well.
		for s, sz := range map[string]int64{"proc": 1312, "lwp": 608, "thread": 1600, "procglob": 64, "ucred": 192, "msgbuf": 32} {
			if structs[s] != sz {
				t.Errorf("%s: sizeof(struct %s) = %d, want %d", path, s, structs[s], sz)
			}
		}
	}
}

func TestKernelPaths(t *testing.T) {
	root := Root()
	if root == "" {
		t.Fatal("Root() found no module root")
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("Root() = %s: %v", root, err)
	}
	if got, want := Kernel("dfly2020"), filepath.Join(root, "testdata", "kernels", "kern-dfly2020"); got != want {
		t.Errorf("Kernel(dfly2020) = %s, want %s", got, want)
	}
	for _, name := range Kernels() {
		for _, p := range []string{Kernel(name), Source(name)} {
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	k := Kernels()
	k[0] = "changed"
	if Kernels()[0] != "dfly2007" {
		t.Error("Kernels returned its internal slice")
	}
	if got := fmt.Sprint(Kernels()); got != "[dfly2007 dfly2009 dfly2014 dfly2020 dfly2020opt]" {
		t.Errorf("Kernels() = %s", got)
	}
}
