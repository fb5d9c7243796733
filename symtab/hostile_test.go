package symtab

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sparseReader serves base and then zeros up to size, so tests can claim files far
// larger than memory.
type sparseReader struct {
	base []byte
	size int64
}

func (r *sparseReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off+int64(n) < r.size {
		if i := off + int64(n); i < int64(len(r.base)) {
			p[n] = r.base[i]
		} else {
			p[n] = 0
		}
		n++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// countingReader fails the test if anything asks for more than limit bytes at once.
type countingReader struct {
	r     io.ReaderAt
	limit int
	t     *testing.T
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	if len(p) > c.limit {
		c.t.Errorf("ReadAt of %d bytes, more than the %d the test allows", len(p), c.limit)
	}
	return c.r.ReadAt(p, off)
}

func TestHostileInput(t *testing.T) {
	good := fixtureELF()
	symSh := good.shdr(fxSecSymtab)
	strSh := good.shdr(fxSecStrtab)
	symOff := good.offs[fxSecSymtab]
	strOff := good.offs[fxSecStrtab]
	size := int64(len(good.b))

	tests := []struct {
		name    string
		mutate  func(e *telf) // applied to a copy of the fixture
		data    []byte        // used instead of the fixture when non-nil
		size    int64         // claimed size when non-zero (a sparseReader serves the rest)
		wantErr error
		wantMsg string
	}{
		{
			name:    "empty file",
			data:    []byte{},
			wantErr: ErrNotELF,
			wantMsg: "kern.0: offset 0x0: file is 0 bytes, too short for an ELF header (64 bytes)",
		},
		{
			name:    "garbage",
			data:    []byte("#!/bin/sh\necho this is not a kernel at all\n"),
			wantErr: ErrNotELF,
			wantMsg: `kern.0: offset 0x0: magic 23 21 2f 62, want 7f 45 4c 46 ("\x7fELF")`,
		},
		{
			name:    "truncated header",
			data:    good.b[:20],
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0x0: file is 20 bytes, too short for an ELF64 header (64 bytes)",
		},
		{
			name:    "32-bit ELF",
			mutate:  func(e *telf) { e.b[4] = 1 },
			wantErr: ErrUnsupported,
			wantMsg: "kern.0: offset 0x4: ELF class ELFCLASS32, want ELFCLASS64 (only 64-bit amd64 kernels are read)",
		},
		{
			name:    "big-endian ELF",
			mutate:  func(e *telf) { e.b[5] = 2 },
			wantErr: ErrUnsupported,
			wantMsg: "kern.0: offset 0x5: ELF data encoding ELFDATA2MSB, want ELFDATA2LSB (little-endian)",
		},
		{
			name:    "identification version",
			mutate:  func(e *telf) { e.b[6] = 0 },
			wantErr: ErrUnsupported,
			wantMsg: "kern.0: offset 0x6: ELF identification version 0, want EV_CURRENT (1)",
		},
		{
			name:    "wrong machine",
			mutate:  func(e *telf) { e.put16(ehMachine, 183) },
			wantErr: ErrUnsupported,
			wantMsg: "kern.0: offset 0x12: e_machine EM_AARCH64, want EM_X86_64 (amd64)",
		},
		{
			name:    "core file",
			mutate:  func(e *telf) { e.put16(ehType, 4) },
			wantErr: ErrUnsupported,
			wantMsg: "kern.0: offset 0x10: e_type ET_CORE: this is a core file (a crash dump?), not a kernel; want ET_EXEC",
		},
		{
			name:    "relocatable object",
			mutate:  func(e *telf) { e.put16(ehType, 1) },
			wantErr: ErrUnsupported,
			wantMsg: "kern.0: offset 0x10: e_type ET_REL: a relocatable object (a kernel module?), not a linked kernel; its symbol values are not addresses; want ET_EXEC",
		},
		{
			name:    "no file type",
			mutate:  func(e *telf) { e.put16(ehType, 0) },
			wantErr: ErrUnsupported,
			wantMsg: "kern.0: offset 0x10: e_type ET_NONE, want ET_EXEC (a linked kernel)",
		},
		{
			name:    "e_version",
			mutate:  func(e *telf) { e.put32(ehVersion, 7) },
			wantErr: ErrUnsupported,
			wantMsg: "kern.0: offset 0x14: e_version 7, want EV_CURRENT (1)",
		},
		{
			name:    "no section headers",
			mutate:  func(e *telf) { e.put16(ehShnum, 0); e.put64(ehShoff, 0) },
			wantErr: ErrNoSymtab,
			wantMsg: "kern.0: offset 0x3c: no section header table (e_shnum 0), so no .symtab; nlist needs the symbol table",
		},
		{
			name:    "extended section numbering",
			mutate:  func(e *telf) { e.put16(ehShnum, 0) },
			wantErr: ErrUnsupported,
			wantMsg: "kern.0: offset 0x3c: e_shnum 0 with e_shoff 0xc30: extended section numbering (65280 or more sections) is not supported",
		},
		{
			name:    "section header size",
			mutate:  func(e *telf) { e.put16(ehShentsize, 40) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0x3a: e_shentsize 40, want 64 (sizeof(Elf64_Shdr))",
		},
		{
			name:    "section header table past EOF",
			mutate:  func(e *telf) { e.put64(ehShoff, uint64(size)) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0x28: section header table (13 entries of 64 bytes at file offset 0xf70) extends past the end of the file (3952 bytes)",
		},
		{
			name:    "section header table offset overflows",
			mutate:  func(e *telf) { e.put64(ehShoff, 0xffffffffffffffc0) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0x28: section header table (13 entries of 64 bytes at file offset 0xffffffffffffffc0) extends past the end of the file (3952 bytes)",
		},
		{
			name:    "too many section headers for the file",
			mutate:  func(e *telf) { e.put16(ehShnum, 0xffff) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0x28: section header table (65535 entries of 64 bytes at file offset 0xc30) extends past the end of the file (3952 bytes)",
		},
		{
			name:    "symtab past EOF",
			mutate:  func(e *telf) { e.put64(symSh+shSize, 1<<40) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xe48: symbol table .symtab (1099511627776 bytes at file offset 0x6d0) extends past the end of the file (3952 bytes)",
		},
		{
			name:    "symtab offset overflows",
			mutate:  func(e *telf) { e.put64(symSh+shOffset, 0xfffffffffffffff0) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xe48: symbol table .symtab (840 bytes at file offset 0xfffffffffffffff0) extends past the end of the file (3952 bytes)",
		},
		{
			name:    "symtab size not a multiple of the entry size",
			mutate:  func(e *telf) { e.put64(symSh+shSize, 24*35-1) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xe50: symbol table .symtab has sh_size 839, not a multiple of 24 (sizeof(Elf64_Sym))",
		},
		{
			name:    "symtab entry size",
			mutate:  func(e *telf) { e.put64(symSh+shEntsize, 16) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xe68: symbol table .symtab has sh_entsize 16, want 24 (sizeof(Elf64_Sym))",
		},
		{
			name:    "sh_link out of range",
			mutate:  func(e *telf) { e.put32(symSh+shLink, 99) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xe58: symbol table .symtab has sh_link 99, want the index of its string table (1..12)",
		},
		{
			name:    "sh_link zero",
			mutate:  func(e *telf) { e.put32(symSh+shLink, 0) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xe58: symbol table .symtab has sh_link 0, want the index of its string table (1..12)",
		},
		{
			name:    "sh_link to a data section",
			mutate:  func(e *telf) { e.put32(symSh+shLink, fxSecData) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xcf4: string table of .symtab (section 3) has type SHT_PROGBITS, want SHT_STRTAB",
		},
		{
			name:    "strtab past EOF",
			mutate:  func(e *telf) { e.put64(strSh+shSize, uint64(size)) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xe88: string table .strtab (3952 bytes at file offset 0xa20) extends past the end of the file (3952 bytes)",
		},
		{
			name:    "name offset past the strtab",
			mutate:  func(e *telf) { e.put32(symOff+3*24, 0xffffff) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0x718: symbol 3 has st_name 0xffffff, past the end of string table .strtab (302 bytes)",
		},
		{
			name:    "name offset one past the strtab",
			mutate:  func(e *telf) { e.put32(symOff+3*24, 302) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0x718: symbol 3 has st_name 0x12e, past the end of string table .strtab (302 bytes)",
		},
		{
			name:    "unterminated name",
			mutate:  func(e *telf) { e.b[strOff+301] = 'X' },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xa00: symbol 34 has st_name 0x122, a name not NUL-terminated within string table .strtab (302 bytes)",
		},
		{
			name: "huge claimed symbol count",
			mutate: func(e *telf) {
				e.put64(symSh+shSize, (maxSymbols+1)*24)
			},
			size:    1 << 40,
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xe50: symbol table .symtab claims 4194305 symbols, more than the limit of 4194304",
		},
		{
			name:    "no symtab but a dynsym",
			mutate:  func(e *telf) { e.put32(symSh+shType, 1); e.put32(e.shdr(fxSecSymtab2)+shType, 1) },
			wantErr: ErrNoSymtab,
			wantMsg: "kern.0: no .symtab section (stripped kernel); nlist needs the symbol table (.dynsym is present but nlist does not use it)",
		},
		{
			name: "no symtab at all",
			mutate: func(e *telf) {
				e.put32(symSh+shType, 1)
				e.put32(e.shdr(fxSecSymtab2)+shType, 1)
				e.put32(e.shdr(fxSecDynsym)+shType, 1)
			},
			wantErr: ErrNoSymtab,
			wantMsg: "kern.0: no .symtab section (stripped kernel); nlist needs the symbol table",
		},
		{
			name:    "file shorter than claimed",
			mutate:  func(e *telf) { e.put64(ehShoff, uint64(size)+100) },
			size:    size + 100 + 13*64,
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xfd4: reading section header table: got 0 of 832 bytes (file shorter than its stated size 4884)",
		},
		{
			name:    "symtab error without section names",
			mutate:  func(e *telf) { e.put64(e.shdr(fxSecShstrtab)+shOffset, 0xffffffff); e.put64(symSh+shEntsize, 8) },
			wantErr: ErrMalformed,
			wantMsg: "kern.0: offset 0xe68: symbol table section 8 has sh_entsize 8, want 24 (sizeof(Elf64_Sym))",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.data
			if b == nil {
				e := good.clone()
				tt.mutate(e)
				b = e.b
			}
			var r io.ReaderAt = bytes.NewReader(b)
			sz := int64(len(b))
			if tt.size != 0 {
				sz = tt.size
				if tt.name == "file shorter than claimed" {
					r = bytes.NewReader(b) // really short: reads past len(b) fail
				} else {
					r = &sparseReader{base: b, size: sz}
				}
			}
			r = &countingReader{r: r, limit: 1 << 20, t: t}
			tab, err := OpenReader(r, sz, "kern.0")
			if err == nil {
				t.Fatalf("OpenReader succeeded with %d symbols, want error %v", tab.Len(), tt.wantErr)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v is not %v", err, tt.wantErr)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != "kern.0" {
				t.Errorf("error %v is not a *FormatError naming kern.0", err)
			}
			if diff := cmp.Diff(tt.wantMsg, err.Error()); diff != "" {
				t.Errorf("error message mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHostileTolerated covers damage nlist does not care about: the table opens.
func TestHostileTolerated(t *testing.T) {
	good := fixtureELF()
	tests := []struct {
		name     string
		mutate   func(e *telf)
		warnings []string
	}{
		{
			name:   "second symtab broken",
			mutate: func(e *telf) { e.put32(e.shdr(fxSecSymtab2)+shLink, 99); e.put64(e.shdr(fxSecSymtab2)+shSize, 1<<50) },
		},
		{
			name:     "section name table past EOF",
			mutate:   func(e *telf) { e.put64(e.shdr(fxSecShstrtab)+shOffset, 0xffffffff) },
			warnings: []string{"kern.0: section name table (section 12, 107 bytes at file offset 0xffffffff) extends past the end of the file or the 16777216-byte limit: section names are unavailable"},
		},
		{
			name:     "section name offset past the name table",
			mutate:   func(e *telf) { e.put32(e.shdr(fxSecData)+shName, 0xffff) },
			warnings: []string{"kern.0: 1 section names point outside the section name table or are unterminated"},
		},
		{
			name:     "section name table of the wrong type",
			mutate:   func(e *telf) { e.put32(e.shdr(fxSecShstrtab)+shType, 1) },
			warnings: []string{"kern.0: section name table (section 12) has type SHT_PROGBITS, want SHT_STRTAB: section names are unavailable"},
		},
		{
			name:     "no section name table",
			mutate:   func(e *telf) { e.put16(ehShstrndx, 0) },
			warnings: []string{"kern.0: e_shstrndx is SHN_UNDEF: section names are unavailable"},
		},
		{
			name:   "data section past EOF",
			mutate: func(e *telf) { e.put64(e.shdr(fxSecData)+shOffset, 1<<40) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := good.clone()
			tt.mutate(e)
			tab, err := OpenReader(bytes.NewReader(e.b), int64(len(e.b)), "kern.0")
			if err != nil {
				t.Fatalf("OpenReader: %v", err)
			}
			if diff := cmp.Diff(tt.warnings, tab.Warnings()); diff != "" {
				t.Errorf("Warnings mismatch (-want +got):\n%s", diff)
			}
			if s, ok := tab.Lookup("_allproc"); !ok || s.Value != fxData+0x1a0 {
				t.Errorf("Lookup(_allproc) = %+v, %v; want value %#x", s, ok, uint64(fxData+0x1a0))
			}
		})
	}
}

// TestDataPastEOF checks that a section whose contents lie past the end of the file
// gives an error on read, not a panic or a huge allocation.
func TestDataPastEOF(t *testing.T) {
	e := fixtureELF()
	e.put64(e.shdr(fxSecData)+shOffset, 1<<40)
	tab, err := OpenReader(bytes.NewReader(e.b), int64(len(e.b)), "kern.0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tab.Version()
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("Version() error = %v, want ErrMalformed", err)
	}
	want := "kern.0: address 0xffffffff80400000 (+128): symbol version: the contents of .data (file offset 0x10000000000 + 1280) lie past the end of the file (3952 bytes)"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}
