package structs

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/internal/samples"
)

// benchCore is a DragonFly v2 minidump of the dfly2020 sample machine with
// benchRecords procs, lwps and threads on its heap, opened (memory-mapped)
// with dump.Open.
type benchCore struct {
	core                 *dump.Core
	procs, lwps, threads []dump.Addr
}

const benchRecords = 1024

var (
	benchOnce sync.Once
	benchSet  *benchCore
	benchErr  error
)

func openBenchCore(b *testing.B) *benchCore {
	b.Helper()
	benchOnce.Do(func() { benchSet, benchErr = makeBenchCore() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSet
}

func makeBenchCore() (*benchCore, error) {
	mc, err := dumptest.Sample(samples.Kernel("dfly2020"), dumptest.SampleConfig{Seed: 3, HeapSize: 8 << 20})
	if err != nil {
		return nil, err
	}
	bc := &benchCore{}
	put := func(a uint64, off int64, size int, v uint64) error {
		var buf [8]byte
		binary.LittleEndian.PutUint64(buf[:], v)
		return mc.Memory.WriteVirt(a+uint64(off), buf[:size])
	}
	for i := range benchRecords {
		p, l, td := mc.Alloc(1312, 64), mc.Alloc(608, 64), mc.Alloc(1600, 64)
		wm := mc.Alloc(8, 8)
		if p == 0 || l == 0 || td == 0 || wm == 0 {
			return nil, os.ErrInvalid
		}
		// A few members at the spec's 2020 offsets, so that decoding does
		// real work (the string copies in particular).
		errs := []error{
			put(p, 92, 4, uint64(i)), put(l, 72, 4, uint64(100000+i)), put(td, 192, 8, wm),
			mc.Memory.WriteVirt(p+920, []byte("benchproc\x00")),
			mc.Memory.WriteVirt(td+408, []byte("benchthread\x00")),
			mc.Memory.WriteVirt(wm, []byte("select\x00")),
		}
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		bc.procs = append(bc.procs, dump.Addr(p))
		bc.lwps = append(bc.lwps, dump.Addr(l))
		bc.threads = append(bc.threads, dump.Addr(td))
	}
	dir, err := os.MkdirTemp("", "kdump-structs-bench-")
	if err != nil {
		return nil, err
	}
	if _, err := mc.WriteAll(dir, dump.MinidumpDragonFlyV2); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, dumptest.FileName(dump.MinidumpDragonFlyV2, dump.NoCompression))
	core, err := dump.Open(path)
	os.RemoveAll(dir) // the mapping keeps the data
	if err != nil {
		return nil, err
	}
	bc.core = core
	return bc, nil
}

// BenchmarkDecodeProc decodes one struct proc per iteration from the
// memory-mapped minidump.
func BenchmarkDecodeProc(b *testing.B) {
	bc := openBenchCore(b)
	d := newDecoder(b, kernel(b, "dfly2020"))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := d.Proc(bc.core, bc.procs[i%benchRecords])
		if len(p.Faults) != 0 || p.Comm != "benchproc" {
			b.Fatalf("%+v", p)
		}
		i++
	}
}

// BenchmarkDecodeLWP decodes one struct lwp per iteration.
func BenchmarkDecodeLWP(b *testing.B) {
	bc := openBenchCore(b)
	d := newDecoder(b, kernel(b, "dfly2020"))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l := d.LWP(bc.core, bc.lwps[i%benchRecords])
		if len(l.Faults) != 0 || l.TID < 100000 {
			b.Fatalf("%+v", l)
		}
		i++
	}
}

// BenchmarkDecodeThread decodes one struct thread and its wait message per
// iteration.
func BenchmarkDecodeThread(b *testing.B) {
	bc := openBenchCore(b)
	d := newDecoder(b, kernel(b, "dfly2020"))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		td := d.Thread(bc.core, bc.threads[i%benchRecords])
		if len(td.Faults) != 0 || td.WMesg != "select" || td.Comm != "benchthread" {
			b.Fatalf("%+v", td)
		}
		i++
	}
}

// BenchmarkNewDecoder resolves every member for kern-dfly2020 (layouts
// already cached by the Layouts).
func BenchmarkNewDecoder(b *testing.B) {
	l := kernel(b, "dfly2020")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewDecoder(l); err != nil {
			b.Fatal(err)
		}
	}
}
