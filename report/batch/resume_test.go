package batch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	recOK   = `{"schema":"kdump/1","core":{"path":"d/vmcore.0","format":"raw"},"kernel":{"path":"d/kern.0"},"panic":{"message":"page fault 12"},"procs":[{"pid":1},{"pid":2}],"warnings":[]}`
	recWarn = `{"schema":"kdump/1","core":{"path":"d/vmcore.1"},"kernel":{"path":"d/kern.1"},"panic":null,"procs":[],"warnings":[{"kind":"fault","addr":null,"message":"m"}]}`
	recErr  = `{"schema":"kdump/1","core":{"path":"d/vmcore.9"},"kernel":{"path":null},"error":"d/vmcore.9: no kernel"}`
)

func TestScan(t *testing.T) {
	full := recOK + "\n" + recWarn + "\n" + recErr + "\n"
	want := map[string]Entry{
		"d/vmcore.0": {OK, "page fault <n>"},
		"d/vmcore.1": {Warnings, GroupNoPanic},
		"d/vmcore.9": {Failed, GroupError},
	}
	for _, tc := range []struct {
		name      string
		in        string
		want      map[string]Entry
		wantValid int
		wantErr   string
	}{
		{name: "empty", in: "", want: map[string]Entry{}},
		{name: "complete", in: full, want: want, wantValid: len(full)},
		{name: "torn last line", in: full + recOK[:40], want: want, wantValid: len(full)},
		{name: "torn line that is valid JSON", in: full + recOK, want: want, wantValid: len(full)},
		{name: "torn after the first line", in: recOK + "\n" + recWarn[:len(recWarn)-1],
			want: map[string]Entry{"d/vmcore.0": want["d/vmcore.0"]}, wantValid: len(recOK) + 1},
		{name: "garbage line", in: recOK + "\nnot json\n" + recErr + "\n", wantErr: "line 2: not a kdump batch record"},
		{name: "cut inside a complete line", in: recOK[:50] + "\n", wantErr: "line 1"},
		{name: "bad process", in: strings.Replace(recOK, `{"pid":2}`, `{"pid":}`, 1) + "\n", wantErr: "procs[1]"},
		{name: "two values", in: recOK + recOK + "\n", wantErr: "more than one JSON value"},
		{name: "no core path", in: `{"schema":"kdump/1","core":{}}` + "\n", wantErr: "no core.path"},
		{name: "empty line", in: recOK + "\n\n", wantErr: "line 2"},
		{name: "not an object", in: "[1]\n", wantErr: "want a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, valid, err := Scan(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Scan error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if valid != int64(tc.wantValid) {
				t.Errorf("valid = %d, want %d", valid, tc.wantValid)
			}
			if diff := cmp.Diff(tc.want, x.m); diff != "" {
				t.Errorf("index (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScanLongLine checks that a record longer than the reader's buffer
// (64 KiB) is read whole.
func TestScanLongLine(t *testing.T) {
	procs := strings.Repeat(`{"pid":1,"comm":"`+strings.Repeat("x", 1000)+`"},`, 500)
	line := `{"schema":"kdump/1","core":{"path":"big"},"procs":[` + procs[:len(procs)-1] + `],"warnings":[]}` + "\n"
	x, valid, err := Scan(strings.NewReader(line + line[:100]))
	if err != nil {
		t.Fatal(err)
	}
	if valid != int64(len(line)) || !x.Has("big") || x.Len() != 1 {
		t.Errorf("valid %d (want %d), index %v", valid, len(line), x.m)
	}
}

func TestResumeCutsTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	x, err := Resume(path)
	if err != nil || x.Len() != 0 {
		t.Fatalf("Resume of a missing file: %v, %d entries; want an empty index", err, x.Len())
	}
	complete := recOK + "\n" + recErr + "\n"
	if err := os.WriteFile(path, []byte(complete+recWarn[:30]), 0o644); err != nil {
		t.Fatal(err)
	}
	x, err = Resume(path)
	if err != nil {
		t.Fatal(err)
	}
	if !x.Has("d/vmcore.0") || !x.Has("d/vmcore.9") || x.Has("d/vmcore.1") {
		t.Errorf("index %v, want vmcore.0 and vmcore.9", x.m)
	}
	got, _ := os.ReadFile(path)
	if string(got) != complete {
		t.Errorf("file after Resume = %q, want the complete lines only", got)
	}
	if err := os.WriteFile(path, []byte("junk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Resume(path); err == nil || !strings.Contains(err.Error(), "fix or remove that line") {
		t.Errorf("Resume of a bad file: %v", err)
	}
}
