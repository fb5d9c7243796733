package structs

import (
	"encoding/binary"
	"strings"

	"github.com/kdump-bsd/kdump/dump"
)

// Each method below reads the record's span once (open), decodes every
// member found from it, and leaves the members it could not read zero and
// named in Faults.

// Proc decodes the struct proc at a.
func (d *Decoder) Proc(r dump.Reader, a dump.Addr) *Proc {
	t := &d.proc
	v := open(r, a, &t.recTable)
	defer v.close()
	p := &Proc{
		Addr:     a,
		ListNext: v.addr(&t.listNext),
		ListPrev: v.addr(&t.listPrev),

		UCred:   v.addr(&t.ucred),
		FD:      v.addr(&t.fd),
		Sigacts: v.addr(&t.sigacts),
		Pptr:    v.addr(&t.pptr),
		Vmspace: v.addr(&t.vmspace),
		Pgrp:    v.addr(&t.pgrp),
		Args:    v.addr(&t.args),

		Flags:     uint32(v.u64(&t.flags)),
		Stat:      int32(v.i64(&t.stat)),
		PID:       int32(v.i64(&t.pid)),
		PPID:      int32(v.i64(&t.ppid)),
		OPPID:     int32(v.i64(&t.oppid)),
		Lock:      int32(v.i64(&t.lock)),
		NThreads:  int32(v.i64(&t.nthreads)),
		Nice:      int8(v.i64(&t.nice)),
		XStat:     uint16(v.u64(&t.xstat)),
		AcFlag:    uint16(v.u64(&t.acflag)),
		TraceFlag: int32(v.i64(&t.traceflag)),
		SwTime:    uint32(v.u64(&t.swtime)),
		Start:     v.timeval(&t.start),
		SigList:   v.sigset(&t.siglist),
		RU:        v.rusage(&t.ru),
		CRU:       v.rusage(&t.cru),
		Comm:      v.str(&t.comm),

		LWPTreeRoot:  v.addr(&t.lwpTree),
		LWPListFirst: v.addr(&t.lwpList),

		Members: t.names,
	}
	p.Faults = v.faults
	return p
}

// LWP decodes the struct lwp at a.
func (d *Decoder) LWP(r dump.Reader, a dump.Addr) *LWP {
	t := &d.lwp
	v := open(r, a, &t.recTable)
	defer v.close()
	l := &LWP{
		Addr:    a,
		Proc:    v.addr(&t.proc),
		Thread:  v.addr(&t.thread),
		TID:     int32(v.i64(&t.tid)),
		Flags:   uint32(v.u64(&t.flags)),
		MPFlags: uint32(v.u64(&t.mpflags)),
		Stat:    int32(v.i64(&t.stat)),
		Lock:    int32(v.i64(&t.lock)),
		Prio:    int16(v.i64(&t.prio)),
		OrigCPU: int32(v.i64(&t.origcpu)),
		EstCPU:  int32(v.i64(&t.estcpu)),
		CPTicks: v.u64(&t.cpticks),
		PctCPU:  uint32(v.u64(&t.pctcpu)),
		SlpTime: uint32(v.u64(&t.slptime)),
		RTPrio:  v.rtprio(&t.rtprio),
		RU:      v.rusage(&t.ru),
		SigList: v.sigset(&t.siglist),
		SigMask: v.sigset(&t.sigmask),

		RBLeft:   v.addr(&t.rbLeft),
		RBRight:  v.addr(&t.rbRight),
		RBParent: v.addr(&t.rbParent),
		RBColor:  int32(v.i64(&t.rbColor)),
		ListNext: v.addr(&t.next),
		ListPrev: v.addr(&t.prevLink),

		Members: t.names,
	}
	l.Faults = v.faults
	return l
}

// Thread decodes the struct thread at a, and the wait message it points to
// (at most MaxWMesg bytes; an unreadable string is a fault on "td_wmesg").
func (d *Decoder) Thread(r dump.Reader, a dump.Addr) *Thread {
	t := &d.thread
	v := open(r, a, &t.recTable)
	defer v.close()
	td := &Thread{
		Addr:     a,
		LWP:      v.addr(&t.lwp),
		Proc:     v.addr(&t.proc),
		GD:       v.addr(&t.gd),
		WMesgPtr: v.addr(&t.wmesg),
		WChan:    v.addr(&t.wchan),
		Pri:      int32(v.i64(&t.pri)),
		Flags:    uint32(v.u64(&t.flags)),
		UTicks:   v.u64(&t.uticks),
		STicks:   v.u64(&t.sticks),
		ITicks:   v.u64(&t.iticks),
		Start:    v.timeval(&t.start),
		Comm:     v.str(&t.comm),

		Members: t.names,
	}
	if td.WMesgPtr != 0 {
		// The span buffer is free again once the members are decoded.
		s, at, err := readCString(r, td.WMesgPtr, v.buf[:MaxWMesg])
		if err != nil {
			v.fault(t.wmesg.name, at, err)
		}
		td.WMesg = s
	}
	td.Faults = v.faults
	return td
}

// Globaldata decodes the struct globaldata at a (gd_cpuid only: the rest
// of the struct, 14 KB in 2020, is not read).
func (d *Decoder) Globaldata(r dump.Reader, a dump.Addr) *Globaldata {
	t := &d.globaldata
	v := open(r, a, &t.recTable)
	defer v.close()
	g := &Globaldata{Addr: a, CPUID: uint32(v.u64(&t.cpuid)), Members: t.names}
	g.Faults = v.faults
	return g
}

// Pgrp decodes the struct pgrp at a.
func (d *Decoder) Pgrp(r dump.Reader, a dump.Addr) *Pgrp {
	t := &d.pgrp
	v := open(r, a, &t.recTable)
	defer v.close()
	g := &Pgrp{
		Addr:         a,
		MembersFirst: v.addr(&t.members),
		Session:      v.addr(&t.session),
		ID:           int32(v.i64(&t.id)),
		Jobc:         int32(v.i64(&t.jobc)),
		Members:      t.names,
	}
	g.Faults = v.faults
	return g
}

// Session decodes the struct session at a.
func (d *Decoder) Session(r dump.Reader, a dump.Addr) *Session {
	t := &d.session
	v := open(r, a, &t.recTable)
	defer v.close()
	s := &Session{
		Addr:    a,
		Count:   int32(v.i64(&t.count)),
		Leader:  v.addr(&t.leader),
		TTYVP:   v.addr(&t.ttyvp),
		TTYP:    v.addr(&t.ttyp),
		SID:     int32(v.i64(&t.sid)),
		Login:   v.str(&t.login),
		Members: t.names,
	}
	s.Faults = v.faults
	return s
}

// TTY decodes the struct tty at a.
func (d *Decoder) TTY(r dump.Reader, a dump.Addr) *TTY {
	t := &d.tty
	v := open(r, a, &t.recTable)
	defer v.close()
	y := &TTY{
		Addr:    a,
		Dev:     v.addr(&t.dev),
		Pgrp:    v.addr(&t.pgrp),
		Session: v.addr(&t.session),
		Members: t.names,
	}
	y.Faults = v.faults
	return y
}

// Cdev decodes the struct cdev at a.
func (d *Decoder) Cdev(r dump.Reader, a dump.Addr) *Cdev {
	t := &d.cdev
	v := open(r, a, &t.recTable)
	defer v.close()
	c := &Cdev{
		Addr:    a,
		UMinor:  int32(v.i64(&t.uminor)),
		UMajor:  int32(v.i64(&t.umajor)),
		UDev:    uint32(v.u64(&t.udev)),
		Name:    v.str(&t.name),
		Members: t.names,
	}
	c.Faults = v.faults
	return c
}

// UCred decodes the struct ucred at a. Groups holds the first
// min(cr_ngroups, len(cr_groups)) groups; a negative cr_ngroups gives none.
func (d *Decoder) UCred(r dump.Reader, a dump.Addr) *UCred {
	t := &d.ucred
	v := open(r, a, &t.recTable)
	defer v.close()
	c := &UCred{
		Addr:    a,
		UID:     uint32(v.u64(&t.uid)),
		NGroups: int16(v.i64(&t.ngroups)),
		Prison:  v.addr(&t.prison),
		RUID:    uint32(v.u64(&t.ruid)),
		SVUID:   uint32(v.u64(&t.svuid)),
		RGID:    uint32(v.u64(&t.rgid)),
		SVGID:   uint32(v.u64(&t.svgid)),
		Members: t.names,
	}
	if n := min(int64(c.NGroups), t.groups.count); n > 0 {
		g := t.groups
		g.size = 4 * n // only the entries in use must be readable
		if b := v.bytes(&g); b != nil {
			c.Groups = make([]uint32, n)
			for i := range c.Groups {
				c.Groups[i] = binary.LittleEndian.Uint32(b[4*i:])
			}
		}
	}
	c.Faults = v.faults
	return c
}

// Prison decodes the struct prison at a.
func (d *Decoder) Prison(r dump.Reader, a dump.Addr) *Prison {
	t := &d.prison
	v := open(r, a, &t.recTable)
	defer v.close()
	p := &Prison{Addr: a, ID: int32(v.i64(&t.id)), Members: t.names}
	p.Faults = v.faults
	return p
}

// Vmspace decodes the struct vmspace at a.
func (d *Decoder) Vmspace(r dump.Reader, a dump.Addr) *Vmspace {
	t := &d.vmspace
	v := open(r, a, &t.recTable)
	defer v.close()
	s := &Vmspace{
		Addr:     a,
		MapSize:  v.u64(&t.mapSize),
		Resident: v.i64(&t.resident),
		SwRSS:    v.i64(&t.swrss),
		TSize:    v.i64(&t.tsize),
		DSize:    v.i64(&t.dsize),
		SSize:    v.i64(&t.ssize),
		Members:  t.names,
	}
	s.Faults = v.faults
	return s
}

// Sigacts decodes the struct sigacts at a.
func (d *Decoder) Sigacts(r dump.Reader, a dump.Addr) *Sigacts {
	t := &d.sigacts
	v := open(r, a, &t.recTable)
	defer v.close()
	s := &Sigacts{
		Addr:      a,
		SigIgnore: v.sigset(&t.ignore),
		SigCatch:  v.sigset(&t.catch),
		Flag:      int32(v.i64(&t.flag)),
		Members:   t.names,
	}
	s.Faults = v.faults
	return s
}

// Pargs decodes the struct pargs at a and the argument strings after it:
// min(ar_length, MaxArgsBytes) bytes of ar_args, split on NUL. A NUL ends
// each argument; bytes after the last NUL are a last, cut argument
// (Truncated), as is everything past MaxArgsBytes. Unreadable argument
// bytes leave Args nil and are a fault on "ar_args".
func (d *Decoder) Pargs(r dump.Reader, a dump.Addr) *Pargs {
	t := &d.pargs
	v := open(r, a, &t.recTable)
	p := &Pargs{
		Addr:    a,
		Ref:     uint32(v.u64(&t.ref)),
		Length:  uint32(v.u64(&t.length)),
		Members: t.names,
	}
	lengthKnown := v.bytes(&t.length) != nil
	v.close()
	if t.args.ok && lengthKnown && p.Length > 0 {
		n := min(int64(p.Length), MaxArgsBytes) // bounded before anything is allocated
		buf := make([]byte, n)
		if at, err := readFull(r, a+dump.Addr(t.args.off), buf); err != nil {
			v.fault(t.args.name, at, err)
		} else {
			p.Args, p.Truncated = splitArgs(buf)
			p.Truncated = p.Truncated || int64(p.Length) > MaxArgsBytes
		}
	}
	p.Faults = v.faults
	return p
}

// readFull reads len(buf) bytes at a; after a short read, at is the first
// address that could not be read.
func readFull(r dump.Reader, a dump.Addr, buf []byte) (at dump.Addr, err error) {
	n, err := r.ReadAt(buf, a)
	if n >= len(buf) {
		return 0, nil
	}
	if err == nil {
		err = errShortRead
	}
	return a + dump.Addr(max(n, 0)), err
}

// splitArgs splits NUL-terminated argument strings. The NUL after the last
// argument ends it; a last argument without one is kept and reported as
// cut. The arguments share one string allocation.
func splitArgs(b []byte) (args []string, cut bool) {
	if len(b) == 0 {
		return nil, false
	}
	s := string(b)
	cut = s[len(s)-1] != 0
	if !cut {
		s = s[:len(s)-1]
	}
	return strings.Split(s, "\x00"), cut
}
