package walktest

import (
	"slices"

	"github.com/kdump-bsd/kdump/dump"
)

// Model is the truth about a populated machine: what a correct analyzer must
// report for it, in kinfo terms (spec §11) with the conventions of the kdump/1
// JSON report (sizes in bytes, absent values nil).
type Model struct {
	// Era is the process list: "allproc+zombproc", "allprocs" or "procglob".
	Era string
	// LWPs is the LWP container: "p_lwp_tree" or "p_lwps".
	LWPs string
	// Heads are the list heads the processes hang off, in the kernel's order
	// (allproc then zombproc, or bucket 0..255).
	Heads []Head
	// VMSegBytes: vm_tsize/vm_dsize/vm_ssize are stored in bytes (kernels of
	// 2019-02-16 or later) rather than pages.
	VMSegBytes bool
	// LSRunRule: the era turns LSRUN into LSSLEEP for an LWP on no run queue
	// (spec §11.1).
	LSRunRule bool
	// LWPComm: struct thread has td_comm, so LWPs have a comm (kdump shows
	// it even where the era's kinfo_lwp had no kl_comm).
	LWPComm bool
	// WMesgLen is the longest wait message the model reports (32: kdump
	// shows the whole string, not kinfo's first WMESGLEN bytes).
	WMesgLen int

	// Procs are the processes a correct analyzer lists, sorted by pid then
	// address. Processes lost to damage are not here (see Lost).
	Procs []Proc
	// Lost are the pids a correct analyzer cannot list because of the damage.
	Lost []int32
	// Warnings are what a correct analyzer must report (and, with Optional,
	// may report) for the damage.
	Warnings []Warning
	// Damage says what was damaged, one note per variant applied.
	Damage []DamageNote

	NProcs     int32     // the value written to nprocs
	InitProc   dump.Addr // initproc
	DumpThread dump.Addr // dumpthread: the thread of the panicking process
	PanicPID   int32     // the pid that owns DumpThread
	PanicTID   int32
	NCPUs      int
	// GlobalData are the struct globaldata addresses by cpu id.
	GlobalData []dump.Addr

	// intact is the model without minidump-only damage (see ForFormat).
	intact *Model
}

// Head is one process-list head.
type Head struct {
	Name string    // "allproc", "zombproc", "allprocs[17]", "procglob[17].allproc"
	Addr dump.Addr // address of the LIST_HEAD
}

// Proc is one process as a correct analyzer reports it.
type Proc struct {
	Addr  dump.Addr `json:"addr"`
	Head  string    `json:"-"` // the list it hangs off (Head.Name)
	PID   int32     `json:"pid"`
	PPID  int32     `json:"ppid"` // p_oppid if set, else the parent's pid, else -1
	PGID  int32     `json:"pgid"`
	SID   int32     `json:"sid"`
	Jobc  int32     `json:"jobc"`
	TPGID *int32    `json:"tpgid"` // nil without a controlling tty
	TSID  *int32    `json:"tsid"`
	TDev  *uint32   `json:"tdev"`
	TTY   *string   `json:"tty"` // the cdev's si_name

	// Credentials: nil when the ucred cannot be read.
	UID    *uint32  `json:"uid"`
	RUID   *uint32  `json:"ruid"`
	SVUID  *uint32  `json:"svuid"`
	RGID   *uint32  `json:"rgid"`
	SVGID  *uint32  `json:"svgid"`
	Groups []uint32 `json:"groups"` // cr_groups[:cr_ngroups]
	JailID *int32   `json:"jail_id"`

	Comm          string   `json:"comm"`
	Args          []string `json:"args"` // nil when p_args is NULL
	Stat          string   `json:"stat"` // SIDL SACTIVE SSTOP SZOMB SCORE
	Flags         uint32   `json:"flags"`
	Nice          int32    `json:"nice"`
	NThreads      int32    `json:"nthreads"`
	Login         string   `json:"login"`
	SessionLeader bool     `json:"session_leader"`
	VM            *VM      `json:"vm"` // nil when p_vmspace is NULL
	Start         Timeval  `json:"start"`
	LWPs          []LWP    `json:"lwps"` // tid order

	// Unreadable names the pointer members whose target a correct analyzer
	// cannot read ("p_ucred"); the fields they feed are nil.
	Unreadable []string `json:"-"`
}

// VM holds the process's memory sizes, in bytes.
type VM struct {
	MapSize uint64 `json:"map_size"`
	RSS     uint64 `json:"rss"` // resident_count pages × 4096
	TSize   uint64 `json:"tsize"`
	DSize   uint64 `json:"dsize"`
	SSize   uint64 `json:"ssize"`
}

// Timeval is a struct timeval.
type Timeval struct {
	Sec  int64 `json:"sec"`
	Usec int64 `json:"usec"`
}

// LWP is one LWP and its thread as a correct analyzer reports it.
type LWP struct {
	Addr     dump.Addr `json:"addr"`
	Thread   dump.Addr `json:"-"` // lwp_thread
	TID      int32     `json:"tid"`
	Stat     string    `json:"stat"` // LSRUN LSSTOP LSSLEEP, after the era's LSRUN rule
	Flags    uint32    `json:"flags"`
	TDFlags  uint32    `json:"-"`
	CPU      int32     `json:"cpu"`
	Prio     int32     `json:"prio"`
	TDPrio   int32     `json:"tdprio"`
	WChan    dump.Addr `json:"wchan"`
	WMesg    *string   `json:"wmesg"` // whole (up to WMesgLen); nil when td_wmesg is NULL
	Comm     *string   `json:"comm"`  // td_comm; nil in eras whose struct thread has none
	WChanSym string    `json:"-"`     // "lbolt", "pause_wchan+0x4" when WChan is in the kernel image
}

// Warning is an anomaly a correct analyzer reports.
type Warning struct {
	Kind string    // cycle, bad-link, wrong-parent, fault, limit
	Addr dump.Addr // the node concerned, or the first unreadable address
	What string
	// Optional: a correct analyzer may report it (a second view of the same
	// damage), but need not.
	Optional bool
}

// DamageNote describes one damage applied to the machine.
type DamageNote struct {
	Damage Damage
	What   string
	// MinidumpOnly: the damage is a page excluded from minidumps; full,
	// virtual ELF and raw dumps still hold it (use Model.ForFormat).
	MinidumpOnly bool
}

// ForFormat returns the model for a dump written in format f: the model itself,
// or, when every damage is minidump-only and f is not a minidump, the intact
// model.
func (m *Model) ForFormat(f dump.Format) *Model {
	if m.intact != nil && !f.IsMinidump() {
		return m.intact
	}
	return m
}

// Proc returns the modelled process with the given pid (the first one at the
// lowest address), or nil.
func (m *Model) Proc(pid int32) *Proc {
	for i := range m.Procs {
		if m.Procs[i].PID == pid {
			return &m.Procs[i]
		}
	}
	return nil
}

// LWPCount returns the number of LWPs over all modelled processes.
func (m *Model) LWPCount() int {
	n := 0
	for i := range m.Procs {
		n += len(m.Procs[i].LWPs)
	}
	return n
}

func (m *Model) sortProcs() {
	slices.SortFunc(m.Procs, func(a, b Proc) int {
		if a.PID != b.PID {
			return int(a.PID) - int(b.PID)
		}
		switch {
		case a.Addr < b.Addr:
			return -1
		case a.Addr > b.Addr:
			return 1
		}
		return 0
	})
	slices.Sort(m.Lost)
}
