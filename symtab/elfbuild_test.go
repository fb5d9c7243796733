package symtab

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// This file writes small ELF64 little-endian x86-64 files byte by byte, following
// the System V gABI layouts (Elf64_Ehdr 64 bytes, Elf64_Shdr 64 bytes, Elf64_Sym 24
// bytes), so test expectations do not depend on the parser under test.

// ELF constants, spelled out here rather than taken from debug/elf.
const (
	tET_EXEC = 2
	tET_DYN  = 3
	tEM_X86  = 62

	tSHT_PROGBITS = 1
	tSHT_SYMTAB   = 2
	tSHT_STRTAB   = 3
	tSHT_NOBITS   = 8
	tSHT_DYNSYM   = 11

	tSHF_WRITE = 1
	tSHF_ALLOC = 2
	tSHF_EXEC  = 4

	tSTB_LOCAL  = 0
	tSTB_GLOBAL = 1
	tSTB_WEAK   = 2

	tSTT_NOTYPE  = 0
	tSTT_OBJECT  = 1
	tSTT_FUNC    = 2
	tSTT_SECTION = 3
	tSTT_FILE    = 4

	tSHN_UNDEF  = 0
	tSHN_ABS    = 0xfff1
	tSHN_COMMON = 0xfff2
)

// tsec is one section to write. Index 0 (the null section) and the trailing
// .shstrtab are added by buildELF.
type tsec struct {
	name    string
	typ     uint32
	flags   uint64
	addr    uint64
	data    []byte // file contents; nil for SHT_NOBITS
	size    uint64 // sh_size when data is nil (SHT_NOBITS)
	link    uint32
	info    uint32
	align   uint64
	entsize uint64
}

// tsym is one symbol to write.
type tsym struct {
	name  string
	bind  byte
	typ   byte
	shndx uint16
	value uint64
	size  uint64
}

// tstrtab builds an ELF string table: a leading NUL, then each name and a NUL.
type tstrtab struct{ b []byte }

func newStrtab() *tstrtab { return &tstrtab{b: []byte{0}} }

func (s *tstrtab) add(name string) uint32 {
	if name == "" {
		return 0
	}
	off := uint32(len(s.b))
	s.b = append(s.b, name...)
	s.b = append(s.b, 0)
	return off
}

// symtabPair returns a symbol table section (sh_link = strIndex) and its string
// table. syms excludes the null symbol, which is written first. info is the index
// of the first non-local symbol.
func symtabPair(name, strName string, typ uint32, strIndex uint32, syms []tsym) (tsec, tsec) {
	st := newStrtab()
	b := make([]byte, 24) // null symbol
	info := uint32(1)
	for i, s := range syms {
		b = binary.LittleEndian.AppendUint32(b, st.add(s.name))
		b = append(b, s.bind<<4|s.typ&0xf, 0)
		b = binary.LittleEndian.AppendUint16(b, s.shndx)
		b = binary.LittleEndian.AppendUint64(b, s.value)
		b = binary.LittleEndian.AppendUint64(b, s.size)
		if s.bind == tSTB_LOCAL {
			info = uint32(i + 2)
		}
	}
	sym := tsec{name: name, typ: typ, data: b, link: strIndex, info: info, align: 8, entsize: 24}
	str := tsec{name: strName, typ: tSHT_STRTAB, data: st.b, align: 1}
	return sym, str
}

// telf is a written ELF file and where its parts are.
type telf struct {
	b     []byte
	shoff uint64
	offs  []uint64 // file offset of each section's contents, by section index
	nsec  int
}

// shdr returns the file offset of section header i.
func (e *telf) shdr(i int) uint64 { return e.shoff + uint64(i)*64 }

func (e *telf) clone() *telf {
	c := *e
	c.b = append([]byte(nil), e.b...)
	return &c
}

func (e *telf) put16(off uint64, v uint16) { binary.LittleEndian.PutUint16(e.b[off:], v) }
func (e *telf) put32(off uint64, v uint32) { binary.LittleEndian.PutUint32(e.b[off:], v) }
func (e *telf) put64(off uint64, v uint64) { binary.LittleEndian.PutUint64(e.b[off:], v) }

// Field offsets inside Elf64_Ehdr and Elf64_Shdr.
const (
	ehType      = 16
	ehMachine   = 18
	ehVersion   = 20
	ehEntry     = 24
	ehShoff     = 40
	ehShentsize = 58
	ehShnum     = 60
	ehShstrndx  = 62

	shName    = 0
	shType    = 4
	shFlags   = 8
	shAddr    = 16
	shOffset  = 24
	shSize    = 32
	shLink    = 40
	shInfo    = 44
	shEntsize = 56
)

// buildELF writes an ELF64 LSB x86-64 file of type etype with the given sections
// (indices 1..len(secs)) and a .shstrtab after them.
func buildELF(etype uint16, entry uint64, secs []tsec) *telf {
	shstr := newStrtab()
	all := append([]tsec{{}}, secs...)
	nameOffs := make([]uint32, len(all)+1)
	for i := 1; i < len(all); i++ {
		nameOffs[i] = shstr.add(all[i].name)
	}
	nameOffs[len(all)] = shstr.add(".shstrtab")
	all = append(all, tsec{name: ".shstrtab", typ: tSHT_STRTAB, data: shstr.b, align: 1})

	b := make([]byte, 64)
	offs := make([]uint64, len(all))
	for i := 1; i < len(all); i++ {
		for len(b)%16 != 0 {
			b = append(b, 0)
		}
		offs[i] = uint64(len(b))
		b = append(b, all[i].data...)
	}
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	shoff := uint64(len(b))
	for i, s := range all {
		size := uint64(len(s.data))
		if s.data == nil {
			size = s.size
		}
		off := offs[i]
		b = binary.LittleEndian.AppendUint32(b, nameOffs[i])
		b = binary.LittleEndian.AppendUint32(b, s.typ)
		b = binary.LittleEndian.AppendUint64(b, s.flags)
		b = binary.LittleEndian.AppendUint64(b, s.addr)
		b = binary.LittleEndian.AppendUint64(b, off)
		b = binary.LittleEndian.AppendUint64(b, size)
		b = binary.LittleEndian.AppendUint32(b, s.link)
		b = binary.LittleEndian.AppendUint32(b, s.info)
		b = binary.LittleEndian.AppendUint64(b, s.align)
		b = binary.LittleEndian.AppendUint64(b, s.entsize)
	}

	// Elf64_Ehdr.
	copy(b[0:], "\x7fELF")
	b[4] = 2 // ELFCLASS64
	b[5] = 1 // ELFDATA2LSB
	b[6] = 1 // EV_CURRENT
	b[7] = 0 // ELFOSABI_NONE
	e := &telf{b: b, shoff: shoff, offs: offs, nsec: len(all)}
	e.put16(ehType, etype)
	e.put16(ehMachine, tEM_X86)
	e.put32(ehVersion, 1)
	e.put64(ehEntry, entry)
	e.put64(32, 0) // e_phoff
	e.put64(ehShoff, shoff)
	e.put32(48, 0)  // e_flags
	e.put16(52, 64) // e_ehsize
	e.put16(54, 56) // e_phentsize
	e.put16(56, 0)  // e_phnum
	e.put16(ehShentsize, 64)
	e.put16(ehShnum, uint16(len(all)))
	e.put16(ehShstrndx, uint16(len(all)-1))
	return e
}

// writeTemp writes b to a file in a per-test directory and returns its path.
func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
