package structs

import (
	"slices"

	"github.com/kdump-bsd/kdump/dump"
)

// The records below are the kernel objects kdump decodes, as plain Go values:
// integers as the kernel stores them (no unit conversion, no kinfo rules —
// those belong to the report), pointers as raw kernel addresses, strings
// already read (bounded). A record is never discarded because part of it
// could not be read: each member whose bytes were unreadable keeps its zero
// value and is named in Faults. A member the kernel's layout does not have
// (p_lwp_tree on a 2007 kernel) is simply zero and not a fault; ask the
// Decoder (Has) when the difference matters.

// Fault records a member of a record that could not be read.
type Fault struct {
	Field  string    `json:"field"`  // the kernel member ("p_ucred", "td_wmesg"); "*" when nothing of the record was readable
	Addr   dump.Addr `json:"addr"`   // the first unreadable address
	Detail string    `json:"detail"` // why: the dump's fault ("kernel address 0x…: not dumped")
}

// Faulted is implemented by every record.
type Faulted interface {
	// Known reports whether the member (kernel name) was read.
	Known(field string) bool
}

// known reports whether field is one of the members a record was decoded
// from and was readable. Composite members are named as a whole ("p_ru",
// "p_start", "lwp_rtprio"), linkage members by their path
// ("p_list.le_next", "u.lwp_rbnode.rbe_left"). For a Thread, "td_wmesg" is
// false when the pointer was read but the string it points to was not.
func known(members []string, faults []Fault, field string) bool {
	if _, ok := slices.BinarySearch(members, field); !ok {
		return false
	}
	for _, f := range faults {
		if f.Field == field || f.Field == "*" {
			return false
		}
	}
	return true
}

// Known reports whether the member (kernel name, "p_pid") was read.
func (p *Proc) Known(field string) bool { return known(p.Members, p.Faults, field) }

// Known reports whether the member (kernel name, "lwp_tid") was read.
func (l *LWP) Known(field string) bool { return known(l.Members, l.Faults, field) }

// Known reports whether the member (kernel name, "td_comm") was read.
func (t *Thread) Known(field string) bool { return known(t.Members, t.Faults, field) }

// Known reports whether the member (kernel name, "gd_cpuid") was read.
func (g *Globaldata) Known(field string) bool { return known(g.Members, g.Faults, field) }

// Known reports whether the member (kernel name, "pg_id") was read.
func (g *Pgrp) Known(field string) bool { return known(g.Members, g.Faults, field) }

// Known reports whether the member (kernel name, "s_sid") was read.
func (s *Session) Known(field string) bool { return known(s.Members, s.Faults, field) }

// Known reports whether the member (kernel name, "t_dev") was read.
func (t *TTY) Known(field string) bool { return known(t.Members, t.Faults, field) }

// Known reports whether the member (kernel name, "si_name") was read.
func (c *Cdev) Known(field string) bool { return known(c.Members, c.Faults, field) }

// Known reports whether the member (kernel name, "cr_uid") was read.
func (c *UCred) Known(field string) bool { return known(c.Members, c.Faults, field) }

// Known reports whether the member (kernel name, "pr_id") was read.
func (p *Prison) Known(field string) bool { return known(p.Members, p.Faults, field) }

// Known reports whether the member (kernel name, "vm_tsize") was read.
func (v *Vmspace) Known(field string) bool { return known(v.Members, v.Faults, field) }

// Known reports whether the member (kernel name, "ps_flag") was read.
func (s *Sigacts) Known(field string) bool { return known(s.Members, s.Faults, field) }

// Known reports whether the member (kernel name, "ar_args") was read.
func (p *Pargs) Known(field string) bool { return known(p.Members, p.Faults, field) }

var (
	_ Faulted = (*Proc)(nil)
	_ Faulted = (*LWP)(nil)
	_ Faulted = (*Thread)(nil)
	_ Faulted = (*Globaldata)(nil)
	_ Faulted = (*Pgrp)(nil)
	_ Faulted = (*Session)(nil)
	_ Faulted = (*TTY)(nil)
	_ Faulted = (*Cdev)(nil)
	_ Faulted = (*UCred)(nil)
	_ Faulted = (*Prison)(nil)
	_ Faulted = (*Vmspace)(nil)
	_ Faulted = (*Sigacts)(nil)
	_ Faulted = (*Pargs)(nil)
)

// Timeval is a struct timeval.
type Timeval struct {
	Sec  int64
	Usec int64
}

// Sigset is a sigset_t (four 32-bit words, signal n in bit (n-1)%32 of word (n-1)/32).
type Sigset [4]uint32

// RTPrio is a struct rtprio.
type RTPrio struct {
	Type uint16
	Prio uint16
}

// Rusage is the part of a struct rusage kdump reports.
type Rusage struct {
	UTime  Timeval // ru_utime
	STime  Timeval // ru_stime
	MaxRSS int64   // ru_maxrss (KB)
}

// Proc is a struct proc.
type Proc struct {
	Addr dump.Addr

	ListNext dump.Addr // p_list.le_next
	ListPrev dump.Addr // p_list.le_prev (the address of the previous le_next, or of the list head)

	UCred   dump.Addr // p_ucred
	FD      dump.Addr // p_fd
	Sigacts dump.Addr // p_sigacts
	Pptr    dump.Addr // p_pptr
	Vmspace dump.Addr // p_vmspace
	Pgrp    dump.Addr // p_pgrp
	Args    dump.Addr // p_args

	Flags     uint32  // p_flags (p_flag before 2009)
	Stat      int32   // p_stat (enum procstat)
	PID       int32   // p_pid
	PPID      int32   // p_ppid (newer kernels only; kinfo does not use it)
	OPPID     int32   // p_oppid
	Lock      int32   // p_lock (a char in 2007)
	NThreads  int32   // p_nthreads
	Nice      int8    // p_nice
	XStat     uint16  // p_xstat
	AcFlag    uint16  // p_acflag
	TraceFlag int32   // p_traceflag
	SwTime    uint32  // p_swtime
	Start     Timeval // p_start
	SigList   Sigset  // p_siglist
	RU        Rusage  // p_ru
	CRU       Rusage  // p_cru
	Comm      string  // p_comm (at most MAXCOMLEN bytes)

	LWPTreeRoot  dump.Addr // p_lwp_tree.rbh_root (kernels with the LWP red-black tree)
	LWPListFirst dump.Addr // p_lwps.lh_first (kernels with the LWP list)

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// LWP is a struct lwp.
type LWP struct {
	Addr dump.Addr

	Proc   dump.Addr // lwp_proc
	Thread dump.Addr // lwp_thread

	TID     int32  // lwp_tid
	Flags   uint32 // lwp_flags (lwp_flag before 2009)
	MPFlags uint32 // lwp_mpflags (newer kernels only)
	Stat    int32  // lwp_stat (enum lwpstat)
	Lock    int32  // lwp_lock
	Prio    int16  // lwp_usdata.bsd4.priority
	OrigCPU int32  // lwp_usdata.bsd4.batch (newer kernels) or lwp_usdata.bsd4.origcpu
	EstCPU  int32  // lwp_usdata.bsd4.estcpu
	CPTicks uint64 // lwp_cpticks
	PctCPU  uint32 // lwp_pctcpu
	SlpTime uint32 // lwp_slptime
	RTPrio  RTPrio // lwp_rtprio
	RU      Rusage // lwp_ru
	SigList Sigset // lwp_siglist
	SigMask Sigset // lwp_sigmask

	// The LWP tree node u.lwp_rbnode (tree kernels).
	RBLeft, RBRight, RBParent dump.Addr
	RBColor                   int32
	// The LWP list entry lwp_list (list kernels).
	ListNext, ListPrev dump.Addr

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// Thread is a struct thread.
type Thread struct {
	Addr dump.Addr

	LWP      dump.Addr // td_lwp
	Proc     dump.Addr // td_proc
	GD       dump.Addr // td_gd (struct globaldata *)
	WMesgPtr dump.Addr // td_wmesg
	WChan    dump.Addr // td_wchan
	Pri      int32     // td_pri
	Flags    uint32    // td_flags
	UTicks   uint64    // td_uticks
	STicks   uint64    // td_sticks
	ITicks   uint64    // td_iticks
	Start    Timeval   // td_start
	Comm     string    // td_comm (newer kernels)
	WMesg    string    // the string at td_wmesg, at most MaxWMesg bytes ("" when td_wmesg is NULL)

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// MaxWMesg bounds the wait-message string read at td_wmesg.
const MaxWMesg = 32

// Globaldata is the part of a struct globaldata kdump reads.
type Globaldata struct {
	Addr  dump.Addr
	CPUID uint32 // gd_cpuid

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// Pgrp is a struct pgrp.
type Pgrp struct {
	Addr         dump.Addr
	MembersFirst dump.Addr // pg_members.lh_first
	Session      dump.Addr // pg_session
	ID           int32     // pg_id
	Jobc         int32     // pg_jobc

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// Session is a struct session.
type Session struct {
	Addr   dump.Addr
	Count  int32     // s_count
	Leader dump.Addr // s_leader
	TTYVP  dump.Addr // s_ttyvp
	TTYP   dump.Addr // s_ttyp
	SID    int32     // s_sid
	Login  string    // s_login

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// TTY is a struct tty.
type TTY struct {
	Addr    dump.Addr
	Dev     dump.Addr // t_dev (struct cdev *)
	Pgrp    dump.Addr // t_pgrp
	Session dump.Addr // t_session

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// Cdev is a struct cdev (cdev_t points to it).
type Cdev struct {
	Addr   dump.Addr
	UMinor int32  // si_uminor (newer kernels)
	UMajor int32  // si_umajor (newer kernels)
	UDev   uint32 // si_udev (2007 kernels)
	Name   string // si_name

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// UCred is a struct ucred.
type UCred struct {
	Addr    dump.Addr
	UID     uint32   // cr_uid
	NGroups int16    // cr_ngroups as stored (may exceed len(Groups) in a damaged dump)
	Groups  []uint32 // cr_groups[0 : min(cr_ngroups, NGROUPS)]
	Prison  dump.Addr
	RUID    uint32 // cr_ruid
	SVUID   uint32 // cr_svuid
	RGID    uint32 // cr_rgid
	SVGID   uint32 // cr_svgid

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// Prison is the part of a struct prison kdump reads.
type Prison struct {
	Addr dump.Addr
	ID   int32 // pr_id

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// Vmspace is the part of a struct vmspace kdump reads. The segment sizes are
// as the kernel stores them: pages before 2019-02-16, bytes after.
type Vmspace struct {
	Addr     dump.Addr
	MapSize  uint64 // vm_map.size (bytes)
	Resident int64  // vm_pmap.pm_stats.resident_count (pages)
	SwRSS    int64  // vm_swrss
	TSize    int64  // vm_tsize
	DSize    int64  // vm_dsize
	SSize    int64  // vm_ssize

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// Sigacts is the part of a struct sigacts kdump reads.
type Sigacts struct {
	Addr      dump.Addr
	SigIgnore Sigset // ps_sigignore
	SigCatch  Sigset // ps_sigcatch
	Flag      int32  // ps_flag

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// Pargs is a struct pargs, the argument cache of an exec'ed process.
type Pargs struct {
	Addr   dump.Addr
	Ref    uint32   // ar_ref
	Length uint32   // ar_length as stored
	Args   []string // ar_args split on NUL (at most MaxArgsBytes bytes read)
	// Truncated is set when ar_length exceeded MaxArgsBytes or the last string
	// had no terminating NUL.
	Truncated bool

	Faults []Fault

	// Members names the kernel members this kind of record is decoded from in
	// this kernel, sorted; shared by every record of a Decoder (do not modify).
	Members []string `json:"-"`
}

// MaxArgsBytes bounds what is read of an argument cache; the kernel's
// ps_arg_cache_limit defaults to 256 and is rarely raised past a page.
const MaxArgsBytes = 64 << 10
