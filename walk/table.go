package walk

import (
	"time"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/symtab"
)

// ProcList names how a kernel keeps its processes (spec §8).
type ProcList string

const (
	// AllprocZombproc: two global lists, allproc and zombproc (DragonFly until 2013-10).
	AllprocZombproc ProcList = "allproc+zombproc"
	// Allprocs: a hash array of list heads, allprocs[allproc_hsize] (2013-10 … 2016-12).
	Allprocs ProcList = "allprocs"
	// Procglob: an array of struct procglob, the head in its allproc member (2016-12 …).
	Procglob ProcList = "procglob"
)

// LWPContainer names how a process keeps its LWPs.
type LWPContainer string

const (
	LWPTree LWPContainer = "p_lwp_tree" // a red-black tree keyed by lwp_tid
	LWPList LWPContainer = "p_lwps"     // a LIST (2007)
)

// Head is one process list head: a global list or one hash bucket.
type Head struct {
	Name string    // "allproc", "zombproc", "allprocs[17]", "procglob[17].allproc"
	Addr dump.Addr // the address of the LIST_HEAD (its lh_first)
}

// Symbols is what era detection needs from the kernel's symbol table;
// *symtab.Table satisfies it. Symbol sizes bound the hash arrays.
type Symbols interface {
	// Lookup finds a symbol nlist-style (a leading '_' optional).
	Lookup(name string) (symtab.Symbol, bool)
}

// Era is what DetectEra found: where the processes and their LWPs live, and
// the kinfo rules of the kernel's time.
type Era struct {
	ProcList ProcList
	LWPs     LWPContainer
	Heads    []Head
	HashSize int // allproc_hsize as read from the core (0 for allproc+zombproc, or when unreadable)
	// VMSegBytes is set when vm_tsize/vm_dsize/vm_ssize count bytes (kernels
	// built on or after 2019-02-16); before, they count pages. Without a
	// build date it is guessed from the era (see DetectEra).
	VMSegBytes bool
	// BuildDate is the build date from the kernel's version string; zero
	// when it could not be parsed.
	BuildDate time.Time
	// Anomalies are what detection found wrong but could work around
	// (an unreadable or implausible allproc_hsize).
	Anomalies []Anomaly
}

// Options bound and tune a process-table walk.
type Options struct {
	// MaxObjects is the hard bound on the procs (all lists together) and on
	// the LWPs of one proc; it should come from the dump (bytes present /
	// sizeof(struct proc)). 0 means DefaultMax.
	MaxObjects int
	// MaxLWPs bounds the LWPs of the whole table; 0 means 4*MaxObjects.
	MaxLWPs int
	// Version is the kernel's version string (symtab.Table.Version), for the
	// build date; "" reads the `version` variable from the dump.
	Version string
}

// Table is a process table as the walk could recover it.
type Table struct {
	Era   Era
	Procs []*Process // in report order: by pid (unreadable pids last), then address
	// Anomalies: the era's, the process lists' and the procs' own, then
	// for each process in report order those of its objects and LWPs (see
	// Stream.Anomalies).
	Anomalies []Anomaly
}

// Process is one struct proc and what hangs off it. A pointer member is nil
// when the kernel pointer was NULL, or when the object could not be read at
// all (then an anomaly says so).
type Process struct {
	Proc       *structs.Proc
	Head       string         // the list it was found on (Head.Name)
	UCred      *structs.UCred // p_ucred
	Pgrp       *structs.Pgrp  // p_pgrp
	Session    *structs.Session
	TTY        *structs.TTY     // s_ttyp, only when P_CONTROLT is set
	TTYDev     *structs.Cdev    // t_dev
	TTYPgrp    *structs.Pgrp    // t_pgrp
	TTYSession *structs.Session // t_session
	Vmspace    *structs.Vmspace
	Prison     *structs.Prison // cr_prison
	Sigacts    *structs.Sigacts
	Args       *structs.Pargs // p_args
	Parent     *structs.Proc  // p_pptr
	LWPs       []*Thread      // in lwp_tid order
}

// Thread is one LWP with its thread and the CPU it was on.
type Thread struct {
	LWP    *structs.LWP
	Thread *structs.Thread     // lwp_thread
	GD     *structs.Globaldata // td_gd
}
