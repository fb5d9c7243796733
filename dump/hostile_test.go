package dump_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/zstd"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/internal/samples"
)

// smallConfig is a sample machine small enough that every format is a few MiB
// (minidumps ~3–5 MiB, ELF full 8 MiB): the hostile tests copy and rewrite these
// files dozens of times, and the fuzz targets derive their seeds from them.
var smallConfig = dumptest.SampleConfig{PhysSize: 8 << 20, HeapSize: 256 << 10, No1GiBMap: true, Seed: 11, Panic: "hostile input test"}

// smallFixture is the small machine written in every format, in memory.
type smallFixture struct {
	mc      *dumptest.Machine
	files   map[dump.Format][]byte
	layouts map[dump.Format]*dumptest.Layout
}

var (
	smallOnce sync.Once
	smallVal  *smallFixture
	smallErr  error
)

func small(t testing.TB) *smallFixture {
	t.Helper()
	smallOnce.Do(func() {
		s := &smallFixture{files: map[dump.Format][]byte{}, layouts: map[dump.Format]*dumptest.Layout{}}
		if s.mc, smallErr = dumptest.Sample(samples.Kernel("dfly2020"), smallConfig); smallErr != nil {
			return
		}
		for _, f := range dump.Formats() {
			var buf bytes.Buffer
			l, err := s.mc.Memory.Write(&buf, f, s.mc.WriteOptions())
			if err != nil {
				smallErr = fmt.Errorf("writing %v: %w", f, err)
				return
			}
			s.files[f], s.layouts[f] = buf.Bytes(), l
		}
		smallVal = s
	})
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return smallVal
}

// symbols is the resolver a caller would get from the sample kernel's symtab:
// only the three symbols package dump asks for.
func (s *smallFixture) symbols() dump.Symbols {
	syms := map[string]uint64{}
	for _, name := range []string{"kernbase", "dumppcb", "KPML4phys"} {
		if v, ok := s.mc.Symbols[name]; ok {
			syms[name] = v
		}
	}
	return func(name string) (uint64, bool) { v, ok := syms[name]; return v, ok }
}

// keepPages returns the physical pages compact dumps keep: every page-table page,
// the pages of dumppcb, KPML4phys, version and panicstr, the first heap pages, the
// first image page and the message buffer's struct.
func (s *smallFixture) keepPages() map[uint64]bool {
	mc, m := s.mc, s.mc.Memory
	keep := map[uint64]bool{}
	for _, pa := range m.TablePages() {
		keep[pa] = true
	}
	for _, name := range []string{"dumppcb", "KPML4phys", "version", "panicstr", "msgbufp"} {
		if va, ok := mc.Symbols[name]; ok {
			keep[(va-dumptest.SampleKernBase)&^dump.PageMask] = true
		}
	}
	for _, va := range []uint64{mc.HeapStart, mc.HeapStart + dump.PageSize, mc.ImageStart} {
		if pa, ok := m.Translate(va); ok {
			keep[pa&^dump.PageMask] = true
		}
	}
	keep[(mc.MsgbufStruct-dumptest.SampleDMAPBase)&^dump.PageMask] = true
	return keep
}

// compactMinidump returns the minidump of format f with only the keepPages in its
// bitmap and data: the same headers and maps, a much smaller file.
func (s *smallFixture) compactMinidump(f dump.Format) []byte {
	b, l := s.files[f], s.layouts[f]
	keep := s.keepPages()
	pa := map[int64]uint64{}
	for p, off := range l.Pages {
		pa[off] = p
	}
	out := append([]byte(nil), b[:l.DataOff]...)
	bm := out[l.BitmapOff : l.BitmapOff+int64(l.BitmapSize)]
	rank := int64(0)
	for id := 0; id < len(bm)*8; id++ {
		if bm[id/8]&(1<<(id%8)) == 0 {
			continue
		}
		off := l.DataOff + rank*dump.PageSize
		rank++
		if keep[pa[off]] {
			out = append(out, b[off:off+dump.PageSize]...)
		} else {
			bm[id/8] &^= 1 << (id % 8)
		}
	}
	return out
}

// elfSeg is one program header of buildELF. By default p_offset is where data
// lands and p_filesz = p_memsz = len(data); override and overrideOff replace
// them with the given values (hostile headers).
type elfSeg struct {
	typ           uint32
	vaddr, paddr  uint64
	data          []byte
	override      bool // use filesz and memsz
	filesz, memsz uint64
	overrideOff   bool // use off
	off           uint64
}

// buildELF writes an ELF64 core: the header, the program headers, then each
// segment's data, page aligned (spec §5.1).
func buildELF(osabi byte, segs []elfSeg) []byte {
	le := binary.LittleEndian
	hdr := 64 + 56*len(segs)
	out := make([]byte, (hdr+dump.PageMask)&^dump.PageMask)
	copy(out, "\x7fELF\x02\x01\x01")
	out[7] = osabi
	le.PutUint16(out[16:], 4) // ET_CORE
	le.PutUint16(out[18:], 62)
	le.PutUint32(out[20:], 1)
	le.PutUint64(out[32:], 64)
	le.PutUint16(out[52:], 64)
	le.PutUint16(out[54:], 56)
	le.PutUint16(out[56:], uint16(len(segs)))
	for i, s := range segs {
		off, filesz, memsz := uint64(len(out)), uint64(len(s.data)), uint64(len(s.data))
		out = append(out, s.data...)
		if pad := len(out) % dump.PageSize; pad != 0 {
			out = append(out, make([]byte, dump.PageSize-pad)...)
		}
		if s.override {
			filesz, memsz = s.filesz, s.memsz
		}
		if s.overrideOff {
			off = s.off
		}
		ph := out[64+56*i:]
		le.PutUint32(ph[0:], s.typ)
		le.PutUint32(ph[4:], 4)
		le.PutUint64(ph[8:], off)
		le.PutUint64(ph[16:], s.vaddr)
		le.PutUint64(ph[24:], s.paddr)
		le.PutUint64(ph[32:], filesz)
		le.PutUint64(ph[40:], memsz)
		le.PutUint64(ph[48:], dump.PageSize)
	}
	return out
}

// compactELFFull returns an ELF full dump holding only the keepPages, one
// PT_LOAD per run of contiguous pages.
func (s *smallFixture) compactELFFull() []byte {
	keep := s.keepPages()
	pages := make([]uint64, 0, len(keep))
	for pa := range keep {
		pages = append(pages, pa)
	}
	slices.Sort(pages)
	var segs []elfSeg
	for i := 0; i < len(pages); {
		j := i + 1
		for j < len(pages) && pages[j] == pages[j-1]+dump.PageSize {
			j++
		}
		data, err := s.mc.Memory.ReadPhys(pages[i], (j-i)*dump.PageSize)
		if err != nil {
			panic(err)
		}
		segs = append(segs, elfSeg{typ: 1, vaddr: pages[i], paddr: pages[i], data: data})
		i = j
	}
	return buildELF(255, segs)
}

// compactELFVirtual returns a virtual ELF core with a PT_NOTE and three small
// PT_LOADs: the start of the image, of the heap, and the message buffer's page.
func (s *smallFixture) compactELFVirtual() []byte {
	mc := s.mc
	segs := []elfSeg{{typ: 4, data: make([]byte, 64)}}
	for _, r := range [][2]uint64{
		{mc.ImageStart &^ dump.PageMask, 2 * dump.PageSize},
		{mc.HeapStart, 3 * dump.PageSize},
		{mc.MsgbufStruct &^ dump.PageMask, dump.PageSize},
	} {
		data := make([]byte, r[1])
		for off := uint64(0); off < r[1]; off += dump.PageSize {
			if b, err := mc.Memory.ReadVirt(r[0]+off, dump.PageSize); err == nil {
				copy(data[off:], b)
			}
		}
		segs = append(segs, elfSeg{typ: 1, vaddr: r[0], data: data})
	}
	return buildELF(0, segs)
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zstdBytes(b []byte) []byte {
	w, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	defer w.Close()
	return w.EncodeAll(b, nil)
}

func bzip2Bytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := bzip2.NewWriter(&buf, &bzip2.WriterConfig{Level: bzip2.BestSpeed})
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// zstdRLEFrame is a hand-built zstd frame (RFC 8878 §3.1.1) with a window
// descriptor wdesc and nblocks RLE blocks of blockSize bytes each: 4 bytes of
// input per block, so 1 MiB expands to 32 GiB with 128 KiB blocks.
func zstdRLEFrame(wdesc byte, nblocks, blockSize int) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, wdesc}
	for i := 0; i < nblocks; i++ {
		h := blockSize<<3 | 1<<1 // Block_Type RLE
		if i == nblocks-1 {
			h |= 1 // Last_Block
		}
		b = append(b, byte(h), byte(h>>8), byte(h>>16), 'A')
	}
	return b
}

// hugeSegmentELF is the regression input for segMap.lookup: a PT_LOAD of
// 2^63+1 MiB (p_filesz = p_memsz) whose file offset plus the offset into the
// segment overflowed int64, giving a negative file offset (a slice panic on a
// mapped file). A second PT_LOAD overlapping the first, with a huge p_offset,
// is the regression input for the overflowing offset adjustment in sortSegments.
func hugeSegmentELF() []byte {
	const huge = 1<<63 + 1<<20
	return buildELF(0, []elfSeg{
		{typ: 1, vaddr: 0x1000, data: make([]byte, dump.PageSize), override: true, filesz: huge, memsz: huge},
		{typ: 1, vaddr: 0x2000, data: make([]byte, dump.PageSize), override: true, filesz: huge + 1<<21, memsz: huge + 1<<21, overrideOff: true, off: 1<<62 - 1},
	})
}

// unalignedELF is the regression input for the translation cache (tlb) of
// Core.ReadAt: a virtual core whose PT_LOAD starts in the middle of a page, at a
// file offset smaller than its page offset. A read at the segment's start cached
// the page as if it began (off - 0x800) bytes into the file, a negative offset:
// the next read of the page's first bytes sliced the mapping at -0x7c0 and
// panicked; with a larger offset it returned bytes for unmapped addresses.
func unalignedELF() []byte {
	b := buildELF(0, []elfSeg{{typ: 1, vaddr: 0x1800, data: bytes.Repeat([]byte{0xaa}, 0x800)}})
	binary.LittleEndian.PutUint64(b[64+8:], 0x40) // p_offset: inside the headers
	return b
}

// manyLoadsELF is a virtual core of n PT_LOADs (n up to 65534), each of one page
// at its own address, whose data all start half a page before the end of the
// file: the regression input for openELF's allocation (append growth, an index
// array and one warning per header cost 9–13 times the file) and warning count.
func manyLoadsELF(n int) []byte {
	le := binary.LittleEndian
	b := make([]byte, 64+56*n+dump.PageSize)
	copy(b, "\x7fELF\x02\x01\x01")
	le.PutUint16(b[16:], 4)
	le.PutUint16(b[18:], 62)
	le.PutUint64(b[32:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], uint16(n))
	for i := 0; i < n; i++ {
		ph := b[64+56*i:]
		le.PutUint32(ph, 1)
		le.PutUint64(ph[8:], uint64(len(b)-dump.PageSize/2)) // half a page before the end
		le.PutUint64(ph[16:], dumptest.SampleHeapBase+uint64(i)*dump.PageSize)
		le.PutUint64(ph[32:], dump.PageSize)
		le.PutUint64(ph[40:], dump.PageSize)
	}
	return b
}

// hugeDumpAvail is a FreeBSD v3 minidump (the compact one) whose dump_avail
// section holds 131072 valid ranges: the regression input for parseDumpAvail's
// allocation and for the linear search of every physical page lookup.
func (s *smallFixture) hugeDumpAvail() []byte {
	f := dump.MinidumpFreeBSDV3
	l, cb := s.layouts[f], s.compactMinidump(f)
	pairs := make([]byte, 2<<20)
	for i := 0; i < len(pairs)/16; i++ {
		binary.LittleEndian.PutUint64(pairs[i*16:], uint64(i)*0x2000)
		binary.LittleEndian.PutUint64(pairs[i*16+8:], uint64(i)*0x2000+0x1000)
	}
	nb := append(append(append([]byte(nil), cb[:l.DumpAvailOff]...), pairs...), cb[l.DumpAvailOff+l.DumpAvailLen:]...)
	nb, err := dumptest.SetHeaderField(nb, f, dumptest.FieldDumpAvailSize, uint64(len(pairs)))
	if err != nil {
		panic(err)
	}
	return nb
}

// hostile is one hostile input and what Open and New must make of it.
type hostile struct {
	name   string
	data   []byte
	opts   []dump.Option
	noSyms bool

	// Either opening fails with an error naming the file and containing every
	// string of errHas...
	errHas []string
	// ...or it succeeds, with this format and a warning containing warnHas.
	format  dump.Format
	warnHas string
	// oracle, when set, is what every read must return (dumptest.Layout.Expect);
	// virtOnly limits the comparison to virtual reads.
	oracle   *dumptest.Layout
	virtOnly bool
	// check runs extra assertions on the opened core (errors only, no Fatal:
	// it runs on the deadline goroutine).
	check func(t *testing.T, c *dump.Core)
}

// hostileCases builds every case from the small machine's files.
func hostileCases(t testing.TB) []hostile {
	s := small(t)
	mc := s.mc
	var cases []hostile
	add := func(h hostile) { cases = append(cases, h) }
	fault := func(kind dump.FaultKind, addr uint64, n int) func(t *testing.T, c *dump.Core) {
		return func(t *testing.T, c *dump.Core) {
			t.Helper()
			buf := make([]byte, n)
			got, err := c.ReadAt(buf, dump.Addr(addr))
			var fe *dump.FaultError
			if !errors.As(err, &fe) || fe.Kind != kind || uint64(fe.Addr) != addr || got != 0 || fe.Len != n {
				t.Errorf("ReadAt(%#x, %d) = %d, %v; want a %v fault at %#x", addr, n, got, err, kind, addr)
			}
		}
	}

	// Anything that is not a dump.
	rnd := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = byte(r.Uint32())
	}
	rnd[0] = 0x42 // no compression or ELF magic by accident
	notADump := []string{"not a recognized dump", "no minidump magic or ELF header at offset 0", "no page-table root found"}
	add(hostile{name: "garbage/random", data: rnd, errHas: notADump})
	add(hostile{name: "garbage/random-no-symbols", data: rnd, noSyms: true, errHas: []string{"not a recognized dump", "need the kernel's symbols"}})
	add(hostile{name: "garbage/text", data: bytes.Repeat([]byte("this is not a crash dump\n"), 300), errHas: notADump})
	add(hostile{name: "empty", data: nil, errHas: []string{"empty file"}})
	add(hostile{name: "10-bytes", data: []byte("0123456789"), errHas: notADump})
	// A dump still behind its kerneldumpheader (read off the dump device).
	when := time.Date(2020, 9, 24, 13, 37, 0, 0, time.UTC)
	v2, v2l := s.files[dump.MinidumpDragonFlyV2], s.layouts[dump.MinidumpDragonFlyV2]
	kdh := func(magic string, n int) []byte { return kerneldumpHeader(magic, uint64(n), when, "hostile") }
	add(hostile{name: "kerneldump-header/valid", data: append(kdh("DragonFly Kern Dump", len(v2)), v2...), format: dump.MinidumpDragonFlyV2, oracle: v2l})
	add(hostile{name: "kerneldump-header/zeros", data: append([]byte("DragonFly Kern Dump"), make([]byte, 4096)...), errHas: []string{"kerneldumpheader at offset 0 describes an empty dump"}})
	add(hostile{name: "kerneldump-header/magic-only", data: []byte("DragonFly Kern Dump"), errHas: []string{"kerneldumpheader truncated: file has 19 bytes, the header needs 512"}})
	add(hostile{name: "kerneldump-header/length-past-file", data: append(kdh("DragonFly Kern Dump", 1<<40), v2[:3<<20]...), format: dump.MinidumpDragonFlyV2, warnHas: "truncated: the kerneldumpheader says the dump is 1099511627776 bytes"})
	add(hostile{name: "kerneldump-header/twice", data: append(kdh("DragonFly Kern Dump", 4096), kdh("Cleared Kernel Dump", 4096)...), errHas: []string{"a second kerneldumpheader follows the first at offset 0x200"}})
	add(hostile{name: "kerneldump-header/garbage-behind", data: append(kdh("FreeBSD Kernel Dump", len(rnd)), rnd...), errHas: append([]string{"(the dump starts after a 512-byte kerneldumpheader)"}, notADump...)})
	kernel, err := os.ReadFile(samples.Kernel("dfly2020"))
	if err != nil {
		t.Fatal(err)
	}
	add(hostile{name: "kernel-elf-as-core", data: kernel, errHas: []string{"ET_EXEC", "is this the kernel?", "-M takes the vmcore, -N the kernel"}})

	// Minidumps.
	fields := []dumptest.Field{dumptest.FieldMsgbufSize, dumptest.FieldBitmapSize, dumptest.FieldPTESize, dumptest.FieldDumpAvailSize}
	sectionOf := map[dumptest.Field]string{dumptest.FieldMsgbufSize: "msgbuf", dumptest.FieldBitmapSize: "bitmap", dumptest.FieldPTESize: "ptemap", dumptest.FieldDumpAvailSize: "dump_avail"}
	for _, f := range dump.Formats() {
		if !f.IsMinidump() {
			continue
		}
		b, l := s.files[f], s.layouts[f]
		add(hostile{name: f.String() + "/cut-in-header-50", data: dumptest.Truncate(b, 50), errHas: []string{"minidump header truncated", "file has 50 bytes", "a header needs 80"}})
		add(hostile{name: f.String() + "/cut-in-header-page-2000", data: dumptest.Truncate(b, 2000), errHas: []string{"minidump header page truncated", "file has 2000 bytes", "want at least 4096"}})
		for _, field := range fields {
			nb, err := dumptest.InflateHeaderField(b, f, field)
			if err != nil {
				continue // no such field in this format
			}
			add(hostile{name: fmt.Sprintf("%v/inflated-%v", f, field), data: nb, errHas: []string{
				"minidump header (offset 0) claims a " + sectionOf[field] + " section of", "at offset 0x", fmt.Sprintf("the file has only %d bytes", len(nb)),
			}})
		}
		// The largest value each field can hold.
		for _, field := range fields {
			nb, err := dumptest.SetHeaderField(b, f, field, ^uint64(0))
			if err != nil {
				continue
			}
			add(hostile{name: fmt.Sprintf("%v/max-%v", f, field), data: nb, errHas: []string{"claims a " + sectionOf[field] + " section of"}})
		}
		nb, nl, err := dumptest.BitmapExtraBits(b, l, 16)
		if err != nil {
			t.Fatal(err)
		}
		add(hostile{name: f.String() + "/bitmap-extra-bits", data: nb, format: f, warnHas: "truncated: the bitmap lists", oracle: nl})
		for _, va := range []uint64{mc.HeapStart, mc.HeapStart + 5*dump.PageSize} {
			nb, nl, err := dumptest.PointPastRAM(b, l, va)
			if err != nil {
				t.Fatal(err)
			}
			add(hostile{name: fmt.Sprintf("%v/point-past-ram-%#x", f, va), data: nb, format: f, oracle: nl})
		}
		for _, e := range []uint64{0x7ff0deadbeef0000 | dump.PteValid, ^uint64(0), 0x00000badc0de0000 | dump.PteValid | dump.PtePS} {
			nb, nl, err := dumptest.CorruptEntry(b, l, mc.HeapStart+2*dump.PageSize, e)
			if err != nil {
				t.Fatal(err)
			}
			add(hostile{name: fmt.Sprintf("%v/garbage-entry-%#x", f, e), data: nb, format: f, oracle: nl})
		}
		magic := append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(magic[24:], 7)
		add(hostile{name: f.String() + "/unknown-version", data: magic, errHas: []string{"offset 0", "version 7 is not a known amd64 minidump"}})
	}
	{
		f := dump.MinidumpFreeBSDV3
		b, l := s.files[f], s.layouts[f]
		nb := append([]byte(nil), b...)
		binary.LittleEndian.PutUint64(nb[l.DumpAvailOff+16:], 0x100000)
		binary.LittleEndian.PutUint64(nb[l.DumpAvailOff+24:], 0x1000)
		add(hostile{name: f.String() + "/dump-avail-descending", data: nb, errHas: []string{"dump_avail entry 1 at offset", "want ascending, non-empty ranges"}})
	}

	// ELF cores.
	compactELF := map[dump.Format][]byte{dump.ELFFull: s.compactELFFull(), dump.ELFVirtual: s.compactELFVirtual()}
	for _, f := range []dump.Format{dump.ELFFull, dump.ELFVirtual} {
		b, l := s.files[f], s.layouts[f]
		name := f.String()
		cb := compactELF[f]
		cphnum := binary.LittleEndian.Uint16(cb[56:])
		add(hostile{name: name + "/cut-in-elf-header", data: dumptest.Truncate(b, 40), errHas: []string{"ELF header truncated", "file has 40 bytes, want 64"}})
		add(hostile{name: name + "/cut-in-program-headers", data: dumptest.Truncate(b, l.PhOff+56+10), errHas: []string{"offset 32:", "program headers of 56 bytes at offset 0x40 lie past the end of the file"}})
		add(hostile{name: name + "/phnum-0", data: dumptest.ELFSetPhnum(b, 0), errHas: []string{"offset 56: e_phnum is 0"}})
		// In a small file, 65534 program headers cannot fit; in a large one they
		// do, and the data pages read as program headers (none a PT_LOAD here).
		add(hostile{name: name + "/compact/phnum-0xfffe", data: dumptest.ELFSetPhnum(cb, 0xfffe), errHas: []string{"offset 32: 65534 program headers of 56 bytes at offset 0x40 lie past the end of the file"}})
		add(hostile{name: name + "/phnum-0xfffe", data: dumptest.ELFSetPhnum(b, 0xfffe), format: f, oracle: l})
		add(hostile{name: name + "/phnum-pn-xnum", data: dumptest.ELFSetPhnum(b, 0xffff), errHas: []string{"offset 56: e_phnum is 0 (or PN_XNUM with a 0 sh_info)"}})
		add(hostile{name: name + "/phentsize-0", data: dumptest.ELFSetPhentsize(b, 0), errHas: []string{"offset 54: e_phentsize 0, want at least 56"}})
		add(hostile{name: name + "/phentsize-8", data: dumptest.ELFSetPhentsize(b, 8), errHas: []string{"offset 54: e_phentsize 8, want at least 56"}})
		add(hostile{name: name + "/compact/phentsize-0xffff", data: dumptest.ELFSetPhentsize(cb, 0xffff), errHas: []string{fmt.Sprintf("offset 32: %d program headers of 65535 bytes at offset 0x40 lie past the end of the file", cphnum)}})
		if f == dump.ELFFull {
			// Program header 0 (a PT_LOAD) is still right; the others are read
			// from the data pages.
			add(hostile{name: name + "/phentsize-0xffff", data: dumptest.ELFSetPhentsize(b, 0xffff), format: f})
		} else {
			// Program header 0 is the PT_NOTE; the others are data.
			add(hostile{name: name + "/phentsize-0xffff", data: dumptest.ELFSetPhentsize(b, 0xffff), errHas: []string{"none of the", "program headers at offset 0x40 is a PT_LOAD"}})
		}
		add(hostile{name: name + "/phoff-2^63", data: dumptest.ELFSetPhoff(b, 1<<63), errHas: []string{"at offset 0x8000000000000000 lie past the end of the file"}})
		add(hostile{name: name + "/phoff-max", data: dumptest.ELFSetPhoff(b, ^uint64(0)), errHas: []string{"at offset 0xffffffffffffffff lie past the end of the file"}})
		add(hostile{name: name + "/phoff-end-10", data: dumptest.ELFSetPhoff(b, uint64(len(b)-10)), errHas: []string{fmt.Sprintf("at offset %#x lie past the end of the file (%d bytes)", len(b)-10, len(b))}})
		class := append([]byte(nil), b...)
		class[4] = 1
		add(hostile{name: name + "/elfclass32", data: class, errHas: []string{"offset 4: ELF class 1, want ELFCLASS64"}})
		// The last PT_LOAD claims 1 MiB more than the file holds.
		last := -1
		for i, sg := range l.Segments {
			if sg.Type == 1 {
				last = i
			}
		}
		nb, err := dumptest.ELFOverlongLoad(b, last)
		if err != nil {
			t.Fatal(err)
		}
		seg := l.Segments[last]
		addr := seg.VAddr + uint64(int64(len(b))-seg.Off) + 100 // past the end of the file
		if f == dump.ELFFull {
			// A physical address: read it through the DMAP.
			add(hostile{name: name + "/overlong-pt-load", data: nb, format: f, warnHas: "extends past the end of the file", check: func(t *testing.T, c *dump.Core) {
				buf := make([]byte, 8)
				n, err := c.ReadPhys(buf, dump.Addr(addr))
				var fe *dump.FaultError
				if !errors.As(err, &fe) || fe.Kind != dump.Truncated || n != 0 {
					t.Errorf("ReadPhys(%#x) = %d, %v; want a truncated fault", addr, n, err)
				}
			}})
		} else {
			add(hostile{name: name + "/overlong-pt-load", data: nb, format: f, warnHas: "extends past the end of the file", check: fault(dump.Truncated, addr, 8)})
		}
	}
	add(hostile{name: "elf-virtual/huge-pt-load-offset-overflow", data: hugeSegmentELF(), format: dump.ELFVirtual, warnHas: "extends past the end of the file", check: func(t *testing.T, c *dump.Core) {
		fault(dump.Truncated, 0x1000+1<<63+8, 8)(t, c)
		fault(dump.Truncated, 0x1000+1<<63+1<<20+0x10, 8)(t, c) // in the second, cut segment
		if n, err := c.ReadAt(make([]byte, 16), 0x1000); n != 16 || err != nil {
			t.Errorf("ReadAt(0x1000) = %d, %v; want the segment's bytes", n, err)
		}
	}})

	add(hostile{name: "elf-virtual/pt-load-inside-a-page", data: unalignedELF(), format: dump.ELFVirtual, check: func(t *testing.T, c *dump.Core) {
		b := unalignedELF()
		for _, a := range []uint64{0x1800, 0x1ff8, 0x1800} { // cache the page, then read before the segment
			buf := make([]byte, 8)
			if n, err := c.ReadAt(buf, dump.Addr(a)); n != 8 || err != nil || !bytes.Equal(buf, b[0x40+a-0x1800:][:8]) {
				t.Errorf("ReadAt(%#x) = %d, %v, % x; want the segment's bytes", a, n, err, buf)
			}
			fault(dump.Unmapped, 0x1000, 8)(t, c)
			fault(dump.Unmapped, 0x17ff, 1)(t, c)
		}
	}})

	add(hostile{name: "elf-virtual/65534-pt-loads-past-the-end", data: manyLoadsELF(0xfffe), format: dump.ELFVirtual, warnHas: "65526 more warnings about program headers like the ones above", check: func(t *testing.T, c *dump.Core) {
		if n := len(c.Warnings()); n != 9 {
			t.Errorf("%d warnings, want 8 and a summary", n)
		}
		fault(dump.Truncated, dumptest.SampleHeapBase+0xfffd*dump.PageSize+dump.PageSize/2, 8)(t, c)
		if n, err := c.ReadAt(make([]byte, 8), dumptest.SampleHeapBase+0xfffd*dump.PageSize); n != 8 || err != nil {
			t.Errorf("ReadAt(first half of the last segment) = %d, %v", n, err)
		}
	}})
	add(hostile{name: "minidump-freebsd-v3/131072-dump-avail-ranges", data: s.hugeDumpAvail(), format: dump.MinidumpFreeBSDV3, check: func(t *testing.T, c *dump.Core) {
		// 32768 page lookups spread over every range: a linear search of the
		// ranges takes seconds, a binary search milliseconds.
		start := time.Now()
		buf := make([]byte, 8)
		for i := uint64(0); i < 32768; i++ {
			c.ReadPhys(buf, dump.Addr(i*4*0x2000+0x10))
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("32768 physical reads took %v", d)
		}
	}})

	// Page-table entries pointing outside the dump in full dumps and raw images.
	for _, f := range []dump.Format{dump.ELFFull, dump.Raw} {
		b, l := s.files[f], s.layouts[f]
		name := f.String()
		for _, va := range []uint64{mc.HeapStart, mc.HeapStart + 5*dump.PageSize} {
			nb, nl, err := dumptest.PointPastRAM(b, l, va)
			if err != nil {
				t.Fatal(err)
			}
			add(hostile{name: fmt.Sprintf("%s/point-past-ram-%#x", name, va), data: nb, format: f, oracle: nl})
		}
		for _, e := range []uint64{0x7ff0deadbeef0000 | dump.PteValid, ^uint64(0)} {
			nb, nl, err := dumptest.CorruptEntry(b, l, mc.HeapStart+2*dump.PageSize, e)
			if err != nil {
				t.Fatal(err)
			}
			add(hostile{name: fmt.Sprintf("%s/garbage-entry-%#x", name, e), data: nb, format: f, oracle: nl})
		}
		// PML4 entries, which CorruptEntry does not reach.
		pml4e := func(va, v uint64, keepFlags bool) []byte {
			off, ok := l.Offset(mc.PML4 + (va>>39&511)*8)
			if !ok {
				t.Fatalf("%v: PML4 page not in the file", f)
			}
			nb := append([]byte(nil), b...)
			if keepFlags {
				v |= binary.LittleEndian.Uint64(nb[off:])
			}
			binary.LittleEndian.PutUint64(nb[off:], v)
			return nb
		}
		dmap := uint64(dumptest.SampleDMAPBase)
		// PS is reserved in a PML4E: it is not a 512 GiB page, the walk goes on
		// to the PDP page and reads exactly as before.
		add(hostile{name: name + "/pml4e-ps-bit", data: pml4e(dmap, dump.PtePS, true), format: f, oracle: l, virtOnly: true})
		add(hostile{name: name + "/pml4e-garbage-frame", data: pml4e(dmap, dumptest.PastRAM|dump.PteValid|dump.PtePS, false), format: f, check: fault(dump.NotDumped, dmap+0x1234, 8)})
		garbageRoot := pml4e(dumptest.SampleKernBase, 0xfffffffffffff000|dump.PteValid, false)
		noRoot := []string{"no page-table root found", "dumppcb", "KPML4phys", "PML4 at PA"}
		if f == dump.Raw {
			add(hostile{name: name + "/pml4e-kernel-garbage", data: garbageRoot, errHas: append([]string{"not a recognized dump"}, noRoot...)})
			continue
		}
		add(hostile{name: name + "/pml4e-kernel-garbage", data: garbageRoot, format: f, check: func(t *testing.T, c *dump.Core) {
			_, err := c.ReadAt(make([]byte, 8), dump.Addr(mc.HeapStart))
			if !errors.Is(err, dump.ErrNoTranslation) {
				t.Errorf("ReadAt = %v, want ErrNoTranslation", err)
				return
			}
			for _, want := range noRoot {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("ReadAt error %q does not contain %q", err, want)
				}
			}
		}})
	}

	// Compressed files.
	gz := gzipBytes(v2)
	add(hostile{name: "gzip/valid", data: gz, format: dump.MinidumpDragonFlyV2, oracle: s.layouts[dump.MinidumpDragonFlyV2]})
	corrupt := append([]byte(nil), gz...)
	for i := len(corrupt) / 2; i < len(corrupt)/2+64; i++ {
		corrupt[i] ^= 0x5a
	}
	add(hostile{name: "gzip/corrupt", data: corrupt, errHas: []string{"expanding gzip dump after", "bytes:"}})
	add(hostile{name: "gzip/cut", data: gz[:len(gz)/2], errHas: []string{"expanding gzip dump after", "unexpected EOF"}})
	add(hostile{name: "gzip/header-only", data: gz[:10], errHas: []string{"expanding gzip dump after 0 bytes", "EOF"}})
	add(hostile{name: "gzip/bad-header", data: []byte{0x1f, 0x8b, 0x08, 0xff, 0, 0, 0, 0, 0, 0}, errHas: []string{"gzip"}})
	add(hostile{name: "gzip/nested", data: gzipBytes(gz), errHas: []string{"starts with gzip magic at offset 0", "nested compression is not expanded"}})
	add(hostile{name: "gzip/expands-past-limit", data: gz, opts: []dump.Option{dump.WithMaxDecompressed(1 << 20)}, errHas: []string{"gzip dump expands to more than 1048576 bytes"}})
	add(hostile{name: "zstd/bomb", data: zstdRLEFrame(0x38, 1<<18, 128<<10), opts: []dump.Option{dump.WithMaxDecompressed(8 << 20)}, errHas: []string{"zstd dump expands to more than 8388608 bytes"}})
	add(hostile{name: "zstd/512MiB-window", data: zstdRLEFrame(0x98, 3, 1000), errHas: []string{"zstd frame after 0 expanded bytes declares a window larger than the 134217728 bytes allowed"}})
	add(hostile{name: "zstd/window-past-limit", data: zstdRLEFrame(0x88, 3, 1000), opts: []dump.Option{dump.WithMaxDecompressed(8 << 20)}, errHas: []string{"declares a window larger than the 8388608 bytes allowed"}})
	zs := zstdBytes(s.compactMinidump(dump.MinidumpFreeBSDV3))
	add(hostile{name: "zstd/cut", data: zs[:len(zs)/2], errHas: []string{"expanding zstd dump after"}})
	add(hostile{name: "zstd/nested-gzip", data: zstdBytes(gz), errHas: []string{"starts with gzip magic", "nested compression"}})
	bz := bzip2Bytes(s.compactMinidump(dump.MinidumpFreeBSDV2))
	bzc := append([]byte(nil), bz...)
	for i := 20; i < 60 && i < len(bzc); i++ {
		bzc[i] ^= 0xa5
	}
	add(hostile{name: "bzip2/corrupt", data: bzc, errHas: []string{"expanding bzip2 dump after"}})
	add(hostile{name: "bzip2/cut", data: bz[:len(bz)/2], errHas: []string{"expanding bzip2 dump after"}})
	return cases
}

// TestHostile opens every hostile input with Open and with New, each under a
// deadline, and checks that the result is a clear error or a core whose reads
// are typed faults, that opening allocates only what the file can back, that
// the input is untouched and that nothing is left behind.
func TestHostile(t *testing.T) {
	s := small(t)
	seen := map[string]bool{}
	for _, h := range hostileCases(t) {
		if seen[h.name] {
			t.Fatalf("duplicate case %q", h.name)
		}
		seen[h.name] = true
		t.Run(h.name, func(t *testing.T) {
			for _, mode := range []string{"open", "new"} {
				t.Run(mode, func(t *testing.T) {
					withDeadline(t, 10*time.Second, func() { runHostile(t, s, h, mode) })
				})
			}
		})
	}
}

// withDeadline runs fn on its own goroutine and fails the test if it panics or
// does not return within d. fn must report with t.Error, not t.Fatal.
func withDeadline(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not finish within %v (a hang?)", d)
	}
}

// fileState is what must not change about an input directory.
type fileState struct {
	name  string
	size  int64
	mtime time.Time
	mode  os.FileMode
	sum   [32]byte
}

func dirState(t *testing.T, dir string) []fileState {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Error(err)
		return nil
	}
	var out []fileState
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			t.Error(err)
			continue
		}
		st := fileState{name: e.Name(), size: fi.Size(), mtime: fi.ModTime(), mode: fi.Mode()}
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Error(err)
			}
			st.sum = sha256.Sum256(b)
		}
		out = append(out, st)
	}
	return out
}

// openFDs counts this process's open file descriptors (-1 where /proc is absent).
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

func runHostile(t *testing.T, s *smallFixture, h hostile, mode string) {
	dir := t.TempDir()
	in, tmp := filepath.Join(dir, "in"), filepath.Join(dir, "expand")
	for _, d := range []string{in, tmp} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Error(err)
			return
		}
	}
	path := filepath.Join(in, "vmcore.7")
	if err := os.WriteFile(path, h.data, 0o444); err != nil {
		t.Error(err)
		return
	}
	inBefore := dirState(t, in)
	dataSum := sha256.Sum256(h.data)
	fds := openFDs()

	opts := append([]dump.Option{dump.WithTempDir(tmp)}, h.opts...)
	if !h.noSyms {
		opts = append(opts, dump.WithSymbols(s.symbols()))
	}
	name := path
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	var c *dump.Core
	var err error
	if mode == "open" {
		c, err = dump.Open(path, opts...)
	} else {
		name = "mem:vmcore.7"
		c, err = dump.New(bytes.NewReader(h.data), int64(len(h.data)), name, opts...)
	}
	runtime.ReadMemStats(&ms1)
	if grew, limit := ms1.TotalAlloc-ms0.TotalAlloc, 2*uint64(len(h.data))+1<<20; grew > limit {
		t.Errorf("opening allocated %d bytes; a %d-byte file may cost at most %d", grew, len(h.data), limit)
	}

	if h.errHas != nil {
		if err == nil {
			t.Errorf("opened as %v (warnings %q); want an error containing %q", c.Format(), c.Warnings(), h.errHas)
			c.Close()
		} else {
			msg := err.Error()
			for _, want := range append([]string{name + ":"}, h.errHas...) {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q\n\tdoes not contain %q", msg, want)
				}
			}
			if strings.Contains(msg, "internal error") {
				t.Errorf("error %q comes from a recovered panic", msg)
			}
			if c != nil {
				t.Errorf("Open returned a core with its error")
			}
		}
	} else if err != nil {
		t.Errorf("open: %v", err)
	} else {
		if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
			t.Errorf("while the core is open, %s holds %d entries; expanded dumps must be unlinked at once", tmp, len(ents))
		}
		if c.Format() != h.format {
			t.Errorf("format %v, want %v", c.Format(), h.format)
		}
		if h.warnHas != "" && !slices.ContainsFunc(c.Warnings(), func(w string) bool { return strings.Contains(w, h.warnHas) }) {
			t.Errorf("warnings %q: none contains %q", c.Warnings(), h.warnHas)
		}
		exercise(t, c, nil)
		if h.oracle != nil {
			compareOracle(t, s, c, h.oracle, h.virtOnly)
		}
		if h.check != nil {
			h.check(t, c)
		}
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}

	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("%s holds %d entries after Close", tmp, len(ents))
	}
	if n := openFDs(); n != fds {
		t.Errorf("%d file descriptors open after Close, %d before", n, fds)
	}
	if diff := slices.CompareFunc(inBefore, dirState(t, in), func(a, b fileState) int {
		if a == b {
			return 0
		}
		return 1
	}); diff != 0 {
		t.Errorf("input directory changed: before %+v", inBefore)
	}
	if sha256.Sum256(h.data) != dataSum {
		t.Errorf("New modified the caller's bytes")
	}
}

// compareOracle reads the machine's probe points and random addresses and
// compares each read with the corrupted file's oracle.
func compareOracle(t *testing.T, s *smallFixture, c *dump.Core, l *dumptest.Layout, virtOnly bool) {
	t.Helper()
	f := &fixture{mc: s.mc}
	errs := 0
	for i, p := range f.probes(5, false) {
		if i >= 1200 || errs > 10 {
			break
		}
		b, kind, at := l.Expect(p.addr, p.n)
		check(t, "virtual", p, c.ReadAt, b, kind, at)
		if t.Failed() {
			errs++
		}
	}
	if l.Format == dump.ELFVirtual || virtOnly {
		return
	}
	for i, p := range f.probes(6, true) {
		if i >= 400 || errs > 10 {
			break
		}
		b, kind, at := l.ExpectPhys(p.addr, p.n)
		check(t, "physical", p, c.ReadPhys, b, kind, at)
		if t.Failed() {
			errs++
		}
	}
}

// exercise calls every accessor of an opened core and reads a handful of
// addresses (the kernel image, the heap, the DMAP, the header's kernbase and
// dmapbase, extra), virtual and physical. Whatever the file says, nothing may
// panic, a short read must come with an error, and every read error is a
// *dump.FaultError consistent with the read, or ErrNoTranslation, or (physical
// reads of a virtual core) a "no physical view" error.
func exercise(t testing.TB, c *dump.Core, extra []uint64) {
	t.Helper()
	info := c.Info()
	_ = c.Format().String() + c.Arch() + info.Format.String()
	_ = c.Msgbuf()
	_ = c.Warnings()
	for _, sg := range c.Segments() {
		if sg.Offset < 0 || sg.Size < 0 || (sg.Size > 0 && sg.Offset+sg.Size > info.Size) {
			t.Errorf("segment %+v lies outside the %d-byte dump", sg, info.Size)
		}
	}
	buf := make([]byte, 2*dump.PageSize+8)
	for _, a := range probeAddrs(c, extra) {
		for _, n := range []int{1, 8, len(buf)} {
			readOnce(t, "ReadAt", c.ReadAt, buf[:n], a)
			readOnce(t, "ReadPhys", c.ReadPhys, buf[:n], a&(1<<52-1))
		}
		if s, _, err := dump.ReadCString(c, dump.Addr(a), 300); len(s) > 300 {
			t.Errorf("ReadCString(%#x, 300) returned %d bytes (%v)", a, len(s), err)
		}
		if pa, err := c.Translate(dump.Addr(a)); err == nil {
			readOnce(t, "ReadPhys", c.ReadPhys, buf[:8], uint64(pa))
		}
	}
}

// probeAddrs returns the addresses exercise and compareCores read: the sample's
// kernel image, heap, DMAP and 1 GiB window, the header's kernbase and DMAP
// bounds, the edges of the first segments, the extra addresses, and the page
// start and the last bytes of the page of each.
func probeAddrs(c *dump.Core, extra []uint64) []uint64 {
	info := c.Info()
	addrs := []uint64{
		dumptest.SampleText2M, dumptest.SampleImage4K - 3, dumptest.SampleHeapBase, dumptest.SampleHeapBase + 0x3ffd,
		dumptest.SampleDMAPBase, dumptest.SampleDMAPBase + 0x218040, dumptest.Sample1GiB,
		uint64(info.KernBase), uint64(info.DMAPBase), uint64(info.DMAPEnd) - 4, ^uint64(0) - 5, 0,
	}
	for i, sg := range c.Segments() {
		if i == 8 {
			break
		}
		if sg.Name == "load" {
			addrs = append(addrs, uint64(sg.Addr), uint64(sg.Addr)-1, uint64(sg.Addr)+sg.MemSize-1, uint64(sg.Addr)+uint64(sg.Size))
		}
	}
	addrs = append(addrs, extra...)
	out := make([]uint64, 0, 3*len(addrs))
	for _, a := range addrs {
		out = append(out, a, a&^dump.PageMask, a|dump.PageMask-2)
	}
	return out
}

func readOnce(t testing.TB, what string, read func([]byte, dump.Addr) (int, error), p []byte, a uint64) {
	t.Helper()
	n, err := read(p, dump.Addr(a))
	if n < 0 || n > len(p) {
		t.Errorf("%s(%#x, %d) = %d bytes", what, a, len(p), n)
		return
	}
	if n == len(p) {
		if err != nil {
			t.Errorf("%s(%#x, %d) read every byte but returned %v", what, a, len(p), err)
		}
		return
	}
	var fe *dump.FaultError
	switch {
	case err == nil:
		t.Errorf("%s(%#x, %d) = %d bytes without an error", what, a, len(p), n)
	case errors.As(err, &fe):
		if uint64(fe.Addr) != a+uint64(n) || fe.Len != len(p)-n || fe.Kind < dump.Unmapped || fe.Kind > dump.Truncated {
			t.Errorf("%s(%#x, %d) = %d bytes, fault %+v: want Addr %#x, Len %d, a known kind", what, a, len(p), n, *fe, a+uint64(n), len(p)-n)
		}
	case n == 0 && errors.Is(err, dump.ErrNoTranslation):
	case n == 0 && what == "ReadPhys" && strings.Contains(err.Error(), "have no physical view"):
	default:
		t.Errorf("%s(%#x, %d) = %d bytes, %v (%T): want a *dump.FaultError", what, a, len(p), n, err, err)
	}
}
