package dump_test

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/internal/samples"
	"github.com/kdump-bsd/kdump/symtab"
)

// benchSet is a sample machine written in every format into a temporary directory.
type benchSet struct {
	mc  *dumptest.Machine
	dir string
	tab *symtab.Table
}

var (
	benchMu   sync.Mutex
	benchSets = map[uint64]*benchSet{}
)

// benchMachine builds (once per heap size) a machine with heapMiB of scattered
// 4 KiB heap pages and writes it in the given formats.
func benchMachine(b *testing.B, heapMiB uint64, formats ...dump.Format) *benchSet {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	s := benchSets[heapMiB]
	if s == nil {
		dir, err := os.MkdirTemp("", "kdump-bench-")
		if err != nil {
			b.Fatal(err)
		}
		cfg := dumptest.SampleConfig{PhysSize: (heapMiB + 32) << 20, Seed: 1, HeapSize: heapMiB << 20}
		mc, err := dumptest.Sample(samples.Kernel("dfly2020"), cfg)
		if err != nil {
			b.Fatal(err)
		}
		tab, err := symtab.Open(samples.Kernel("dfly2020"))
		if err != nil {
			b.Fatal(err)
		}
		s = &benchSet{mc: mc, dir: dir, tab: tab}
		benchSets[heapMiB] = s
	}
	for _, f := range formats {
		if _, err := os.Stat(filepath.Join(s.dir, dumptest.FileName(f, dump.NoCompression))); err == nil {
			continue
		}
		if _, err := s.mc.WriteAll(s.dir, f); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func (s *benchSet) open(b *testing.B, f dump.Format, opts ...dump.Option) *dump.Core {
	opts = append(opts, dump.WithSymbols(s.tab.Resolver()))
	c, err := dump.Open(filepath.Join(s.dir, dumptest.FileName(f, dump.NoCompression)), opts...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkRead8Random measures random 8-byte reads across a 256 MiB heap of
// scattered pages: translation (page tables or minidump bitmap) plus the copy.
// The resident budget is off, so the figure is the reader's own cost; the
// "budget" case shows what uniformly random reads over more than the default
// budget cost when the least recently read chunks are dropped and re-faulted.
func BenchmarkRead8Random(b *testing.B) {
	for _, f := range dump.Formats() {
		b.Run(f.String(), func(b *testing.B) { read8Random(b, f, dump.WithResidentBudget(0)) })
	}
	b.Run("budget/"+dump.MinidumpDragonFlyV2.String(), func(b *testing.B) {
		read8Random(b, dump.MinidumpDragonFlyV2, dump.WithResidentBudget(dump.DefaultResidentBudget))
	})
}

func read8Random(b *testing.B, f dump.Format, opts ...dump.Option) {
	s := benchMachine(b, 256, f)
	c := s.open(b, f, opts...)
	defer c.Close()
	r := rand.New(rand.NewPCG(1, 2))
	addrs := make([]dump.Addr, 0, 1<<20)
	var buf [8]byte
	for len(addrs) < cap(addrs) {
		a := dump.Addr((s.mc.HeapStart + r.Uint64N(s.mc.HeapEnd-s.mc.HeapStart)) &^ 7)
		if _, err := c.ReadAt(buf[:], a); err == nil { // skip holes and excluded pages
			addrs = append(addrs, a)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.ReadAt(buf[:], addrs[i&(len(addrs)-1)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mreads/s")
}

// BenchmarkOpen opens and closes dumps of two sizes: the cost must not grow with
// the data (only with the bitmap of a minidump).
func BenchmarkOpen(b *testing.B) {
	for _, heap := range []uint64{16, 256} {
		for _, f := range []dump.Format{dump.MinidumpDragonFlyV2, dump.MinidumpFreeBSDV3, dump.ELFFull} {
			b.Run(f.String()+"/heap="+strconv.FormatUint(heap, 10)+"MiB", func(b *testing.B) {
				s := benchMachine(b, heap, f)
				path := filepath.Join(s.dir, dumptest.FileName(f, dump.NoCompression))
				fi, _ := os.Stat(path)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					c, err := dump.Open(path, dump.WithSymbols(s.tab.Resolver()))
					if err != nil {
						b.Fatal(err)
					}
					c.Close()
				}
				b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
			})
		}
	}
}

// BenchmarkResident opens the largest dump, does 1M random reads, and reports how
// much anonymous memory kdump added compared with the file's size.
func BenchmarkResident(b *testing.B) {
	f := dump.MinidumpDragonFlyV2
	s := benchMachine(b, 256, f)
	path := filepath.Join(s.dir, dumptest.FileName(f, dump.NoCompression))
	fi, _ := os.Stat(path)
	for i := 0; i < b.N; i++ {
		before := rssKiB("RssAnon:")
		c := s.open(b, f)
		afterOpen := rssKiB("RssAnon:")
		r := rand.New(rand.NewPCG(3, 4))
		var buf [8]byte
		for j := 0; j < 1_000_000; j++ {
			c.ReadAt(buf[:], dump.Addr(s.mc.HeapStart+r.Uint64N(s.mc.HeapEnd-s.mc.HeapStart)))
		}
		afterReads := rssKiB("RssAnon:")
		fileBacked := rssKiB("RssFile:")
		c.Close()
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
		b.ReportMetric(float64(afterOpen-before)/1024, "open-anon-MiB")
		b.ReportMetric(float64(afterReads-before)/1024, "anon-after-1M-reads-MiB")
		b.ReportMetric(float64(fileBacked)/1024, "file-backed-MiB")
	}
}

// rssKiB reads a field such as "RssAnon:" (kB) from /proc/self/status; 0 where
// there is none. Mapped dump pages count as RssFile: page cache the kernel can
// reclaim, not memory kdump allocated.
func rssKiB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
