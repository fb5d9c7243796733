package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/internal/samples"
)

// batchCLI runs kdump in-process and returns stdout, stderr and the status.
func batchCLI(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	st := run(args, &out, &errb)
	return out.String(), errb.String(), st
}

// batchDir makes a savecore directory: the shipped cores (vmcore.N.gz,
// kern.N), a garbage vmcore.9 with a good kern.9, and vmcore.8, the first
// 3,000,000 bytes of core 0 expanded, with kern.8.
func batchDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	cp := func(src, dst string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cores := samples.Cores()
	for _, c := range cores {
		cp(c.Path(), filepath.Base(c.Path()))
		cp(c.KernelPath(), filepath.Base(c.KernelPath()))
	}
	garbage := bytes.Repeat([]byte("not a dump "), 1000)
	if err := os.WriteFile(filepath.Join(dir, "vmcore.9"), garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	cp(cores[0].KernelPath(), "kern.9")
	f, err := os.Open(cores[0].Path())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var head bytes.Buffer
	if _, err := io.CopyN(&head, zr, 3000000); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vmcore.8"), head.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cp(cores[0].KernelPath(), "kern.8")
	return dir
}

// records parses JSON Lines by core.path; every line must parse and name
// a core once.
func records(t *testing.T, data string) map[string]string {
	t.Helper()
	if data != "" && !strings.HasSuffix(data, "\n") {
		t.Fatalf("output does not end with a newline: ...%q", data[max(0, len(data)-40):])
	}
	m := map[string]string{}
	for i, line := range strings.Split(strings.TrimSuffix(data, "\n"), "\n") {
		if line == "" {
			continue
		}
		var r struct {
			Core struct{ Path string } `json:"core"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d is not JSON: %v", i+1, err)
		}
		if _, dup := m[r.Core.Path]; dup {
			t.Errorf("core %s has two records", r.Core.Path)
		}
		m[r.Core.Path] = line
	}
	return m
}

// The summary line, e.g. "batch: 7 cores, 5 ok, 1 with warnings, 1 failed, 0.3 s".
var summaryRE = regexp.MustCompile(`(?m)^batch: (\d+ cores.*), \d+\.\d s$`)

func summaryOf(t *testing.T, stderr string) string {
	t.Helper()
	m := summaryRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no summary line in stderr:\n%s", stderr)
	}
	return m[1]
}

// TestBatch runs a batch over the savecore directory and checks every
// record against `kdump report` of the same core.
func TestBatch(t *testing.T) {
	dir := batchDir(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	stdout, stderr, st := batchCLI("batch", "-j", "2", "-o", out, dir)
	if st != exitPartial {
		t.Errorf("status %d, want %d (one core failed); stderr:\n%s", st, exitPartial, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout without --group-by: %q", stdout)
	}
	if got, want := summaryOf(t, stderr), "7 cores, 5 ok, 1 with warnings, 1 failed"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, string(data))
	var want []string
	for _, c := range samples.Cores() {
		want = append(want, filepath.Join(dir, filepath.Base(c.Path())))
	}
	want = append(want, filepath.Join(dir, "vmcore.8"), filepath.Join(dir, "vmcore.9"))
	if diff := cmp.Diff(want, slices.Sorted(mapsKeys(recs))); diff != "" {
		t.Fatalf("cores (-want +got):\n%s", diff)
	}

	for _, c := range append(samples.Cores()[:0:0], samples.Cores()...) {
		core := filepath.Join(dir, filepath.Base(c.Path()))
		t.Run(filepath.Base(core), func(t *testing.T) {
			wantLine := compactReport(t, core, filepath.Join(dir, filepath.Base(c.KernelPath())))
			if diff := cmp.Diff(wantLine, recs[core]); diff != "" {
				t.Errorf("batch line differs from kdump report (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("truncated", func(t *testing.T) {
		core := filepath.Join(dir, "vmcore.8")
		if diff := cmp.Diff(compactReport(t, core, filepath.Join(dir, "kern.8")), recs[core]); diff != "" {
			t.Errorf("batch line differs from kdump report (-want +got):\n%s", diff)
		}
		var r struct{ Warnings []struct{ Kind string } }
		json.Unmarshal([]byte(recs[core]), &r)
		if len(r.Warnings) == 0 || r.Warnings[0].Kind != "truncated" {
			t.Errorf("truncated core: warnings %v, want a \"truncated\" one first", r.Warnings)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		core := filepath.Join(dir, "vmcore.9")
		var r map[string]any
		if err := json.Unmarshal([]byte(recs[core]), &r); err != nil {
			t.Fatal(err)
		}
		msg, _ := r["error"].(string)
		if !strings.Contains(msg, core) || !strings.Contains(msg, "not a recognized dump") {
			t.Errorf("error %q does not say that %s is not a dump", msg, core)
		}
		delete(r, "error")
		want := map[string]any{"schema": "kdump/1", "core": map[string]any{"path": core},
			"kernel": map[string]any{"path": filepath.Join(dir, "kern.9")}}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("error record (-want +got):\n%s", diff)
		}
	})
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// compactReport is `kdump report` of the core (with flags), on one line.
func compactReport(t *testing.T, core, kernel string, flags ...string) string {
	t.Helper()
	out, errs, st := batchCLI(append([]string{"report", "-M", core, "-N", kernel}, flags...)...)
	if st == exitFail {
		t.Fatalf("kdump report %s: %s", core, errs)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(out)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestBatchHash checks core.sha256 against the file's hash.
func TestBatchHash(t *testing.T) {
	c := samples.Cores()[2]
	stdout, stderr, st := batchCLI("batch", c.Path())
	if st != exitOK {
		t.Fatalf("status %d: %s", st, stderr)
	}
	b, err := os.ReadFile(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	var r struct{ Core struct{ SHA256 *string } }
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(sum[:]); r.Core.SHA256 == nil || *r.Core.SHA256 != want {
		t.Errorf("sha256 %v, want %s", r.Core.SHA256, want)
	}
}

// groupsGolden is --group-by panic of batchDir: the panics come from the
// sample cores' configuration (internal/samples), masked by hand.
const groupsGolden = `     2  (no panic)
        $DIR/vmcore.1.gz
        $DIR/vmcore.8
     1  (error)
        $DIR/vmcore.9
     1  assertion: p->p_lock == <n> in proc_remove_zombie
        $DIR/vmcore.3.gz
     1  lockmgr: locking against myself
        $DIR/vmcore.2.gz
     1  sysctl: debug.panic
        $DIR/vmcore.4.gz
     1  vm_fault: fault on nofault entry, addr: 0x<addr>
        $DIR/vmcore.0.gz
`

// TestBatchResume interrupts a batch by hand (two records and half of the
// third) and resumes it: every core ends up in the file exactly once, with
// the same records as an uninterrupted run, and the groups cover them all.
func TestBatchResume(t *testing.T) {
	dir := batchDir(t)
	tmp := t.TempDir()
	full := filepath.Join(tmp, "full.jsonl")
	if _, stderr, st := batchCLI("batch", "-o", full, dir); st != exitPartial {
		t.Fatalf("status %d: %s", st, stderr)
	}
	data, _ := os.ReadFile(full)
	lines := strings.SplitAfter(string(data), "\n")
	part := filepath.Join(tmp, "part.jsonl")
	torn := lines[0] + lines[1] + lines[2][:len(lines[2])/2]
	if err := os.WriteFile(part, []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, st := batchCLI("batch", "--resume", "--group-by", "panic", "-o", part, dir)
	if st != exitPartial {
		t.Errorf("status %d, want %d; stderr:\n%s", st, exitPartial, stderr)
	}
	if got, want := summaryOf(t, stderr), "7 cores (2 from the earlier run), 5 ok, 1 with warnings, 1 failed"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if diff := cmp.Diff(groupsGolden, strings.ReplaceAll(stdout, dir, "$DIR")); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	resumed, _ := os.ReadFile(part)
	if !strings.HasPrefix(string(resumed), lines[0]+lines[1]) {
		t.Errorf("the complete records of the interrupted run were not kept")
	}
	if diff := cmp.Diff(records(t, string(data)), records(t, string(resumed))); diff != "" {
		t.Errorf("resumed records differ from an uninterrupted run (-want +got):\n%s", diff)
	}
	// Resuming a finished batch analyzes nothing and changes nothing.
	if _, stderr, _ := batchCLI("batch", "--resume", "-o", part, dir); !strings.Contains(stderr, "7 cores (7 from the earlier run)") {
		t.Errorf("second resume: %s", stderr)
	}
	if again, _ := os.ReadFile(part); !bytes.Equal(again, resumed) {
		t.Errorf("a second resume changed the file")
	}
}

// TestBatchJobs checks that --jobs 1 and --jobs 2 write the same records,
// and that --group-by goes to stderr when the records go to stdout.
func TestBatchJobs(t *testing.T) {
	dir := batchDir(t)
	out1, stderr1, st1 := batchCLI("batch", "--jobs", "1", "--group-by", "panic", dir)
	out2, _, st2 := batchCLI("batch", "--jobs", "2", dir)
	if st1 != exitPartial || st2 != exitPartial {
		t.Errorf("status %d and %d, want %d", st1, st2, exitPartial)
	}
	if diff := cmp.Diff(records(t, out1), records(t, out2)); diff != "" {
		t.Errorf("--jobs 1 vs --jobs 2 (-1 +2):\n%s", diff)
	}
	if !strings.Contains(strings.ReplaceAll(stderr1, dir, "$DIR"), groupsGolden) {
		t.Errorf("stderr lacks the groups:\n%s", stderr1)
	}
}

// TestBatchShard checks that two shards split the directory: disjoint, and
// together every core.
func TestBatchShard(t *testing.T) {
	dir := batchDir(t)
	all, _, _ := batchCLI("batch", "--no-hash", dir)
	s1, _, _ := batchCLI("batch", "--no-hash", "--shard", "1/2", dir)
	s2, _, _ := batchCLI("batch", "--no-hash", "--shard", "2/2", dir)
	r1, r2 := records(t, s1), records(t, s2)
	union := map[string]string{}
	for k, v := range r1 {
		if _, both := r2[k]; both {
			t.Errorf("%s is in both shards", k)
		}
		union[k] = v
	}
	for k, v := range r2 {
		union[k] = v
	}
	if diff := cmp.Diff(records(t, all), union); diff != "" {
		t.Errorf("shards 1/2 + 2/2 vs all (-all +union):\n%s", diff)
	}
	if len(r1) == 0 || len(r2) == 0 {
		t.Logf("one shard is empty (%d + %d): legal, but unlucky for 7 cores", len(r1), len(r2))
	}
}

func TestBatchPairing(t *testing.T) {
	c := samples.Cores()[2]
	dir := t.TempDir()
	lonely := filepath.Join(dir, "vmcore.5.gz")
	b, _ := os.ReadFile(c.Path())
	os.WriteFile(lonely, b, 0o644)
	os.WriteFile(filepath.Join(dir, "info.5"), []byte("Dump header from device /dev/da0s1b\n  Dumptime: Tue Mar  3 14:15:09 2020\n  Hostname: crash1\n  Panic String: lockmgr: locking against myself\n  Dump Status: good\n"), 0o644)

	t.Run("missing kernel", func(t *testing.T) {
		out, _, st := batchCLI("batch", dir)
		if st != exitPartial {
			t.Errorf("status %d, want %d", st, exitPartial)
		}
		var r struct {
			Kernel struct{ Path *string }
			Error  string
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.Kernel.Path != nil || !strings.Contains(r.Error, "looked for kern.5, kern.5.gz") {
			t.Errorf("record %s: want kernel.path null and the names looked for", out)
		}
	})
	t.Run("--kernel and info.5", func(t *testing.T) {
		out, stderr, st := batchCLI("batch", "--no-hash", "--kernel", c.KernelPath(), dir)
		if st != exitOK {
			t.Errorf("status %d: %s", st, stderr)
		}
		var r struct {
			Kernel struct{ Path string }
			Core   struct {
				DumpHeader map[string]any `json:"dump_header"`
			}
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"hostname": "crash1", "time": "2020-03-03T14:15:09Z", "version": "",
			"panic": "lockmgr: locking against myself", "parity_ok": true}
		if r.Kernel.Path != c.KernelPath() {
			t.Errorf("kernel.path %q, want %q", r.Kernel.Path, c.KernelPath())
		}
		if diff := cmp.Diff(want, r.Core.DumpHeader); diff != "" {
			t.Errorf("dump_header from info.5 (-want +got):\n%s", diff)
		}
	})
	t.Run("CORE:KERNEL", func(t *testing.T) {
		out, stderr, st := batchCLI("batch", "--no-hash", c.Path()+":"+c.KernelPath())
		if st != exitOK {
			t.Errorf("status %d: %s", st, stderr)
		}
		if diff := cmp.Diff(compactReport(t, c.Path(), c.KernelPath(), "--no-hash")+"\n", out); diff != "" {
			t.Errorf("(-report +batch):\n%s", diff)
		}
	})
}

// TestBatchStatus checks that warnings alone leave the status 0.
func TestBatchStatus(t *testing.T) {
	dir := batchDir(t)
	for _, n := range []string{"vmcore.9", "vmcore.1.gz", "vmcore.2.gz", "vmcore.3.gz", "vmcore.4.gz"} {
		os.Remove(filepath.Join(dir, n))
	}
	_, stderr, st := batchCLI("batch", "--no-hash", "-o", filepath.Join(t.TempDir(), "o"), dir)
	if st != exitOK {
		t.Errorf("status %d, want 0 (warnings do not fail a batch); stderr:\n%s", st, stderr)
	}
	if got, want := summaryOf(t, stderr), "2 cores, 1 ok, 1 with warnings, 0 failed"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

func TestBatchUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"batch"}, "need directories or cores"},
		{[]string{"batch", "--resume", dir}, "--resume needs -o FILE"},
		{[]string{"batch", "--shard", "0/3", dir}, "1 ≤ K ≤ N"},
		{[]string{"batch", "--group-by", "pid", dir}, `only "panic"`},
		{[]string{"batch", "--jobs", "0", dir}, "at least 1"},
		{[]string{"batch", filepath.Join(dir, "nope")}, "no such core, directory or CORE:KERNEL pair"},
	} {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			_, stderr, st := batchCLI(tc.args...)
			if st != exitFail || !strings.Contains(stderr, tc.want) {
				t.Errorf("status %d, stderr %q; want %d and %q", st, stderr, exitFail, tc.want)
			}
		})
	}
}

// BenchmarkBatch runs `kdump batch` over 20 sample cores (four copies of
// each shipped one) with one and two workers, hashing included.
func BenchmarkBatch(b *testing.B) {
	dir := b.TempDir()
	for i := range 20 {
		c := samples.Cores()[i%len(samples.Cores())]
		for src, dst := range map[string]string{c.Path(): fmt.Sprintf("vmcore.%d.gz", i), c.KernelPath(): fmt.Sprintf("kern.%d", i)} {
			data, err := os.ReadFile(src)
			if err != nil {
				b.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, dst), data, 0o644)
		}
	}
	out := filepath.Join(b.TempDir(), "out.jsonl")
	for _, jobs := range []string{"1", "2"} {
		b.Run("jobs="+jobs, func(b *testing.B) {
			for b.Loop() {
				if _, stderr, st := batchCLI("batch", "-j", jobs, "-o", out, dir); st != exitOK {
					b.Fatalf("status %d: %s", st, stderr)
				}
			}
			b.ReportMetric(20*float64(b.N)/b.Elapsed().Seconds(), "cores/s")
		})
	}
}
