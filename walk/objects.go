package walk

import (
	"fmt"
	"slices"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
)

// cache holds the records of one kind by address, so that an object shared
// by many procs (a ucred, a pgrp, a session) is decoded once and its
// problems are reported once, naming the proc that first led to it.
type cache[T any] struct {
	kind   string // "ucred", for messages
	decode func(dump.Reader, dump.Addr) *T
	faults func(*T) []structs.Fault
	m      map[dump.Addr]*slot[T]
}

// slot is one cached record. A prefetched record is decoded but not yet
// used: its faults are reported at its first use, where the proc is known.
type slot[T any] struct {
	v    *T // nil once found unreadable or not a kernel address
	used bool
}

func newCache[T any](kind string, decode func(dump.Reader, dump.Addr) *T, faults func(*T) []structs.Fault) cache[T] {
	return cache[T]{kind: kind, decode: decode, faults: faults, m: map[dump.Addr]*slot[T]{}}
}

// prefetch decodes, in parallel, the records at the addresses of ptrs not yet
// cached (NULL and non-kernel pointers are left to get, which reports them).
func (c *cache[T]) prefetch(r dump.Reader, ptrs []dump.Addr) {
	var todo []dump.Addr
	for _, a := range ptrs {
		if a == 0 || pointerProblem(a) != "" {
			continue
		}
		if _, ok := c.m[a]; !ok {
			c.m[a] = nil // reserved; filled below
			todo = append(todo, a)
		}
	}
	slices.Sort(todo) // sweep the dump (see inAddressOrder)
	vs := make([]*T, len(todo))
	parallel(len(todo), func(i int) { vs[i] = c.decode(r, todo[i]) })
	slots := make([]slot[T], len(todo))
	for i, a := range todo {
		slots[i].v = vs[i]
		c.m[a] = &slots[i]
	}
}

// get returns the record at a, the member of owner (nil for NULL, and for a
// pointer that is not a kernel address or an object that cannot be read at
// all, which it reports on first use, as it reports a record's faults).
func (c *cache[T]) get(b *builder, a dump.Addr, member string, owner *structs.Proc) *T {
	if a == 0 {
		return nil
	}
	s := c.m[a]
	if s != nil && s.used {
		return s.v
	}
	if s == nil {
		s = &slot[T]{}
		c.m[a] = s
		if p := pointerProblem(a); p != "" {
			s.used = true
			b.add(BadLink, a, "%s: %s is %v, %s", procName(owner), member, a, p)
			return nil
		}
		s.v = c.decode(b.r, a)
	}
	s.used = true
	if fs := c.faults(s.v); len(fs) > 0 && b.faults(a, fmt.Sprintf("%s %v (%s of %s)", c.kind, a, member, procName(owner)), fs) {
		s.v = nil
	}
	return s.v
}

// prefetch decodes the objects the procs point to directly, in parallel.
// The objects behind them (sessions, ttys, prisons) are fewer and decoded
// on demand.
func (b *builder) prefetch(procs []*structs.Proc) {
	ptrs := make([]dump.Addr, len(procs))
	each := func(c interface {
		prefetch(dump.Reader, []dump.Addr)
	}, member func(*structs.Proc) dump.Addr) {
		for i, p := range procs {
			ptrs[i] = member(p)
		}
		c.prefetch(b.r, ptrs)
	}
	each(&b.ucreds, func(p *structs.Proc) dump.Addr { return p.UCred })
	each(&b.pgrps, func(p *structs.Proc) dump.Addr { return p.Pgrp })
	each(&b.vmspaces, func(p *structs.Proc) dump.Addr { return p.Vmspace })
	each(&b.sigacts, func(p *structs.Proc) dump.Addr { return p.Sigacts })
	each(&b.pargs, func(p *structs.Proc) dump.Addr { return p.Args })
	each(&b.procs, func(p *structs.Proc) dump.Addr { return p.Pptr })
}

// objects fills in what hangs off pr's proc.
func (b *builder) objects(pr *Process) {
	p := pr.Proc
	pr.UCred = b.ucreds.get(b, p.UCred, "p_ucred", p)
	pr.Pgrp = b.pgrps.get(b, p.Pgrp, "p_pgrp", p)
	pr.Parent = b.procs.get(b, p.Pptr, "p_pptr", p)
	pr.Sigacts = b.sigacts.get(b, p.Sigacts, "p_sigacts", p)
	if pr.Pgrp != nil {
		pr.Session = b.sessions.get(b, pr.Pgrp.Session, "pg_session", p)
	}
	if p.Flags&PControlT != 0 && pr.Session != nil {
		pr.TTY = b.ttys.get(b, pr.Session.TTYP, "s_ttyp", p)
	}
	if pr.TTY != nil {
		pr.TTYDev = b.cdevs.get(b, pr.TTY.Dev, "t_dev", p)
		pr.TTYPgrp = b.pgrps.get(b, pr.TTY.Pgrp, "t_pgrp", p)
		pr.TTYSession = b.sessions.get(b, pr.TTY.Session, "t_session", p)
	}
	pr.Vmspace = b.vmspaces.get(b, p.Vmspace, "p_vmspace", p)
	if pr.UCred != nil {
		pr.Prison = b.prisons.get(b, pr.UCred.Prison, "cr_prison", p)
	}
	pr.Args = b.pargs.get(b, p.Args, "p_args", p)
}
