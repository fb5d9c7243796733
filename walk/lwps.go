package walk

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
)

// lwps walks the LWP container of every proc (sequentially: one visited set
// finds LWPs shared between procs), decodes the LWPs and their threads in
// parallel, and assembles each proc's LWPs in lwp_tid order with the
// globaldata of the CPU each ran on.
func (b *builder) lwps(procs []*Process) {
	nodes := make([][]dump.Addr, len(procs))
	left, total := b.maxLWPs, 0
	// Walk the containers in proc address order (LWPs lie near their proc),
	// so the walk sweeps the dump (see inAddressOrder); the bound, and the
	// anomalies of the LWP walks, follow that order too.
	byAddr := make([]int, len(procs))
	for i := range byAddr {
		byAddr[i] = i
	}
	slices.SortFunc(byAddr, func(a, c int) int { return cmp.Compare(procs[a].Proc.Addr, procs[c].Proc.Addr) })
	for k, i := range byAddr {
		pr := procs[i]
		if left <= 0 {
			b.add(Limit, pr.Proc.Addr, "the bound of %d LWPs was reached at %s: the LWPs of it and of the %d procs above it in memory are not walked",
				b.maxLWPs, procName(pr.Proc), len(procs)-k-1)
			break
		}
		nodes[i] = b.walkLWPs(pr.Proc, min(b.maxObjects, left))
		left -= len(nodes[i])
		total += len(nodes[i])
	}

	flat := make([]dump.Addr, 0, total)
	for _, n := range nodes {
		flat = append(flat, n...)
	}
	lwps := make([]*structs.LWP, total)
	tds := make([]*structs.Thread, total)
	inAddressOrder(flat, func(i int) {
		l := b.dec.LWP(b.r, flat[i])
		lwps[i] = l
		if l.Thread != 0 && pointerProblem(l.Thread) == "" {
			tds[i] = b.dec.Thread(b.r, l.Thread)
		}
	})

	threads := make([]Thread, total) // one allocation for the whole table
	k := 0
	for i, pr := range procs {
		if len(nodes[i]) == 0 {
			continue
		}
		p := pr.Proc
		pr.LWPs = make([]*Thread, len(nodes[i]))
		for j := range nodes[i] {
			th := &threads[k]
			th.LWP = lwps[k]
			th.Thread = b.thread(lwps[k], tds[k], p)
			k++
			l := th.LWP
			if len(l.Faults) > 0 {
				b.faults(l.Addr, fmt.Sprintf("lwp %v (tid %d) of %s", l.Addr, l.TID, procName(p)), l.Faults)
			}
			if l.Proc != p.Addr {
				b.add(WrongParent, l.Addr, "lwp %v (tid %d) in %s of %s: lwp_proc is %v, expected %v; kept with this process",
					l.Addr, l.TID, b.era.LWPs, procName(p), l.Proc, p.Addr)
			}
			if th.Thread != nil {
				th.GD = b.gds.get(b, th.Thread.GD, "td_gd", p)
			}
			pr.LWPs[j] = th
		}
		if !slices.IsSortedFunc(pr.LWPs, byTID) {
			slices.SortStableFunc(pr.LWPs, byTID)
		}
	}
}

// walkLWPs returns the LWPs in p's container, at most max of them.
func (b *builder) walkLWPs(p *structs.Proc, max int) []dump.Addr {
	w := newWalker(b.r, walkName{s: string(b.era.LWPs), of: p}, "lwp", WalkOptions{Visited: b.lwpSeen})
	w.max = max
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
	b.an = append(b.an, w.an...)
	return nodes
}

func byTID(a, b *Thread) int { return cmp.Compare(a.LWP.TID, b.LWP.TID) }

// thread checks and reports the thread td decoded at l's lwp_thread (threads
// belong to one LWP: not cached).
func (b *builder) thread(l *structs.LWP, td *structs.Thread, p *structs.Proc) *structs.Thread {
	a := l.Thread
	if a == 0 {
		return nil
	}
	if prob := pointerProblem(a); prob != "" {
		b.add(BadLink, a, "lwp %v (tid %d) of %s: lwp_thread is %v, %s", l.Addr, l.TID, procName(p), a, prob)
		return nil
	}
	if len(td.Faults) > 0 && b.faults(a, fmt.Sprintf("thread %v (lwp_thread of lwp %v (tid %d) of %s)", a, l.Addr, l.TID, procName(p)), td.Faults) {
		return nil
	}
	return td
}
