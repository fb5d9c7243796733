package walktest

// The sample process table: a small DragonFly server at the moment a root
// shell's sysctl(8) panicked it. Processes are listed in creation order (the
// kernel inserts each new process at the head of its list, so this order
// fixes every list); a parent comes before its children.

// credSpec is a struct ucred.
type credSpec struct {
	uid, ruid, svuid, rgid, svgid uint32
	groups                        []uint32
	jailed                        bool
}

var creds = map[string]credSpec{
	"root":   {0, 0, 0, 0, 0, []uint32{0, 5}, false},
	"dhcp":   {65, 65, 65, 65, 65, []uint32{65}, false},
	"smmsp":  {25, 25, 25, 25, 25, []uint32{25}, false},
	"mysql":  {88, 88, 88, 88, 88, []uint32{88}, false},
	"alice":  {1001, 1001, 1001, 1001, 1001, []uint32{1001, 0, 5}, false},
	"bob":    {1002, 1002, 1002, 1002, 1002, []uint32{1002, 20}, false},
	"su":     {0, 1001, 0, 1001, 0, []uint32{1001, 0, 5}, false},
	"jroot":  {0, 0, 0, 0, 0, []uint32{0}, true},
	"jwww":   {80, 80, 80, 80, 80, []uint32{80}, true},
	"kernel": {0, 0, 0, 0, 0, []uint32{0}, false}, // ucred0
}

// wchan kinds: "" none, "sym:NAME" a kernel global (pause_wchan is indexed by
// cpu), "self" the process itself (wait), "tty" the controlling tty,
// "heap:NAME" a heap object shared by name.
type lwpSpec struct {
	tid     int32
	stat    string // LSRUN LSSTOP LSSLEEP
	runq    bool   // on the LWKT run queue (TDF_RUNQ) and the user run queue
	running bool   // the current thread of its cpu (TDF_RUNNING|TDF_RUNQ)
	exiting bool   // a zombie's last LWP (TDF_EXITING)
	wmesg   string
	wchan   string
	cpu     int32
	prio    int16 // lwp_usdata.bsd4.priority
	tdpri   int32
	comm    string // td_comm; "" means the process's p_comm
	flags   uint32 // LWP_* flags other than the run-queue bit
}

type vmSpec struct {
	mapSize        uint64 // bytes
	rss            uint64 // pages
	tsz, dsz, ssz  uint64 // pages
	none           bool   // p_vmspace NULL
	kernelVmspace0 bool
}

type procSpec struct {
	pid, ppid, oppid int32 // ppid -1: no parent
	pgid, sid        int32
	comm             string
	args             []string // nil: no argument cache
	parentArgs       bool     // shares the parent's pargs (a fork in progress)
	cred             string
	stat             string
	flags            uint32
	nice             int8
	vm               vmSpec
	start            int64 // seconds after boot
	lwps             []lwpSpec
	system           bool // P_SYSTEM: proc0's cred, vmspace, pgrp and session
	xstat            uint16
}

type sessSpec struct {
	login string
	tty   string // "" no controlling tty
	fg    int32  // the tty's foreground pgrp
}

type ttySpec struct{ major, minor uint32 }

var ttys = map[string]ttySpec{
	"ttyv0": {12, 0}, "ttyv1": {12, 1}, "ttyp0": {5, 0}, "ttyp1": {5, 1},
}

var sessions = map[int32]sessSpec{
	0:    {login: ""},
	1:    {login: "root"},
	270:  {login: "root"},
	312:  {login: "root"},
	388:  {login: "root"},
	512:  {login: "root"},
	601:  {login: "root"},
	640:  {login: "root"},
	655:  {login: "root"},
	700:  {login: "root", tty: "ttyv1", fg: 700},
	702:  {login: "alice", tty: "ttyv0", fg: 900},
	730:  {login: "root"},
	1100: {login: "root"},
	1201: {login: "bob"},
	1204: {login: "bob", tty: "ttyp0", fg: 1300},
	1398: {login: "alice"},
	1400: {login: "alice", tty: "ttyp1", fg: 806},
}

// Flag values (spec §12); the ones used here are equal in every era.
const (
	pControlT = 0x2
	pSUGID    = 0x100
	pSystem   = 0x200
	pTraced   = 0x800
	pWExit    = 0x2000
	pExec     = 0x4000
	pJailed   = 0x1000000

	lwpSINTR     = 0x8
	lwpSelect    = 0x10
	lwpOnRunq    = 0x20 // lwp_flag, before 2011-11
	lwpMPOnRunq  = 0x1  // lwp_mpflags, 2011-11+
	tdfRunning   = 0x1
	tdfRunq      = 0x2
	tdfSINTR     = 0x40
	tdfTSleepQ   = 0x80
	tdfSysThread = 0x100
	tdfExiting   = 0x400000
)

func sleeping(tid int32, wmesg, wchan string, cpu int32) lwpSpec {
	return lwpSpec{tid: tid, stat: "LSSLEEP", wmesg: wmesg, wchan: wchan, cpu: cpu,
		prio: 152, tdpri: 24, flags: lwpSINTR}
}

func one(wmesg, wchan string, cpu int32) []lwpSpec {
	return []lwpSpec{sleeping(1, wmesg, wchan, cpu)}
}

func kproc(wmesg, wchan string, cpu int32) []lwpSpec {
	l := sleeping(0, wmesg, wchan, cpu)
	l.prio, l.tdpri, l.flags = 0, 12, 0
	return []lwpSpec{l}
}

var (
	vmKernel = vmSpec{kernelVmspace0: true}
	vmSmall  = vmSpec{mapSize: 12 << 20, rss: 310, tsz: 40, dsz: 24, ssz: 32}
	vmShell  = vmSpec{mapSize: 9 << 20, rss: 260, tsz: 52, dsz: 16, ssz: 32}
	vmDaemon = vmSpec{mapSize: 18 << 20, rss: 540, tsz: 96, dsz: 64, ssz: 32}
	vmBig    = vmSpec{mapSize: 1900 << 20, rss: 98304, tsz: 4096, dsz: 8192, ssz: 256}
	vmZombie = vmSpec{}
)

// mysqldLWPs returns the 40 threads of the database server: tids with gaps
// (threads come and go), several cpus and wait channels, one runnable.
func mysqldLWPs() []lwpSpec {
	waits := []struct{ wmesg, wchan string }{
		{"kqread", "heap:mysqld-kq"}, {"umtxn", "heap:mysqld-umtx"}, {"select", "heap:selwait"},
		{"nanslp", "sym:pause_wchan"}, {"condvar_wait", "heap:mysqld-cv"},
	}
	names := []string{"mysqld", "ib_io_rd", "ib_io_wr", "ib_srv_purge", "connection"}
	var out []lwpSpec
	tid := int32(0)
	for i := 0; i < 40; i++ {
		tid++
		if i%3 == 2 {
			tid++ // an exited thread's tid
		}
		w := waits[i%len(waits)]
		l := sleeping(tid, w.wmesg, w.wchan, int32(i%4))
		l.comm = names[i%len(names)]
		l.prio = int16(140 + i%20)
		if i == 11 {
			l.stat, l.runq, l.wmesg, l.wchan = "LSRUN", true, "", ""
		}
		out = append(out, l)
	}
	return out
}

func sampleTable() []procSpec {
	cc1 := lwpSpec{tid: 1, stat: "LSRUN", runq: true, cpu: 2, prio: 160, tdpri: 20}
	grep := lwpSpec{tid: 1, stat: "LSRUN", cpu: 3, prio: 156, tdpri: 20} // on no run queue
	sysctl := lwpSpec{tid: 1, stat: "LSRUN", running: true, cpu: 1, prio: 128, tdpri: 20}
	traced := lwpSpec{tid: 1, stat: "LSSTOP", cpu: 0, prio: 152, tdpri: 20}
	zombie := lwpSpec{tid: 1, stat: "LSRUN", exiting: true, cpu: 2, prio: 152, tdpri: 20}
	httpdWorker := []lwpSpec{
		sleeping(1, "kqread", "heap:httpd-kq", 0),
		sleeping(2, "umtxn", "heap:httpd-umtx", 1),
		sleeping(4, "condvar_wait", "heap:httpd-cv", 3),
	}
	return []procSpec{
		{pid: 0, ppid: -1, pgid: 0, sid: 0, comm: "swapper", cred: "kernel", stat: "SACTIVE",
			system: true, vm: vmKernel, lwps: kproc("sched", "sym:proc0", 0)},
		{pid: 1, ppid: 0, pgid: 1, sid: 1, comm: "init", args: []string{"/sbin/init", "--"}, cred: "root",
			stat: "SACTIVE", flags: pExec, vm: vmSmall, start: 1, lwps: one("wait", "self", 0)},
		{pid: 2, ppid: 0, comm: "pagedaemon", cred: "kernel", stat: "SACTIVE", system: true, vm: vmKernel,
			start: 1, lwps: kproc("psleep", "heap:vm_pages_needed", 0)},
		{pid: 3, ppid: 0, comm: "vmdaemon", cred: "kernel", stat: "SACTIVE", system: true, vm: vmKernel,
			start: 1, lwps: kproc("psleep", "heap:vm_daemon_needed", 1)},
		{pid: 4, ppid: 0, comm: "bufdaemon", cred: "kernel", stat: "SACTIVE", system: true, vm: vmKernel,
			start: 1, lwps: kproc("psleep", "heap:bd_request", 2)},
		{pid: 5, ppid: 0, comm: "syncer", cred: "kernel", stat: "SACTIVE", system: true, vm: vmKernel,
			start: 1, lwps: kproc("syncer", "sym:lbolt_syncer", 3)},
		{pid: 6, ppid: 0, comm: "vnlru", cred: "kernel", stat: "SACTIVE", system: true, vm: vmKernel,
			start: 1, lwps: kproc("vlruwt", "heap:vnlru_proc", 0)},
		{pid: 270, ppid: 1, pgid: 270, sid: 270, comm: "devd", args: []string{"/sbin/devd"}, cred: "root",
			stat: "SACTIVE", flags: pExec, vm: vmDaemon, start: 4, lwps: one("select", "heap:selwait", 1)},
		{pid: 312, ppid: 1, pgid: 312, sid: 312, comm: "syslogd", args: []string{"/usr/sbin/syslogd", "-ss"},
			cred: "root", stat: "SACTIVE", flags: pExec, vm: vmDaemon, start: 5, lwps: one("select", "heap:selwait", 2)},
		{pid: 388, ppid: 1, pgid: 388, sid: 388, comm: "dhclient", args: []string{"dhclient: em0"}, cred: "dhcp",
			stat: "SACTIVE", flags: pExec, vm: vmSmall, start: 6, lwps: one("select", "heap:selwait", 3)},
		{pid: 512, ppid: 1, pgid: 512, sid: 512, comm: "dntpd", args: []string{"/usr/sbin/dntpd"}, cred: "root",
			stat: "SACTIVE", flags: pExec, nice: -10, vm: vmSmall, start: 7, lwps: one("nanslp", "sym:pause_wchan", 2)},
		{pid: 601, ppid: 1, pgid: 601, sid: 601, comm: "sshd", args: []string{"/usr/sbin/sshd"}, cred: "root",
			stat: "SACTIVE", flags: pExec, vm: vmDaemon, start: 8, lwps: one("select", "heap:selwait", 0)},
		{pid: 640, ppid: 1, pgid: 640, sid: 640, comm: "cron", args: []string{"/usr/sbin/cron", "-s"}, cred: "root",
			stat: "SACTIVE", flags: pExec, vm: vmSmall, start: 8, lwps: one("nanslp", "sym:pause_wchan", 0)},
		{pid: 655, ppid: 1, pgid: 655, sid: 655, comm: "sendmail", cred: "smmsp", stat: "SACTIVE", flags: pExec,
			args: []string{"sendmail: Queue runner@00:30:00 for /var/spool/clientmqueue (sendmail)"},
			vm:   vmDaemon, start: 9, lwps: one("select", "heap:selwait", 1)},
		{pid: 700, ppid: 1, pgid: 700, sid: 700, comm: "getty", args: []string{"/usr/libexec/getty", "Pc", "ttyv1"},
			cred: "root", stat: "SACTIVE", flags: pExec, vm: vmSmall, start: 10, lwps: one("ttyin", "tty", 3)},
		{pid: 702, ppid: 1, pgid: 702, sid: 702, comm: "login", args: []string{"login", "-p", "alice"}, cred: "root",
			stat: "SACTIVE", flags: pExec, vm: vmSmall, start: 10, lwps: one("wait", "self", 1)},
		{pid: 715, ppid: 702, pgid: 715, sid: 702, comm: "csh", args: []string{"-csh"}, cred: "alice",
			stat: "SACTIVE", flags: pExec, vm: vmShell, start: 40, lwps: one("wait", "self", 2)},
		{pid: 730, ppid: 1, pgid: 730, sid: 730, comm: "httpd", args: []string{"/usr/local/sbin/httpd", "-DNOHTTPACCEPT"},
			cred: "jroot", stat: "SACTIVE", flags: pExec | pJailed, vm: vmDaemon, start: 12, lwps: one("select", "heap:selwait", 0)},
		{pid: 731, ppid: 730, pgid: 730, sid: 730, comm: "httpd", args: []string{"/usr/local/sbin/httpd", "-DNOHTTPACCEPT"},
			cred: "jwww", stat: "SACTIVE", flags: pJailed, vm: vmDaemon, start: 13, lwps: one("kqread", "heap:httpd-kq", 1)},
		{pid: 732, ppid: 730, pgid: 730, sid: 730, comm: "httpd", args: []string{"/usr/local/sbin/httpd", "-DNOHTTPACCEPT"},
			cred: "jwww", stat: "SACTIVE", flags: pJailed, vm: vmDaemon, start: 13, lwps: httpdWorker},
		{pid: 880, ppid: 715, pgid: 880, sid: 702, comm: "sleep", args: []string{"sleep", "1000"}, cred: "alice",
			stat: "SACTIVE", flags: pExec, vm: vmSmall, start: 60, lwps: one("nanslp", "sym:pause_wchan", 1)},
		{pid: 900, ppid: 715, pgid: 900, sid: 702, comm: "top", args: []string{"top"}, cred: "alice",
			stat: "SACTIVE", flags: pExec, nice: 0, vm: vmSmall, start: 62, lwps: one("select", "heap:selwait", 0)},
		{pid: 1100, ppid: 1, pgid: 1100, sid: 1100, comm: "mysqld", cred: "mysql", stat: "SACTIVE", flags: pExec,
			args: nil, // argv longer than ps_arg_cache_limit: no cache
			vm:   vmBig, start: 15, lwps: mysqldLWPs()},
		{pid: 1201, ppid: 601, pgid: 1201, sid: 1201, comm: "sshd", args: []string{"sshd: bob [priv]"}, cred: "root",
			stat: "SACTIVE", vm: vmDaemon, start: 100, lwps: one("select", "heap:selwait", 2)},
		{pid: 1203, ppid: 1201, pgid: 1201, sid: 1201, comm: "sshd", args: []string{"sshd: bob@ttyp0"}, cred: "bob",
			stat: "SACTIVE", flags: pSUGID, vm: vmDaemon, start: 101, lwps: one("select", "heap:selwait", 3)},
		{pid: 1204, ppid: 1203, pgid: 1204, sid: 1204, comm: "sh", args: []string{"-sh"}, cred: "bob",
			stat: "SACTIVE", flags: pExec, vm: vmShell, start: 101, lwps: one("wait", "self", 0)},
		{pid: 1290, ppid: 1204, pgid: 1290, sid: 1204, comm: "make", args: []string{"make", "-j4", "buildkernel"},
			cred: "bob", stat: "SACTIVE", flags: pExec, nice: 5, vm: vmSmall, start: 130, lwps: one("wait", "self", 1)},
		{pid: 1300, ppid: 1204, pgid: 1300, sid: 1204, comm: "grep", args: []string{"grep", "-i", "error", "/var/log/messages"},
			cred: "bob", stat: "SACTIVE", flags: pExec, vm: vmSmall, start: 140, lwps: []lwpSpec{grep}},
		{pid: 1301, ppid: 1204, pgid: 1300, sid: 1204, comm: "less", args: []string{"less"}, cred: "bob",
			stat: "SACTIVE", flags: pExec, vm: vmSmall, start: 140, lwps: one("ttyin", "tty", 2)},
		{pid: 1320, ppid: 1290, pgid: 1290, sid: 1204, comm: "cc1",
			args: []string{"/usr/libexec/gcc80/cc1", "-quiet", "-O2", "-pipe", "kern_proc.c"}, cred: "bob",
			stat: "SACTIVE", flags: pExec, nice: 5, vm: vmDaemon, start: 150, lwps: []lwpSpec{cc1}},
		{pid: 1322, ppid: 1290, pgid: 1290, sid: 1204, comm: "cc", args: []string{"cc", "-c", "kern_exit.c"},
			cred: "bob", stat: "SZOMB", flags: pExec | pWExit, nice: 5, vm: vmZombie, start: 151, xstat: 0,
			lwps: []lwpSpec{zombie}},
		{pid: 1323, ppid: 1290, pgid: 1290, sid: 1204, comm: "make", parentArgs: true, cred: "bob",
			stat: "SIDL", nice: 5, vm: vmSpec{none: true}, start: 152},
		{pid: 1325, ppid: 1290, pgid: 1290, sid: 1204, comm: "sh", args: []string{"/bin/sh", "-ec", "true"},
			cred: "bob", stat: "SZOMB", flags: pExec | pWExit, nice: 5, vm: vmZombie, start: 152, xstat: 0x100,
			lwps: []lwpSpec{zombie}},
		{pid: 1398, ppid: 601, pgid: 1398, sid: 1398, comm: "sshd", args: []string{"sshd: alice [priv]"}, cred: "root",
			stat: "SACTIVE", vm: vmDaemon, start: 200, lwps: one("select", "heap:selwait", 1)},
		{pid: 1399, ppid: 1398, pgid: 1398, sid: 1398, comm: "sshd", args: []string{"sshd: alice@ttyp1"}, cred: "alice",
			stat: "SACTIVE", flags: pSUGID, vm: vmDaemon, start: 201, lwps: one("select", "heap:selwait", 2)},
		{pid: 1400, ppid: 1399, pgid: 1400, sid: 1400, comm: "tcsh", args: []string{"-tcsh"}, cred: "alice",
			stat: "SACTIVE", flags: pExec, vm: vmShell, start: 201, lwps: one("pause", "self", 3)},
		{pid: 1450, ppid: 1400, pgid: 1450, sid: 1400, comm: "su", args: []string{"su", "-"}, cred: "su",
			stat: "SACTIVE", flags: pExec | pSUGID, vm: vmSmall, start: 210, lwps: one("wait", "self", 0)},
		{pid: 1451, ppid: 1450, pgid: 1451, sid: 1400, comm: "csh", args: []string{"-su"}, cred: "root",
			stat: "SACTIVE", flags: pExec, vm: vmShell, start: 211, lwps: one("wait", "self", 1)},
		{pid: 1460, ppid: 1451, pgid: 1460, sid: 1400, comm: "gdb", args: []string{"gdb", "-p", "1716"}, cred: "root",
			stat: "SACTIVE", flags: pExec, vm: vmDaemon, start: 230, lwps: one("wait", "self", 2)},
		{pid: 1716, ppid: 1460, oppid: 1451, pgid: 1716, sid: 1400, comm: "a.out", args: []string{"./a.out"},
			cred: "root", stat: "SSTOP", flags: pExec | pTraced, vm: vmSmall, start: 232, lwps: []lwpSpec{traced}},
		{pid: 806, ppid: 1451, pgid: 806, sid: 1400, comm: "sysctl", args: []string{"sysctl", "debug.panic=1"},
			cred: "root", stat: "SACTIVE", flags: pExec, vm: vmSmall, start: 300, lwps: []lwpSpec{sysctl}},
	}
}

// The panicking process (dumpthread is its thread) and the victims of the
// damage variants.
const (
	panicPID       = 806
	cycleBucketPID = 1204 // its list (bucket 180 holds 1204, 1460, 1716) gets the cycle
	wrongParentPID = 1100 // one of its LWPs points to init
	wrongParentTID = 9
	danglingPID    = 640  // p_ucred points into a heap hole
	missingProcPID = 1322 // its page is excluded from minidumps (a zombie: nothing behind it)
	missingLWPPID  = 312  // its only LWP's page is excluded from minidumps
	bootTime       = 1595640000
)
