package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/walk"
)

// TestReportJSON marshals a small hand-made report and compares it with the
// document written by hand from design.md "The JSON report (kdump/1)".
func TestReportJSON(t *testing.T) {
	match := true
	in := &Info{
		Schema:   Schema,
		Core:     CoreInfo{Path: "vmcore.0", Format: "minidump-dragonfly-v2", Size: 8192, DumpSize: 8192, Arch: "amd64", PagesPresent: 2, BytesPresent: 8192},
		Kernel:   KernelInfo{Path: "kern.0", OS: "DragonFly", Release: "5.8-RELEASE", Version: "DragonFly v5.8.3", VersionMatch: &match},
		Panic:    &Panic{Message: "page fault"},
		Warnings: []Warning{{Kind: WarnFormat, Message: "trailing bytes"}},
	}
	init := Proc{
		Addr: 0xfffff80000100000, List: "procglob[1].allproc",
		PID: ptr(int32(1)), PPID: ptr(int32(0)), PGID: ptr(int32(1)), Jobc: ptr(int32(0)), SID: ptr(int32(1)),
		SessionLeader: ptr(true), CTTY: ptr(false),
		UID: ptr(uint32(0)), RUID: ptr(uint32(0)), SVUID: ptr(uint32(0)), RGID: ptr(uint32(0)), SVGID: ptr(uint32(0)),
		Groups: []uint32{0}, Comm: ptr("init"), Args: []string{"/sbin/init", "--"},
		Stat: ptr("SACTIVE"), Flags: ptr(uint32(16384)), Lock: ptr(int32(0)), XStat: ptr(uint16(0)),
		JailID: ptr(int32(0)), Nice: ptr(0), NThreads: ptr(int32(1)), Login: ptr("root"),
		VM: &VM{MapSize: ptr(uint64(0)), RSS: ptr(int64(0)), TSize: ptr(int64(0)), DSize: ptr(int64(0)), SSize: ptr(int64(0))},
		LWPs: []LWP{{
			Addr: 0xfffff80000200000, TID: ptr(int32(1)), Stat: ptr("LSSLEEP"), Flags: ptr(uint32(0)), CPU: ptr(uint32(0)),
			Prio: ptr(0), TDPrio: ptr(int32(0)), WChan: ptr(dump.Addr(0xfffff80000100000)), WMesg: ptr("wait"), Comm: ptr("init"),
			TDFlags: ptr(uint32(0)), Thread: ptr(dump.Addr(0xfffff80000300000)), CPUTimeUS: ptr(uint64(0)), PctCPU: ptr(0.0),
		}},
		Faults: []Fault{{Field: "ucred.cr_svgid", Addr: 0xfffff800004000ac, Detail: "not dumped"}},
	}
	anoms := []walk.Anomaly{{Kind: walk.Cycle, Addr: 0xfffff80000500000, Message: "allproc loops"}}
	r := NewReport(in, "dwarf", walk.Era{ProcList: walk.Procglob, LWPs: walk.LWPTree}, []Proc{init}, anoms)

	want := `{
  "schema": "kdump/1",
  "core": {"path": "vmcore.0", "format": "minidump-dragonfly-v2", "compression": null, "size": 8192,
    "dump_size": 8192, "sha256": null, "arch": "amd64", "header_version": null, "kernbase": null, "dmap": null,
    "pages_present": 2, "bytes_present": 8192, "page_tables": null, "dump_header": null},
  "kernel": {"path": "kern.0", "os": "DragonFly", "release": "5.8-RELEASE", "version": "DragonFly v5.8.3",
    "version_match": true, "layout": "dwarf", "proc_list": "procglob", "lwps": "p_lwp_tree"},
  "panic": {"message": "page fault"},
  "procs": [{
    "addr": "0xfffff80000100000", "list": "procglob[1].allproc",
    "pid": 1, "ppid": 0, "pgid": 1, "jobc": 0, "sid": 1, "session_leader": true,
    "tpgid": null, "tsid": null, "tdev": null, "tty": null, "ctty": false,
    "uid": 0, "ruid": 0, "svuid": 0, "rgid": 0, "svgid": 0, "groups": [0],
    "comm": "init", "args": ["/sbin/init", "--"], "args_truncated": false,
    "stat": "SACTIVE", "flags": 16384, "lock": 0, "xstat": 0, "jail_id": 0, "nice": 0, "nthreads": 1,
    "login": "root", "start": null,
    "vm": {"map_size": 0, "rss": 0, "tsize": 0, "dsize": 0, "ssize": 0},
    "lwps": [{"addr": "0xfffff80000200000", "tid": 1, "stat": "LSSLEEP", "flags": 0, "cpu": 0,
      "prio": 0, "tdprio": 0, "wchan": "0xfffff80000100000", "wmesg": "wait", "comm": "init",
      "wchan_symbol": null, "mpflags": null, "tdflags": 0, "thread": "0xfffff80000300000",
      "cpu_time_us": 0, "pctcpu": 0, "estcpu": null, "slptime": null}],
    "faults": [{"field": "ucred.cr_svgid", "addr": "0xfffff800004000ac", "detail": "not dumped"}]
  }],
  "msgbuf": null,
  "warnings": [
    {"kind": "format", "addr": null, "message": "trailing bytes"},
    {"kind": "cycle", "addr": "0xfffff80000500000", "message": "allproc loops"}
  ]
}`
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(compactJSON(t, want), string(got)); diff != "" {
		t.Errorf("report JSON (-want +got):\n%s", diff)
	}

	// The members design.md names, in its order (others may come between).
	top := []string{"schema", "core", "kernel", "panic", "procs", "msgbuf", "warnings"}
	proc := []string{"addr", "pid", "ppid", "pgid", "sid", "tpgid", "tsid", "tdev", "tty", "uid", "ruid", "svuid",
		"rgid", "svgid", "groups", "comm", "args", "stat", "flags", "jail_id", "nice", "nthreads", "login", "vm",
		"lwps", "faults"}
	lwp := []string{"addr", "tid", "stat", "flags", "cpu", "prio", "tdprio", "wchan", "wmesg", "comm"}
	checkOrder(t, "report", string(got), top)
	pj, _ := json.Marshal(init)
	checkOrder(t, "proc", string(pj), proc)
	lj, _ := json.Marshal(init.LWPs[0])
	checkOrder(t, "lwp", string(lj), lwp)
}

func compactJSON(t *testing.T, s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("the expected document is not JSON: %v", err)
	}
	// Re-marshalling a map would sort the keys; compact the text instead.
	var b strings.Builder
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' && (i == 0 || s[i-1] != '\\'):
			inStr = !inStr
		case !inStr && (c == ' ' || c == '\n'):
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// checkOrder checks that the top-level keys of the JSON object doc include
// names in this order.
func checkOrder(t *testing.T, what, doc string, names []string) {
	t.Helper()
	var keys []string
	dec := json.NewDecoder(strings.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s is not an object: %v", what, err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	for _, k := range keys {
		if i < len(names) && k == names[i] {
			i++
		}
	}
	if i != len(names) {
		t.Errorf("%s members %v lack %q in design.md's order %v", what, keys, names[i], names)
	}
}

func TestWarnings(t *testing.T) {
	got := Warnings([]walk.Anomaly{
		{Kind: walk.BadLink, Addr: 0x10, Message: "le_prev"},
		{Kind: walk.WrongParent, Addr: 0x20, Message: "lwp_proc"},
		{Kind: walk.Fault, Addr: 0x30, Message: "unreadable"},
		{Kind: walk.Limit, Addr: 0x40, Message: "bound"},
	})
	a := func(v dump.Addr) *dump.Addr { return &v }
	want := []Warning{
		{Kind: "bad-link", Addr: a(0x10), Message: "le_prev"},
		{Kind: "wrong-parent", Addr: a(0x20), Message: "lwp_proc"},
		{Kind: WarnFault, Addr: a(0x30), Message: "unreadable"},
		{Kind: "limit", Addr: a(0x40), Message: "bound"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Warnings (-want +got):\n%s", diff)
	}
	if got := Warnings(nil); got == nil {
		t.Error("Warnings(nil) is nil, want [] so the JSON says []")
	}
}

// TestWriteJSONStreams checks the streamed document is byte for byte what
// encoding/json makes of the whole report, with and without processes.
func TestWriteJSONStreams(t *testing.T) {
	for _, procs := range [][]Proc{nil, sampleProcsForStream()} {
		r := NewReport(&Info{Schema: Schema}, "dwarf", walk.Era{ProcList: walk.Procglob}, procs, []walk.Anomaly{{Kind: walk.Cycle, Addr: 0xffffffff90001000, Message: "m"}})
		want, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := r.WriteJSON(&got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want)+"\n", got.String()); diff != "" {
			t.Errorf("%d procs (-want +got):\n%s", len(procs), diff)
		}
		compact, _ := json.Marshal(r)
		got.Reset()
		if err := r.Encode(&got, EncodeOptions{Compact: true}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(compact)+"\n", got.String()); diff != "" {
			t.Errorf("compact, %d procs (-want +got):\n%s", len(procs), diff)
		}
	}
}

func sampleProcsForStream() []Proc {
	pid, comm := int32(7), "sh"
	return []Proc{
		{Addr: 0xffffffff90000000, PID: &pid, Comm: &comm, Args: []string{"sh", "-c", "x"}},
		{Addr: 0xffffffff90002000, LWPs: []LWP{{Addr: 0xffffffff90003000}}},
	}
}
