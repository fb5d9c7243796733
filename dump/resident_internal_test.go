package dump

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestResidentBudget reads every page of a mapped file with a budget far
// below the process's file-backed resident size: the mapping must be dropped
// (more than once), and every read must still return the file's bytes.
func TestResidentBudget(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("resident figures are read from /proc/self/statm")
	}
	const size = 64 << 20
	want := make([]byte, size)
	for i := range want {
		want[i] = byte(i*7 + i>>12)
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, want, 0o444); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b := fileBacking(path, f, size, 1<<20) // 1 MiB: less than the test binary alone
	defer b.close()
	if b.data == nil || b.res == nil {
		t.Fatal("file not mapped, or no residency bound")
	}
	got := make([]byte, PageSize)
	for pass := 0; pass < 2; pass++ {
		for off := int64(0); off < size; off += PageSize {
			if n, err := b.readAt(got, off); n != PageSize || err != nil {
				t.Fatalf("readAt(%#x) = %d, %v", off, n, err)
			}
			if !bytes.Equal(got, want[off:off+PageSize]) {
				t.Fatalf("pass %d: page at %#x differs after drops", pass, off)
			}
		}
	}
	// 2 × 16384 reads, a check every 4096: chunks behind the sweep go idle
	// and are dropped.
	if d := b.res.drops.Load(); d < 2 {
		t.Errorf("mapping dropped %d times, want ≥ 2", d)
	}
}

func TestResidentBudgetOff(t *testing.T) {
	if r := newResidency(make([]byte, 8<<20), 0); r != nil {
		t.Error("budget 0 must disable the bound")
	}
	if r := newResidency(make([]byte, 8<<20), 64<<20); r != nil {
		t.Error("a mapping under half the budget needs no bound")
	}
	var r *residency
	r.touched(0) // nil-safe
}
