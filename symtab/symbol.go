package symtab

import (
	"debug/elf"
	"fmt"
)

// Symbol is one entry of the kernel's ELF symbol table (.symtab).
type Symbol struct {
	Name    string           // the name in the string table ("allproc", never "_allproc" unless so spelled)
	Value   uint64           // st_value: the kernel virtual address for data and code
	Size    uint64           // st_size in bytes; 0 when unknown
	Type    elf.SymType      // STT_* from st_info
	Bind    elf.SymBind      // STB_* from st_info
	Other   uint8            // st_other (visibility in its low bits)
	Section elf.SectionIndex // st_shndx: a section index or SHN_UNDEF, SHN_ABS, SHN_COMMON, …
	NType   NType            // what nlist(3) reports as n_type for this symbol
	Index   int              // position in the symbol table (0 is the reserved null entry)
}

// esym is the compact form of a symbol kept in a Table (40 bytes instead of the
// exported Symbol's 80); Table.symbol expands it.
type esym struct {
	name        string
	value, size uint64
	shndx       uint16
	info, other uint8
	ntype       NType
}

func (s *esym) typ() elf.SymType  { return elf.ST_TYPE(s.info) }
func (s *esym) bind() elf.SymBind { return elf.ST_BIND(s.info) }

// NType is an a.out-style symbol type as nlist(3) fills n_type for ELF symbols
// (DragonFly lib/libc/gen/nlist.c, elf_sym_to_nlist).
type NType uint8

// The n_type values nlist derives from an ELF symbol. NExt is or-ed into the type of
// global and weak symbols. NFn (0x1f) already has the NExt bit set.
const (
	NUndf NType = 0x00 // N_UNDF: undefined, common, or in an unknown or odd section
	NExt  NType = 0x01 // N_EXT: external (STB_GLOBAL or STB_WEAK)
	NAbs  NType = 0x02 // N_ABS: absolute (SHN_ABS)
	NText NType = 0x04 // N_TEXT: in a read-only SHT_PROGBITS section
	NData NType = 0x06 // N_DATA: in a writable SHT_PROGBITS section
	NBss  NType = 0x08 // N_BSS: in an SHT_NOBITS section
	NFn   NType = 0x1f // N_FN: an STT_FILE symbol under SHN_ABS
)

// String formats t the way <nlist.h> names it, for example "N_DATA|N_EXT".
func (t NType) String() string {
	if t == NFn {
		return "N_FN"
	}
	var s string
	switch t &^ NExt {
	case NUndf:
		s = "N_UNDF"
	case NAbs:
		s = "N_ABS"
	case NText:
		s = "N_TEXT"
	case NData:
		s = "N_DATA"
	case NBss:
		s = "N_BSS"
	default:
		s = fmt.Sprintf("%#x", uint8(t&^NExt))
	}
	if t&NExt != 0 {
		s += "|N_EXT"
	}
	return s
}

// nlistType computes n_type exactly as elf_sym_to_nlist does: SHN_UNDF and
// SHN_COMMON give N_UNDF; SHN_ABS gives N_ABS (N_FN for STT_FILE); an index past the
// section table gives N_UNDF; otherwise SHT_PROGBITS gives N_DATA when SHF_WRITE is
// set and N_TEXT when not, SHT_NOBITS gives N_BSS and any other section type N_UNDF.
// Global and weak symbols get N_EXT.
func nlistType(typ elf.SymType, bind elf.SymBind, shndx uint16, sections []Section) NType {
	var t NType
	switch elf.SectionIndex(shndx) {
	case elf.SHN_UNDEF, elf.SHN_COMMON:
		t = NUndf
	case elf.SHN_ABS:
		if typ == elf.STT_FILE {
			t = NFn
		} else {
			t = NAbs
		}
	default:
		if int(shndx) >= len(sections) {
			t = NUndf
			break
		}
		switch sh := &sections[shndx]; sh.Type {
		case elf.SHT_PROGBITS:
			if sh.Flags&elf.SHF_WRITE != 0 {
				t = NData
			} else {
				t = NText
			}
		case elf.SHT_NOBITS:
			t = NBss
		default:
			t = NUndf
		}
	}
	if bind == elf.STB_GLOBAL || bind == elf.STB_WEAK {
		t |= NExt
	}
	return t
}

// Section describes one section header of the kernel file.
type Section struct {
	Index     int             // position in the section header table
	Name      string          // from .shstrtab; "" when the section name table is unusable
	Type      elf.SectionType // sh_type
	Flags     elf.SectionFlag // sh_flags
	Addr      uint64          // sh_addr: the kernel virtual address of an allocated section
	Offset    uint64          // sh_offset: the file offset of its contents
	Size      uint64          // sh_size in bytes
	Link      uint32          // sh_link (for .symtab, the index of its string table)
	Info      uint32          // sh_info
	Addralign uint64          // sh_addralign
	Entsize   uint64          // sh_entsize
}

// displayName is the section's name for messages: its name, or "section N".
func (s *Section) displayName() string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("section %d", s.Index)
}

// FileHeader holds the ELF header facts of the kernel file that kdump info shows.
type FileHeader struct {
	Class      elf.Class   // always ELFCLASS64 for an opened table
	Data       elf.Data    // always ELFDATA2LSB
	OSABI      elf.OSABI   // e_ident[EI_OSABI]: ELFOSABI_NONE on DragonFly, ELFOSABI_FREEBSD on FreeBSD
	ABIVersion uint8       // e_ident[EI_ABIVERSION]
	Type       elf.Type    // ET_EXEC for kernels (ET_DYN accepted)
	Machine    elf.Machine // always EM_X86_64
	Entry      uint64      // e_entry
	Flags      uint32      // e_flags
}
