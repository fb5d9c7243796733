package main

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/report"
	"github.com/kdump-bsd/kdump/walk/walktest"
)

// damageGoldens names the era and container whose damaged reports are pinned
// with goldens, and the golden's suffix.
var damageGoldens = []struct {
	era    string
	format dump.Format
	suffix string
}{
	{"dfly2020", dump.MinidumpDragonFlyV2, ""},
	{"dfly2007", dump.MinidumpV1, "-dfly2007"},
}

// TestDamagedCores reads each damaged variant of the sample table in every
// container format: the status is 1 where the damage is visible (0 where a
// minidump-only damage is not), every process the model does not count as
// lost is listed and equals the model, and the warnings are the model's.
func TestDamagedCores(t *testing.T) {
	for _, g := range damageGoldens {
		for _, d := range walktest.Damages() {
			t.Run(g.era+"/"+d.String(), func(t *testing.T) {
				t.Parallel()
				f := getFixture(t, g.era, d)
				for _, fm := range dump.Formats() {
					t.Run(fm.String(), func(t *testing.T) {
						m := f.model.ForFormat(fm)
						r, out, errs, st := reportOf(t, f.core(fm), f.kernel)
						if wantSt := statusFor(m); st != wantSt {
							t.Errorf("status %d, want %d; stderr:\n%s", st, wantSt, errs)
						}
						compareWithModel(t, m, r)
						compareWarnings(t, m, r.Warnings)
						if fm == g.format && !t.Failed() {
							golden(t, fmt.Sprintf("report-damage-%s%s.json", d, g.suffix), stablePaths(out))
						}
					})
				}
			})
		}
	}
}

// TestTruncatedCore cuts a minidump to 70% of its size. The expectation is
// computed independently of kdump: walking each process list through the
// writer's oracle for the cut file, every struct proc that lies wholly in the
// surviving part and is reached through surviving ones must be listed, with
// the pid and comm the model gives it; nothing the model does not have may
// appear, and what struct proc itself holds is the model's; the status is 1.
func TestTruncatedCore(t *testing.T) {
	f := getFixture(t, "dfly2020", 0)
	const fm = dump.MinidumpDragonFlyV2
	l := f.layouts[fm]
	full, err := os.ReadFile(f.core(fm))
	if err != nil {
		t.Fatal(err)
	}
	cut := l.FileSize * 7 / 10
	if cut < l.MinSize {
		t.Fatalf("70%% of %d bytes cuts into the headers (%d)", l.FileSize, l.MinSize)
	}
	// In the shared directory, so that the golden's path is stable.
	path := filepath.Join(f.dir, "vmcore.truncated")
	if err := os.WriteFile(path, dumptest.Truncate(full, cut), 0o644); err != nil {
		t.Fatal(err)
	}

	procSize, listOff := structMember(t, f.kernel, "proc", "p_list")
	byAddr := map[dump.Addr]*walktest.Proc{}
	for i := range f.model.Procs {
		byAddr[f.model.Procs[i].Addr] = &f.model.Procs[i]
	}
	var must []dump.Addr
	for _, h := range f.model.Heads {
		b, kind, _ := l.ExpectTruncated(cut, uint64(h.Addr), 8)
		if kind != 0 {
			continue
		}
		seen := map[uint64]bool{}
		for next := binary.LittleEndian.Uint64(b); next != 0 && !seen[next]; {
			seen[next] = true
			b, kind, _ := l.ExpectTruncated(cut, next, procSize)
			if kind != 0 {
				break
			}
			must = append(must, dump.Addr(next))
			next = binary.LittleEndian.Uint64(b[listOff:])
		}
	}
	if len(must) == 0 || len(must) == len(f.model.Procs) {
		t.Fatalf("the cut leaves %d of %d processes wholly readable; pick another cut", len(must), len(f.model.Procs))
	}

	r, out, errs, st := reportOf(t, path, f.kernel)
	if st != exitPartial || len(r.Warnings) == 0 {
		t.Errorf("status %d with %d warnings, want 1 and some; stderr:\n%s", st, len(r.Warnings), errs)
	}
	got := map[dump.Addr]*report.Proc{}
	for i := range r.Procs {
		p := &r.Procs[i]
		got[p.Addr] = p
		if byAddr[p.Addr] == nil {
			t.Errorf("listed a process at %v the model does not have: %+v", p.Addr, p)
		}
	}
	for _, a := range must {
		want, p := byAddr[a], got[a]
		switch {
		case p == nil:
			t.Errorf("pid %d (%s) at %v lies wholly in the surviving part but is not listed", want.PID, want.Comm, a)
		default:
			// What struct proc itself holds must be the model's.
			w := wantProc(*want)
			type own struct {
				PID, NThreads     *int32
				Comm, Stat, Start *string
				Flags             *uint32
				Nice              *int
			}
			if diff := cmp.Diff(
				own{w.PID, w.NThreads, w.Comm, w.Stat, w.Start, w.Flags, w.Nice},
				own{p.PID, p.NThreads, p.Comm, p.Stat, p.Start, p.Flags, p.Nice}); diff != "" {
				t.Errorf("pid %d at %v (-want +got):\n%s", want.PID, a, diff)
			}
		}
	}
	t.Logf("cut at %d of %d bytes: %d processes must be listed, %d are, %d warnings", cut, l.FileSize, len(must), len(r.Procs), len(r.Warnings))
	if !t.Failed() {
		golden(t, "report-damage-truncated.json", stablePaths(out))
	}
}

// TestGarbageHeader overwrites a minidump's header: the core cannot be read
// at all, so the status is 2 and nothing is printed on stdout.
func TestGarbageHeader(t *testing.T) {
	f := getFixture(t, "dfly2020", 0)
	b, err := os.ReadFile(f.core(dump.MinidumpDragonFlyV2))
	if err != nil {
		t.Fatal(err)
	}
	copy(b, bytes.Repeat([]byte("garbage!"), 8))
	path := filepath.Join(t.TempDir(), "vmcore.garbage")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"report"}, {"ps", "-ax"}} {
		out, errs, st := runCLI(append(cmd, "-M", path, "-N", f.kernel)...)
		if st != exitFail || out != "" || !strings.Contains(errs, path) {
			t.Errorf("%s: status %d, stdout %q, stderr %q; want 2, nothing, an error naming the file", cmd[0], st, out, errs)
		}
	}
}

// structMember reads the size of struct sname and the offset of its member
// from the kernel's DWARF with debug/dwarf alone (not package structs).
func structMember(t *testing.T, kernel, sname, member string) (size, off int) {
	t.Helper()
	ef, err := elf.Open(kernel)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	d, err := ef.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	rd := d.Reader()
	for {
		e, err := rd.Next()
		if err != nil || e == nil {
			t.Fatalf("%s: no complete struct %s with member %s (%v)", kernel, sname, member, err)
		}
		if e.Tag != dwarf.TagStructType || e.Val(dwarf.AttrName) != sname || e.Val(dwarf.AttrDeclaration) != nil {
			continue
		}
		ty, err := d.Type(e.Offset)
		if err != nil {
			t.Fatal(err)
		}
		st := ty.(*dwarf.StructType)
		for _, fld := range st.Field {
			if fld.Name == member {
				return int(st.ByteSize), int(fld.ByteOffset)
			}
		}
	}
}

func fmtPtr[T any](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// TestDamagedCoresOtherEras applies each damage to the remaining eras, whose
// process lists and LWP containers are walked differently, in one minidump
// (where every damage shows) and one full dump (where excluded pages do not).
func TestDamagedCoresOtherEras(t *testing.T) {
	formats := []dump.Format{dump.MinidumpDragonFlyV2, dump.ELFFull}
	for _, era := range []string{"dfly2009", "dfly2014", "dfly2020opt"} {
		for _, d := range walktest.Damages() {
			t.Run(era+"/"+d.String(), func(t *testing.T) {
				t.Parallel()
				f := getFixture(t, era, d, formats...)
				for _, fm := range formats {
					t.Run(fm.String(), func(t *testing.T) {
						m := f.model.ForFormat(fm)
						r, _, errs, st := reportOf(t, f.core(fm), f.kernel)
						if wantSt := statusFor(m); st != wantSt {
							t.Errorf("status %d, want %d; stderr:\n%s", st, wantSt, errs)
						}
						compareWithModel(t, m, r)
						compareWarnings(t, m, r.Warnings)
					})
				}
			})
		}
	}
}

// statusFor is the exit status a correct kdump gives for a core of model m:
// 1 when there is anything to warn about, else 0.
func statusFor(m *walktest.Model) int {
	if len(m.Warnings) > 0 {
		return exitPartial
	}
	return exitOK
}
