package dumptest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"sort"

	"github.com/kdump-bsd/kdump/dump"
)

// Default address-space values of WriteOptions.
const (
	DefaultKernBase  = 0xffffffff80000000
	DefaultDMAPBase  = 0xffffb80000000000
	DefaultDMAPEnd   = 0xfffff80000000000
	DefaultMaxPTEMap = 64 << 20
)

// Minidump magic strings (spec §3.1, §4.1).
const (
	MagicFreeBSD   = "minidump FreeBSD/amd64"
	MagicDragonFly = "minidump DFlyBSD/x86-64"
)

// WriteOptions configure a writer. Zero fields take the defaults.
type WriteOptions struct {
	// KernBase is the minidump header's kernbase (VM_MIN_KERNEL_ADDRESS): the
	// page-table map starts there and only mappings at or above it put pages into
	// the minidump. Default DefaultKernBase. Minidump v1 needs it 2 MiB aligned,
	// FreeBSD v2/v3 1 GiB aligned.
	KernBase uint64
	// DMAPBase and DMAPEnd are the minidump header's direct-map bounds. Defaults
	// DefaultDMAPBase and DefaultDMAPEnd.
	DMAPBase, DMAPEnd uint64
	// Msgbuf is the content of the minidump message-buffer section; it is cut or
	// zero-padded to round_page(MsgbufSize).
	Msgbuf []byte
	// MsgbufSize is the header's msgbufsize (msg_size, not rounded); 0 means
	// len(Msgbuf).
	MsgbufSize uint64
	// PageRoundBitmap writes a page-rounded bitmapsize in v1/v2 headers (what the
	// kernels do, vm_page_dump_size); by default the header carries the exact size
	// (ceil(pages/64) words) and readers must round it themselves. FreeBSD v3 is
	// always page-rounded (spec §4.1).
	PageRoundBitmap bool
	// VirtualDMAP makes the ELFVirtual writer also emit the direct map of every
	// RAM range as PT_LOADs (VA = DMAPBase + PA), so DMAP-addressed objects such as
	// the message buffer exist in that format too.
	VirtualDMAP bool
	// MaxPTEMap bounds the page-table map a minidump writer may emit; above it the
	// writer fails instead of writing gigabytes. Default DefaultMaxPTEMap.
	MaxPTEMap uint64
}

func (o WriteOptions) withDefaults() WriteOptions {
	if o.KernBase == 0 {
		o.KernBase = DefaultKernBase
	}
	if o.DMAPBase == 0 {
		o.DMAPBase = DefaultDMAPBase
	}
	if o.DMAPEnd == 0 {
		o.DMAPEnd = DefaultDMAPEnd
	}
	if o.MsgbufSize == 0 {
		o.MsgbufSize = uint64(len(o.Msgbuf))
	}
	if o.MaxPTEMap == 0 {
		o.MaxPTEMap = DefaultMaxPTEMap
	}
	return o
}

// Segment is one program header of an ELF file the writers produced (or, for Raw,
// the single range the image holds).
type Segment struct {
	Type  uint32 // 1 = PT_LOAD, 4 = PT_NOTE
	VAddr uint64
	PAddr uint64
	Off   int64
	Size  int64
	// DMAP is set on ELFVirtual PT_LOADs that cover the direct map (PA = VAddr −
	// DMAPBase) rather than page-table mappings.
	DMAP bool
}

// Layout describes a written dump file: where each section is, where each page's
// bytes are, and (through its Expect methods) what a correct reader must return
// for it. A Layout refers to the Memory that was written; that memory must not
// change afterwards.
type Layout struct {
	Format      dump.Format
	Compression dump.Compression // outer compression of the file on disk, if any
	Options     WriteOptions     // with defaults applied
	FileSize    int64            // size of the (uncompressed) dump

	// Minidumps: section offsets and lengths as written (all page aligned).
	HeaderSize   int64 // bytes of the header proper (64, 68 or 80; ELF: 64)
	MsgbufOff    int64
	MsgbufLen    int64
	DumpAvailOff int64 // FreeBSD v3 only
	DumpAvailLen int64
	BitmapOff    int64
	BitmapLen    int64
	PTEMapOff    int64
	PTEMapLen    int64
	DataOff      int64
	// Header fields as written.
	MsgbufSize, BitmapSize, PTESize, DumpAvailSize uint64
	// DumpAvail holds the FreeBSD v3 dump_avail ranges.
	DumpAvail [][2]uint64
	// Pages maps the physical address of every minidump data page to its file
	// offset (minidumps only; use Offset for every format).
	Pages map[uint64]int64
	// NumPages is the number of data pages (minidumps), or of RAM pages (ELFFull,
	// Raw), or of virtual pages (ELFVirtual).
	NumPages int64

	// ELF: program headers in file order; Raw: one segment for the whole image.
	Segments []Segment
	PhOff    int64

	// MinSize is the smallest file size a reader can be expected to open: every
	// header and map section (minidumps), the program headers (ELF), 0 (Raw).
	// Oracles on files cut below it describe reads, not whether Open succeeds.
	MinSize int64

	mem       *Memory
	overrides map[int64]uint64 // 8-byte words replaced by corruption helpers
	src       map[int64]uint64 // file offset → PA whose bytes are there (nil: identity)
}

// Offset returns the file offset of the physical page holding pa (minidumps,
// ELFFull, Raw), or ok=false when the file does not hold it.
func (l *Layout) Offset(pa uint64) (int64, bool) {
	page := pa &^ (PageSize - 1)
	switch {
	case l.Format.IsMinidump():
		off, ok := l.Pages[page]
		if !ok {
			return 0, false
		}
		return off + int64(pa-page), true
	case l.Format == dump.ELFFull || l.Format == dump.Raw:
		for _, s := range l.Segments {
			if s.Type == ptLoad && pa >= s.PAddr && pa-s.PAddr < uint64(s.Size) {
				return s.Off + int64(pa-s.PAddr), true
			}
		}
	}
	return 0, false
}

// VirtOffset returns the file offset of virtual address va in an ELFVirtual core.
func (l *Layout) VirtOffset(va uint64) (int64, bool) {
	if l.Format != dump.ELFVirtual {
		return 0, false
	}
	if s := l.virtSegment(va); s != nil {
		return s.Off + int64(va-s.VAddr), true
	}
	return 0, false
}

func (l *Layout) virtSegment(va uint64) *Segment {
	segs := l.Segments
	i := sort.Search(len(segs), func(i int) bool {
		return segs[i].Type == ptLoad && segs[i].VAddr+uint64(segs[i].Size)-1 >= va
	})
	for ; i < len(segs); i++ {
		s := &segs[i]
		if s.Type == ptLoad && va >= s.VAddr && va-s.VAddr < uint64(s.Size) {
			return s
		}
		if s.Type == ptLoad && s.VAddr > va {
			break
		}
	}
	return nil
}

const (
	ptLoad = 1
	ptNote = 4
)

func roundPage(x uint64) uint64 { return (x + PageSize - 1) &^ (PageSize - 1) }

// countWriter counts bytes and buffers.
type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func newCountWriter(w io.Writer) *countWriter {
	return &countWriter{w: bufio.NewWriterSize(w, 1<<20)}
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

var zeroPage [PageSize]byte

func (c *countWriter) zeros(n int64) {
	for n > 0 && c.err == nil {
		k := min(n, PageSize)
		c.Write(zeroPage[:k])
		n -= k
	}
}

// padTo writes zeros up to file offset off.
func (c *countWriter) padTo(off int64) { c.zeros(off - c.n) }

func (c *countWriter) u64s(v []uint64) {
	var b [8 * 512]byte
	for len(v) > 0 && c.err == nil {
		k := min(len(v), 512)
		for i := 0; i < k; i++ {
			binary.LittleEndian.PutUint64(b[i*8:], v[i])
		}
		c.Write(b[:k*8])
		v = v[k:]
	}
}

func (c *countWriter) physPage(m *Memory, pa uint64) {
	if p := m.page(pa); p != nil {
		c.Write(p[:])
	} else {
		c.Write(zeroPage[:])
	}
}

func (c *countWriter) finish() error {
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

// Write writes the memory as a dump of format f to w and returns its layout.
func (m *Memory) Write(w io.Writer, f dump.Format, opt WriteOptions) (*Layout, error) {
	opt = opt.withDefaults()
	switch f {
	case dump.MinidumpV1, dump.MinidumpDragonFlyV2, dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3:
		return m.writeMinidump(w, f, opt)
	case dump.ELFFull:
		return m.writeELFFull(w, opt)
	case dump.ELFVirtual:
		return m.writeELFVirtual(w, opt)
	case dump.Raw:
		return m.writeRaw(w, opt)
	}
	return nil, fmt.Errorf("dumptest: cannot write format %v", f)
}

// minidumpPlan computes the header fields and section layout of a minidump
// without writing it.
func (m *Memory) minidumpPlan(f dump.Format, o WriteOptions) (*Layout, error) {
	kb := o.KernBase
	l := &Layout{Format: f, Options: o, mem: m, MsgbufSize: o.MsgbufSize}
	switch f {
	case dump.MinidumpV1:
		if kb&(Size2M-1) != 0 {
			return nil, fmt.Errorf("dumptest: minidump v1 needs a 2 MiB aligned kernbase, have %#x", kb)
		}
	case dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3:
		if kb&(Size1G-1) != 0 {
			return nil, fmt.Errorf("dumptest: FreeBSD minidump v2/v3 needs a 1 GiB aligned kernbase, have %#x", kb)
		}
	default:
		if kb&(PageSize-1) != 0 {
			return nil, fmt.Errorf("dumptest: kernbase %#x not page aligned", kb)
		}
	}
	l.HeaderSize = 64
	switch f {
	case dump.MinidumpDragonFlyV2:
		l.HeaderSize = 80
	case dump.MinidumpFreeBSDV3:
		l.HeaderSize = 68
	}

	// Bitmap.
	nbits := m.npages
	if f == dump.MinidumpFreeBSDV3 {
		l.DumpAvail = m.RAM()
		nbits = 0
		for _, r := range l.DumpAvail {
			nbits += (r[1]+PageSize-1)/PageSize - r[0]/PageSize
		}
		l.DumpAvailSize = roundPage(uint64(16 * (len(l.DumpAvail) + 1)))
	}
	l.BitmapSize = (nbits + 63) / 64 * 8
	if o.PageRoundBitmap || f == dump.MinidumpFreeBSDV3 {
		l.BitmapSize = roundPage(l.BitmapSize)
	}

	// Page-table map.
	span := m.kvaSpan(kb)
	switch f {
	case dump.MinidumpV1:
		l.PTESize = (span + Size2M - 1) / Size2M * PageSize
	case dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3:
		l.PTESize = (span + Size1G - 1) / Size1G * PageSize
	case dump.MinidumpDragonFlyV2:
		l.PTESize = 512 * 512 * 8
	}
	if l.PTESize > o.MaxPTEMap {
		return nil, fmt.Errorf("dumptest: %v page-table map would be %d bytes (kernel mappings span %#x bytes above kernbase %#x), limit %d",
			f, l.PTESize, span, kb, o.MaxPTEMap)
	}
	if f != dump.MinidumpDragonFlyV2 {
		for _, v := range []uint64{l.MsgbufSize, l.BitmapSize, l.PTESize} {
			if v > 0xffffffff {
				return nil, fmt.Errorf("dumptest: %v header field value %#x does not fit in 32 bits", f, v)
			}
		}
	}

	l.MsgbufOff = PageSize
	l.MsgbufLen = int64(roundPage(l.MsgbufSize))
	off := l.MsgbufOff + l.MsgbufLen
	if f == dump.MinidumpFreeBSDV3 {
		l.DumpAvailOff = off
		l.DumpAvailLen = int64(roundPage(l.DumpAvailSize))
		off += l.DumpAvailLen
	}
	l.BitmapOff = off
	l.BitmapLen = int64(roundPage(l.BitmapSize))
	l.PTEMapOff = l.BitmapOff + l.BitmapLen
	l.PTEMapLen = int64(roundPage(l.PTESize))
	l.DataOff = l.PTEMapOff + l.PTEMapLen
	l.MinSize = l.DataOff

	set := m.pageSet(kb)
	l.Pages = make(map[uint64]int64, set.count())
	off = l.DataOff
	for i, ok := set.nextSet(0); ok; i, ok = set.nextSet(i + 1) {
		l.Pages[i*PageSize] = off
		off += PageSize
	}
	l.NumPages = int64(len(l.Pages))
	l.FileSize = off
	return l, nil
}

// bitID returns the bitmap bit of physical page pa for layout l (spec §3.5, §4.4).
func (l *Layout) bitID(pa uint64) (uint64, bool) {
	if l.Format != dump.MinidumpFreeBSDV3 {
		return pa / PageSize, true
	}
	var acc uint64
	for _, r := range l.DumpAvail {
		if pa >= r[0] && pa < r[1] {
			return pa/PageSize - r[0]/PageSize + acc, true
		}
		acc += (r[1]+PageSize-1)/PageSize - r[0]/PageSize
	}
	return 0, false
}

// bitPA is the inverse of bitID.
func (l *Layout) bitPA(id uint64) (uint64, bool) {
	if l.Format != dump.MinidumpFreeBSDV3 {
		return id * PageSize, true
	}
	var acc uint64
	for _, r := range l.DumpAvail {
		n := (r[1]+PageSize-1)/PageSize - r[0]/PageSize
		if id < acc+n {
			return (r[0]/PageSize + id - acc) * PageSize, true
		}
		acc += n
	}
	return 0, false
}

func (m *Memory) writeMinidump(w io.Writer, f dump.Format, o WriteOptions) (*Layout, error) {
	l, err := m.minidumpPlan(f, o)
	if err != nil {
		return nil, err
	}
	kb := o.KernBase
	cw := newCountWriter(w)

	// Header page.
	var hdr [PageSize]byte
	le := binary.LittleEndian
	switch f {
	case dump.MinidumpDragonFlyV2:
		copy(hdr[:24], MagicDragonFly)
		le.PutUint32(hdr[24:], 2)
		le.PutUint64(hdr[32:], l.MsgbufSize)
		le.PutUint64(hdr[40:], l.BitmapSize)
		le.PutUint64(hdr[48:], l.PTESize)
		le.PutUint64(hdr[56:], kb)
		le.PutUint64(hdr[64:], o.DMAPBase)
		le.PutUint64(hdr[72:], o.DMAPEnd)
	default:
		copy(hdr[:24], MagicFreeBSD)
		version := uint32(1)
		if f == dump.MinidumpFreeBSDV2 {
			version = 2
		} else if f == dump.MinidumpFreeBSDV3 {
			version = 3
		}
		le.PutUint32(hdr[24:], version)
		le.PutUint32(hdr[28:], uint32(l.MsgbufSize))
		le.PutUint32(hdr[32:], uint32(l.BitmapSize))
		le.PutUint32(hdr[36:], uint32(l.PTESize))
		le.PutUint64(hdr[40:], kb)
		le.PutUint64(hdr[48:], o.DMAPBase)
		le.PutUint64(hdr[56:], o.DMAPEnd)
		if f == dump.MinidumpFreeBSDV3 {
			le.PutUint32(hdr[64:], uint32(l.DumpAvailSize))
		}
	}
	cw.Write(hdr[:])

	// Message buffer.
	msg := o.Msgbuf
	if int64(len(msg)) > l.MsgbufLen {
		msg = msg[:l.MsgbufLen]
	}
	cw.Write(msg)
	cw.padTo(l.MsgbufOff + l.MsgbufLen)

	// dump_avail.
	if f == dump.MinidumpFreeBSDV3 {
		var pairs []uint64
		for _, r := range l.DumpAvail {
			pairs = append(pairs, r[0], r[1])
		}
		cw.u64s(append(pairs, 0, 0))
		cw.padTo(l.DumpAvailOff + l.DumpAvailLen)
	}

	// Bitmap.
	bm := make([]uint64, l.BitmapLen/8)
	for pa := range l.Pages {
		id, _ := l.bitID(pa)
		bm[id/64] |= 1 << (id % 64)
	}
	cw.u64s(bm)

	// Page-table map.
	var chunk [512]uint64
	switch f {
	case dump.MinidumpV1:
		for c := uint64(0); c < l.PTESize/PageSize; c++ {
			m.v1Chunk(kb+c*Size2M, &chunk)
			cw.u64s(chunk[:])
		}
	case dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3:
		for g := uint64(0); g < l.PTESize/PageSize; g++ {
			m.fbPDPage(kb+g*Size1G, &chunk)
			cw.u64s(chunk[:])
		}
	case dump.MinidumpDragonFlyV2:
		for slot := uint64(0); slot < 512; slot++ {
			m.dfPDPPage(slot, kb, &chunk)
			cw.u64s(chunk[:])
		}
	}
	cw.padTo(l.DataOff)

	// Data pages, ascending physical address (= ascending bit id).
	set := m.pageSet(kb)
	for i, ok := set.nextSet(0); ok; i, ok = set.nextSet(i + 1) {
		cw.physPage(m, i*PageSize)
	}
	if err := cw.finish(); err != nil {
		return nil, err
	}
	if cw.n != l.FileSize {
		return nil, fmt.Errorf("dumptest: internal error: wrote %d bytes, planned %d", cw.n, l.FileSize)
	}
	return l, nil
}

// v1Chunk fills dst with the 512 PTEs the v1 writer emits for the 2 MiB of KVA at
// va (2 MiB aligned): a copy of the PT page, synthetic PTEs for 2 MiB and 1 GiB
// pages (pa + k*4096 | V | RW | A | M, spec §3.6), zeros when unmapped.
func (m *Memory) v1Chunk(va uint64, dst *[512]uint64) {
	*dst = [512]uint64{}
	if m.pml4 == 0 {
		return
	}
	e4 := m.u64(m.pml4 + (va>>39&511)*8)
	if e4&PG_V == 0 {
		return
	}
	e3 := m.u64(e4&PG_FRAME + (va>>30&511)*8)
	if e3&PG_V == 0 {
		return
	}
	var base uint64
	switch {
	case e3&PG_PS != 0:
		base = e3&PG_1GFRM + va&(Size1G-1)
	default:
		e2 := m.u64(e3&PG_FRAME + (va>>21&511)*8)
		if e2&PG_V == 0 {
			return
		}
		if e2&PG_PS == 0 {
			pt := e2 & PG_FRAME
			for k := range dst {
				dst[k] = m.u64(pt + uint64(k)*8)
			}
			return
		}
		base = e2 & PG_2MFRM
	}
	for k := range dst {
		dst[k] = (base + uint64(k)*PageSize) | PG_V | PG_RW | PG_A | PG_M
	}
}

// fbPDPage fills dst with the 512 PDEs the FreeBSD v2/v3 writer emits for the
// 1 GiB of KVA at va (1 GiB aligned): the PD page, pdpe + j*2MiB for a 1 GiB page,
// zeros for an invalid PDPE (spec §4.3).
func (m *Memory) fbPDPage(va uint64, dst *[512]uint64) {
	*dst = [512]uint64{}
	if m.pml4 == 0 {
		return
	}
	e4 := m.u64(m.pml4 + (va>>39&511)*8)
	if e4&PG_V == 0 {
		return
	}
	e3 := m.u64(e4&PG_FRAME + (va>>30&511)*8)
	if e3&PG_V == 0 {
		return
	}
	if e3&PG_PS != 0 {
		for j := range dst {
			dst[j] = e3 + uint64(j)*Size2M
		}
		return
	}
	pd := e3 & PG_FRAME
	for j := range dst {
		dst[j] = m.u64(pd + uint64(j)*8)
	}
}

// dfPDPPage fills dst with the 512 PDPEs of PML4 slot `slot` as the DragonFly v2
// writer emits them: the real PDP page for a valid slot whose range reaches
// kernbase or above, zeros otherwise (spec §3.7).
func (m *Memory) dfPDPPage(slot, kernbase uint64, dst *[512]uint64) {
	*dst = [512]uint64{}
	if m.pml4 == 0 {
		return
	}
	if canonical(slot<<39)+(1<<39)-1 < kernbase {
		return
	}
	e4 := m.u64(m.pml4 + slot*8)
	if e4&PG_V == 0 {
		return
	}
	pdp := e4 & PG_FRAME
	for j := range dst {
		dst[j] = m.u64(pdp + uint64(j)*8)
	}
}
