package walk

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kdump-bsd/kdump/dump"
)

// found is the comparable part of an anomaly.
type found struct {
	Kind Kind
	Addr dump.Addr
}

func kinds(an []Anomaly) []found {
	var out []found
	for _, a := range an {
		out = append(out, found{a.Kind, a.Addr})
	}
	return out
}

// testList is a LIST or TAILQ of n elements, each on its own page so that a
// test can unmap one, linked the way the kernel's LIST_INSERT_HEAD/
// TAILQ_INSERT_TAIL leave them.
type testList struct {
	m     *fakeMem
	head  dump.Addr
	nodes []dump.Addr
	link  Link
}

func newTestList(n int, next, prev int64, tailq bool) *testList {
	m := newFakeMem()
	l := &testList{m: m, head: m.alloc(16, 8)}
	for range n {
		l.nodes = append(l.nodes, m.alloc(128, dump.PageSize))
	}
	link := l.head // the address of the pointer to the next element
	for _, a := range l.nodes {
		m.putPtr(link, a)
		m.putPtr(a+dump.Addr(prev), link)
		link = a + dump.Addr(next)
	}
	if tailq {
		m.putPtr(l.head+8, link)
	}
	l.link = Link{Name: "testlist", Head: l.head, Elem: "node", Entry: "n_link", Next: next, Prev: prev}
	return l
}

func (l *testList) next(i int) dump.Addr { return l.nodes[i] + dump.Addr(l.link.Next) }
func (l *testList) prev(i int) dump.Addr { return l.nodes[i] + dump.Addr(l.link.Prev) }

type listCase struct {
	name   string
	n      int
	max    int
	damage func(l *testList, v *Visited)
	want   []int // indices of the nodes expected, in order
	wantAn func(l *testList) []found
}

func upto(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func listCases() []listCase {
	return []listCase{
		{name: "empty", n: 0, want: nil},
		{name: "one node", n: 1, want: upto(1)},
		{name: "many nodes", n: 7, want: upto(7)},
		{
			name:   "cycle at head",
			n:      5,
			damage: func(l *testList, _ *Visited) { l.m.putPtr(l.next(4), l.nodes[0]) },
			want:   upto(5),
			wantAn: func(l *testList) []found { return []found{{Cycle, l.nodes[0]}} },
		},
		{
			name:   "cycle in middle",
			n:      6,
			damage: func(l *testList, _ *Visited) { l.m.putPtr(l.next(5), l.nodes[2]) },
			want:   upto(6),
			wantAn: func(l *testList) []found { return []found{{Cycle, l.nodes[2]}} },
		},
		{
			name:   "self loop",
			n:      4,
			damage: func(l *testList, _ *Visited) { l.m.putPtr(l.next(1), l.nodes[1]) },
			want:   upto(2),
			wantAn: func(l *testList) []found { return []found{{Cycle, l.nodes[1]}} },
		},
		{
			name:   "bad back-link",
			n:      4,
			damage: func(l *testList, _ *Visited) { l.m.putPtr(l.prev(2), l.next(0)) },
			want:   upto(4),
			wantAn: func(l *testList) []found { return []found{{BadLink, l.nodes[2]}} },
		},
		{
			name:   "first back-link not the head",
			n:      2,
			damage: func(l *testList, _ *Visited) { l.m.putPtr(l.prev(0), 0) },
			want:   upto(2),
			wantAn: func(l *testList) []found { return []found{{BadLink, l.nodes[0]}} },
		},
		{
			name:   "non-canonical pointer",
			n:      4,
			damage: func(l *testList, _ *Visited) { l.m.putPtr(l.next(1), 0x00007fff12345000) },
			want:   upto(2),
			wantAn: func(l *testList) []found { return []found{{BadLink, 0x00007fff12345000}} },
		},
		{
			name:   "misaligned pointer",
			n:      4,
			damage: func(l *testList, _ *Visited) { l.m.putPtr(l.next(1), l.nodes[2]+4) },
			want:   upto(2),
			wantAn: func(l *testList) []found { return []found{{BadLink, l.nodes[2] + 4}} },
		},
		{
			name:   "fault in the middle",
			n:      5,
			damage: func(l *testList, _ *Visited) { l.m.unmap(l.nodes[3]) },
			want:   upto(3),
			wantAn: func(l *testList) []found { return []found{{Fault, l.nodes[3]}} },
		},
		{
			name:   "head unreadable",
			n:      3,
			damage: func(l *testList, _ *Visited) { l.m.unmap(l.head) },
			want:   nil,
			wantAn: func(l *testList) []found { return []found{{Fault, l.head}} },
		},
		{
			name:   "bound reached",
			n:      5,
			max:    3,
			want:   upto(3),
			wantAn: func(l *testList) []found { return []found{{Limit, l.nodes[3]}} },
		},
		{
			name:   "bound equal to the length",
			n:      3,
			max:    3,
			want:   upto(3),
			wantAn: func(l *testList) []found { return nil },
		},
		{
			name: "cross-linked with another walk",
			n:    4,
			damage: func(l *testList, v *Visited) {
				id := v.begin(walkName{s: "otherlist"})
				v.by[l.nodes[2]] = id
			},
			want:   upto(2),
			wantAn: func(l *testList) []found { return []found{{BadLink, l.nodes[2]}} },
		},
	}
}

func runListCases(t *testing.T, tailq bool, next, prev int64) {
	for _, tc := range listCases() {
		t.Run(tc.name, func(t *testing.T) {
			l := newTestList(tc.n, next, prev, tailq)
			v := NewVisited()
			if tc.damage != nil {
				tc.damage(l, v)
			}
			walk := WalkList
			if tailq {
				walk = WalkTailq
			}
			got, an := walk(l.m, l.link, WalkOptions{Max: tc.max, Visited: v})
			var want []dump.Addr
			for _, i := range tc.want {
				want = append(want, l.nodes[i])
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("nodes (-want +got):\n%s", diff)
			}
			var wantAn []found
			if tc.wantAn != nil {
				wantAn = tc.wantAn(l)
			}
			if diff := cmp.Diff(wantAn, kinds(an)); diff != "" {
				t.Errorf("anomalies (-want +got):\n%s\n%v", diff, an)
			}
		})
	}
}

func TestWalkList(t *testing.T) {
	t.Run("adjacent entry", func(t *testing.T) { runListCases(t, false, 8, 16) })
	t.Run("distant entry", func(t *testing.T) { runListCases(t, false, 96, 8) })
}

func TestWalkTailq(t *testing.T) {
	runListCases(t, true, 8, 16)
}

func TestWalkTailqLast(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		last   func(l *testList) dump.Addr // tqh_last to store; nil keeps the correct one
		unmap  bool
		wantAn func(l *testList) []found
	}{
		{name: "empty, correct", n: 0},
		{name: "three, correct", n: 3},
		{
			name:   "empty, tqh_last elsewhere",
			n:      0,
			last:   func(l *testList) dump.Addr { return l.head + 64 },
			wantAn: func(l *testList) []found { return []found{{BadLink, l.head}} },
		},
		{
			name:   "tqh_last at an inner element",
			n:      3,
			last:   func(l *testList) dump.Addr { return l.next(1) },
			wantAn: func(l *testList) []found { return []found{{BadLink, l.head}} },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newTestList(tc.n, 8, 16, true)
			if tc.n == 0 {
				l.m.putPtr(l.head+8, l.head) // TAILQ_INIT
			}
			if tc.last != nil {
				l.m.putPtr(l.head+8, tc.last(l))
			}
			got, an := WalkTailq(l.m, l.link, WalkOptions{})
			if diff := cmp.Diff(l.nodes, got); diff != "" {
				t.Errorf("nodes (-want +got):\n%s", diff)
			}
			var want []found
			if tc.wantAn != nil {
				want = tc.wantAn(l)
			}
			if diff := cmp.Diff(want, kinds(an)); diff != "" {
				t.Errorf("anomalies (-want +got):\n%s\n%v", diff, an)
			}
		})
	}
}

func TestWalkListMessages(t *testing.T) {
	l := newTestList(3, 8, 16, false)
	bad := l.next(0) + 0x10
	l.m.putPtr(l.prev(2), bad)
	l.m.putPtr(l.next(2), l.nodes[1])
	_, an := WalkList(l.m, l.link, WalkOptions{})
	if len(an) != 2 {
		t.Fatalf("got %d anomalies, want 2: %v", len(an), an)
	}
	wants := []string{
		"testlist: node " + l.nodes[2].String() + ": n_link.le_prev is " + bad.String() + ", expected " + l.next(1).String() + " (the address of the previous le_next)",
		"testlist: n_link.le_next of node " + l.nodes[2].String() + " leads back to node " + l.nodes[1].String() + ", already visited: cycle closed after 3 nodes",
	}
	for i, w := range wants {
		if an[i].Message != w {
			t.Errorf("anomaly %d:\n got %q\nwant %q", i, an[i].Message, w)
		}
	}
}

func TestArrayHeads(t *testing.T) {
	got := ArrayHeads("procglob", 0xffffffff80218180, 64, "allproc", 32, 3)
	want := []Head{
		{"procglob[0].allproc", 0xffffffff802181a0},
		{"procglob[1].allproc", 0xffffffff802181e0},
		{"procglob[2].allproc", 0xffffffff80218220},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := ArrayHeads("allprocs", 0x1000, 8, "", 0, 2); got[1] != (Head{"allprocs[1]", 0x1008}) {
		t.Errorf("allprocs[1] = %+v", got[1])
	}
	if got := ArrayHeads("x", 0, 8, "", 0, -1); len(got) != 0 {
		t.Errorf("negative count gave %d heads", len(got))
	}
}

// bucketMem builds nb buckets (8-byte heads in an array) holding sizes[i]
// elements each.
func bucketMem(sizes []int) (*fakeMem, []Head, [][]dump.Addr) {
	m := newFakeMem()
	base := m.alloc(8*len(sizes), 8)
	heads := ArrayHeads("buckets", base, 8, "", 0, len(sizes))
	lists := make([][]dump.Addr, len(sizes))
	for i, n := range sizes {
		link := heads[i].Addr
		for range n {
			a := m.alloc(32, 8)
			m.putPtr(link, a)
			m.putPtr(a+8, link)
			link = a
			lists[i] = append(lists[i], a)
		}
	}
	return m, heads, lists
}

func TestWalkHeads(t *testing.T) {
	link := Link{Elem: "node", Entry: "n_link", Next: 0, Prev: 8}

	t.Run("all buckets", func(t *testing.T) {
		m, heads, lists := bucketMem([]int{2, 0, 3, 1})
		got, an := WalkHeads(m, heads, link, WalkOptions{})
		if diff := cmp.Diff(lists, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if len(an) != 0 {
			t.Errorf("anomalies: %v", an)
		}
	})

	t.Run("cross-linked buckets", func(t *testing.T) {
		m, heads, lists := bucketMem([]int{2, 0, 3, 1})
		m.putPtr(heads[3].Addr, lists[2][1]) // bucket 3 now starts inside bucket 2
		got, an := WalkHeads(m, heads, link, WalkOptions{})
		if len(got[3]) != 0 {
			t.Errorf("bucket 3 = %v, want nothing", got[3])
		}
		want := []found{{BadLink, lists[2][1]}}
		if diff := cmp.Diff(want, kinds(an)); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		if !strings.Contains(an[0].Message, "buckets[3]: lh_first leads to node") || !strings.Contains(an[0].Message, "already reached on buckets[2]") {
			t.Errorf("message %q does not name both buckets", an[0].Message)
		}
	})

	t.Run("bound across buckets", func(t *testing.T) {
		m, heads, lists := bucketMem([]int{2, 0, 3, 1, 1})
		got, an := WalkHeads(m, heads, link, WalkOptions{Max: 4})
		want := [][]dump.Addr{lists[0], nil, lists[2][:2], nil, nil}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		wantAn := []found{{Limit, lists[2][2]}, {Limit, heads[3].Addr}}
		if diff := cmp.Diff(wantAn, kinds(an)); diff != "" {
			t.Errorf("(-want +got):\n%s\n%v", diff, an)
		}
	})
}
