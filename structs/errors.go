package structs

import (
	"errors"
	"fmt"
	"strings"
)

// Error categories. Errors returned by this package wrap one of them, so
// callers can test with errors.Is; the message says what was looked for and
// where.
var (
	// ErrNoDWARF means the kernel file has no DWARF debugging information (a
	// stripped kernel); use OpenDebug with its kernel.debug, or a Profile.
	ErrNoDWARF = errors.New("no DWARF debugging information")
	// ErrMalformed means the ELF file or its DWARF is damaged or contradicts
	// itself (sizes past the end of the file, a member outside its struct, a
	// type chain that loops, …).
	ErrMalformed = errors.New("malformed debugging information")
	// ErrNotFound means a struct or union is not defined in the DWARF or the
	// profile.
	ErrNotFound = errors.New("struct not found")
	// ErrNoField means a struct has no member at the requested path.
	ErrNoField = errors.New("no such member")
	// ErrNoProfile means no built-in profile matches a kernel or a name.
	ErrNoProfile = errors.New("no built-in layout profile")
	// ErrMismatch means a kernel and a separate debug file do not belong
	// together (different build IDs or debug-link checksum).
	ErrMismatch = errors.New("kernel and debug file do not match")
)

// NotFoundError reports a struct or union that could not be found. Looked
// lists every name that was tried, in order ("struct foo", "union foo",
// "typedef foo").
type NotFoundError struct {
	Source     string   // the kernel file or profile name
	Looked     []string // the names tried
	Incomplete bool     // only an incomplete declaration (DW_AT_declaration) was found
	Note       string   // extra context (an incomplete DWARF index), or ""
}

// Error formats the error as "source: no definition of struct foo, union foo
// or typedef foo".
func (e *NotFoundError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	b.WriteString(": no definition of ")
	for i, n := range e.Looked {
		switch {
		case i == 0:
		case i == len(e.Looked)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(n)
	}
	if e.Incomplete {
		b.WriteString(" (only an incomplete declaration)")
	}
	if e.Note != "" {
		b.WriteString(" (")
		b.WriteString(e.Note)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns ErrNotFound.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// FieldError reports a member path that a layout does not have.
type FieldError struct {
	Origin string // "dwarf" or "profile NAME"
	Struct string // "struct proc"
	Path   string // the dotted path asked for
}

// Error formats the error as "struct proc (dwarf): no member p_foo".
func (e *FieldError) Error() string {
	return fmt.Sprintf("%s (%s): no member %q", e.Struct, e.Origin, e.Path)
}

// Unwrap returns ErrNoField.
func (e *FieldError) Unwrap() error { return ErrNoField }

// DWARFError reports damaged DWARF: what was wrong, at which DIE offset in
// .debug_info (or -1), of which file.
type DWARFError struct {
	File   string // the kernel or debug file (or the name given to FromDWARF)
	Offset int64  // the DIE offset in .debug_info, or -1
	What   string // what was found and what was expected
	Err    error  // ErrMalformed, or an underlying error
}

// Error formats the error as "file: DIE 0x…: what".
func (e *DWARFError) Error() string {
	if e.Offset < 0 {
		return e.File + ": " + e.What
	}
	return fmt.Sprintf("%s: DIE %#x: %s", e.File, e.Offset, e.What)
}

// Unwrap returns the error category.
func (e *DWARFError) Unwrap() error { return e.Err }
