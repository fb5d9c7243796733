package walk

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
)

// flatMem is one contiguous mapped range, as cheap to read as an mmapped
// core: the benchmark measures the walk, not a fake page table.
type flatMem struct {
	base dump.Addr
	b    []byte
	next int
}

func (m *flatMem) ReadAt(p []byte, a dump.Addr) (int, error) {
	if a < m.base || a-m.base >= dump.Addr(len(m.b)) {
		return 0, &dump.FaultError{Addr: a, Len: len(p), Kind: dump.Unmapped}
	}
	n := copy(p, m.b[a-m.base:])
	if n < len(p) {
		return n, &dump.FaultError{Addr: a + dump.Addr(n), Len: len(p) - n, Kind: dump.Unmapped}
	}
	return n, nil
}

func (m *flatMem) alloc(size int64) dump.Addr {
	a := (m.next + 63) &^ 63
	m.next = a + int(size)
	if m.next > len(m.b) {
		panic("flatMem: arena too small")
	}
	return m.base + dump.Addr(a)
}

func (m *flatMem) put(a dump.Addr, off int64, size int64, v uint64) {
	i := int(a-m.base) + int(off)
	switch size {
	case 8:
		binary.LittleEndian.PutUint64(m.b[i:], v)
	case 4:
		binary.LittleEndian.PutUint32(m.b[i:], uint32(v))
	default:
		panic(fmt.Sprintf("flatMem.put: size %d", size))
	}
}

// synthTable lays out nprocs procs with 2 or 3 LWPs each (2.5 on average)
// in the 2020 kernel's layouts: its own vmspace, sigacts and pgrp per proc,
// one ucred per 100 procs, one session per 10, two CPUs.
func synthTable(tb testing.TB, lay *structs.Layouts, dec *structs.Decoder, nprocs int) (*flatMem, Era) {
	field := func(strct, path string) structs.Field {
		l, err := lay.Layout(strct)
		if err != nil {
			tb.Fatal(err)
		}
		f, err := l.Field(path)
		if err != nil {
			tb.Fatal(err)
		}
		return f
	}
	size := func(strct string) int64 {
		l, err := lay.Layout(strct)
		if err != nil {
			tb.Fatal(err)
		}
		return (l.Size + 63) &^ 63
	}
	perProc := size("proc") + size("vmspace") + size("sigacts") + size("pgrp") + 3*(size("lwp")+size("thread")) + size("session")/10 + size("ucred")/100 + 1024
	m := &flatMem{base: 0xffffffff90000000, b: make([]byte, int64(nprocs)*perProc+1<<20)}
	set := func(a dump.Addr, strct, path string, v uint64) {
		f := field(strct, path)
		m.put(a, f.Offset, f.Size, v)
	}
	lk := dec.Links()
	pg := m.alloc(256 * lk.ProcglobSize)
	era := Era{ProcList: Procglob, LWPs: LWPTree, HashSize: 256,
		Heads: ArrayHeads("procglob", pg, lk.ProcglobSize, "allproc", lk.ProcglobAllproc, 256)}
	gds := []dump.Addr{m.alloc(size("globaldata")), m.alloc(size("globaldata"))}
	set(gds[1], "globaldata", "gd_cpuid", 1)
	var ucred, sess dump.Addr
	for i := range nprocs {
		if i%100 == 0 {
			ucred = m.alloc(size("ucred"))
			set(ucred, "ucred", "cr_uid", uint64(i%7))
		}
		if i%10 == 0 {
			sess = m.alloc(size("session"))
		}
		pid := i + 1
		p := m.alloc(size("proc"))
		set(p, "proc", "p_pid", uint64(pid))
		set(p, "proc", "p_ucred", uint64(ucred))
		pgrp := m.alloc(size("pgrp"))
		set(pgrp, "pgrp", "pg_session", uint64(sess))
		set(p, "proc", "p_pgrp", uint64(pgrp))
		set(p, "proc", "p_vmspace", uint64(m.alloc(size("vmspace"))))
		set(p, "proc", "p_sigacts", uint64(m.alloc(size("sigacts"))))
		if i > 0 {
			set(p, "proc", "p_pptr", uint64(pg)) // not on any list: decoded once as a parent, then cached
		}
		h := era.Heads[pid&255].Addr
		old := dump.Addr(binary.LittleEndian.Uint64(m.b[h-m.base:]))
		m.put(p, lk.ProcListNext, 8, uint64(old))
		if old != 0 {
			m.put(old, lk.ProcListPrev, 8, uint64(p+dump.Addr(lk.ProcListNext)))
		}
		m.put(h, 0, 8, uint64(p))
		m.put(p, lk.ProcListPrev, 8, uint64(h))

		// Tids 1, 2 (root 1, right child 2) or 2, 1, 3 (a full tree).
		tids := []int{1, 2}
		if i%2 == 1 {
			tids = []int{2, 1, 3}
		}
		var nodes []dump.Addr
		for j, tid := range tids {
			l := m.alloc(size("lwp"))
			th := m.alloc(size("thread"))
			set(l, "lwp", "lwp_tid", uint64(tid))
			set(l, "lwp", "lwp_proc", uint64(p))
			set(l, "lwp", "lwp_thread", uint64(th))
			set(th, "thread", "td_gd", uint64(gds[j%2]))
			nodes = append(nodes, l)
		}
		m.put(p, lk.ProcLWPTreeRoot, 8, uint64(nodes[0]))
		if len(tids) == 2 {
			m.put(nodes[0], lk.LWPRBRight, 8, uint64(nodes[1]))
			m.put(nodes[1], lk.LWPRBParent, 8, uint64(nodes[0]))
		} else {
			m.put(nodes[0], lk.LWPRBLeft, 8, uint64(nodes[1]))
			m.put(nodes[0], lk.LWPRBRight, 8, uint64(nodes[2]))
			m.put(nodes[1], lk.LWPRBParent, 8, uint64(nodes[0]))
			m.put(nodes[2], lk.LWPRBParent, 8, uint64(nodes[0]))
		}
	}
	return m, era
}

func BenchmarkProcessTable(b *testing.B) {
	_, lay, dec := openKernel(b, "kern-dfly2020")
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("procs=%d", n), func(b *testing.B) {
			m, era := synthTable(b, lay, dec, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				t := CollectTable(m, era, dec, Options{})
				if len(t.Procs) != n || len(t.Anomalies) != 0 {
					b.Fatalf("%d procs, anomalies %v", len(t.Procs), t.Anomalies[:min(3, len(t.Anomalies))])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/proc")
		})
	}
}

// TestCollectTableLarge runs the parallel decoding paths (tables of more
// than a few hundred procs) and checks the result against the synthetic
// model: every proc, 2 or 3 LWPs each in tid order, run with -race.
func TestCollectTableLarge(t *testing.T) {
	_, lay, dec := openKernel(t, "kern-dfly2020")
	const n = 3000
	m, era := synthTable(t, lay, dec, n)
	tab := CollectTable(m, era, dec, Options{})
	if len(tab.Procs) != n || len(tab.Anomalies) != 0 {
		t.Fatalf("%d procs (want %d), anomalies %v", len(tab.Procs), n, tab.Anomalies[:min(3, len(tab.Anomalies))])
	}
	seen := map[int32]bool{}
	for _, p := range tab.Procs {
		seen[p.Proc.PID] = true
		want := []int32{1, 2}
		if p.Proc.PID%2 == 0 { // pid i+1 for model index i: odd indices have three
			want = []int32{1, 2, 3}
		}
		var got []int32
		for _, l := range p.LWPs {
			got = append(got, l.LWP.TID)
			if l.GD == nil || l.LWP.Proc != p.Proc.Addr {
				t.Fatalf("pid %d: lwp %+v", p.Proc.PID, l)
			}
		}
		if !slices.Equal(want, got) {
			t.Fatalf("pid %d: tids %v, want %v", p.Proc.PID, got, want)
		}
		if p.UCred == nil || p.Pgrp == nil || p.Vmspace == nil || p.Sigacts == nil {
			t.Fatalf("pid %d: missing objects %+v", p.Proc.PID, p)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct pids, want %d", len(seen), n)
	}
}
