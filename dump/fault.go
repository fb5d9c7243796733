package dump

import "fmt"

// FaultKind tells why bytes at an address could not be read.
type FaultKind int

const (
	// Unmapped: no valid page-table entry maps the address (or it lies outside
	// every range the container describes).
	Unmapped FaultKind = iota + 1
	// NotDumped: the address is mapped, but the physical page was left out of the
	// dump (a page excluded from a minidump bitmap, a physical hole in a full dump).
	NotDumped
	// Truncated: the dump says it holds the page, but the file ends before it.
	Truncated
)

func (k FaultKind) String() string {
	switch k {
	case Unmapped:
		return "unmapped"
	case NotDumped:
		return "not dumped"
	case Truncated:
		return "truncated"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// FaultError reports a read that could not be served in full. Addr is the first
// address that could not be read and Len the number of bytes still wanted from
// there. Phys is set when Addr is a physical address.
type FaultError struct {
	Addr   Addr
	Len    int
	Kind   FaultKind
	Phys   bool
	Detail string // what the translation found, e.g. "PDE at PA 0x1234 not valid"
}

func (e *FaultError) Error() string {
	space := "kernel address"
	if e.Phys {
		space = "physical address"
	}
	s := fmt.Sprintf("%s %v: %v", space, e.Addr, e.Kind)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}
