package walk

import (
	"encoding/binary"
	"fmt"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
)

// DefaultMax is the node bound of a walk whose options give none.
const DefaultMax = 1 << 22

// KernelMin is the lowest canonical amd64 kernel address. A link below it
// (other than NULL) is not a kernel pointer.
const KernelMin dump.Addr = 0xffff800000000000

// PtrAlign is the alignment of every linked kernel object: each holds
// pointers, which the amd64 ABI aligns to 8 bytes.
const PtrAlign = 8

// WalkOptions bound one walk and connect it to the other walks of a table.
type WalkOptions struct {
	// Max is the most nodes the walk visits (for WalkHeads, all heads
	// together); reaching it gives a Limit anomaly. ≤ 0 means DefaultMax.
	Max int
	// Visited holds the nodes reached by earlier walks of the same table, so
	// that a node on two lists (or in two trees) is reported as cross-linked.
	// Nil gives the walk a set of its own.
	Visited *Visited
}

func (o WalkOptions) max() int {
	if o.Max <= 0 {
		return DefaultMax
	}
	return o.Max
}

// Visited is the set of nodes reached by the walks of one table, each
// remembered with the walk that reached it first. It grows with the nodes
// actually reached, never with a count read from the dump. The zero value is
// not usable; call NewVisited.
type Visited struct {
	by    map[dump.Addr]int32 // node → index into names
	names []walkName          // walk names, by walk id
}

// NewVisited returns an empty set.
func NewVisited() *Visited { return &Visited{by: make(map[dump.Addr]int32)} }

// Len returns the number of nodes in the set.
func (v *Visited) Len() int { return len(v.by) }

// Has reports whether a is in the set.
func (v *Visited) Has(a dump.Addr) bool { _, ok := v.by[a]; return ok }

// begin registers a new walk and returns its id.
func (v *Visited) begin(name walkName) int32 {
	v.names = append(v.names, name)
	return int32(len(v.names) - 1)
}

// walkName names a walk for messages. It is formatted only when a message
// needs it, so that naming the LWP tree of each of 100,000 procs costs
// nothing on a clean dump.
type walkName struct {
	s  string        // the list or tree ("allproc"), or the container member ("p_lwp_tree")
	of *structs.Proc // when set, s is a member of this proc
}

func (n walkName) String() string {
	if n.of == nil {
		return n.s
	}
	return n.s + " of " + procName(n.of)
}

// walker is the state one walk shares between its steps.
type walker struct {
	r     dump.Reader
	name  walkName // the list or tree, for messages
	elem  string   // the element type, for messages ("proc")
	seen  *Visited
	id    int32
	max   int
	count int // nodes reached so far
	an    []Anomaly
	buf   [64]byte
	// onVisit, when set, is called with each node the walk reaches, right
	// after its links were read (so a caching reader still holds its page).
	onVisit func(dump.Addr)
}

func newWalker(r dump.Reader, name walkName, elem string, opt WalkOptions) *walker {
	seen := opt.Visited
	if seen == nil {
		seen = NewVisited()
	}
	return &walker{r: r, name: name, elem: elem, seen: seen, id: seen.begin(name), max: opt.max()}
}

func (w *walker) add(k Kind, a dump.Addr, format string, args ...any) {
	w.an = append(w.an, Anomaly{Kind: k, Addr: a, Message: fmt.Sprintf(format, args...)})
}

// node names an element for messages: "proc 0xffff…".
func (w *walker) node(a dump.Addr) string { return w.elem + " " + a.String() }

// pointerProblem says why v cannot be a link to a kernel object, or "".
func pointerProblem(v dump.Addr) string {
	switch {
	case v < KernelMin:
		return "not a kernel address"
	case v%PtrAlign != 0:
		return fmt.Sprintf("not %d-byte aligned", PtrAlign)
	}
	return ""
}

// via names the link a walk followed: a member of a node, or of the head
// (node 0). Messages are built from it only when something is wrong, so a
// clean walk allocates nothing per node.
type via struct {
	entry  string    // the entry member holding the link ("p_list"), or "" for the head
	member string    // the link ("le_next", "lh_first")
	node   dump.Addr // the node holding it; 0 for the head
}

func (f via) path() string {
	if f.entry == "" {
		return f.member
	}
	return f.entry + "." + f.member
}

func (w *walker) from(f via) string {
	if f.node == 0 {
		return f.path()
	}
	return f.path() + " of " + w.node(f.node)
}

// reach checks a non-NULL link value before the walk follows it: a kernel
// address, aligned, within the bound, and not reached before. f is the link
// that holds v. It reports what is wrong and returns false when the walk
// must not follow v.
func (w *walker) reach(v dump.Addr, f via) bool {
	if p := pointerProblem(v); p != "" {
		w.add(BadLink, v, "%s: %s is %v, %s", w.name, w.from(f), v, p)
		return false
	}
	if id, ok := w.seen.by[v]; ok {
		if id == w.id {
			w.add(Cycle, v, "%s: %s leads back to %s, already visited: cycle closed after %d nodes", w.name, w.from(f), w.node(v), w.count)
		} else {
			w.add(BadLink, v, "%s: %s leads to %s, already reached on %s (cross-linked)", w.name, w.from(f), w.node(v), w.seen.names[id])
		}
		return false
	}
	if w.count >= w.max {
		w.add(Limit, v, "%s: stopped at %s after %d nodes, the walk's bound; the rest is lost", w.name, w.node(v), w.count)
		return false
	}
	return true
}

// limited reports whether the walk stopped at its bound.
func (w *walker) limited() bool {
	return len(w.an) > 0 && w.an[len(w.an)-1].Kind == Limit
}

// visit records v as reached by this walk.
func (w *walker) visit(v dump.Addr) {
	w.seen.by[v] = w.id
	w.count++
	if w.onVisit != nil {
		w.onVisit(v)
	}
}

// read reads the words at a+offs[i] into out: pointers, and for a tree a
// 4-byte key last (in the low half of its word). It does one read when they
// lie within 64 bytes (le_next/le_prev, an RB_ENTRY with lwp_tid), else, or
// when that read fails, one per word. A key that cannot be read is not an
// error: keyOK is false and the node is not compared.
func (w *walker) read(a dump.Addr, offs []int64, withKey bool, out []dump.Addr) (keyOK bool, err error) {
	lo, hi := offs[0], offs[0]+8
	for _, o := range offs[1:] {
		lo, hi = min(lo, o), max(hi, o+8)
	}
	if hi-lo <= int64(len(w.buf)) {
		b := w.buf[:hi-lo]
		if _, err := w.r.ReadAt(b, a+dump.Addr(lo)); err == nil {
			for i, o := range offs {
				out[i] = dump.Addr(binary.LittleEndian.Uint64(b[o-lo:]))
			}
			return true, nil
		}
		// Only some of the words may be unreadable (the 8 bytes read for a
		// 4-byte key may run into the next page): read them one by one.
	}
	keyOK = withKey
	for i, o := range offs {
		if withKey && i == len(offs)-1 {
			b := w.buf[:4]
			if _, err := w.r.ReadAt(b, a+dump.Addr(o)); err != nil {
				keyOK = false
				continue
			}
			out[i] = dump.Addr(binary.LittleEndian.Uint32(b))
			continue
		}
		b := w.buf[:8]
		if _, err := w.r.ReadAt(b, a+dump.Addr(o)); err != nil {
			return false, err
		}
		out[i] = dump.Addr(binary.LittleEndian.Uint64(b))
	}
	return keyOK, nil
}
