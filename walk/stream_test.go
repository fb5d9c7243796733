package walk

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
)

// TestStreamMatchesTable checks that walking the stream twice, and stopping
// it early, neither changes what it yields nor leaves anything behind: the
// second full run gives the same processes and anomalies as CollectTable.
func TestStreamMatchesTable(t *testing.T) {
	mo := sampleModel()
	b := buildModel(t, "kern-dfly2020", mo)
	s, err := OpenStream(b.w.m, b.syms, b.dec, Options{Version: testVersion})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range s.All() { // stop after one: the workers must wind down
		if n++; n == 1 {
			break
		}
	}
	tab := &Table{Era: s.Era}
	for p := range s.All() {
		tab.Procs = append(tab.Procs, p)
	}
	tab.Anomalies = s.Anomalies()
	if diff := cmp.Diff(mo.expected(b), rows(tab)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if s.Len() != len(tab.Procs) || len(tab.Anomalies) != 0 {
		t.Errorf("Len %d, %d procs, anomalies %v", s.Len(), len(tab.Procs), tab.Anomalies)
	}
}

// TestPageCache reads through the per-goroutine page cache: the same bytes
// as the reader below it, the same errors where a page is missing (even for
// a read of the readable half of a page whose other half is not), reads
// across a page boundary passed through, and a page read again served from
// the cache.
func TestPageCache(t *testing.T) {
	m := newFakeMem()
	base := dump.Addr(0xffffffff90000000)
	data := make([]byte, 3*dump.PageSize)
	for i := range data {
		data[i] = byte(i * 7)
	}
	m.write(base, data)
	m.unmap(base + dump.PageSize) // the middle page is missing
	counting := &countingReader{r: m}
	c := &pageCache{r: counting}
	for _, tc := range []struct {
		name string
		a    dump.Addr
		n    int
		ok   bool
	}{
		{"first page", base + 8, 16, true},
		{"first page again", base + 100, 8, true},
		{"missing page", base + dump.PageSize + 8, 8, false},
		{"across pages", base + dump.PageSize - 4, 8, false},
		{"last page", base + 2*dump.PageSize, 64, true},
		{"not a kernel address", 0x1000, 8, false},
	} {
		got := make([]byte, tc.n)
		n, err := c.ReadAt(got, tc.a)
		wantBuf := make([]byte, tc.n)
		wn, werr := m.ReadAt(wantBuf, tc.a)
		if n != wn || (err == nil) != (werr == nil) || !bytes.Equal(got[:n], wantBuf[:wn]) {
			t.Errorf("%s: got %d, %v; the reader gives %d, %v", tc.name, n, err, wn, werr)
		}
		if tc.ok != (err == nil) {
			t.Errorf("%s: err %v, want ok=%v", tc.name, err, tc.ok)
		}
		var fe *dump.FaultError
		if err != nil && tc.a >= KernelMin && !errors.As(err, &fe) {
			t.Errorf("%s: error %v is not the reader's *dump.FaultError", tc.name, err)
		}
	}
	if counting.pages != 2 { // the first and last page, each read whole once
		t.Errorf("%d whole pages read, want 2", counting.pages)
	}
}

type countingReader struct {
	r     dump.Reader
	pages int
}

func (c *countingReader) ReadAt(p []byte, a dump.Addr) (int, error) {
	n, err := c.r.ReadAt(p, a)
	if len(p) == dump.PageSize && err == nil {
		c.pages++
	}
	return n, err
}

// TestStreamLarge runs the stream over enough processes for many chunks in
// flight: report order (ascending pids), stopping early with workers blocked
// ahead of the consumer, then a complete second run (run with -race).
func TestStreamLarge(t *testing.T) {
	_, lay, dec := openKernel(t, "kern-dfly2020")
	const n = 5000
	m, era := synthTable(t, lay, dec, n)
	s := openStream(m, era, dec, Options{})
	k := 0
	for range s.All() {
		if k++; k == 100 {
			break
		}
	}
	prev, count := int32(-1), 0
	for p := range s.All() {
		if p.Proc.PID <= prev {
			t.Fatalf("pid %d after %d: not in report order", p.Proc.PID, prev)
		}
		prev = p.Proc.PID
		count++
	}
	if count != n || len(s.Anomalies()) != 0 {
		t.Errorf("%d procs (want %d), anomalies %v", count, n, s.Anomalies())
	}
}
