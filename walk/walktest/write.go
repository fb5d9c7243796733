package walktest

import (
	"encoding/binary"
	"strings"

	"github.com/kdump-bsd/kdump/dump/dumptest"
)

// writer encodes the planned world into the machine, one write per object.
type writer struct {
	b   *builder
	m   *dumptest.Memory
	buf map[int][]byte
}

func (w *writer) put(addr uint64, l *layout, fill func(e *enc)) {
	b := w.b
	if b.err != nil || addr == 0 {
		return
	}
	buf := w.buf[l.size]
	if buf == nil {
		buf = make([]byte, l.size)
		w.buf[l.size] = buf
	}
	clear(buf)
	e := &enc{b: buf, l: l, err: &b.err}
	fill(e)
	if b.err != nil {
		return
	}
	if err := w.m.WriteVirt(addr, buf); err != nil {
		b.fail("struct %s at %#x: %v", l.name, addr, err)
	}
}

func (w *writer) putU(addr uint64, size int, v uint64) {
	var x [8]byte
	binary.LittleEndian.PutUint64(x[:], v)
	if err := w.m.WriteVirt(addr, x[:size]); err != nil {
		w.b.fail("global at %#x: %v", addr, err)
	}
}

func (b *builder) write(m *dumptest.Memory) {
	w := &writer{b: b, m: m, buf: map[int][]byte{}}
	for _, p := range b.procs {
		w.proc(p)
		for _, l := range p.lwps {
			w.lwp(p, l)
		}
		if p.vm != 0 && p.vm != b.vmspace0 {
			w.vmspace(p)
		}
		if p.args != 0 && (p.parent == nil || p.args != p.parent.args) {
			w.pargs(p)
		}
		if p.sig != 0 && p.sig != b.sigacts0 {
			w.put(p.sig, b.L.sig, func(e *enc) { e.opt("ps_refcnt", 1) })
		}
	}
	w.put(b.vmspace0, b.L.vm, func(e *enc) { e.opt("vm_refcnt", 1) })
	w.put(b.sigacts0, b.L.sig, func(e *enc) { e.opt("ps_refcnt", 1) })
	for _, c := range b.credObjs {
		w.cred(c)
	}
	for _, g := range b.pgOrder {
		w.pgrp(g)
	}
	for _, s := range b.sessList {
		w.session(s)
	}
	for _, t := range b.ttyList {
		w.tty(t)
	}
	for s, a := range b.strs {
		if err := m.WriteVirt(a, append([]byte(s), 0)); err != nil {
			b.fail("string %q at %#x: %v", s, a, err)
		}
	}
	if b.L.prison != nil {
		for _, pr := range []struct {
			addr uint64
			id   uint64
			host string
		}{{b.prison0, 0, ""}, {b.jail, 1, "www.example.org"}} {
			w.put(pr.addr, b.L.prison, func(e *enc) {
				e.u("pr_id", pr.id)
				e.opt("pr_ref", 1)
				e.optStr("pr_host", pr.host)
			})
		}
	}
	w.globals()
}

func (w *writer) proc(p *wproc) {
	b := w.b
	s := p.s
	w.put(p.addr, b.L.proc, func(e *enc) {
		e.u("p_list.le_next", p.next)
		e.u("p_list.le_prev", p.prev)
		e.u("p_ucred", p.ucredPtr)
		e.u("p_sigacts", p.sig)
		e.u(b.pflags, uint64(s.flags))
		e.u("p_stat", b.stat[s.stat])
		e.u("p_pid", uint64(s.pid))
		if p.parent != nil {
			e.u("p_pptr", p.parent.addr)
			e.opt("p_ppid", uint64(p.parent.s.pid))
		}
		e.u("p_oppid", uint64(s.oppid))
		e.u("p_vmspace", p.vm)
		e.u("p_start.tv_sec", uint64(bootTime+s.start))
		e.u("p_start.tv_usec", uint64(s.pid)*997%1000000)
		e.str("p_comm", s.comm)
		e.u("p_nice", uint64(s.nice))
		e.u("p_pgrp", p.pgrp.addr)
		e.u("p_args", p.args)
		e.u("p_xstat", uint64(s.xstat))
		e.u("p_nthreads", uint64(b.nthreads(p)))
		if n := len(p.lwps); n > 0 {
			e.opt("p_lasttid", uint64(p.lwps[n-1].s.tid))
		}
		e.opt("p_pglist.le_next", p.pgNext)
		e.opt("p_pglist.le_prev", p.pgPrev)
		e.opt("p_sibling.le_next", p.sibNext)
		e.opt("p_sibling.le_prev", p.sibPrev)
		e.opt("p_children.lh_first", p.children)
		if b.tree {
			e.u("p_lwp_tree.rbh_root", addrOf(p.root))
		} else if len(p.lwps) > 0 {
			e.u("p_lwps.lh_first", p.lwps[len(p.lwps)-1].addr)
		}
	})
}

// nthreads is p_nthreads: the live LWPs (a 2020 zombie's last LWP counts).
func (b *builder) nthreads(p *wproc) int { return len(p.lwps) }

func (w *writer) lwp(p *wproc, l *wlwp) {
	b := w.b
	s := l.s
	w.put(l.addr, b.L.lwp, func(e *enc) {
		e.u("lwp_proc", l.procPtr)
		e.u("lwp_thread", l.td)
		e.u("lwp_tid", uint64(s.tid))
		e.u(b.lflags, uint64(l.lwpFlags))
		e.opt("lwp_mpflags", uint64(l.mpFlags))
		e.u("lwp_stat", b.stat[s.stat])
		e.u("lwp_usdata.bsd4.priority", uint64(s.prio))
		if b.tree {
			e.u("u.lwp_rbnode.rbe_left", addrOf(l.left))
			e.u("u.lwp_rbnode.rbe_right", addrOf(l.right))
			e.u("u.lwp_rbnode.rbe_parent", addrOf(l.parent))
			color := uint64(0) // RB_BLACK
			if l.red {
				color = 1 // RB_RED
			}
			e.u("u.lwp_rbnode.rbe_color", color)
		} else {
			e.u("lwp_list.le_next", l.next)
			e.u("lwp_list.le_prev", l.prev)
		}
	})
	comm := s.comm
	if comm == "" {
		comm = p.s.comm
	}
	w.put(l.td, b.L.thread, func(e *enc) {
		e.u("td_lwp", l.addr)
		e.u("td_proc", p.addr)
		e.u("td_gd", l.gd)
		e.u("td_wmesg", l.wmesg)
		e.u("td_wchan", l.wchan)
		e.u("td_pri", uint64(s.tdpri))
		e.u("td_flags", uint64(l.tdFlags))
		e.optStr("td_comm", comm)
		e.opt("td_start.tv_sec", uint64(bootTime+p.s.start))
	})
}

func (w *writer) vmspace(p *wproc) {
	b := w.b
	v := p.s.vm
	t, d, s := v.tsz, v.dsz, v.ssz
	if b.vmBytes {
		t, d, s = t*dumptest.PageSize, d*dumptest.PageSize, s*dumptest.PageSize
	}
	w.put(p.vm, b.L.vm, func(e *enc) {
		e.u("vm_map.size", v.mapSize)
		e.u("vm_pmap.pm_stats.resident_count", v.rss)
		e.opt("vm_rssize", v.rss)
		e.u("vm_tsize", t)
		e.u("vm_dsize", d)
		e.u("vm_ssize", s)
		e.opt("vm_refcnt", 1)
	})
}

func (w *writer) pargs(p *wproc) {
	b := w.b
	args := []byte(strings.Join(p.s.args, "\x00") + "\x00")
	buf := make([]byte, b.argsOffset+len(args))
	e := &enc{b: buf, l: b.L.pargs, err: &b.err}
	e.u("ar_ref", uint64(p.argRefs))
	e.u("ar_length", uint64(len(args)))
	copy(buf[b.argsOffset:], args)
	if err := w.m.WriteVirt(p.args, buf); err != nil {
		b.fail("pargs at %#x: %v", p.args, err)
	}
}

func (w *writer) cred(c *wcred) {
	b := w.b
	w.put(c.addr, b.L.ucred, func(e *enc) {
		e.u("cr_ref", uint64(c.refs))
		e.u("cr_uid", uint64(c.s.uid))
		e.u("cr_ruid", uint64(c.s.ruid))
		e.u("cr_svuid", uint64(c.s.svuid))
		e.u("cr_rgid", uint64(c.s.rgid))
		e.u("cr_svgid", uint64(c.s.svgid))
		e.u("cr_ngroups", uint64(len(c.s.groups)))
		g := b.L.ucred.field("cr_groups")
		for i, gid := range c.s.groups {
			if 4*(i+1) <= g.size {
				binary.LittleEndian.PutUint32(e.b[g.off+4*i:], gid)
			}
		}
		switch {
		case c.s.jailed:
			e.u("cr_prison", b.jail)
		case c.addr == b.k.symbol("ucred0"):
			e.u("cr_prison", b.prison0)
		}
	})
}

func (w *writer) pgrp(g *wpgrp) {
	b := w.b
	first := uint64(0)
	if n := len(g.members); n > 0 {
		first = g.members[n-1].addr
	}
	w.put(g.addr, b.L.pgrp, func(e *enc) {
		e.u("pg_members.lh_first", first)
		e.u("pg_session", g.sess.addr)
		e.u("pg_id", uint64(g.id))
		e.u("pg_jobc", uint64(b.jobc(g)))
		e.opt("pg_refs", uint64(len(g.members)))
	})
}

// jobc counts the members whose parent is in another group of the same
// session: the processes that qualify the group for job control.
func (b *builder) jobc(g *wpgrp) int32 {
	n := int32(0)
	for _, p := range g.members {
		if q := p.parent; q != nil && q.pgrp != g && q.pgrp.sess == g.sess {
			n++
		}
	}
	return n
}

func (w *writer) session(s *wsess) {
	b := w.b
	w.put(s.addr, b.L.sess, func(e *enc) {
		e.u("s_count", uint64(s.pgrps))
		if s.leader != nil {
			e.u("s_leader", s.leader.addr)
		}
		if s.tty != nil {
			e.u("s_ttyvp", s.ttyvp)
			e.u("s_ttyp", s.tty.addr)
		}
		e.u("s_sid", uint64(s.id))
		e.str("s_login", s.s.login)
	})
}

func (w *writer) tty(t *wtty) {
	b := w.b
	fg := b.pgrps[t.sess.s.fg]
	w.put(t.addr, b.L.tty, func(e *enc) {
		e.u("t_dev", t.dev)
		if fg != nil {
			e.u("t_pgrp", fg.addr)
		}
		e.u("t_session", t.sess.addr)
	})
	w.put(t.dev, b.L.cdev, func(e *enc) {
		e.str("si_name", t.name)
		if b.L.cdev.has("si_umajor") {
			e.u("si_umajor", uint64(t.s.major))
			e.u("si_uminor", uint64(t.s.minor))
		} else {
			e.u("si_udev", uint64(t.s.major<<8|t.s.minor))
		}
		e.opt("__si_u.__si_tty.__sit_tty", t.addr)
	})
}

// globals fills the CPUs and the kernel variables the listing starts from.
func (w *writer) globals() {
	b := w.b
	var cur []uint64
	for i := range b.gds {
		cur = append(cur, b.idle[i])
	}
	var dump uint64
	if p := b.byPID[panicPID]; p != nil && len(p.lwps) > 0 {
		dump = p.lwps[0].td
		cur[p.lwps[0].s.cpu] = dump
	}
	for i, gd := range b.gds {
		w.put(gd, b.L.gd, func(e *enc) {
			e.u("gd_cpuid", uint64(i))
			e.u("gd_curthread", cur[i])
		})
		if b.idle[i] != 0 {
			idle := b.idle[i] - gd
			th := b.L.thread.field("td_gd")
			comm := b.L.thread.field("td_comm")
			buf := make([]byte, b.L.thread.size)
			binary.LittleEndian.PutUint64(buf[th.off:], gd)
			if comm.ok {
				copy(buf[comm.off:comm.off+comm.size-1], "idle_"+string(rune('0'+i)))
			}
			if err := w.m.WriteVirt(gd+idle, buf); err != nil {
				b.fail("idle thread of cpu %d: %v", i, err)
			}
		}
	}
	nprocs := uint64(len(b.procs))
	for _, g := range []struct {
		name string
		size int
		v    uint64
	}{
		{"nprocs", 4, nprocs},
		{"ncpus", 4, ncpus},
		{"initproc", 8, b.byPID[1].addr},
		{"dumpthread", 8, dump},
	} {
		if a := b.k.symbol(g.name); a != 0 {
			w.putU(a, g.size, g.v)
		}
	}
	for _, hd := range b.heads {
		first := uint64(0)
		if len(hd.procs) > 0 {
			first = hd.procs[0].addr
		}
		w.putU(hd.addr, 8, first)
	}
}
