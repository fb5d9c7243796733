package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/internal/samples"
	"github.com/kdump-bsd/kdump/report"
	"github.com/kdump-bsd/kdump/walk/walktest"
)

// TestReportMatchesModel reads the sample process table of every era in
// every container format and compares `kdump report` with the generator's
// model, field by field; all formats of one era must give the same table.
func TestReportMatchesModel(t *testing.T) {
	for _, era := range samples.Kernels() {
		t.Run(era, func(t *testing.T) {
			t.Parallel()
			f := getFixture(t, era, 0)
			m := f.model
			var first, firstFormat string
			for _, fm := range dump.Formats() {
				t.Run(fm.String(), func(t *testing.T) {
					r, _, errs, st := reportOf(t, f.core(fm), f.kernel)
					if st != exitOK || len(r.Warnings) != 0 || errs != "" {
						t.Errorf("status %d, warnings %q, stderr %q; want 0 and none for an intact core", st, fmtWarnings(r.Warnings), errs)
					}
					if r.Core.Format != fm.String() {
						t.Errorf("format %q, want %q", r.Core.Format, fm)
					}
					if r.Kernel.Layout != "dwarf" || r.Kernel.ProcList != m.Era || r.Kernel.LWPs != m.LWPs {
						t.Errorf("layout %q, proc_list %q, lwps %q; the generator laid out %s with %s",
							r.Kernel.Layout, r.Kernel.ProcList, r.Kernel.LWPs, m.Era, m.LWPs)
					}
					compareWithModel(t, m, r)
					got := procsJSON(t, r)
					if first == "" {
						first, firstFormat = got, fm.String()
					} else if diff := cmp.Diff(first, got); diff != "" {
						t.Errorf("%s and %s give different tables (-%[1]s +%[2]s):\n%s", firstFormat, fm, diff)
					}
				})
			}
		})
	}
}

// TestShippedCoreGoldens checks `kdump report` on every shipped core against
// the generator's model, then pins the report and two ps tables with goldens.
// A golden is only compared (or written with -update) once the model agrees,
// so it never just records what the code happens to print.
func TestShippedCoreGoldens(t *testing.T) {
	for _, c := range samples.Cores() {
		t.Run(fmt.Sprint(c.N), func(t *testing.T) {
			_, m, err := c.Machine()
			if err != nil {
				t.Fatal(err)
			}
			core, kern := rel(c.Path()), rel(c.KernelPath())
			out, errs, st := kdump(t, "report", "-M", core, "-N", kern)
			if st != exitOK || errs != "" {
				t.Fatalf("report: status %d, stderr %s", st, errs)
			}
			var r report.Report
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			compareWithModel(t, m, &r)
			compareWarnings(t, m, r.Warnings)
			checkPanic(t, c.Config.Panic, m, &r)

			long, errs, st := kdump(t, "ps", "-axl", "-M", core, "-N", kern)
			if st != exitOK || errs != "" {
				t.Fatalf("ps -axl: status %d, stderr %s", st, errs)
			}
			checkPSRows(t, long, "PID", m.Procs, false)
			threads, errs, st := kdump(t, "ps", "-ax", "-H", "-o", "pid,tid,stat,wchan,comm", "-M", core, "-N", kern)
			if st != exitOK || errs != "" {
				t.Fatalf("ps -H: status %d, stderr %s", st, errs)
			}
			checkPSRows(t, threads, "PID", m.Procs, true)
			if t.Failed() {
				t.Fatal("not comparing goldens: the output disagrees with the model")
			}
			golden(t, fmt.Sprintf("report-%d.json", c.N), out)
			golden(t, fmt.Sprintf("ps-%d-axl.txt", c.N), long)
			golden(t, fmt.Sprintf("ps-%d-H.txt", c.N), threads)
		})
	}
}

// checkPSRows checks that a ps table has one row per modelled process (or,
// with perLWP, per LWP, and one for a process without any), in the model's
// order, by the values of the column headed pidHeader (and TID).
func checkPSRows(t *testing.T, table, pidHeader string, procs []walktest.Proc, perLWP bool) {
	t.Helper()
	var want []string
	for _, p := range procs {
		switch {
		case perLWP && len(p.LWPs) > 0:
			for _, l := range p.LWPs {
				want = append(want, fmt.Sprintf("%d/%d", p.PID, l.TID))
			}
		case perLWP:
			want = append(want, fmt.Sprintf("%d/-", p.PID))
		default:
			want = append(want, fmt.Sprint(p.PID))
		}
	}
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	hdr := strings.Fields(lines[0])
	pidCol, tidCol := slices.Index(hdr, pidHeader), slices.Index(hdr, "TID")
	if pidCol < 0 || (perLWP && tidCol < 0) {
		t.Fatalf("header %q has no %s (and TID) column", lines[0], pidHeader)
	}
	var got []string
	for _, ln := range lines[1:] {
		f := strings.Fields(ln)
		if perLWP {
			got = append(got, f[pidCol]+"/"+f[tidCol])
		} else {
			got = append(got, f[pidCol])
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ps rows (-want +got):\n%s", diff)
	}
}

// TestOptKernelMatches2020 generates the same table (same seed) for the 2020
// kernel and for its build with debug members, whose struct offsets differ
// from the spec's: apart from kernel addresses (struct sizes differ, so
// objects move), the two reports must list the same processes.
func TestOptKernelMatches2020(t *testing.T) {
	var tables [2][]report.Proc
	for i, era := range []string{"dfly2020", "dfly2020opt"} {
		f := getFixture(t, era, 0)
		r, _, errs, st := reportOf(t, f.core(dump.MinidumpDragonFlyV2), f.kernel)
		if st != exitOK {
			t.Fatalf("%s: status %d, stderr %s", era, st, errs)
		}
		tables[i] = withoutAddresses(r.Procs)
	}
	if len(tables[0]) == 0 {
		t.Fatal("no processes")
	}
	if diff := cmp.Diff(tables[0], tables[1]); diff != "" {
		t.Errorf("dfly2020 vs dfly2020opt (-2020 +2020opt):\n%s", diff)
	}
}

// withoutAddresses clears the kernel addresses of a process table (and the
// offsets of wait-channel symbols, which move with struct layouts), keeping
// whether each pointer was set.
func withoutAddresses(procs []report.Proc) []report.Proc {
	out := slices.Clone(procs)
	for i := range out {
		p := &out[i]
		p.Addr = 0
		p.LWPs = slices.Clone(p.LWPs)
		for j := range p.LWPs {
			l := &p.LWPs[j]
			l.Addr = 0
			// Keep whether there is a thread and a wait channel.
			if l.Thread != nil {
				l.Thread = ptr(dump.Addr(0))
			}
			if l.WChan != nil {
				l.WChan = ptr(dump.Addr(0))
			}
			if l.WChanSymbol != nil {
				sym, _, _ := strings.Cut(*l.WChanSymbol, "+")
				l.WChanSymbol = &sym
			}
		}
	}
	return out
}

// TestCompressedCores reads a minidump compressed as savecore -z (and with the
// other supported compressors) and expects the uncompressed core's table.
func TestCompressedCores(t *testing.T) {
	f := getFixture(t, "dfly2020", 0)
	const fm = dump.MinidumpDragonFlyV2
	ref, _, _, _ := reportOf(t, f.core(fm), f.kernel)
	want := procsJSON(t, ref)
	for _, c := range []dump.Compression{dump.Gzip, dump.Zstd, dump.Bzip2} {
		t.Run(string(c), func(t *testing.T) {
			dir := t.TempDir()
			if _, err := f.mc.WriteAllCompressed(dir, c, fm); err != nil {
				t.Fatal(err)
			}
			r, _, errs, st := reportOf(t, filepath.Join(dir, dumptest.FileName(fm, c)), f.kernel)
			if st != exitOK || r.Core.Compression == nil || *r.Core.Compression != string(c) {
				t.Errorf("status %d, compression %v, stderr %q", st, fmtPtr(r.Core.Compression), errs)
			}
			if diff := cmp.Diff(want, procsJSON(t, r)); diff != "" {
				t.Errorf("(-uncompressed +%s):\n%s", c, diff)
			}
		})
	}
}

// TestReportMatchesModelSynthetic adds a few hundred synthetic processes
// (random credentials, sessions and up to dozens of LWPs each, so deep LWP
// trees and long hash chains) to every era's table, in one minidump.
func TestReportMatchesModelSynthetic(t *testing.T) {
	for _, era := range samples.Kernels() {
		t.Run(era, func(t *testing.T) {
			t.Parallel()
			const fm = dump.MinidumpDragonFlyV2
			f := getFixtureKey(t, fixtureKey{era: era, seed: 99, synth: 2000}, []dump.Format{fm})
			r, _, errs, st := reportOf(t, f.core(fm), f.kernel)
			if st != exitOK || len(r.Warnings) != 0 {
				t.Errorf("status %d, warnings %q, stderr %q", st, fmtWarnings(r.Warnings), errs)
			}
			if len(r.Procs) < 2000 {
				t.Errorf("%d processes listed, the model has %d", len(r.Procs), len(f.model.Procs))
			}
			compareWithModel(t, f.model, r)
		})
	}
}

// checkPanic compares the report's panic with the generator: the message it
// wrote to panicstr, the thread dumpthread points to and its LWP and process,
// and the "panic: " line it logged in the message buffer.
func checkPanic(t *testing.T, msg string, m *walktest.Model, r *report.Report) {
	t.Helper()
	if msg == "" {
		if r.Panic != nil {
			t.Errorf("panic = %+v, want null", r.Panic)
		}
		return
	}
	if r.Panic == nil || r.Panic.Message != msg {
		t.Fatalf("panic = %+v, want message %q", r.Panic, msg)
	}
	th := r.Panic.Thread
	if th == nil || th.Addr != m.DumpThread || th.PID == nil || *th.PID != m.PanicPID || th.TID == nil || *th.TID != m.PanicTID {
		t.Errorf("panic thread = %+v, want thread %v of pid %d tid %d", th, m.DumpThread, m.PanicPID, m.PanicTID)
	} else if want := m.Proc(m.PanicPID).Comm; th.Comm != want {
		t.Errorf("panic thread comm = %q, want %q", th.Comm, want)
	}
	if len(r.Panic.Msgbuf) == 0 || r.Panic.Msgbuf[0] != "panic: "+msg {
		t.Errorf("panic msgbuf lines = %q, want them to start with %q", r.Panic.Msgbuf, "panic: "+msg)
	}
	if r.Msgbuf == nil || len(r.Msgbuf.Lines) == 0 {
		t.Errorf("msgbuf = %+v, want the buffer's tail", r.Msgbuf)
	}
}
