package symtab

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
)

// Sizes of the ELF64 structures read here.
const (
	ehdrSize = 64 // Elf64_Ehdr
	shdrSize = 64 // Elf64_Shdr
	symSize  = 24 // Elf64_Sym
)

// Limits applied before allocating, in addition to the file size. A 2020 DragonFly
// GENERIC kernel has about 50,000 symbols and a string table under 2 MB; the limits
// leave two orders of magnitude of room.
const (
	maxSymbols  = 1 << 22 // symbol table entries (96 MiB of Elf64_Sym)
	maxStrtab   = 1 << 28 // bytes of a string table
	maxShstrtab = 1 << 24 // bytes of the section name table
	maxDataRead = 1 << 26 // bytes one ReadData call may return
	maxWarnings = 16      // warnings kept per table
	elfMagic    = "\x7fELF"
)

// Open opens the kernel ELF file at path read-only and loads its symbol table.
// The file stays open for ReadData and CString until Close.
func Open(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file (%v)", path, fi.Mode().Type())
	}
	t, err := OpenReader(f, fi.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.closer = f
	return t, nil
}

// OpenReader loads the symbol table of the kernel ELF image held by r, which has
// size bytes; name is used in error messages and returned by Path. The Table reads
// r again for ReadData and CString, so r must stay usable while the Table is; Close
// does not close r.
func OpenReader(r io.ReaderAt, size int64, name string) (t *Table, err error) {
	defer func() {
		if p := recover(); p != nil {
			t = nil
			err = formatErr(name, -1, ErrMalformed, "internal error while parsing the ELF file: %v", p)
		}
	}()
	if size < 0 {
		return nil, formatErr(name, -1, ErrMalformed, "negative file size %d", size)
	}
	p := &parser{r: r, size: uint64(size), name: name}
	return p.parse()
}

// parser holds the state of one OpenReader call.
type parser struct {
	r    io.ReaderAt
	size uint64
	name string
	t    *Table
}

// errf returns a *FormatError for this file.
func (p *parser) errf(off uint64, cat error, format string, args ...any) error {
	o := int64(-1)
	if off <= 1<<63-1 {
		o = int64(off)
	}
	return formatErr(p.name, o, cat, format, args...)
}

// fits reports whether [off, off+n) lies inside the file, without overflow.
func (p *parser) fits(off, n uint64) bool {
	return off <= p.size && n <= p.size-off
}

// read reads exactly n bytes at off, which the caller has checked with fits.
func (p *parser) read(off, n uint64, what string) ([]byte, error) {
	if !p.fits(off, n) {
		return nil, p.errf(off, ErrMalformed, "%s (%d bytes) extends past the end of the file (%d bytes)", what, n, p.size)
	}
	b := make([]byte, n)
	if n == 0 {
		return b, nil
	}
	m, err := p.r.ReadAt(b, int64(off))
	if m == len(b) {
		return b, nil
	}
	if err == nil || err == io.EOF {
		return nil, p.errf(off, ErrMalformed, "reading %s: got %d of %d bytes (file shorter than its stated size %d)", what, m, n, p.size)
	}
	return nil, &FormatError{File: p.name, Offset: int64(off), What: fmt.Sprintf("reading %s: %v", what, err), Err: err}
}

// cursor decodes little-endian fields from a buffer with a sticky error: after the
// first out-of-bounds access every further read returns 0 and err stays set.
type cursor struct {
	b   []byte
	off int
	err error
}

func (c *cursor) take(n int) []byte {
	if c.err != nil {
		return nil
	}
	if n > len(c.b)-c.off {
		c.err = fmt.Errorf("need %d bytes at buffer offset %d, have %d", n, c.off, len(c.b)-c.off)
		return nil
	}
	s := c.b[c.off : c.off+n]
	c.off += n
	return s
}

func (c *cursor) u8() uint8 {
	if s := c.take(1); s != nil {
		return s[0]
	}
	return 0
}

func (c *cursor) u16() uint16 {
	if s := c.take(2); s != nil {
		return binary.LittleEndian.Uint16(s)
	}
	return 0
}

func (c *cursor) u32() uint32 {
	if s := c.take(4); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

func (c *cursor) u64() uint64 {
	if s := c.take(8); s != nil {
		return binary.LittleEndian.Uint64(s)
	}
	return 0
}

// rawHeader is the part of Elf64_Ehdr that parsing needs.
type rawHeader struct {
	hdr       FileHeader
	shoff     uint64
	shentsize uint16
	shnum     uint16
	shstrndx  uint16
}

func (p *parser) parse() (*Table, error) {
	p.t = &Table{name: p.name, r: p.r, size: int64(p.size)}
	h, err := p.header()
	if err != nil {
		return nil, err
	}
	p.t.hdr = h.hdr
	if err := p.sections(h); err != nil {
		return nil, err
	}
	if err := p.symbols(); err != nil {
		return nil, err
	}
	p.t.buildIndex()
	return p.t, nil
}

// header reads and validates the ELF header the way __elf_is_okay__ does, plus the
// checks this package needs before it touches the section header table.
func (p *parser) header() (*rawHeader, error) {
	if p.size < elf.EI_NIDENT {
		return nil, p.errf(0, ErrNotELF, "file is %d bytes, too short for an ELF header (%d bytes)", p.size, ehdrSize)
	}
	ident, err := p.read(0, elf.EI_NIDENT, "ELF identification")
	if err != nil {
		return nil, err
	}
	if string(ident[:4]) != elfMagic {
		return nil, p.errf(0, ErrNotELF, "magic % x, want 7f 45 4c 46 (\"\\x7fELF\")", ident[:4])
	}
	if c := elf.Class(ident[elf.EI_CLASS]); c != elf.ELFCLASS64 {
		return nil, p.errf(elf.EI_CLASS, ErrUnsupported, "ELF class %v, want ELFCLASS64 (only 64-bit amd64 kernels are read)", c)
	}
	if d := elf.Data(ident[elf.EI_DATA]); d != elf.ELFDATA2LSB {
		return nil, p.errf(elf.EI_DATA, ErrUnsupported, "ELF data encoding %v, want ELFDATA2LSB (little-endian)", d)
	}
	if v := elf.Version(ident[elf.EI_VERSION]); v != elf.EV_CURRENT {
		return nil, p.errf(elf.EI_VERSION, ErrUnsupported, "ELF identification version %d, want EV_CURRENT (1)", uint8(v))
	}
	if p.size < ehdrSize {
		return nil, p.errf(0, ErrMalformed, "file is %d bytes, too short for an ELF64 header (%d bytes)", p.size, ehdrSize)
	}
	b, err := p.read(0, ehdrSize, "ELF header")
	if err != nil {
		return nil, err
	}
	c := cursor{b: b, off: elf.EI_NIDENT}
	h := &rawHeader{}
	h.hdr.Class = elf.ELFCLASS64
	h.hdr.Data = elf.ELFDATA2LSB
	h.hdr.OSABI = elf.OSABI(ident[elf.EI_OSABI])
	h.hdr.ABIVersion = ident[elf.EI_ABIVERSION]
	h.hdr.Type = elf.Type(c.u16())
	h.hdr.Machine = elf.Machine(c.u16())
	version := c.u32()
	h.hdr.Entry = c.u64()
	_ = c.u64() // e_phoff: program headers are not needed
	h.shoff = c.u64()
	h.hdr.Flags = c.u32()
	_ = c.u16() // e_ehsize
	_ = c.u16() // e_phentsize
	_ = c.u16() // e_phnum
	h.shentsize = c.u16()
	h.shnum = c.u16()
	h.shstrndx = c.u16()
	if c.err != nil {
		return nil, p.errf(0, ErrMalformed, "decoding the ELF header: %v", c.err)
	}

	switch h.hdr.Type {
	case elf.ET_EXEC, elf.ET_DYN:
	case elf.ET_CORE:
		return nil, p.errf(16, ErrUnsupported, "e_type ET_CORE: this is a core file (a crash dump?), not a kernel; want ET_EXEC")
	case elf.ET_REL:
		return nil, p.errf(16, ErrUnsupported, "e_type ET_REL: a relocatable object (a kernel module?), not a linked kernel; its symbol values are not addresses; want ET_EXEC")
	default:
		return nil, p.errf(16, ErrUnsupported, "e_type %v, want ET_EXEC (a linked kernel)", h.hdr.Type)
	}
	if h.hdr.Machine != elf.EM_X86_64 {
		return nil, p.errf(18, ErrUnsupported, "e_machine %v, want EM_X86_64 (amd64)", h.hdr.Machine)
	}
	if version != uint32(elf.EV_CURRENT) {
		return nil, p.errf(20, ErrUnsupported, "e_version %d, want EV_CURRENT (1)", version)
	}
	if h.shnum == 0 {
		if h.shoff != 0 {
			return nil, p.errf(60, ErrUnsupported, "e_shnum 0 with e_shoff %#x: extended section numbering (65280 or more sections) is not supported", h.shoff)
		}
		return nil, p.errf(60, ErrNoSymtab, "no section header table (e_shnum 0), so no .symtab; nlist needs the symbol table")
	}
	if h.shentsize != shdrSize {
		return nil, p.errf(58, ErrMalformed, "e_shentsize %d, want %d (sizeof(Elf64_Shdr))", h.shentsize, shdrSize)
	}
	if !p.fits(h.shoff, uint64(h.shnum)*shdrSize) {
		return nil, p.errf(40, ErrMalformed, "section header table (%d entries of %d bytes at file offset %#x) extends past the end of the file (%d bytes)",
			h.shnum, shdrSize, h.shoff, p.size)
	}
	return h, nil
}

// sections reads the section header table and, best effort, the section names.
func (p *parser) sections(h *rawHeader) error {
	b, err := p.read(h.shoff, uint64(h.shnum)*shdrSize, "section header table")
	if err != nil {
		return err
	}
	secs := make([]Section, h.shnum)
	c := cursor{b: b}
	nameOff := make([]uint32, h.shnum)
	for i := range secs {
		s := &secs[i]
		s.Index = i
		nameOff[i] = c.u32()
		s.Type = elf.SectionType(c.u32())
		s.Flags = elf.SectionFlag(c.u64())
		s.Addr = c.u64()
		s.Offset = c.u64()
		s.Size = c.u64()
		s.Link = c.u32()
		s.Info = c.u32()
		s.Addralign = c.u64()
		s.Entsize = c.u64()
	}
	if c.err != nil {
		return p.errf(h.shoff, ErrMalformed, "decoding the section header table: %v", c.err)
	}
	p.t.sections = secs
	p.t.shOffset = h.shoff

	// Section names are informational only: nlist finds .symtab by type.
	switch {
	case h.shstrndx == uint16(elf.SHN_UNDEF):
		p.t.warn("e_shstrndx is SHN_UNDEF: section names are unavailable")
		return nil
	case int(h.shstrndx) >= len(secs):
		p.t.warn(fmt.Sprintf("e_shstrndx %d is not below e_shnum %d: section names are unavailable", h.shstrndx, h.shnum))
		return nil
	}
	ss := &secs[h.shstrndx]
	if ss.Type != elf.SHT_STRTAB {
		p.t.warn(fmt.Sprintf("section name table (section %d) has type %v, want SHT_STRTAB: section names are unavailable", h.shstrndx, ss.Type))
		return nil
	}
	if ss.Size > maxShstrtab || !p.fits(ss.Offset, ss.Size) {
		p.t.warn(fmt.Sprintf("section name table (section %d, %d bytes at file offset %#x) extends past the end of the file or the %d-byte limit: section names are unavailable",
			h.shstrndx, ss.Size, ss.Offset, maxShstrtab))
		return nil
	}
	names, err := p.read(ss.Offset, ss.Size, "section name table")
	if err != nil {
		p.t.warn(err.Error() + ": section names are unavailable")
		return nil
	}
	bad := 0
	for i := range secs {
		n, ok := cstring(names, nameOff[i])
		if !ok {
			bad++
			continue
		}
		secs[i].Name = n
	}
	if bad > 0 {
		p.t.warn(fmt.Sprintf("%d section names point outside the section name table or are unterminated", bad))
	}
	return nil
}

// cstring returns the NUL-terminated string at off in b.
func cstring(b []byte, off uint32) (string, bool) {
	if uint64(off) >= uint64(len(b)) {
		return "", false
	}
	s := b[off:]
	for i, c := range s {
		if c == 0 {
			return string(s[:i]), true
		}
	}
	return "", false
}

// symbols loads the first SHT_SYMTAB section and its string table.
func (p *parser) symbols() error {
	secs := p.t.sections
	idx := -1
	dyn := false
	for i := range secs {
		if secs[i].Type == elf.SHT_SYMTAB {
			idx = i
			break
		}
		if secs[i].Type == elf.SHT_DYNSYM {
			dyn = true
		}
	}
	if idx < 0 {
		msg := "no .symtab section (stripped kernel); nlist needs the symbol table"
		if dyn {
			msg += " (.dynsym is present but nlist does not use it)"
		}
		return formatErr(p.name, -1, ErrNoSymtab, "%s", msg)
	}
	st := &secs[idx]
	p.t.symtab = idx
	// The header of section idx, for error offsets.
	shOff := func(i int, field uint64) uint64 { return p.t.shoff(i) + field }

	if !p.fits(st.Offset, st.Size) {
		return p.errf(shOff(idx, 24), ErrMalformed, "symbol table %s (%d bytes at file offset %#x) extends past the end of the file (%d bytes)",
			st.displayName(), st.Size, st.Offset, p.size)
	}
	if st.Entsize != 0 && st.Entsize != symSize {
		return p.errf(shOff(idx, 56), ErrMalformed, "symbol table %s has sh_entsize %d, want %d (sizeof(Elf64_Sym))", st.displayName(), st.Entsize, symSize)
	}
	if st.Size%symSize != 0 {
		return p.errf(shOff(idx, 32), ErrMalformed, "symbol table %s has sh_size %d, not a multiple of %d (sizeof(Elf64_Sym))", st.displayName(), st.Size, symSize)
	}
	n := st.Size / symSize
	if n > maxSymbols {
		return p.errf(shOff(idx, 32), ErrMalformed, "symbol table %s claims %d symbols, more than the limit of %d", st.displayName(), n, maxSymbols)
	}
	if int(st.Link) >= len(secs) || st.Link == 0 {
		return p.errf(shOff(idx, 40), ErrMalformed, "symbol table %s has sh_link %d, want the index of its string table (1..%d)", st.displayName(), st.Link, len(secs)-1)
	}
	ss := &secs[st.Link]
	if ss.Type != elf.SHT_STRTAB {
		return p.errf(shOff(int(st.Link), 4), ErrMalformed, "string table of %s (section %d) has type %v, want SHT_STRTAB", st.displayName(), st.Link, ss.Type)
	}
	if !p.fits(ss.Offset, ss.Size) {
		return p.errf(shOff(int(st.Link), 24), ErrMalformed, "string table %s (%d bytes at file offset %#x) extends past the end of the file (%d bytes)",
			ss.displayName(), ss.Size, ss.Offset, p.size)
	}
	if ss.Size > maxStrtab {
		return p.errf(shOff(int(st.Link), 32), ErrMalformed, "string table %s has %d bytes, more than the limit of %d", ss.displayName(), ss.Size, maxStrtab)
	}

	raw, err := p.read(st.Offset, st.Size, "symbol table "+st.displayName())
	if err != nil {
		return err
	}
	strb, err := p.read(ss.Offset, ss.Size, "string table "+ss.displayName())
	if err != nil {
		return err
	}
	// One string for the whole table: symbol names are substrings of it.
	strs := string(strb)

	syms := make([]esym, n)
	for i := range syms {
		e := raw[i*symSize : (i+1)*symSize]
		nameOff := binary.LittleEndian.Uint32(e[0:])
		s := &syms[i]
		s.info = e[4]
		s.other = e[5]
		s.shndx = binary.LittleEndian.Uint16(e[6:])
		s.value = binary.LittleEndian.Uint64(e[8:])
		s.size = binary.LittleEndian.Uint64(e[16:])
		s.ntype = nlistType(s.typ(), s.bind(), s.shndx, secs)
		if nameOff == 0 && len(strs) == 0 {
			continue // the conventional empty name, with an empty string table
		}
		if uint64(nameOff) >= uint64(len(strs)) {
			return p.errf(st.Offset+uint64(i)*symSize, ErrMalformed, "symbol %d has st_name %#x, past the end of string table %s (%d bytes)",
				i, nameOff, ss.displayName(), len(strs))
		}
		rest := strs[nameOff:]
		end := strings.IndexByte(rest, 0)
		if end < 0 {
			return p.errf(st.Offset+uint64(i)*symSize, ErrMalformed, "symbol %d has st_name %#x, a name not NUL-terminated within string table %s (%d bytes)",
				i, nameOff, ss.displayName(), len(strs))
		}
		s.name = rest[:end]
	}
	p.t.syms = syms
	return nil
}

// shoff returns the file offset of section header i; used only for error messages.
func (t *Table) shoff(i int) uint64 {
	return t.shOffset + uint64(i)*shdrSize
}

// warn records a non-fatal problem found while opening.
func (t *Table) warn(msg string) {
	if len(t.warnings) < maxWarnings {
		t.warnings = append(t.warnings, t.name+": "+msg)
	}
}
