package symtab

import (
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// openSample opens a sample kernel from testdata/kernels or skips the test.
func openSample(t *testing.T, path string) *Table {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("sample kernel not present: %v", err)
	}
	tab, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tab.Close() })
	return tab
}

// TestSampleKernelDfly2020 checks the DragonFly 2020 sample kernel against values
// read once with binutils 2.40 on the checked-in file (gcc 12.2.0, BUILDINFO):
//
//	readelf -hSW testdata/kernels/kern-dfly2020   (entry, sections)
//	readelf -sW  testdata/kernels/kern-dfly2020   (values, sizes, types, bindings)
//	readelf -x .data testdata/kernels/kern-dfly2020
//	readelf -p .data testdata/kernels/kern-dfly2020
//
// If the sample kernel is rebuilt from changed sources, re-run those commands and
// update the literals.
func TestSampleKernelDfly2020(t *testing.T) {
	tab := openSample(t, sampleKernel)
	const bss, data, text = 4, 3, 1 // section indices from readelf -S

	hdr := tab.Header()
	if diff := cmp.Diff(FileHeader{Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Type: elf.ET_EXEC, Machine: elf.EM_X86_64, Entry: 0xffffffff80200419}, hdr); diff != "" {
		t.Errorf("Header() mismatch (-want +got):\n%s", diff)
	}

	// name → Symbol, from readelf -sW.
	tests := []struct {
		query string
		want  Symbol
	}{
		{"kernbase", Symbol{Name: "kernbase", Value: 0xffffffff80000000, Type: elf.STT_NOTYPE, Bind: elf.STB_GLOBAL, Section: elf.SHN_ABS, NType: NAbs | NExt, Index: 24}},
		{"_procglob", Symbol{Name: "procglob", Value: 0xffffffff80218180, Size: 16384, Type: elf.STT_OBJECT, Bind: elf.STB_LOCAL, Section: bss, NType: NBss, Index: 2}},
		{"_allproc_hsize", Symbol{Name: "allproc_hsize", Value: 0xffffffff802020bc, Size: 4, Type: elf.STT_OBJECT, Bind: elf.STB_GLOBAL, Section: data, NType: NData | NExt, Index: 21}},
		{"_nprocs", Symbol{Name: "nprocs", Value: 0xffffffff802020c0, Size: 4, Type: elf.STT_OBJECT, Bind: elf.STB_GLOBAL, Section: data, NType: NData | NExt, Index: 14}},
		{"dumppcb", Symbol{Name: "dumppcb", Value: 0xffffffff80218040, Size: 256, Type: elf.STT_OBJECT, Bind: elf.STB_GLOBAL, Section: bss, NType: NBss | NExt, Index: 20}},
		{"KPML4phys", Symbol{Name: "KPML4phys", Value: 0xffffffff80208010, Size: 8, Type: elf.STT_OBJECT, Bind: elf.STB_GLOBAL, Section: bss, NType: NBss | NExt, Index: 50}},
		{"_msgbufp", Symbol{Name: "msgbufp", Value: 0xffffffff80208018, Size: 8, Type: elf.STT_OBJECT, Bind: elf.STB_GLOBAL, Section: bss, NType: NBss | NExt, Index: 28}},
		{"version", Symbol{Name: "version", Value: 0xffffffff80202020, Size: 150, Type: elf.STT_OBJECT, Bind: elf.STB_GLOBAL, Section: data, NType: NData | NExt, Index: 22}},
		{"_tsleep", Symbol{Name: "tsleep", Value: 0xffffffff8020019e, Size: 141, Type: elf.STT_FUNC, Bind: elf.STB_GLOBAL, Section: text, NType: NText | NExt, Index: 17}},
		{"dfly2020.c", Symbol{Name: "dfly2020.c", Type: elf.STT_FILE, Bind: elf.STB_LOCAL, Section: elf.SHN_ABS, NType: NFn, Index: 1}},
	}
	for _, tt := range tests {
		got, ok := tab.Lookup(tt.query)
		if !ok {
			t.Errorf("Lookup(%q) not found", tt.query)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%q) mismatch (-want +got):\n%s", tt.query, diff)
		}
	}
	if _, missing := tab.Nlist("_allproc", "_zombproc", "_allprocs"); len(missing) != 3 {
		t.Errorf("older-era symbols found in the 2020 kernel: missing only %q", missing)
	}

	// Strings, from readelf -p .data.
	type strs struct{ OSType, OSRelease, VersionLine string }
	var got strs
	var err error
	if got.OSType, err = tab.OSType(); err != nil {
		t.Error(err)
	}
	if got.OSRelease, err = tab.OSRelease(); err != nil {
		t.Error(err)
	}
	v, err := tab.Version()
	if err != nil {
		t.Error(err)
	}
	got.VersionLine = FirstLine(v)
	want := strs{"DragonFly", "5.9-DEVELOPMENT", "DragonFly v5.9.0.733.gf875a8-DEVELOPMENT #0: Fri Jul 24 18:41:07 PDT 2020"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("strings mismatch (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(v, "/usr/obj/usr/src/sys/X86_64_GENERIC\n") {
		t.Errorf("Version() = %q, want the two-line newvers.sh form ending in a newline", v)
	}

	// Initialized data, from readelf -x .data: allproc_hsize = 256, nprocs = 1.
	if b, err := tab.ReadData(0xffffffff802020bc, 8); err != nil || !cmp.Equal(b, []byte{0, 1, 0, 0, 1, 0, 0, 0}) {
		t.Errorf("ReadData(allproc_hsize, 8) = % x, %v; want 00 01 00 00 01 00 00 00", b, err)
	}
	if _, err := tab.ReadData(0xffffffff80218180, 64); !errors.Is(err, ErrNoBits) {
		t.Errorf("ReadData(procglob) error = %v, want ErrNoBits", err)
	}

	// Wait-channel names.
	for _, tt := range []struct {
		addr uint64
		want string
	}{
		{0xffffffff8021d330, "pause_wchan+0x10"},
		{0xffffffff80218180, "procglob"},
		{0xffffffff802181c0, "procglob+0x40"},
		{0xffffffff802001a3, "tsleep+0x5"},
		{0xffffffff80208004, "lbolt_syncer"},
	} {
		if got, ok := tab.Symbolize(tt.addr); !ok || got != tt.want {
			t.Errorf("Symbolize(%#x) = %q, %v; want %q", tt.addr, got, ok, tt.want)
		}
	}
}

// TestSampleKernelsEras opens every sample kernel and checks that the era-detection
// symbols of spec §8 are where §16 says they are.
func TestSampleKernelsEras(t *testing.T) {
	tests := []struct {
		kernel  string
		present []string
		absent  []string
	}{
		{"kern-dfly2007", []string{"_nprocs", "_allproc", "_zombproc"}, []string{"_allprocs", "_procglob"}},
		{"kern-dfly2009", []string{"_nprocs", "_allproc", "_zombproc"}, []string{"_allprocs", "_procglob"}},
		{"kern-dfly2014", []string{"_nprocs", "_allprocs", "_allproc_hsize"}, []string{"_allproc", "_procglob"}},
		{"kern-dfly2020", []string{"_nprocs", "_procglob", "_allproc_hsize"}, []string{"_allproc", "_allprocs"}},
		{"kern-dfly2020opt", []string{"_nprocs", "_procglob", "_allproc_hsize"}, []string{"_allproc", "_allprocs"}},
	}
	for _, tt := range tests {
		t.Run(tt.kernel, func(t *testing.T) {
			tab := openSample(t, filepath.Join("..", "testdata", "kernels", tt.kernel))
			common := []string{"kernbase", "dumppcb", "KPML4phys", "_msgbufp", "version", "ostype", "osrelease"}
			if _, missing := tab.Nlist(append(common, tt.present...)...); len(missing) != 0 {
				t.Errorf("missing symbols %q", missing)
			}
			for _, n := range tt.absent {
				if s, ok := tab.Lookup(n); ok {
					t.Errorf("Lookup(%q) = %+v, want absent in this era", n, s)
				}
			}
			if s, _ := tab.Lookup("kernbase"); s.Value != 0xffffffff80000000 || s.NType != NAbs|NExt {
				t.Errorf("kernbase = %#x %v, want 0xffffffff80000000 N_ABS|N_EXT", s.Value, s.NType)
			}
			if os, err := tab.OSType(); err != nil || os != "DragonFly" {
				t.Errorf("OSType() = %q, %v; want DragonFly", os, err)
			}
		})
	}
}

// TestSampleKernelsMatchNm compares every defined symbol nm(1) lists in each sample
// kernel with Lookup: the value, and the n_type implied by nm's type letter. It
// skips when nm is not installed.
func TestSampleKernelsMatchNm(t *testing.T) {
	nm, err := exec.LookPath("nm")
	if err != nil {
		t.Skip("nm not installed")
	}
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "kernels", "kern-*"))
	if len(paths) == 0 {
		t.Skip("no sample kernels")
	}
	// nm's letters for ELF: uppercase is global (N_EXT). Weak (W, V), debug (N) and
	// other letters say nothing about the section type and are not compared.
	letter := map[byte]NType{'A': NAbs, 'T': NText, 'R': NText, 'D': NData, 'B': NBss}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			out, err := exec.Command(nm, "-P", "--defined-only", path).Output()
			if err != nil {
				t.Skipf("nm failed: %v", err)
			}
			tab := openSample(t, path)
			n := 0
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Fields(line) // name type value [size]
				if len(f) < 3 || len(f[1]) != 1 {
					continue
				}
				val, err := strconv.ParseUint(f[2], 16, 64)
				if err != nil {
					t.Fatalf("nm line %q: %v", line, err)
				}
				c := f[1][0]
				up := c &^ 0x20
				base, known := letter[up]
				if !known {
					continue
				}
				want := base
				if c == up {
					want |= NExt
				}
				found := false
				for _, s := range tab.LookupAll(f[0]) {
					if s.Name == f[0] && s.Value == val && s.NType == want {
						found = true
					}
				}
				if !found {
					t.Errorf("nm says %s %c %#x; LookupAll gives %+v", f[0], c, val, tab.LookupAll(f[0]))
				}
				n++
			}
			if n == 0 {
				t.Error("nm listed no comparable symbols")
			}
		})
	}
}
