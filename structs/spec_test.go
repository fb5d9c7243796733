package structs

import (
	"errors"
	"fmt"
	"testing"
)

// specFact is one statement of spec/formats.md about a layout: the offset
// (and, where the spec's type implies it, size, kind and pointee) of a member,
// or with path "" the sizeof of the struct. -1 / KindUnknown / "" mean "the
// spec does not say".
type specFact struct {
	sec    string
	strct  string
	path   string
	off    int64
	size   int64
	kind   Kind
	target string
}

// sizeof is a specFact for sizeof(struct s).
func sizeof(sec, s string, n int64) specFact {
	return specFact{sec: sec, strct: s, off: -1, size: n}
}

// spec2020 transcribes every "(computed 2020)" offset and size of spec
// §10.1–§10.15 and §14.1 (plus the 2020 facts §9.4, §17 and §19.4 state about
// the same structures), written from the spec text, not from kdump's output.
var spec2020 = []specFact{
	// §10 basic sizes and linkage macros, through members of those types.
	{"§10 LIST_ENTRY", "proc", "p_list", 0, 16, KindStruct, ""},
	{"§10 TAILQ_ENTRY", "lwp", "lwp_procq", 0, 16, KindStruct, ""},
	{"§10 RB_HEAD", "proc", "p_lwp_tree", 1064, 24, KindStruct, ""},
	{"§10 RB_HEAD", "proc", "p_lwp_tree.rbh_root", 1064, 8, KindPointer, "lwp"},
	{"§10 RB_ENTRY", "lwp", "u.lwp_rbnode", 16, 32, KindStruct, ""},
	{"§10 sigset_t", "proc", "p_siglist", 528, 16, KindUnknown, ""},
	{"§10 struct rusage", "proc", "p_ru", 624, 144, KindStruct, "rusage"},
	{"§10 struct timeval", "proc", "p_start", 608, 16, KindStruct, "timeval"},
	{"§10 struct rtprio", "lwp", "lwp_rtprio", 408, 4, KindStruct, "rtprio"},
	{"§10 struct rtprio", "lwp", "lwp_rtprio.type", 408, 2, KindUint, ""},
	{"§10 struct rtprio", "lwp", "lwp_rtprio.prio", 410, 2, KindUint, ""},
	{"§10 sysclock_t", "lwp", "lwp_cpticks", 112, 8, KindInt, ""},
	{"§10 fixpt_t", "lwp", "lwp_pctcpu", 120, 4, KindUint, ""},
	{"§10 NGROUPS", "ucred", "cr_groups", 72, 64, KindArray, ""},
	{"§10 MAXLOGNAME", "session", "s_login", 60, 40, KindArray, ""},
	{"§10 SPECNAMELEN", "cdev", "si_name", 88, 64, KindArray, ""},

	// §10.1 struct proc.
	sizeof("§10.1", "proc", 1312),
	{"§10.1", "proc", "p_list.le_next", 0, 8, KindPointer, "proc"},
	{"§10.1", "proc", "p_ucred", 16, 8, KindPointer, "ucred"},
	{"§10.1", "proc", "p_fd", 24, 8, KindPointer, "filedesc"},
	{"§10.1", "proc", "p_sigacts", 72, 8, KindPointer, "sigacts"},
	{"§10.1", "proc", "p_flags", 80, 4, KindInt, ""},
	{"§10.1", "proc", "p_stat", 84, 4, KindEnum, "procstat"},
	{"§10.1", "proc", "p_pid", 92, 4, KindInt, ""},
	{"§10.1", "proc", "p_ppid", 96, 4, KindInt, ""},
	{"§10.1", "proc", "p_pptr", 120, 8, KindPointer, "proc"},
	{"§10.1", "proc", "p_oppid", 360, 4, KindInt, ""},
	{"§10.1", "proc", "p_vmspace", 368, 8, KindPointer, "vmspace"},
	{"§10.1", "proc", "p_swtime", 376, 4, KindUint, ""},
	{"§10.1", "proc", "p_traceflag", 512, 4, KindInt, ""},
	{"§10.1", "proc", "p_cru", 768, 144, KindStruct, "rusage"},
	{"§10.1", "proc", "p_comm", 920, 17, KindArray, ""},
	{"§10.1", "proc", "p_nice", 938, 1, KindInt, ""},
	{"§10.1", "proc", "p_pgrp", 944, 8, KindPointer, "pgrp"},
	{"§10.1", "proc", "p_args", 1016, 8, KindPointer, "pargs"},
	{"§10.1", "proc", "p_xstat", 1024, 2, KindUint, ""},
	{"§10.1", "proc", "p_acflag", 1040, 2, KindUint, ""},
	{"§10.1", "proc", "p_lock", 1044, 4, KindInt, ""},
	{"§10.1", "proc", "p_nthreads", 1048, 4, KindInt, ""},

	// §10.2 struct lwp.
	sizeof("§10.2", "lwp", 608),
	{"§10.2", "lwp", "u.lwp_rbnode.rbe_left", 16, 8, KindPointer, "lwp"},
	{"§10.2", "lwp", "u.lwp_rbnode.rbe_right", 24, 8, KindPointer, "lwp"},
	{"§10.2", "lwp", "u.lwp_rbnode.rbe_parent", 32, 8, KindPointer, "lwp"},
	{"§10.2", "lwp", "u.lwp_rbnode.rbe_color", 40, 4, KindInt, ""},
	{"§10.2", "lwp", "lwp_proc", 48, 8, KindPointer, "proc"},
	{"§10.2", "lwp", "lwp_tid", 72, 4, KindInt, ""},
	{"§10.2", "lwp", "lwp_flags", 76, 4, KindUint, ""},
	{"§10.2", "lwp", "lwp_mpflags", 80, 4, KindUint, ""},
	{"§10.2", "lwp", "lwp_stat", 84, 4, KindEnum, "lwpstat"},
	{"§10.2", "lwp", "lwp_lock", 88, 4, KindInt, ""},
	{"§10.2", "lwp", "lwp_slptime", 124, 4, KindUint, ""},
	{"§10.2", "lwp", "lwp_ru", 136, 144, KindStruct, "rusage"},
	{"§10.2", "lwp", "lwp_usdata.bsd4.priority", 280, 2, KindInt, ""},
	{"§10.2", "lwp", "lwp_usdata.bsd4.batch", 284, 4, KindInt, ""},
	{"§10.2", "lwp", "lwp_usdata.bsd4.estcpu", 288, 4, KindInt, ""},
	{"§10.2 dfly.estcpu overlaps bsd4.estcpu", "lwp", "lwp_usdata.dfly.estcpu", 288, 4, KindInt, ""},
	{"§10.2 bsd4.batch overlaps dfly.estfast+uload", "lwp", "lwp_usdata.dfly.estfast", 284, 2, KindInt, ""},
	{"§10.2 bsd4.batch overlaps dfly.estfast+uload", "lwp", "lwp_usdata.dfly.uload", 286, 2, KindInt, ""},
	{"§10.2", "lwp", "lwp_siglist", 336, 16, KindUnknown, ""},
	{"§10.2", "lwp", "lwp_sigmask", 368, 16, KindUnknown, ""},
	{"§10.2", "lwp", "lwp_thread", 424, 8, KindPointer, "thread"},

	// §10.3 struct thread.
	sizeof("§10.3", "thread", 1600),
	{"§10.3", "thread", "td_lwp", 160, 8, KindPointer, "lwp"},
	{"§10.3", "thread", "td_proc", 168, 8, KindPointer, "proc"},
	{"§10.3", "thread", "td_gd", 184, 8, KindPointer, "globaldata"},
	{"§10.3", "thread", "td_wmesg", 192, 8, KindPointer, ""},
	{"§10.3", "thread", "td_wchan", 200, 8, KindPointer, ""},
	{"§10.3", "thread", "td_pri", 208, 4, KindInt, ""},
	{"§10.3", "thread", "td_flags", 216, 4, KindUint, ""},
	{"§10.3", "thread", "td_uticks", 272, 8, KindUint, ""},
	{"§10.3", "thread", "td_sticks", 280, 8, KindUint, ""},
	{"§10.3", "thread", "td_iticks", 288, 8, KindUint, ""},
	{"§10.3", "thread", "td_start", 392, 16, KindStruct, "timeval"},
	{"§10.3", "thread", "td_comm", 408, 17, KindArray, ""},

	// §10.4 struct globaldata.
	sizeof("§10.4", "globaldata", 14848),
	{"§10.4", "globaldata", "gd_cpuid", 72, 4, KindUint, ""},

	// §10.5 struct pgrp.
	sizeof("§10.5", "pgrp", 120),
	{"§10.5", "pgrp", "pg_list", 0, 16, KindStruct, ""},
	{"§10.5", "pgrp", "pg_members", 16, 8, KindStruct, "proclist"},
	{"§10.5", "pgrp", "pg_session", 24, 8, KindPointer, "session"},
	{"§10.5", "pgrp", "pg_id", 40, 4, KindInt, ""},
	{"§10.5", "pgrp", "pg_jobc", 44, 4, KindInt, ""},

	// §10.6 struct session.
	sizeof("§10.6", "session", 104),
	{"§10.6", "session", "s_list", 0, 16, KindStruct, ""},
	{"§10.6", "session", "s_count", 16, 4, KindInt, ""},
	{"§10.6", "session", "s_prg", 24, 8, KindPointer, "procglob"},
	{"§10.6", "session", "s_leader", 32, 8, KindPointer, "proc"},
	{"§10.6", "session", "s_ttyvp", 40, 8, KindPointer, "vnode"},
	{"§10.6", "session", "s_ttyp", 48, 8, KindPointer, "tty"},
	{"§10.6", "session", "s_sid", 56, 4, KindInt, ""},

	// §10.7 struct tty.
	sizeof("§10.7", "tty", 376),
	{"§10.7", "tty", "t_dev", 136, 8, KindPointer, "cdev"},
	{"§10.7", "tty", "t_pgrp", 160, 8, KindPointer, "pgrp"},
	{"§10.7", "tty", "t_session", 168, 8, KindPointer, "session"},

	// §10.8 struct cdev: minor before major.
	sizeof("§10.8", "cdev", 320),
	{"§10.8", "cdev", "si_uminor", 48, 4, KindInt, ""},
	{"§10.8", "cdev", "si_umajor", 52, 4, KindInt, ""},

	// §10.9 struct ucred: cr_ref inside the anonymous __cachealign member.
	sizeof("§10.9", "ucred", 192),
	{"§10.9 anonymous __cachealign member", "ucred", "cr_ref", 0, 8, KindInt, ""},
	{"§10.9", "ucred", "cr_uid", 64, 4, KindUint, ""},
	{"§10.9", "ucred", "cr_ngroups", 68, 2, KindInt, ""},
	{"§10.9", "ucred", "cr_prison", 152, 8, KindPointer, "prison"},
	{"§10.9", "ucred", "cr_ruid", 160, 4, KindUint, ""},
	{"§10.9", "ucred", "cr_svuid", 164, 4, KindUint, ""},
	{"§10.9", "ucred", "cr_rgid", 168, 4, KindUint, ""},
	{"§10.9", "ucred", "cr_svgid", 172, 4, KindUint, ""},

	// §10.10 struct prison.
	{"§10.10", "prison", "pr_id", 16, 4, KindInt, ""},

	// §10.11 struct vmspace (sizeof struct pmap 1096 from §19.4).
	sizeof("§10.11", "vmspace", 1496),
	{"§10.11", "vmspace", "vm_map.size", 80, 8, KindUint, ""},
	{"§10.11 + §19.4 pmap 1096", "vmspace", "vm_pmap", 288, 1096, KindStruct, "pmap"},
	{"§10.11", "vmspace", "vm_pmap.pm_stats.resident_count", 408, 8, KindInt, ""},
	{"§10.11", "vmspace", "vm_swrss", 1408, 8, KindInt, ""},
	{"§10.11", "vmspace", "vm_tsize", 1416, 8, KindInt, ""},
	{"§10.11", "vmspace", "vm_dsize", 1424, 8, KindInt, ""},
	{"§10.11", "vmspace", "vm_ssize", 1432, 8, KindInt, ""},

	// §10.12 struct sigacts.
	sizeof("§10.12", "sigacts", 4232),
	{"§10.12", "sigacts", "ps_sigignore", 4096, 16, KindUnknown, ""},
	{"§10.12", "sigacts", "ps_sigcatch", 4112, 16, KindUnknown, ""},
	{"§10.12", "sigacts", "ps_flag", 4228, 4, KindInt, ""},

	// §10.13 struct pargs.
	{"§10.13", "pargs", "ar_ref", 0, 4, KindUint, ""},
	{"§10.13", "pargs", "ar_length", 4, 4, KindUint, ""},
	{"§10.13", "pargs", "ar_args", 8, -1, KindArray, ""},

	// §10.14 struct procglob (and §9.4: heads at procglob + 64n + 32).
	sizeof("§10.14", "procglob", 64),
	{"§10.14", "procglob", "proc_token", 0, 32, KindStruct, "lwkt_token"},
	{"§10.14", "procglob", "proc_token.t_count", 0, 8, KindInt, ""},
	{"§10.14", "procglob", "proc_token.t_ref", 8, 8, KindPointer, "lwkt_tokref"},
	{"§10.14", "procglob", "proc_token.t_collisions", 16, 8, KindInt, ""},
	{"§10.14", "procglob", "proc_token.t_desc", 24, 8, KindPointer, ""},
	{"§10.14 / §9.4", "procglob", "allproc", 32, 8, KindStruct, "proclist"},
	{"§10.14", "procglob", "allpgrp", 40, 8, KindStruct, "pgrplist"},
	{"§10.14", "procglob", "allsess", 48, 8, KindStruct, "sesslist"},
	{"§10.14", "procglob", "pad01", 56, 8, KindPointer, ""},

	// §10.15 struct pcb (2018+: padxx[7], pcb_cr3_iso, pcb_cr3).
	{"§10.15", "pcb", "padxx", 0, 56, KindArray, ""},
	{"§10.15", "pcb", "pcb_cr3_iso", 56, 8, KindUnknown, ""},
	{"§10.15", "pcb", "pcb_cr3", 64, 8, KindUnknown, ""},

	// §14.1 struct msgbuf (2015-03+ format).
	sizeof("§14.1", "msgbuf", 32),
	{"§14.1", "msgbuf", "msg_magic", 0, 4, KindUint, ""},
	{"§14.1", "msgbuf", "msg_size", 4, 4, KindUint, ""},
	{"§14.1", "msgbuf", "msg_bufx", 8, 4, KindUint, ""},
	{"§14.1", "msgbuf", "msg_bufr", 12, 4, KindUint, ""},
	{"§14.1", "msgbuf", "msg_ptr", 16, 8, KindPointer, ""},
	{"§14.1", "msgbuf", "msg_bufl", 24, 4, KindUint, ""},
	{"§14.1", "msgbuf", "msg_unused01", 28, 4, KindUint, ""},
}

// checkFacts asserts every fact against a layout provider. Facts about a
// member the provider does not list are skipped when partial is true (a
// profile lists only what kdump reads), and reported otherwise.
func checkFacts(t *testing.T, p Provider, facts []specFact, partial bool) (checked int) {
	t.Helper()
	for _, f := range facts {
		name := fmt.Sprintf("%s/%s.%s", f.sec, f.strct, f.path)
		lay, err := p.Layout(f.strct)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if f.path == "" {
			if lay.Size != f.size {
				t.Errorf("%s: sizeof(%s) = %d, spec says %d", f.sec, lay.CName(), lay.Size, f.size)
			}
			checked++
			continue
		}
		got, err := lay.Field(f.path)
		if err != nil {
			if partial && errors.Is(err, ErrNoField) {
				continue
			}
			t.Errorf("%s: %v", name, err)
			continue
		}
		checked++
		if got.Offset != f.off {
			t.Errorf("%s: offset %d, spec says %d", name, got.Offset, f.off)
		}
		if f.size >= 0 && got.Size != f.size {
			t.Errorf("%s: size %d, spec says %d", name, got.Size, f.size)
		}
		if f.kind != KindUnknown && got.Type.Kind != f.kind {
			t.Errorf("%s: kind %v, spec's type says %v", name, got.Type.Kind, f.kind)
		}
		if f.target != "" && got.Type.Target != f.target {
			t.Errorf("%s: target %q, spec says %q", name, got.Type.Target, f.target)
		}
	}
	return checked
}

// TestSpec2020 checks the DWARF of kern-dfly2020 against every 2020 offset
// of the spec.
func TestSpec2020(t *testing.T) {
	n := checkFacts(t, kernel(t, "dfly2020"), spec2020, false)
	if n != len(spec2020) {
		t.Errorf("checked %d of %d facts", n, len(spec2020))
	}
	// §9.4 / §17.7: bucket heads at procglob + 64·n + 32.
	pg := layout(t, kernel(t, "dfly2020"), "procglob")
	if head := 5*pg.Size + field(t, pg, "allproc.lh_first").Offset; head != 64*5+32 {
		t.Errorf("bucket 5 head at +%d, spec §9.4 says %d", head, 64*5+32)
	}
}

// TestSpec2020Profiles checks the built-in 2020 profiles against the same
// spec facts (each fact about a member the profile lists).
func TestSpec2020Profiles(t *testing.T) {
	for _, p := range Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			facts := spec2020
			if p == profileDF58 { // §19.1: 5.8 differs only in sizeof(struct globaldata)
				facts = nil
				for _, f := range spec2020 {
					if f.strct == "globaldata" && f.path == "" {
						f.size = 14784
						f.sec = "§19.1"
					}
					facts = append(facts, f)
				}
			}
			if n := checkFacts(t, p, facts, true); n < 80 {
				t.Errorf("only %d spec facts apply to the profile", n)
			}
		})
	}
}

// eraFacts are the spec's statements about older eras that do not depend on
// i386 (the spec's 2007 numbers are i386 offsets; the sample kernels are
// LP64): member presence and names, order-implied offsets, and the sizes the
// spec gives for x86-64 structures of those eras.
type eraFact struct {
	sec   string
	strct string
	path  string
	off   int64 // -1: presence only
	size  int64 // -1: not stated
}

var eraFacts = map[string][]eraFact{
	"dfly2007": {
		{"§9.2 chain p_list.le_next at 0", "proc", "p_list.le_next", 0, 8},
		{"§10.1 2007: flags field named p_flag", "proc", "p_flag", -1, 4},
		{"§10.1 2007: char p_lock", "proc", "p_lock", -1, 1},
		{"§10.1 2007: separate LIST_ENTRY p_hash", "proc", "p_hash", -1, 16},
		{"§10.1 2007: LWPs on LIST_HEAD p_lwps", "proc", "p_lwps", -1, 8},
		{"§10.1 2007: LIST_HEAD p_lwps", "proc", "p_lwps.lh_first", -1, 8},
		{"§10.2 2007: LIST_ENTRY lwp_list after lwp_procq", "lwp", "lwp_list", 16, 16},
		{"§10.2 2007: lwp_flag", "lwp", "lwp_flag", -1, 4},
		{"§10.2 2007: bsd4.origcpu", "lwp", "lwp_usdata.bsd4.origcpu", -1, -1},
		{"§10.5 2007: first field pg_hash", "pgrp", "pg_hash", 0, 16},
		{"§10.8 2007: udev_t si_udev at offset 4", "cdev", "si_udev", 4, 4},
		{"§10.9 2007: int cr_ref at 0", "ucred", "cr_ref", 0, 4},
		{"§10.15 pcb_cr3 at 64", "pcb", "pcb_cr3", 64, 8},
		{"§14.1 old msgbuf", "msgbuf", "msg_magic", 0, 4},
		{"§14.1 old msgbuf", "msgbuf", "msg_ptr", 16, 8},
	},
	"dfly2009": {
		{"§9.2 chain p_list.le_next at 0", "proc", "p_list.le_next", 0, 8},
		{"§0.3 flags still p_flag before 2011-11", "proc", "p_flag", -1, 4},
		{"§9.5 RB_HEAD p_lwp_tree (24)", "proc", "p_lwp_tree", -1, 24},
		{"§9.5 RB_ENTRY u.lwp_rbnode (32)", "lwp", "u.lwp_rbnode", -1, 32},
		{"§9.5 rbe_left first", "lwp", "u.lwp_rbnode.rbe_left", 16, 8},
		{"§9.5 rbe_right", "lwp", "u.lwp_rbnode.rbe_right", 24, 8},
		{"§9.5 rbe_parent", "lwp", "u.lwp_rbnode.rbe_parent", 32, 8},
		{"§9.5 lwp_reap_entry in union u", "lwp", "u.lwp_reap_entry", 16, 16},
		{"§0.3 lwp_flag before 2011-11", "lwp", "lwp_flag", -1, 4},
		{"§10.5 pgrp chained through pg_hash", "pgrp", "pg_hash", 0, 16},
		{"§10.8 si_uminor before si_umajor (2007-05+)", "cdev", "si_uminor", -1, 4},
		{"§10.15 pcb_cr3 at 64 (padxx[8])", "pcb", "pcb_cr3", 64, 8},
		{"§14.1 old msgbuf", "msgbuf", "msg_ptr", 16, 8},
	},
	"dfly2014": {
		{"§9.3 chain p_list.le_next at 0", "proc", "p_list.le_next", 0, 8},
		{"§0.3 p_flags since 2011-11", "proc", "p_flags", -1, 4},
		{"§0.3 lwp_flags since 2011-11", "lwp", "lwp_flags", -1, 4},
		{"§0.3 lwp_mpflags since 2011-11", "lwp", "lwp_mpflags", -1, 4},
		{"§9.5 RB_HEAD p_lwp_tree (24)", "proc", "p_lwp_tree", -1, 24},
		{"§9.5 RB_ENTRY u.lwp_rbnode (32)", "lwp", "u.lwp_rbnode", 16, 32},
		{"§9.5 rbe_left first", "lwp", "u.lwp_rbnode.rbe_left", 16, 8},
		{"§10.6 s_list (2013 rework)", "session", "s_list", 0, 16},
		{"§10.5 pg_list", "pgrp", "pg_list", 0, 16},
		{"§10.15 pcb_cr3 at 64 (padxx[8])", "pcb", "pcb_cr3", 64, 8},
		{"§14.1 2015-03+ msgbuf", "msgbuf", "msg_magic", 0, 4},
		{"§14.1", "msgbuf", "msg_size", 4, 4},
		{"§14.1", "msgbuf", "msg_bufx", 8, 4},
		{"§14.1", "msgbuf", "msg_bufr", 12, 4},
		{"§14.1", "msgbuf", "msg_ptr", 16, 8},
		{"§14.1", "msgbuf", "msg_bufl", 24, 4},
		{"§14.1", "msgbuf", "msg_unused01", 28, 4},
	},
}

// eraSizes are sizeof facts per era (§8: 8-byte proclist heads; §14.1:
// msgbuf 24 old / 32 new on LP64).
var eraSizes = map[string]map[string]int64{
	"dfly2007": {"proclist": 8, "msgbuf": 24},
	"dfly2009": {"proclist": 8, "msgbuf": 24, "lwp_rb_tree": 24},
	"dfly2014": {"proclist": 8, "msgbuf": 32, "lwp_rb_tree": 24},
}

// eraAbsent are members and structs an era must not have (§0.3, §10).
var eraAbsent = map[string][]string{
	"dfly2007": {"proc.p_flags", "proc.p_lwp_tree", "lwp.lwp_flags", "lwp.u", "cdev.si_umajor", "session.s_list", "struct procglob"},
	"dfly2009": {"proc.p_flags", "proc.p_lwps", "lwp.lwp_mpflags", "cdev.si_udev", "session.s_list", "pgrp.pg_list", "struct procglob"},
	"dfly2014": {"proc.p_flag", "proc.p_lwps", "lwp.lwp_flag", "cdev.si_udev", "struct procglob"},
}

// TestSpecOlderEras checks the era facts of spec §0.3, §8–§10 and §14.1 on
// the 2007, 2009 and 2014 sample kernels.
func TestSpecOlderEras(t *testing.T) {
	for era, facts := range eraFacts {
		t.Run(era, func(t *testing.T) {
			l := kernel(t, era)
			for _, f := range facts {
				lay := layout(t, l, f.strct)
				got, err := lay.Field(f.path)
				if err != nil {
					t.Errorf("%s: %v", f.sec, err)
					continue
				}
				if f.off >= 0 && got.Offset != f.off {
					t.Errorf("%s: %s.%s at %d, want %d", f.sec, f.strct, f.path, got.Offset, f.off)
				}
				if f.size >= 0 && got.Size != f.size {
					t.Errorf("%s: %s.%s size %d, want %d", f.sec, f.strct, f.path, got.Size, f.size)
				}
			}
			for s, n := range eraSizes[era] {
				if got := layout(t, l, s).Size; got != n {
					t.Errorf("sizeof(%s) = %d, want %d", s, got, n)
				}
			}
			for _, a := range eraAbsent[era] {
				if s, ok := cutStruct(a); ok {
					if l.Has(s) {
						t.Errorf("%s: the era should not have %s", era, a)
					}
					continue
				}
				s, p, _ := cutPath(a)
				if layout(t, l, s).Has(p) {
					t.Errorf("%s: the era should not have %s", era, a)
				}
			}
			// Every era chains processes through p_list.le_next at 0 and
			// reads pcb_cr3 at 64 (§9, §10.15).
			if off := field(t, layout(t, l, "proc"), "p_list.le_next").Offset; off != 0 {
				t.Errorf("p_list.le_next at %d", off)
			}
		})
	}
}

func cutStruct(s string) (string, bool) {
	if len(s) > 7 && s[:7] == "struct " {
		return s[7:], true
	}
	return "", false
}

func cutPath(s string) (strct, path string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
