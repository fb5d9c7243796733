package dumptest

import (
	"encoding/binary"
	"fmt"
	"maps"

	"github.com/kdump-bsd/kdump/dump"
)

// Corruption helpers for hostile-input tests. Each returns a modified copy of a
// written file and never changes its argument. Helpers whose result a reader can
// still open also return a Layout that is the oracle for the corrupted file.

// Truncate returns a copy of the first n bytes of b (all of b if shorter). Its
// oracle is the original Layout's ExpectTruncated(n, …).
func Truncate(b []byte, n int64) []byte {
	n = max(0, min(n, int64(len(b))))
	return append([]byte(nil), b[:n]...)
}

// Field names a minidump header size field.
type Field int

const (
	FieldMsgbufSize    Field = iota + 1 // msgbufsize
	FieldBitmapSize                     // bitmapsize
	FieldPTESize                        // ptesize / pmapsize
	FieldDumpAvailSize                  // dumpavailsize (FreeBSD v3)
)

func (f Field) String() string {
	switch f {
	case FieldMsgbufSize:
		return "msgbufsize"
	case FieldBitmapSize:
		return "bitmapsize"
	case FieldPTESize:
		return "ptesize"
	case FieldDumpAvailSize:
		return "dumpavailsize"
	}
	return fmt.Sprintf("Field(%d)", int(f))
}

// fieldAt returns the offset and width of a header field in format f.
func fieldAt(f dump.Format, field Field) (off, width int, err error) {
	switch f {
	case dump.MinidumpDragonFlyV2:
		switch field {
		case FieldMsgbufSize:
			return 32, 8, nil
		case FieldBitmapSize:
			return 40, 8, nil
		case FieldPTESize:
			return 48, 8, nil
		}
	case dump.MinidumpV1, dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3:
		switch field {
		case FieldMsgbufSize:
			return 28, 4, nil
		case FieldBitmapSize:
			return 32, 4, nil
		case FieldPTESize:
			return 36, 4, nil
		case FieldDumpAvailSize:
			if f == dump.MinidumpFreeBSDV3 {
				return 64, 4, nil
			}
		}
	}
	return 0, 0, fmt.Errorf("dumptest: format %v has no header field %v", f, field)
}

// SetHeaderField returns a copy of the minidump b (format f) with a header size
// field set to v (truncated to the field's width).
func SetHeaderField(b []byte, f dump.Format, field Field, v uint64) ([]byte, error) {
	off, width, err := fieldAt(f, field)
	if err != nil {
		return nil, err
	}
	if len(b) < off+width {
		return nil, fmt.Errorf("dumptest: file too short for header field %v", field)
	}
	c := append([]byte(nil), b...)
	if width == 4 {
		binary.LittleEndian.PutUint32(c[off:], uint32(v))
	} else {
		binary.LittleEndian.PutUint64(c[off:], v)
	}
	return c, nil
}

// InflateHeaderField returns a copy of the minidump b with a header size field
// claiming more bytes than the whole file holds (a page multiple, so only a
// bounds check against the file size can catch it). A reader must refuse it.
func InflateHeaderField(b []byte, f dump.Format, field Field) ([]byte, error) {
	_, width, err := fieldAt(f, field)
	if err != nil {
		return nil, err
	}
	v := roundPage(uint64(len(b))*2 + 1<<20)
	if width == 4 && v > 0xfffff000 {
		v = 0xfffff000
	}
	if width == 8 {
		v = 1 << 50 // would be a petabyte allocation if trusted
	}
	return SetHeaderField(b, f, field, v)
}

// entryLoc finds, for va, the last page-table word the reader of this layout
// consults: its file offset, its value and the frame mask of that entry.
func (l *Layout) entryLoc(va uint64) (off int64, val, frame uint64, err error) {
	m, o := l.mem, l.Options
	kb := o.KernBase
	var chunk [512]uint64
	inData := func(table, idx uint64) (int64, uint64, error) {
		toff, ok := l.Offset(table)
		if !ok {
			return 0, 0, fmt.Errorf("dumptest: page-table page %#x for VA %#x not in the file", table, va)
		}
		return toff + int64(idx*8), m.u64(table + idx*8), nil
	}
	switch l.Format {
	case dump.MinidumpV1:
		if va < kb || (va-kb)>>12 >= l.PTESize/8 {
			break
		}
		idx := (va - kb) >> 12
		m.v1Chunk(kb+idx/512*Size2M, &chunk)
		return l.PTEMapOff + int64(idx*8), chunk[idx%512], PG_FRAME, nil
	case dump.MinidumpFreeBSDV2, dump.MinidumpFreeBSDV3:
		if va < kb || (va-kb)>>21 >= l.PTESize/8 {
			break
		}
		idx := (va - kb) >> 21
		m.fbPDPage(kb+idx/512*Size1G, &chunk)
		pde := chunk[idx%512]
		if pde&PG_V == 0 || pde&PG_PS != 0 {
			return l.PTEMapOff + int64(idx*8), pde, PG_2MFRM, nil
		}
		off, val, err := inData(pde&PG_FRAME, va>>12&511)
		return off, val, PG_FRAME, err
	case dump.MinidumpDragonFlyV2:
		if va < kb {
			break
		}
		i := va >> 30 & 0x3ffff
		m.dfPDPPage(i/512, kb, &chunk)
		pdpe := chunk[i%512]
		if pdpe&PG_V == 0 || pdpe&PG_PS != 0 {
			return l.PTEMapOff + int64(i*8), pdpe, PG_1GFRM, nil
		}
		off, pde, err := inData(pdpe&PG_FRAME, va>>21&511)
		if err != nil || pde&PG_V == 0 || pde&PG_PS != 0 {
			return off, pde, PG_2MFRM, err
		}
		off, val, err := inData(pde&PG_FRAME, va>>12&511)
		return off, val, PG_FRAME, err
	case dump.ELFFull, dump.Raw:
		mp, ok := m.Leaf(va)
		if !ok {
			break
		}
		frame = uint64(PG_FRAME)
		switch mp.Size {
		case Size2M:
			frame = PG_2MFRM
		case Size1G:
			frame = PG_1GFRM
		}
		off, ok := l.Offset(mp.EntryPA)
		if !ok {
			return 0, 0, 0, fmt.Errorf("dumptest: page-table page of VA %#x not in the file", va)
		}
		return off, mp.Entry, frame, nil
	}
	return 0, 0, 0, fmt.Errorf("dumptest: no page-table entry maps VA %#x in a %v file", va, l.Format)
}

// clone returns a copy of l that corruption helpers may change.
func (l *Layout) clone() *Layout {
	c := *l
	c.overrides = maps.Clone(l.overrides)
	if c.overrides == nil {
		c.overrides = map[int64]uint64{}
	}
	return &c
}

// CorruptEntry returns a copy of b in which the last page-table word a reader of
// this layout consults for va (a ptemap/pmap entry, or a PD/PT entry inside the
// dumped data) is replaced by entry, and the Layout that is its oracle.
func CorruptEntry(b []byte, l *Layout, va, entry uint64) ([]byte, *Layout, error) {
	off, _, _, err := l.entryLoc(va)
	if err != nil {
		return nil, nil, err
	}
	if off+8 > int64(len(b)) {
		return nil, nil, fmt.Errorf("dumptest: entry of VA %#x at offset %d is past the end of the file", va, off)
	}
	c := append([]byte(nil), b...)
	binary.LittleEndian.PutUint64(c[off:], entry)
	nl := l.clone()
	nl.overrides[off] = entry
	return c, nl, nil
}

// PastRAM is the physical frame PointPastRAM puts into entries: 1 TiB, aligned
// for every page size and far beyond any RAM the model can have.
const PastRAM = 1 << 40

// PointPastRAM returns a copy of b in which the entry that maps va points at
// physical memory beyond RAM (PastRAM, flag bits kept), and its oracle: a correct
// reader then reports va as NotDumped.
func PointPastRAM(b []byte, l *Layout, va uint64) ([]byte, *Layout, error) {
	_, val, frame, err := l.entryLoc(va)
	if err != nil {
		return nil, nil, err
	}
	if val&PG_V == 0 {
		return nil, nil, fmt.Errorf("dumptest: VA %#x is not mapped in a %v file", va, l.Format)
	}
	return CorruptEntry(b, l, va, val&^frame|PastRAM)
}

// BitmapExtraBits returns a copy of the minidump b with n more bitmap bits set
// than there are data pages (the highest clear bits below bitmapsize*8, so as few
// pages as possible change rank), and its oracle: pages whose rank now points past
// the end of the file are Truncated, pages after an inserted bit read the bytes of
// their new rank.
func BitmapExtraBits(b []byte, l *Layout, n int) ([]byte, *Layout, error) {
	if !l.Format.IsMinidump() {
		return nil, nil, fmt.Errorf("dumptest: %v has no bitmap", l.Format)
	}
	if int64(len(b)) < l.BitmapOff+l.BitmapLen {
		return nil, nil, fmt.Errorf("dumptest: file too short for its bitmap")
	}
	c := append([]byte(nil), b...)
	bm := c[l.BitmapOff : l.BitmapOff+int64(l.BitmapSize)]
	added := 0
	for id := uint64(len(bm))*8 - 1; added < n; id-- {
		if bm[id/8]&(1<<(id%8)) == 0 {
			bm[id/8] |= 1 << (id % 8)
			added++
		}
		if id == 0 {
			break
		}
	}
	if added < n {
		return nil, nil, fmt.Errorf("dumptest: bitmap has only %d clear bits", added)
	}
	nl := l.clone()
	nl.src = make(map[int64]uint64, len(l.Pages))
	for pa, off := range l.Pages {
		if s, ok := l.src[off]; ok {
			pa = s
		}
		nl.src[off] = pa
	}
	nl.Pages = make(map[uint64]int64, len(l.Pages)+n)
	off := l.DataOff
	for id := uint64(0); id < uint64(len(bm))*8; id++ {
		if bm[id/8]&(1<<(id%8)) == 0 {
			continue
		}
		pa, ok := l.bitPA(id)
		if !ok {
			pa = 1<<52 + id*PageSize // a bit past the last dump_avail range: unreachable
		}
		nl.Pages[pa] = off
		off += PageSize
	}
	nl.NumPages = int64(len(nl.Pages))
	return c, nl, nil
}

// ELFSetPhnum returns a copy of the ELF file b with e_phnum set to n.
func ELFSetPhnum(b []byte, n uint16) []byte {
	c := append([]byte(nil), b...)
	if len(c) >= 58 {
		binary.LittleEndian.PutUint16(c[56:], n)
	}
	return c
}

// ELFSetPhentsize returns a copy of the ELF file b with e_phentsize set to n.
func ELFSetPhentsize(b []byte, n uint16) []byte {
	c := append([]byte(nil), b...)
	if len(c) >= 56 {
		binary.LittleEndian.PutUint16(c[54:], n)
	}
	return c
}

// ELFSetPhoff returns a copy of the ELF file b with e_phoff set to off.
func ELFSetPhoff(b []byte, off uint64) []byte {
	c := append([]byte(nil), b...)
	if len(c) >= 40 {
		binary.LittleEndian.PutUint64(c[32:], off)
	}
	return c
}

// ELFOverlongLoad returns a copy of the ELF file b whose i-th program header (a
// PT_LOAD) claims p_filesz = p_memsz reaching 1 MiB past the end of the file.
func ELFOverlongLoad(b []byte, i int) ([]byte, error) {
	if len(b) < ehdrSize {
		return nil, fmt.Errorf("dumptest: not an ELF file")
	}
	le := binary.LittleEndian
	phoff := le.Uint64(b[32:])
	phnum := int(le.Uint16(b[56:]))
	if i < 0 || i >= phnum || phoff+uint64(i+1)*phdrSize > uint64(len(b)) {
		return nil, fmt.Errorf("dumptest: no program header %d", i)
	}
	c := append([]byte(nil), b...)
	ph := c[phoff+uint64(i)*phdrSize:]
	if le.Uint32(ph) != ptLoad {
		return nil, fmt.Errorf("dumptest: program header %d is not PT_LOAD", i)
	}
	size := uint64(len(b)) + 1<<20 - le.Uint64(ph[8:])
	le.PutUint64(ph[32:], size)
	le.PutUint64(ph[40:], size)
	return c, nil
}
