package report

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"time"
	"unsafe"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/walk"
)

// Proc is one process of the kdump/1 report: what kinfo_proc says of it
// (spec §11.2), with kernel pointers resolved and units made bytes.
//
// A pointer field (or a nil slice) is JSON null when the value is unknown
// (the member could not be read: Faults says which and where) or absent (the
// kernel had no such thing: no parent, no controlling tty, no argument
// cache). Where kinfo uses a sentinel for "absent" (ppid, tpgid, tsid -1;
// tdev NOUDEV) the report says null instead.
type Proc struct {
	Addr dump.Addr `json:"addr"` // the kernel address of the struct proc (kp_paddr)
	// List names the process list the walk found it on
	// ("procglob[17].allproc", "zombproc").
	List string `json:"list"`

	PID  *int32 `json:"pid"`
	PPID *int32 `json:"ppid"` // p_oppid if non-zero, else the parent's p_pid
	PGID *int32 `json:"pgid"`
	Jobc *int32 `json:"jobc"` // pg_jobc
	SID  *int32 `json:"sid"`
	// SessionLeader is s_leader == this proc (KI_SLEADER, which libkvm never
	// sets on dumps, spec §9.7).
	SessionLeader *bool `json:"session_leader"`

	// The controlling terminal: set only when P_CONTROLT is set and the
	// session has a tty.
	TPGID *int32  `json:"tpgid"` // the tty's foreground process group
	TSID  *int32  `json:"tsid"`  // the tty's session
	TDev  *uint32 `json:"tdev"`  // devid_from_dev(t_dev), spec §13
	TTY   *string `json:"tty"`   // the cdev's si_name ("ttyp0", "ttyv0", "console")
	// CTTY is s_ttyvp != NULL: the session still holds its terminal's vnode
	// (KI_CTTY; ps prints "-" after the tt name when it does not).
	CTTY *bool `json:"ctty"`

	UID    *uint32  `json:"uid"`
	RUID   *uint32  `json:"ruid"`
	SVUID  *uint32  `json:"svuid"`
	RGID   *uint32  `json:"rgid"`
	SVGID  *uint32  `json:"svgid"`
	Groups []uint32 `json:"groups"` // cr_groups[0:cr_ngroups]; [0] is the effective gid

	Comm *string  `json:"comm"` // p_comm
	Args []string `json:"args"` // the p_args cache; null when the kernel kept none
	// ArgsTruncated is set when the cache was longer than kdump reads, or
	// its last string had no terminating NUL.
	ArgsTruncated bool `json:"args_truncated"`

	Stat  *string `json:"stat"`  // SIDL SACTIVE SSTOP SZOMB SCORE, or "unknown(N)"
	Flags *uint32 `json:"flags"` // p_flags, raw
	Lock  *int32  `json:"lock"`  // p_lock (the hold count; ps prints L when positive)
	// XStat is p_xstat: the wait status of a zombie, the stop signal of a
	// stopped process (kp_exitstat).
	XStat    *uint16 `json:"xstat"`
	JailID   *int32  `json:"jail_id"` // pr_id of cr_prison, 0 when not jailed
	Nice     *int    `json:"nice"`
	NThreads *int32  `json:"nthreads"`
	Login    *string `json:"login"` // s_login
	// Start is p_start in RFC 3339 with microseconds, UTC; null when zero.
	Start *string `json:"start"`

	VM   *VM   `json:"vm"` // null when p_vmspace is NULL
	LWPs []LWP `json:"lwps"`
	// Faults lists every member kdump could not read for this process, named
	// by object and kernel member ("ucred.cr_uid", "proc.p_comm"); an object
	// that could not be read at all is "ucred.*".
	Faults []Fault `json:"faults"`
}

// VM is the address-space size of a process, in bytes.
type VM struct {
	MapSize *uint64 `json:"map_size"` // vm_map.size
	RSS     *int64  `json:"rss"`      // resident pages × 4096
	TSize   *int64  `json:"tsize"`    // text
	DSize   *int64  `json:"dsize"`    // data
	SSize   *int64  `json:"ssize"`    // stack
}

// LWP is one thread of a process: what kinfo_lwp says of it (spec §11.1).
type LWP struct {
	Addr dump.Addr `json:"addr"` // the struct lwp
	TID  *int32    `json:"tid"`
	// Stat is lwp_stat by name, with the kernel's LSRUN→LSSLEEP rule applied
	// (see Procs).
	Stat   *string    `json:"stat"`
	Flags  *uint32    `json:"flags"`  // lwp_flags, raw
	CPU    *uint32    `json:"cpu"`    // gd_cpuid of td_gd
	Prio   *int       `json:"prio"`   // lwp_usdata.bsd4.priority
	TDPrio *int32     `json:"tdprio"` // td_pri
	WChan  *dump.Addr `json:"wchan"`  // td_wchan; null when not waiting
	WMesg  *string    `json:"wmesg"`  // the string at td_wmesg, in full (kinfo keeps 8 bytes)
	Comm   *string    `json:"comm"`   // td_comm; null when the kernel has none

	// WChanSymbol names td_wchan when it points into the kernel image
	// ("lbolt", "proc0+0x10"); null for heap addresses.
	WChanSymbol *string    `json:"wchan_symbol"`
	MPFlags     *uint32    `json:"mpflags"` // lwp_mpflags; null before 2011-11
	TDFlags     *uint32    `json:"tdflags"` // td_flags
	Thread      *dump.Addr `json:"thread"`  // lwp_thread
	// CPUTimeUS is td_uticks + td_sticks + td_iticks: DragonFly's statclock
	// charges them in microseconds (sys/kern/kern_clock.c).
	CPUTimeUS *uint64 `json:"cpu_time_us"`
	// PctCPU is lwp_pctcpu / FSCALE as a percentage; 0 for a zombie, as
	// kinfo reports it.
	PctCPU  *float64 `json:"pctcpu"`
	EstCPU  *int32   `json:"estcpu"`  // lwp_usdata.bsd4.estcpu
	SlpTime *uint32  `json:"slptime"` // lwp_slptime, seconds
}

// Fault is a member of a kernel object kdump could not read.
type Fault struct {
	Field  string    `json:"field"`  // "object.member"
	Addr   dump.Addr `json:"addr"`   // the first unreadable address
	Detail string    `json:"detail"` // why
}

// Symbolizer names kernel addresses; *symtab.Table satisfies it. Symbolize
// reports false for an address no symbol of the kernel image covers.
type Symbolizer interface {
	Symbolize(addr uint64) (string, bool)
}

// Procs applies the kinfo rules of spec §11–§13 to a walked process table.
// The result is sorted by pid (unknown pids last), then by address; each
// process's LWPs are in tid order.
//
// sym may be nil (no wchan_symbol). Records that list their members (as
// decoded ones do) tell which members the kernel has; the rules that depend
// on the era:
//   - LSRUN becomes LSSLEEP unless TDF_RUNQ is in td_flags or LWP_MP_ONRUNQ in
//     lwp_mpflags, as fill_kinfo_lwp has done since lwp_mpflags was split off
//     (2011-11). Kernels without lwp_mpflags get lwp_stat as stored: the 2007
//     seed's kinfo had no such rule (spec §11.1), and kdump does not guess
//     one for the 2007–2011 kernels in between.
//   - vm tsize/dsize/ssize are bytes when t.Era.VMSegBytes, else pages.
//   - tdev comes from si_umajor/si_uminor with the NOUDEV rules, or from
//     the 2007 seed's si_udev;
//   - an LWP's comm is null when the kernel has no td_comm.
func Procs(t *walk.Table, sym Symbolizer) []Proc {
	out := []Proc{}
	for p := range ProcSeq(t, sym) {
		out = append(out, *p)
	}
	return out
}

// cmpKnownFirst orders known values ascending, unknown ones after them.
func cmpKnownFirst[T cmp.Ordered](a, b *T) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(*a, *b)
}

type kinfo struct {
	sym Symbolizer
	era walk.Era
	kc  *knownCache // nil: no caching
	ar  *arena      // where the converted values live
}

// arena holds the values converted processes point to: a few slabs instead
// of some ninety small allocations per process. It only ever appends, so
// one arena may serve many processes (one goroutine at a time); a slab stays
// alive while any process points into it.
type arena struct {
	i32 []int32
	u32 []uint32
	u16 []uint16
	u64 []uint64
	i64 []int64
	f64 []float64
	i   []int
	b   []bool
	s   []string
	a   []dump.Addr
}

// put stores v in slab s and returns its address. A full slab is replaced,
// never grown in place, so earlier addresses stay valid.
func put[T any](s *[]T, v T) *T {
	if len(*s) == cap(*s) {
		*s = make([]T, 0, 256)
	}
	*s = append(*s, v)
	return &(*s)[len(*s)-1]
}

// knownCache remembers, for a members list and a member name, whether the
// list has it. Records of one kind share one list and the rules ask by name
// literals, so the pair of data pointers identifies the question: known runs
// some 60 times per process, and a binary search over strings each time
// costs more than the rest of the rule. Direct-mapped; a collision only
// costs a search. Not safe for concurrent use.
type knownCache struct {
	e [1024]struct {
		list *string
		name *byte
		has  bool
	}
}

// known is the package's known, with a knownCache in front of the search
// when the record has no faults (the cache says nothing about faults).
func (k *kinfo) known(members []string, faults []structs.Fault, names ...string) bool {
	if k.kc == nil || members == nil || len(faults) > 0 {
		return known(members, faults, names...)
	}
	lp := unsafe.SliceData(members)
	for _, n := range names {
		np := unsafe.StringData(n)
		h := (uintptr(unsafe.Pointer(np)) ^ uintptr(unsafe.Pointer(lp))>>5) % uintptr(len(k.kc.e))
		e := &k.kc.e[h]
		if e.list != lp || e.name != np {
			_, has := slices.BinarySearch(members, n)
			e.list, e.name, e.has = lp, np, has
		}
		if e.has {
			return true
		}
	}
	return false
}

// faultList gathers a process's faults under object prefixes.
type faultList []Fault

func (fl *faultList) add(object string, fs []structs.Fault) {
	for _, f := range fs {
		*fl = append(*fl, Fault{Field: object + "." + f.Field, Addr: f.Addr, Detail: f.Detail})
	}
}

// unread records an object the walk could not read at all.
func (fl *faultList) unread(object string, a dump.Addr) {
	*fl = append(*fl, Fault{Field: object + ".*", Addr: a, Detail: "the " + object + " could not be read (see warnings)"})
}

func (k *kinfo) proc(p *walk.Process) Proc {
	pr := p.Proc
	var fl faultList
	fl.add("proc", pr.Faults)
	kn := func(names ...string) bool { return k.known(pr.Members, pr.Faults, names...) }

	out := Proc{Addr: pr.Addr, List: p.Head, LWPs: make([]LWP, 0, len(p.LWPs))}
	if kn("p_pid") {
		out.PID = put(&k.ar.i32, pr.PID)
	}
	if kn("p_comm") {
		out.Comm = put(&k.ar.s, pr.Comm)
	}
	if kn("p_stat") {
		out.Stat = put(&k.ar.s, procStatName(pr.Stat))
	}
	flagsKnown := kn("p_flags", "p_flag")
	if flagsKnown {
		out.Flags = put(&k.ar.u32, pr.Flags)
	}
	if kn("p_lock") {
		out.Lock = put(&k.ar.i32, pr.Lock)
	}
	if kn("p_xstat") {
		out.XStat = put(&k.ar.u16, pr.XStat)
	}
	if kn("p_nice") {
		out.Nice = put(&k.ar.i, int(pr.Nice))
	}
	if kn("p_nthreads") {
		out.NThreads = put(&k.ar.i32, pr.NThreads)
	}
	if kn("p_start") && (pr.Start.Sec != 0 || pr.Start.Usec != 0) {
		out.Start = put(&k.ar.s, time.Unix(pr.Start.Sec, 0).Add(time.Duration(pr.Start.Usec)*time.Microsecond).UTC().Format("2006-01-02T15:04:05.000000Z07:00"))
	}

	k.parent(&out, p, &fl)
	k.session(&out, p, flagsKnown, &fl)
	k.creds(&out, p, &fl)
	k.vm(&out, p, &fl)
	k.args(&out, p, &fl)
	if p.Sigacts != nil {
		fl.add("sigacts", p.Sigacts.Faults)
	}

	zombie := kn("p_stat") && pr.Stat == statSZOMB
	for _, t := range p.LWPs {
		if t != nil && t.LWP != nil {
			out.LWPs = append(out.LWPs, k.lwp(t, zombie, &fl))
		}
	}
	slices.SortStableFunc(out.LWPs, func(a, b LWP) int {
		if c := cmpKnownFirst(a.TID, b.TID); c != 0 {
			return c
		}
		return cmp.Compare(a.Addr, b.Addr)
	})
	out.Faults = []Fault(fl)
	if out.Faults == nil {
		out.Faults = []Fault{}
	}
	return out
}

// parent applies kp_ppid = p_oppid if non-zero, else the parent's p_pid.
func (k *kinfo) parent(out *Proc, p *walk.Process, fl *faultList) {
	pr := p.Proc
	switch {
	case !k.known(pr.Members, pr.Faults, "p_oppid"):
	case pr.OPPID != 0:
		out.PPID = put(&k.ar.i32, pr.OPPID)
	case !k.known(pr.Members, pr.Faults, "p_pptr"), pr.Pptr == 0:
		// Unknown, or no parent (kinfo's -1).
	case p.Parent == nil:
		fl.unread("parent", pr.Pptr)
	default:
		// Only the member used: the parent's other faults belong to its
		// own entry.
		if fs := covering(p.Parent.Faults, "p_pid"); len(fs) > 0 {
			fl.add("parent", fs)
			return
		}
		out.PPID = put(&k.ar.i32, p.Parent.PID)
	}
}

// session fills the process group, session and controlling-tty fields.
func (k *kinfo) session(out *Proc, p *walk.Process, flagsKnown bool, fl *faultList) {
	pr := p.Proc
	if !k.known(pr.Members, pr.Faults, "p_pgrp") || pr.Pgrp == 0 {
		return
	}
	pg := p.Pgrp
	if pg == nil {
		fl.unread("pgrp", pr.Pgrp)
		return
	}
	fl.add("pgrp", pg.Faults)
	if k.known(pg.Members, pg.Faults, "pg_id") {
		out.PGID = put(&k.ar.i32, pg.ID)
	}
	if k.known(pg.Members, pg.Faults, "pg_jobc") {
		out.Jobc = put(&k.ar.i32, pg.Jobc)
	}
	if !k.known(pg.Members, pg.Faults, "pg_session") || pg.Session == 0 {
		return
	}
	s := p.Session
	if s == nil {
		fl.unread("session", pg.Session)
		return
	}
	fl.add("session", s.Faults)
	if k.known(s.Members, s.Faults, "s_sid") {
		out.SID = put(&k.ar.i32, s.SID)
	}
	if k.known(s.Members, s.Faults, "s_login") {
		out.Login = put(&k.ar.s, s.Login)
	}
	if k.known(s.Members, s.Faults, "s_leader") {
		out.SessionLeader = put(&k.ar.b, s.Leader == pr.Addr)
	}
	if k.known(s.Members, s.Faults, "s_ttyvp") {
		out.CTTY = put(&k.ar.b, s.TTYVP != 0)
	}
	if !flagsKnown || pr.Flags&pControlT == 0 || !k.known(s.Members, s.Faults, "s_ttyp") || s.TTYP == 0 {
		return
	}
	tp := p.TTY
	if tp == nil {
		fl.unread("tty", s.TTYP)
		return
	}
	fl.add("tty", tp.Faults)
	if k.known(tp.Members, tp.Faults, "t_dev") && tp.Dev != 0 {
		if c := p.TTYDev; c == nil {
			fl.unread("cdev", tp.Dev)
		} else {
			fl.add("cdev", c.Faults)
			if d, ok := devID(c); ok {
				out.TDev = put(&k.ar.u32, d)
			}
			if k.known(c.Members, c.Faults, "si_name") && c.Name != "" {
				out.TTY = put(&k.ar.s, c.Name)
			}
		}
	}
	if k.known(tp.Members, tp.Faults, "t_pgrp") && tp.Pgrp != 0 {
		switch g := p.TTYPgrp; {
		case g == nil:
			fl.unread("tpgrp", tp.Pgrp)
		case !k.known(g.Members, g.Faults, "pg_id"):
			fl.add("tpgrp", covering(g.Faults, "pg_id"))
		default:
			out.TPGID = put(&k.ar.i32, g.ID)
		}
	}
	if k.known(tp.Members, tp.Faults, "t_session") && tp.Session != 0 {
		switch ts := p.TTYSession; {
		case ts == nil:
			fl.unread("tsession", tp.Session)
		case !k.known(ts.Members, ts.Faults, "s_sid"):
			fl.add("tsession", covering(ts.Faults, "s_sid"))
		default:
			out.TSID = put(&k.ar.i32, ts.SID)
		}
	}
}

// creds fills the credentials and the jail id.
func (k *kinfo) creds(out *Proc, p *walk.Process, fl *faultList) {
	pr := p.Proc
	if !k.known(pr.Members, pr.Faults, "p_ucred") || pr.UCred == 0 {
		return
	}
	c := p.UCred
	if c == nil {
		fl.unread("ucred", pr.UCred)
		return
	}
	fl.add("ucred", c.Faults)
	u32 := func(v uint32, name string) *uint32 {
		if k.known(c.Members, c.Faults, name) {
			return put(&k.ar.u32, v)
		}
		return nil
	}
	out.UID = u32(c.UID, "cr_uid")
	out.RUID = u32(c.RUID, "cr_ruid")
	out.SVUID = u32(c.SVUID, "cr_svuid")
	out.RGID = u32(c.RGID, "cr_rgid")
	out.SVGID = u32(c.SVGID, "cr_svgid")
	if k.known(c.Members, c.Faults, "cr_ngroups") && k.known(c.Members, c.Faults, "cr_groups") {
		out.Groups = append([]uint32{}, c.Groups...)
	}
	if !k.known(c.Members, c.Faults, "cr_prison") {
		return
	}
	if c.Prison == 0 {
		out.JailID = put(&k.ar.i32, int32(0))
		return
	}
	switch j := p.Prison; {
	case j == nil:
		fl.unread("prison", c.Prison)
	default:
		fl.add("prison", j.Faults)
		if k.known(j.Members, j.Faults, "pr_id") {
			out.JailID = put(&k.ar.i32, j.ID)
		}
	}
}

// vm fills the address-space sizes, in bytes.
func (k *kinfo) vm(out *Proc, p *walk.Process, fl *faultList) {
	pr := p.Proc
	if !k.known(pr.Members, pr.Faults, "p_vmspace") || pr.Vmspace == 0 {
		return
	}
	out.VM = &VM{}
	v := p.Vmspace
	if v == nil {
		fl.unread("vmspace", pr.Vmspace)
		return
	}
	fl.add("vmspace", v.Faults)
	if k.known(v.Members, v.Faults, "vm_map.size") {
		out.VM.MapSize = put(&k.ar.u64, v.MapSize)
	}
	pages := func(n int64, name string) *int64 {
		if !k.known(v.Members, v.Faults, name) {
			return nil
		}
		if n > math.MaxInt64/pageSize || n < math.MinInt64/pageSize {
			*fl = append(*fl, Fault{Field: "vmspace." + name, Addr: v.Addr, Detail: "the page count overflows a byte count"})
			return nil
		}
		return put(&k.ar.i64, n*pageSize)
	}
	seg := func(n int64, name string) *int64 {
		if k.era.VMSegBytes {
			if !k.known(v.Members, v.Faults, name) {
				return nil
			}
			return put(&k.ar.i64, n)
		}
		return pages(n, name)
	}
	out.VM.RSS = pages(v.Resident, "vm_pmap.pm_stats.resident_count")
	out.VM.TSize = seg(v.TSize, "vm_tsize")
	out.VM.DSize = seg(v.DSize, "vm_dsize")
	out.VM.SSize = seg(v.SSize, "vm_ssize")
}

// args fills the argument vector from the p_args cache.
func (k *kinfo) args(out *Proc, p *walk.Process, fl *faultList) {
	pr := p.Proc
	if !k.known(pr.Members, pr.Faults, "p_args") || pr.Args == 0 {
		return
	}
	a := p.Args
	if a == nil {
		fl.unread("pargs", pr.Args)
		return
	}
	fl.add("pargs", a.Faults)
	if k.known(a.Members, a.Faults, "ar_args") {
		out.Args = append([]string{}, a.Args...)
		out.ArgsTruncated = a.Truncated
	}
}

// lwp applies fill_kinfo_lwp to one thread.
func (k *kinfo) lwp(t *walk.Thread, zombie bool, fl *faultList) LWP {
	l := t.LWP
	fl.add("lwp", l.Faults)
	kn := func(names ...string) bool { return k.known(l.Members, l.Faults, names...) }
	out := LWP{Addr: l.Addr}
	if kn("lwp_tid") {
		out.TID = put(&k.ar.i32, l.TID)
	}
	if kn("lwp_flags", "lwp_flag") {
		out.Flags = put(&k.ar.u32, l.Flags)
	}
	mpKnown := kn("lwp_mpflags")
	if mpKnown {
		out.MPFlags = put(&k.ar.u32, l.MPFlags)
	}
	if kn("lwp_usdata.bsd4.priority") {
		out.Prio = put(&k.ar.i, int(l.Prio))
	}
	if kn("lwp_usdata.bsd4.estcpu") {
		out.EstCPU = put(&k.ar.i32, l.EstCPU)
	}
	if kn("lwp_slptime") {
		out.SlpTime = put(&k.ar.u32, l.SlpTime)
	}
	if kn("lwp_pctcpu") {
		pct := 0.0
		if !zombie {
			pct = float64(l.PctCPU) * 100 / fscale
		}
		out.PctCPU = put(&k.ar.f64, pct)
	}

	var th *structs.Thread
	if kn("lwp_thread") && l.Thread != 0 {
		out.Thread = put(&k.ar.a, l.Thread)
		if th = t.Thread; th == nil {
			fl.unread("thread", l.Thread)
		}
	}
	if kn("lwp_stat") {
		st := l.Stat
		if st == lstatLSRUN && mpKnown && th != nil && k.known(th.Members, th.Faults, "td_flags") &&
			th.Flags&tdfRunQ == 0 && l.MPFlags&lwpMPOnRunQ == 0 {
			st = lstatLSSLEEP
		}
		out.Stat = put(&k.ar.s, lwpStatName(st))
	}
	if th != nil {
		k.thread(&out, t, fl)
	}
	return out
}

// thread fills the LWP fields that live in its struct thread.
func (k *kinfo) thread(out *LWP, t *walk.Thread, fl *faultList) {
	th := t.Thread
	fl.add("thread", th.Faults)
	kn := func(names ...string) bool { return k.known(th.Members, th.Faults, names...) }
	if kn("td_pri") {
		out.TDPrio = put(&k.ar.i32, th.Pri)
	}
	if kn("td_flags") {
		out.TDFlags = put(&k.ar.u32, th.Flags)
	}
	if kn("td_wchan") && th.WChan != 0 {
		out.WChan = put(&k.ar.a, th.WChan)
		if k.sym != nil {
			if s, ok := k.sym.Symbolize(uint64(th.WChan)); ok {
				out.WChanSymbol = put(&k.ar.s, s)
			}
		}
	}
	if kn("td_wmesg") && th.WMesgPtr != 0 {
		out.WMesg = put(&k.ar.s, th.WMesg)
	}
	if kn("td_comm") {
		out.Comm = put(&k.ar.s, th.Comm)
	}
	if kn("td_uticks") && kn("td_sticks") && kn("td_iticks") {
		out.CPUTimeUS = put(&k.ar.u64, addSat(addSat(th.UTicks, th.STicks), th.ITicks))
	}
	if !kn("td_gd") || th.GD == 0 {
		return
	}
	switch gd := t.GD; {
	case gd == nil:
		fl.unread("globaldata", th.GD)
	default:
		fl.add("globaldata", gd.Faults)
		if k.known(gd.Members, gd.Faults, "gd_cpuid") {
			out.CPU = put(&k.ar.u32, gd.CPUID)
		}
	}
}

// addSat adds without wrapping: tick counters from a damaged dump may be huge.
func addSat(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return s
}
