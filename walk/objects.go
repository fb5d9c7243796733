package walk

import (
	"fmt"
	"sync"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
)

// cache holds the records of one kind by address, so that an object shared
// by many procs (a ucred, a pgrp, a session) is decoded once. It is safe for
// concurrent use; two goroutines may both decode an object the first time,
// and the first to store it wins.
type cache[T any] struct {
	kind   string // "ucred", for messages
	decode func(dump.Reader, dump.Addr) *T
	faults func(*T) []structs.Fault
	mu     sync.Mutex
	m      map[dump.Addr]*T
}

func newCache[T any](kind string, decode func(dump.Reader, dump.Addr) *T, faults func(*T) []structs.Fault) cache[T] {
	return cache[T]{kind: kind, decode: decode, faults: faults, m: map[dump.Addr]*T{}}
}

func (c *cache[T]) load(r dump.Reader, a dump.Addr) *T {
	c.mu.Lock()
	v, ok := c.m[a]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = c.decode(r, a)
	c.mu.Lock()
	if old, ok := c.m[a]; ok {
		v = old
	} else {
		c.m[a] = v
	}
	c.mu.Unlock()
	return v
}

// get returns the record at a, the member of owner: nil for NULL, and for a
// pointer that is not a kernel address or an object that cannot be read at
// all. Its problems are reported as once anomalies: the merge keeps them for
// the first process in report order that led to the object.
func (c *cache[T]) get(r dump.Reader, col *collector, a dump.Addr, member string, owner *structs.Proc) *T {
	if a == 0 {
		return nil
	}
	if p := pointerProblem(a); p != "" {
		col.addf(true, BadLink, a, "%s: %s is %v, %s", procName(owner), member, a, p)
		return nil
	}
	v := c.load(r, a)
	if fs := c.faults(v); len(fs) > 0 && col.faults(a, fmt.Sprintf("%s %v (%s of %s)", c.kind, a, member, procName(owner)), fs, true) {
		return nil
	}
	return v
}

// own decodes a record only its process points to (vmspace, pargs): not
// cached; its problems are the process's own.
func own[T any](r dump.Reader, col *collector, decode func(dump.Reader, dump.Addr) *T, faults func(*T) []structs.Fault,
	kind string, a dump.Addr, member string, owner *structs.Proc) *T {
	if a == 0 {
		return nil
	}
	if p := pointerProblem(a); p != "" {
		col.addf(false, BadLink, a, "%s: %s is %v, %s", procName(owner), member, a, p)
		return nil
	}
	v := decode(r, a)
	if fs := faults(v); len(fs) > 0 && col.faults(a, fmt.Sprintf("%s %v (%s of %s)", kind, a, member, procName(owner)), fs, false) {
		return nil
	}
	return v
}

// objects fills in what hangs off pr's proc.
func (b *builder) objects(r dump.Reader, pr *Process, c *collector) {
	p := pr.Proc
	pr.UCred = b.ucreds.get(r, c, p.UCred, "p_ucred", p)
	pr.Pgrp = b.pgrps.get(r, c, p.Pgrp, "p_pgrp", p)
	pr.Parent = b.procs.get(r, c, p.Pptr, "p_pptr", p)
	pr.Sigacts = b.sigacts.get(r, c, p.Sigacts, "p_sigacts", p)
	if pr.Pgrp != nil {
		pr.Session = b.sessions.get(r, c, pr.Pgrp.Session, "pg_session", p)
	}
	if p.Flags&PControlT != 0 && pr.Session != nil {
		pr.TTY = b.ttys.get(r, c, pr.Session.TTYP, "s_ttyp", p)
	}
	if pr.TTY != nil {
		pr.TTYDev = b.cdevs.get(r, c, pr.TTY.Dev, "t_dev", p)
		pr.TTYPgrp = b.pgrps.get(r, c, pr.TTY.Pgrp, "t_pgrp", p)
		pr.TTYSession = b.sessions.get(r, c, pr.TTY.Session, "t_session", p)
	}
	pr.Vmspace = own(r, c, b.dec.Vmspace, func(v *structs.Vmspace) []structs.Fault { return v.Faults }, "vmspace", p.Vmspace, "p_vmspace", p)
	if pr.UCred != nil {
		pr.Prison = b.prisons.get(r, c, pr.UCred.Prison, "cr_prison", p)
	}
	pr.Args = own(r, c, b.dec.Pargs, func(v *structs.Pargs) []structs.Fault { return v.Faults }, "pargs", p.Args, "p_args", p)
}
