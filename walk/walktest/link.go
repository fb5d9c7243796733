package walktest

import (
	"fmt"
	"slices"
)

// link decides every list and tree: the process lists (newest at the head, as
// LIST_INSERT_HEAD leaves them), pgrp members, children, the LWP containers.
func (b *builder) link() {
	b.linkHeads()
	if b.err != nil {
		return
	}
	pNext, pPrev := b.L.proc.field("p_list.le_next"), b.L.proc.field("p_list.le_prev")
	if !pNext.ok || !pPrev.ok {
		b.fail("struct proc has no p_list.le_next/le_prev")
		return
	}
	for _, hd := range b.heads {
		prev := hd.addr // le_prev of the first element: &lh_first
		for i, p := range hd.procs {
			p.head = hd
			p.prev = prev
			if i+1 < len(hd.procs) {
				p.next = hd.procs[i+1].addr
			}
			prev = p.addr + uint64(pNext.off)
		}
	}

	// Process groups: members newest first.
	pg := b.L.proc.field("p_pglist.le_next")
	for _, g := range b.pgOrder {
		prev := g.addr + uint64(b.L.pgrp.field("pg_members").off)
		for i := len(g.members) - 1; i >= 0; i-- {
			p := g.members[i]
			p.pgPrev = prev
			if i > 0 {
				p.pgNext = g.members[i-1].addr
			}
			prev = p.addr + uint64(pg.off)
		}
	}
	// Children: newest first on the parent's p_children.
	kids := map[*wproc][]*wproc{}
	for _, p := range b.procs {
		if p.parent != nil {
			kids[p.parent] = append(kids[p.parent], p)
		}
	}
	sib := b.L.proc.field("p_sibling.le_next")
	for parent, ks := range kids {
		prev := parent.addr + uint64(b.L.proc.field("p_children").off)
		parent.children = ks[len(ks)-1].addr
		for i := len(ks) - 1; i >= 0; i-- {
			ks[i].sibPrev = prev
			if i > 0 {
				ks[i].sibNext = ks[i-1].addr
			}
			prev = ks[i].addr + uint64(sib.off)
		}
	}

	// LWPs: a red-black tree built by real insertions in creation (tid)
	// order, or a LIST with the newest LWP first.
	lNext := b.L.lwp.field("lwp_list.le_next")
	for _, p := range b.procs {
		slices.SortFunc(p.lwps, func(x, y *wlwp) int { return int(x.s.tid) - int(y.s.tid) })
		if b.tree {
			for _, l := range p.lwps {
				rbInsert(&p.root, l)
			}
			continue
		}
		prev := p.addr + uint64(b.L.proc.field("p_lwps").off)
		for i := len(p.lwps) - 1; i >= 0; i-- {
			l := p.lwps[i]
			l.prev = prev
			if i > 0 {
				l.next = p.lwps[i-1].addr
			}
			prev = l.addr + uint64(lNext.off)
		}
	}
}

// linkHeads puts each process on its list: a hash bucket (pid & (hsize-1)),
// or allproc/zombproc.
func (b *builder) linkHeads() {
	switch b.era {
	case "allproc+zombproc":
		all := &whead{name: "allproc", addr: b.sym("allproc")}
		zomb := &whead{name: "zombproc", addr: b.sym("zombproc")}
		b.heads = []*whead{all, zomb}
		for i := len(b.procs) - 1; i >= 0; i-- {
			p := b.procs[i]
			if p.s.stat == "SZOMB" {
				zomb.procs = append(zomb.procs, p)
			} else {
				all.procs = append(all.procs, p)
			}
		}
		return
	case "allprocs":
		s := b.k.syms["allprocs"]
		elem := uint64(8)
		if l, err := b.k.layout("proclist"); err == nil {
			elem = uint64(l.size)
		}
		b.hashHeads(s.Value, s.Size, elem, 0, "allprocs[%d]")
	case "procglob":
		s := b.k.syms["procglob"]
		l, err := b.k.layout("procglob")
		if err != nil {
			b.err = err
			return
		}
		m := l.field("allproc")
		if !m.ok {
			b.fail("struct procglob has no member allproc")
			return
		}
		b.hashHeads(s.Value, s.Size, uint64(l.size), uint64(m.off), "procglob[%d].allproc")
	}
	if b.err != nil {
		return
	}
	n := uint64(len(b.heads))
	for i := len(b.procs) - 1; i >= 0; i-- {
		p := b.procs[i]
		hd := b.heads[uint64(p.s.pid)&(n-1)]
		hd.procs = append(hd.procs, p)
	}
}

func (b *builder) hashHeads(base, size, elem, off uint64, name string) {
	if elem == 0 || size/elem == 0 || size%elem != 0 || (size/elem)&(size/elem-1) != 0 {
		b.fail("hash array of %d bytes with %d-byte elements is not a power-of-two array", size, elem)
		return
	}
	b.hashSize = int(size / elem)
	for i := 0; i < b.hashSize; i++ {
		b.heads = append(b.heads, &whead{name: fmt.Sprintf(name, i), addr: base + uint64(i)*elem + off})
	}
}

// addrOf returns a node's address, 0 for none.
func addrOf(l *wlwp) uint64 {
	if l == nil {
		return 0
	}
	return l.addr
}
