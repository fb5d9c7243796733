package report

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/walk"
)

// Addresses of the hand-made kernel objects below.
const (
	aProc     = 0xfffff80001000000
	aParent   = 0xfffff80000900000
	aPgrp     = 0xfffff80002000000
	aSession  = 0xfffff80002100000
	aTTYVP    = 0xfffff80002200000
	aTTY      = 0xfffff80002300000
	aCdev     = 0xfffff80002400000
	aUCred    = 0xfffff80002500000
	aPrison   = 0xfffff80002600000
	aVmspace  = 0xfffff80002700000
	aPargs    = 0xfffff80002800000
	aSigacts  = 0xfffff80002900000
	aLWP      = 0xfffff80003000000
	aThread   = 0xfffff80003100000
	aGD       = 0xffffffff80c00000
	aWChan    = 0xffffffff80a00010 // lbolt+0x10 in the fake kernel image
	aHeapWait = 0xfffff80004000000
)

// fakeSyms knows one symbol, lbolt, 0x100 bytes at 0xffffffff80a00000.
type fakeSyms struct{}

func (fakeSyms) Symbolize(a uint64) (string, bool) {
	const lbolt = 0xffffffff80a00000
	if a >= lbolt && a < lbolt+0x100 {
		if a == lbolt {
			return "lbolt", true
		}
		return fmt.Sprintf("lbolt+%#x", a-lbolt), true
	}
	return "", false
}

// sample is one process of a 2020 kernel: sysctl (pid 806), child of
// pid 800, in its own foreground job of session 800 on ttyp3, sleeping
// interruptibly in "wait" on CPU 2.
func sample() *walk.Process {
	return &walk.Process{
		Head: "procglob[38].allproc",
		Proc: &structs.Proc{
			Addr: aProc, UCred: aUCred, Sigacts: aSigacts, Pptr: aParent, Vmspace: aVmspace,
			Pgrp: aPgrp, Args: aPargs,
			Flags: pControlT | 0x4000, Stat: statSACTIVE, PID: 806, PPID: 800, NThreads: 1,
			Start: structs.Timeval{Sec: 1600000000, Usec: 123456}, Comm: "sysctl",
		},
		Parent:     &structs.Proc{Addr: aParent, PID: 800, Comm: "csh"},
		UCred:      &structs.UCred{Addr: aUCred, UID: 1001, NGroups: 2, Groups: []uint32{20, 0}, RUID: 1002, SVUID: 1003, RGID: 21, SVGID: 22},
		Pgrp:       &structs.Pgrp{Addr: aPgrp, Session: aSession, ID: 806, Jobc: 1},
		Session:    &structs.Session{Addr: aSession, Count: 3, Leader: aParent, TTYVP: aTTYVP, TTYP: aTTY, SID: 800, Login: "root"},
		TTY:        &structs.TTY{Addr: aTTY, Dev: aCdev, Pgrp: aPgrp, Session: aSession},
		TTYDev:     &structs.Cdev{Addr: aCdev, UMajor: 5, UMinor: 0x10003, Name: "ttyp3"},
		TTYPgrp:    &structs.Pgrp{Addr: aPgrp, ID: 806, Jobc: 1},
		TTYSession: &structs.Session{Addr: aSession, SID: 800},
		Vmspace:    &structs.Vmspace{Addr: aVmspace, MapSize: 10 << 20, Resident: 300, TSize: 65536, DSize: 8192, SSize: 131072},
		Sigacts:    &structs.Sigacts{Addr: aSigacts},
		Args:       &structs.Pargs{Addr: aPargs, Ref: 1, Length: 10, Args: []string{"sysctl", "-a"}},
		LWPs: []*walk.Thread{{
			LWP: &structs.LWP{Addr: aLWP, Proc: aProc, Thread: aThread, TID: 1, Flags: lwpSINTR,
				Stat: lstatLSSLEEP, Prio: 100, EstCPU: 300, PctCPU: 1024, SlpTime: 3},
			Thread: &structs.Thread{Addr: aThread, GD: aGD, WMesgPtr: 0xffffffff80b00000, WChan: aWChan,
				Pri: 12, Flags: 0x80, UTicks: 1500000, STicks: 250000, ITicks: 5000, Comm: "sysctl", WMesg: "wait"},
			GD: &structs.Globaldata{Addr: aGD, CPUID: 2},
		}},
	}
}

// sampleWant is what spec §11 makes of sample(), worked out by hand.
func sampleWant() Proc {
	return Proc{
		Addr: aProc, List: "procglob[38].allproc",
		PID: ptr(int32(806)), PPID: ptr(int32(800)), PGID: ptr(int32(806)), Jobc: ptr(int32(1)),
		SID: ptr(int32(800)), SessionLeader: ptr(false),
		TPGID: ptr(int32(806)), TSID: ptr(int32(800)),
		TDev: ptr(uint32(0x10503)), // (5 << 8) | 0x10003: minor bits 16.. pass through
		TTY:  ptr("ttyp3"), CTTY: ptr(true),
		UID: ptr(uint32(1001)), RUID: ptr(uint32(1002)), SVUID: ptr(uint32(1003)),
		RGID: ptr(uint32(21)), SVGID: ptr(uint32(22)), Groups: []uint32{20, 0},
		Comm: ptr("sysctl"), Args: []string{"sysctl", "-a"},
		Stat: ptr("SACTIVE"), Flags: ptr(uint32(0x4002)), Lock: ptr(int32(0)), XStat: ptr(uint16(0)),
		JailID: ptr(int32(0)), Nice: ptr(0), NThreads: ptr(int32(1)), Login: ptr("root"),
		Start: ptr("2020-09-13T12:26:40.123456Z"), // date -u -r 1600000000
		VM: &VM{MapSize: ptr(uint64(10 << 20)), RSS: ptr(int64(300 * 4096)),
			TSize: ptr(int64(65536)), DSize: ptr(int64(8192)), SSize: ptr(int64(131072))},
		LWPs: []LWP{{
			Addr: aLWP, TID: ptr(int32(1)), Stat: ptr("LSSLEEP"), Flags: ptr(uint32(8)), CPU: ptr(uint32(2)),
			Prio: ptr(100), TDPrio: ptr(int32(12)), WChan: ptr(dump.Addr(aWChan)), WMesg: ptr("wait"),
			Comm: ptr("sysctl"), WChanSymbol: ptr("lbolt+0x10"), MPFlags: ptr(uint32(0)), TDFlags: ptr(uint32(0x80)),
			Thread: ptr(dump.Addr(aThread)), CPUTimeUS: ptr(uint64(1755000)), PctCPU: ptr(50.0),
			EstCPU: ptr(int32(300)), SlpTime: ptr(uint32(3)),
		}},
		Faults: []Fault{},
	}
}

func TestProcsKinfoRules(t *testing.T) {
	fault := func(field string, a dump.Addr) structs.Fault {
		return structs.Fault{Field: field, Addr: a, Detail: "not dumped"}
	}
	tests := []struct {
		name  string
		pages bool // vm segment sizes count pages (before 2019-02)
		edit  func(p *walk.Process)
		want  func(w *Proc)
	}{
		{name: "baseline", edit: func(*walk.Process) {}, want: func(*Proc) {}},
		{
			name: "ppid from p_oppid (traced)",
			edit: func(p *walk.Process) { p.Proc.OPPID = 1 },
			want: func(w *Proc) { w.PPID = ptr(int32(1)) },
		},
		{
			name: "no parent is null, not -1",
			edit: func(p *walk.Process) { p.Proc.Pptr, p.Parent = 0, nil },
			want: func(w *Proc) { w.PPID = nil },
		},
		{
			name: "unreadable parent",
			edit: func(p *walk.Process) { p.Parent = nil },
			want: func(w *Proc) {
				w.PPID = nil
				w.Faults = []Fault{{Field: "parent.*", Addr: aParent, Detail: "the parent could not be read (see warnings)"}}
			},
		},
		{
			name: "parent's p_pid unreadable, its other faults not ours",
			edit: func(p *walk.Process) {
				p.Parent.Faults = []structs.Fault{fault("p_pid", aParent+92), fault("p_comm", aParent+920)}
			},
			want: func(w *Proc) {
				w.PPID = nil
				w.Faults = []Fault{{Field: "parent.p_pid", Addr: aParent + 92, Detail: "not dumped"}}
			},
		},
		{
			name: "no P_CONTROLT: no tty",
			edit: func(p *walk.Process) {
				p.Proc.Flags &^= pControlT
				p.TTY, p.TTYDev, p.TTYPgrp, p.TTYSession = nil, nil, nil, nil
			},
			want: func(w *Proc) {
				w.Flags = ptr(uint32(0x4000))
				w.TDev, w.TTY, w.TPGID, w.TSID = nil, nil, nil, nil
			},
		},
		{
			name: "P_CONTROLT without s_ttyp: no tty",
			edit: func(p *walk.Process) {
				p.Session.TTYP = 0
				p.TTY, p.TTYDev, p.TTYPgrp, p.TTYSession = nil, nil, nil, nil
			},
			want: func(w *Proc) { w.TDev, w.TTY, w.TPGID, w.TSID = nil, nil, nil, nil },
		},
		{
			name: "major 256 is NOUDEV; the name stays",
			edit: func(p *walk.Process) { p.TTYDev.UMajor = 256 },
			want: func(w *Proc) { w.TDev = nil },
		},
		{
			name: "minor bits 8-15 make NOUDEV",
			edit: func(p *walk.Process) { p.TTYDev.UMinor = 0x0300 },
			want: func(w *Proc) { w.TDev = nil },
		},
		{
			name: "major 255 minor 0xff is a device",
			edit: func(p *walk.Process) { p.TTYDev.UMajor, p.TTYDev.UMinor = 255, 0xff },
			want: func(w *Proc) { w.TDev = ptr(uint32(0xffff)) },
		},
		{
			name: "2007 seed: si_udev",
			edit: func(p *walk.Process) {
				p.TTYDev.UMajor, p.TTYDev.UMinor, p.TTYDev.UDev = 0, 0, 0x0c01
				p.TTYDev.Members = []string{"si_name", "si_udev"}
			},
			want: func(w *Proc) { w.TDev = ptr(uint32(0x0c01)) },
		},
		{
			name: "2007 seed: si_udev NOUDEV",
			edit: func(p *walk.Process) { p.TTYDev.UDev, p.TTYDev.Members = noUDev, []string{"si_name", "si_udev"} },
			want: func(w *Proc) { w.TDev = nil },
		},
		{
			name: "t_dev NULL: no device, group still known",
			edit: func(p *walk.Process) { p.TTY.Dev, p.TTYDev = 0, nil },
			want: func(w *Proc) { w.TDev, w.TTY = nil, nil },
		},
		{
			name: "tty without pgrp or session: tpgid and tsid null (kinfo -1)",
			edit: func(p *walk.Process) { p.TTY.Pgrp, p.TTY.Session, p.TTYPgrp, p.TTYSession = 0, 0, nil, nil },
			want: func(w *Proc) { w.TPGID, w.TSID = nil, nil },
		},
		{
			name: "unreadable cdev",
			edit: func(p *walk.Process) { p.TTYDev = nil },
			want: func(w *Proc) {
				w.TDev, w.TTY = nil, nil
				w.Faults = []Fault{{Field: "cdev.*", Addr: aCdev, Detail: "the cdev could not be read (see warnings)"}}
			},
		},
		{
			name: "session leader is s_leader == the kernel address",
			edit: func(p *walk.Process) { p.Session.Leader = aProc },
			want: func(w *Proc) { w.SessionLeader = ptr(true) },
		},
		{
			name: "revoked terminal: no s_ttyvp",
			edit: func(p *walk.Process) { p.Session.TTYVP = 0 },
			want: func(w *Proc) { w.CTTY = ptr(false) },
		},
		{
			name: "LSRUN off every run queue becomes LSSLEEP",
			edit: func(p *walk.Process) { p.LWPs[0].LWP.Stat = lstatLSRUN },
			want: func(w *Proc) {},
		},
		{
			name: "LSRUN on the LWKT run queue",
			edit: func(p *walk.Process) { p.LWPs[0].LWP.Stat, p.LWPs[0].Thread.Flags = lstatLSRUN, tdfRunQ },
			want: func(w *Proc) { w.LWPs[0].Stat, w.LWPs[0].TDFlags = ptr("LSRUN"), ptr(uint32(tdfRunQ)) },
		},
		{
			name: "LSRUN on a user scheduler run queue",
			edit: func(p *walk.Process) { p.LWPs[0].LWP.Stat, p.LWPs[0].LWP.MPFlags = lstatLSRUN, lwpMPOnRunQ },
			want: func(w *Proc) { w.LWPs[0].Stat, w.LWPs[0].MPFlags = ptr("LSRUN"), ptr(uint32(lwpMPOnRunQ)) },
		},
		{
			name: "no lwp_mpflags (before 2011-11): LSRUN as stored",
			edit: func(p *walk.Process) {
				p.LWPs[0].LWP.Stat = lstatLSRUN
				p.LWPs[0].LWP.Members = []string{"lwp_flag", "lwp_pctcpu", "lwp_proc", "lwp_slptime", "lwp_stat",
					"lwp_thread", "lwp_tid", "lwp_usdata.bsd4.estcpu", "lwp_usdata.bsd4.priority"}
			},
			want: func(w *Proc) { w.LWPs[0].Stat, w.LWPs[0].MPFlags = ptr("LSRUN"), nil },
		},
		{
			name: "no td_comm: LWP comm null",
			edit: func(p *walk.Process) {
				p.LWPs[0].Thread.Members = []string{"td_flags", "td_gd", "td_iticks", "td_pri", "td_sticks",
					"td_uticks", "td_wchan", "td_wmesg"}
			},
			want: func(w *Proc) { w.LWPs[0].Comm = nil },
		},
		{
			name:  "vm segments in pages before 2019",
			pages: true,
			edit:  func(p *walk.Process) { p.Vmspace.TSize, p.Vmspace.DSize, p.Vmspace.SSize = 16, 2, 32 },
			want: func(w *Proc) {
				w.VM.TSize, w.VM.DSize, w.VM.SSize = ptr(int64(16*4096)), ptr(int64(2*4096)), ptr(int64(32*4096))
			},
		},
		{
			name: "no vmspace: vm null",
			edit: func(p *walk.Process) { p.Proc.Vmspace, p.Vmspace = 0, nil },
			want: func(w *Proc) { w.VM = nil },
		},
		{
			name: "jailed",
			edit: func(p *walk.Process) {
				p.UCred.Prison = aPrison
				p.Prison = &structs.Prison{Addr: aPrison, ID: 7}
			},
			want: func(w *Proc) { w.JailID = ptr(int32(7)) },
		},
		{
			name: "unreadable prison",
			edit: func(p *walk.Process) { p.UCred.Prison = aPrison },
			want: func(w *Proc) {
				w.JailID = nil
				w.Faults = []Fault{{Field: "prison.*", Addr: aPrison, Detail: "the prison could not be read (see warnings)"}}
			},
		},
		{
			name: "no groups",
			edit: func(p *walk.Process) { p.UCred.NGroups, p.UCred.Groups = 0, nil },
			want: func(w *Proc) { w.Groups = []uint32{} },
		},
		{
			name: "unreadable cr_uid: null and a fault",
			edit: func(p *walk.Process) { p.UCred.Faults = []structs.Fault{fault("cr_uid", aUCred+64)} },
			want: func(w *Proc) {
				w.UID = nil
				w.Faults = []Fault{{Field: "ucred.cr_uid", Addr: aUCred + 64, Detail: "not dumped"}}
			},
		},
		{
			name: "ucred not read at all",
			edit: func(p *walk.Process) { p.UCred = nil },
			want: func(w *Proc) {
				w.UID, w.RUID, w.SVUID, w.RGID, w.SVGID, w.Groups, w.JailID = nil, nil, nil, nil, nil, nil, nil
				w.Faults = []Fault{{Field: "ucred.*", Addr: aUCred, Detail: "the ucred could not be read (see warnings)"}}
			},
		},
		{
			name: "a record with nothing readable",
			edit: func(p *walk.Process) { p.Pgrp.Faults = []structs.Fault{fault("*", aPgrp)} },
			want: func(w *Proc) {
				w.PGID, w.Jobc, w.SID, w.Login, w.SessionLeader, w.CTTY = nil, nil, nil, nil, nil, nil
				w.TDev, w.TTY, w.TPGID, w.TSID = nil, nil, nil, nil
				w.Faults = []Fault{{Field: "pgrp.*", Addr: aPgrp, Detail: "not dumped"}}
			},
		},
		{
			name: "unreadable p_comm and a nested member",
			edit: func(p *walk.Process) {
				p.Proc.Faults = []structs.Fault{fault("p_comm", aProc+920)}
				p.Vmspace.Faults = []structs.Fault{fault("vm_pmap", aVmspace+288)}
			},
			want: func(w *Proc) {
				w.Comm, w.VM.RSS = nil, nil
				w.Faults = []Fault{
					{Field: "proc.p_comm", Addr: aProc + 920, Detail: "not dumped"},
					{Field: "vmspace.vm_pmap", Addr: aVmspace + 288, Detail: "not dumped"},
				}
			},
		},
		{
			name: "the 2007 flag member name",
			edit: func(p *walk.Process) { p.Proc.Faults = []structs.Fault{fault("p_flag", aProc+36)} },
			want: func(w *Proc) {
				w.Flags, w.TDev, w.TTY, w.TPGID, w.TSID = nil, nil, nil, nil, nil
				w.Faults = []Fault{{Field: "proc.p_flag", Addr: aProc + 36, Detail: "not dumped"}}
			},
		},
		{
			name: "zombie: pctcpu 0",
			edit: func(p *walk.Process) { p.Proc.Stat, p.Proc.XStat = statSZOMB, 0x100 },
			want: func(w *Proc) { w.Stat, w.XStat, w.LWPs[0].PctCPU = ptr("SZOMB"), ptr(uint16(0x100)), ptr(0.0) },
		},
		{
			name: "unknown p_stat",
			edit: func(p *walk.Process) { p.Proc.Stat = 7 },
			want: func(w *Proc) { w.Stat = ptr("unknown(7)") },
		},
		{
			name: "p_start zero is null",
			edit: func(p *walk.Process) { p.Proc.Start = structs.Timeval{} },
			want: func(w *Proc) { w.Start = nil },
		},
		{
			name: "no argument cache",
			edit: func(p *walk.Process) { p.Proc.Args, p.Args = 0, nil },
			want: func(w *Proc) { w.Args = nil },
		},
		{
			name: "truncated argument cache",
			edit: func(p *walk.Process) { p.Args.Truncated = true },
			want: func(w *Proc) { w.ArgsTruncated = true },
		},
		{
			name: "wchan on the heap has no symbol",
			edit: func(p *walk.Process) { p.LWPs[0].Thread.WChan = aHeapWait },
			want: func(w *Proc) { w.LWPs[0].WChan, w.LWPs[0].WChanSymbol = ptr(dump.Addr(aHeapWait)), nil },
		},
		{
			name: "not waiting: wchan and wmesg null",
			edit: func(p *walk.Process) { p.LWPs[0].Thread.WChan, p.LWPs[0].Thread.WMesgPtr = 0, 0 },
			want: func(w *Proc) { w.LWPs[0].WChan, w.LWPs[0].WChanSymbol, w.LWPs[0].WMesg = nil, nil, nil },
		},
		{
			name: "no td_gd: cpu null",
			edit: func(p *walk.Process) { p.LWPs[0].Thread.GD, p.LWPs[0].GD = 0, nil },
			want: func(w *Proc) { w.LWPs[0].CPU = nil },
		},
		{
			name: "unreadable thread",
			edit: func(p *walk.Process) { p.LWPs[0].Thread = nil },
			want: func(w *Proc) {
				l := &w.LWPs[0]
				l.CPU, l.TDPrio, l.WChan, l.WMesg, l.Comm, l.WChanSymbol, l.TDFlags, l.CPUTimeUS = nil, nil, nil, nil, nil, nil, nil, nil
				w.Faults = []Fault{{Field: "thread.*", Addr: aThread, Detail: "the thread could not be read (see warnings)"}}
			},
		},
		{
			name: "empty LWP tree: the proc is still listed",
			edit: func(p *walk.Process) { p.LWPs = nil },
			want: func(w *Proc) { w.LWPs = []LWP{} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sample()
			tt.edit(p)
			tab := &walk.Table{Era: walk.Era{VMSegBytes: !tt.pages}, Procs: []*walk.Process{p}}
			got := Procs(tab, fakeSyms{})
			want := sampleWant()
			tt.want(&want)
			if diff := cmp.Diff([]Proc{want}, got); diff != "" {
				t.Errorf("Procs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProcsOrder(t *testing.T) {
	mk := func(addr dump.Addr, pid int32, tids ...int32) *walk.Process {
		p := &walk.Process{Proc: &structs.Proc{Addr: addr, PID: pid}}
		for i, tid := range tids {
			p.LWPs = append(p.LWPs, &walk.Thread{LWP: &structs.LWP{Addr: addr + 0x1000 + dump.Addr(i)*0x100, TID: tid}})
		}
		return p
	}
	unknownPID := mk(0x100, 0)
	unknownPID.Proc.Faults = []structs.Fault{{Field: "p_pid", Addr: 0x15c}}
	tab := &walk.Table{Procs: []*walk.Process{
		unknownPID, mk(0x500, 5, 3, 1, 2), mk(0x300, 5), mk(0x900, 1), nil,
	}}
	var gotPIDs []string
	for _, p := range Procs(tab, nil) {
		s := fmt.Sprintf("%v@%v", intText(p.PID), p.Addr)
		for _, l := range p.LWPs {
			s += fmt.Sprintf(" tid%v", intText(l.TID))
		}
		gotPIDs = append(gotPIDs, s)
	}
	want := []string{"1@0x900", "5@0x300", "5@0x500 tid1 tid2 tid3", "-@0x100"}
	if diff := cmp.Diff(want, gotPIDs); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if got := Procs(nil, nil); got == nil || len(got) != 0 {
		t.Errorf("Procs(nil) = %#v, want an empty slice", got)
	}
}
