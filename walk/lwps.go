package walk

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
)

// lwps walks pr's LWP container, decodes the LWPs and their threads, and
// assembles them in lwp_tid order with the globaldata of the CPU each ran
// on. An LWP already reached in another process's container is found by the
// merge (Stream.All), which sees the processes in order.
func (b *builder) lwps(pr *Process, ws *workState, c *collector) {
	p := pr.Proc
	nodes := b.walkLWPs(p, ws, c)
	if len(nodes) == 0 {
		return
	}
	threads := make([]Thread, len(nodes)) // one allocation for the process
	pr.LWPs = make([]*Thread, len(nodes))
	for j, a := range nodes {
		th := &threads[j]
		l := b.dec.LWP(ws.r, a)
		th.LWP = l
		if len(l.Faults) > 0 {
			c.faults(l.Addr, fmt.Sprintf("lwp %v (tid %d) of %s", l.Addr, l.TID, procName(p)), l.Faults, false)
		}
		if l.Proc != p.Addr {
			c.addf(false, WrongParent, l.Addr, "lwp %v (tid %d) in %s of %s: lwp_proc is %v, expected %v; kept with this process",
				l.Addr, l.TID, b.era.LWPs, procName(p), l.Proc, p.Addr)
		}
		th.Thread = b.thread(ws.r, l, p, c)
		if th.Thread != nil {
			th.GD = b.gds.get(ws.r, c, th.Thread.GD, "td_gd", p)
		}
		pr.LWPs[j] = th
	}
	if !slices.IsSortedFunc(pr.LWPs, byTID) {
		slices.SortStableFunc(pr.LWPs, byTID)
	}
}

// walkLWPs returns the LWPs in p's container, at most maxObjects of them.
func (b *builder) walkLWPs(p *structs.Proc, ws *workState, c *collector) []dump.Addr {
	if ws.seen == nil {
		ws.seen = NewVisited()
	} else {
		clear(ws.seen.by)
		ws.seen.names = ws.seen.names[:0]
	}
	w := newWalker(ws.r, walkName{s: string(b.era.LWPs), of: p}, "lwp", WalkOptions{Visited: ws.seen, Max: b.maxObjects})
	var nodes []dump.Addr
	if b.era.LWPs == LWPList {
		nodes, _ = w.list(Link{Head: p.Addr + dump.Addr(b.lk.ProcLWPListFirst), Elem: "lwp", Entry: "lwp_list",
			Next: b.lk.LWPListNext, Prev: b.lk.LWPListPrev}, "le")
	} else {
		t := Tree{Head: p.Addr + dump.Addr(b.lk.ProcLWPTreeRoot), Elem: "lwp", Entry: "u.lwp_rbnode",
			Left: b.lk.LWPRBLeft, Right: b.lk.LWPRBRight, Parent: b.lk.LWPRBParent}
		if b.lk.LWPTID >= 0 {
			t.KeyName, t.KeyOff = "lwp_tid", b.lk.LWPTID
		}
		nodes = w.tree(t)
	}
	for _, a := range w.an {
		c.add(a)
	}
	return nodes
}

func byTID(a, b *Thread) int { return cmp.Compare(a.LWP.TID, b.LWP.TID) }

// thread decodes and checks the thread at l's lwp_thread (threads belong to
// one LWP: not cached).
func (b *builder) thread(r dump.Reader, l *structs.LWP, p *structs.Proc, c *collector) *structs.Thread {
	a := l.Thread
	if a == 0 {
		return nil
	}
	if prob := pointerProblem(a); prob != "" {
		c.addf(false, BadLink, a, "lwp %v (tid %d) of %s: lwp_thread is %v, %s", l.Addr, l.TID, procName(p), a, prob)
		return nil
	}
	td := b.dec.Thread(r, a)
	if len(td.Faults) > 0 && c.faults(a, fmt.Sprintf("thread %v (lwp_thread of lwp %v (tid %d) of %s)", a, l.Addr, l.TID, procName(p)), td.Faults, false) {
		return nil
	}
	return td
}
