package structs

import (
	"fmt"
	"slices"
)

// recTable is what every record kind's table shares: the struct, the span of
// bytes one record read covers, and the names of the members found.
type recTable struct {
	strct  string
	lo, hi int64    // the span [lo, hi) read per record, from the struct's start
	names  []string // the members found, sorted (Proc.Members and the like)
}

// finish computes the span of the members found, drops any that would make
// it wider than maxSpan (only a hostile layout has them), and records the
// names.
func (r *resolver) finish(t *recTable, strct string, ms []*mem) {
	t.strct = strct
	t.lo, t.hi = 0, 0
	first := true
	for _, m := range ms {
		if m.ok && (first || m.off < t.lo) {
			t.lo, first = m.off, false
		}
	}
	for _, m := range ms {
		if !m.ok {
			continue
		}
		if m.end()-t.lo > maxSpan {
			r.absent = append(r.absent, fmt.Sprintf("struct %s.%s: at offset %d, more than %d bytes past the first member read", strct, m.name, m.off, maxSpan))
			*m = mem{}
			continue
		}
		t.hi = max(t.hi, m.end())
		if !slices.Contains(t.names, m.name) {
			t.names = append(t.names, m.name)
		}
	}
	slices.Sort(t.names)
}

func (t *timevalMem) mems() []*mem { return []*mem{&t.sec, &t.usec} }
func (t *rtprioMem) mems() []*mem  { return []*mem{&t.typ, &t.prio} }
func (u *rusageMem) mems() []*mem {
	return append(append(u.utime.mems(), u.stime.mems()...), &u.maxrss)
}

type procTable struct {
	recTable
	listNext, listPrev                                         mem
	ucred, fd, sigacts, pptr, vmspace, pgrp, args              mem
	flags, stat, pid, ppid, oppid, lock, nthreads, nice, xstat mem
	acflag, traceflag, swtime                                  mem
	start                                                      timevalMem
	siglist                                                    mem
	ru, cru                                                    rusageMem
	comm                                                       mem
	lwpTree, lwpList                                           mem
}

func (r *resolver) procTable() procTable {
	lay := r.layout("proc")
	t := procTable{
		listNext: r.member(lay, shapePtr, "p_list.le_next"),
		listPrev: r.member(lay, shapePtr, "p_list.le_prev"),
		ucred:    r.member(lay, shapePtr, "p_ucred"),
		fd:       r.member(lay, shapePtr, "p_fd"),
		sigacts:  r.member(lay, shapePtr, "p_sigacts"),
		pptr:     r.member(lay, shapePtr, "p_pptr"),
		vmspace:  r.member(lay, shapePtr, "p_vmspace"),
		pgrp:     r.member(lay, shapePtr, "p_pgrp"),
		args:     r.member(lay, shapePtr, "p_args"),

		flags:     r.member(lay, shapeInt, "p_flags", "p_flag"),
		stat:      r.member(lay, shapeInt, "p_stat"),
		pid:       r.member(lay, shapeInt, "p_pid"),
		ppid:      r.member(lay, shapeInt, "p_ppid"),
		oppid:     r.member(lay, shapeInt, "p_oppid"),
		lock:      r.member(lay, shapeInt, "p_lock"),
		nthreads:  r.member(lay, shapeInt, "p_nthreads"),
		nice:      r.member(lay, shapeInt, "p_nice"),
		xstat:     r.member(lay, shapeInt, "p_xstat"),
		acflag:    r.member(lay, shapeInt, "p_acflag"),
		traceflag: r.member(lay, shapeInt, "p_traceflag"),
		swtime:    r.member(lay, shapeInt, "p_swtime"),
		start:     r.timeval(lay, "p_start"),
		siglist:   r.member(lay, shapeSigset, "p_siglist"),
		ru:        r.rusage(lay, "p_ru"),
		cru:       r.rusage(lay, "p_cru"),
		comm:      r.member(lay, shapeString, "p_comm"),
	}
	// One of the two LWP containers; the other is not "absent".
	if lay != nil && lay.Has("p_lwps") && !lay.Has("p_lwp_tree") {
		t.lwpList = r.member(lay, shapePtr, "p_lwps.lh_first")
	} else {
		t.lwpTree = r.member(lay, shapePtr, "p_lwp_tree.rbh_root")
	}
	ms := []*mem{&t.listNext, &t.listPrev, &t.ucred, &t.fd, &t.sigacts, &t.pptr, &t.vmspace, &t.pgrp, &t.args,
		&t.flags, &t.stat, &t.pid, &t.ppid, &t.oppid, &t.lock, &t.nthreads, &t.nice, &t.xstat,
		&t.acflag, &t.traceflag, &t.swtime, &t.siglist, &t.comm, &t.lwpTree, &t.lwpList}
	ms = append(append(append(ms, t.start.mems()...), t.ru.mems()...), t.cru.mems()...)
	r.finish(&t.recTable, "proc", ms)
	return t
}

type lwpTable struct {
	recTable
	proc, thread                                       mem
	tid, flags, mpflags, stat, lock                    mem
	prio, origcpu, estcpu, cpticks, pctcpu, slptime    mem
	rtprio                                             rtprioMem
	ru                                                 rusageMem
	siglist, sigmask                                   mem
	rbLeft, rbRight, rbParent, rbColor, next, prevLink mem
}

func (r *resolver) lwpTable() lwpTable {
	lay := r.layout("lwp")
	t := lwpTable{
		proc:    r.member(lay, shapePtr, "lwp_proc"),
		thread:  r.member(lay, shapePtr, "lwp_thread"),
		tid:     r.member(lay, shapeInt, "lwp_tid"),
		flags:   r.member(lay, shapeInt, "lwp_flags", "lwp_flag"),
		stat:    r.member(lay, shapeInt, "lwp_stat"),
		lock:    r.member(lay, shapeInt, "lwp_lock"),
		prio:    r.member(lay, shapeInt, "lwp_usdata.bsd4.priority"),
		origcpu: r.member(lay, shapeInt, "lwp_usdata.bsd4.batch", "lwp_usdata.bsd4.origcpu"),
		estcpu:  r.member(lay, shapeInt, "lwp_usdata.bsd4.estcpu"),
		cpticks: r.member(lay, shapeInt, "lwp_cpticks"),
		pctcpu:  r.member(lay, shapeInt, "lwp_pctcpu"),
		slptime: r.member(lay, shapeInt, "lwp_slptime"),
		rtprio:  r.rtprio(lay, "lwp_rtprio"),
		ru:      r.rusage(lay, "lwp_ru"),
		siglist: r.member(lay, shapeSigset, "lwp_siglist"),
		sigmask: r.member(lay, shapeSigset, "lwp_sigmask"),
	}
	// lwp_mpflags was split off lwp_flag in 2011; older kernels lack it.
	if lay != nil && lay.Has("lwp_mpflags") {
		t.mpflags = r.member(lay, shapeInt, "lwp_mpflags")
	}
	// The LWP linkage of the era: the red-black node or the list entry.
	if lay != nil && lay.Has("lwp_list") && !lay.Has("u.lwp_rbnode") {
		t.next = r.member(lay, shapePtr, "lwp_list.le_next")
		t.prevLink = r.member(lay, shapePtr, "lwp_list.le_prev")
	} else {
		t.rbLeft = r.member(lay, shapePtr, "u.lwp_rbnode.rbe_left")
		t.rbRight = r.member(lay, shapePtr, "u.lwp_rbnode.rbe_right")
		t.rbParent = r.member(lay, shapePtr, "u.lwp_rbnode.rbe_parent")
		t.rbColor = r.member(lay, shapeInt, "u.lwp_rbnode.rbe_color")
	}
	ms := []*mem{&t.proc, &t.thread, &t.tid, &t.flags, &t.mpflags, &t.stat, &t.lock,
		&t.prio, &t.origcpu, &t.estcpu, &t.cpticks, &t.pctcpu, &t.slptime,
		&t.siglist, &t.sigmask, &t.rbLeft, &t.rbRight, &t.rbParent, &t.rbColor, &t.next, &t.prevLink}
	ms = append(append(ms, t.rtprio.mems()...), t.ru.mems()...)
	r.finish(&t.recTable, "lwp", ms)
	return t
}

type threadTable struct {
	recTable
	lwp, proc, gd, wmesg, wchan mem
	pri, flags                  mem
	uticks, sticks, iticks      mem
	start                       timevalMem
	comm                        mem
}

func (r *resolver) threadTable() threadTable {
	lay := r.layout("thread")
	t := threadTable{
		lwp:    r.member(lay, shapePtr, "td_lwp"),
		proc:   r.member(lay, shapePtr, "td_proc"),
		gd:     r.member(lay, shapePtr, "td_gd"),
		wmesg:  r.member(lay, shapePtr, "td_wmesg"),
		wchan:  r.member(lay, shapePtr, "td_wchan"),
		pri:    r.member(lay, shapeInt, "td_pri"),
		flags:  r.member(lay, shapeInt, "td_flags"),
		uticks: r.member(lay, shapeInt, "td_uticks"),
		sticks: r.member(lay, shapeInt, "td_sticks"),
		iticks: r.member(lay, shapeInt, "td_iticks"),
		start:  r.timeval(lay, "td_start"),
		comm:   r.member(lay, shapeString, "td_comm"),
	}
	ms := []*mem{&t.lwp, &t.proc, &t.gd, &t.wmesg, &t.wchan, &t.pri, &t.flags, &t.uticks, &t.sticks, &t.iticks, &t.comm}
	r.finish(&t.recTable, "thread", append(ms, t.start.mems()...))
	return t
}

type globaldataTable struct {
	recTable
	cpuid mem
}

func (r *resolver) globaldataTable() globaldataTable {
	t := globaldataTable{cpuid: r.member(r.layout("globaldata"), shapeInt, "gd_cpuid")}
	r.finish(&t.recTable, "globaldata", []*mem{&t.cpuid})
	return t
}

type pgrpTable struct {
	recTable
	members, session, id, jobc mem
}

func (r *resolver) pgrpTable() pgrpTable {
	lay := r.layout("pgrp")
	t := pgrpTable{
		members: r.member(lay, shapePtr, "pg_members.lh_first"),
		session: r.member(lay, shapePtr, "pg_session"),
		id:      r.member(lay, shapeInt, "pg_id"),
		jobc:    r.member(lay, shapeInt, "pg_jobc"),
	}
	r.finish(&t.recTable, "pgrp", []*mem{&t.members, &t.session, &t.id, &t.jobc})
	return t
}

type sessionTable struct {
	recTable
	count, leader, ttyvp, ttyp, sid, login mem
}

func (r *resolver) sessionTable() sessionTable {
	lay := r.layout("session")
	t := sessionTable{
		count:  r.member(lay, shapeInt, "s_count"),
		leader: r.member(lay, shapePtr, "s_leader"),
		ttyvp:  r.member(lay, shapePtr, "s_ttyvp"),
		ttyp:   r.member(lay, shapePtr, "s_ttyp"),
		sid:    r.member(lay, shapeInt, "s_sid"),
		login:  r.member(lay, shapeString, "s_login"),
	}
	r.finish(&t.recTable, "session", []*mem{&t.count, &t.leader, &t.ttyvp, &t.ttyp, &t.sid, &t.login})
	return t
}

type ttyTable struct {
	recTable
	dev, pgrp, session mem
}

func (r *resolver) ttyTable() ttyTable {
	lay := r.layout("tty")
	t := ttyTable{
		dev:     r.member(lay, shapePtr, "t_dev"),
		pgrp:    r.member(lay, shapePtr, "t_pgrp"),
		session: r.member(lay, shapePtr, "t_session"),
	}
	r.finish(&t.recTable, "tty", []*mem{&t.dev, &t.pgrp, &t.session})
	return t
}

type cdevTable struct {
	recTable
	uminor, umajor, udev, name mem
}

func (r *resolver) cdevTable() cdevTable {
	lay := r.layout("cdev")
	var t cdevTable
	// si_udev (2007) or si_umajor/si_uminor (later): whichever the era has.
	if lay != nil && lay.Has("si_udev") && !lay.Has("si_umajor") {
		t.udev = r.member(lay, shapeInt, "si_udev")
	} else {
		t.uminor = r.member(lay, shapeInt, "si_uminor")
		t.umajor = r.member(lay, shapeInt, "si_umajor")
	}
	t.name = r.member(lay, shapeString, "si_name")
	r.finish(&t.recTable, "cdev", []*mem{&t.uminor, &t.umajor, &t.udev, &t.name})
	return t
}

type ucredTable struct {
	recTable
	uid, ngroups, groups, prison, ruid, svuid, rgid, svgid mem
}

func (r *resolver) ucredTable() ucredTable {
	lay := r.layout("ucred")
	t := ucredTable{
		uid:     r.member(lay, shapeInt, "cr_uid"),
		ngroups: r.member(lay, shapeInt, "cr_ngroups"),
		groups:  r.member(lay, shapeGroups, "cr_groups"),
		prison:  r.member(lay, shapePtr, "cr_prison"),
		ruid:    r.member(lay, shapeInt, "cr_ruid"),
		svuid:   r.member(lay, shapeInt, "cr_svuid"),
		rgid:    r.member(lay, shapeInt, "cr_rgid"),
		svgid:   r.member(lay, shapeInt, "cr_svgid"),
	}
	r.finish(&t.recTable, "ucred", []*mem{&t.uid, &t.ngroups, &t.groups, &t.prison, &t.ruid, &t.svuid, &t.rgid, &t.svgid})
	return t
}

type prisonTable struct {
	recTable
	id mem
}

func (r *resolver) prisonTable() prisonTable {
	t := prisonTable{id: r.member(r.layout("prison"), shapeInt, "pr_id")}
	r.finish(&t.recTable, "prison", []*mem{&t.id})
	return t
}

type vmspaceTable struct {
	recTable
	mapSize, resident, swrss, tsize, dsize, ssize mem
}

func (r *resolver) vmspaceTable() vmspaceTable {
	lay := r.layout("vmspace")
	t := vmspaceTable{
		mapSize:  r.member(lay, shapeInt, "vm_map.size"),
		resident: r.member(lay, shapeInt, "vm_pmap.pm_stats.resident_count"),
		swrss:    r.member(lay, shapeInt, "vm_swrss"),
		tsize:    r.member(lay, shapeInt, "vm_tsize"),
		dsize:    r.member(lay, shapeInt, "vm_dsize"),
		ssize:    r.member(lay, shapeInt, "vm_ssize"),
	}
	r.finish(&t.recTable, "vmspace", []*mem{&t.mapSize, &t.resident, &t.swrss, &t.tsize, &t.dsize, &t.ssize})
	return t
}

type sigactsTable struct {
	recTable
	ignore, catch, flag mem
}

func (r *resolver) sigactsTable() sigactsTable {
	lay := r.layout("sigacts")
	t := sigactsTable{
		ignore: r.member(lay, shapeSigset, "ps_sigignore"),
		catch:  r.member(lay, shapeSigset, "ps_sigcatch"),
		flag:   r.member(lay, shapeInt, "ps_flag"),
	}
	r.finish(&t.recTable, "sigacts", []*mem{&t.ignore, &t.catch, &t.flag})
	return t
}

type pargsTable struct {
	recTable
	ref, length, args mem
}

func (r *resolver) pargsTable() pargsTable {
	lay := r.layout("pargs")
	t := pargsTable{
		ref:    r.member(lay, shapeInt, "ar_ref"),
		length: r.member(lay, shapeInt, "ar_length"),
		args:   r.member(lay, shapeFlex, "ar_args"),
	}
	// ar_args is read separately (its length is in the header): the span
	// covers the header only, but the name is a member like the others.
	args := t.args
	r.finish(&t.recTable, "pargs", []*mem{&t.ref, &t.length})
	if args.ok {
		t.names = append(t.names, args.name)
		slices.Sort(t.names)
	}
	return t
}
