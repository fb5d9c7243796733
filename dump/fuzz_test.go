package dump_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
)

// Run the fuzz targets with a short minimization time: the default 60 s stalls on
// inputs of hundreds of KiB.
//
//	go test ./dump -run '^$' -fuzz '^FuzzOpen$' -fuzztime 5m -fuzzminimizetime 5s
//	go test ./dump -run '^$' -fuzz '^FuzzMinidumpHeader$' -fuzztime 5m -fuzzminimizetime 5s
//	go test ./dump -run '^$' -fuzz '^FuzzWalk$' -fuzztime 5m -fuzzminimizetime 5s
//
// testdata/fuzz/FuzzOpen holds inputs that crashed the reader before a fix; they
// run as seeds with every go test.

// fuzzDeadline bounds one fuzz input: a hang becomes a crash the fuzzer records.
const fuzzDeadline = 10 * time.Second

// bytesView is an in-memory dump that exposes its bytes, the way package dump
// uses a memory-mapped file: reads slice the data instead of calling ReadAt.
type bytesView struct {
	*bytes.Reader
	b []byte
}

func (v bytesView) Bytes() []byte { return v.b }

// fuzzSeeds returns small inputs of every format and their hostile variants.
// Files above 1 MiB are represented by their first 64 KiB and cut variants, since
// the fuzzer's minimization is slow on big inputs.
func fuzzSeeds(tb testing.TB) [][]byte {
	s := small(tb)
	var seeds [][]byte
	add := func(b ...[]byte) { seeds = append(seeds, b...) }

	compact := map[dump.Format][]byte{
		dump.MinidumpV1:        s.compactMinidump(dump.MinidumpV1),
		dump.MinidumpFreeBSDV2: s.compactMinidump(dump.MinidumpFreeBSDV2),
		dump.MinidumpFreeBSDV3: s.compactMinidump(dump.MinidumpFreeBSDV3),
		dump.ELFFull:           s.compactELFFull(),
		dump.ELFVirtual:        s.compactELFVirtual(),
	}
	for _, f := range dump.Formats() {
		if b, ok := compact[f]; ok {
			add(b)
		}
		b := s.files[f]
		add(dumptest.Truncate(b, 64<<10), dumptest.Truncate(b, 4096), dumptest.Truncate(b, 100))
		if l := s.layouts[f]; l.MinSize > 0 && l.MinSize < 1<<20 {
			add(dumptest.Truncate(b, l.MinSize), dumptest.Truncate(b, l.MinSize+3*dump.PageSize+100))
		}
	}
	// Header variants of the small minidumps.
	for _, f := range []dump.Format{dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3} {
		for _, field := range []dumptest.Field{dumptest.FieldMsgbufSize, dumptest.FieldBitmapSize, dumptest.FieldPTESize, dumptest.FieldDumpAvailSize} {
			if nb, err := dumptest.InflateHeaderField(compact[f], f, field); err == nil {
				add(nb)
			}
			if nb, err := dumptest.SetHeaderField(compact[f], f, field, 8); err == nil {
				add(nb)
			}
		}
		// Every bitmap bit set: far more pages than the file holds.
		nb := append([]byte(nil), compact[f]...)
		l := s.layouts[f]
		for i := l.BitmapOff; i < l.BitmapOff+int64(l.BitmapSize); i++ {
			nb[i] = 0xff
		}
		add(nb)
	}
	// ELF header variants.
	for _, b := range [][]byte{compact[dump.ELFFull], compact[dump.ELFVirtual]} {
		add(dumptest.ELFSetPhnum(b, 0xffff), dumptest.ELFSetPhnum(b, 0xfffe), dumptest.ELFSetPhentsize(b, 0),
			dumptest.ELFSetPhentsize(b, 0xffff), dumptest.ELFSetPhoff(b, 1<<63), dumptest.ELFSetPhoff(b, uint64(len(b)-10)))
		if nb, err := dumptest.ELFOverlongLoad(b, 1); err == nil {
			add(nb)
		}
	}
	add(hugeSegmentELF(), unalignedELF(), manyLoadsELF(2000))
	// A PT_LOAD moved to the middle of a page.
	unaligned := append([]byte(nil), compact[dump.ELFVirtual]...)
	binary.LittleEndian.PutUint64(unaligned[64+56+16:], binary.LittleEndian.Uint64(unaligned[64+56+16:])+0x800)
	add(unaligned)
	// Not dumps.
	add(nil, []byte("0123456789"), []byte("DragonFly Kern Dump"), append([]byte("DragonFly Kern Dump"), make([]byte, 600)...),
		bytes.Repeat([]byte("not a dump\n"), 100), []byte("\x7fELF"), []byte("minidump DFlyBSD/x86-64\x00\x02"))
	// Compressed.
	gz := gzipBytes(compact[dump.ELFFull])
	add(gz, gz[:len(gz)/2], gzipBytes(gz), zstdBytes(compact[dump.MinidumpFreeBSDV2]), bzip2Bytes(compact[dump.MinidumpFreeBSDV3]),
		gzipBytes(compact[dump.MinidumpV1]), zstdRLEFrame(0x98, 3, 1000), zstdRLEFrame(0x38, 40, 128<<10))
	return seeds
}

// FuzzOpen feeds arbitrary bytes to New, with the sample kernel's symbols, and
// exercises whatever opens.
func FuzzOpen(f *testing.F) {
	s := small(f)
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	syms := s.symbols()
	f.Fuzz(func(t *testing.T, b []byte) {
		timer := time.AfterFunc(fuzzDeadline, func() { panic("FuzzOpen: input did not finish within " + fuzzDeadline.String()) })
		defer timer.Stop()
		var extra []uint64
		if len(b) >= 8 {
			extra = append(extra, binary.LittleEndian.Uint64(b[len(b)-8:]))
		}
		if len(b) >= 4096+16 {
			extra = append(extra, binary.LittleEndian.Uint64(b[4096:]), binary.LittleEndian.Uint64(b[4096+8:]))
		}
		var ms0, ms1 runtime.MemStats
		var cores []*dump.Core
		var tmps, errs []string
		for i, r := range []io.ReaderAt{bytes.NewReader(b), bytesView{bytes.NewReader(b), b}} {
			if i == 1 && compressed(b) {
				break // expanded into a file either way: no need to expand twice
			}
			tmp := t.TempDir()
			runtime.ReadMemStats(&ms0)
			c, err := dump.New(r, int64(len(b)), "fuzz", dump.WithSymbols(syms), dump.WithTempDir(tmp), dump.WithMaxDecompressed(64<<20))
			runtime.ReadMemStats(&ms1)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "fuzz: ") || strings.Contains(err.Error(), "internal error") {
					t.Fatalf("error %q: want one that names the input and does not come from a recovered panic", err)
				}
				checkEmpty(t, tmp)
				errs = append(errs, err.Error())
				continue
			}
			errs = append(errs, "")
			// Compressed input may cost the zstd window (up to 64 MiB here).
			if grew := ms1.TotalAlloc - ms0.TotalAlloc; c.Info().Compression == dump.NoCompression && grew > 2*uint64(len(b))+1<<20 {
				t.Fatalf("opening a %d-byte input allocated %d bytes", len(b), grew)
			}
			exercise(t, c, extra)
			cores, tmps = append(cores, c), append(tmps, tmp)
		}
		// Both backings (ReadAt and a byte view) must open and read alike.
		if len(errs) == 2 && errs[0] != errs[1] {
			t.Fatalf("opening through ReadAt: %q; through a byte view: %q", errs[0], errs[1])
		}
		if len(cores) == 2 {
			compareCores(t, cores[0], cores[1], extra)
		}
		for i, c := range cores {
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			checkEmpty(t, tmps[i])
		}
	})
}

// compressed reports whether b starts like a gzip, zstd or bzip2 stream.
func compressed(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0x1f, 0x8b}) || bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}) || bytes.HasPrefix(b, []byte("BZh"))
}

func checkEmpty(t *testing.T, dir string) {
	t.Helper()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("%s holds %d entries: a temporary file was left behind", dir, len(ents))
	}
}

// compareCores checks that two cores of the same bytes answer every read alike,
// reading the probe addresses in reverse order of exercise: a (read with ReadAt
// calls) has no fast path, b (a byte view) caches translations, so a stale or
// wrong cached translation shows up as a difference.
func compareCores(t *testing.T, a, b *dump.Core, extra []uint64) {
	t.Helper()
	addrs := probeAddrs(a, extra)
	slices.Reverse(addrs)
	for i, addr := range addrs {
		for _, phys := range []bool{false, true} {
			size := 8 // within a page: the fast path
			if i%2 == 1 {
				size = dump.PageSize + 16
			}
			pa, pb := make([]byte, size), make([]byte, size)
			var na, nb int
			var ea, eb error
			if phys {
				na, ea = a.ReadPhys(pa, dump.Addr(addr&(1<<52-1)))
				nb, eb = b.ReadPhys(pb, dump.Addr(addr&(1<<52-1)))
			} else {
				na, ea = a.ReadAt(pa, dump.Addr(addr))
				nb, eb = b.ReadAt(pb, dump.Addr(addr))
			}
			if na != nb || !bytes.Equal(pa[:na], pb[:nb]) || (ea == nil) != (eb == nil) || (ea != nil && ea.Error() != eb.Error()) {
				t.Fatalf("read(%#x, phys %v): ReadAt backing %d bytes, %v; byte view %d bytes, %v", addr, phys, na, ea, nb, eb)
			}
		}
	}
}

// FuzzMinidumpHeader mutates only the 4096-byte header page of a valid minidump
// (one of the four kinds, chosen by sel) and keeps the rest of the file, so that
// the fuzzer reaches the section layout, bitmap and translation code at once.
func FuzzMinidumpHeader(f *testing.F) {
	s := small(f)
	kinds := []dump.Format{dump.MinidumpV1, dump.MinidumpDragonFlyV2, dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3}
	imgs := make([][]byte, len(kinds))
	for i, k := range kinds {
		imgs[i] = append([]byte(nil), s.files[k]...)
		hdr := s.files[k][:dump.PageSize]
		f.Add(uint8(i), hdr)
		for _, field := range []dumptest.Field{dumptest.FieldMsgbufSize, dumptest.FieldBitmapSize, dumptest.FieldPTESize, dumptest.FieldDumpAvailSize} {
			for _, v := range []uint64{0, 8, 1<<32 - 1, 1 << 50} {
				if nb, err := dumptest.SetHeaderField(hdr, k, field, v); err == nil {
					f.Add(uint8(i), nb)
				}
			}
		}
	}
	syms := s.symbols()
	f.Fuzz(func(t *testing.T, sel uint8, hdr []byte) {
		timer := time.AfterFunc(fuzzDeadline, func() { panic("FuzzMinidumpHeader: input did not finish within " + fuzzDeadline.String()) })
		defer timer.Stop()
		img := imgs[int(sel)%len(imgs)]
		orig := s.files[kinds[int(sel)%len(imgs)]]
		page := make([]byte, dump.PageSize)
		copy(page, hdr)
		copy(img, page)
		defer copy(img, orig[:dump.PageSize])
		var extra []uint64
		for off := 80; off+8 <= 120; off += 8 {
			extra = append(extra, binary.LittleEndian.Uint64(page[off:]))
		}
		var cores []*dump.Core
		for _, r := range []io.ReaderAt{bytes.NewReader(img), bytesView{bytes.NewReader(img), img}} {
			c, err := dump.New(r, int64(len(img)), "fuzz", dump.WithSymbols(syms), dump.WithTempDir(t.TempDir()))
			if err != nil {
				if !strings.HasPrefix(err.Error(), "fuzz: ") || strings.Contains(err.Error(), "internal error") {
					t.Fatalf("error %q: want one that names the input and does not come from a recovered panic", err)
				}
				return
			}
			defer c.Close()
			exercise(t, c, extra)
			cores = append(cores, c)
		}
		compareCores(t, cores[0], cores[1], extra)
	})
}
