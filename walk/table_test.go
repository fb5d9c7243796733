package walk

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/symtab"
)

func hasSym(tab *symtab.Table, name string) bool { _, ok := tab.Lookup(name); return ok }

// objWriter writes kernel objects into a fakeMem at the offsets a kernel's
// DWARF gives (never at offsets of this package's own choosing).
type objWriter struct {
	t   testing.TB
	m   *fakeMem
	lay *structs.Layouts
}

func (w objWriter) layout(strct string) *structs.Layout {
	w.t.Helper()
	l, err := w.lay.Layout(strct)
	if err != nil {
		w.t.Fatal(err)
	}
	return l
}

// new allocates a zeroed object of the struct. Procs get pages of their own,
// so that a test can unmap one without touching anything else.
func (w objWriter) new(strct string) dump.Addr {
	size := int(max(w.layout(strct).Size, 8))
	if strct != "proc" {
		return w.m.alloc(size, 64)
	}
	a := w.m.alloc(size, dump.PageSize)
	w.m.alloc(1, dump.PageSize) // skip to the next page
	return a
}

// set stores v in the first of paths the struct has, in the member's size.
func (w objWriter) set(strct string, base dump.Addr, v uint64, paths ...string) {
	w.t.Helper()
	l := w.layout(strct)
	for _, p := range paths {
		if f, ok := l.Lookup(p); ok {
			b := make([]byte, f.Size)
			for i := range b {
				b[i] = byte(v >> (8 * i))
			}
			w.m.write(base+dump.Addr(f.Offset), b)
			return
		}
	}
	w.t.Fatalf("struct %s has none of %v", strct, paths)
}

func (w objWriter) setBytes(strct string, base dump.Addr, path string, b []byte) {
	w.t.Helper()
	f, ok := w.layout(strct).Lookup(path)
	if !ok {
		w.t.Fatalf("struct %s has no %s", strct, path)
	}
	w.m.write(base+dump.Addr(f.Offset), b)
}

func (w objWriter) off(strct, path string) dump.Addr {
	w.t.Helper()
	f, ok := w.layout(strct).Lookup(path)
	if !ok {
		w.t.Fatalf("struct %s has no %s", strct, path)
	}
	return dump.Addr(f.Offset)
}

// mproc is one process of the model.
type mproc struct {
	pid    int32
	parent int // index of the parent in the model, -1 for none
	cred   int // index into the model's credentials
	ctty   bool
	zombie bool
	tids   []int32 // in insertion order; the tree shape follows from it
	args   []string
}

type mcred struct {
	uid  uint32
	jail int32 // 0: not jailed
}

// model is a process table to lay out in memory, with what a correct walk
// must find computed from the model alone.
type model struct {
	procs []mproc
	creds []mcred
}

// built is a model laid out in memory for one kernel.
type built struct {
	w      objWriter
	era    Era
	dec    *structs.Decoder
	procs  []dump.Addr // by model index
	lwps   [][]dump.Addr
	ucreds []dump.Addr
	syms   fakeSyms
}

const testVersion = "DragonFly v5.8.0-RELEASE #0: Sun Mar  1 12:00:00 UTC 2020"

// row is what the tests compare of each process.
type row struct {
	Head  string
	PID   int32
	PPID  int32 // the parent's pid, -1 when no parent was found
	UID   uint32
	Jail  int32
	TTY   string
	TPgid int32
	Args  []string
	TIDs  []int32
	CPUs  []uint32
}

const hashSize = 256

func buildModel(t testing.TB, kernel string, mo model) *built {
	t.Helper()
	tab, lay, dec := openKernel(t, kernel)
	m := newFakeMem()
	w := objWriter{t, m, lay}
	b := &built{w: w, dec: dec}

	// The process lists, laid out as the era's symbols say.
	syms := fakeSyms{}
	hs := m.alloc(8, 8)
	m.putU32(hs, hashSize)
	syms["allproc_hsize"] = symFor("allproc_hsize", hs, 4)
	var headOf func(p mproc) dump.Addr
	switch {
	case lay.Has("procglob"):
		pgSize := w.layout("procglob").Size
		pg := m.alloc(int(pgSize*hashSize), 64)
		syms["procglob"] = symFor("procglob", pg, uint64(pgSize*hashSize))
		headOf = func(p mproc) dump.Addr {
			return pg + dump.Addr(int64(p.pid&(hashSize-1))*pgSize) + w.off("procglob", "allproc")
		}
	case hasSym(tab, "allprocs"):
		arr := m.alloc(8*hashSize, 8)
		syms["allprocs"] = symFor("allprocs", arr, 8*hashSize)
		headOf = func(p mproc) dump.Addr { return arr + dump.Addr(8*(p.pid&(hashSize-1))) }
	default:
		ap, zp := m.alloc(8, 8), m.alloc(8, 8)
		syms["allproc"], syms["zombproc"] = symFor("allproc", ap, 8), symFor("zombproc", zp, 8)
		headOf = func(p mproc) dump.Addr {
			if p.zombie {
				return zp
			}
			return ap
		}
	}
	era, err := DetectEra(syms, dec, m, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	b.era, b.syms = era, syms

	gds := []dump.Addr{w.new("globaldata"), w.new("globaldata")}
	for i, gd := range gds {
		w.set("globaldata", gd, uint64(i), "gd_cpuid")
	}
	for _, c := range mo.creds {
		cr := w.new("ucred")
		w.set("ucred", cr, uint64(c.uid), "cr_uid")
		if c.jail != 0 {
			pr := w.new("prison")
			w.set("prison", pr, uint64(c.jail), "pr_id")
			w.set("ucred", cr, uint64(pr), "cr_prison")
		}
		b.ucreds = append(b.ucreds, cr)
	}
	// One session with a tty, its job-control pgrp, and a pgrp per proc.
	sess := w.new("session")
	tty := w.new("tty")
	cdev := w.new("cdev")
	w.setBytes("cdev", cdev, "si_name", []byte("ttyv0\x00"))
	fg := w.new("pgrp")
	w.set("pgrp", fg, 4242, "pg_id")
	w.set("pgrp", fg, uint64(sess), "pg_session")
	w.set("session", sess, uint64(tty), "s_ttyp")
	w.set("tty", tty, uint64(cdev), "t_dev")
	w.set("tty", tty, uint64(fg), "t_pgrp")
	w.set("tty", tty, uint64(sess), "t_session")

	b.procs = make([]dump.Addr, len(mo.procs))
	for i := range mo.procs {
		b.procs[i] = w.new("proc")
	}
	b.lwps = make([][]dump.Addr, len(mo.procs))
	lk := dec.Links()
	for i, p := range mo.procs {
		a := b.procs[i]
		w.set("proc", a, uint64(p.pid), "p_pid")
		w.set("proc", a, uint64(b.ucreds[p.cred]), "p_ucred")
		if p.parent >= 0 {
			w.set("proc", a, uint64(b.procs[p.parent]), "p_pptr")
		}
		pg := fg
		if !p.ctty {
			pg = w.new("pgrp")
			w.set("pgrp", pg, uint64(p.pid), "pg_id")
			w.set("pgrp", pg, uint64(w.new("session")), "pg_session")
		} else {
			w.set("proc", a, 0x2, "p_flags", "p_flag") // P_CONTROLT (spec §12)
		}
		w.set("proc", a, uint64(pg), "p_pgrp")
		w.set("proc", a, uint64(w.new("vmspace")), "p_vmspace")
		w.set("proc", a, uint64(w.new("sigacts")), "p_sigacts")
		if p.args != nil {
			s := strings.Join(p.args, "\x00") + "\x00"
			pa := m.alloc(8+len(s), 8)
			w.set("pargs", pa, uint64(len(s)), "ar_length")
			m.write(pa+w.off("pargs", "ar_args"), []byte(s))
			w.set("proc", a, uint64(pa), "p_args")
		}
		// LIST_INSERT_HEAD on the proc's list.
		h := headOf(p)
		old, _ := dump.ReadPtr(m, h)
		m.putPtr(a+dump.Addr(lk.ProcListNext), old)
		if old != 0 {
			m.putPtr(old+dump.Addr(lk.ProcListPrev), a+dump.Addr(lk.ProcListNext))
		}
		m.putPtr(h, a)
		m.putPtr(a+dump.Addr(lk.ProcListPrev), h)

		for j, tid := range p.tids {
			l := w.new("lwp")
			th := w.new("thread")
			w.set("lwp", l, uint64(tid), "lwp_tid")
			w.set("lwp", l, uint64(a), "lwp_proc")
			w.set("lwp", l, uint64(th), "lwp_thread")
			w.set("thread", th, uint64(gds[j%2]), "td_gd")
			b.lwps[i] = append(b.lwps[i], l)
			if era.LWPs == LWPList {
				h := a + dump.Addr(lk.ProcLWPListFirst)
				old, _ := dump.ReadPtr(m, h)
				m.putPtr(l+dump.Addr(lk.LWPListNext), old)
				if old != 0 {
					m.putPtr(old+dump.Addr(lk.LWPListPrev), l+dump.Addr(lk.LWPListNext))
				}
				m.putPtr(h, l)
				m.putPtr(l+dump.Addr(lk.LWPListPrev), h)
				continue
			}
			// Plain BST insertion by tid, with parent pointers.
			link, parent := a+dump.Addr(lk.ProcLWPTreeRoot), dump.Addr(0)
			for {
				n, _ := dump.ReadPtr(m, link)
				if n == 0 {
					break
				}
				parent = n
				k, _ := dump.ReadU32(m, n+dump.Addr(lk.LWPTID))
				if tid < int32(k) {
					link = n + dump.Addr(lk.LWPRBLeft)
				} else {
					link = n + dump.Addr(lk.LWPRBRight)
				}
			}
			m.putPtr(link, l)
			m.putPtr(l+dump.Addr(lk.LWPRBParent), parent)
		}
	}
	return b
}

func symFor(name string, a dump.Addr, size uint64) symtab.Symbol {
	return symtab.Symbol{Name: name, Value: uint64(a), Size: size}
}

// expected computes the rows a correct walk gives for the model: heads in
// order, each list in reverse insertion order (LIST_INSERT_HEAD), LWPs by
// tid, CPUs as the model assigned them (by insertion index).
func (mo model) expected(b *built) []row {
	var rows []row
	for _, h := range b.era.Heads {
		for i := len(mo.procs) - 1; i >= 0; i-- {
			p := mo.procs[i]
			if b.headName(p) != h.Name {
				continue
			}
			r := row{Head: h.Name, PID: p.pid, PPID: -1, UID: mo.creds[p.cred].uid, Jail: mo.creds[p.cred].jail, Args: p.args}
			if p.parent >= 0 {
				r.PPID = mo.procs[p.parent].pid
			}
			if p.ctty {
				r.TTY, r.TPgid = "ttyv0", 4242
			}
			idx := make([]int, len(p.tids))
			for j := range idx {
				idx[j] = j
			}
			slices.SortFunc(idx, func(x, y int) int { return int(p.tids[x] - p.tids[y]) })
			for _, j := range idx {
				r.TIDs = append(r.TIDs, p.tids[j])
				r.CPUs = append(r.CPUs, uint32(j%2))
			}
			rows = append(rows, r)
		}
	}
	// The table comes in report order: by pid (the model's are unique).
	slices.SortStableFunc(rows, func(x, y row) int { return int(x.PID) - int(y.PID) })
	return rows
}

func (b *built) headName(p mproc) string {
	switch b.era.ProcList {
	case Procglob:
		return fmt.Sprintf("procglob[%d].allproc", p.pid&(hashSize-1))
	case Allprocs:
		return fmt.Sprintf("allprocs[%d]", p.pid&(hashSize-1))
	}
	if p.zombie {
		return "zombproc"
	}
	return "allproc"
}

func rows(t *Table) []row {
	var out []row
	for _, p := range t.Procs {
		r := row{Head: p.Head, PID: p.Proc.PID, PPID: -1}
		if p.Parent != nil {
			r.PPID = p.Parent.PID
		}
		if p.UCred != nil {
			r.UID = p.UCred.UID
		}
		if p.Prison != nil {
			r.Jail = p.Prison.ID
		}
		if p.TTYDev != nil {
			r.TTY = p.TTYDev.Name
		}
		if p.TTYPgrp != nil {
			r.TPgid = p.TTYPgrp.ID
		}
		if p.Args != nil {
			r.Args = p.Args.Args
		}
		for _, l := range p.LWPs {
			r.TIDs = append(r.TIDs, l.LWP.TID)
			if l.GD != nil {
				r.CPUs = append(r.CPUs, l.GD.CPUID)
			}
		}
		out = append(out, r)
	}
	return out
}

// sampleModel (parents are model indices): pid 0 and init, daemons, a login session with a controlling
// tty, a jailed process, zombies, processes in the same bucket (pids 1 and
// 257), multi-threaded processes whose tree shapes libkvm mis-walks.
func sampleModel() model {
	return model{
		creds: []mcred{{uid: 0}, {uid: 1001}, {uid: 80, jail: 3}},
		procs: []mproc{
			{pid: 0, parent: -1, tids: []int32{1}},
			{pid: 1, parent: 0, tids: []int32{1}, args: []string{"/sbin/init", "--"}},
			{pid: 257, parent: 1, cred: 1, ctty: true, tids: []int32{1, 2}, args: []string{"-sh"}},
			{pid: 300, parent: 2, cred: 1, ctty: true, tids: []int32{2, 1, 3, 4}},
			{pid: 301, parent: 1, cred: 2, tids: []int32{5, 3, 8, 1, 4, 7, 9, 2, 6, 10, 11, 12}},
			{pid: 302, parent: 2, cred: 1, zombie: true, tids: []int32{1}},
			{pid: 303, parent: 1, zombie: true}, // no LWP left
			{pid: 513, parent: 1, tids: []int32{1, 2, 3, 4, 5, 6, 7, 8}},
		},
	}
}

var sampleKernels = []string{"kern-dfly2007", "kern-dfly2009", "kern-dfly2014", "kern-dfly2020", "kern-dfly2020opt"}

func TestProcessTable(t *testing.T) {
	for _, k := range sampleKernels {
		t.Run(k, func(t *testing.T) {
			mo := sampleModel()
			b := buildModel(t, k, mo)
			tab, err := ProcessTable(b.w.m, b.syms, b.dec, Options{Version: testVersion})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mo.expected(b), rows(tab)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(tab.Anomalies) != 0 {
				t.Errorf("anomalies: %v", tab.Anomalies)
			}
			// Shared objects are decoded once: one *UCred per address.
			byAddr := map[dump.Addr]*structs.UCred{}
			for _, p := range tab.Procs {
				if u, ok := byAddr[p.Proc.UCred]; ok && u != p.UCred {
					t.Errorf("ucred %v decoded more than once", p.Proc.UCred)
				}
				byAddr[p.Proc.UCred] = p.UCred
			}
		})
	}
}

func TestProcessTableDamage(t *testing.T) {
	const unmapped dump.Addr = 0xffffffffa0000000
	// Model indices of sampleModel.
	const (
		iPid0, iPid1, iPid257, iPid300, iPid301, iPid513 = 0, 1, 2, 3, 4, 7
	)
	tests := []struct {
		name   string
		opt    Options
		damage func(b *built)
		// edit turns the intact table's rows into the expected ones.
		edit   func(rows []row) []row
		wantAn func(b *built) []found
		check  func(t *testing.T, b *built, tab *Table)
	}{
		{
			name: "cycle in a process list",
			damage: func(b *built) {
				// Pid 513 heads its list in every era (bucket 1 holds 513,
				// 257, 1; allproc 513 … 1, 0): point the last element back
				// at it.
				last := b.procs[iPid1]
				if b.era.ProcList == AllprocZombproc {
					last = b.procs[iPid0]
				}
				b.w.m.putPtr(last+dump.Addr(b.dec.Links().ProcListNext), b.procs[iPid513])
			},
			wantAn: func(b *built) []found { return []found{{Cycle, b.procs[iPid513]}} },
		},
		{
			name: "LWP with the wrong parent",
			damage: func(b *built) {
				b.w.set("lwp", b.lwps[iPid300][2], uint64(b.procs[iPid301]), "lwp_proc")
			},
			wantAn: func(b *built) []found { return []found{{WrongParent, b.lwps[iPid300][2]}} },
			check: func(t *testing.T, b *built, tab *Table) {
				for _, a := range tab.Anomalies {
					if a.Kind == WrongParent && !strings.Contains(a.Message, "lwp_proc is "+b.procs[iPid301].String()+", expected "+b.procs[iPid300].String()) {
						t.Errorf("message %q does not name both procs", a.Message)
					}
				}
			},
		},
		{
			name:   "dangling p_ucred",
			damage: func(b *built) { b.w.set("proc", b.procs[iPid513], uint64(unmapped), "p_ucred") },
			wantAn: func(b *built) []found { return []found{{Fault, unmapped}} },
			check: func(t *testing.T, b *built, tab *Table) {
				if a := tab.Anomalies; len(a) > 0 && !strings.Contains(a[0].Message, "ucred "+unmapped.String()+" (p_ucred of proc "+b.procs[iPid513].String()+" (pid 513)): cannot read it") {
					t.Errorf("message %q", a[0].Message)
				}
				for _, p := range tab.Procs {
					if (p.UCred == nil) != (p.Proc.PID == 513) {
						t.Errorf("pid %d: ucred %v", p.Proc.PID, p.UCred)
					}
				}
			},
		},
		{
			name:   "non-kernel p_pgrp",
			damage: func(b *built) { b.w.set("proc", b.procs[iPid300], 0x1234, "p_pgrp") },
			edit: func(rs []row) []row {
				for i := range rs {
					if rs[i].PID == 300 { // no pgrp, no session, no tty
						rs[i].TTY, rs[i].TPgid = "", 0
					}
				}
				return rs
			},
			wantAn: func(b *built) []found { return []found{{BadLink, 0x1234}} },
		},
		{
			name:   "unreadable proc",
			damage: func(b *built) { b.w.m.unmap(b.procs[iPid257]) },
			edit: func(rs []row) []row {
				// Bucket 1 holds 513, 257, 1: pid 1 behind 257 is lost
				// too (pid 0 as well on allproc, below). Pid 1 is still
				// readable as a parent.
				var out []row
				for _, r := range rs {
					if r.PID == 257 || r.PID == 1 {
						continue
					}
					if r.PPID == 257 {
						r.PPID = -1
					}
					out = append(out, r)
				}
				return out
			},
			wantAn: func(b *built) []found {
				// The list walk's fault, then the p_pptr of 300 or 302
				// (whichever comes first), reported once.
				return []found{{Fault, b.procs[iPid257]}, {Fault, b.procs[iPid257]}}
			},
		},
		{
			name: "LWP bound",
			opt:  Options{MaxLWPs: 3},
			edit: func(rs []row) []row {
				left := 3
				for i := range rs {
					n := min(left, len(rs[i].TIDs))
					if n == 0 {
						rs[i].TIDs, rs[i].CPUs = nil, nil
						continue
					}
					// A tree walk cut short emits the nodes entered so far:
					// not a prefix of the tids in general, so only the count
					// is checked below.
					rs[i].TIDs, rs[i].CPUs = nil, nil
					left -= n
				}
				return rs
			},
			check: func(t *testing.T, b *built, tab *Table) {
				n := 0
				for _, p := range tab.Procs {
					n += len(p.LWPs)
				}
				if n != 3 {
					t.Errorf("%d LWPs, want 3", n)
				}
				var limits int
				for _, a := range tab.Anomalies {
					if a.Kind == Limit {
						limits++
					}
				}
				if limits == 0 || limits > 2 {
					t.Errorf("%d limit anomalies, want 1 or 2: %v", limits, tab.Anomalies)
				}
			},
		},
	}
	for _, k := range []string{"kern-dfly2007", "kern-dfly2020opt"} {
		for _, tc := range tests {
			t.Run(k+"/"+tc.name, func(t *testing.T) {
				mo := sampleModel()
				b := buildModel(t, k, mo)
				if tc.damage != nil {
					tc.damage(b)
				}
				tab := CollectTable(b.w.m, b.era, b.dec, tc.opt)
				want := mo.expected(b)
				if tc.edit != nil {
					want = tc.edit(want)
				}
				got := rows(tab)
				if tc.name == "LWP bound" {
					for i := range got {
						got[i].TIDs, got[i].CPUs = nil, nil
					}
				}
				if tc.name == "unreadable proc" && b.era.ProcList == AllprocZombproc {
					want = slices.DeleteFunc(want, func(r row) bool { return r.PID == 0 })
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				if tc.wantAn != nil {
					if diff := cmp.Diff(tc.wantAn(b), kinds(tab.Anomalies)); diff != "" {
						t.Errorf("anomalies (-want +got):\n%s\n%v", diff, tab.Anomalies)
					}
				}
				if tc.check != nil {
					tc.check(t, b, tab)
				}
			})
		}
	}
}
