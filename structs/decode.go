package structs

import "github.com/kdump-bsd/kdump/dump"

// Decoder decodes kernel records through one kernel's layouts. NewDecoder
// resolves every member it will read once, so decoding a record costs one
// bounded read and no layout lookups. A Decoder is safe for concurrent use.
type Decoder struct {
	p Provider
	// TODO(issue 3): resolved member tables.
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

// NewDecoder resolves the layouts decoding needs. It fails, naming every
// struct and member it looked for and did not find, only when struct proc or
// struct lwp lack what any walk needs; other missing members make the
// corresponding record fields absent.
func NewDecoder(p Provider) (*Decoder, error) {
	return &Decoder{p: p}, nil
}

// Provider returns the layouts the decoder was built from.
func (d *Decoder) Provider() Provider { return d.p }

// Has reports whether struct strct has the member at path in this kernel.
func (d *Decoder) Has(strct, path string) bool { return false }

// Links returns the linkage offsets.
func (d *Decoder) Links() Links { return Links{} }

// Proc decodes the struct proc at a.
func (d *Decoder) Proc(r dump.Reader, a dump.Addr) *Proc { return &Proc{Addr: a} }

// LWP decodes the struct lwp at a.
func (d *Decoder) LWP(r dump.Reader, a dump.Addr) *LWP { return &LWP{Addr: a} }

// Thread decodes the struct thread at a, and the wait message it points to.
func (d *Decoder) Thread(r dump.Reader, a dump.Addr) *Thread { return &Thread{Addr: a} }

// Globaldata decodes the struct globaldata at a.
func (d *Decoder) Globaldata(r dump.Reader, a dump.Addr) *Globaldata { return &Globaldata{Addr: a} }

// Pgrp decodes the struct pgrp at a.
func (d *Decoder) Pgrp(r dump.Reader, a dump.Addr) *Pgrp { return &Pgrp{Addr: a} }

// Session decodes the struct session at a.
func (d *Decoder) Session(r dump.Reader, a dump.Addr) *Session { return &Session{Addr: a} }

// TTY decodes the struct tty at a.
func (d *Decoder) TTY(r dump.Reader, a dump.Addr) *TTY { return &TTY{Addr: a} }

// Cdev decodes the struct cdev at a.
func (d *Decoder) Cdev(r dump.Reader, a dump.Addr) *Cdev { return &Cdev{Addr: a} }

// UCred decodes the struct ucred at a.
func (d *Decoder) UCred(r dump.Reader, a dump.Addr) *UCred { return &UCred{Addr: a} }

// Prison decodes the struct prison at a.
func (d *Decoder) Prison(r dump.Reader, a dump.Addr) *Prison { return &Prison{Addr: a} }

// Vmspace decodes the struct vmspace at a.
func (d *Decoder) Vmspace(r dump.Reader, a dump.Addr) *Vmspace { return &Vmspace{Addr: a} }

// Sigacts decodes the struct sigacts at a.
func (d *Decoder) Sigacts(r dump.Reader, a dump.Addr) *Sigacts { return &Sigacts{Addr: a} }

// Pargs decodes the struct pargs at a and the argument strings after it.
func (d *Decoder) Pargs(r dump.Reader, a dump.Addr) *Pargs { return &Pargs{Addr: a} }
