package dump

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"sort"
)

const (
	minidumpHeaderPage = PageSize
	magicFreeBSD       = "minidump FreeBSD/amd64"
	magicDragonFly     = "minidump DFlyBSD/x86-64"
	magicLen           = 24
)

// minidumpHeader is the union of every minidump header (spec §3.2, §3.3, §4.1).
type minidumpHeader struct {
	magic                                   string
	version                                 uint32
	msgbufSize, bitmapSize, ptSize, availSz uint64
	kernBase, dmapBase, dmapEnd             uint64
}

// parseMinidumpHeader decodes the header page. h holds the file's first bytes.
func parseMinidumpHeader(name string, h []byte) (Format, minidumpHeader, error) {
	var m minidumpHeader
	if len(h) < 80 {
		return 0, m, fmt.Errorf("%s: minidump header truncated: file has %d bytes, a header needs 80", name, len(h))
	}
	m.magic = string(bytes.TrimRight(h[:magicLen], "\x00"))
	m.version = binary.LittleEndian.Uint32(h[24:])
	le32 := func(off int) uint64 { return uint64(binary.LittleEndian.Uint32(h[off:])) }
	le64 := func(off int) uint64 { return binary.LittleEndian.Uint64(h[off:]) }
	var f Format
	switch {
	case m.magic == magicDragonFly && m.version == 2:
		// struct minidumphdr2: u64 sizes after a 4-byte pad (spec §3.3).
		f = MinidumpDragonFlyV2
		m.msgbufSize, m.bitmapSize, m.ptSize = le64(32), le64(40), le64(48)
		m.kernBase, m.dmapBase, m.dmapEnd = le64(56), le64(64), le64(72)
	case m.magic == magicFreeBSD && m.version >= 1 && m.version <= 3:
		f = [...]Format{1: MinidumpV1, 2: MinidumpFreeBSDV2, 3: MinidumpFreeBSDV3}[m.version]
		m.msgbufSize, m.bitmapSize, m.ptSize = le32(28), le32(32), le32(36)
		m.kernBase, m.dmapBase, m.dmapEnd = le64(40), le64(48), le64(56)
		if m.version == 3 {
			m.availSz = le32(64)
		}
	default:
		return 0, m, fmt.Errorf("%s: offset 0: minidump magic %q version %d is not a known amd64 minidump (want %q v1–3 or %q v2)", name, m.magic, m.version, magicFreeBSD, magicDragonFly)
	}
	return f, m, nil
}

func roundPage(x uint64) uint64 { return (x + PageMask) &^ PageMask }

// openMinidump lays out the sections (spec §3.4, §4.2) and builds the translator.
func (c *Core) openMinidump(h []byte) error {
	name, size := c.b.name, uint64(c.b.size)
	f, m, err := parseMinidumpHeader(name, h)
	if err != nil {
		return err
	}
	c.info.Format, c.info.HeaderVersion = f, int(m.version)
	c.info.KernBase, c.info.DMAPBase, c.info.DMAPEnd = Addr(m.kernBase), Addr(m.dmapBase), Addr(m.dmapEnd)
	c.info.MsgbufSize = m.msgbufSize

	// Every section size is checked against the file before it is added up, so no
	// sum can overflow and nothing is allocated that the file does not hold.
	off := uint64(minidumpHeaderPage)
	section := func(what string, n uint64) (uint64, uint64, error) {
		r := roundPage(n)
		if n > size || r > size-off {
			return 0, 0, fmt.Errorf("%s: minidump header (offset 0) claims a %s section of %d bytes at offset %#x, but the file has only %d bytes", name, what, n, off, size)
		}
		start := off
		off += r
		c.segs = append(c.segs, Segment{Name: what, Offset: int64(start), Size: int64(r)})
		return start, r, nil
	}
	c.segs = append(c.segs, Segment{Name: "header", Offset: 0, Size: minidumpHeaderPage})
	if size < minidumpHeaderPage {
		return fmt.Errorf("%s: minidump header page truncated: file has %d bytes, want at least %d", name, size, minidumpHeaderPage)
	}
	msgOff, msgLen, err := section("msgbuf", m.msgbufSize)
	if err != nil {
		return err
	}
	// The whole page-rounded section: on DragonFly it ends with the struct
	// msgbuf itself (msgbufinit puts it after the data area), which a reader
	// of the section needs to know where the buffer wraps.
	c.msgbuf, _ = c.b.section(int64(msgOff), int64(msgLen), "msgbuf")
	var avail [][2]uint64
	if f == MinidumpFreeBSDV3 {
		aOff, aLen, err := section("dump_avail", m.availSz)
		if err != nil {
			return err
		}
		if avail, err = c.parseDumpAvail(aOff, aLen); err != nil {
			return err
		}
	}
	bmOff, _, err := section("bitmap", m.bitmapSize)
	if err != nil {
		return err
	}
	ptOff, ptLen, err := section("ptemap", m.ptSize)
	if err != nil {
		return err
	}
	dataOff := off
	bm, err := newBitmapPhys(c.b, bmOff, m.bitmapSize, dataOff, avail)
	if err != nil {
		return err
	}
	c.pm = bm
	// Data pages are whole, page-aligned file pages, so a mid-page
	// translation gives the page start — unless a hostile header puts a
	// region boundary (kernbase, the DMAP bounds) inside a page, where half a
	// virtual page may translate and half not: then the TLB checks each page.
	c.pageLinear = (m.kernBase|m.dmapBase|m.dmapEnd)&PageMask == 0
	dataLen := size - dataOff
	c.segs = append(c.segs, Segment{Name: "data", Offset: int64(dataOff), Size: int64(dataLen)})
	c.info.PagesPresent = bm.npages
	if have := dataLen / PageSize; have < bm.npages {
		c.warnf("truncated: the bitmap lists %d pages (%d bytes from offset %#x), but the file holds %d whole pages; reads of the missing pages report %q", bm.npages, bm.npages*PageSize, dataOff, have, Truncated)
		c.info.PagesPresent = have
	} else if extra := dataLen - bm.npages*PageSize; extra > 0 {
		c.warnf("%d bytes follow the last data page (offset %#x)", extra, dataOff+bm.npages*PageSize)
	}
	c.info.BytesPresent = c.info.PagesPresent * PageSize

	dmap := func(va uint64) (uint64, bool) {
		if m.dmapBase < m.dmapEnd && va >= m.dmapBase && va < m.dmapEnd {
			return va - m.dmapBase, true
		}
		return 0, false
	}
	if m.dmapBase >= m.dmapEnd && m.dmapBase != 0 {
		c.warnf("minidump header: DMAP range [%#x, %#x) is empty; direct-map addresses cannot be read", m.dmapBase, m.dmapEnd)
	}
	nEntries := ptLen / 8
	switch f {
	case MinidumpV1:
		// One PTE per 4 KiB page from kernbase (spec §3.6).
		c.vt = &pteMapSpace{b: c.b, pm: bm, off: int64(ptOff), n: nEntries, kernBase: m.kernBase, dmap: dmap}
	case MinidumpDragonFlyV2:
		// 262144 PDPEs indexed by absolute VA bits 30..47 (spec §3.7).
		if m.ptSize != 512*512*8 {
			c.warnf("minidump header: ptesize %d, DragonFly v2 writes %d", m.ptSize, 512*512*8)
		}
		t := &tableSpace{b: c.b, pm: bm}
		t.direct = func(va uint64) (uint64, bool) {
			if va >= m.kernBase {
				return 0, false
			}
			if pa, ok := dmap(va); ok {
				return pa, true
			}
			return 0, false
		}
		t.resolve = func(va uint64) (*leaf, *FaultError) {
			if va < m.kernBase {
				return nil, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("below kernbase %#x and outside the DMAP", m.kernBase)}
			}
			i := (va >> 30) & 0x3ffff
			if i >= nEntries {
				return nil, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("PDP map index %d beyond its %d entries", i, nEntries)}
			}
			pdpe, _ := c.b.u64(int64(ptOff + i*8))
			if pdpe&PteValid == 0 {
				return nil, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("PDPE %#x (PDP map index %d) not valid", pdpe, i)}
			}
			if pdpe&PtePS != 0 {
				return &leaf{region: va >> 21, large: true, pa: pdpe&Frame1GiB + va&(HugeSize-1)&^(LargeSize-1)}, nil
			}
			return pdLeaf(c.b, bm, pdpe&FrameMask, va)
		}
		c.vt = t
	case MinidumpFreeBSDV2, MinidumpFreeBSDV3:
		// One PDE per 2 MiB from kernbase; PT pages in the data (spec §4.3, §4.5).
		t := &tableSpace{b: c.b, pm: bm}
		t.direct = func(va uint64) (uint64, bool) {
			if va >= m.kernBase && (va-m.kernBase)>>21 < nEntries {
				return 0, false
			}
			return dmap(va)
		}
		t.resolve = func(va uint64) (*leaf, *FaultError) {
			if va < m.kernBase || (va-m.kernBase)>>21 >= nEntries {
				return nil, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("outside the page-directory map [%#x, %#x) and the DMAP", m.kernBase, m.kernBase+nEntries<<21)}
			}
			i := (va - m.kernBase) >> 21
			pde, _ := c.b.u64(int64(ptOff + i*8))
			if pde&PteValid == 0 {
				return nil, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("PDE %#x (page-directory map index %d) not valid", pde, i)}
			}
			if pde&PtePS != 0 {
				return &leaf{region: va >> 21, large: true, pa: pde & Frame2MiB}, nil
			}
			return ptLeaf(bm, va>>21, pde&FrameMask), nil
		}
		c.vt = t
	}
	return nil
}

// parseDumpAvail reads FreeBSD v3's dump_avail pairs [start, end), ended by a zero end.
func (c *Core) parseDumpAvail(off, n uint64) ([][2]uint64, error) {
	out := make([][2]uint64, 0, n/16) // n was checked against the file
	// A page of pairs at a time: backing.u64 through an io.ReaderAt allocates on
	// every call, twice the section's size over a large dump_avail.
	var page [PageSize]byte
	for i := uint64(0); i+16 <= n; i += 16 {
		if i%PageSize == 0 {
			c.b.readAt(page[:min(PageSize, n-i)], int64(off+i))
		}
		start := binary.LittleEndian.Uint64(page[i%PageSize:])
		end := binary.LittleEndian.Uint64(page[i%PageSize+8:])
		if end == 0 {
			break
		}
		if end <= start || (len(out) > 0 && start < out[len(out)-1][1]) {
			return nil, fmt.Errorf("%s: dump_avail entry %d at offset %#x is [%#x, %#x): want ascending, non-empty ranges", c.b.name, i/16, off+i, start, end)
		}
		out = append(out, [2]uint64{start, end})
	}
	if len(out) == 0 {
		c.warnf("dump_avail section at offset %#x is empty", off)
		return nil, nil // as before: no ranges, bit ids are page numbers
	}
	return out, nil
}

// pteMapSpace is the v1 translation: a flat array of PTEs, one per 4 KiB page from
// kernbase, bounds-checked (libkvm's DragonFly reader does not check, spec §3.9).
type pteMapSpace struct {
	b        *backing
	pm       physMap
	off      int64
	n        uint64
	kernBase uint64
	dmap     func(uint64) (uint64, bool)
}

func (t *pteMapSpace) vtopPhys(va uint64) (uint64, *FaultError) {
	if va >= t.kernBase {
		if idx := (va - t.kernBase) >> 12; idx < t.n {
			pte, _ := t.b.u64(t.off + int64(idx)*8)
			if pte&PteValid == 0 {
				return 0, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("PTE %#x (PTE map index %d) not valid", pte, idx)}
			}
			return pte&FrameMask | va&PageMask, nil
		}
	}
	if pa, ok := t.dmap(va); ok {
		return pa, nil
	}
	return 0, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("outside the PTE map [%#x, %#x) and the DMAP", t.kernBase, t.kernBase+t.n<<12)}
}

func (t *pteMapSpace) vtop(va uint64) (int64, int, *FaultError) {
	pa, err := t.vtopPhys(va)
	if err != nil {
		return 0, 0, err
	}
	return t.pm.ptoo(pa)
}

// bitmapPhys finds physical pages in a minidump: page i is present when bit i of the
// bitmap is set, stored at data + 4096 × rank(i) (spec §3.5, §4.4).
type bitmapPhys struct {
	b       *backing
	words   []byte   // the bitmap, a whole number of little-endian uint64 words
	ranks   []uint32 // ranks[w] = set bits in words before word w
	dataOff int64
	npages  uint64
	avail   [][2]uint64 // FreeBSD v3: bit ids count only these ranges
	adj     []uint64    // bit id of avail[i]'s first page
}

func newBitmapPhys(b *backing, off, n, dataOff uint64, avail [][2]uint64) (*bitmapPhys, error) {
	raw, err := b.section(int64(off), int64(n), "bitmap")
	if err != nil {
		return nil, err
	}
	if n%8 != 0 { // pad to whole words
		raw = append(append([]byte(nil), raw...), make([]byte, 8-n%8)...)
	}
	nw := len(raw) / 8
	p := &bitmapPhys{b: b, words: raw, ranks: make([]uint32, nw), dataOff: int64(dataOff), avail: avail}
	var total uint64
	for w := 0; w < nw; w++ {
		p.ranks[w] = uint32(total)
		total += uint64(bits.OnesCount64(binary.LittleEndian.Uint64(raw[w*8:])))
	}
	if total > 1<<32-1 {
		return nil, fmt.Errorf("%s: bitmap at offset %#x lists %d pages, more than any supported machine", b.name, off, total)
	}
	p.npages = total
	p.adj = make([]uint64, 0, len(avail))
	var id uint64
	for _, r := range avail {
		p.adj = append(p.adj, id)
		id += (r[1]+PageMask)/PageSize - r[0]/PageSize
	}
	return p, nil
}

// bitID maps a physical address to its bitmap bit.
func (p *bitmapPhys) bitID(pa uint64) (uint64, bool) {
	if p.avail == nil {
		return pa >> PageShift, true
	}
	// parseDumpAvail checked the ranges ascending and disjoint: binary search, so
	// that a dump_avail of a million ranges does not make every page lookup slow.
	// Membership is by page, as the bit ids count it (a range covers the pages
	// from its start's to its end's, rounded up): a range that starts or ends
	// inside a page (real ones never do) must not make half a page readable,
	// or a read would depend on which part of the page was read first.
	pn := pa / PageSize
	i := sort.Search(len(p.avail), func(i int) bool { return (p.avail[i][1]+PageMask)/PageSize > pn })
	if i < len(p.avail) && pn >= p.avail[i][0]/PageSize {
		return pn - p.avail[i][0]/PageSize + p.adj[i], true
	}
	return 0, false
}

func (p *bitmapPhys) ptoo(pa uint64) (int64, int, *FaultError) {
	id, ok := p.bitID(pa)
	if !ok {
		return 0, 0, &FaultError{Kind: NotDumped, Detail: fmt.Sprintf("PA %#x outside every dump_avail range", pa)}
	}
	w := id >> 6
	if w >= uint64(len(p.ranks)) {
		return 0, 0, &FaultError{Kind: NotDumped, Detail: fmt.Sprintf("PA %#x beyond the minidump bitmap", pa)}
	}
	word := binary.LittleEndian.Uint64(p.words[w*8:])
	bit := uint64(1) << (id & 63)
	if word&bit == 0 {
		return 0, 0, &FaultError{Kind: NotDumped, Detail: fmt.Sprintf("physical page %#x not in the minidump bitmap", pa&^PageMask)}
	}
	rank := uint64(p.ranks[w]) + uint64(bits.OnesCount64(word&(bit-1)))
	off := p.dataOff + int64(rank)*PageSize + int64(pa&PageMask)
	n := PageSize - int(pa&PageMask)
	if size := p.b.size; off+int64(n) > size {
		if off >= size {
			return 0, 0, &FaultError{Kind: Truncated, Detail: fmt.Sprintf("physical page %#x belongs at file offset %#x, past the end of the file (%d bytes)", pa&^PageMask, off&^PageMask, size)}
		}
		n = int(size - off)
	}
	return off, n, nil
}
