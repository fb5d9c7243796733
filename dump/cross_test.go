package dump_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/internal/samples"
	"github.com/kdump-bsd/kdump/symtab"
)

// fixture is one sample machine written in every format, shared by the tests of
// this package (building it costs about a second).
type fixture struct {
	mc      *dumptest.Machine
	dir     string
	layouts map[dump.Format]*dumptest.Layout
	tab     *symtab.Table
}

var (
	fixtureOnce sync.Once
	fixtureVal  *fixture
	fixtureErr  error
)

// testSampleConfig is small enough to write every format quickly, large enough to
// have scattered heap pages, holes, excluded pages and a wrapped layout.
var testSampleConfig = dumptest.SampleConfig{PhysSize: 24 << 20, Seed: 7, HeapSize: 4 << 20, Panic: "page fault while in kernel mode"}

func sample(t testing.TB) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kdump-dumptest-")
		if err != nil {
			fixtureErr = err
			return
		}
		f := &fixture{dir: dir}
		if f.mc, err = dumptest.Sample(samples.Kernel("dfly2020"), testSampleConfig); err != nil {
			fixtureErr = err
			return
		}
		if f.layouts, err = f.mc.WriteAll(dir); err != nil {
			fixtureErr = err
			return
		}
		f.tab, fixtureErr = symtab.Open(samples.Kernel("dfly2020"))
		fixtureVal = f
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureVal
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureVal != nil {
		os.RemoveAll(fixtureVal.dir)
	}
	os.Exit(code)
}

func (f *fixture) path(fm dump.Format) string {
	return filepath.Join(f.dir, dumptest.FileName(fm, dump.NoCompression))
}

func (f *fixture) open(t testing.TB, fm dump.Format) *dump.Core {
	t.Helper()
	c, err := dump.Open(f.path(fm), dump.WithSymbols(f.tab.Resolver()))
	if err != nil {
		t.Fatalf("open %v: %v", fm, err)
	}
	t.Cleanup(func() { c.Close() })
	if c.Format() != fm {
		t.Fatalf("%s: sniffed format %v, want %v", f.path(fm), c.Format(), fm)
	}
	return c
}

// probe is one read to compare.
type probe struct {
	addr uint64
	n    int
	why  string
}

// probes returns the machine's named boundary cases, each read as 1 byte, 8 bytes
// across it and a page-crossing span, plus random reads over every kind of region.
func (f *fixture) probes(seed uint64, phys bool) []probe {
	mc := f.mc
	var ps []probe
	for _, p := range mc.Points {
		if p.Phys != phys {
			continue
		}
		ps = append(ps, probe{p.Addr, 1, p.Name}, probe{p.Addr - 4, 8, p.Name + "-4"}, probe{p.Addr - 100, 5000, p.Name + "-100+5000"})
	}
	r := rand.New(rand.NewPCG(seed, 99))
	ram := mc.Memory.PhysSize()
	sizes := []int{1, 2, 4, 8, 16, 64, 4096, 4097, 9000}
	add := func(a uint64, why string) {
		ps = append(ps, probe{a, sizes[r.IntN(len(sizes))], why})
	}
	for i := 0; i < 400; i++ {
		if phys {
			add(r.Uint64N(ram+ram/8), "random PA")
			add(r.Uint64N(ram)|dump.PageMask-uint64(r.IntN(8)), "PA near a page end")
			continue
		}
		add(mc.HeapStart+r.Uint64N(mc.HeapEnd-mc.HeapStart), "heap")
		add(mc.ImageStart+r.Uint64N(mc.ImageEnd-mc.ImageStart), "kernel image")
		add(dumptest.SampleDMAPBase+r.Uint64N(ram+ram/8), "DMAP")
		add(dumptest.Sample1GiB+r.Uint64N(1<<30), "1 GiB page")
		add((mc.HeapStart+r.Uint64N(mc.HeapEnd-mc.HeapStart))|dump.PageMask-uint64(r.IntN(8)), "heap page end")
		add(r.Uint64(), "anywhere")
		add(0xffffffff80000000+r.Uint64N(1<<31), "kernel half")
	}
	return ps
}

// check compares one read against the model's answer.
func check(t *testing.T, label string, p probe, read func([]byte, dump.Addr) (int, error), wantBytes []byte, wantKind dump.FaultKind, wantAt uint64) {
	t.Helper()
	got := make([]byte, p.n)
	n, err := read(got, dump.Addr(p.addr))
	if wantKind == 0 {
		if err != nil || n != p.n || !bytes.Equal(got, wantBytes) {
			t.Errorf("%s: read(%#x, %d) [%s] = %d, %v; want all bytes (equal: %v)", label, p.addr, p.n, p.why, n, err, bytes.Equal(got[:n], wantBytes[:min(n, len(wantBytes))]))
		}
		return
	}
	var fe *dump.FaultError
	if !errors.As(err, &fe) {
		t.Errorf("%s: read(%#x, %d) [%s] = %d, %v; want a %v fault at %#x", label, p.addr, p.n, p.why, n, err, wantKind, wantAt)
		return
	}
	if fe.Kind != wantKind || uint64(fe.Addr) != wantAt || n != len(wantBytes) || !bytes.Equal(got[:n], wantBytes) {
		t.Errorf("%s: read(%#x, %d) [%s] = %d bytes, fault %v at %v (%v); want %d bytes, fault %v at %#x", label, p.addr, p.n, p.why, n, fe.Kind, fe.Addr, fe.Detail, len(wantBytes), wantKind, wantAt)
	}
	if fe.Len != p.n-n {
		t.Errorf("%s: fault Len = %d, want %d", label, fe.Len, p.n-n)
	}
}

// TestCrossFormat reads the same sample memory from every container format and
// compares each read with the generator's model: the same bytes everywhere, and
// the right fault kind where a format lacks the memory.
func TestCrossFormat(t *testing.T) {
	f := sample(t)
	for _, fm := range dump.Formats() {
		t.Run(fm.String(), func(t *testing.T) {
			c := f.open(t, fm)
			l := f.layouts[fm]
			errs := 0
			for _, p := range f.probes(1, false) {
				b, kind, at := l.Expect(p.addr, p.n)
				check(t, "virtual", p, c.ReadAt, b, kind, at)
				check(t, "scattered", p, c.Scattered().ReadAt, b, kind, at)
				if t.Failed() {
					if errs++; errs > 10 {
						t.Fatal("too many failures")
					}
				}
			}
			if fm == dump.ELFVirtual {
				return
			}
			for _, p := range f.probes(2, true) {
				b, kind, at := l.ExpectPhys(p.addr, p.n)
				check(t, "physical", p, c.ReadPhys, b, kind, at)
				if t.Failed() {
					if errs++; errs > 10 {
						t.Fatal("too many failures")
					}
				}
			}
		})
	}
}

// TestTruncated cuts each file and checks that pages past the cut report
// Truncated while the rest still read.
func TestTruncated(t *testing.T) {
	f := sample(t)
	for _, fm := range dump.Formats() {
		l := f.layouts[fm]
		full, err := os.ReadFile(f.path(fm))
		if err != nil {
			t.Fatal(err)
		}
		for _, frac := range []int64{30, 70, 99} {
			size := l.MinSize + (l.FileSize-l.MinSize)*frac/100
			t.Run(fmt.Sprintf("%v/%d%%", fm, frac), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "vmcore.0")
				if err := os.WriteFile(path, dumptest.Truncate(full, size), 0o444); err != nil {
					t.Fatal(err)
				}
				c, err := dump.Open(path, dump.WithSymbols(f.tab.Resolver()))
				if err != nil {
					// A full dump cut before its page tables cannot be opened.
					if fm == dump.ELFFull || fm == dump.Raw {
						t.Skipf("cut at %d: %v", size, err)
					}
					t.Fatal(err)
				}
				defer c.Close()
				if _, err := c.Translate(dump.Addr(f.mc.Symbols["dumppcb"])); errors.Is(err, dump.ErrNoTranslation) {
					t.Skipf("cut at %d before the page-table root: %v", size, err)
				}
				if fm.IsMinidump() && len(c.Warnings()) == 0 {
					t.Errorf("no truncation warning")
				}
				errs := 0
				for _, p := range f.probes(3, false) {
					b, kind, at := l.ExpectTruncated(size, p.addr, p.n)
					check(t, "virtual", p, c.ReadAt, b, kind, at)
					if t.Failed() {
						if errs++; errs > 10 {
							t.Fatal("too many failures")
						}
					}
				}
			})
		}
	}
}

// TestCompressed opens gzip, zstd and bzip2 variants and checks they read the
// same as the plain file.
func TestCompressed(t *testing.T) {
	f := sample(t)
	dir := t.TempDir()
	for _, comp := range []dump.Compression{dump.Gzip, dump.Zstd, dump.Bzip2} {
		t.Run(string(comp), func(t *testing.T) {
			ls, err := f.mc.WriteAllCompressed(dir, comp, dump.MinidumpDragonFlyV2)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, dumptest.FileName(dump.MinidumpDragonFlyV2, comp))
			c, err := dump.Open(path, dump.WithSymbols(f.tab.Resolver()), dump.WithTempDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := c.Info().Compression; got != comp {
				t.Errorf("compression = %q, want %q", got, comp)
			}
			l := ls[dump.MinidumpDragonFlyV2]
			for _, p := range f.probes(4, false)[:300] {
				b, kind, at := l.Expect(p.addr, p.n)
				check(t, "virtual", p, c.ReadAt, b, kind, at)
				check(t, "scattered", p, c.Scattered().ReadAt, b, kind, at)
			}
		})
	}
}
