package symtab

import (
	"errors"
	"fmt"
)

// Error categories. Errors returned by this package wrap one of them, so callers can
// test with errors.Is; the message itself says what was found and what was expected.
var (
	// ErrNotELF means the file does not start with the ELF magic "\x7fELF".
	ErrNotELF = errors.New("not an ELF file")
	// ErrUnsupported means the file is ELF but not a 64-bit little-endian amd64
	// linked image (a 32-bit or big-endian file, another machine, a core file, a
	// relocatable object, an unknown ELF version, extended section numbering).
	ErrUnsupported = errors.New("unsupported ELF file")
	// ErrMalformed means a header or table contradicts itself or the file size.
	ErrMalformed = errors.New("malformed ELF file")
	// ErrNoSymtab means the file has no SHT_SYMTAB section (a stripped kernel).
	ErrNoSymtab = errors.New("no symbol table")
	// ErrNotFound means a requested symbol is not in the symbol table.
	ErrNotFound = errors.New("symbol not found")
	// ErrNotInFile means an address lies in no allocated section of the file, or
	// the requested range runs past the end of the section that holds its start.
	ErrNotInFile = errors.New("address not in the kernel file")
	// ErrNoBits means an address lies in an SHT_NOBITS section (.bss): the kernel
	// file holds no bytes for it; its contents exist only in memory (in the core).
	ErrNoBits = errors.New("address in a section without file contents")
)

// FormatError reports a problem with the structure of the kernel file. Offset is the
// file offset of the offending field or table, or -1 when the problem has no single
// location (a missing section, for example).
type FormatError struct {
	File   string // the name given to Open or OpenReader
	Offset int64  // file offset, or -1
	What   string // what was found and what was expected
	Err    error  // one of the Err* categories
}

// Error formats the error as "file: offset 0x…: what".
func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return e.File + ": " + e.What
	}
	return fmt.Sprintf("%s: offset %#x: %s", e.File, e.Offset, e.What)
}

// Unwrap returns the error category (or the underlying I/O error).
func (e *FormatError) Unwrap() error { return e.Err }

// AddrError reports a read of kernel-file data that could not be served. Addr and
// Len are the requested range; Section names the section involved, if any.
type AddrError struct {
	File    string // the name given to Open or OpenReader
	Addr    uint64 // the kernel virtual address asked for
	Len     int    // the number of bytes asked for
	Section string // the section holding Addr, or "" if none does
	What    string // what went wrong
	Err     error  // ErrNotInFile, ErrNoBits, ErrMalformed or an I/O error
}

// Error formats the error as "file: address 0x… (+len): what".
func (e *AddrError) Error() string {
	return fmt.Sprintf("%s: address %#x (+%d): %s", e.File, e.Addr, e.Len, e.What)
}

// Unwrap returns the error category (or the underlying I/O error).
func (e *AddrError) Unwrap() error { return e.Err }

// formatErr builds a *FormatError.
func formatErr(file string, off int64, cat error, format string, args ...any) error {
	return &FormatError{File: file, Offset: off, What: fmt.Sprintf(format, args...), Err: cat}
}
