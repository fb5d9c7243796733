package dumptest

import (
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"sort"

	"github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/zstd"

	"github.com/kdump-bsd/kdump/dump"
)

// ELF constants used by the writers.
const (
	elfOSABINone       = 0
	elfOSABIStandalone = 255
	etCore             = 4
	emX86_64           = 62
	pfX                = 1
	pfW                = 2
	pfR                = 4
	ntPRStatus         = 1
	ehdrSize           = 64
	phdrSize           = 56
	prstatusSize       = 224 // FreeBSD/DragonFly amd64 prstatus_t
	noteName           = "FreeBSD"
)

func putEhdr(b []byte, osabi byte, phnum int) {
	le := binary.LittleEndian
	copy(b, "\x7fELF")
	b[4] = 2 // ELFCLASS64
	b[5] = 1 // ELFDATA2LSB
	b[6] = 1 // EV_CURRENT
	b[7] = osabi
	le.PutUint16(b[16:], etCore)
	le.PutUint16(b[18:], emX86_64)
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[32:], ehdrSize) // e_phoff
	le.PutUint16(b[52:], ehdrSize)
	le.PutUint16(b[54:], phdrSize)
	le.PutUint16(b[56:], uint16(phnum))
	le.PutUint16(b[58:], 64) // e_shentsize (no sections)
}

func putPhdr(b []byte, s Segment, flags uint32, align uint64) {
	le := binary.LittleEndian
	le.PutUint32(b[0:], s.Type)
	le.PutUint32(b[4:], flags)
	le.PutUint64(b[8:], uint64(s.Off))
	le.PutUint64(b[16:], s.VAddr)
	le.PutUint64(b[24:], s.PAddr)
	le.PutUint64(b[32:], uint64(s.Size))
	le.PutUint64(b[40:], uint64(s.Size))
	le.PutUint64(b[48:], align)
}

// writeELFFull writes an ELF full dump: one PT_LOAD per RAM range, p_paddr =
// p_vaddr = physical start (spec §5.1).
func (m *Memory) writeELFFull(w io.Writer, o WriteOptions) (*Layout, error) {
	ram := m.RAM()
	if len(ram) > 0xfffe {
		return nil, fmt.Errorf("dumptest: %d RAM ranges do not fit in e_phnum", len(ram))
	}
	l := &Layout{Format: dump.ELFFull, Options: o, mem: m, HeaderSize: ehdrSize, PhOff: ehdrSize}
	hdrLen := ehdrSize + phdrSize*len(ram)
	l.MinSize = int64(hdrLen)
	off := int64(roundPage(uint64(hdrLen)))
	l.DataOff = off
	for _, r := range ram {
		s := Segment{Type: ptLoad, VAddr: r[0], PAddr: r[0], Off: off, Size: int64(r[1] - r[0])}
		l.Segments = append(l.Segments, s)
		off += s.Size
		l.NumPages += s.Size / PageSize
	}
	l.FileSize = off
	hdr := make([]byte, hdrLen)
	putEhdr(hdr, elfOSABIStandalone, len(ram))
	for i, s := range l.Segments {
		putPhdr(hdr[ehdrSize+i*phdrSize:], s, pfR, PageSize)
	}
	cw := newCountWriter(w)
	cw.Write(hdr)
	cw.padTo(l.DataOff)
	for _, r := range ram {
		for pa := r[0]; pa < r[1]; pa += PageSize {
			cw.physPage(m, pa)
		}
	}
	if err := cw.finish(); err != nil {
		return nil, err
	}
	return l, nil
}

// virtualSegments lists the PT_LOADs of an ELFVirtual core: maximal runs of
// contiguous kernel VA pages at or above kernbase that map RAM, plus (VirtualDMAP)
// the direct map of each RAM range. Offsets are not filled in.
func (m *Memory) virtualSegments(o WriteOptions) []Segment {
	var segs []Segment
	if o.VirtualDMAP {
		for _, r := range m.RAM() {
			va := o.DMAPBase + r[0]
			if va < o.DMAPBase || o.DMAPBase+r[1] > o.DMAPEnd || o.DMAPBase+r[1] < va {
				continue
			}
			segs = append(segs, Segment{Type: ptLoad, VAddr: va, Size: int64(r[1] - r[0]), DMAP: true})
		}
	}
	kb := o.KernBase
	ram := m.RAM()
	m.Mappings(kb, func(mp Mapping) bool {
		va, pa, size := mp.VA, mp.PA, mp.Size
		if va < kb {
			va, pa, size = kb, pa+(kb-va), size-(kb-va)
		}
		// The parts of [pa, pa+size) that are RAM, as VA runs.
		for _, r := range ram {
			lo, hi := max(pa, r[0]), min(pa+size, r[1])
			if lo >= hi {
				continue
			}
			v := va + (lo - pa)
			if n := len(segs); n > 0 && !segs[n-1].DMAP && segs[n-1].VAddr+uint64(segs[n-1].Size) == v {
				segs[n-1].Size += int64(hi - lo)
				continue
			}
			segs = append(segs, Segment{Type: ptLoad, VAddr: v, Size: int64(hi - lo)})
		}
		return true
	})
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].VAddr < segs[j].VAddr })
	return segs
}

// prstatus returns an NT_PRSTATUS note the way user and vkernel cores carry one.
func prstatusNote() []byte {
	name := noteName + "\x00"
	namesz := len(name)
	b := make([]byte, 12+(namesz+3)&^3+prstatusSize)
	le := binary.LittleEndian
	le.PutUint32(b[0:], uint32(namesz))
	le.PutUint32(b[4:], prstatusSize)
	le.PutUint32(b[8:], ntPRStatus)
	copy(b[12:], name)
	d := b[12+(namesz+3)&^3:]
	le.PutUint32(d[0:], 1)            // pr_version
	le.PutUint64(d[8:], prstatusSize) // pr_statussz
	le.PutUint64(d[16:], 22*8)        // pr_gregsetsz
	le.PutUint64(d[24:], 512)         // pr_fpregsetsz
	return b
}

// writeELFVirtual writes an ELF core whose PT_LOADs carry kernel virtual
// addresses (p_paddr 0), preceded by a PT_NOTE.
func (m *Memory) writeELFVirtual(w io.Writer, o WriteOptions) (*Layout, error) {
	loads := m.virtualSegments(o)
	phnum := 1 + len(loads)
	if phnum > 0xfffe {
		return nil, fmt.Errorf("dumptest: %d segments do not fit in e_phnum", phnum)
	}
	note := prstatusNote()
	l := &Layout{Format: dump.ELFVirtual, Options: o, mem: m, HeaderSize: ehdrSize, PhOff: ehdrSize}
	noteOff := int64(ehdrSize + phdrSize*phnum)
	l.MinSize = noteOff
	off := int64(roundPage(uint64(noteOff) + uint64(len(note))))
	l.DataOff = off
	l.Segments = append(l.Segments, Segment{Type: ptNote, Off: noteOff, Size: int64(len(note))})
	for _, s := range loads {
		s.Off = off
		off += s.Size
		l.NumPages += s.Size / PageSize
		l.Segments = append(l.Segments, s)
	}
	l.FileSize = off
	hdr := make([]byte, noteOff)
	putEhdr(hdr, elfOSABINone, phnum)
	for i, s := range l.Segments {
		flags, align := uint32(pfR|pfW), uint64(PageSize)
		if s.Type == ptNote {
			flags, align = pfR, 4
		}
		putPhdr(hdr[ehdrSize+i*phdrSize:], s, flags, align)
	}
	cw := newCountWriter(w)
	cw.Write(hdr)
	cw.Write(note)
	cw.padTo(l.DataOff)
	for _, s := range loads {
		for va := s.VAddr; va-s.VAddr < uint64(s.Size); va += PageSize {
			pa := va - o.DMAPBase
			if !s.DMAP {
				pa, _ = m.Translate(va)
			}
			cw.physPage(m, pa)
		}
	}
	if err := cw.finish(); err != nil {
		return nil, err
	}
	return l, nil
}

// writeRaw writes the RAM image: file offset = PA, PhysSize bytes, holes as zeros.
func (m *Memory) writeRaw(w io.Writer, o WriteOptions) (*Layout, error) {
	l := &Layout{Format: dump.Raw, Options: o, mem: m, FileSize: int64(m.physSize), NumPages: int64(m.npages)}
	l.Segments = []Segment{{Type: ptLoad, Size: int64(m.physSize)}}
	cw := newCountWriter(w)
	for pa := uint64(0); pa < m.physSize; pa += PageSize {
		if m.holeSet.get(pa / PageSize) {
			cw.Write(zeroPage[:])
			continue
		}
		cw.physPage(m, pa)
	}
	if err := cw.finish(); err != nil {
		return nil, err
	}
	return l, nil
}

// CompressedExt returns the file-name extension savecore-style tools use for c
// (".gz", ".zst", ".bz2", "" for none).
func CompressedExt(c dump.Compression) string {
	switch c {
	case dump.Gzip:
		return ".gz"
	case dump.Zstd:
		return ".zst"
	case dump.Bzip2:
		return ".bz2"
	}
	return ""
}

// WriteCompressed writes the dump of format f compressed with c. The returned
// Layout describes the uncompressed stream.
func (m *Memory) WriteCompressed(w io.Writer, f dump.Format, opt WriteOptions, c dump.Compression) (*Layout, error) {
	var (
		zw  io.WriteCloser
		err error
	)
	switch c {
	case dump.NoCompression:
		return m.Write(w, f, opt)
	case dump.Gzip:
		zw, err = gzip.NewWriterLevel(w, gzip.BestSpeed)
	case dump.Zstd:
		zw, err = zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	case dump.Bzip2:
		zw, err = bzip2.NewWriter(w, &bzip2.WriterConfig{Level: bzip2.BestSpeed})
	default:
		return nil, fmt.Errorf("dumptest: unknown compression %q", c)
	}
	if err != nil {
		return nil, err
	}
	l, err := m.Write(zw, f, opt)
	if err != nil {
		zw.Close()
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	l.Compression = c
	return l, nil
}
