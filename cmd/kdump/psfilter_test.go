package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/walk/walktest"
)

// TestPSFilters runs ps's selection options through the CLI and checks the
// rows against the processes the model says match.
func TestPSFilters(t *testing.T) {
	f := getFixture(t, "dfly2020", 0)
	m := f.model
	core := f.core(dump.MinidumpDragonFlyV2)
	hasUID := func(uids ...uint32) func(p *walktest.Proc) bool {
		return func(p *walktest.Proc) bool { return p.UID != nil && slices.Contains(uids, *p.UID) }
	}
	onTTY := func(name string) func(p *walktest.Proc) bool {
		return func(p *walktest.Proc) bool { return p.TTY != nil && *p.TTY == name }
	}
	tests := []struct {
		name  string
		args  []string
		match func(p *walktest.Proc) bool
	}{
		{"default: a controlling tty only", nil, func(p *walktest.Proc) bool { return p.TTY != nil }},
		{"-x: all", []string{"-x"}, func(*walktest.Proc) bool { return true }},
		{"-ax: all", []string{"-ax"}, func(*walktest.Proc) bool { return true }},
		{"--pid repeated", []string{"--pid", "1", "--pid", "640"}, pids(1, 640)},
		{"--pid list", []string{"--pid", "1100,0,806"}, pids(0, 806, 1100)},
		{"--pid no such", []string{"--pid", "99999"}, pids()},
		{"--uid", []string{"--uid", "1001"}, hasUID(1001)},
		{"--uid repeated", []string{"--uid", "80", "--uid", "88"}, hasUID(80, 88)},
		{"--pgrp", []string{"--pgrp", "1290"}, func(p *walktest.Proc) bool { return p.PGID == 1290 }},
		{"--sid repeated", []string{"--sid", "1204", "--sid", "1400"},
			func(p *walktest.Proc) bool { return p.SID == 1204 || p.SID == 1400 }},
		{"--tty short", []string{"--tty", "p0"}, onTTY("ttyp0")},
		{"--tty full and short", []string{"--tty", "ttyv0", "--tty", "p1"},
			func(p *walktest.Proc) bool { return onTTY("ttyv0")(p) || onTTY("ttyp1")(p) }},
		{"--tty none", []string{"--tty", "-"}, func(p *walktest.Proc) bool { return p.TTY == nil }},
		{"kinds combine", []string{"--uid", "1002", "--tty", "p0"},
			func(p *walktest.Proc) bool { return hasUID(1002)(p) && onTTY("ttyp0")(p) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"ps", "-M", core, "-N", f.kernel, "-o", "pid", "--no-header"}, tc.args...)
			out, errs, st := runCLI(args...)
			if st != exitOK {
				t.Fatalf("status %d, stderr %s", st, errs)
			}
			want := []string{}
			for i := range m.Procs {
				if tc.match(&m.Procs[i]) {
					want = append(want, fmt.Sprint(m.Procs[i].PID))
				}
			}
			if len(want) == 0 && tc.name != "--pid no such" {
				t.Fatal("the model has no matching process: the case tests nothing")
			}
			if diff := cmp.Diff(want, strings.Fields(out)); diff != "" {
				t.Errorf("pids (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("-H", func(t *testing.T) {
		p := m.Proc(1100)
		if p == nil || len(p.LWPs) < 2 {
			t.Fatal("the model has no multi-threaded pid 1100")
		}
		out, errs, st := runCLI("ps", "-M", core, "-N", f.kernel, "-H", "--pid", "1100")
		if st != exitOK {
			t.Fatalf("status %d, stderr %s", st, errs)
		}
		checkPSRows(t, out, "PID", []walktest.Proc{*p}, true)
		out, _, _ = runCLI("ps", "-M", core, "-N", f.kernel, "--pid", "1100")
		checkPSRows(t, out, "PID", []walktest.Proc{*p}, false)
	})

	for _, bad := range []string{"bogus", "pid,bogus,comm"} {
		t.Run("-o "+bad, func(t *testing.T) {
			out, errs, st := runCLI("ps", "-M", core, "-N", f.kernel, "-o", bad)
			if st != exitFail || out != "" || !strings.Contains(errs, "bogus") {
				t.Errorf("status %d, stdout %q, stderr %q; want 2 and an error naming the keyword", st, out, errs)
			}
		})
	}
}

func pids(want ...int32) func(p *walktest.Proc) bool {
	return func(p *walktest.Proc) bool { return slices.Contains(want, p.PID) }
}

// TestPSJSON checks that `ps --json` prints the report's processes, filtered
// as the table would be, and that without filters it lists them all (the
// tty-only default of the table does not apply to JSON).
func TestPSJSON(t *testing.T) {
	f := getFixture(t, "dfly2020", 0)
	core := f.core(dump.MinidumpDragonFlyV2)
	ref, _, _, _ := reportOf(t, core, f.kernel)
	for _, tc := range []struct {
		name string
		args []string
		pids []int32
	}{
		{"all", nil, nil},
		{"--pid", []string{"--pid", "1100", "--pid", "1"}, []int32{1, 1100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, st := runCLI(append([]string{"ps", "--json", "-M", core, "-N", f.kernel}, tc.args...)...)
			if st != exitOK {
				t.Fatalf("status %d, stderr %s", st, errs)
			}
			want := ref.Procs
			if tc.pids != nil {
				want = nil
				for _, p := range ref.Procs {
					if slices.Contains(tc.pids, *p.PID) {
						want = append(want, p)
					}
				}
			}
			if diff := cmp.Diff(want, decodeReport(t, out).Procs); diff != "" {
				t.Errorf("ps --json procs (-report +ps):\n%s", diff)
			}
		})
	}
}
