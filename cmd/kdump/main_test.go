package main

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/internal/samples"
	"github.com/kdump-bsd/kdump/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

// kdump runs the CLI in-process with paths relative to the module root, so goldens
// hold stable paths.
func kdump(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(samples.Root()); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	status = run(args, &out, &errb)
	return out.String(), errb.String(), status
}

func rel(path string) string {
	r, err := filepath.Rel(samples.Root(), path)
	if err != nil {
		return path
	}
	return r
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// TestInfoShippedCores checks `kdump info` on every shipped core: the facts
// against the generator's own model, then the whole output against a golden.
func TestInfoShippedCores(t *testing.T) {
	for _, c := range samples.Cores() {
		t.Run(fmt.Sprint(c.N), func(t *testing.T) {
			mc, m, l, err := c.Generate(new(bytes.Buffer))
			if err != nil {
				t.Fatal(err)
			}
			out, errs, st := kdump(t, "info", "--json", "-M", rel(c.Path()), "-N", rel(c.KernelPath()))
			if st != exitOK {
				t.Fatalf("status %d, stderr %s", st, errs)
			}
			var in report.Info
			if err := json.Unmarshal([]byte(out), &in); err != nil {
				t.Fatal(err)
			}
			// Independent facts: the model's format, page count, panic, version.
			if in.Schema != "kdump/1" || in.Core.Format != c.Format.String() || in.Core.Compression == nil || *in.Core.Compression != "gzip" {
				t.Errorf("schema/format/compression = %q %q %v", in.Schema, in.Core.Format, in.Core.Compression)
			}
			if in.Core.PagesPresent != uint64(l.NumPages) {
				t.Errorf("pages_present = %d, the writer wrote %d", in.Core.PagesPresent, l.NumPages)
			}
			if in.Kernel.VersionMatch == nil || !*in.Kernel.VersionMatch || in.Kernel.Version != strings.TrimRight(mc.Version, "\n") {
				t.Errorf("version = %q match %v, want %q", in.Kernel.Version, in.Kernel.VersionMatch, mc.Version)
			}
			switch {
			case c.Config.Panic == "" && in.Panic != nil:
				t.Errorf("panic = %+v, want null", in.Panic)
			case c.Config.Panic != "" && (in.Panic == nil || in.Panic.Message != c.Config.Panic):
				t.Errorf("panic = %+v, want %q", in.Panic, c.Config.Panic)
			}
			if c.Format.IsMinidump() && (in.Core.DMAP == nil || in.Core.DMAP.Start != dump.Addr(l.Options.DMAPBase) || in.Core.DMAP.End != dump.Addr(l.Options.DMAPEnd)) {
				t.Errorf("dmap = %+v, want [%#x, %#x)", in.Core.DMAP, l.Options.DMAPBase, l.Options.DMAPEnd)
			}
			if c.Config.Panic != "" {
				if th := in.Panic.Thread; th == nil || th.PID == nil || *th.PID != m.PanicPID || th.TID == nil || *th.TID != m.PanicTID || th.Addr != m.DumpThread {
					t.Errorf("panic thread = %+v, want pid %d tid %d thread %v", th, m.PanicPID, m.PanicTID, m.DumpThread)
				}
			}
			if in.Kernel.Layout != "dwarf" || in.Kernel.ProcList != m.Era || in.Kernel.LWPs != m.LWPs {
				t.Errorf("layout %q, proc_list %q, lwps %q; the generator laid out %s with %s", in.Kernel.Layout, in.Kernel.ProcList, in.Kernel.LWPs, m.Era, m.LWPs)
			}
			if c.Format == dump.ELFFull && (in.Core.PageTables == nil || in.Core.PageTables.PML4 != dump.Addr(mc.PML4)) {
				t.Errorf("page_tables = %+v, want PML4 %#x", in.Core.PageTables, mc.PML4)
			}
			golden(t, fmt.Sprintf("info-%d.json", c.N), out)
			text, _, st := kdump(t, "info", "-M", rel(c.Path()), "-N", rel(c.KernelPath()))
			if st != exitOK {
				t.Fatalf("text: status %d", st)
			}
			golden(t, fmt.Sprintf("info-%d.txt", c.N), text)
		})
	}
}

// TestInfoWrongKernel pairs a core with another era's kernel: the version check
// must say so, and the status is 1.
func TestInfoWrongKernel(t *testing.T) {
	cs := samples.Cores()
	out, errs, st := kdump(t, "info", "-M", rel(cs[0].Path()), "-N", rel(cs[1].KernelPath()))
	if st != exitPartial || !strings.Contains(out, "version check: MISMATCH") || !strings.Contains(out, "does not match the core") {
		t.Errorf("status %d\nstdout:\n%s\nstderr:\n%s", st, out, errs)
	}
}

func TestNlist(t *testing.T) {
	c := samples.Cores()[0]
	f, err := elf.Open(c.KernelPath())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, _ := f.Symbols()
	value := map[string]uint64{}
	for _, s := range syms {
		value[s.Name] = s.Value
	}
	out, errs, st := kdump(t, "nlist", "-N", rel(c.KernelPath()), "_procglob", "kernbase", "version", "_nosuchsym")
	if st != exitPartial || !strings.Contains(errs, "_nosuchsym: no such symbol") {
		t.Errorf("status %d, stderr %q", st, errs)
	}
	want := fmt.Sprintf("%016x b _procglob\n%016x A kernbase\n%016x D version\n", value["procglob"], value["kernbase"], value["version"])
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("nlist (-want +got):\n%s", diff)
	}
}

func TestRead(t *testing.T) {
	c := samples.Cores()[0]
	mc, _, err := c.Machine()
	if err != nil {
		t.Fatal(err)
	}
	kern := rel(c.KernelPath())
	core := rel(c.Path())
	versionVA := mc.Symbols["version"]
	wantBytes, err := mc.Memory.ReadVirt(versionVA, 32)
	if err != nil {
		t.Fatal(err)
	}

	out, errs, st := kdump(t, "read", "-M", core, "-N", kern, "--raw", "version", "32")
	if st != exitOK || out != string(wantBytes) {
		t.Errorf("--raw version 32: status %d, %q, stderr %s; want %q", st, out, errs, wantBytes)
	}
	// The same bytes by address, by symbol+offset and physically.
	for _, args := range [][]string{
		{fmt.Sprintf("%#x", versionVA), "32"},
		{"version+0x10", "16"},
		{"--phys", fmt.Sprintf("%#x", versionVA-0xffffffff80000000), "32"},
		{"--phys", "version", "32"},
	} {
		out, errs, st := kdump(t, append([]string{"read", "-M", core, "-N", kern, "--raw"}, args...)...)
		want := wantBytes
		if args[0] == "version+0x10" {
			want = wantBytes[16:]
		}
		if st != exitOK || out != string(want) {
			t.Errorf("%v: status %d, %q, stderr %s", args, st, out, errs)
		}
	}

	out, _, st = kdump(t, "read", "-M", core, "-N", kern, "version", "40")
	if st != exitOK {
		t.Fatalf("hexdump: status %d", st)
	}
	golden(t, "read-version.txt", out)

	// An unmapped address: nothing printed, the fault named, status 1.
	_, errs, st = kdump(t, "read", "-M", core, "-N", kern, "0xffff900000000000", "8")
	if st != exitPartial || !strings.Contains(errs, "kernel address 0xffff900000000000: unmapped") {
		t.Errorf("unmapped read: status %d, stderr %q", st, errs)
	}
	// A read running off the end of a heap hole stops there.
	hole := mc.HeapHoles[0][0]
	out, errs, st = kdump(t, "read", "-M", core, "-N", kern, "--raw", fmt.Sprintf("%#x", hole-8), "16")
	if st != exitPartial || len(out) != 8 || !strings.Contains(errs, fmt.Sprintf("%#x: unmapped", hole)) {
		t.Errorf("read into a hole: status %d, %d bytes, stderr %q", st, len(out), errs)
	}
}

func TestUsageAndBadInput(t *testing.T) {
	c := samples.Cores()[0]
	garbage := filepath.Join(t.TempDir(), "vmcore.9")
	os.WriteFile(garbage, bytes.Repeat([]byte("not a dump "), 1000), 0o444)
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"no command", nil, exitFail, ""},
		{"unknown command", []string{"frobnicate"}, exitFail, `unknown command "frobnicate"`},
		{"info without -M", []string{"info", "-N", rel(c.KernelPath())}, exitFail, "need -M CORE and -N KERNEL"},
		{"bad flag", []string{"info", "--bogus"}, exitFail, "unknown flag: --bogus"},
		{"missing core", []string{"info", "-M", "nonexistent.core", "-N", rel(c.KernelPath())}, exitFail, "nonexistent.core"},
		{"garbage core", []string{"info", "-M", garbage, "-N", rel(c.KernelPath())}, exitFail, "not a recognized dump"},
		{"kernel as core", []string{"info", "-M", rel(c.KernelPath()), "-N", rel(c.KernelPath())}, exitFail, "not a core"},
		{"core as kernel", []string{"nlist", "-N", rel(c.Path()), "version"}, exitFail, rel(c.Path())},
		{"read bad symbol", []string{"read", "-M", rel(c.Path()), "-N", rel(c.KernelPath()), "nosuch+8"}, exitFail, "nosuch: no such symbol"},
		{"read bad length", []string{"read", "-M", rel(c.Path()), "-N", rel(c.KernelPath()), "version", "zero"}, exitFail, "want a positive number"},
		{"help", []string{"--help"}, exitOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, st := kdump(t, tc.args...)
			if st != tc.status || !strings.Contains(errs, tc.stderr) {
				t.Errorf("status %d (want %d), stderr %q (want %q)", st, tc.status, errs, tc.stderr)
			}
		})
	}
}

// TestReadmeQuickStart runs the README's first Quick start command (the main job
// on a shipped core), so the README cannot drift from what works.
func TestReadmeQuickStart(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(samples.Root(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "## Quick start")
	if !ok {
		t.Fatal("README.md has no Quick start section")
	}
	_, rest, _ = strings.Cut(rest, "```")
	_, rest, _ = strings.Cut(rest, "\n")
	block, _, _ := strings.Cut(rest, "```")
	lines := strings.Split(strings.TrimSpace(block), "\n")
	if len(lines) != 2 || lines[1] != "go test ./..." {
		t.Fatalf("Quick start block = %q, want two commands, the second `go test ./...`", lines)
	}
	args, ok := strings.CutPrefix(lines[0], "go run ./cmd/kdump ")
	if !ok {
		t.Fatalf("first command %q does not run ./cmd/kdump", lines[0])
	}
	out, errs, st := kdump(t, strings.Fields(args)...)
	if st != exitOK || out == "" {
		t.Errorf("%s: status %d, stderr %s", lines[0], st, errs)
	}
}

// TestReportHash checks the report's SHA-256 against one computed here over
// the file's bytes, and that --no-hash leaves it null.
func TestReportHash(t *testing.T) {
	c := samples.Cores()[0]
	raw, err := os.ReadFile(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%x", sha256.Sum256(raw))
	for _, tc := range []struct {
		args []string
		want *string
	}{{nil, &want}, {[]string{"--no-hash"}, nil}} {
		out, errs, st := kdump(t, append([]string{"report", "-M", rel(c.Path()), "-N", rel(c.KernelPath())}, tc.args...)...)
		if st != exitOK {
			t.Fatalf("%v: status %d, %s", tc.args, st, errs)
		}
		var r report.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, r.Core.SHA256); diff != "" {
			t.Errorf("%v: sha256 (-want +got):\n%s", tc.args, diff)
		}
	}
}
