package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// psSample is a small process table made by hand, the way Procs reports it.
func psSample() []Proc {
	i32 := func(v int32) *int32 { return &v }
	u32 := func(v uint32) *uint32 { return &v }
	str := func(s string) *string { return &s }
	b := func(v bool) *bool { return &v }
	active := str("SACTIVE")
	return []Proc{
		{ // the swapper: a system process in an uninterruptible wait
			Addr: 0xffffffff80e00000, PID: i32(0), PGID: i32(0), SID: i32(0), SessionLeader: b(true),
			UID: u32(0), Comm: str("swapper"), Stat: active, Flags: u32(pSystem), Nice: ptr(0),
			LWPs: []LWP{{TID: i32(0), Stat: str("LSSLEEP"), Flags: u32(0), TDFlags: u32(0), CPU: u32(0),
				Prio: ptr(0), EstCPU: i32(0), WMesg: str("sched"), CPUTimeUS: ptr(uint64(0)), PctCPU: ptr(0.0)}},
		},
		{ // init: idle for 25 s
			Addr: 0xfffff80000100000, PID: i32(1), PPID: i32(0), PGID: i32(1), SID: i32(1), SessionLeader: b(true),
			UID: u32(0), Comm: str("init"), Args: []string{"/sbin/init", "--"}, Stat: active, Flags: u32(0x4000), Nice: ptr(0),
			LWPs: []LWP{{TID: i32(1), Stat: str("LSSLEEP"), Flags: u32(lwpSINTR), SlpTime: u32(25), TDFlags: u32(0x80),
				CPU: u32(1), WMesg: str("wait"), CPUTimeUS: ptr(uint64(1234567)), PctCPU: ptr(0.0)}},
		},
		{ // sysctl running in the foreground on ttyp3
			Addr: 0xfffff80001000000, PID: i32(806), PPID: i32(800), PGID: i32(806), SID: i32(800),
			SessionLeader: b(false), TPGID: i32(806), TSID: i32(800), TDev: u32(0x503), TTY: str("ttyp3"), CTTY: b(true),
			UID: u32(1001), Comm: str("sysctl"), Args: []string{"sysctl", "-a"}, Stat: active,
			Flags: u32(pControlT | 0x4000), Nice: ptr(0),
			VM: &VM{MapSize: ptr(uint64(10 << 20)), RSS: ptr(int64(1228800))},
			LWPs: []LWP{{TID: i32(1), Stat: str("LSRUN"), TDFlags: u32(tdfRunning), CPU: u32(2), Prio: ptr(100),
				EstCPU: i32(300), CPUTimeUS: ptr(uint64(125500000)), PctCPU: ptr(50.0)}},
		},
		{ // a jailed, niced daemon that rewrote its title
			Addr: 0xfffff80001100000, PID: i32(1234), Comm: str("nginx"), Args: []string{"nginx: worker process"},
			Stat: active, Flags: u32(pJailed), Nice: ptr(5), JailID: i32(3),
			LWPs: []LWP{{TID: i32(1), Stat: str("LSSLEEP"), Flags: u32(lwpSINTR), SlpTime: u32(3), CPU: u32(3),
				CPUTimeUS: ptr(uint64(6000000000)), PctCPU: ptr(0.5)}},
		},
		{ // a zombie whose session lost its terminal
			Addr: 0xfffff80001200000, PID: i32(1300), PGID: i32(1300), TPGID: i32(1301), TTY: str("ttyv0"),
			CTTY: b(false), Comm: str("sh"), Stat: str("SZOMB"), Flags: u32(pControlT), Nice: ptr(0), LWPs: []LWP{},
		},
		{ // two threads on the console
			Addr: 0xfffff80001300000, PID: i32(100000), TTY: str("console"), CTTY: b(true), Comm: str("sh"),
			Args: []string{"/bin/sh", "-c", "x"}, Stat: active, Flags: u32(pControlT), Nice: ptr(0),
			LWPs: []LWP{
				{TID: i32(1), Stat: str("LSSLEEP"), TDFlags: u32(tdfSINTR), CPU: u32(0), WMesg: str("ttyin"),
					CPUTimeUS: ptr(uint64(1000000)), PctCPU: ptr(1.0)},
				{TID: i32(2), Stat: str("LSRUN"), TDFlags: u32(0), CPU: u32(1),
					CPUTimeUS: ptr(uint64(183840000000)), PctCPU: ptr(2.5)},
			},
		},
	}
}

func pick(procs []Proc, pids ...int32) []Proc {
	var out []Proc
	for _, p := range procs {
		for _, pid := range pids {
			if p.PID != nil && *p.PID == pid {
				out = append(out, p)
			}
		}
	}
	return out
}

// The expected tables are written from DragonFly's bin/ps rules: widths from
// keyword.c (PID 5, TT 2 under a 3-letter header, STAT 6, TIME 9, COMMAND
// 16), numbers right-justified, one blank between columns.
func TestWritePS(t *testing.T) {
	all := psSample()
	tests := []struct {
		name  string
		specs []string
		tid   bool
		procs []Proc
		opt   PSOptions
		want  []string
	}{
		{
			name: "default format", specs: []string{DefaultFormat}, procs: all, opt: PSOptions{Header: true},
			want: []string{
				"   PID TT  STAT        TIME COMMAND", // PID widened to 6 by pid 100000
				"     0 ??  D0Ls     0:00.00 (swapper)",
				"     1 ??  I1s      0:01.23 /sbin/init --",
				"   806 p3  R2+      2:05.50 sysctl -a",
				"  1234 ??  S3NJ     1:40:00 nginx: worker process (nginx)",
				"  1300 v0- Z        0:00.00 (sh)",
				"100000 co  S0       2d03:04 /bin/sh -c x", // TIME sums both LWPs
			},
		},
		{
			name: "long format", specs: []string{LongFormat}, procs: pick(all, 0, 806), opt: PSOptions{Header: true},
			want: []string{
				"  UID   PID  PPID CPU PRI  NI    VSZ    RSS WCHAN    STAT   TT       TIME COMMAND",
				"    0     0     -   0   0   0      -      - sched    D0Ls   ??    0:00.00 (swapper)",
				" 1001   806   800   2 100   0  10240   1200 -        R2+    p3    2:05.50 sysctl -a",
			},
		},
		{
			name: "one line per LWP", specs: []string{"pid,tid,state,time,wchan"}, procs: pick(all, 100000),
			opt: PSOptions{Header: true, PerLWP: true},
			want: []string{
				"   PID   TID STAT        TIME WCHAN",
				"100000     1 S0       0:01.00 ttyin",
				"100000     2 RQ1      2d03:04 -",
			},
		},
		{
			name: "-H inserts tid after pid", specs: []string{DefaultFormat}, tid: true, procs: pick(all, 806),
			opt: PSOptions{Header: true, PerLWP: true},
			want: []string{
				"  PID   TID TT  STAT        TIME COMMAND",
				"  806     1 p3  R2+      2:05.50 sysctl -a",
			},
		},
		{
			name: "a command column that is not last is cut", specs: []string{"pid,command=CMD,ucomm"},
			procs: pick(all, 1234), opt: PSOptions{Header: true},
			want: []string{
				"  PID CMD              UCOMM",
				" 1234 nginx: worker pr nginx",
			},
		},
		{
			name: "the last command is cut to the terminal", specs: []string{DefaultFormat}, procs: pick(all, 1234),
			opt:  PSOptions{Width: 40}, // 40 - (43 - 16) = 13 columns left
			want: []string{" 1234 ??  S3NJ     1:40:00 nginx: worker"},
		},
		{
			name: "no header line when every header is empty", specs: []string{"pid=,comm="}, procs: pick(all, 1),
			opt:  PSOptions{Header: true},
			want: []string{"    1 init"},
		},
		{
			name: "unknown values", specs: []string{"pid,ppid,uid,user,vsz,tt,tty,tdev,login,state,time,%cpu,%mem"},
			procs: []Proc{{Addr: 0x1000, LWPs: []LWP{}}}, opt: PSOptions{Header: true},
			want: []string{
				"  PID  PPID   UID USER    VSZ TT  TTY      TDEV LOGIN                            STAT        TIME %CPU %MEM",
				"    -     -     - -         - ??  ??         ?? -                                ?        0:00.00  0.0    -",
			},
		},
		{
			name: "user and %cpu", specs: []string{UserFormat}, procs: pick(all, 806, 100000),
			opt: PSOptions{Header: true, Now: time.Date(2020, 9, 13, 20, 0, 0, 0, time.UTC)},
			want: []string{
				"USER    PID %CPU %MEM    VSZ    RSS TT  STAT   STARTED      TIME COMMAND",
				"1001    806 50.0    -  10240   1200 p3  R2+    -         2:05.50 sysctl -a",
				"-    100000  3.5    -      -      - co  S0     -         2d03:04 /bin/sh -c x",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols, err := PSColumns(tt.specs)
			if err != nil {
				t.Fatal(err)
			}
			if tt.tid {
				cols = InsertTID(cols)
			}
			var buf bytes.Buffer
			if err := WritePS(&buf, tt.procs, cols, tt.opt); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("WritePS (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStateLetters(t *testing.T) {
	u32 := func(v uint32) *uint32 { return &v }
	str := func(s string) *string { return &s }
	sleeping := func(flags, tdflags, slp uint32) *LWP {
		return &LWP{Stat: str("LSSLEEP"), Flags: u32(flags), TDFlags: u32(tdflags), SlpTime: u32(slp), CPU: u32(4)}
	}
	running := func(tdflags *uint32) *LWP { return &LWP{Stat: str("LSRUN"), TDFlags: tdflags, CPU: u32(0)} }
	active := func(flags uint32) Proc { return Proc{Stat: str("SACTIVE"), Flags: u32(flags)} }
	tests := []struct {
		name string
		p    Proc
		l    *LWP
		want string
	}{
		{"stopped", Proc{Stat: str("SSTOP")}, sleeping(0, 0, 0), "T"},
		{"short interruptible sleep", active(0), sleeping(lwpSINTR, 0, 19), "S4"},
		{"idle after MAXSLP seconds", active(0), sleeping(lwpSINTR, 0, 20), "I4"},
		{"interruptible LWKT wait", active(0), sleeping(0, tdfSINTR, 99), "S4"},
		{"uninterruptible wait", active(0), sleeping(0, 0, 99), "D4"},
		{"running", active(0), running(u32(tdfRunning)), "R0"},
		{"on the run queue", active(0), running(u32(tdfRunQ)), "R0"},
		{"runnable, on no queue", active(0), running(u32(0)), "RQ0"},
		{"thread flags unknown", active(0), running(nil), "R0"},
		{"cpu unknown", active(0), &LWP{Stat: str("LSRUN"), TDFlags: u32(tdfRunning)}, "R"},
		{"stopped LWP", active(0), &LWP{Stat: str("LSSTOP"), CPU: u32(1)}, "T"},
		{"active without LWPs", active(0), nil, "?"},
		{"zombie exiting", Proc{Stat: str("SZOMB"), Flags: u32(pWExit)}, nil, "Z"},
		{"exiting", active(pWExit), running(u32(tdfRunning)), "R0E"},
		{"SIDL", Proc{Stat: str("SIDL")}, nil, "?"},
		{"unknown p_stat", Proc{}, nil, "?"},
		{"niced", Proc{Stat: str("SACTIVE"), Nice: ptr(5)}, running(u32(tdfRunning)), "R0N"},
		{"locked", Proc{Stat: str("SACTIVE"), Lock: ptr(int32(1))}, running(u32(tdfRunning)), "R0L"},
		{"background job", Proc{Stat: str("SACTIVE"), Flags: u32(pControlT), PGID: ptr(int32(5)), TPGID: ptr(int32(6))},
			running(u32(tdfRunning)), "R0"},
		{"every flag, in print.c order",
			Proc{Stat: str("SACTIVE"), Flags: u32(pSwappedOut | pTraced | pWExit | pPPWait | pSystem | pJailed | pControlT),
				Nice: ptr(-5), SessionLeader: ptr(true), PGID: ptr(int32(5)), TPGID: ptr(int32(5))},
			running(u32(tdfRunning)), "R0W<XEVLJs+"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stateLetters(&tt.p, tt.l); got != tt.want {
				t.Errorf("stateLetters = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCPUTime(t *testing.T) {
	tests := []struct {
		us   uint64
		want string
	}{
		{0, "  0:00.00"},
		{4999, "  0:00.00"},
		{5000, "  0:00.01"}, // rounded to hundredths
		{995000, "  0:01.00"},
		{59995000, "  1:00.00"},
		{5999994999, " 99:59.99"},
		{5999995000, " 1:40:00"}, // 100 minutes: h:mm:ss
		{86399 * 1000000, "23:59:59"},
		{86400 * 1000000, "  1d00:00"}, // a day: DdHH:MM
		{1000 * 86400 * 1000000, "1000d00:00"},
	}
	for _, tt := range tests {
		if got := cpuTime(tt.us); got != tt.want {
			t.Errorf("cpuTime(%d) = %q, want %q", tt.us, got, tt.want)
		}
	}
}

func TestStartColumns(t *testing.T) {
	start := "2020-09-13T12:26:40.123456Z"
	p := []Proc{{Start: &start, LWPs: []LWP{}}}
	tests := []struct {
		spec string
		now  time.Time
		want string
	}{
		{"start", time.Date(2020, 9, 13, 20, 0, 0, 0, time.UTC), "12:26PM"},
		{"start", time.Date(2020, 9, 15, 0, 0, 0, 0, time.UTC), "Sun12PM"},
		{"start", time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), "13Sep20"},
		{"start", time.Time{}, "13Sep20"},
		{"lstart", time.Time{}, "Sun Sep 13 12:26:40 2020"},
	}
	for _, tt := range tests {
		cols, err := PSColumns([]string{tt.spec})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WritePS(&buf, p, cols, PSOptions{Now: tt.now}); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(buf.String(), "\n"); got != tt.want {
			t.Errorf("%s at %v = %q, want %q", tt.spec, tt.now, got, tt.want)
		}
	}
}

func TestPSColumns(t *testing.T) {
	type col struct{ Keyword, Header string }
	tests := []struct {
		name    string
		specs   []string
		want    []col
		wantErr string
	}{
		{name: "aliases", specs: []string{"stat,comm,args,sid,ni,cputime,flags,vsize,pcpu,jid,lwp,nthreads,tsid,addr"},
			want: []col{{"state", "STAT  "}, {"ucomm", "UCOMM"}, {"command", "COMMAND"}, {"sess", "SESS"}, {"nice", "NI"},
				{"time", "TIME"}, {"f", "F"}, {"vsz", "VSZ"}, {"%cpu", "%CPU"}, {"jail", "JAIL"}, {"tid", "TID"},
				{"nlwp", "NLWP"}, {"tsess", "TSESS"}, {"paddr", "PADDR"}}},
		{name: "separators and several lists", specs: []string{"pid, tt\tstat", "time"},
			want: []col{{"pid", "PID"}, {"tt", "TT "}, {"state", "STAT  "}, {"time", "TIME"}}},
		{name: "renamed and emptied headers", specs: []string{"pid=P,tty=,stat=S"},
			want: []col{{"pid", "P"}, {"tty", ""}, {"state", "S"}}},
		{name: "the jobs preset", specs: []string{JobsFormat},
			want: []col{{"user", "USER"}, {"pid", "PID"}, {"ppid", "PPID"}, {"pgid", "PGID"}, {"sess", "SESS"},
				{"jobc", "JOBC"}, {"state", "STAT  "}, {"tt", "TT "}, {"time", "TIME"}, {"command", "COMMAND"}}},
		{name: "unknown keyword", specs: []string{"pid,bogus"}, wantErr: `unknown keyword "bogus"`},
		{name: "keywords are case-sensitive", specs: []string{"PID"}, wantErr: `unknown keyword "PID"`},
		{name: "no keyword before =", specs: []string{"=X"}, wantErr: `no keyword before '='`},
		{name: "nothing", specs: []string{" , "}, wantErr: "no keywords"},
		{name: "no list", specs: nil, wantErr: "no keywords"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols, err := PSColumns(tt.specs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("PSColumns(%q) error = %v, want one containing %q", tt.specs, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []col
			for _, c := range cols {
				got = append(got, col{c.Keyword, c.Header})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PSColumns (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInsertTID(t *testing.T) {
	for _, tt := range []struct{ spec, want string }{
		{"pid,tt,state", "pid tid tt state"},
		{"tt,state", "tt state"},
	} {
		cols, _ := PSColumns([]string{tt.spec})
		var got []string
		for _, c := range InsertTID(cols) {
			got = append(got, c.Keyword)
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("InsertTID(%s) = %s, want %s", tt.spec, g, tt.want)
		}
	}
}

func TestPSEscapesDumpStrings(t *testing.T) {
	evil := "x\x1b[2Jy"
	p := []Proc{{PID: ptr(int32(1)), Comm: &evil, Args: []string{"a\nb"}, LWPs: []LWP{{WMesg: &evil}}}}
	cols, _ := PSColumns([]string{"pid,wchan,ucomm,command"})
	var buf bytes.Buffer
	if err := WritePS(&buf, p, cols, PSOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); strings.ContainsAny(got[:len(got)-1], "\x1b\n") {
		t.Errorf("WritePS let control bytes through: %q", got)
	}
}
