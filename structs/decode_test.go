package structs

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/internal/samples"
)

// The values the fixture stores in integer members. Negative values of
// narrow signed members (char p_lock in 2007, short priority) check sign
// extension; 0x89abcdef in the 32-bit unsigned lwp_cpticks of 2007–2014
// checks that unsigned members are not sign-extended.
var intVals = map[string]uint64{
	"p_flags": 0x80004202, "p_flag": 0x80004202, "p_stat": 3, "p_pid": 4242, "p_ppid": 4141,
	"p_oppid": 17, "p_lock": neg(5), "p_nthreads": 3, "p_nice": neg(7), "p_xstat": 0xfffe,
	"p_acflag": 0x11, "p_traceflag": 0x40, "p_swtime": 123456,
	"p_start.tv_sec": 1595639000, "p_start.tv_usec": 999999,
	"p_ru.ru_utime.tv_sec": 10, "p_ru.ru_utime.tv_usec": 20, "p_ru.ru_stime.tv_sec": 30,
	"p_ru.ru_stime.tv_usec": 40, "p_ru.ru_maxrss": 5000,
	"p_cru.ru_utime.tv_sec": 11, "p_cru.ru_utime.tv_usec": 21, "p_cru.ru_stime.tv_sec": 31,
	"p_cru.ru_stime.tv_usec": 41, "p_cru.ru_maxrss": 6000,

	"lwp_tid": 100123, "lwp_flags": 0x218, "lwp_flag": 0x218, "lwp_mpflags": 1, "lwp_stat": 1,
	"lwp_lock": 2, "lwp_usdata.bsd4.priority": neg(3), "lwp_usdata.bsd4.batch": 7,
	"lwp_usdata.bsd4.origcpu": 7, "lwp_usdata.bsd4.estcpu": neg(9), "lwp_cpticks": 0x89abcdef,
	"lwp_pctcpu": 2048, "lwp_slptime": 77, "lwp_rtprio.type": 2, "lwp_rtprio.prio": 31,
	"lwp_ru.ru_utime.tv_sec": 1, "lwp_ru.ru_utime.tv_usec": 2, "lwp_ru.ru_stime.tv_sec": 3,
	"lwp_ru.ru_stime.tv_usec": 4, "lwp_ru.ru_maxrss": 555, "u.lwp_rbnode.rbe_color": 1,

	"td_pri": 20, "td_flags": 0x80000003, "td_uticks": 1000001, "td_sticks": 2000002,
	"td_iticks": 3000003, "td_start.tv_sec": 1595639001, "td_start.tv_usec": 5,

	"gd_cpuid": 3, "pg_id": 4200, "pg_jobc": 1, "s_count": 2, "s_sid": 4100,
	"si_uminor": 0x10005, "si_umajor": 4, "si_udev": 0x405,
	"cr_uid": 1001, "cr_ngroups": 3, "cr_ruid": 1002, "cr_svuid": 1003, "cr_rgid": 20, "cr_svgid": 21,
	"pr_id": 7, "vm_map.size": 0x12345000, "vm_pmap.pm_stats.resident_count": 1234,
	"vm_swrss": 5, "vm_tsize": 6, "vm_dsize": 7, "vm_ssize": 8, "ps_flag": 0x10,
	"ar_ref": 1, "ar_length": 14,
}

// The strings stored in char arrays: p_comm has garbage after its NUL,
// td_comm fills its 17 bytes without one.
var strVals = map[string]string{
	"p_comm": "sshd\x00garbage", "td_comm": "abcdefghijklmnopq", "s_login": "root", "si_name": "ttyp0",
}

var sigVals = map[string]Sigset{
	"p_siglist": {1, 2, 3, 0x80000000}, "lwp_siglist": {4, 0, 0, 5}, "lwp_sigmask": {0xffffffff, 6, 7, 8},
	"ps_sigignore": {9, 10, 11, 12}, "ps_sigcatch": {13, 14, 15, 16},
}

var ptrMembers = map[string]bool{}

func init() {
	for _, m := range []string{"p_list.le_next", "p_list.le_prev", "p_ucred", "p_fd", "p_sigacts",
		"p_pptr", "p_vmspace", "p_pgrp", "p_args", "p_lwp_tree.rbh_root", "p_lwps.lh_first",
		"lwp_proc", "lwp_thread", "u.lwp_rbnode.rbe_left", "u.lwp_rbnode.rbe_right",
		"u.lwp_rbnode.rbe_parent", "lwp_list.le_next", "lwp_list.le_prev",
		"td_lwp", "td_proc", "td_gd", "td_wchan", "pg_members.lh_first", "pg_session",
		"s_leader", "s_ttyvp", "s_ttyp", "t_dev", "t_pgrp", "t_session", "cr_prison"} {
		ptrMembers[m] = true
	}
}

const (
	fixtureArgs  = "/sbin/init\x00--\x00" // ar_length 14
	fixtureWMesg = "select"
)

// fixture is a fake memory holding one record of every kind, written at
// the offsets of an era's table, and the addresses of the records.
type fixture struct {
	mem   *fakeMem
	tab   eraTable
	addr  map[string]dump.Addr // struct → record address
	wmesg dump.Addr
}

// newFixture writes the known values at the table's offsets; every record
// starts at its own page-aligned address.
func newFixture(t testing.TB, tab eraTable) *fixture {
	t.Helper()
	f := &fixture{mem: newFakeMem(), tab: tab, addr: map[string]dump.Addr{}, wmesg: 0xffffffff80900010}
	f.mem.write(f.wmesg, []byte(fixtureWMesg+"\x00"))
	next := dump.Addr(0xfffff80001000000)
	for _, s := range []string{"proc", "lwp", "thread", "globaldata", "pgrp", "session", "tty", "cdev", "ucred", "prison", "vmspace", "sigacts", "pargs"} {
		f.addr[s] = next
		next += 0x10000
	}
	for k, l := range tab {
		strct, m, _ := strings.Cut(k, " ")
		a := f.addr[strct] + dump.Addr(l.off)
		switch {
		case m == "td_wmesg":
			f.mem.putInt(a, l.size, uint64(f.wmesg))
		case ptrMembers[m]:
			f.mem.putInt(a, l.size, ptrVal(m))
		case strVals[m] != "":
			b := make([]byte, l.size)
			copy(b, strVals[m])
			f.mem.write(a, b)
		case sigVals[m] != Sigset{}:
			for i, w := range sigVals[m] {
				f.mem.putInt(a+dump.Addr(4*i), 4, uint64(w))
			}
		case m == "cr_groups":
			for i := range l.size / 4 {
				f.mem.putInt(a+dump.Addr(4*i), 4, uint64(100+i))
			}
		case m == "ar_args":
			f.mem.write(a, []byte(fixtureArgs))
		default:
			v, ok := intVals[m]
			if !ok {
				t.Fatalf("no test value for %s", k)
			}
			f.mem.putInt(a, l.size, v)
		}
	}
	return f
}

// val returns the value stored in the first of the members the era has,
// or 0.
func (f *fixture) val(strct string, members ...string) uint64 {
	for _, m := range members {
		if f.tab.has(strct, m) {
			if ptrMembers[m] {
				return ptrVal(m)
			}
			return intVals[m]
		}
	}
	return 0
}

func (f *fixture) ptr(strct, member string) dump.Addr { return dump.Addr(f.val(strct, member)) }

func (f *fixture) str(strct, member string) string {
	l, ok := f.tab[strct+" "+member]
	if !ok {
		return ""
	}
	s := strVals[member]
	s = s[:min(int64(len(s)), l.size)]
	s, _, _ = strings.Cut(s, "\x00")
	return s
}

func (f *fixture) sig(strct, member string) Sigset {
	if !f.tab.has(strct, member) {
		return Sigset{}
	}
	return sigVals[member]
}

func (f *fixture) tv(strct, member string) Timeval {
	return Timeval{int64(f.val(strct, member+".tv_sec")), int64(f.val(strct, member+".tv_usec"))}
}

func (f *fixture) ru(strct, member string) Rusage {
	return Rusage{UTime: f.tv(strct, member+".ru_utime"), STime: f.tv(strct, member+".ru_stime"),
		MaxRSS: int64(f.val(strct, member+".ru_maxrss"))}
}

func (f *fixture) wantProc() *Proc {
	v := func(m ...string) uint64 { return f.val("proc", m...) }
	return &Proc{
		Addr:     f.addr["proc"],
		ListNext: f.ptr("proc", "p_list.le_next"), ListPrev: f.ptr("proc", "p_list.le_prev"),
		UCred: f.ptr("proc", "p_ucred"), FD: f.ptr("proc", "p_fd"), Sigacts: f.ptr("proc", "p_sigacts"),
		Pptr: f.ptr("proc", "p_pptr"), Vmspace: f.ptr("proc", "p_vmspace"), Pgrp: f.ptr("proc", "p_pgrp"),
		Args:  f.ptr("proc", "p_args"),
		Flags: uint32(v("p_flags", "p_flag")), Stat: int32(v("p_stat")), PID: int32(v("p_pid")),
		PPID: int32(v("p_ppid")), OPPID: int32(v("p_oppid")), Lock: int32(int64(v("p_lock"))),
		NThreads: int32(v("p_nthreads")), Nice: int8(int64(v("p_nice"))), XStat: uint16(v("p_xstat")),
		AcFlag: uint16(v("p_acflag")), TraceFlag: int32(v("p_traceflag")), SwTime: uint32(v("p_swtime")),
		Start: f.tv("proc", "p_start"), SigList: f.sig("proc", "p_siglist"),
		RU: f.ru("proc", "p_ru"), CRU: f.ru("proc", "p_cru"), Comm: f.str("proc", "p_comm"),
		LWPTreeRoot: f.ptr("proc", "p_lwp_tree.rbh_root"), LWPListFirst: f.ptr("proc", "p_lwps.lh_first"),
		Members: f.tab.members("proc"),
	}
}

func (f *fixture) wantLWP() *LWP {
	v := func(m ...string) uint64 { return f.val("lwp", m...) }
	return &LWP{
		Addr: f.addr["lwp"], Proc: f.ptr("lwp", "lwp_proc"), Thread: f.ptr("lwp", "lwp_thread"),
		TID: int32(v("lwp_tid")), Flags: uint32(v("lwp_flags", "lwp_flag")), MPFlags: uint32(v("lwp_mpflags")),
		Stat: int32(v("lwp_stat")), Lock: int32(v("lwp_lock")),
		Prio:    int16(int64(v("lwp_usdata.bsd4.priority"))),
		OrigCPU: int32(v("lwp_usdata.bsd4.batch", "lwp_usdata.bsd4.origcpu")),
		EstCPU:  int32(int64(v("lwp_usdata.bsd4.estcpu"))),
		CPTicks: v("lwp_cpticks"), PctCPU: uint32(v("lwp_pctcpu")), SlpTime: uint32(v("lwp_slptime")),
		RTPrio: RTPrio{uint16(v("lwp_rtprio.type")), uint16(v("lwp_rtprio.prio"))},
		RU:     f.ru("lwp", "lwp_ru"), SigList: f.sig("lwp", "lwp_siglist"), SigMask: f.sig("lwp", "lwp_sigmask"),
		RBLeft: f.ptr("lwp", "u.lwp_rbnode.rbe_left"), RBRight: f.ptr("lwp", "u.lwp_rbnode.rbe_right"),
		RBParent: f.ptr("lwp", "u.lwp_rbnode.rbe_parent"), RBColor: int32(v("u.lwp_rbnode.rbe_color")),
		ListNext: f.ptr("lwp", "lwp_list.le_next"), ListPrev: f.ptr("lwp", "lwp_list.le_prev"),
		Members: f.tab.members("lwp"),
	}
}

func (f *fixture) wantThread() *Thread {
	v := func(m ...string) uint64 { return f.val("thread", m...) }
	return &Thread{
		Addr: f.addr["thread"], LWP: f.ptr("thread", "td_lwp"), Proc: f.ptr("thread", "td_proc"),
		GD: f.ptr("thread", "td_gd"), WMesgPtr: f.wmesg, WChan: f.ptr("thread", "td_wchan"),
		Pri: int32(v("td_pri")), Flags: uint32(v("td_flags")), UTicks: v("td_uticks"),
		STicks: v("td_sticks"), ITicks: v("td_iticks"), Start: f.tv("thread", "td_start"),
		Comm: f.str("thread", "td_comm"), WMesg: fixtureWMesg,
		Members: f.tab.members("thread"),
	}
}

// decodeAll decodes one record of every kind from the fixture.
func (f *fixture) decodeAll(d *Decoder) []any {
	r, a := f.mem, f.addr
	return []any{d.Proc(r, a["proc"]), d.LWP(r, a["lwp"]), d.Thread(r, a["thread"]),
		d.Globaldata(r, a["globaldata"]), d.Pgrp(r, a["pgrp"]), d.Session(r, a["session"]),
		d.TTY(r, a["tty"]), d.Cdev(r, a["cdev"]), d.UCred(r, a["ucred"]), d.Prison(r, a["prison"]),
		d.Vmspace(r, a["vmspace"]), d.Sigacts(r, a["sigacts"]), d.Pargs(r, a["pargs"])}
}

// wantAll is what decodeAll must return.
func (f *fixture) wantAll() []any {
	a := f.addr
	m := f.tab.members
	ngroups := f.val("ucred", "cr_ngroups")
	var groups []uint32
	for i := range ngroups {
		groups = append(groups, uint32(100+i))
	}
	return []any{f.wantProc(), f.wantLWP(), f.wantThread(),
		&Globaldata{Addr: a["globaldata"], CPUID: uint32(f.val("globaldata", "gd_cpuid")), Members: m("globaldata")},
		&Pgrp{Addr: a["pgrp"], MembersFirst: f.ptr("pgrp", "pg_members.lh_first"), Session: f.ptr("pgrp", "pg_session"),
			ID: int32(f.val("pgrp", "pg_id")), Jobc: int32(f.val("pgrp", "pg_jobc")), Members: m("pgrp")},
		&Session{Addr: a["session"], Count: int32(f.val("session", "s_count")), Leader: f.ptr("session", "s_leader"),
			TTYVP: f.ptr("session", "s_ttyvp"), TTYP: f.ptr("session", "s_ttyp"), SID: int32(f.val("session", "s_sid")),
			Login: f.str("session", "s_login"), Members: m("session")},
		&TTY{Addr: a["tty"], Dev: f.ptr("tty", "t_dev"), Pgrp: f.ptr("tty", "t_pgrp"), Session: f.ptr("tty", "t_session"), Members: m("tty")},
		&Cdev{Addr: a["cdev"], UMinor: int32(f.val("cdev", "si_uminor")), UMajor: int32(f.val("cdev", "si_umajor")),
			UDev: uint32(f.val("cdev", "si_udev")), Name: f.str("cdev", "si_name"), Members: m("cdev")},
		&UCred{Addr: a["ucred"], UID: uint32(f.val("ucred", "cr_uid")), NGroups: int16(ngroups), Groups: groups,
			Prison: f.ptr("ucred", "cr_prison"), RUID: uint32(f.val("ucred", "cr_ruid")), SVUID: uint32(f.val("ucred", "cr_svuid")),
			RGID: uint32(f.val("ucred", "cr_rgid")), SVGID: uint32(f.val("ucred", "cr_svgid")), Members: m("ucred")},
		&Prison{Addr: a["prison"], ID: int32(f.val("prison", "pr_id")), Members: m("prison")},
		&Vmspace{Addr: a["vmspace"], MapSize: f.val("vmspace", "vm_map.size"),
			Resident: int64(f.val("vmspace", "vm_pmap.pm_stats.resident_count")), SwRSS: int64(f.val("vmspace", "vm_swrss")),
			TSize: int64(f.val("vmspace", "vm_tsize")), DSize: int64(f.val("vmspace", "vm_dsize")),
			SSize: int64(f.val("vmspace", "vm_ssize")), Members: m("vmspace")},
		&Sigacts{Addr: a["sigacts"], SigIgnore: f.sig("sigacts", "ps_sigignore"), SigCatch: f.sig("sigacts", "ps_sigcatch"),
			Flag: int32(f.val("sigacts", "ps_flag")), Members: m("sigacts")},
		&Pargs{Addr: a["pargs"], Ref: 1, Length: 14, Args: []string{"/sbin/init", "--"}, Members: m("pargs")},
	}
}

// eras are the sample kernels with their independent offset tables.
func eras(t testing.TB) []struct {
	kernel string
	tab    eraTable
} {
	t2020 := parseOffsets(t, offsets2020)
	return []struct {
		kernel string
		tab    eraTable
	}{
		{"dfly2007", parseOffsets(t, offsets2007)},
		{"dfly2009", parseOffsets(t, offsets2009)},
		{"dfly2014", parseOffsets(t, offsets2014)},
		{"dfly2020", t2020},
		{"dfly2020opt", optTable(t2020)},
	}
}

func newDecoder(t testing.TB, p Provider) *Decoder {
	t.Helper()
	d, err := NewDecoder(p)
	if err != nil {
		t.Fatalf("NewDecoder(%s): %v", p.Origin(), err)
	}
	return d
}

// TestDecodeEras decodes a record of every kind written at the offsets of
// each sample kernel's independent table (gdb, the spec, the C source's
// assertions) and compares it with the values written.
func TestDecodeEras(t *testing.T) {
	for _, e := range eras(t) {
		t.Run(e.kernel, func(t *testing.T) {
			d := newDecoder(t, kernel(t, e.kernel))
			f := newFixture(t, e.tab)
			if diff := cmp.Diff(f.wantAll(), f.decodeAll(d)); diff != "" {
				t.Errorf("decoded records (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeProfile decodes the same bytes with the dragonfly-2020 profile
// and with kern-dfly2020's DWARF: the records must be identical, and equal
// to the values written at the spec's offsets.
func TestDecodeProfile(t *testing.T) {
	prof, err := ProfileByName("dragonfly-2020")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, parseOffsets(t, offsets2020))
	viaDWARF := f.decodeAll(newDecoder(t, kernel(t, "dfly2020")))
	viaProfile := f.decodeAll(newDecoder(t, prof))
	if diff := cmp.Diff(viaDWARF, viaProfile); diff != "" {
		t.Errorf("profile vs DWARF (-dwarf +profile):\n%s", diff)
	}
	if diff := cmp.Diff(f.wantAll(), viaProfile); diff != "" {
		t.Errorf("profile decoding (-want +got):\n%s", diff)
	}
}

// TestOneReadPerRecord checks that a fully readable record costs one read
// (two for a thread with a wait message: the string).
func TestOneReadPerRecord(t *testing.T) {
	f := newFixture(t, parseOffsets(t, offsets2020))
	d := newDecoder(t, kernel(t, "dfly2020"))
	cases := []struct {
		name  string
		reads int
		run   func()
	}{
		{"proc", 1, func() { d.Proc(f.mem, f.addr["proc"]) }},
		{"lwp", 1, func() { d.LWP(f.mem, f.addr["lwp"]) }},
		{"thread", 2, func() { d.Thread(f.mem, f.addr["thread"]) }},
		{"globaldata", 1, func() { d.Globaldata(f.mem, f.addr["globaldata"]) }},
		{"sigacts", 1, func() { d.Sigacts(f.mem, f.addr["sigacts"]) }},
	}
	for _, c := range cases {
		f.mem.reads = 0
		c.run()
		if f.mem.reads != c.reads {
			t.Errorf("%s: %d reads, want %d", c.name, f.mem.reads, c.reads)
		}
	}
}

// TestSpanIsNotSizeof checks that decoding struct globaldata (14848 bytes
// in 2020) reads only gd_cpuid: the pages around it may be missing.
func TestSpanIsNotSizeof(t *testing.T) {
	m := newFakeMem()
	a := dump.Addr(0xfffff80002000000) // gd_cpuid at +72, the struct runs 3 pages further
	m.putInt(a+72, 4, 5)
	d := newDecoder(t, kernel(t, "dfly2020"))
	want := &Globaldata{Addr: a, CPUID: 5, Members: []string{"gd_cpuid"}}
	if diff := cmp.Diff(want, d.Globaldata(m, a)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// sortFaults orders faults by member name, so that tests do not depend on
// the order members are decoded in.
var sortFaults = cmpopts.SortSlices(func(a, b Fault) bool { return a.Field < b.Field })

// TestPartialProc places a 2020 proc across a page boundary, 500 bytes
// before it, and drops one of the two pages: every member on the other page
// is decoded, every member touching the dropped page is zero and named in
// Faults with the first unreadable address.
func TestPartialProc(t *testing.T) {
	tab := parseOffsets(t, offsets2020)
	const before = 500 // bytes of the proc on the first page
	for _, drop := range []string{"second", "first"} {
		t.Run("drop "+drop, func(t *testing.T) {
			f := newFixture(t, tab)
			d := newDecoder(t, kernel(t, "dfly2020"))
			// Move the proc so that it straddles the boundary.
			src := f.addr["proc"]
			a := src + 0x8000 - before
			buf := make([]byte, 1312)
			if _, err := f.mem.ReadAt(buf, src); err != nil {
				t.Fatal(err)
			}
			f.mem.write(a, buf)
			boundary := src + 0x8000
			var lost func(off, end int64) bool
			if drop == "second" {
				f.mem.drop(boundary)
				lost = func(off, end int64) bool { return end > before }
			} else {
				f.mem.drop(boundary - 1)
				lost = func(off, end int64) bool { return off < before }
			}
			f.addr["proc"] = a
			holeLo, firstBad := int64(before), boundary
			if drop == "first" {
				holeLo, firstBad = 0, a
			}
			// Expect the members left on the readable page, and one fault
			// per member (composites as a whole) touching the dropped one,
			// at its first unreadable byte.
			kept := &fixture{mem: f.mem, tab: eraTable{}, addr: f.addr, wmesg: f.wmesg}
			faultAt := map[string]dump.Addr{}
			for k, l := range tab {
				strct, m, _ := strings.Cut(k, " ")
				if strct != "proc" {
					continue
				}
				if !lost(l.off, l.off+l.size) {
					kept.tab[k] = l
					continue
				}
				name, at := collapse(m), a+dump.Addr(max(l.off, holeLo))
				if prev, ok := faultAt[name]; !ok || at < prev {
					faultAt[name] = at
				}
			}
			partial := kept.wantProc()
			partial.Members = f.tab.members("proc")
			for name, at := range faultAt {
				partial.Faults = append(partial.Faults, Fault{Field: name, Addr: at, Detail: notDumped(firstBad)})
			}
			got := d.Proc(f.mem, a)
			if diff := cmp.Diff(partial, got, sortFaults); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(got.Faults) < 5 || len(got.Faults) > 30 {
				t.Errorf("%d faults: the test does not split the proc as intended", len(got.Faults))
			}
			if got.Known(got.Faults[0].Field) {
				t.Errorf("Known(%q) = true for a faulted member", got.Faults[0].Field)
			}
		})
	}
}

// TestUnreadableRecord: nothing of the record readable gives one fault "*".
func TestUnreadableRecord(t *testing.T) {
	d := newDecoder(t, kernel(t, "dfly2020"))
	m := newFakeMem()
	a := dump.Addr(0xfffff80003000000)
	want := &Proc{Addr: a, Members: d.proc.names, Faults: []Fault{{Field: "*", Addr: a, Detail: notDumped(a)}}}
	got := d.Proc(m, a)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got.Known("p_pid") {
		t.Error(`Known("p_pid") = true on an unreadable proc`)
	}
	// A globaldata whose span starts at +72: the fault names that address.
	wantGD := &Globaldata{Addr: a, Members: []string{"gd_cpuid"}, Faults: []Fault{{Field: "*", Addr: a + 72, Detail: notDumped(a + 72)}}}
	if diff := cmp.Diff(wantGD, d.Globaldata(m, a)); diff != "" {
		t.Errorf("globaldata (-want +got):\n%s", diff)
	}
}

// TestWMesg covers the wait-message string: NULL, unreadable, ending just
// before a missing page, and longer than MaxWMesg.
func TestWMesg(t *testing.T) {
	d := newDecoder(t, kernel(t, "dfly2020"))
	const tdWMesg = 192 // spec §10.3
	page := dump.Addr(0xffffffff80a00000)
	cases := []struct {
		name      string
		ptr       dump.Addr
		str       string // written at ptr
		want      string
		faultAddr dump.Addr // 0: no fault
	}{
		{"null", 0, "", "", 0},
		{"unreadable", page + 0x5000, "", "", page + 0x5000},
		{"ends before a missing page", page + 0x1000 - 6, "sbwait\x00", "", 0},
		{"runs into a missing page", page + 0x1000 - 4, "sbwa", "", page + 0x1000},
		{"longer than the bound", page + 0x2000, strings.Repeat("x", 40) + "\x00", strings.Repeat("x", MaxWMesg), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newFakeMem()
			a := dump.Addr(0xfffff80004000000)
			m.write(a, make([]byte, 1600))
			m.putInt(a+tdWMesg, 8, uint64(c.ptr))
			if c.str != "" {
				m.write(c.ptr, []byte(c.str))
			}
			want := c.want
			if c.name == "ends before a missing page" {
				want = "sbwait"
			}
			got := d.Thread(m, a)
			var wantFaults []Fault
			if c.faultAddr != 0 {
				wantFaults = []Fault{{Field: "td_wmesg", Addr: c.faultAddr, Detail: notDumped(c.faultAddr)}}
			}
			if diff := cmp.Diff(wantFaults, got.Faults); diff != "" || got.WMesg != want || got.WMesgPtr != c.ptr {
				t.Errorf("WMesg %q (want %q), ptr %v; faults (-want +got):\n%s", got.WMesg, want, got.WMesgPtr, diff)
			}
			if got.Known("td_wmesg") != (c.faultAddr == 0) {
				t.Errorf("Known(td_wmesg) = %v", got.Known("td_wmesg"))
			}
		})
	}
}

// TestPargs covers the argument cache: ordinary, without a trailing NUL, a
// huge ar_length (bounded, no large allocation), empty, and unreadable.
func TestPargs(t *testing.T) {
	d := newDecoder(t, kernel(t, "dfly2020"))
	members := []string{"ar_args", "ar_length", "ar_ref"}
	a := dump.Addr(0xfffff80005000000)
	big := []byte(strings.Repeat("abcdefg\x00", MaxArgsBytes/8+100))
	cases := []struct {
		name   string
		length uint32
		data   []byte
		want   *Pargs
	}{
		{"ordinary", 14, []byte("/sbin/init\x00--\x00"), &Pargs{Length: 14, Args: []string{"/sbin/init", "--"}}},
		{"empty argument", 5, []byte("a\x00\x00b\x00"), &Pargs{Length: 5, Args: []string{"a", "", "b"}}},
		{"no trailing NUL", 5, []byte("ab\x00cd"), &Pargs{Length: 5, Args: []string{"ab", "cd"}, Truncated: true}},
		{"zero length", 0, nil, &Pargs{Length: 0}},
		{"huge length", 0xfffffff0, big, &Pargs{Length: 0xfffffff0, Args: splitEvery(string(big[:MaxArgsBytes]), 8), Truncated: true}},
		{"unreadable", 14, nil, &Pargs{Length: 14, Faults: make([]Fault, 1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, ha := newFakeMem(), a
			if c.data == nil && c.length > 0 {
				// The header ends a page; the arguments are on the next,
				// missing page.
				ha = a + dump.PageSize - 8
				c.want.Faults[0] = Fault{Field: "ar_args", Addr: ha + 8, Detail: notDumped(ha + 8)}
			}
			m.putInt(ha, 4, 1)
			m.putInt(ha+4, 4, uint64(c.length))
			m.write(ha+8, c.data)
			c.want.Addr = ha
			c.want.Ref, c.want.Members = 1, members
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			got := d.Pargs(m, c.want.Addr)
			runtime.ReadMemStats(&ms1)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// The bound: a few times MaxArgsBytes (the bytes, the strings'
			// headers), never ar_length's 4 GiB.
			if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 1<<20 {
				t.Errorf("decoding allocated %d bytes, want at most 1 MiB", alloc)
			}
		})
	}
}

// splitEvery cuts s into pieces of n bytes with their last byte (a NUL)
// removed, the last piece possibly shorter and kept whole.
func splitEvery(s string, n int) []string {
	var out []string
	for len(s) >= n {
		out = append(out, s[:n-1])
		s = s[n:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// TestUCredGroups: cr_ngroups is clamped to the array, and a negative count
// gives no groups.
func TestUCredGroups(t *testing.T) {
	d := newDecoder(t, kernel(t, "dfly2020"))
	tab := parseOffsets(t, offsets2020)
	all := make([]uint32, 16)
	for i := range all {
		all[i] = uint32(100 + i)
	}
	for _, c := range []struct {
		n    int16
		want []uint32
	}{{-1, nil}, {0, nil}, {1, all[:1]}, {16, all}, {17, all}, {1000, all}, {-32768, nil}} {
		t.Run(fmt.Sprint(c.n), func(t *testing.T) {
			f := newFixture(t, tab)
			a := f.addr["ucred"]
			f.mem.putInt(a+68, 2, uint64(uint16(c.n)))
			got := d.UCred(f.mem, a)
			if got.NGroups != c.n || !cmp.Equal(c.want, got.Groups) || len(got.Faults) != 0 {
				t.Errorf("NGroups %d Groups %v Faults %v; want %d %v", got.NGroups, got.Groups, got.Faults, c.n, c.want)
			}
		})
	}
}

// TestKnown checks Known against each era's members: a member of another
// era is not known, nor a faulted one.
func TestKnown(t *testing.T) {
	cases := []struct {
		kernel string
		known  []string
		not    []string
	}{
		{"dfly2007", []string{"p_flag", "p_lwps.lh_first", "p_lock", "p_ru"}, []string{"p_flags", "p_ppid", "p_swtime", "p_lwp_tree.rbh_root", "no_such"}},
		{"dfly2020", []string{"p_flags", "p_ppid", "p_lwp_tree.rbh_root", "p_start", "p_comm"}, []string{"p_flag", "p_lwps.lh_first", "p_start.tv_sec"}},
	}
	for _, c := range cases {
		d := newDecoder(t, kernel(t, c.kernel))
		f := newFixture(t, eras(t)[map[string]int{"dfly2007": 0, "dfly2020": 3}[c.kernel]].tab)
		p := d.Proc(f.mem, f.addr["proc"])
		for _, m := range c.known {
			if !p.Known(m) {
				t.Errorf("%s: Known(%q) = false", c.kernel, m)
			}
		}
		for _, m := range c.not {
			if p.Known(m) {
				t.Errorf("%s: Known(%q) = true", c.kernel, m)
			}
		}
	}
	if (&Proc{}).Known("p_pid") {
		t.Error("a Proc not made by a Decoder knows p_pid")
	}
}

// TestLinks compares Links with gdb's numbers for every sample kernel.
func TestLinks(t *testing.T) {
	none := int64(-1)
	cases := map[string]Links{
		"dfly2007":    {952, 0, 8, none, 880, 368, 32, 40, none, none, none, 16, 24, none, none},
		"dfly2009":    {1136, 0, 8, 992, none, 472, 48, 72, 16, 24, 32, none, none, none, none},
		"dfly2014":    {1176, 0, 8, 984, none, 568, 48, 72, 16, 24, 32, none, none, none, none},
		"dfly2020":    {1312, 0, 8, 1064, none, 608, 48, 72, 16, 24, 32, none, none, 64, 32},
		"dfly2020opt": {1328, 0, 8, 1080, none, 624, 64, 88, 32, 40, 48, none, none, 64, 32},
	}
	for k, want := range cases {
		if diff := cmp.Diff(want, newDecoder(t, kernel(t, k)).Links()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
}

// TestAbsent lists what each era lacks of what the decoder reads.
func TestAbsent(t *testing.T) {
	cases := map[string][]string{
		// Era alternatives (p_flag, si_udev, lwp_list…) are not absences,
		// nor is struct procglob before 2016 (Links says -1).
		"dfly2007":    {"struct proc.p_ppid", "struct proc.p_swtime"},
		"dfly2009":    {"struct proc.p_ppid"},
		"dfly2014":    {"struct proc.p_ppid"},
		"dfly2020":    nil,
		"dfly2020opt": nil,
	}
	for k, want := range cases {
		got := newDecoder(t, kernel(t, k)).Absent()
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
}

// TestNewDecoderMissing builds decoders from profile tables that lack
// essential members; the error names every one of them.
func TestNewDecoderMissing(t *testing.T) {
	proc := pstruct{"proc", KindStruct, 0, []pfield{
		{"p_list.le_next", 0, 8, "*struct proc"},
		{"p_stat", 84, 4, "enum procstat:uint"},
		{"p_pid", 92, 16, "struct"}, // the wrong shape: not usable
	}}
	lwp := pstruct{"lwp", KindStruct, 0, []pfield{
		{"lwp_proc", 48, 8, "*struct proc"},
		{"lwp_thread", 424, 8, "*struct thread"},
	}}
	cases := []struct {
		name    string
		table   []pstruct
		missing []string
	}{
		{"members", []pstruct{proc, lwp}, []string{
			"struct proc.p_pid: 16-byte struct, want an integer",
			"struct proc.p_lwp_tree.rbh_root (or p_lwps.lh_first)",
			"struct lwp.lwp_tid",
		}},
		{"no lwp", []pstruct{proc}, []string{
			"struct lwp",
			"struct proc.p_pid: 16-byte struct, want an integer",
			"struct proc.p_lwp_tree.rbh_root (or p_lwps.lh_first)",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Profile{Name: "broken", table: c.table}
			_, err := NewDecoder(p)
			var me *MissingError
			if !errors.As(err, &me) || !errors.Is(err, ErrNoField) {
				t.Fatalf("NewDecoder: %v, want a *MissingError wrapping ErrNoField", err)
			}
			if diff := cmp.Diff(c.missing, me.Missing); diff != "" {
				t.Errorf("Missing (-want +got):\n%s", diff)
			}
			msg := err.Error()
			for _, s := range append(c.missing, "profile broken", "struct proc.p_ppid", "struct proc.p_comm", "struct ucred") {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not mention %q", msg, s)
				}
			}
		})
	}
}

// TestConcurrentDecoding decodes the same records from many goroutines
// (run with -race).
func TestConcurrentDecoding(t *testing.T) {
	f := newFixture(t, parseOffsets(t, offsets2020))
	d := newDecoder(t, kernel(t, "dfly2020"))
	want := f.wantAll()
	r := &lockedMem{m: f.mem}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 50 {
				got := []any{d.Proc(r, f.addr["proc"]), d.LWP(r, f.addr["lwp"]), d.Thread(r, f.addr["thread"])}
				if diff := cmp.Diff(want[:3], got); diff != "" {
					errs <- diff
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent decoding (-want +got):\n%s", e)
	}
}

// lockedMem serializes reads of a fakeMem (whose read counter is not
// safe for concurrent use).
type lockedMem struct {
	mu sync.Mutex
	m  *fakeMem
}

func (l *lockedMem) ReadAt(p []byte, a dump.Addr) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.ReadAt(p, a)
}

// TestLoad checks integer and bit-field extraction against values worked
// out by hand.
func TestLoad(t *testing.T) {
	cases := []struct {
		name string
		m    mem
		b    []byte
		want uint64
	}{
		{"u8", mem{size: 1}, []byte{0xfb}, 0xfb},
		{"s8", mem{size: 1, signed: true}, []byte{0xfb}, neg(5)},
		{"s16", mem{size: 2, signed: true}, []byte{0xfd, 0xff}, neg(3)},
		{"u32", mem{size: 4}, []byte{0xef, 0xcd, 0xab, 0x89}, 0x89abcdef},
		{"s32", mem{size: 4, signed: true}, []byte{0xef, 0xcd, 0xab, 0x89}, 0xffffffff89abcdef},
		{"u64", mem{size: 8}, []byte{1, 2, 3, 4, 5, 6, 7, 8}, 0x0807060504030201},
		{"bits 3..5", mem{size: 1, bitOff: 3, bitSize: 3}, []byte{0b00101000}, 5},
		{"signed bits 3..5", mem{size: 1, bitOff: 3, bitSize: 3, signed: true}, []byte{0b00101000}, neg(3)},
		{"bits across bytes", mem{size: 2, bitOff: 6, bitSize: 4}, []byte{0b11000000, 0b00000011}, 0xf},
		{"64 bits over 9 bytes", mem{size: 9, bitOff: 4, bitSize: 64}, []byte{0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x0f}, 0xffedcba987654321},
	}
	for _, c := range cases {
		if got := c.m.load(c.b); got != c.want {
			t.Errorf("%s: %#x, want %#x", c.name, got, c.want)
		}
	}
}

// TestOptTableMatchesAssertions checks the derived kern-dfly2020opt table
// against the OPT_OFF assertions of its C source.
func TestOptTableMatchesAssertions(t *testing.T) {
	opt := optTable(parseOffsets(t, offsets2020))
	offs, _ := cAsserts(t, filepath.Join(samples.KernelsDir(), "dfly2020opt.c"), "OPT")
	checked := 0
	for k, want := range offs {
		s, p, _ := strings.Cut(k, ".")
		if l, ok := opt[s+" "+p]; ok {
			checked++
			if l.off != want {
				t.Errorf("%s: derived %d, dfly2020opt.c asserts %d", k, l.off, want)
			}
		}
	}
	if checked < 15 {
		t.Errorf("only %d assertions checked", checked)
	}
}

// TestOffsetTablesMatchGDB re-derives every row of the expected-offset
// tables with gdb on the compiled sample kernels, and checks that the
// members a table leaves out are indeed missing from that kernel. Skipped
// when gdb is not installed.
func TestOffsetTablesMatchGDB(t *testing.T) {
	gdb, err := exec.LookPath("gdb")
	if err != nil {
		t.Skip("gdb not installed")
	}
	if testing.Short() {
		t.Skip("runs gdb")
	}
	all := map[string]bool{} // every "struct member" of any era
	list := eras(t)
	for _, e := range list {
		for k := range e.tab {
			all[k] = true
		}
	}
	var rows []string
	for k := range all {
		rows = append(rows, k)
	}
	sort.Strings(rows)
	for _, e := range list {
		t.Run(e.kernel, func(t *testing.T) {
			args := []string{"-batch", "-nx"}
			for _, k := range rows {
				s, m, _ := strings.Cut(k, " ")
				args = append(args, "-ex", "echo @@ "+k+`\n`,
					"-ex", fmt.Sprintf("print/d (long)&((struct %s*)0)->%s", s, m),
					"-ex", fmt.Sprintf("print/d sizeof(((struct %s*)0)->%s)", s, m))
			}
			out, err := exec.Command(gdb, append(args, samples.Kernel(e.kernel))...).CombinedOutput()
			if err != nil {
				t.Fatalf("gdb: %v\n%s", err, out)
			}
			got := eraTable{}
			var key string
			var nums []int64
			flush := func() {
				if key != "" && len(nums) == 2 {
					got[key] = loc{nums[0], nums[1]}
				}
			}
			for _, line := range strings.Split(string(out), "\n") {
				if k, ok := strings.CutPrefix(line, "@@ "); ok {
					flush()
					key, nums = k, nil
					continue
				}
				if _, v, ok := strings.Cut(line, " = "); ok && strings.HasPrefix(line, "$") {
					n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
					if err == nil {
						nums = append(nums, n)
					}
				}
			}
			flush()
			if diff := cmp.Diff(e.tab, got, cmp.AllowUnexported(loc{})); diff != "" {
				t.Errorf("table vs gdb (-table +gdb):\n%s", diff)
			}
		})
	}
}

// TestHostileLayout: a layout with a huge char array and a member far past
// the others costs bounded reads: the string is cut at maxString bytes and
// the distant member is dropped (and reported) rather than widening the
// span.
func TestHostileLayout(t *testing.T) {
	p := &Profile{Name: "hostile", table: []pstruct{
		{"proc", KindStruct, 0, []pfield{
			{"p_list.le_next", 0, 8, "*struct proc"},
			{"p_pid", 92, 4, "int"},
			{"p_comm", 100, 1 << 20, "[1048576]int(1)"},
			{"p_nice", 1 << 30, 1, "int"},
			{"p_lwp_tree.rbh_root", 120, 8, "*struct lwp"},
		}},
		{"lwp", KindStruct, 0, []pfield{
			{"u.lwp_rbnode.rbe_left", 16, 8, "*struct lwp"},
			{"u.lwp_rbnode.rbe_right", 24, 8, "*struct lwp"},
			{"lwp_proc", 48, 8, "*struct proc"},
			{"lwp_tid", 72, 4, "int"},
			{"lwp_thread", 424, 8, "*struct thread"},
		}},
	}}
	d := newDecoder(t, p)
	if hi := d.proc.hi - d.proc.lo; hi > maxSpan {
		t.Errorf("proc span %d bytes, want at most %d", hi, maxSpan)
	}
	absent := strings.Join(d.Absent(), "\n")
	if !strings.Contains(absent, "struct proc.p_nice: at offset 1073741824") {
		t.Errorf("Absent does not report the distant p_nice:\n%s", absent)
	}
	m := newFakeMem()
	a := dump.Addr(0xfffff80006000000)
	m.write(a+100, []byte(strings.Repeat("c", 2*maxString)))
	m.putInt(a+92, 4, 77)
	got := d.Proc(m, a)
	if got.PID != 77 || got.Comm != strings.Repeat("c", maxString) || got.Nice != 0 || len(got.Faults) != 0 {
		t.Errorf("PID %d Comm %d bytes Nice %d Faults %v; want 77, %d bytes, 0, none", got.PID, len(got.Comm), got.Nice, got.Faults, maxString)
	}
}
