package walk

import (
	"bytes"
	"errors"
	"runtime"
	"slices"
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
// and the same errors as the reader below it, also for reads across a page
// boundary, and each page read whole once.
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
		{"last page again, from the cache", base + 2*dump.PageSize + 100, 8, true},
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

// TestParallelListWalkFallsBack links a list walked by the second goroutine
// into one the first walks: the parallel walk cannot tell, so the table
// must come out exactly as a sequential WalkHeads sees it — every proc once,
// the cross-link reported on the later list.
func TestParallelListWalkFallsBack(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	mo := sampleModel()
	mo.procs = append(mo.procs, mproc{pid: 200, parent: 1, tids: []int32{1}}) // bucket 200: the second half
	b := buildModel(t, "kern-dfly2020", mo)
	lk := b.dec.Links()
	i200, i300 := len(mo.procs)-1, slices.IndexFunc(mo.procs, func(p mproc) bool { return p.pid == 300 })
	b.w.m.putPtr(b.procs[i200]+dump.Addr(lk.ProcListNext), b.procs[i300])

	_, wantAn := WalkHeads(b.w.m, b.era.Heads, Link{Elem: "proc", Entry: "p_list", Next: lk.ProcListNext, Prev: lk.ProcListPrev}, WalkOptions{})
	if len(wantAn) != 1 || wantAn[0].Kind != BadLink || wantAn[0].Addr != b.procs[i300] {
		t.Fatalf("the sequential walk reports %v; the test expects one cross-link at %v", wantAn, b.procs[i300])
	}
	tab := CollectTable(b.w.m, b.era, b.dec, Options{})
	if diff := cmp.Diff(wantAn, tab.Anomalies); diff != "" {
		t.Errorf("anomalies (-sequential +table):\n%s", diff)
	}
	if diff := cmp.Diff(mo.expected(b), rows(tab)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
