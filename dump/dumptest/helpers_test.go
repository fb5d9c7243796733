package dumptest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kdump-bsd/kdump/dump"
)

var le = binary.LittleEndian

// Addresses of the hand-built test memory (no kernel needed).
const (
	tText2M  = 0xffffffff80200000 // 2 MiB page → 0x200000, PAT bit
	tImage4K = 0xffffffff80400000 // 16 4 KiB pages → 0x400000, NX + high bits
	tHeap    = 0xffffffff90000000 // 64 scattered 4 KiB pages, page 10 a hole
	t1G      = 0xffffffffc0000000 // 1 GiB page → PA 0
	tPhys    = 16 << 20
)

type testMem struct {
	*Memory
	heapPA   []uint64 // PA of heap page i (0 for the hole)
	excluded uint64   // an excluded heap page's VA
	dumpAlso uint64   // a DMAP-only page (PA) added with DumpAlso
	dmapOnly uint64   // a written page no kernel mapping ≥ kernbase maps, not DumpAlso
}

// newTestMem builds a small machine by hand. with1G adds the 1 GiB window onto
// PA 0 (which puts every RAM page into the minidump page set).
func newTestMem(t testing.TB, seed uint64, with1G bool) *testMem {
	t.Helper()
	m := NewMemory(Config{PhysSize: tPhys, Seed: seed})
	tm := &testMem{Memory: m}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.Reserve(0x200000, 0x210000))
	must(m.Map2M(tText2M, 0x200000, PG_RW|PG_G|PG_PAT2M))
	for i := uint64(0); i < 16; i++ {
		flags := uint64(PG_RW | PG_NX)
		if i%3 == 1 {
			flags |= PG_AVL | PG_IGN52 | PG_IGN58
		}
		must(m.Map4K(tImage4K+i*PageSize, 0x400000+i*PageSize, flags))
	}
	pattern := func(pa uint64, tag byte) {
		b := make([]byte, PageSize)
		for j := range b {
			b[j] = byte(j*13) ^ tag ^ byte(pa>>12)
		}
		le.PutUint64(b, pa)
		must(m.WritePhys(pa, b))
	}
	for pa := uint64(0x200000); pa < 0x410000; pa += PageSize {
		pattern(pa, 0x11)
	}
	for i := uint64(0); i < 64; i++ {
		if i == 10 {
			tm.heapPA = append(tm.heapPA, 0)
			continue
		}
		pa := m.AllocPage()
		must(m.Map4K(tHeap+i*PageSize, pa, PG_RW|PG_NX|PG_A))
		pattern(pa, 0x22)
		tm.heapPA = append(tm.heapPA, pa)
	}
	tm.excluded = tHeap + 20*PageSize
	m.Exclude(tm.heapPA[20])
	if with1G {
		must(m.Map1G(t1G, 0, PG_RW|PG_NX|PG_AVL|PG_IGN52))
	}
	must(m.Map1G(DefaultDMAPBase, 0, PG_RW|PG_NX))
	tm.dumpAlso = m.AllocPage()
	pattern(tm.dumpAlso, 0x33)
	m.DumpAlso(tm.dumpAlso)
	tm.dmapOnly = m.AllocPage()
	pattern(tm.dmapOnly, 0x44)
	return tm
}

func writeBytes(t testing.TB, m *Memory, f dump.Format, opt WriteOptions) ([]byte, *Layout) {
	t.Helper()
	var buf bytes.Buffer
	buf.Grow(int(m.PhysSize()) + 8<<20)
	l, err := m.Write(&buf, f, opt)
	if err != nil {
		t.Fatalf("Write %v: %v", f, err)
	}
	if int64(buf.Len()) != l.FileSize {
		t.Fatalf("Write %v: wrote %d bytes, layout says %d", f, buf.Len(), l.FileSize)
	}
	return buf.Bytes(), l
}

var (
	kernMu   sync.Mutex
	kernDir  string
	kernErrs = map[string]error{}
)

// miniKernel compiles testdata/minikern.c (with -D<variant> unless variant is
// "") into an ELF linked at 0xffffffff80200000, once per test binary and
// variant. It skips the test without gcc.
func miniKernel(t testing.TB, variant string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not available")
	}
	kernMu.Lock()
	defer kernMu.Unlock()
	if kernDir == "" {
		if kernDir, err = os.MkdirTemp("", "dumptest-kern"); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(kernDir, "minikern"+variant)
	if err, done := kernErrs[variant]; done {
		if err != nil {
			t.Skipf("cannot build the test kernel: %v", err)
		}
		return path
	}
	args := []string{"-g", "-O1", "-ffreestanding", "-fno-pic", "-fno-pie", "-no-pie",
		"-mcmodel=kernel", "-nostdlib", "-static", "-Wl,-Ttext-segment=0xffffffff80200000",
		"-Wl,--build-id=none", "-o", path, filepath.Join("testdata", "minikern.c")}
	if variant != "" {
		args = append(args, "-D"+variant)
	}
	out, err := exec.Command(gcc, args...).CombinedOutput()
	if err != nil {
		err = fmt.Errorf("%v: %s", err, out)
	}
	kernErrs[variant] = err
	if err != nil {
		t.Skipf("cannot build the test kernel: %v", err)
	}
	return path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if kernDir != "" {
		os.RemoveAll(kernDir)
	}
	os.Exit(code)
}

// minidumps lists the minidump formats.
var minidumps = []dump.Format{dump.MinidumpV1, dump.MinidumpDragonFlyV2, dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3}
