package dumptest

import (
	"github.com/kdump-bsd/kdump/dump"
)

// The oracle answers "what must a correct reader return" for a read in a given
// format. It simulates each format's translation from the model (the page tables,
// the page set, the synthetic maps the writers emit) and, when it has a Layout,
// from the file offsets it knows: bytes past the end of a cut file are Truncated,
// words replaced by a corruption helper read as replaced.
//
// Fault classification, per format:
//
//   - Unmapped: no valid entry on the format's translation path (an invalid PTE,
//     PDE, PDPE, PML4E; a minidump v1/FreeBSD map index beyond the map; a VA that
//     is neither ≥ kernbase nor in [dmapbase, dmapend) in a minidump; a VA outside
//     every PT_LOAD of an ELFVirtual core; a VA that wraps past 2^64).
//   - NotDumped: the translation ends in a physical page the file does not hold:
//     a minidump page outside the page set (excluded, never mapped at ≥ kernbase,
//     a hole, beyond RAM) — including a PD or PT page the v2 walk needs; a PA in a
//     hole or beyond RAM in an ELF full dump; a PA at or beyond the end of a raw
//     image (a raw image cannot tell "truncated" from "smaller RAM").
//   - Truncated: the file should hold the bytes (the bitmap or a PT_LOAD says so)
//     but it ends before them.
type oracle struct {
	m    *Memory
	f    dump.Format
	o    WriteOptions
	l    *Layout // nil: ideal file, no offsets
	size int64   // file size when l != nil

	set   bitset    // minidump page set (l == nil)
	segs  []Segment // ELFVirtual segments (l == nil)
	ptesz uint64    // minidump map size (l == nil)
}

func (m *Memory) newOracle(f dump.Format, o WriteOptions) *oracle {
	o = o.withDefaults()
	or := &oracle{m: m, f: f, o: o}
	switch {
	case f.IsMinidump():
		or.set = m.pageSet(o.KernBase)
		span := m.kvaSpan(o.KernBase)
		switch f {
		case dump.MinidumpV1:
			or.ptesz = (span + Size2M - 1) / Size2M * PageSize
		case dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3:
			or.ptesz = (span + Size1G - 1) / Size1G * PageSize
		default:
			or.ptesz = 512 * 512 * 8
		}
	case f == dump.ELFVirtual:
		or.segs = m.virtualSegments(o)
	}
	return or
}

func (l *Layout) newOracle(size int64) *oracle {
	return &oracle{m: l.mem, f: l.Format, o: l.Options, l: l, size: size}
}

// Expect returns what a correct reader of format f must return for a read of n
// bytes at kernel virtual address va of this memory, using m.Options: the bytes
// it can read (the prefix before the fault), the fault kind that stops it (0 when
// all n bytes are readable) and the first address it could not read (0 when
// there is no fault). It assumes an untruncated file written with m.Options; use
// the Layout methods for file-specific answers.
func (m *Memory) Expect(f dump.Format, va uint64, n int) ([]byte, dump.FaultKind, uint64) {
	return m.newOracle(f, m.Options).readVirt(va, n)
}

// ExpectPhys is Expect for a physical read. ELFVirtual cores hold no physical
// addresses: every physical read is Unmapped there.
func (m *Memory) ExpectPhys(f dump.Format, pa uint64, n int) ([]byte, dump.FaultKind, uint64) {
	return m.newOracle(f, m.Options).readPhysAll(pa, n)
}

// Expect is Memory.Expect for the file this layout describes (its options, its
// offsets, its corruption).
func (l *Layout) Expect(va uint64, n int) ([]byte, dump.FaultKind, uint64) {
	return l.newOracle(l.FileSize).readVirt(va, n)
}

// ExpectPhys is Memory.ExpectPhys for the file this layout describes.
func (l *Layout) ExpectPhys(pa uint64, n int) ([]byte, dump.FaultKind, uint64) {
	return l.newOracle(l.FileSize).readPhysAll(pa, n)
}

// ExpectTruncated is Expect for the file cut to fileSize bytes (see Truncate).
// fileSize should be at least MinSize, below which a reader may refuse the file.
func (l *Layout) ExpectTruncated(fileSize int64, va uint64, n int) ([]byte, dump.FaultKind, uint64) {
	return l.newOracle(fileSize).readVirt(va, n)
}

// ExpectPhysTruncated is ExpectPhys for the file cut to fileSize bytes.
func (l *Layout) ExpectPhysTruncated(fileSize int64, pa uint64, n int) ([]byte, dump.FaultKind, uint64) {
	return l.newOracle(fileSize).readPhysAll(pa, n)
}

// fileWord reads an 8-byte word the writer put at file offset off with model value
// v, applying the end of file and corruption overrides.
func (or *oracle) fileWord(off int64, v uint64) (uint64, dump.FaultKind) {
	if or.l == nil {
		return v, 0
	}
	if off+8 > or.size {
		return 0, dump.Truncated
	}
	if w, ok := or.l.overrides[off]; ok {
		return w, 0
	}
	return v, 0
}

// physPage says where the bytes of physical page pa (aligned) come from: the
// model page holding them (src) and the file offset (-1 without a layout).
func (or *oracle) physPage(pa uint64) (src uint64, off int64, kind dump.FaultKind) {
	m := or.m
	switch {
	case or.f.IsMinidump():
		if or.l == nil {
			if or.set.get(pa / PageSize) {
				return pa, -1, 0
			}
			return 0, 0, dump.NotDumped
		}
		off, ok := or.l.Pages[pa]
		if !ok {
			return 0, 0, dump.NotDumped
		}
		if s, ok := or.l.src[off]; ok {
			return s, off, 0
		}
		return pa, off, 0
	case or.f == dump.ELFFull:
		if or.l == nil {
			if m.IsRAM(pa) {
				return pa, -1, 0
			}
			return 0, 0, dump.NotDumped
		}
		if off, ok := or.l.Offset(pa); ok {
			return pa, off, 0
		}
		return 0, 0, dump.NotDumped
	case or.f == dump.Raw:
		limit := int64(m.physSize)
		if or.l != nil {
			limit = or.size
		}
		if pa >= uint64(limit) {
			return 0, 0, dump.NotDumped
		}
		if or.l == nil {
			return pa, -1, 0
		}
		return pa, int64(pa), 0
	}
	return 0, 0, dump.Unmapped
}

// pageBytes copies the bytes [o, o+len(dst)) of the page whose content is at
// model page src and file offset off. It returns how many it could copy.
func (or *oracle) pageBytes(dst []byte, src uint64, off int64, o uint64) (int, dump.FaultKind) {
	n := len(dst)
	if off >= 0 && or.l != nil {
		avail := or.size - (off + int64(o))
		if avail < int64(n) {
			n = int(max(avail, 0))
		}
	}
	if or.m.IsRAM(src) {
		or.m.copyPhys(dst[:n], src+o)
	} else {
		clear(dst[:n]) // raw-image holes
	}
	if off >= 0 && or.l != nil && len(or.l.overrides) > 0 {
		lo, hi := off+int64(o), off+int64(o)+int64(n)
		for wo, v := range or.l.overrides {
			for i := int64(0); i < 8; i++ {
				if p := wo + i; p >= lo && p < hi {
					dst[p-lo] = byte(v >> (8 * i))
				}
			}
		}
	}
	if n < len(dst) {
		if or.f == dump.Raw {
			return n, dump.NotDumped // a raw image cannot tell a cut file from less RAM
		}
		return n, dump.Truncated
	}
	return n, 0
}

// readPhysPage reads len(dst) bytes at pa, all inside one page.
func (or *oracle) readPhysPage(dst []byte, pa uint64) (int, dump.FaultKind) {
	page := pa &^ (PageSize - 1)
	src, off, kind := or.physPage(page)
	if kind != 0 {
		return 0, kind
	}
	return or.pageBytes(dst, src, off, pa-page)
}

// entry reads the 8-byte page-table entry idx of the table page at tablePA
// through the file.
func (or *oracle) entry(tablePA, idx uint64) (uint64, dump.FaultKind) {
	var b [8]byte
	if _, kind := or.readPhysPage(b[:], tablePA+idx*8); kind != 0 {
		return 0, kind
	}
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56, 0
}

func (or *oracle) ptemapSize() uint64 {
	if or.l != nil {
		return or.l.PTESize
	}
	return or.ptesz
}

func (or *oracle) ptemapOff(idx uint64) int64 {
	if or.l == nil {
		return 0
	}
	return or.l.PTEMapOff + int64(idx*8)
}

// translate returns the physical address of va in format f (not for ELFVirtual).
func (or *oracle) translate(va uint64) (uint64, dump.FaultKind) {
	o := or.o
	switch or.f {
	case dump.ELFFull, dump.Raw:
		return or.walk(va)
	case dump.MinidumpV1:
		if va >= o.KernBase {
			idx := (va - o.KernBase) >> 12
			if idx >= or.ptemapSize()/8 {
				return 0, dump.Unmapped
			}
			var chunk [512]uint64
			or.m.v1Chunk(o.KernBase+idx/512*Size2M, &chunk)
			pte, kind := or.fileWord(or.ptemapOff(idx), chunk[idx%512])
			if kind != 0 {
				return 0, kind
			}
			if pte&PG_V == 0 {
				return 0, dump.Unmapped
			}
			return pte&PG_FRAME | va&(PageSize-1), 0
		}
	case dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3:
		if va >= o.KernBase {
			idx := (va - o.KernBase) >> 21
			if idx >= or.ptemapSize()/8 {
				return 0, dump.Unmapped
			}
			var chunk [512]uint64
			or.m.fbPDPage(o.KernBase+idx/512*Size1G, &chunk)
			pde, kind := or.fileWord(or.ptemapOff(idx), chunk[idx%512])
			if kind != 0 {
				return 0, kind
			}
			return or.fromPDE(pde, va)
		}
	case dump.MinidumpDragonFlyV2:
		if va >= o.KernBase {
			i := va >> 30 & 0x3ffff
			var chunk [512]uint64
			or.m.dfPDPPage(i/512, o.KernBase, &chunk)
			pdpe, kind := or.fileWord(or.ptemapOff(i), chunk[i%512])
			if kind != 0 {
				return 0, kind
			}
			if pdpe&PG_V == 0 {
				return 0, dump.Unmapped
			}
			if pdpe&PG_PS != 0 {
				return pdpe&PG_1GFRM + va&(Size1G-1), 0
			}
			pde, kind := or.entry(pdpe&PG_FRAME, va>>21&511)
			if kind != 0 {
				return 0, kind
			}
			return or.fromPDE(pde, va)
		}
	}
	// Minidumps below kernbase: the direct map, by arithmetic.
	if va >= o.DMAPBase && va < o.DMAPEnd {
		return va - o.DMAPBase, 0
	}
	return 0, dump.Unmapped
}

// fromPDE finishes a minidump walk from a PDE (FreeBSD v2/v3, DragonFly v2).
func (or *oracle) fromPDE(pde, va uint64) (uint64, dump.FaultKind) {
	if pde&PG_V == 0 {
		return 0, dump.Unmapped
	}
	if pde&PG_PS != 0 {
		return pde&PG_2MFRM + va&(Size2M-1), 0
	}
	pte, kind := or.entry(pde&PG_FRAME, va>>12&511)
	if kind != 0 {
		return 0, kind
	}
	if pte&PG_V == 0 {
		return 0, dump.Unmapped
	}
	return pte&PG_FRAME | va&(PageSize-1), 0
}

// walk is the 4-level walk of full dumps, through the dumped physical memory.
func (or *oracle) walk(va uint64) (uint64, dump.FaultKind) {
	if !isCanonical(va) || or.m.pml4 == 0 {
		return 0, dump.Unmapped
	}
	e, kind := or.entry(or.m.pml4, va>>39&511)
	if kind != 0 {
		return 0, kind
	}
	if e&PG_V == 0 {
		return 0, dump.Unmapped
	}
	if e, kind = or.entry(e&PG_FRAME, va>>30&511); kind != 0 {
		return 0, kind
	}
	if e&PG_V == 0 {
		return 0, dump.Unmapped
	}
	if e&PG_PS != 0 {
		return e&PG_1GFRM + va&(Size1G-1), 0
	}
	if e, kind = or.entry(e&PG_FRAME, va>>21&511); kind != 0 {
		return 0, kind
	}
	if e&PG_V == 0 {
		return 0, dump.Unmapped
	}
	if e&PG_PS != 0 {
		return e&PG_2MFRM + va&(Size2M-1), 0
	}
	if e, kind = or.entry(e&PG_FRAME, va>>12&511); kind != 0 {
		return 0, kind
	}
	if e&PG_V == 0 {
		return 0, dump.Unmapped
	}
	return e&PG_FRAME | va&(PageSize-1), 0
}

func (or *oracle) virtSegment(va uint64) *Segment {
	if or.l != nil {
		return or.l.virtSegment(va)
	}
	l := Layout{Segments: or.segs}
	return l.virtSegment(va)
}

// readVirt is the oracle's kvm_read: page by page until n bytes or a fault.
func (or *oracle) readVirt(va uint64, n int) ([]byte, dump.FaultKind, uint64) {
	out := make([]byte, n)
	for i := 0; i < n; {
		cur := va + uint64(i)
		if cur < va {
			return out[:i], dump.Unmapped, cur // wrapped past 2^64
		}
		k := min(n-i, int(PageSize-cur&(PageSize-1)))
		var (
			got  int
			kind dump.FaultKind
		)
		if or.f == dump.ELFVirtual {
			got, kind = or.readVirtSegment(out[i:i+k], cur)
		} else {
			pa, tk := or.translate(cur)
			if tk != 0 {
				return out[:i], tk, cur
			}
			got, kind = or.readPhysPage(out[i:i+k], pa)
		}
		i += got
		if kind != 0 {
			return out[:i], kind, va + uint64(i)
		}
	}
	return out, 0, 0
}

func (or *oracle) readVirtSegment(dst []byte, va uint64) (int, dump.FaultKind) {
	s := or.virtSegment(va)
	if s == nil {
		return 0, dump.Unmapped
	}
	page := va &^ (PageSize - 1)
	pa := page - or.o.DMAPBase
	if !s.DMAP {
		pa, _ = or.m.Translate(page)
	}
	off := int64(-1)
	if or.l != nil {
		off = s.Off + int64(page-s.VAddr)
	}
	return or.pageBytes(dst, pa, off, va-page)
}

// readPhysAll reads n bytes at physical address pa.
func (or *oracle) readPhysAll(pa uint64, n int) ([]byte, dump.FaultKind, uint64) {
	out := make([]byte, n)
	for i := 0; i < n; {
		cur := pa + uint64(i)
		if cur < pa {
			return out[:i], dump.NotDumped, cur
		}
		k := min(n-i, int(PageSize-cur&(PageSize-1)))
		got, kind := or.readPhysPage(out[i:i+k], cur)
		i += got
		if kind != 0 {
			return out[:i], kind, pa + uint64(i)
		}
	}
	return out, 0, 0
}
