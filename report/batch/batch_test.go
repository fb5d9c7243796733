package batch

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/internal/samples"
	"github.com/kdump-bsd/kdump/report"
)

// sampleJob is the job of shipped core n.
func sampleJob(t *testing.T, n int) Job {
	t.Helper()
	c := samples.Cores()[n]
	fi, err := os.Stat(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	return Job{Core: c.Path(), Kernel: c.KernelPath(), Size: fi.Size()}
}

// single is the compact report of one core, encoded directly.
func single(t *testing.T, core, kernel string) string {
	t.Helper()
	a, err := report.Analyze(core, kernel, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var b bytes.Buffer
	if err := a.Report().Encode(&b, report.EncodeOptions{Procs: a.Procs(), Compact: true}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRunCompressedKernel checks that a gzipped kernel is expanded, that the
// record names the compressed file, and that the expansion is removed.
func TestRunCompressedKernel(t *testing.T) {
	j := sampleJob(t, 0)
	dir, tmp := t.TempDir(), t.TempDir()
	gz := filepath.Join(dir, "kern.0.gz")
	raw, err := os.ReadFile(j.Kernel)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(gz, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(single(t, j.Core, j.Kernel), `"kernel":{"path":`+quote(j.Kernel), `"kernel":{"path":`+quote(gz), 1)

	var out bytes.Buffer
	jz := j
	jz.Kernel = gz
	sum, err := Run(context.Background(), []Job{jz, jz, jz}, &out, Options{Jobs: 2, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Cores != 3 || sum.Failed != 0 {
		t.Errorf("summary %+v, want 3 cores, none failed", sum)
	}
	for i, line := range strings.SplitAfter(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if diff := cmp.Diff(strings.TrimSuffix(want, "\n"), strings.TrimSuffix(line, "\n")); diff != "" {
			t.Errorf("line %d (-want +got):\n%s", i+1, diff)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestRunErrorRecords(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "vmcore.9")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte{0xa5}, 10000), 0o644); err != nil {
		t.Fatal(err)
	}
	good := sampleJob(t, 2)
	jobs := []Job{
		{Core: garbage, Kernel: good.Kernel},
		{Core: filepath.Join(dir, "vmcore.3"), Err: errors.New("vmcore.3: no kernel: looked for kern.3")},
		{Core: good.Core, Kernel: filepath.Join(dir, "missing-kernel")},
	}
	var out bytes.Buffer
	var done []Result
	sum, err := Run(context.Background(), jobs, &out, Options{Jobs: 1, Done: func(r Result) { done = append(done, r) }})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Cores: 3, Failed: 3}); sum.Cores != want.Cores || sum.Failed != want.Failed || sum.OK != 0 {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 || len(done) != 3 {
		t.Fatalf("%d lines and %d results, want 3:\n%s", len(lines), len(done), out.String())
	}
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		j := jobs[i] // --jobs 1 keeps the order
		var kernel any
		if j.Kernel != "" {
			kernel = j.Kernel
		}
		wantKeys := map[string]any{"schema": "kdump/1", "core": map[string]any{"path": j.Core}, "kernel": map[string]any{"path": kernel}}
		msg, _ := rec["error"].(string)
		delete(rec, "error")
		if diff := cmp.Diff(wantKeys, rec); diff != "" {
			t.Errorf("line %d (-want +got):\n%s", i+1, diff)
		}
		if msg == "" || msg != done[i].Err.Error() || done[i].Outcome != Failed || done[i].Group != GroupError {
			t.Errorf("line %d: error %q, result %+v", i+1, msg, done[i])
		}
	}
	if !strings.Contains(lines[2], "missing-kernel") {
		t.Errorf("the missing kernel's record does not name it: %s", lines[2])
	}
}

func TestRunCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	sum, err := Run(ctx, []Job{sampleJob(t, 0), sampleJob(t, 1)}, &out, Options{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The feeder may have handed out one job before it saw the cancellation;
	// whatever was written is whole lines.
	if sum.Cores+sum.NotDone != 2 || sum.NotDone == 0 {
		t.Errorf("summary %+v, want cores not done", sum)
	}
	if n := strings.Count(out.String(), "\n"); n != sum.Cores || (n > 0 && !strings.HasSuffix(out.String(), "\n")) {
		t.Errorf("%d lines for %d records", n, sum.Cores)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n++; w.n > 1 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestRunWriteError(t *testing.T) {
	jobs := []Job{sampleJob(t, 0), sampleJob(t, 1), sampleJob(t, 2), sampleJob(t, 3)}
	_, err := Run(context.Background(), jobs, &failWriter{}, Options{Jobs: 1})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Run error = %v, want the write error", err)
	}
}

// TestSpool checks that a record larger than the memory part is kept whole.
func TestSpool(t *testing.T) {
	s := newSpool(t.TempDir())
	defer s.close()
	var want bytes.Buffer
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	for i := range 6 {
		chunk[0] = byte('a' + i)
		s.Write(chunk)
		want.Write(chunk)
	}
	if s.file == nil || s.err != nil {
		t.Fatalf("6 MiB stayed in memory (file %v, err %v)", s.file, s.err)
	}
	var got bytes.Buffer
	if err := s.writeTo(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("spool gave back %d bytes, not the %d written", got.Len(), want.Len())
	}
}

func TestSummaryString(t *testing.T) {
	for _, tc := range []struct {
		s    Summary
		want string
	}{
		{Summary{Cores: 20, OK: 18, Warnings: 1, Failed: 1, Elapsed: 3140e6}, "batch: 20 cores, 18 ok, 1 with warnings, 1 failed, 3.1 s"},
		{Summary{Cores: 5, OK: 5, Resumed: 2, NotDone: 3, Elapsed: 5e7},
			"batch: 5 cores (2 from the earlier run), 5 ok, 0 with warnings, 0 failed, 3 not done (interrupted: run again with --resume), 0.1 s"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// BenchmarkSHA256 hashes a 256 MiB file the way report.Analyze does
// (sequential reads of 1 MiB into crypto/sha256), from the page cache.
func BenchmarkSHA256(b *testing.B) {
	path := filepath.Join(b.TempDir(), "core")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	block := bytes.Repeat([]byte{0x5a, 0xa5, 0x11, 0xee}, 1<<18)
	for range 256 {
		f.Write(block)
	}
	f.Close()
	b.SetBytes(256 << 20)
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.CopyBuffer(h, f, make([]byte, 1<<20)); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

func TestProgress(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, w := range []io.Writer{&bytes.Buffer{}, f} {
		if p := NewProgress(w, 3, 100); p != nil {
			t.Errorf("NewProgress(%T) = %v, want nil: not a terminal", w, p)
		}
	}
	var nilBar *Progress
	nilBar.Done(10) // a nil bar does nothing
	nilBar.Finish()

	var b bytes.Buffer
	p := newProgress(&b, 2, 3000, 0)
	p.Done(1000)
	p.Done(2000)
	p.Finish()
	if !strings.Contains(b.String(), "1/2 cores") || !strings.Contains(b.String(), "2/2 cores") {
		t.Errorf("progress output lacks the core counts: %q", b.String())
	}
}
