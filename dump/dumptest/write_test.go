package dumptest

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"io"
	"math/bits"
	"strings"
	"testing"

	dsbzip2 "github.com/dsnet/compress/bzip2"
	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"

	"github.com/kdump-bsd/kdump/dump"
)

// hdrField describes a header field at a fixed offset (spec §3.2, §3.3, §4.1).
type hdrField struct {
	name  string
	off   int
	width int
}

func readField(b []byte, f hdrField) uint64 {
	if f.width == 4 {
		return uint64(le.Uint32(b[f.off:]))
	}
	return le.Uint64(b[f.off:])
}

func TestMinidumpHeaders(t *testing.T) {
	tm := newTestMem(t, 11, false)
	msg := bytes.Repeat([]byte("hello, kernel\n"), 700) // 9800 bytes
	u32 := []hdrField{{"version", 24, 4}, {"msgbufsize", 28, 4}, {"bitmapsize", 32, 4}, {"ptesize", 36, 4},
		{"kernbase", 40, 8}, {"dmapbase", 48, 8}, {"dmapend", 56, 8}}
	tests := []struct {
		f       dump.Format
		magic   string
		fields  []hdrField
		version uint64
		hdrLen  int
	}{
		{dump.MinidumpV1, "minidump FreeBSD/amd64", u32, 1, 64},
		{dump.MinidumpFreeBSDV2, "minidump FreeBSD/amd64", u32, 2, 64},
		{dump.MinidumpFreeBSDV3, "minidump FreeBSD/amd64", append(u32[:len(u32):len(u32)], hdrField{"dumpavailsize", 64, 4}), 3, 68},
		{dump.MinidumpDragonFlyV2, "minidump DFlyBSD/x86-64", []hdrField{{"version", 24, 4}, {"unused01", 28, 4},
			{"msgbufsize", 32, 8}, {"bitmapsize", 40, 8}, {"ptesize", 48, 8},
			{"kernbase", 56, 8}, {"dmapbase", 64, 8}, {"dmapend", 72, 8}}, 2, 80},
	}
	for _, tc := range tests {
		t.Run(tc.f.String(), func(t *testing.T) {
			b, l := writeBytes(t, tm.Memory, tc.f, WriteOptions{Msgbuf: msg})
			var magic [24]byte
			copy(magic[:], tc.magic)
			if !bytes.Equal(b[:24], magic[:]) {
				t.Errorf("magic %q, want %q NUL padded", b[:24], tc.magic)
			}
			if !bytes.Equal(b[tc.hdrLen:PageSize], make([]byte, PageSize-tc.hdrLen)) {
				t.Errorf("header page not zero after %d bytes", tc.hdrLen)
			}
			got := map[string]uint64{}
			for _, f := range tc.fields {
				got[f.name] = readField(b, f)
			}
			pages := uint64(tPhys / PageSize)
			want := map[string]uint64{
				"version":    tc.version,
				"msgbufsize": uint64(len(msg)),
				"bitmapsize": pages / 8,
				"kernbase":   DefaultKernBase,
				"dmapbase":   DefaultDMAPBase,
				"dmapend":    DefaultDMAPEnd,
			}
			// Kernel mappings end at tHeap + 64 pages: 0x10040000 bytes above kernbase.
			switch tc.f {
			case dump.MinidumpV1:
				want["ptesize"] = (0x10040000 + Size2M - 1) / Size2M * PageSize
			case dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3:
				want["ptesize"] = PageSize // one PD page per GiB
			case dump.MinidumpDragonFlyV2:
				want["ptesize"] = 2 << 20
				want["unused01"] = 0
			}
			if tc.f == dump.MinidumpFreeBSDV3 {
				want["dumpavailsize"] = PageSize
				want["bitmapsize"] = PageSize // round_page(BITSET_SIZE(pages in dump_avail))
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("header fields (-want +got):\n%s", d)
			}

			// Sections: page aligned, in the order of spec §3.4/§4.2.
			msgOff := int64(PageSize)
			msgLen := int64(roundPage(uint64(len(msg))))
			bmOff := msgOff + msgLen
			if tc.f == dump.MinidumpFreeBSDV3 {
				bmOff += PageSize
			}
			bmLen := int64(roundPage(got["bitmapsize"]))
			pteOff := bmOff + bmLen
			dataOff := pteOff + int64(roundPage(got["ptesize"]))
			for _, off := range []int64{l.MsgbufOff, l.BitmapOff, l.PTEMapOff, l.DataOff} {
				if off%PageSize != 0 {
					t.Errorf("section offset %d not page aligned", off)
				}
			}
			if l.MsgbufOff != msgOff || l.BitmapOff != bmOff || l.PTEMapOff != pteOff || l.DataOff != dataOff {
				t.Errorf("layout msgbuf %d bitmap %d ptemap %d data %d; want %d %d %d %d",
					l.MsgbufOff, l.BitmapOff, l.PTEMapOff, l.DataOff, msgOff, bmOff, pteOff, dataOff)
			}
			if !bytes.Equal(b[msgOff:msgOff+int64(len(msg))], msg) {
				t.Error("msgbuf section differs from the message buffer")
			}
			if !bytes.Equal(b[msgOff+int64(len(msg)):bmOff-boolInt(tc.f == dump.MinidumpFreeBSDV3)*PageSize], make([]byte, msgLen-int64(len(msg)))) {
				t.Error("msgbuf padding not zero")
			}

			// Bitmap popcount = data pages = (file size − data offset) / 4096.
			pop := 0
			for _, c := range b[bmOff : bmOff+bmLen] {
				pop += bits.OnesCount8(c)
			}
			if int64(pop) != l.NumPages || int64(len(b)) != dataOff+int64(pop)*PageSize {
				t.Errorf("bitmap has %d bits, layout %d pages, file %d bytes (data at %d)", pop, l.NumPages, len(b), dataOff)
			}
			if pop != len(tm.MinidumpPages(DefaultKernBase)) {
				t.Errorf("bitmap has %d bits, page set %d pages", pop, len(tm.MinidumpPages(DefaultKernBase)))
			}

			// Data page of every set bit, by rank, holds the model's bytes.
			ranks := 0
			bm := b[bmOff : bmOff+bmLen]
			for id := 0; id < len(bm)*8; id++ {
				if bm[id/8]&(1<<(id%8)) == 0 {
					continue
				}
				pa := uint64(id) * PageSize
				if tc.f == dump.MinidumpFreeBSDV3 {
					pa = v3PA(t, b[l.DumpAvailOff:], uint64(id))
				}
				off := dataOff + int64(ranks)*PageSize
				ranks++
				want, err := tm.ReadPhys(pa, PageSize)
				if err != nil {
					t.Fatalf("bit %d: PA %#x: %v", id, pa, err)
				}
				if !bytes.Equal(b[off:off+PageSize], want) {
					t.Fatalf("data page of PA %#x at offset %d differs", pa, off)
				}
				if l.Pages[pa] != off {
					t.Fatalf("layout offset of PA %#x is %d, want %d", pa, l.Pages[pa], off)
				}
			}
		})
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// v3PA maps a v3 bitmap id back to a PA by walking dump_avail as spec §4.4 says.
func v3PA(t *testing.T, avail []byte, id uint64) uint64 {
	var acc uint64
	for i := 0; ; i += 16 {
		start, end := le.Uint64(avail[i:]), le.Uint64(avail[i+8:])
		if end == 0 {
			t.Fatalf("id %d beyond dump_avail", id)
		}
		n := (end+PageSize-1)/PageSize - start/PageSize
		if id < acc+n {
			return (start/PageSize + id - acc) * PageSize
		}
		acc += n
	}
}

func TestFreeBSDV3DumpAvail(t *testing.T) {
	m := NewMemory(Config{PhysSize: 8 << 20, Seed: 2, Holes: [][2]uint64{{0xA0000, 0x100000}, {0x400000, 0x500000}}})
	if err := m.Map4K(DefaultKernBase+Size2M, 0x600000, PG_RW); err != nil {
		t.Fatal(err)
	}
	if err := m.WritePhys(0x600000, []byte("six")); err != nil {
		t.Fatal(err)
	}
	b, l := writeBytes(t, m, dump.MinidumpFreeBSDV3, WriteOptions{})
	if l.DumpAvailOff != PageSize || l.DumpAvailLen != PageSize { // no msgbuf section
		t.Fatalf("dump_avail at %d len %d", l.DumpAvailOff, l.DumpAvailLen)
	}
	var got [][2]uint64
	for off := l.DumpAvailOff; ; off += 16 {
		s, e := le.Uint64(b[off:]), le.Uint64(b[off+8:])
		if e == 0 {
			break
		}
		got = append(got, [2]uint64{s, e})
	}
	want := [][2]uint64{{0, 0xA0000}, {0x100000, 0x400000}, {0x500000, 8 << 20}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("dump_avail (-want +got):\n%s", d)
	}
	// PA 0x600000: id = (0x600000−0x500000)/4096 + 160 + 768 = 256 + 928.
	id := uint64(0x100 + 0xA0 + 0x300)
	bm := b[l.BitmapOff:]
	if bm[id/8]&(1<<(id%8)) == 0 {
		t.Errorf("bit %d of PA 0x600000 not set", id)
	}
	off := l.DataOff + PageSize*int64(rankOf(bm[:id/8], bm[id/8], id%8))
	if string(b[off:off+3]) != "six" {
		t.Errorf("page of PA 0x600000 at %d holds %q", off, b[off:off+3])
	}
	if total := uint64(0xA0 + 0x300 + 0x300); le.Uint32(b[32:]) != uint32(roundPage((total+63)/64*8)) {
		t.Errorf("bitmapsize %d", le.Uint32(b[32:]))
	}
}

func rankOf(before []byte, last byte, bit uint64) int {
	n := 0
	for _, c := range before {
		n += bits.OnesCount8(c)
	}
	return n + bits.OnesCount8(last&(1<<bit-1))
}

// TestPTEMaps checks the page-table map of each minidump against the model's
// own page tables, entry by entry, at interesting VAs.
func TestPTEMaps(t *testing.T) {
	tm := newTestMem(t, 13, true)
	kb := uint64(DefaultKernBase)
	vas := []uint64{tText2M, tText2M + 0x1ff000, tImage4K, tImage4K + PageSize, tImage4K + 15*PageSize,
		tImage4K + 16*PageSize, tHeap, tHeap + 10*PageSize, tHeap + 63*PageSize, t1G, t1G + 0x12345000,
		0xfffffffffffff000, kb, kb + 0x100000}
	t.Run("v1", func(t *testing.T) {
		b, l := writeBytes(t, tm.Memory, dump.MinidumpV1, WriteOptions{})
		if l.PTESize != 1024*PageSize { // kernbase … 2^64 = 2 GiB = 1024 × 2 MiB
			t.Errorf("ptesize %d", l.PTESize)
		}
		for _, va := range vas {
			pte := le.Uint64(b[l.PTEMapOff+int64((va-kb)>>12)*8:])
			var want uint64
			if mp, ok := tm.Leaf(va); ok {
				if mp.Size == PageSize {
					want = mp.Entry // copied verbatim, NX and ignored bits included
				} else {
					pa, _ := tm.Translate(va)
					want = pa&^0xfff | 0x63 // V | RW | A | M
				}
			}
			if pte != want {
				t.Errorf("VA %#x: ptemap PTE %#x, want %#x", va, pte, want)
			}
		}
	})
	t.Run("dragonfly v2", func(t *testing.T) {
		b, l := writeBytes(t, tm.Memory, dump.MinidumpDragonFlyV2, WriteOptions{})
		if l.PTEMapLen != 2<<20 {
			t.Fatalf("ptemap %d bytes", l.PTEMapLen)
		}
		for _, va := range append(vas, DefaultDMAPBase, 0x1000) {
			pdpe := le.Uint64(b[l.PTEMapOff+int64(va>>30&0x3ffff)*8:])
			var want uint64
			if va >= kb {
				pml4e, _ := tm.ReadPhys(tm.PML4()+(va>>39&511)*8, 8)
				raw, _ := tm.ReadPhys(le.Uint64(pml4e)&PG_FRAME+(va>>30&511)*8, 8)
				want = le.Uint64(raw)
			}
			if pdpe != want {
				t.Errorf("VA %#x: ptemap PDPE %#x, want %#x", va, pdpe, want)
			}
			if pdpe&PG_V != 0 && pdpe&PG_PS == 0 {
				if _, ok := l.Pages[pdpe&PG_FRAME]; !ok {
					t.Errorf("VA %#x: PD page %#x not in the data pages", va, pdpe&PG_FRAME)
				}
			}
		}
		// Below kernbase (DMAP slot 368, user space) the map is zero.
		for _, i := range []int64{0, 368 * 512, 511*512 + 509} {
			if v := le.Uint64(b[l.PTEMapOff+i*8:]); v != 0 {
				t.Errorf("ptemap[%d] = %#x, want 0", i, v)
			}
		}
	})
	for _, f := range []dump.Format{dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3} {
		t.Run(f.String(), func(t *testing.T) {
			b, l := writeBytes(t, tm.Memory, f, WriteOptions{})
			if l.PTESize != 2*PageSize {
				t.Errorf("pmapsize %d", l.PTESize)
			}
			for _, va := range vas {
				pde := le.Uint64(b[l.PTEMapOff+int64((va-kb)>>21)*8:])
				// Independent walk: PML4E → PDPE → (1 GiB: pdpe + j*2MiB | PD entry).
				var want uint64
				rd := func(pa uint64) uint64 { b, _ := tm.ReadPhys(pa, 8); return le.Uint64(b) }
				if pml4e := rd(tm.PML4() + (va>>39&511)*8); pml4e&PG_V != 0 {
					if pdpe := rd(pml4e&PG_FRAME + (va>>30&511)*8); pdpe&PG_V != 0 {
						if pdpe&PG_PS != 0 {
							want = pdpe + (va&(Size1G-1))&^(Size2M-1)
						} else {
							want = rd(pdpe&PG_FRAME + (va>>21&511)*8)
							if want&PG_V != 0 && want&PG_PS == 0 {
								if _, ok := l.Pages[want&PG_FRAME]; !ok {
									t.Errorf("VA %#x: PT page not in the data pages", va)
								}
							}
						}
					}
				}
				if pde != want {
					t.Errorf("VA %#x: pmap PDE %#x, want %#x", va, pde, want)
				}
			}
		})
	}
}

func TestPTEMapLimit(t *testing.T) {
	m := NewMemory(Config{PhysSize: 4 << 20})
	if err := m.Map4K(0xffffffffff000000, 0x200000, PG_RW); err != nil {
		t.Fatal(err)
	}
	opt := WriteOptions{KernBase: 0xfffff80000000000} // 8 TiB below the mapping
	if _, err := m.Write(io.Discard, dump.MinidumpV1, opt); err == nil || !strings.Contains(err.Error(), "page-table map") {
		t.Errorf("v1 with a 16 GiB ptemap: err = %v", err)
	}
	if _, err := m.Write(io.Discard, dump.MinidumpFreeBSDV2, WriteOptions{KernBase: 0xffff800000000000}); err == nil {
		t.Error("FreeBSD v2 with a 1 GiB pmap: no error")
	}
	if _, err := m.Write(io.Discard, dump.MinidumpFreeBSDV2, WriteOptions{KernBase: 0xffffffff80200000}); err == nil {
		t.Error("FreeBSD v2 with an unaligned kernbase: no error")
	}
}

func TestELFFull(t *testing.T) {
	tm := newTestMem(t, 17, false)
	b, l := writeBytes(t, tm.Memory, dump.ELFFull, WriteOptions{})
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != elf.ET_CORE || f.Machine != elf.EM_X86_64 || f.OSABI != elf.ELFOSABI_STANDALONE ||
		f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || len(f.Sections) != 0 {
		t.Fatalf("ELF header: type %v machine %v osabi %v class %v data %v sections %d",
			f.Type, f.Machine, f.OSABI, f.Class, f.Data, len(f.Sections))
	}
	if le.Uint64(b[32:]) != 64 {
		t.Errorf("e_phoff %d", le.Uint64(b[32:]))
	}
	var got [][2]uint64
	dataOff := roundPage(64 + uint64(len(f.Progs))*56)
	for i, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Flags != elf.PF_R || p.Align != 4096 || p.Paddr != p.Vaddr || p.Filesz != p.Memsz {
			t.Errorf("phdr %d: %+v", i, p.ProgHeader)
		}
		if p.Off != dataOff {
			t.Errorf("phdr %d at offset %d, want %d", i, p.Off, dataOff)
		}
		dataOff += p.Filesz
		got = append(got, [2]uint64{p.Paddr, p.Paddr + p.Memsz})
		for _, pa := range []uint64{p.Paddr, p.Paddr + p.Memsz - PageSize, tm.heapPA[5], 0x200000} {
			if pa < p.Paddr || pa >= p.Paddr+p.Memsz {
				continue
			}
			want, _ := tm.ReadPhys(pa, PageSize)
			page := make([]byte, PageSize)
			p.ReadAt(page, int64(pa-p.Paddr))
			if !bytes.Equal(page, want) {
				t.Errorf("PA %#x: bytes differ", pa)
			}
		}
	}
	if d := cmp.Diff(tm.RAM(), got); d != "" {
		t.Errorf("PT_LOAD ranges (-RAM +got):\n%s", d)
	}
	if uint64(len(b)) != dataOff || l.FileSize != int64(dataOff) {
		t.Errorf("file %d bytes, want %d", len(b), dataOff)
	}
}

func TestELFVirtual(t *testing.T) {
	tm := newTestMem(t, 19, true)
	for _, withDMAP := range []bool{false, true} {
		b, l := writeBytes(t, tm.Memory, dump.ELFVirtual, WriteOptions{VirtualDMAP: withDMAP})
		f, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if f.Type != elf.ET_CORE || f.Machine != elf.EM_X86_64 || f.OSABI != elf.ELFOSABI_NONE {
			t.Fatalf("ELF header: %v %v %v", f.Type, f.Machine, f.OSABI)
		}
		if f.Progs[0].Type != elf.PT_NOTE {
			t.Fatalf("first phdr %v, want PT_NOTE", f.Progs[0].Type)
		}
		note := make([]byte, f.Progs[0].Filesz)
		f.Progs[0].ReadAt(note, 0)
		if le.Uint32(note[8:]) != uint32(elf.NT_PRSTATUS) || string(note[12:19]) != "FreeBSD" {
			t.Errorf("note %x", note[:24])
		}
		var loads []*elf.Prog
		for _, p := range f.Progs[1:] {
			if p.Type != elf.PT_LOAD || p.Paddr != 0 || p.Off%PageSize != 0 || p.Vaddr%PageSize != 0 || p.Filesz != p.Memsz {
				t.Errorf("phdr %+v", p.ProgHeader)
			}
			if n := len(loads); n > 0 && loads[n-1].Vaddr+loads[n-1].Memsz >= p.Vaddr {
				t.Errorf("PT_LOADs not sorted and disjoint/non-adjacent: %#x after %#x+%#x", p.Vaddr, loads[n-1].Vaddr, loads[n-1].Memsz)
			}
			loads = append(loads, p)
		}
		starts := map[uint64]uint64{}
		for _, p := range loads {
			starts[p.Vaddr] = p.Memsz
			for _, va := range []uint64{p.Vaddr, p.Vaddr + p.Memsz - PageSize} {
				want, err := tm.ReadVirt(va, PageSize)
				if err != nil && !(withDMAP && va < DefaultKernBase) {
					t.Fatal(err)
				}
				if va < DefaultKernBase {
					want, _ = tm.ReadPhys(va-DefaultDMAPBase, PageSize)
				}
				got := make([]byte, PageSize)
				p.ReadAt(got, int64(va-p.Vaddr))
				if !bytes.Equal(got, want) {
					t.Errorf("VA %#x: bytes differ", va)
				}
			}
		}
		// Runs: the 2 MiB page plus 16 image pages are one run; the heap is cut
		// by its hole; the 1 GiB window is cut by the PC hole and ends at RAM.
		wantRuns := map[uint64]uint64{
			tText2M:             Size2M + 16*PageSize,
			tHeap:               10 * PageSize,
			tHeap + 11*PageSize: 53 * PageSize,
			t1G:                 0xA0000,
			t1G + 0x100000:      tPhys - 0x100000,
		}
		if withDMAP {
			wantRuns[DefaultDMAPBase] = 0xA0000
			wantRuns[DefaultDMAPBase+0x100000] = tPhys - 0x100000
		}
		if d := cmp.Diff(wantRuns, starts); d != "" {
			t.Errorf("VirtualDMAP=%v: PT_LOAD runs (-want +got):\n%s", withDMAP, d)
		}
		if l.FileSize != int64(len(b)) {
			t.Errorf("layout size %d, file %d", l.FileSize, len(b))
		}
	}
}

func TestRaw(t *testing.T) {
	tm := newTestMem(t, 23, false)
	b, l := writeBytes(t, tm.Memory, dump.Raw, WriteOptions{})
	if len(b) != tPhys || l.FileSize != tPhys {
		t.Fatalf("raw image %d bytes, want %d", len(b), tPhys)
	}
	for _, pa := range []uint64{0x200000, tm.heapPA[3], tm.dumpAlso, tPhys - PageSize} {
		want, _ := tm.ReadPhys(pa, PageSize)
		if !bytes.Equal(b[pa:pa+PageSize], want) {
			t.Errorf("PA %#x differs", pa)
		}
	}
	if !bytes.Equal(b[0xA0000:0x100000], make([]byte, 0x60000)) {
		t.Error("PC hole not zero")
	}
}

func TestCompressed(t *testing.T) {
	m := NewMemory(Config{PhysSize: 2 << 20, Seed: 9})
	if err := m.Map4K(DefaultKernBase, 0x1000, PG_RW); err != nil {
		t.Fatal(err)
	}
	m.WritePhys(0x1000, []byte("compressed"))
	plain, _ := writeBytes(t, m, dump.MinidumpDragonFlyV2, WriteOptions{})
	readers := map[dump.Compression]func(io.Reader) (io.Reader, error){
		dump.Gzip: func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
		dump.Zstd: func(r io.Reader) (io.Reader, error) { return zstd.NewReader(r) },
		dump.Bzip2: func(r io.Reader) (io.Reader, error) {
			return dsbzip2.NewReader(r, nil)
		},
	}
	for c, open := range readers {
		t.Run(string(c), func(t *testing.T) {
			var buf bytes.Buffer
			l, err := m.WriteCompressed(&buf, dump.MinidumpDragonFlyV2, WriteOptions{}, c)
			if err != nil {
				t.Fatal(err)
			}
			if l.Compression != c || l.FileSize != int64(len(plain)) {
				t.Errorf("layout compression %q size %d", l.Compression, l.FileSize)
			}
			if buf.Len() >= len(plain) {
				t.Errorf("compressed %d bytes ≥ plain %d", buf.Len(), len(plain))
			}
			r, err := open(&buf)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, plain) {
				t.Error("decompressed stream differs from the plain dump")
			}
		})
	}
}
