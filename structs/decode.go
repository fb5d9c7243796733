package structs

import (
	"slices"
	"strings"
)

// Decoder decodes kernel records through one kernel's layouts. NewDecoder
// resolves every member it will read once, so decoding a record costs one
// bounded read and no layout lookups. A Decoder is safe for concurrent use.
type Decoder struct {
	p      Provider
	links  Links
	absent []string

	proc       procTable
	lwp        lwpTable
	thread     threadTable
	globaldata globaldataTable
	pgrp       pgrpTable
	session    sessionTable
	tty        ttyTable
	cdev       cdevTable
	ucred      ucredTable
	prison     prisonTable
	vmspace    vmspaceTable
	sigacts    sigactsTable
	pargs      pargsTable
}

// Links gives the offsets of the linkage members the walkers follow, from the
// kernel's layouts. An offset of -1 means the kernel has no such member.
type Links struct {
	ProcSize         int64 // sizeof(struct proc)
	ProcListNext     int64 // p_list.le_next
	ProcListPrev     int64 // p_list.le_prev
	ProcLWPTreeRoot  int64 // p_lwp_tree.rbh_root
	ProcLWPListFirst int64 // p_lwps.lh_first

	LWPSize     int64 // sizeof(struct lwp)
	LWPProc     int64 // lwp_proc
	LWPTID      int64 // lwp_tid
	LWPRBLeft   int64 // u.lwp_rbnode.rbe_left
	LWPRBRight  int64 // u.lwp_rbnode.rbe_right
	LWPRBParent int64 // u.lwp_rbnode.rbe_parent
	LWPListNext int64 // lwp_list.le_next
	LWPListPrev int64 // lwp_list.le_prev

	ProcglobSize    int64 // sizeof(struct procglob)
	ProcglobAllproc int64 // procglob.allproc (the LIST_HEAD)
}

// MissingError is NewDecoder's error: the layouts lack struct proc, struct
// lwp or a member every walk needs. It wraps ErrNoField.
type MissingError struct {
	Origin  string   // the layouts' Origin ("dwarf", "profile dragonfly-2020")
	Missing []string // what the walks need and did not find ("struct proc.p_pid")
	Absent  []string // everything else looked for and not found
}

// Error lists every struct and member looked for and not found, the
// essential ones first.
func (e *MissingError) Error() string {
	var b strings.Builder
	b.WriteString("cannot decode processes with the ")
	b.WriteString(e.Origin)
	b.WriteString(" layouts: missing ")
	b.WriteString(strings.Join(e.Missing, ", "))
	if len(e.Absent) > 0 {
		b.WriteString("; also not found: ")
		b.WriteString(strings.Join(e.Absent, ", "))
	}
	return b.String()
}

// Unwrap returns ErrNoField.
func (e *MissingError) Unwrap() error { return ErrNoField }

// NewDecoder resolves the layouts decoding needs. It fails, naming every
// struct and member it looked for and did not find, only when struct proc or
// struct lwp lack what any walk needs (p_list.le_next, p_pid, lwp_proc,
// lwp_tid, lwp_thread and one LWP container: p_lwp_tree.rbh_root with the
// u.lwp_rbnode links, or p_lwps.lh_first with lwp_list.le_next); other
// missing members make the corresponding record fields absent (see Absent
// and the records' Known).
//
// Member names differ between eras; NewDecoder accepts each era's spelling:
// p_flags or p_flag, lwp_flags or lwp_flag, lwp_usdata.bsd4.batch or
// .origcpu, si_umajor/si_uminor or si_udev, p_lwp_tree or p_lwps,
// u.lwp_rbnode or lwp_list.
func NewDecoder(p Provider) (*Decoder, error) {
	r := &resolver{p: p, layouts: map[string]*Layout{}}
	d := &Decoder{p: p}
	d.proc = r.procTable()
	d.lwp = r.lwpTable()
	d.thread = r.threadTable()
	d.globaldata = r.globaldataTable()
	d.pgrp = r.pgrpTable()
	d.session = r.sessionTable()
	d.tty = r.ttyTable()
	d.cdev = r.cdevTable()
	d.ucred = r.ucredTable()
	d.prison = r.prisonTable()
	d.vmspace = r.vmspaceTable()
	d.sigacts = r.sigactsTable()
	d.pargs = r.pargsTable()
	d.links = r.links()
	d.absent = r.absent

	if missing := d.essentialMissing(r); len(missing) > 0 {
		var rest []string
		for _, note := range r.absent {
			if !slices.ContainsFunc(missing, func(m string) bool { return about(note, m) || note == m }) {
				rest = append(rest, note)
			}
		}
		return nil, &MissingError{Origin: p.Origin(), Missing: missing, Absent: rest}
	}
	return d, nil
}

// essentialMissing lists the walk-essential structs and members not found,
// each with the reason the resolver gave when it had one ("struct
// proc.p_pid: 16-byte struct, want an integer").
func (d *Decoder) essentialMissing(r *resolver) []string {
	var out []string
	need := func(ok bool, what string) {
		if ok {
			return
		}
		name, _, _ := strings.Cut(what, " (or ")
		for _, note := range r.absent {
			if strings.HasPrefix(note, name+":") {
				what = note // the member is there, in a shape that cannot be decoded
				break
			}
		}
		out = append(out, what)
	}
	proc, lwp := r.layouts["proc"], r.layouts["lwp"]
	need(proc != nil, "struct proc")
	need(lwp != nil, "struct lwp")
	if proc != nil {
		need(d.proc.listNext.ok, "struct proc.p_list.le_next")
		need(d.proc.pid.ok, "struct proc.p_pid")
		need(d.proc.lwpTree.ok || d.proc.lwpList.ok, "struct proc.p_lwp_tree.rbh_root (or p_lwps.lh_first)")
	}
	if lwp != nil {
		need(d.lwp.proc.ok, "struct lwp.lwp_proc")
		need(d.lwp.tid.ok, "struct lwp.lwp_tid")
		need(d.lwp.thread.ok, "struct lwp.lwp_thread")
		switch {
		case d.proc.lwpTree.ok:
			need(d.lwp.rbLeft.ok, "struct lwp.u.lwp_rbnode.rbe_left")
			need(d.lwp.rbRight.ok, "struct lwp.u.lwp_rbnode.rbe_right")
		case d.proc.lwpList.ok:
			need(d.lwp.next.ok, "struct lwp.lwp_list.le_next")
		}
	}
	return out
}

// about reports whether an absent note is about the struct or member what
// (the note may add alternatives or a reason after the name).
func about(note, what string) bool {
	name, _, _ := strings.Cut(what, " (or ")
	return note == name || strings.HasPrefix(note, name+" ") || strings.HasPrefix(note, name+":")
}

// links fills Links from the layouts resolved so far.
func (r *resolver) links() Links {
	off := func(strct, path string) int64 {
		lay := r.layouts[strct]
		if lay == nil {
			return -1
		}
		f, ok := resolvePath(r.p, lay, path, 0)
		if !ok {
			return -1
		}
		return f.Offset
	}
	size := func(strct string) int64 {
		if lay := r.layouts[strct]; lay != nil {
			return lay.Size
		}
		return -1
	}
	if _, ok := r.layouts["procglob"]; !ok {
		// Only kernels since 2016 have struct procglob; its absence is
		// not a missing member.
		lay, err := r.p.Layout("struct procglob")
		if err != nil {
			lay = nil
		}
		r.layouts["procglob"] = lay
	}
	return Links{
		ProcSize:         size("proc"),
		ProcListNext:     off("proc", "p_list.le_next"),
		ProcListPrev:     off("proc", "p_list.le_prev"),
		ProcLWPTreeRoot:  off("proc", "p_lwp_tree.rbh_root"),
		ProcLWPListFirst: off("proc", "p_lwps.lh_first"),

		LWPSize:     size("lwp"),
		LWPProc:     off("lwp", "lwp_proc"),
		LWPTID:      off("lwp", "lwp_tid"),
		LWPRBLeft:   off("lwp", "u.lwp_rbnode.rbe_left"),
		LWPRBRight:  off("lwp", "u.lwp_rbnode.rbe_right"),
		LWPRBParent: off("lwp", "u.lwp_rbnode.rbe_parent"),
		LWPListNext: off("lwp", "lwp_list.le_next"),
		LWPListPrev: off("lwp", "lwp_list.le_prev"),

		ProcglobSize:    size("procglob"),
		ProcglobAllproc: off("procglob", "allproc"),
	}
}

// Provider returns the layouts the decoder was built from.
func (d *Decoder) Provider() Provider { return d.p }

// Has reports whether struct strct has the member at path in this kernel
// (nested paths through member structs are followed as when decoding).
func (d *Decoder) Has(strct, path string) bool {
	lay, err := d.p.Layout("struct " + strct)
	if err != nil {
		return false
	}
	_, ok := resolvePath(d.p, lay, path, 0)
	return ok
}

// Absent lists the structs and members the decoder looked for and did not
// find (or found with a shape it cannot decode, with the reason), such as
// "struct proc.p_ppid" on a kernel older than 2020. The corresponding record
// fields stay zero and their Known is false.
func (d *Decoder) Absent() []string { return append([]string(nil), d.absent...) }

// Links returns the linkage offsets.
func (d *Decoder) Links() Links { return d.links }
