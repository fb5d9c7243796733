package walk

import (
	"fmt"

	"github.com/kdump-bsd/kdump/dump"
)

// Kind classifies an anomaly. The set is closed and documented in the README;
// the report's warnings carry the same strings.
type Kind string

const (
	// Cycle: a list or tree leads back to a node already visited on the same
	// walk. The walk does not follow that link; Addr is the node where the
	// cycle closes.
	Cycle Kind = "cycle"
	// BadLink: a link is inconsistent: a back-link (le_prev, tqe_prev, an RB
	// parent) that does not point where the walk came from, a pointer that is
	// not a kernel address or not aligned, a node reached twice from
	// different places (a cross-linked list or tree).
	BadLink Kind = "bad-link"
	// WrongParent: an LWP whose lwp_proc is not the process it hangs off.
	WrongParent Kind = "wrong-parent"
	// Fault: memory a walk or a record needed could not be read (unmapped,
	// not dumped, truncated). Addr is the first unreadable address.
	Fault Kind = "fault"
	// Limit: a walk stopped at its hard bound (more nodes than the dump can
	// hold); the rest of that list is lost. Also a hash size read from the
	// dump (allproc_hsize) that the kernel image's array contradicts.
	Limit Kind = "limit"
)

// Anomaly is one thing a walk found wrong: what, where, and a sentence a person
// can act on ("proc 0x… p_list.le_prev is 0x…, expected 0x… (the address of the
// previous le_next)").
type Anomaly struct {
	Kind    Kind
	Addr    dump.Addr // the node (or the unreadable address) concerned
	Message string
}

func (a Anomaly) String() string { return fmt.Sprintf("%s at %v: %s", a.Kind, a.Addr, a.Message) }
