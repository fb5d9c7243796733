package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
)

// TestStrippedKernel strips the DWARF from the 2020 kernel: the built-in
// profile (forced with --layout, or chosen by itself) and the DWARF of a
// separate debug file (--debug) must give the report the kernel's own DWARF
// gives.
func TestStrippedKernel(t *testing.T) {
	objcopy, err := exec.LookPath("objcopy")
	if err != nil {
		t.Skip("objcopy not found")
	}
	f := getFixture(t, "dfly2020", 0)
	dir := t.TempDir()
	stripped, debug := filepath.Join(dir, "kern.0"), filepath.Join(dir, "kern.0.debug")
	for _, args := range [][]string{
		{"--strip-debug", f.kernel, stripped},
		{"--only-keep-debug", f.kernel, debug},
	} {
		if out, err := exec.Command(objcopy, args...).CombinedOutput(); err != nil {
			t.Fatalf("objcopy %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	core := f.core(dump.MinidumpDragonFlyV2)
	ref, _, _, st := reportOf(t, core, f.kernel)
	if st != exitOK {
		t.Fatalf("DWARF: status %d", st)
	}
	compareWithModel(t, f.model, ref)

	tests := []struct {
		name   string
		args   []string
		layout string // the report's kernel.layout
		note   string // expected on stderr
	}{
		{"--layout", []string{"-N", stripped, "--layout", "dragonfly-2020"}, "", ""},
		{"automatic profile", []string{"-N", stripped}, "", "no DWARF; using the built-in layout profile"},
		{"--debug", []string{"-N", stripped, "--debug", debug}, "dwarf", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"report", "-M", core}, tc.args...)
			out, errs, st := runCLI(args...)
			if st != exitOK || !strings.Contains(errs, tc.note) || (tc.note == "" && errs != "") {
				t.Fatalf("status %d, stderr %q; want 0 and %q", st, errs, tc.note)
			}
			r := decodeReport(t, out)
			if tc.layout != "" && r.Kernel.Layout != tc.layout {
				t.Errorf("layout %q, want %q", r.Kernel.Layout, tc.layout)
			}
			if tc.layout == "" && (r.Kernel.Layout == "dwarf" || r.Kernel.Layout == "") {
				t.Errorf("layout %q, want a profile", r.Kernel.Layout)
			}
			if diff := cmp.Diff(ref.Procs, r.Procs); diff != "" {
				t.Errorf("procs differ from the DWARF report (-dwarf +%s):\n%s", tc.name, diff)
			}
			if diff := cmp.Diff(ref.Warnings, r.Warnings); diff != "" {
				t.Errorf("warnings differ from the DWARF report (-dwarf +%s):\n%s", tc.name, diff)
			}
		})
	}
}
