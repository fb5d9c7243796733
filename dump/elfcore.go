package dump

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"sort"
)

const (
	elfMagic = "\x7fELF"

	elfHeaderSize    = 64
	elfPhdrSize      = 56
	etCore           = 4
	etExec           = 2
	emX86_64         = 62
	ptLoad           = 1
	ptNote           = 4
	osabiStandalone  = 255
	pnXNum           = 0xffff
	maxPhysAddrWidth = 52
)

// loadSeg is a PT_LOAD: [addr, addr+memSize) of memory, of which the first fileSize
// bytes are at off in the file.
type loadSeg struct {
	addr, memSize, fileSize uint64
	off                     int64
}

// segMap maps addresses to file offsets through sorted, non-overlapping PT_LOADs.
type segMap struct {
	b    *backing
	segs []loadSeg
	phys bool
}

func (m *segMap) lookup(a uint64) (int64, int, *FaultError) {
	i := sort.Search(len(m.segs), func(i int) bool { return m.segs[i].addr+m.segs[i].memSize > a })
	if i == len(m.segs) || a < m.segs[i].addr {
		kind := Unmapped
		if m.phys {
			kind = NotDumped
		}
		return 0, 0, &FaultError{Kind: kind, Detail: "in no PT_LOAD segment"}
	}
	s := &m.segs[i]
	rel := a - s.addr
	if rel >= s.fileSize {
		return 0, 0, &FaultError{Kind: NotDumped, Detail: fmt.Sprintf("in the part of the PT_LOAD at %#x that has no file data (p_filesz %#x < p_memsz %#x)", s.addr, s.fileSize, s.memSize)}
	}
	// rel can be as large as p_filesz (any 64-bit value): add in uint64 and check
	// for overflow, so a huge segment can never yield a negative file offset.
	uoff, carry := bits.Add64(uint64(s.off), rel, 0)
	if carry != 0 || uoff >= uint64(m.b.size) {
		where := fmt.Sprintf("%#x", uoff)
		if carry != 0 {
			where = fmt.Sprintf("%#x + %#x", s.off, rel)
		}
		return 0, 0, &FaultError{Kind: Truncated, Detail: fmt.Sprintf("belongs at file offset %s, past the end of the file (%d bytes)", where, m.b.size)}
	}
	off := int64(uoff)
	n := uint64(PageSize - a&PageMask)
	if rem := s.fileSize - rel; n > rem {
		n = rem
	}
	if rem := uint64(m.b.size - off); n > rem {
		n = rem
	}
	return off, int(n), nil
}

func (m *segMap) ptoo(pa uint64) (int64, int, *FaultError) { return m.lookup(pa) }
func (m *segMap) vtop(va uint64) (int64, int, *FaultError) { return m.lookup(va) }

// openELF reads the ELF header and program headers with its own bounds-checked
// parser (debug/elf trusts e_phnum and can allocate what the header claims).
func (c *Core) openELF(o *options) error {
	name, size := c.b.name, c.b.size
	var eh [elfHeaderSize]byte
	if n, _ := c.b.readAt(eh[:], 0); n < elfHeaderSize {
		return fmt.Errorf("%s: ELF header truncated: file has %d bytes, want %d", name, n, elfHeaderSize)
	}
	if eh[4] != 2 {
		return fmt.Errorf("%s: offset 4: ELF class %d, want ELFCLASS64 (2): only amd64 dumps are supported", name, eh[4])
	}
	if eh[5] != 1 {
		return fmt.Errorf("%s: offset 5: ELF data encoding %d, want little-endian (1)", name, eh[5])
	}
	le16 := func(off int) uint64 { return uint64(binary.LittleEndian.Uint16(eh[off:])) }
	le64 := func(off int) uint64 { return binary.LittleEndian.Uint64(eh[off:]) }
	etype, machine := le16(16), le16(18)
	if machine != emX86_64 {
		return fmt.Errorf("%s: offset 18: e_machine %d, want EM_X86_64 (62)", name, machine)
	}
	if etype == etExec {
		return fmt.Errorf("%s: an executable (ET_EXEC), not a core: is this the kernel? (-M takes the vmcore, -N the kernel)", name)
	}
	if etype != etCore {
		return fmt.Errorf("%s: offset 16: e_type %d, want ET_CORE (4)", name, etype)
	}
	phoff, phentsize, phnum := le64(32), le16(54), le16(56)
	if phnum == pnXNum { // the real count is in section header 0's sh_info
		shoff := le64(40)
		if shoff > uint64(size) || uint64(size)-shoff < 64 {
			return fmt.Errorf("%s: e_phnum is PN_XNUM but section header 0 at offset %#x lies past the end of the file", name, shoff)
		}
		var sh [64]byte
		c.b.readAt(sh[:], int64(shoff))
		phnum = uint64(binary.LittleEndian.Uint32(sh[44:]))
	}
	if phentsize < elfPhdrSize {
		return fmt.Errorf("%s: offset 54: e_phentsize %d, want at least %d", name, phentsize, elfPhdrSize)
	}
	if phnum == 0 {
		return fmt.Errorf("%s: offset 56: e_phnum is 0 (or PN_XNUM with a 0 sh_info): want at least one program header", name)
	}
	if phoff > uint64(size) || phnum > (uint64(size)-phoff)/phentsize {
		return fmt.Errorf("%s: offset 32: %d program headers of %d bytes at offset %#x lie past the end of the file (%d bytes)", name, phnum, phentsize, phoff, size)
	}
	// Sized once from the (checked) header count: appending would reallocate, and
	// a file of nothing but PT_LOADs would cost several times its size.
	segs := make([]loadSeg, 0, phnum)
	nwarn := 0 // warnings repeated per program header
	virtual := eh[7] != osabiStandalone
	standalone := !virtual
	notes := false
	var ph [elfPhdrSize]byte
	for i := uint64(0); i < phnum; i++ {
		at := int64(phoff + i*phentsize)
		c.b.readAt(ph[:], at)
		p32 := func(off int) uint64 { return uint64(binary.LittleEndian.Uint32(ph[off:])) }
		p64 := func(off int) uint64 { return binary.LittleEndian.Uint64(ph[off:]) }
		switch p32(0) {
		case ptNote:
			notes = true
		case ptLoad:
			off, vaddr, paddr, filesz, memsz := p64(8), p64(16), p64(24), p64(32), p64(40)
			if vaddr != paddr || vaddr>>maxPhysAddrWidth != 0 {
				virtual = true
			}
			if filesz > memsz {
				if warnAgain(&nwarn) {
					c.warnf("program header %d (offset %#x): p_filesz %#x > p_memsz %#x; using p_memsz", i, at, filesz, memsz)
				}
				filesz = memsz
			}
			if memsz == 0 {
				continue
			}
			if vaddr+memsz < vaddr {
				return fmt.Errorf("%s: program header %d (offset %#x): segment [%#x, +%#x) wraps the address space", name, i, at, vaddr, memsz)
			}
			if off > uint64(size) {
				if warnAgain(&nwarn) {
					c.warnf("truncated: program header %d (offset %#x): segment data at offset %#x lies past the end of the file (%d bytes)", i, at, off, size)
				}
			} else if uint64(size)-off < filesz {
				if warnAgain(&nwarn) {
					c.warnf("truncated: program header %d: segment data [%#x, %#x) extends past the end of the file (%d bytes)", i, off, off+filesz, size)
				}
			}
			segs = append(segs, loadSeg{addr: vaddr, memSize: memsz, fileSize: filesz, off: clampOff(off, 0)})
		}
	}
	if len(segs) == 0 {
		return fmt.Errorf("%s: none of the %d program headers at offset %#x is a PT_LOAD: an ELF core without memory", name, phnum, phoff)
	}
	if standalone && notes {
		// dumpsys writes no notes; keep the standalone verdict but say so.
		c.warnf("ELF core has ELFOSABI_STANDALONE and PT_NOTE segments")
	}
	// A full dump's PT_LOADs carry physical addresses (p_vaddr == p_paddr,
	// ELFOSABI_STANDALONE); anything else is read as a virtual core.
	if notes && !standalone {
		virtual = true
	}
	phys := !virtual
	segs = c.sortSegments(segs, &nwarn)
	if nwarn > maxRepeatedWarnings {
		c.warnf("%d more warnings about program headers like the ones above", nwarn-maxRepeatedWarnings)
	}
	sm := &segMap{b: c.b, segs: segs, phys: phys}
	c.pageLinear = true // every page lies whole in one segment, contiguously
	for _, s := range segs {
		if s.addr&PageMask != 0 || s.memSize&PageMask != 0 || s.fileSize&PageMask != 0 || s.off&PageMask != 0 {
			c.pageLinear = false
		}
	}
	var present uint64
	c.segs = make([]Segment, 0, len(segs))
	for _, s := range segs {
		fs := s.fileSize
		if s.off >= size {
			fs = 0
		} else if rem := uint64(size - s.off); fs > rem {
			fs = rem
		}
		present += fs
		c.segs = append(c.segs, Segment{Name: "load", Offset: s.off, Size: int64(fs), Addr: Addr(s.addr), MemSize: s.memSize, Phys: phys})
	}
	c.info.BytesPresent = present
	c.info.PagesPresent = present / PageSize
	if virtual {
		c.info.Format = ELFVirtual
		c.vt = sm
		return nil
	}
	c.info.Format = ELFFull
	c.pm = sm
	c.setupKernelTables(o)
	return nil
}

// maxSegOff bounds the file offsets kept for PT_LOADs: larger ones (which lie far
// past the end of any file) are clamped so that they stay int64 and every read
// there reports Truncated.
const maxSegOff = 1 << 62

// clampOff returns off as an int64 no larger than maxSegOff; added is what was
// added to get off, so an overflowing sum (off < added) clamps too.
func clampOff(off, added uint64) int64 {
	if off < added || off > maxSegOff {
		return maxSegOff
	}
	return int64(off)
}

// maxRepeatedWarnings bounds the warnings a file can cause once per program
// header: 65535 bad headers make a short list and a small allocation, not one
// line each.
const maxRepeatedWarnings = 8

// warnAgain counts one more such warning in *n and reports whether to emit it
// (the caller formats it only then: boxing the arguments of 65535 unused
// warnings would cost more than the program headers).
func warnAgain(n *int) bool {
	*n++
	return *n <= maxRepeatedWarnings
}

// sortSegments orders PT_LOADs by address and drops overlaps (the first header
// wins, as in libkvm's linear scan). It sorts and trims segs in place (a stable
// sort keeps file order among equal addresses); nwarn counts repeated warnings.
func (c *Core) sortSegments(segs []loadSeg, nwarn *int) []loadSeg {
	slices.SortStableFunc(segs, func(a, b loadSeg) int { return cmp.Compare(a.addr, b.addr) })
	out := segs[:0] // out never overtakes the element being read
	for _, s := range segs {
		if n := len(out); n > 0 {
			prev := &out[n-1]
			if end := prev.addr + prev.memSize; s.addr < end {
				if warnAgain(nwarn) {
					c.warnf("PT_LOAD at %#x overlaps the one at %#x; the overlapping part is ignored", s.addr, prev.addr)
				}
				if s.addr+s.memSize <= end {
					continue
				}
				cut := end - s.addr
				s.addr, s.memSize, s.off = end, s.memSize-cut, clampOff(uint64(s.off)+cut, cut)
				if s.fileSize > cut {
					s.fileSize -= cut
				} else {
					s.fileSize = 0
				}
			}
		}
		out = append(out, s)
	}
	return out
}
