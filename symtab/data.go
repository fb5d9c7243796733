package symtab

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"strings"
)

// Bounds for the version helpers. newvers.sh's version string is two lines of a few
// hundred bytes at most; ostype and osrelease are single words.
const (
	maxVersion   = 4096
	maxOSString  = 256
	noBitsAdvice = "the kernel file holds no bytes for it (zero-initialized at boot); its contents exist only in memory: read them from the core"
)

// fileSection returns the allocated, non-TLS section that contains addr, preferring
// sections with file contents over SHT_NOBITS ones, or nil.
func (t *Table) fileSection(addr uint64) *Section {
	var nobits *Section
	for i := range t.sections {
		s := &t.sections[i]
		if s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_TLS != 0 || s.Type == elf.SHT_NULL || s.Size == 0 {
			continue
		}
		if addr < s.Addr || addr-s.Addr >= s.Size {
			continue
		}
		if s.Type == elf.SHT_NOBITS {
			if nobits == nil {
				nobits = s
			}
			continue
		}
		return s
	}
	return nobits
}

// ReadData returns the n bytes at kernel virtual address addr as the kernel FILE
// holds them: the initialized contents of the allocated section (SHT_PROGBITS, or
// any allocated section type with file contents) that contains all of
// [addr, addr+n). It never reads kernel memory: values the kernel changed at run
// time must be read from the core.
//
// Errors are *AddrError values: ErrNoBits when the range lies in an SHT_NOBITS
// section such as .bss (the file has no bytes for it; no data is returned),
// ErrNotInFile when no allocated section contains addr or the range runs past the
// end of the section, and ErrMalformed when the section's contents lie past the end
// of the file. n must be between 0 and 64 MiB.
func (t *Table) ReadData(addr uint64, n int) ([]byte, error) {
	if n < 0 || n > maxDataRead {
		return nil, &AddrError{File: t.name, Addr: addr, Len: n, Err: ErrNotInFile,
			What: fmt.Sprintf("length %d is outside 0..%d", n, maxDataRead)}
	}
	s := t.fileSection(addr)
	if s == nil {
		return nil, &AddrError{File: t.name, Addr: addr, Len: n, Err: ErrNotInFile,
			What: "in no allocated section of the kernel file"}
	}
	rel := addr - s.Addr
	if uint64(n) > s.Size-rel {
		return nil, &AddrError{File: t.name, Addr: addr, Len: n, Section: s.displayName(), Err: ErrNotInFile,
			What: fmt.Sprintf("runs past the end of %s (%#x..%#x)", s.displayName(), s.Addr, s.Addr+s.Size)}
	}
	if s.Type == elf.SHT_NOBITS {
		return nil, &AddrError{File: t.name, Addr: addr, Len: n, Section: s.displayName(), Err: ErrNoBits,
			What: fmt.Sprintf("in %s (SHT_NOBITS): %s", s.displayName(), noBitsAdvice)}
	}
	off := s.Offset + rel
	if off > uint64(t.size) || uint64(n) > uint64(t.size)-off {
		return nil, &AddrError{File: t.name, Addr: addr, Len: n, Section: s.displayName(), Err: ErrMalformed,
			What: fmt.Sprintf("the contents of %s (file offset %#x + %d) lie past the end of the file (%d bytes)", s.displayName(), s.Offset, s.Size, t.size)}
	}
	b := make([]byte, n)
	if n == 0 {
		return b, nil
	}
	m, err := t.r.ReadAt(b, int64(off))
	if m == n {
		return b, nil
	}
	if err == nil || err == io.EOF {
		err = ErrMalformed
	}
	return nil, &AddrError{File: t.name, Addr: addr, Len: n, Section: s.displayName(), Err: err,
		What: fmt.Sprintf("reading file offset %#x: got %d of %d bytes: %v", off, m, n, err)}
}

// CString returns the NUL-terminated string stored in the kernel file at symbol
// name (looked up as Lookup does), for char arrays such as version. The read is
// bounded by maxLen, by the symbol's size when it has one, and by the end of its
// section. A string that fills maxLen bytes without a NUL is returned truncated to
// maxLen bytes without error; a string that reaches the end of the symbol or section
// without a NUL is an error (ErrMalformed). Errors wrap ErrNotFound, or are those
// of ReadData.
func (t *Table) CString(name string, maxLen int) (string, error) {
	sym, ok := t.Lookup(name)
	if !ok {
		return "", &FormatError{File: t.name, Offset: -1, Err: ErrNotFound,
			What: fmt.Sprintf("symbol %q not found", name)}
	}
	if maxLen <= 0 {
		return "", nil
	}
	limit := uint64(min(maxLen, maxDataRead))
	byMax := true
	if sym.Size > 0 && sym.Size <= limit {
		limit, byMax = sym.Size, false
	}
	s := t.fileSection(sym.Value)
	if s != nil {
		if room := s.Size - (sym.Value - s.Addr); room <= limit {
			limit, byMax = room, false
		}
	}
	b, err := t.ReadData(sym.Value, int(limit))
	if err != nil {
		if ae, ok := err.(*AddrError); ok {
			ae.What = "symbol " + sym.Name + ": " + ae.What
		}
		return "", err
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i]), nil
	}
	if byMax {
		return string(b), nil
	}
	return "", &AddrError{File: t.name, Addr: sym.Value, Len: len(b), Err: ErrMalformed,
		What: fmt.Sprintf("symbol %s: no NUL within its %d bytes", sym.Name, len(b))}
}

// Version returns the kernel's version string (char version[] from newvers.sh) as
// stored in the kernel file, trailing newline included, for example
// "DragonFly v5.8.3-RELEASE #0: …\n    root@host:/usr/obj/…\n". FirstLine gives
// its first line.
func (t *Table) Version() (string, error) { return t.CString("version", maxVersion) }

// OSType returns the kernel's ostype string ("DragonFly" or "FreeBSD").
func (t *Table) OSType() (string, error) { return t.CString("ostype", maxOSString) }

// OSRelease returns the kernel's osrelease string, for example "5.8-RELEASE".
func (t *Table) OSRelease() (string, error) { return t.CString("osrelease", maxOSString) }

// FirstLine returns s up to its first newline, without the newline.
func FirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
