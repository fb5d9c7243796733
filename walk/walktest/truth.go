package walktest

import (
	"slices"

	"github.com/kdump-bsd/kdump/dump"
)

// model computes what a correct analyzer reports when the damages in active
// are visible (pointer damages always are; excluded pages only in minidumps).
func (b *builder) model(active map[Damage]bool) *Model {
	m := &Model{
		Era: b.era, LWPs: "p_lwps", VMSegBytes: b.vmBytes, LSRunRule: b.lsRunRule,
		LWPComm: b.lwpComm, WMesgLen: b.wmesgLen, NProcs: int32(len(b.procs)), NCPUs: len(b.gds),
		InitProc: dump.Addr(b.byPID[1].addr),
	}
	if b.tree {
		m.LWPs = "p_lwp_tree"
	}
	for _, hd := range b.heads {
		m.Heads = append(m.Heads, Head{Name: hd.name, Addr: dump.Addr(hd.addr)})
	}
	for _, gd := range b.gds {
		m.GlobalData = append(m.GlobalData, dump.Addr(gd))
	}
	if p := b.byPID[panicPID]; p != nil && len(p.lwps) > 0 {
		m.DumpThread, m.PanicPID, m.PanicTID = dump.Addr(p.lwps[0].td), p.s.pid, p.lwps[0].s.tid
	}
	lost := map[*wproc]bool{}
	if active[DamageMissingProcPage] {
		// The walk cannot read the victim's le_next: it and everything
		// behind it on its list are lost.
		v := b.byPID[missingProcPID]
		i := slices.Index(v.head.procs, v)
		for _, p := range v.head.procs[i:] {
			lost[p] = true
		}
	}
	for _, p := range b.procs {
		if lost[p] {
			m.Lost = append(m.Lost, p.s.pid)
			continue
		}
		m.Procs = append(m.Procs, b.modelProc(p, active))
	}
	for _, d := range Damages() {
		if active[d] {
			m.Warnings = append(m.Warnings, b.warnings[d]...)
		}
	}
	for _, n := range b.notes {
		if active[n.Damage] {
			m.Damage = append(m.Damage, n)
		}
	}
	m.sortProcs()
	return m
}

func (b *builder) modelProc(p *wproc, active map[Damage]bool) Proc {
	s := p.s
	g := p.pgrp
	sess := g.sess
	mp := Proc{
		Addr: dump.Addr(p.addr), Head: p.head.name, PID: s.pid, PPID: -1, PGID: g.id, SID: sess.id,
		Jobc: b.jobc(g), Comm: s.comm, Stat: s.stat, Flags: s.flags, Nice: int32(s.nice),
		NThreads: int32(b.nthreads(p)), Login: sess.s.login, SessionLeader: sess.leader == p,
		Start: Timeval{Sec: bootTime + s.start, Usec: int64(s.pid) * 997 % 1000000},
	}
	switch {
	case s.oppid != 0:
		mp.PPID = s.oppid
	case p.parent != nil:
		mp.PPID = p.parent.s.pid
	}
	if s.flags&pControlT != 0 && sess.tty != nil {
		t := sess.tty
		dev, name, tsid, tpgid := t.s.major<<8|t.s.minor, t.name, sess.id, int32(-1)
		if fg := b.pgrps[sess.s.fg]; fg != nil {
			tpgid = fg.id
		}
		mp.TDev, mp.TTY, mp.TSID, mp.TPGID = &dev, &name, &tsid, &tpgid
	}
	if active[DamageDanglingUcred] && s.pid == danglingPID {
		mp.Unreadable = []string{"p_ucred"}
	} else {
		c := p.cred.s
		uid, ruid, svuid, rgid, svgid := c.uid, c.ruid, c.svuid, c.rgid, c.svgid
		mp.UID, mp.RUID, mp.SVUID, mp.RGID, mp.SVGID = &uid, &ruid, &svuid, &rgid, &svgid
		mp.Groups = slices.Clone(c.groups)
		jail := int32(0)
		if c.jailed {
			jail = 1
		}
		mp.JailID = &jail
	}
	if s.args != nil {
		mp.Args = slices.Clone(s.args)
	}
	if p.vm != 0 {
		v := s.vm
		mp.VM = &VM{MapSize: v.mapSize, RSS: v.rss * dump.PageSize,
			TSize: v.tsz * dump.PageSize, DSize: v.dsz * dump.PageSize, SSize: v.ssz * dump.PageSize}
	}
	if active[DamageMissingLWPPage] && s.pid == missingLWPPID {
		return mp
	}
	for _, l := range p.lwps {
		mp.LWPs = append(mp.LWPs, b.modelLWP(p, l))
	}
	return mp
}

func (b *builder) modelLWP(p *wproc, l *wlwp) LWP {
	s := l.s
	ml := LWP{
		Addr: dump.Addr(l.addr), Thread: dump.Addr(l.td), TID: s.tid, Stat: s.stat, Flags: l.lwpFlags,
		TDFlags: l.tdFlags, CPU: s.cpu, Prio: int32(s.prio), TDPrio: s.tdpri, WChan: dump.Addr(l.wchan),
		WChanSym: l.wchanSym,
	}
	if b.lsRunRule && s.stat == "LSRUN" && l.tdFlags&tdfRunq == 0 && l.mpFlags&lwpMPOnRunq == 0 {
		ml.Stat = "LSSLEEP"
	}
	if l.wmesgStr != "" {
		w := l.wmesgStr
		if len(w) > b.wmesgLen {
			w = w[:b.wmesgLen]
		}
		ml.WMesg = &w
	}
	if b.lwpComm {
		c := s.comm
		if c == "" {
			c = p.s.comm
		}
		if len(c) > 16 {
			c = c[:16]
		}
		ml.Comm = &c
	}
	return ml
}
