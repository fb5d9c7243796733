package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/report"
	"github.com/kdump-bsd/kdump/walk/walktest"
)

// The report fields the generator's model does not know; every other field
// of report.Proc and report.LWP is compared.
var ignoreUnmodelled = cmp.Options{
	cmpopts.IgnoreFields(report.Proc{}, "CTTY", "Lock", "XStat", "Faults"),
	cmpopts.IgnoreFields(report.LWP{}, "MPFlags", "CPUTimeUS", "PctCPU", "EstCPU", "SlpTime"),
}

// wantProc turns a model process into the report.Proc a correct kdump
// prints for it (design.md "kdump/1": sentinels become null, sizes bytes).
func wantProc(p walktest.Proc) report.Proc {
	r := report.Proc{
		Addr: p.Addr, List: p.Head,
		PID: ptr(p.PID), PGID: ptr(p.PGID), Jobc: ptr(p.Jobc), SID: ptr(p.SID),
		SessionLeader: ptr(p.SessionLeader),
		TPGID:         noSentinel(p.TPGID), TSID: noSentinel(p.TSID), TDev: p.TDev, TTY: p.TTY,
		UID: p.UID, RUID: p.RUID, SVUID: p.SVUID, RGID: p.RGID, SVGID: p.SVGID,
		Groups: p.Groups, JailID: p.JailID,
		Comm: ptr(p.Comm), Args: p.Args, Stat: ptr(p.Stat), Flags: ptr(p.Flags),
		Nice: ptr(int(p.Nice)), NThreads: ptr(p.NThreads), Login: ptr(p.Login),
		Start: startTime(p.Start),
		LWPs:  []report.LWP{},
	}
	if p.PPID != -1 {
		r.PPID = ptr(p.PPID)
	}
	if v := p.VM; v != nil {
		r.VM = &report.VM{MapSize: ptr(v.MapSize), RSS: ptr(int64(v.RSS)),
			TSize: ptr(int64(v.TSize)), DSize: ptr(int64(v.DSize)), SSize: ptr(int64(v.SSize))}
	}
	for _, l := range p.LWPs {
		w := report.LWP{
			Addr: l.Addr, TID: ptr(l.TID), Stat: ptr(l.Stat), Flags: ptr(l.Flags),
			CPU: ptr(uint32(l.CPU)), Prio: ptr(int(l.Prio)), TDPrio: ptr(l.TDPrio),
			WMesg: l.WMesg, Comm: l.Comm, TDFlags: ptr(l.TDFlags), Thread: ptr(l.Thread),
		}
		if l.WChan != 0 {
			w.WChan = ptr(l.WChan)
		}
		if l.WChanSym != "" {
			w.WChanSymbol = ptr(l.WChanSym)
		}
		r.LWPs = append(r.LWPs, w)
	}
	return r
}

func noSentinel(v *int32) *int32 {
	if v == nil || *v == -1 {
		return nil
	}
	return v
}

// compareWithModel checks the process table of r against the model m: the
// same processes in the same order, each equal field by field where the model
// knows the field. Processes the model marks as unreadable in part
// (Unreadable) must carry faults; all others none.
func compareWithModel(t *testing.T, m *walktest.Model, r *report.Report) {
	t.Helper()
	want := make([]report.Proc, len(m.Procs))
	for i, p := range m.Procs {
		want[i] = wantProc(p)
	}
	if diff := cmp.Diff(want, r.Procs, ignoreUnmodelled); diff != "" {
		t.Errorf("procs differ from the model (-want +got):\n%s", diff)
	}
	byAddr := map[dump.Addr]*report.Proc{}
	for i := range r.Procs {
		byAddr[r.Procs[i].Addr] = &r.Procs[i]
	}
	for _, p := range m.Procs {
		got := byAddr[p.Addr]
		switch {
		case got == nil:
		case len(p.Unreadable) == 0 && len(got.Faults) != 0:
			t.Errorf("pid %d: faults %+v, the model has none", p.PID, got.Faults)
		case len(p.Unreadable) != 0 && len(got.Faults) == 0:
			t.Errorf("pid %d: no faults, the model says %v cannot be read", p.PID, p.Unreadable)
		}
	}
}

// compareWarnings checks that every warning the model requires is in ws
// (same kind and address), and that ws holds nothing the model does not
// allow.
func compareWarnings(t *testing.T, m *walktest.Model, ws []report.Warning) {
	t.Helper()
	type kindAddr struct {
		Kind string
		Addr dump.Addr
	}
	var got []kindAddr
	for _, w := range ws {
		ka := kindAddr{Kind: w.Kind}
		if w.Addr != nil {
			ka.Addr = *w.Addr
		}
		got = append(got, ka)
	}
	allowed := map[kindAddr]bool{}
	for _, w := range m.Warnings {
		ka := kindAddr{w.Kind, w.Addr}
		allowed[ka] = true
		if !w.Optional && !slices.Contains(got, ka) {
			t.Errorf("missing warning %s at %#x (%s); got %+v", w.Kind, uint64(w.Addr), w.What, fmtWarnings(ws))
		}
	}
	for i, ka := range got {
		if !allowed[ka] {
			t.Errorf("unexpected warning %s at %#x: %s", ka.Kind, uint64(ka.Addr), ws[i].Message)
		}
	}
}

func fmtWarnings(ws []report.Warning) []string {
	var s []string
	for _, w := range ws {
		a := "-"
		if w.Addr != nil {
			a = w.Addr.String()
		}
		s = append(s, fmt.Sprintf("%s@%s: %s", w.Kind, a, w.Message))
	}
	return s
}

func ptr[T any](v T) *T { return &v }
