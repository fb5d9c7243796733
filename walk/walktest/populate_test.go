package walktest

import (
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
)

var kernels = []string{"dfly2007", "dfly2009", "dfly2014", "dfly2020", "dfly2020opt"}

func populate(t *testing.T, name string, cfg Config) (*dumptest.Machine, *Model) {
	t.Helper()
	path := kernelPath(name)
	sc, err := SampleConfig(path, cfg, dumptest.SampleConfig{Seed: 7, Panic: "sysctl: debug.panic"})
	if err != nil {
		t.Fatal(err)
	}
	mc, err := dumptest.Sample(path, sc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Populate(mc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mc, m
}

// TestOffsetsAgainstGDB checks the generator's DWARF resolver against gdb's
// reading of the same kernels.
func TestOffsetsAgainstGDB(t *testing.T) {
	if _, err := exec.LookPath("gdb"); err != nil {
		t.Skip("no gdb")
	}
	members := [][2]string{
		{"proc", "p_pid"}, {"proc", "p_comm"}, {"proc", "p_pgrp"}, {"proc", "p_args"},
		{"ucred", "cr_uid"}, {"ucred", "cr_svgid"}, {"vmspace", "vm_pmap.pm_stats.resident_count"},
		{"lwp", "lwp_tid"}, {"thread", "td_wchan"}, {"session", "s_login"},
	}
	for _, name := range kernels {
		t.Run(name, func(t *testing.T) {
			k, err := openKernel(kernelPath(name))
			if err != nil {
				t.Fatal(err)
			}
			var args []string
			var want []int
			for _, m := range append(members, [2]string{"proc", treeOrList(k)}) {
				args = append(args, "-ex", "print (long)&((struct "+m[0]+" *)0)->"+m[1])
				l, err := k.layout(m[0])
				if err != nil {
					t.Fatal(err)
				}
				f := l.field(m[1])
				if !f.ok {
					t.Fatalf("resolver: no %s.%s", m[0], m[1])
				}
				want = append(want, f.off)
			}
			out, err := exec.Command("gdb", append(append([]string{"-batch", "-nx"}, args...), kernelPath(name))...).Output()
			if err != nil {
				t.Fatalf("gdb: %v", err)
			}
			var got []int
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				_, v, ok := strings.Cut(line, " = ")
				if !ok {
					continue
				}
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil {
					t.Fatalf("gdb line %q", line)
				}
				got = append(got, n)
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("offsets (-gdb +resolver):\n%s", diff)
			}
		})
	}
}

func treeOrList(k *kernel) string {
	if l, _ := k.layout("proc"); l.has("p_lwp_tree.rbh_root") {
		return "p_lwp_tree.rbh_root"
	}
	return "p_lwps.lh_first"
}

// TestInvariants reads every populated machine back through the memory model
// and checks the lists, the trees and every modelled field.
func TestInvariants(t *testing.T) {
	wantEra := map[string][2]string{
		"dfly2007": {"allproc+zombproc", "p_lwps"}, "dfly2009": {"allproc+zombproc", "p_lwp_tree"},
		"dfly2014": {"allprocs", "p_lwp_tree"}, "dfly2020": {"procglob", "p_lwp_tree"},
		"dfly2020opt": {"procglob", "p_lwp_tree"},
	}
	for _, name := range kernels {
		t.Run(name, func(t *testing.T) {
			mc, m := populate(t, name, Config{Procs: 200, Seed: 3})
			if got := [2]string{m.Era, m.LWPs}; got != wantEra[name] {
				t.Fatalf("era %v, want %v", got, wantEra[name])
			}
			r := newMem(t, mc)
			got := readTable(t, r, m)
			if diff := cmp.Diff(m.Procs, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("memory disagrees with the model (-model +memory):\n%s", diff)
			}
			if n := len(m.Procs); n != 41+200 {
				t.Errorf("%d procs, want 241", n)
			}
			checkGlobals(t, r, m)
		})
	}
}

func checkGlobals(t *testing.T, r *mem, m *Model) {
	t.Helper()
	u32 := func(sym string) uint64 {
		b := r.bytes(r.k.symbol(sym), 4)
		return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24
	}
	ptr := func(sym string) uint64 {
		b := r.bytes(r.k.symbol(sym), 8)
		var v uint64
		for i := 7; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	if got := u32("nprocs"); got != uint64(len(m.Procs)) {
		t.Errorf("nprocs %d, want %d", got, len(m.Procs))
	}
	if got := ptr("initproc"); got != uint64(m.InitProc) || r.field(got, "proc", "p_pid") != 1 {
		t.Errorf("initproc %#x (pid %d), want %v", got, r.field(got, "proc", "p_pid"), m.InitProc)
	}
	dt := ptr("dumpthread")
	if dt != uint64(m.DumpThread) {
		t.Fatalf("dumpthread %#x, want %v", dt, m.DumpThread)
	}
	p := r.field(dt, "thread", "td_proc")
	if pid := r.field(p, "proc", "p_pid"); pid != panicPID || m.PanicPID != panicPID {
		t.Errorf("dumpthread belongs to pid %d (model %d), want %d", pid, m.PanicPID, panicPID)
	}
	gd := r.field(dt, "thread", "td_gd")
	if cur := r.field(gd, "globaldata", "gd_curthread"); cur != dt {
		t.Errorf("the panicking cpu's gd_curthread is %#x, want dumpthread %#x", cur, dt)
	}
	for i, a := range m.GlobalData {
		if id := r.field(uint64(a), "globaldata", "gd_cpuid"); id != uint64(i) {
			t.Errorf("globaldata %v: gd_cpuid %d, want %d", a, id, i)
		}
	}
}

// readTable walks every list head, checks back-links and the LWP
// containers, and decodes each process with the kinfo rules of spec §11.
func readTable(t *testing.T, r *mem, m *Model) []Proc {
	t.Helper()
	var out []Proc
	seen := map[uint64]bool{}
	next := r.off("proc", "p_list.le_next")
	for _, hd := range m.Heads {
		prev := uint64(hd.Addr)
		for p := r.ptr(uint64(hd.Addr)); p != 0; p = r.field(p, "proc", "p_list.le_next") {
			if seen[p] {
				t.Fatalf("%s: proc %#x reached twice", hd.Name, p)
			}
			seen[p] = true
			if lp := r.field(p, "proc", "p_list.le_prev"); lp != prev {
				t.Errorf("%s: proc %#x le_prev %#x, want %#x", hd.Name, p, lp, prev)
			}
			pid := int32(r.field(p, "proc", "p_pid"))
			switch m.Era {
			case "allprocs", "procglob":
				if want := hd.Name[strings.IndexByte(hd.Name, '[')+1 : strings.IndexByte(hd.Name, ']')]; strconv.Itoa(int(pid)&255) != want {
					t.Errorf("pid %d in bucket %s", pid, hd.Name)
				}
			}
			out = append(out, r.proc(p, hd.Name, m))
			prev = p + next
		}
	}
	slices.SortFunc(out, func(a, b Proc) int { return int(a.PID) - int(b.PID) })
	return out
}

func (r *mem) ptr(va uint64) uint64 {
	b := r.bytes(va, 8)
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func (r *mem) proc(p uint64, head string, m *Model) Proc {
	t := r.t
	f := func(path string) uint64 { return r.field(p, "proc", path) }
	flags := "p_flags"
	if !r.has("proc", flags) {
		flags = "p_flag"
	}
	out := Proc{Addr: dump.Addr(p), Head: head, PID: int32(f("p_pid")), Comm: r.str(p, "proc", "p_comm"),
		Stat:  r.enumName(f("p_stat"), "SIDL", "SACTIVE", "SSTOP", "SZOMB", "SCORE"),
		Flags: uint32(f(flags)), Nice: int32(int8(f("p_nice"))), NThreads: int32(f("p_nthreads")),
		PPID: -1,
	}
	out.Start = Timeval{Sec: int64(f("p_start.tv_sec")), Usec: int64(f("p_start.tv_usec"))}
	if op := int32(f("p_oppid")); op != 0 {
		out.PPID = op
	} else if pp := f("p_pptr"); pp != 0 {
		out.PPID = int32(r.field(pp, "proc", "p_pid"))
	}
	if c := f("p_ucred"); c != 0 {
		cf := func(path string) uint32 { return uint32(r.field(c, "ucred", path)) }
		uid, ruid, svuid, rgid, svgid := cf("cr_uid"), cf("cr_ruid"), cf("cr_svuid"), cf("cr_rgid"), cf("cr_svgid")
		out.UID, out.RUID, out.SVUID, out.RGID, out.SVGID = &uid, &ruid, &svuid, &rgid, &svgid
		n := int(int16(cf("cr_ngroups")))
		g := c + r.off("ucred", "cr_groups")
		for i := 0; i < n; i++ {
			b := r.bytes(g+uint64(4*i), 4)
			out.Groups = append(out.Groups, uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24)
		}
		jail := int32(0)
		if pr := r.field(c, "ucred", "cr_prison"); pr != 0 {
			jail = int32(r.field(pr, "prison", "pr_id"))
		}
		out.JailID = &jail
	}
	pg := f("p_pgrp")
	out.PGID, out.Jobc = int32(r.field(pg, "pgrp", "pg_id")), int32(r.field(pg, "pgrp", "pg_jobc"))
	s := r.field(pg, "pgrp", "pg_session")
	out.SID, out.Login = int32(r.field(s, "session", "s_sid")), r.str(s, "session", "s_login")
	out.SessionLeader = r.field(s, "session", "s_leader") == p
	if tp := r.field(s, "session", "s_ttyp"); tp != 0 && out.Flags&pControlT != 0 {
		dev := r.field(tp, "tty", "t_dev")
		var udev uint32
		if r.has("cdev", "si_udev") {
			udev = uint32(r.field(dev, "cdev", "si_udev"))
		} else {
			udev = uint32(r.field(dev, "cdev", "si_umajor")<<8 | r.field(dev, "cdev", "si_uminor"))
		}
		name := r.str(dev, "cdev", "si_name")
		tpgid, tsid := int32(-1), int32(-1)
		if g := r.field(tp, "tty", "t_pgrp"); g != 0 {
			tpgid = int32(r.field(g, "pgrp", "pg_id"))
		}
		if ts := r.field(tp, "tty", "t_session"); ts != 0 {
			tsid = int32(r.field(ts, "session", "s_sid"))
		}
		out.TDev, out.TTY, out.TPGID, out.TSID = &udev, &name, &tpgid, &tsid
	}
	if a := f("p_args"); a != 0 {
		n := int(r.field(a, "pargs", "ar_length"))
		b := string(r.bytes(a+r.off("pargs", "ar_args"), n))
		out.Args = strings.Split(strings.TrimSuffix(b, "\x00"), "\x00")
	}
	if v := f("p_vmspace"); v != 0 {
		vf := func(path string) uint64 { return r.field(v, "vmspace", path) }
		unit := uint64(dumptest.PageSize)
		if m.VMSegBytes {
			unit = 1
		}
		out.VM = &VM{MapSize: vf("vm_map.size"), RSS: vf("vm_pmap.pm_stats.resident_count") * dumptest.PageSize,
			TSize: vf("vm_tsize") * unit, DSize: vf("vm_dsize") * unit, SSize: vf("vm_ssize") * unit}
	}
	lwps := r.lwps(p, m)
	for _, l := range lwps {
		if lp := r.field(l, "lwp", "lwp_proc"); lp != p {
			t.Errorf("lwp %#x of proc %#x: lwp_proc %#x", l, p, lp)
		}
		out.LWPs = append(out.LWPs, r.lwp(l, m))
	}
	return out
}

// lwps returns the proc's LWPs in tid order, validating the container: the
// RB tree's parents, colours, black height and order, or the LIST's le_prev.
func (r *mem) lwps(p uint64, m *Model) []uint64 {
	t := r.t
	var out []uint64
	if m.LWPs == "p_lwps" {
		prev := p + r.off("proc", "p_lwps")
		for l := r.field(p, "proc", "p_lwps.lh_first"); l != 0; l = r.field(l, "lwp", "lwp_list.le_next") {
			if lp := r.field(l, "lwp", "lwp_list.le_prev"); lp != prev {
				t.Errorf("lwp %#x: le_prev %#x, want %#x", l, lp, prev)
			}
			prev = l + r.off("lwp", "lwp_list.le_next")
			out = append(out, l)
		}
		slices.SortFunc(out, func(a, b uint64) int {
			return int(int32(r.field(a, "lwp", "lwp_tid"))) - int(int32(r.field(b, "lwp", "lwp_tid")))
		})
		return out
	}
	root := r.field(p, "proc", "p_lwp_tree.rbh_root")
	if root == 0 {
		return nil
	}
	const red = 1
	node := func(l uint64, path string) uint64 { return r.field(l, "lwp", "u.lwp_rbnode."+path) }
	if node(root, "rbe_parent") != 0 || node(root, "rbe_color") == red {
		t.Errorf("proc %#x: root %#x has a parent or is red", p, root)
	}
	var walk func(l, parent uint64) int
	walk = func(l, parent uint64) int {
		if l == 0 {
			return 1
		}
		if got := node(l, "rbe_parent"); got != parent {
			t.Errorf("lwp %#x: rbe_parent %#x, want %#x", l, got, parent)
		}
		left, right := node(l, "rbe_left"), node(l, "rbe_right")
		if node(l, "rbe_color") == red {
			for _, c := range []uint64{left, right} {
				if c != 0 && node(c, "rbe_color") == red {
					t.Errorf("lwp %#x: red child %#x of a red node", c, l)
				}
			}
		}
		hl := walk(left, l)
		out = append(out, l)
		hr := walk(right, l)
		if hl != hr {
			t.Errorf("lwp %#x: black heights %d and %d", l, hl, hr)
		}
		if node(l, "rbe_color") != red {
			hl++
		}
		return hl
	}
	walk(root, 0)
	for i := 1; i < len(out); i++ {
		if a, b := int32(r.field(out[i-1], "lwp", "lwp_tid")), int32(r.field(out[i], "lwp", "lwp_tid")); a >= b {
			t.Errorf("proc %#x: in-order tids %d then %d", p, a, b)
		}
	}
	return out
}

func (r *mem) lwp(l uint64, m *Model) LWP {
	f := func(path string) uint64 { return r.field(l, "lwp", path) }
	flags := "lwp_flags"
	if !r.has("lwp", flags) {
		flags = "lwp_flag"
	}
	td := f("lwp_thread")
	tf := func(path string) uint64 { return r.field(td, "thread", path) }
	out := LWP{Addr: dump.Addr(l), Thread: dump.Addr(td), TID: int32(f("lwp_tid")), Flags: uint32(f(flags)),
		Stat:    r.enumName(f("lwp_stat"), "LSRUN", "LSSTOP", "LSSLEEP"),
		TDFlags: uint32(tf("td_flags")), Prio: int32(int16(f("lwp_usdata.bsd4.priority"))),
		TDPrio: int32(tf("td_pri")), WChan: dump.Addr(tf("td_wchan")),
		CPU: int32(r.field(tf("td_gd"), "globaldata", "gd_cpuid")),
	}
	if m.LSRunRule && out.Stat == "LSRUN" && out.TDFlags&tdfRunq == 0 && f("lwp_mpflags")&lwpMPOnRunq == 0 {
		out.Stat = "LSSLEEP"
	}
	if w := tf("td_wmesg"); w != 0 {
		s := r.cstr(w, m.WMesgLen)
		out.WMesg = &s
	}
	if m.LWPComm {
		c := r.str(td, "thread", "td_comm")
		out.Comm = &c
	}
	if w := uint64(out.WChan); w >= r.mc.ImageStart && w < r.mc.ImageEnd {
		out.WChanSym = r.symAt(w)
	}
	return out
}

// TestSampleContent checks chosen processes against values worked out by
// hand from the table and the kinfo rules of spec §11–§13.
func TestSampleContent(t *testing.T) {
	u32 := func(v uint32) *uint32 { return &v }
	i32 := func(v int32) *int32 { return &v }
	str := func(s string) *string { return &s }
	for _, name := range []string{"dfly2007", "dfly2009", "dfly2020"} {
		t.Run(name, func(t *testing.T) {
			_, m := populate(t, name, Config{})
			modern := name == "dfly2020"
			sysctl := m.Proc(806)
			want := Proc{Addr: sysctl.Addr, Head: sysctl.Head, PID: 806, PPID: 1451, PGID: 806, SID: 1400, Jobc: 1,
				TPGID: i32(806), TSID: i32(1400), TDev: u32(5<<8 | 1), TTY: str("ttyp1"),
				UID: u32(0), RUID: u32(0), SVUID: u32(0), RGID: u32(0), SVGID: u32(0), Groups: []uint32{0, 5},
				JailID: i32(0), Comm: "sysctl", Args: []string{"sysctl", "debug.panic=1"}, Stat: "SACTIVE",
				Flags: pExec | pControlT, NThreads: 1, Login: "alice",
				VM:    &VM{MapSize: 12 << 20, RSS: 310 * 4096, TSize: 40 * 4096, DSize: 24 * 4096, SSize: 32 * 4096},
				Start: Timeval{bootTime + 300, 806 * 997 % 1000000},
				LWPs: []LWP{{Addr: sysctl.LWPs[0].Addr, Thread: sysctl.LWPs[0].Thread, TID: 1, Stat: "LSRUN",
					TDFlags: tdfRunning | tdfRunq, CPU: 1, Prio: 128, TDPrio: 20}},
			}
			want.LWPs[0].Comm = str("sysctl") // every sample struct thread has td_comm
			if diff := cmp.Diff(&want, sysctl); diff != "" {
				t.Errorf("sysctl (-want +got):\n%s", diff)
			}
			if m.DumpThread != sysctl.LWPs[0].Thread || m.PanicTID != 1 {
				t.Errorf("dumpthread %v, want sysctl's thread %v", m.DumpThread, sysctl.LWPs[0].Thread)
			}

			// a.out: traced, reparented to gdb; ppid comes from p_oppid.
			if p := m.Proc(1716); p.PPID != 1451 || p.Stat != "SSTOP" || p.Flags&pTraced == 0 || p.LWPs[0].Stat != "LSSTOP" {
				t.Errorf("a.out: ppid %d stat %s flags %#x lwp %s", p.PPID, p.Stat, p.Flags, p.LWPs[0].Stat)
			}
			// grep: LSRUN on no run queue reads LSSLEEP where the rule exists
			// (2020), LSRUN in 2007 (no rule) and 2009 (kept on a queue).
			wantGrep := "LSRUN"
			if modern {
				wantGrep = "LSSLEEP"
			}
			if got := m.Proc(1300).LWPs[0].Stat; got != wantGrep {
				t.Errorf("grep LWP stat %s, want %s", got, wantGrep)
			}
			// Job control: make's group holds cc1, the zombies and the forking
			// make, all children of make itself (same group): only make
			// qualifies (its parent sh is in another group of the session).
			for pid, jobc := range map[int32]int32{1290: 1, 1300: 2, 1204: 0, 806: 1, 0: 0, 730: 0} {
				if got := m.Proc(pid).Jobc; got != jobc {
					t.Errorf("pid %d jobc %d, want %d", pid, got, jobc)
				}
			}
			leaders := []int32{}
			for _, p := range m.Procs {
				if p.SessionLeader {
					leaders = append(leaders, p.PID)
				}
			}
			wantLeaders := []int32{0, 1, 270, 312, 388, 512, 601, 640, 655, 700, 702, 730, 1100, 1201, 1204, 1398, 1400}
			if diff := cmp.Diff(wantLeaders, leaders); diff != "" {
				t.Errorf("session leaders (-want +got):\n%s", diff)
			}
			if p := m.Proc(1100); len(p.LWPs) != 40 || p.Args != nil || p.VM.MapSize != 1900<<20 {
				t.Errorf("mysqld: %d LWPs, args %q, vm %+v", len(p.LWPs), p.Args, p.VM)
			}
			sidl := m.Proc(1323)
			if sidl.Stat != "SIDL" || len(sidl.LWPs) != 0 || sidl.VM != nil || !slices.Equal(sidl.Args, m.Proc(1290).Args) {
				t.Errorf("forking make: %+v", sidl)
			}
			zlwps := 1
			if m.Era == "allproc+zombproc" {
				zlwps = 0
			}
			for _, pid := range []int32{1322, 1325} {
				z := m.Proc(pid)
				wantHead := z.Head
				if m.Era == "allproc+zombproc" {
					wantHead = "zombproc"
				}
				if z.Stat != "SZOMB" || len(z.LWPs) != zlwps || z.Head != wantHead {
					t.Errorf("zombie %d: stat %s, %d LWPs, head %s", pid, z.Stat, len(z.LWPs), z.Head)
				}
			}
			if p := m.Proc(732); *p.JailID != 1 || *p.UID != 80 || p.Flags&pJailed == 0 {
				t.Errorf("jailed httpd: jail %d uid %d flags %#x", *p.JailID, *p.UID, p.Flags)
			}
			if p := m.Proc(1450); *p.UID != 0 || *p.RUID != 1001 || *p.SVUID != 0 {
				t.Errorf("su: uid %d ruid %d svuid %d", *p.UID, *p.RUID, *p.SVUID)
			}
			if p := m.Proc(0); p.PPID != -1 || p.Flags != pSystem || p.Comm != "swapper" || p.LWPs[0].WChanSym != "proc0" {
				t.Errorf("swapper: %+v", p)
			}
			if l := m.Proc(5).LWPs[0]; l.WChanSym != "lbolt_syncer" {
				t.Errorf("syncer wchan %v = %q", l.WChan, l.WChanSym)
			}
		})
	}
}

// TestDamage checks each damaged variant: the memory shows the damage and the
// model names the losses and warnings worked out by hand.
func TestDamage(t *testing.T) {
	for _, name := range []string{"dfly2007", "dfly2020opt"} {
		_, intact := populate(t, name, Config{})
		for _, d := range Damages() {
			t.Run(name+"/"+d.String(), func(t *testing.T) {
				mc, m := populate(t, name, Config{Damage: []Damage{d}})
				r := newMem(t, mc)
				var wantLost []int32
				wantKinds := []string{}
				for _, w := range m.Warnings {
					if !w.Optional {
						wantKinds = append(wantKinds, w.Kind)
					}
				}
				switch d {
				case DamageCycle:
					// The list's tail points at its second element.
					hd := intact.Proc(cycleBucketPID).Head
					var list []uint64
					for _, h := range m.Heads {
						if h.Name == hd {
							for p, i := r.ptr(uint64(h.Addr)), 0; p != 0 && i < 400; p, i = r.field(p, "proc", "p_list.le_next"), i+1 {
								list = append(list, p)
							}
						}
					}
					if len(list) != 400 || uint64(m.Warnings[0].Addr) != list[1] {
						t.Errorf("%s: walk of %d steps, cycle warning at %v, second element %#x", hd, len(list), m.Warnings[0].Addr, list[1])
					}
					checkKinds(t, wantKinds, "cycle")
				case DamageWrongParent:
					l := m.Proc(wrongParentPID).LWPs
					i := slices.IndexFunc(l, func(l LWP) bool { return l.TID == wrongParentTID })
					if got := r.field(uint64(l[i].Addr), "lwp", "lwp_proc"); got != uint64(m.InitProc) {
						t.Errorf("lwp_proc %#x, want init %v", got, m.InitProc)
					}
					checkKinds(t, wantKinds, "wrong-parent")
				case DamageDanglingUcred:
					p := m.Proc(danglingPID)
					if p.UID != nil || p.Groups != nil || p.JailID != nil {
						t.Errorf("cron's credentials are modelled: %+v", p)
					}
					uc := r.field(uint64(p.Addr), "proc", "p_ucred")
					if _, err := mc.Memory.ReadVirt(uc, 1); err == nil || uint64(m.Warnings[0].Addr) != uc {
						t.Errorf("p_ucred %#x readable (err %v) or warning at %v", uc, err, m.Warnings[0].Addr)
					}
					checkKinds(t, wantKinds, "fault")
				case DamageMissingProcPage:
					wantLost = []int32{missingProcPID}
					checkKinds(t, wantKinds, "fault")
					checkExcluded(t, mc, uint64(m.Warnings[0].Addr))
				case DamageMissingLWPPage:
					if p := m.Proc(missingLWPPID); len(p.LWPs) != 0 || p.NThreads != 1 {
						t.Errorf("syslogd: %d LWPs, nthreads %d", len(p.LWPs), p.NThreads)
					}
					checkKinds(t, wantKinds, "fault")
				}
				if diff := cmp.Diff(wantLost, m.Lost); diff != "" {
					t.Errorf("lost (-want +got):\n%s", diff)
				}
				if len(m.Procs)+len(m.Lost) != len(intact.Procs) {
					t.Errorf("%d listed + %d lost, want %d", len(m.Procs), len(m.Lost), len(intact.Procs))
				}
				if d.minidumpOnly() {
					if full := m.ForFormat(dump.ELFFull); len(full.Procs) != len(intact.Procs) || len(full.Warnings) != 0 {
						t.Errorf("elf-full model: %d procs, warnings %v", len(full.Procs), full.Warnings)
					}
				}
			})
		}
	}
}

func checkKinds(t *testing.T, got []string, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warning kinds (-want +got):\n%s", diff)
	}
}

func checkExcluded(t *testing.T, mc *dumptest.Machine, va uint64) {
	t.Helper()
	pa, ok := mc.Memory.Translate(va)
	if !ok || !mc.Memory.Excluded(pa) {
		t.Errorf("page of %#x is not excluded", va)
	}
}

// TestWriteAll writes a populated, damaged machine as a minidump and a full
// dump and reads a process back through package dump.
func TestWriteAll(t *testing.T) {
	mc, m := populate(t, "dfly2020", Config{Damage: []Damage{DamageMissingProcPage}})
	dir := t.TempDir()
	if _, err := mc.WriteAll(dir, dump.MinidumpDragonFlyV2, dump.ELFFull); err != nil {
		t.Fatal(err)
	}
	k, err := openKernel(mc.Kernel)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := k.layout("proc")
	comm := uint64(l.field("p_comm").off)
	syms := func(name string) (uint64, bool) { v, ok := mc.Symbols[name]; return v, ok }
	victim := uint64(m.ForFormat(dump.ELFFull).Proc(missingProcPID).Addr)
	for _, f := range []dump.Format{dump.MinidumpDragonFlyV2, dump.ELFFull} {
		c, err := dump.Open(filepath.Join(dir, dumptest.FileName(f, dump.NoCompression)), dump.WithSymbols(syms))
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		defer c.Close()
		sysctl := m.ForFormat(f).Proc(panicPID)
		if s, _, err := dump.ReadCString(c, sysctl.Addr+dump.Addr(comm), 17); err != nil || s != "sysctl" {
			t.Errorf("%v: p_comm of pid %d: %q, %v", f, panicPID, s, err)
		}
		_, _, err = dump.ReadCString(c, dump.Addr(victim+comm), 17)
		var fe *dump.FaultError
		if gotFault := errors.As(err, &fe); gotFault != f.IsMinidump() {
			t.Errorf("%v: reading the excluded proc: %v", f, err)
		}
	}
}

// TestHeapNeeded checks that the sizing is enough and that a too-small heap
// is an error, not a panic.
func TestHeapNeeded(t *testing.T) {
	path := kernelPath("dfly2020")
	cfg := Config{Procs: 2000}
	need, err := HeapNeeded(path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	small, err := dumptest.Sample(path, dumptest.SampleConfig{HeapSize: need / 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Populate(small, cfg); err == nil || !strings.Contains(err.Error(), "HeapNeeded") {
		t.Errorf("Populate on a quarter of the heap: %v", err)
	}
	mc, m := populate(t, "dfly2020", cfg)
	if mc.HeapEnd-mc.HeapStart < need || len(m.Procs) != 2041 {
		t.Errorf("heap %d < %d or %d procs", mc.HeapEnd-mc.HeapStart, need, len(m.Procs))
	}
	if n := m.LWPCount(); n < 2000*2 || n > 2000*3 {
		t.Errorf("%d LWPs for 2000 synthetic procs, want about 2.5 each", n)
	}
}
