package walktest

import (
	"fmt"
	"strings"
)

// builder plans the world for one kernel: which era, which objects, where.
type builder struct {
	k   *kernel
	h   *heap
	cfg Config
	err error

	L struct {
		proc, lwp, thread, gd, pgrp, sess, tty, cdev, ucred, vm, sig, pargs *layout
		prison                                                              *layout // nil when the kernel has none
	}
	era        string // allproc+zombproc | allprocs | procglob
	tree       bool   // p_lwp_tree (else p_lwps)
	pflags     string // p_flags or p_flag
	lflags     string // lwp_flags or lwp_flag
	hasMP      bool   // lwp_mpflags
	vmBytes    bool
	lsRunRule  bool
	lwpComm    bool
	wmesgLen   int
	stat       map[string]uint64 // enumerator values
	hashSize   int
	argsOffset int

	specs    []procSpec
	creds    map[string]credSpec
	sessSpec map[int32]sessSpec

	procs    []*wproc // creation order
	byPID    map[int32]*wproc
	credObjs map[string]*wcred
	pgrps    map[int32]*wpgrp
	pgOrder  []*wpgrp
	sessions map[int32]*wsess
	sessList []*wsess
	ttyObjs  map[string]*wtty
	ttyList  []*wtty
	heapObjs map[string]uint64
	strs     map[string]uint64
	heads    []*whead
	gds      []uint64
	jail     uint64
	prison0  uint64
	sigacts0 uint64
	vmspace0 uint64
	idle     []uint64 // idle thread per cpu

	damaged  map[Damage]bool
	warnings map[Damage][]Warning
	notes    []DamageNote
}

const ncpus = 4

func (b *builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("walktest: kernel %s: "+format, append([]any{b.k.path}, args...)...)
	}
}

// newBuilder detects the era from the kernel's symbols and DWARF and loads the
// layouts the table needs.
func newBuilder(k *kernel, h *heap, osreldate int64) (*builder, error) {
	b := &builder{k: k, h: h}
	var err error
	get := func(name string) *layout {
		l, e := k.layout(name)
		if e != nil && err == nil {
			err = e
		}
		return l
	}
	b.L.proc, b.L.lwp, b.L.thread = get("proc"), get("lwp"), get("thread")
	b.L.gd, b.L.pgrp, b.L.sess = get("globaldata"), get("pgrp"), get("session")
	b.L.tty, b.L.cdev, b.L.ucred = get("tty"), get("cdev"), get("ucred")
	b.L.vm, b.L.sig, b.L.pargs = get("vmspace"), get("sigacts"), get("pargs")
	if err != nil {
		return nil, err
	}
	if l, e := k.layout("prison"); e == nil {
		b.L.prison = l
	}
	switch {
	case k.symbol("procglob") != 0:
		b.era = "procglob"
	case k.symbol("allprocs") != 0:
		b.era = "allprocs"
	case k.symbol("allproc") != 0 && k.symbol("zombproc") != 0:
		b.era = "allproc+zombproc"
	default:
		return nil, fmt.Errorf("walktest: kernel %s: none of procglob, allprocs, allproc+zombproc", k.path)
	}
	switch {
	case b.L.proc.has("p_lwp_tree.rbh_root"):
		b.tree = true
	case b.L.proc.has("p_lwps.lh_first"):
	default:
		return nil, fmt.Errorf("walktest: kernel %s: struct proc has neither p_lwp_tree nor p_lwps", k.path)
	}
	b.pflags, b.lflags = "p_flags", "lwp_flags"
	if !b.L.proc.has(b.pflags) {
		b.pflags = "p_flag"
	}
	if !b.L.lwp.has(b.lflags) {
		b.lflags = "lwp_flag"
	}
	b.hasMP = b.L.lwp.has("lwp_mpflags")
	// Era rules (spec §0.3, §10.11, §11.1): vm segment sizes in bytes from
	// 2019-02-16 (5.5-DEVELOPMENT), the LSRUN→LSSLEEP rule with lwp_mpflags
	// (2020 documented; 2007 has none). kdump reports what the kernel holds
	// where kinfo would cut or drop it: td_comm whenever struct thread has it
	// (kinfo_lwp gained kl_comm only in 2015-11), and the whole wait message
	// (up to 32 bytes) rather than its first WMESGLEN bytes.
	b.vmBytes = osreldate >= 500500
	b.lwpComm = b.L.thread.has("td_comm")
	b.lsRunRule = b.hasMP
	b.wmesgLen = 32
	b.stat = map[string]uint64{}
	for _, n := range []string{"SIDL", "SACTIVE", "SSTOP", "SZOMB", "LSRUN", "LSSTOP", "LSSLEEP"} {
		v, err := k.enum(n)
		if err != nil {
			return nil, err
		}
		b.stat[n] = uint64(v)
	}
	b.argsOffset = b.L.pargs.field("ar_args").off
	if !b.L.pargs.has("ar_args") || !b.L.pargs.has("ar_length") {
		return nil, fmt.Errorf("walktest: kernel %s: struct pargs lacks ar_length/ar_args", k.path)
	}
	return b, nil
}

// wmesgOK reports whether the era's WMESGLEN is known well enough to model a
// wait message of this length (7 in 2007, 8 in 2020; kernels in between get
// messages of at most 7 bytes).
func (b *builder) wmesgOK(s string) bool {
	return len(s) <= 7 || b.era == "procglob" || !b.tree
}

// plan creates every object and gives it an address.
func (b *builder) plan() {
	b.byPID = map[int32]*wproc{}
	b.credObjs = map[string]*wcred{}
	b.pgrps = map[int32]*wpgrp{}
	b.sessions = map[int32]*wsess{}
	b.ttyObjs = map[string]*wtty{}
	b.heapObjs = map[string]uint64{}
	b.strs = map[string]uint64{}
	h := b.h
	sz := func(l *layout) uint64 { return uint64(l.size) }

	// CPUs: globaldata0 and three more from the heap.
	b.gds = append(b.gds, b.sym("globaldata0"))
	for i := 1; i < ncpus; i++ {
		b.gds = append(b.gds, h.alloc(sz(b.L.gd), 64))
	}
	for _, gd := range b.gds {
		idle := uint64(0)
		if m := b.L.gd.field("gd_idlethread"); m.ok {
			idle = gd + uint64(m.off)
		}
		b.idle = append(b.idle, idle)
	}
	b.sigacts0 = b.sym("sigacts0")
	b.vmspace0 = b.sym("vmspace0")
	if b.L.prison != nil {
		b.prison0 = b.k.symbol("prison0")
		b.jail = h.alloc(sz(b.L.prison), 8)
	}

	for i := range b.specs {
		s := &b.specs[i]
		if b.byPID[s.pid] != nil {
			b.fail("pid %d twice in the table", s.pid)
			return
		}
		p := &wproc{s: *s}
		if s.system || s.pid == 0 {
			p.s.flags |= pSystem
		}
		if s.stat == "SZOMB" && b.era == "allproc+zombproc" {
			// Before 2013 a zombie's LWPs are gone by the time it is on
			// zombproc (only the 2014+ kernels keep the last one).
			p.s.lwps = nil
		}
		b.procs = append(b.procs, p)
		b.byPID[s.pid] = p
		isolate := b.damaged[DamageMissingProcPage] && s.pid == missingProcPID
		switch {
		case s.pid == 0:
			p.addr = b.sym("proc0")
		case isolate:
			p.addr, p.isolated = h.isolated(sz(b.L.proc)), true
		default:
			p.addr = h.alloc(sz(b.L.proc), 8)
		}
		if s.ppid >= 0 {
			if p.parent = b.byPID[s.ppid]; p.parent == nil {
				b.fail("pid %d: parent %d not created before it", s.pid, s.ppid)
				return
			}
		}
		b.planCred(p)
		b.planGroup(p)
		b.planVM(p)
		b.planArgs(p)
		switch {
		case s.pid == 0 || s.system:
			p.sig = b.sigacts0
		case s.pid >= synthBase:
			// Synthetic processes share sigacts in blocks, to bound memory.
			if k := fmt.Sprintf("sig%d", (s.pid-synthBase)/64); b.heapObjs[k] == 0 {
				b.heapObjs[k] = h.alloc(sz(b.L.sig), 8)
			}
			p.sig = b.heapObjs[fmt.Sprintf("sig%d", (s.pid-synthBase)/64)]
		default:
			p.sig = h.alloc(sz(b.L.sig), 8)
		}
		b.planLWPs(p)
	}
}

func (b *builder) sym(name string) uint64 {
	v := b.k.symbol(name)
	if v == 0 {
		b.fail("no symbol %s", name)
	}
	return v
}

func (b *builder) planCred(p *wproc) {
	key := p.s.cred
	c := b.credObjs[key]
	if c == nil {
		spec, ok := b.creds[key]
		if !ok {
			b.fail("pid %d: unknown credentials %q", p.s.pid, key)
			return
		}
		c = &wcred{s: spec}
		if key == "kernel" {
			c.addr = b.sym("ucred0")
		} else {
			c.addr = b.h.alloc(uint64(b.L.ucred.size), 64)
		}
		b.credObjs[key] = c
	}
	c.refs++
	p.cred, p.ucredPtr = c, c.addr
}

func (b *builder) planGroup(p *wproc) {
	pgid, sid := p.s.pgid, p.s.sid
	if p.s.system {
		pgid, sid = 0, 0
	}
	p.s.pgid, p.s.sid = pgid, sid
	s := b.sessions[sid]
	if s == nil {
		spec, ok := b.sessSpec[sid]
		if !ok {
			b.fail("pid %d: unknown session %d", p.s.pid, sid)
			return
		}
		s = &wsess{id: sid, s: spec}
		if sid == 0 {
			s.addr = b.sym("session0")
		} else {
			s.addr = b.h.alloc(uint64(b.L.sess.size), 8)
		}
		if spec.tty != "" {
			t := &wtty{name: spec.tty, s: ttys[spec.tty], sess: s}
			t.addr = b.h.alloc(uint64(b.L.tty.size), 8)
			t.dev = b.h.alloc(uint64(b.L.cdev.size), 8)
			s.tty = t
			s.ttyvp = b.h.alloc(256, 8) // the tty's vnode (contents unused)
			b.ttyObjs[spec.tty] = t
			b.ttyList = append(b.ttyList, t)
		}
		b.sessions[sid] = s
		b.sessList = append(b.sessList, s)
	}
	if p.s.pid == sid {
		s.leader = p
	}
	g := b.pgrps[pgid]
	if g == nil {
		g = &wpgrp{id: pgid, sess: s}
		if pgid == 0 {
			g.addr = b.sym("pgrp0")
		} else {
			g.addr = b.h.alloc(uint64(b.L.pgrp.size), 8)
		}
		b.pgrps[pgid] = g
		b.pgOrder = append(b.pgOrder, g)
		s.pgrps++
	}
	g.members = append(g.members, p)
	p.pgrp = g
	if s.tty != nil && p.s.pid != 0 {
		p.s.flags |= pControlT
	}
}

func (b *builder) planVM(p *wproc) {
	switch {
	case p.s.vm.none:
	case p.s.vm.kernelVmspace0 || p.s.pid == 0:
		p.vm = b.vmspace0
	default:
		p.vm = b.h.alloc(uint64(b.L.vm.size), 8)
	}
}

func (b *builder) planArgs(p *wproc) {
	switch {
	case p.s.parentArgs && p.parent != nil:
		p.args, p.s.args = p.parent.args, p.parent.s.args
		p.parent.argRefs++
	case p.s.args != nil:
		n := uint64(b.argsOffset + len(strings.Join(p.s.args, "\x00")) + 1)
		p.args = b.h.alloc(n, 8)
		p.argRefs = 1
	}
}

// planLWPs gives each LWP and thread an address and computes the flag words
// and wait channel.
func (b *builder) planLWPs(p *wproc) {
	for i := range p.s.lwps {
		s := p.s.lwps[i]
		if !b.wmesgOK(s.wmesg) {
			s.wmesg = "cvwait"
		}
		if s.stat == "LSRUN" && !s.runq && !s.running && !s.exiting && b.tree && !b.hasMP {
			// The 2009-era rule is not documented: keep such LWPs on a run queue.
			s.runq = true
		}
		l := &wlwp{s: s, proc: p}
		isolate := b.damaged[DamageMissingLWPPage] && p.s.pid == missingLWPPID
		switch {
		case p.s.pid == 0:
			l.addr, l.td = b.sym("lwp0"), b.sym("thread0")
		case isolate:
			l.addr = b.h.isolated(uint64(b.L.lwp.size))
			l.td = b.h.alloc(uint64(b.L.thread.size), 16)
		default:
			l.addr = b.h.alloc(uint64(b.L.lwp.size), 8)
			l.td = b.h.alloc(uint64(b.L.thread.size), 16)
		}
		l.procPtr = p.addr
		if int(s.cpu) < len(b.gds) {
			l.gd = b.gds[s.cpu]
		}
		l.lwpFlags = s.flags
		switch {
		case s.running:
			l.tdFlags |= tdfRunning | tdfRunq
		case s.runq:
			l.tdFlags |= tdfRunq
			if b.hasMP {
				l.mpFlags |= lwpMPOnRunq
			} else {
				l.lwpFlags |= lwpOnRunq
			}
		case s.exiting:
			l.tdFlags |= tdfExiting
		case s.stat == "LSSLEEP":
			l.tdFlags |= tdfTSleepQ
			if s.flags&lwpSINTR != 0 {
				l.tdFlags |= tdfSINTR
			}
		}
		if p.s.system || p.s.pid == 0 {
			l.tdFlags |= tdfSysThread
		}
		if s.wmesg != "" {
			l.wmesgStr = s.wmesg
			if l.wmesg = b.k.rodataString(s.wmesg); l.wmesg == 0 {
				if l.wmesg = b.strs[s.wmesg]; l.wmesg == 0 {
					l.wmesg = b.h.alloc(uint64(len(s.wmesg)+1), 1)
					b.strs[s.wmesg] = l.wmesg
				}
			}
		}
		b.planWChan(p, l)
		p.lwps = append(p.lwps, l)
	}
}

func (b *builder) planWChan(p *wproc, l *wlwp) {
	w := l.s.wchan
	switch {
	case w == "":
	case w == "self":
		l.wchan = p.addr
	case w == "tty":
		if s := b.sessions[p.s.sid]; s != nil && s.tty != nil {
			l.wchan = s.tty.addr
			if m := b.L.tty.field("t_rawq"); m.ok {
				l.wchan += uint64(m.off)
			}
		}
	case strings.HasPrefix(w, "sym:"):
		name := w[4:]
		s, ok := b.k.syms[name]
		if !ok {
			b.fail("no symbol %s for a wait channel", name)
			return
		}
		l.wchan, l.wchanSym = s.Value, name
		if name == "pause_wchan" && uint64(l.s.cpu+1)*4 <= s.Size && l.s.cpu > 0 {
			off := uint64(l.s.cpu) * 4
			l.wchan += off
			l.wchanSym = fmt.Sprintf("%s+%#x", name, off)
		}
	case strings.HasPrefix(w, "heap:"):
		if b.heapObjs[w] == 0 {
			b.heapObjs[w] = b.h.alloc(64, 8)
		}
		l.wchan = b.heapObjs[w]
	default:
		b.fail("unknown wait channel %q", w)
	}
}
