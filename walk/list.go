package walk

import (
	"fmt"

	"github.com/kdump-bsd/kdump/dump"
)

// Link describes a LIST or TAILQ of kernel objects: where its head is and
// where the entry lies in each element. The names only make messages.
type Link struct {
	Name  string    // the list ("allproc", "p_lwps of proc 0x… (pid 12)")
	Head  dump.Addr // the address of the head: lh_first, or tqh_first (tqh_last follows it)
	Elem  string    // the element type ("proc")
	Entry string    // the entry member ("p_list")
	Next  int64     // the offset of le_next / tqe_next in the element
	Prev  int64     // the offset of le_prev / tqe_prev in the element
}

// WalkList follows a LIST (sys/queue.h) from its head and returns the
// elements in list order. It checks that every link is a canonical, aligned
// kernel address, that each element's le_prev holds the address of the
// pointer that led to it (the head, or the previous element's le_next),
// that no element is reached twice (a cycle, or a node of another walk
// sharing opt.Visited: cross-linked) and that the walk stays within
// opt.Max. A bad back-link is reported and the walk goes on (the forward
// links are what the kernel follows); any other problem ends the walk there,
// keeping the elements found before it. An element whose entry cannot be
// read is not returned.
func WalkList(r dump.Reader, l Link, opt WalkOptions) ([]dump.Addr, []Anomaly) {
	w := newWalker(r, walkName{s: l.Name}, l.Elem, opt)
	nodes, _ := w.list(l, "le")
	return nodes, w.an
}

// WalkTailq follows a TAILQ from its head (tqh_first, then tqh_last) like
// WalkList, with tqe_next and tqe_prev, and when the walk reaches the end
// also checks that tqh_last holds the address of the last tqe_next (or of
// tqh_first when the queue is empty).
func WalkTailq(r dump.Reader, l Link, opt WalkOptions) ([]dump.Addr, []Anomaly) {
	w := newWalker(r, walkName{s: l.Name}, l.Elem, opt)
	nodes, last := w.list(l, "tqe")
	if last == 0 {
		return nodes, w.an
	}
	tail, err := dump.ReadPtr(r, l.Head+8)
	switch {
	case err != nil:
		w.add(Fault, l.Head+8, "%s: cannot read tqh_last at %v: %v", w.name, l.Head+8, err)
	case tail != last:
		w.add(BadLink, l.Head, "%s: tqh_last is %v, expected %v (%s)", w.name, tail, last, w.lastLink(l, nodes))
	}
	return nodes, w.an
}

func (w *walker) lastLink(l Link, nodes []dump.Addr) string {
	if len(nodes) == 0 {
		return "the address of tqh_first: the queue is empty"
	}
	return "the address of the tqe_next of the last " + w.node(nodes[len(nodes)-1])
}

// list walks a LIST or TAILQ whose entry members are prefix_next and
// prefix_prev. When the walk ended at a NULL link, last is the address of
// that link (what a TAILQ's tqh_last must hold); it is 0 when the walk was
// cut short.
func (w *walker) list(l Link, prefix string) (nodes []dump.Addr, last dump.Addr) {
	first, next := "lh_first", "le_next"
	if prefix == "tqe" {
		first, next = "tqh_first", "tqe_next"
	}
	cur, err := dump.ReadPtr(w.r, l.Head)
	if err != nil {
		w.add(Fault, l.Head, "%s: cannot read %s at %v: %v", w.name, first, l.Head, err)
		return nil, 0
	}
	link := l.Head // the address of the pointer that led to cur
	from := via{member: first}
	offs := [2]int64{l.Next, l.Prev}
	var v [2]dump.Addr
	for cur != 0 {
		if !w.reach(cur, from) {
			return nodes, 0
		}
		if _, err := w.read(cur, offs[:], false, v[:]); err != nil {
			w.add(Fault, cur, "%s: cannot read %s of %s (reached by %s): %v; the rest of the list is lost", w.name, l.Entry, w.node(cur), w.from(from), err)
			return nodes, 0
		}
		w.visit(cur)
		nodes = append(nodes, cur)
		if v[1] != link {
			w.add(BadLink, cur, "%s: %s: %s.%s_prev is %v, expected %v (%s)", w.name, w.node(cur), l.Entry, prefix, v[1], link, prevWant(len(nodes) == 1, first, prefix))
		}
		link = cur + dump.Addr(l.Next)
		from = via{l.Entry, next, cur}
		cur = v[0]
	}
	return nodes, link
}

func prevWant(first bool, head, prefix string) string {
	if first {
		return "the address of the head's " + head
	}
	return "the address of the previous " + prefix + "_next"
}

// ArrayHeads names the n list heads of a kernel array: element i's head is
// at base + i*stride + off. With member "" the heads are the elements
// themselves ("allprocs[17]"); otherwise they are a member of each element
// ("procglob[17].allproc").
func ArrayHeads(array string, base dump.Addr, stride int64, member string, off int64, n int) []Head {
	heads := make([]Head, 0, max(n, 0))
	for i := range n {
		name := fmt.Sprintf("%s[%d]", array, i)
		if member != "" {
			name += "." + member
		}
		heads = append(heads, Head{Name: name, Addr: base + dump.Addr(int64(i)*stride+off)})
	}
	return heads
}

// WalkHeads walks the LIST at each head (an array of hash buckets, or the
// global lists of an era) and returns the elements found on each, indexed
// like heads. The element description l gives everything but Name and Head,
// which come from each head. All heads share one Visited set (opt.Visited,
// or one of their own), so an element on two buckets is reported, and one
// bound: opt.Max counts the elements of all heads together.
func WalkHeads(r dump.Reader, heads []Head, l Link, opt WalkOptions) ([][]dump.Addr, []Anomaly) {
	return walkHeads(r, heads, l, opt, nil)
}

// walkHeads is WalkHeads, calling onVisit (when set) for every node reached.
func walkHeads(r dump.Reader, heads []Head, l Link, opt WalkOptions, onVisit func(dump.Addr)) ([][]dump.Addr, []Anomaly) {
	if opt.Visited == nil {
		opt.Visited = NewVisited()
	}
	left := opt.max()
	out := make([][]dump.Addr, len(heads))
	var an []Anomaly
	for i, h := range heads {
		l.Name, l.Head = h.Name, h.Addr
		w := newWalker(r, walkName{s: l.Name}, l.Elem, opt)
		w.max = left // what the earlier heads left of the bound
		w.onVisit = onVisit
		nodes, _ := w.list(l, "le")
		out[i] = nodes
		an = append(an, w.an...)
		left -= len(nodes)
		if w.limited() && i+1 < len(heads) {
			an = append(an, Anomaly{Kind: Limit, Addr: heads[i+1].Addr,
				Message: fmt.Sprintf("%s … %s: not walked, the bound of %d nodes was reached", heads[i+1].Name, heads[len(heads)-1].Name, opt.max())})
			break
		}
	}
	return out, an
}
