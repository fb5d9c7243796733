package walk

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
)

// The test element: an RB_ENTRY at 16 (left, right, parent, color) and an
// int32 key at 72, as in a 2020 struct lwp.
const (
	tLeft, tRight, tParent, tKey = 16, 24, 32, 72
)

// testTree is a binary search tree built by plain insertion in a given key
// order (any shape, including the ones libkvm's walk skips), each node on
// its own page, with a Go-side model to compute expectations from.
type testTree struct {
	m                   *fakeMem
	head                dump.Addr
	addr                map[int]dump.Addr
	left, right, parent map[int]int // child/parent keys; absent: none
	root                int
}

func newTestTree(order []int) *testTree {
	m := newFakeMem()
	t := &testTree{m: m, head: m.alloc(24, 8), addr: map[int]dump.Addr{},
		left: map[int]int{}, right: map[int]int{}, parent: map[int]int{}}
	for i, k := range order {
		a := m.alloc(128, dump.PageSize)
		t.addr[k] = a
		m.putU32(a+tKey, uint32(int32(k)))
		if i == 0 {
			t.root = k
			m.putPtr(t.head, a)
			continue
		}
		p := t.root
		for {
			side, off := t.left, dump.Addr(tLeft)
			if k > p {
				side, off = t.right, tRight
			}
			c, ok := side[p]
			if !ok {
				side[p] = k
				t.parent[k] = p
				m.putPtr(t.addr[p]+off, a)
				m.putPtr(a+tParent, t.addr[p])
				break
			}
			p = c
		}
	}
	return t
}

func (t *testTree) spec() Tree {
	return Tree{Name: "testtree", Head: t.head, Elem: "lwp", Entry: "u.lwp_rbnode",
		Left: tLeft, Right: tRight, Parent: tParent, KeyOff: tKey, KeyName: "lwp_tid"}
}

// subtree returns the keys of the subtree rooted at k.
func (t *testTree) subtree(k int) []int {
	out := []int{k}
	if c, ok := t.left[k]; ok {
		out = append(out, t.subtree(c)...)
	}
	if c, ok := t.right[k]; ok {
		out = append(out, t.subtree(c)...)
	}
	return out
}

// addrs returns the addresses of the given keys, in that order.
func (t *testTree) addrs(keys []int) []dump.Addr {
	var out []dump.Addr
	for _, k := range keys {
		out = append(out, t.addr[k])
	}
	return out
}

// all returns every key in ascending order: the in-order walk of an intact tree.
func (t *testTree) all() []int {
	var out []int
	for k := range t.addr {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func without(keys, drop []int) []int {
	var out []int
	for _, k := range keys {
		if !slices.Contains(drop, k) {
			out = append(out, k)
		}
	}
	return out
}

func TestWalkTreeComplete(t *testing.T) {
	shapes := map[string][]int{
		"root with only a right child":      {1, 2},
		"right child of a leftless subtree": {2, 1, 3, 4},
		"right chain":                       {1, 2, 3, 4, 5, 6},
		"left chain":                        {6, 5, 4, 3, 2, 1},
		"zigzag":                            {1, 9, 2, 8, 3, 7, 4, 6, 5},
	}
	for n := 1; n <= 50; n++ {
		for seed := range uint64(4) {
			r := rand.New(rand.NewPCG(uint64(n), seed))
			order := r.Perm(n)
			for i := range order {
				order[i] = order[i]*3 + 1 // sparse keys, as tids are
			}
			shapes[fmt.Sprintf("random n=%d seed=%d", n, seed)] = order
		}
	}
	for name, order := range shapes {
		t.Run(name, func(t *testing.T) {
			tr := newTestTree(order)
			got, an := WalkTree(tr.m, tr.spec(), WalkOptions{})
			if diff := cmp.Diff(tr.addrs(tr.all()), got); diff != "" {
				t.Errorf("in-order walk (-want +got):\n%s", diff)
			}
			if len(an) != 0 {
				t.Errorf("anomalies: %v", an)
			}
		})
	}
}

func TestWalkTreeDamage(t *testing.T) {
	// 8 is the root; 4 (children 2, 6) and 12 (children 10, 14) below it;
	// leaves 1, 3, 5, 7, 9, 11, 13, 15.
	order := []int{8, 4, 12, 2, 6, 10, 14, 1, 3, 5, 7, 9, 11, 13, 15}
	const unmapped dump.Addr = 0xffffffffa0000000
	tests := []struct {
		name   string
		max    int
		damage func(tr *testTree, v *Visited)
		want   func(tr *testTree) []int // the keys expected (walked in order)
		wantAn func(tr *testTree) []found
	}{
		{
			name:   "bad parent pointer",
			damage: func(tr *testTree, _ *Visited) { tr.m.putPtr(tr.addr[6]+tParent, tr.addr[12]) },
			wantAn: func(tr *testTree) []found { return []found{{BadLink, tr.addr[6]}} },
		},
		{
			name:   "root with a parent",
			damage: func(tr *testTree, _ *Visited) { tr.m.putPtr(tr.addr[8]+tParent, tr.addr[4]) },
			wantAn: func(tr *testTree) []found { return []found{{BadLink, tr.addr[8]}} },
		},
		{
			name:   "cycle child to ancestor",
			damage: func(tr *testTree, _ *Visited) { tr.m.putPtr(tr.addr[7]+tRight, tr.addr[4]) },
			wantAn: func(tr *testTree) []found { return []found{{Cycle, tr.addr[4]}} },
		},
		{
			name:   "cycle to the root",
			damage: func(tr *testTree, _ *Visited) { tr.m.putPtr(tr.addr[1]+tLeft, tr.addr[8]) },
			wantAn: func(tr *testTree) []found { return []found{{Cycle, tr.addr[8]}} },
		},
		{
			name:   "self loop",
			damage: func(tr *testTree, _ *Visited) { tr.m.putPtr(tr.addr[15]+tLeft, tr.addr[15]) },
			wantAn: func(tr *testTree) []found { return []found{{Cycle, tr.addr[15]}} },
		},
		{
			name: "shared subtree",
			damage: func(tr *testTree, _ *Visited) {
				tr.m.putPtr(tr.addr[12]+tLeft, tr.addr[14]) // 14 is both children of 12; 10's subtree is lost
			},
			// The walk goes 12's left way to 14 (whose parent is 12, so
			// no back-link complaint), emits 14 before 12 (out of order),
			// and finds 14 again on 12's right.
			want: func(tr *testTree) []int { return []int{1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 12} },
			wantAn: func(tr *testTree) []found {
				return []found{{BadLink, tr.addr[12]}, {Cycle, tr.addr[14]}}
			},
		},
		{
			name:   "dangling subtree pointer",
			damage: func(tr *testTree, _ *Visited) { tr.m.putPtr(tr.addr[4]+tLeft, unmapped) },
			want:   func(tr *testTree) []int { return without(tr.all(), tr.subtree(2)) },
			wantAn: func(tr *testTree) []found { return []found{{Fault, unmapped}} },
		},
		{
			name:   "unreadable node",
			damage: func(tr *testTree, _ *Visited) { tr.m.unmap(tr.addr[12]) },
			want:   func(tr *testTree) []int { return without(tr.all(), tr.subtree(12)) },
			wantAn: func(tr *testTree) []found { return []found{{Fault, tr.addr[12]}} },
		},
		{
			name:   "non-canonical child",
			damage: func(tr *testTree, _ *Visited) { tr.m.putPtr(tr.addr[12]+tRight, 0x1000) },
			want:   func(tr *testTree) []int { return without(tr.all(), tr.subtree(14)) },
			wantAn: func(tr *testTree) []found { return []found{{BadLink, 0x1000}} },
		},
		{
			name:   "misaligned child",
			damage: func(tr *testTree, _ *Visited) { tr.m.putPtr(tr.addr[4]+tRight, tr.addr[6]+1) },
			want:   func(tr *testTree) []int { return without(tr.all(), tr.subtree(6)) },
			wantAn: func(tr *testTree) []found { return []found{{BadLink, tr.addr[6] + 1}} },
		},
		{
			name:   "out of order",
			damage: func(tr *testTree, _ *Visited) { tr.m.putU32(tr.addr[5]+tKey, 100) },
			// The walk follows the links: 5's node stays where it is, so
			// 6 is the first key not above its predecessor (100).
			wantAn: func(tr *testTree) []found { return []found{{BadLink, tr.addr[6]}} },
		},
		{
			name:   "duplicate key",
			damage: func(tr *testTree, _ *Visited) { tr.m.putU32(tr.addr[10]+tKey, 9) },
			wantAn: func(tr *testTree) []found { return []found{{BadLink, tr.addr[10]}} },
		},
		{
			name: "node of another tree",
			damage: func(tr *testTree, v *Visited) {
				v.by[tr.addr[13]] = v.begin(walkName{s: "othertree"})
			},
			want:   func(tr *testTree) []int { return without(tr.all(), []int{13}) },
			wantAn: func(tr *testTree) []found { return []found{{BadLink, tr.addr[13]}} },
		},
		{
			name:   "root unreadable",
			damage: func(tr *testTree, _ *Visited) { tr.m.unmap(tr.head) },
			want:   func(*testTree) []int { return nil },
			wantAn: func(tr *testTree) []found { return []found{{Fault, tr.head}} },
		},
		{
			name: "bound reached",
			max:  5,
			// Entered: 8, 4, 2, 1 (emitted 1, 2), then 3, then 6 exceeds
			// the bound: the entered 4 and 8 are still emitted.
			want:   func(*testTree) []int { return []int{1, 2, 3, 4, 8} },
			wantAn: func(tr *testTree) []found { return []found{{Limit, tr.addr[6]}} },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTestTree(order)
			v := NewVisited()
			if tc.damage != nil {
				tc.damage(tr, v)
			}
			got, an := WalkTree(tr.m, tr.spec(), WalkOptions{Max: tc.max, Visited: v})
			keys := tr.all()
			if tc.want != nil {
				keys = tc.want(tr)
			}
			want := tr.addrs(keys) // link order: the original key order
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("nodes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantAn(tr), kinds(an)); diff != "" {
				t.Errorf("anomalies (-want +got):\n%s\n%v", diff, an)
			}
		})
	}
}

func TestWalkTreeMessages(t *testing.T) {
	tr := newTestTree([]int{2, 1, 3})
	tr.m.putPtr(tr.addr[3]+tParent, 0)
	_, an := WalkTree(tr.m, tr.spec(), WalkOptions{})
	want := fmt.Sprintf("testtree: lwp %v: u.lwp_rbnode.rbe_parent is 0x0, expected %v (the lwp %v whose u.lwp_rbnode.rbe_right leads here)",
		tr.addr[3], tr.addr[2], tr.addr[2])
	if len(an) != 1 || an[0].Message != want {
		t.Errorf("got %v\nwant message %q", an, want)
	}
}

func TestWalkTreeEmpty(t *testing.T) {
	m := newFakeMem()
	head := m.alloc(24, 8)
	got, an := WalkTree(m, Tree{Name: "t", Head: head, Left: 0, Right: 8, Parent: 16}, WalkOptions{})
	if len(got) != 0 || len(an) != 0 {
		t.Errorf("empty tree: nodes %v, anomalies %v", got, an)
	}
}

// An entry and key at the very end of a page whose successor is unmapped:
// the combined read of links and an 8-byte key window fails, and the walk
// falls back to reading each word (the key as 4 bytes).
func TestWalkTreeEntryAtPageEnd(t *testing.T) {
	m := newFakeMem()
	head := m.alloc(24, 8)
	const left, right, parent, key = 4064, 4072, 4080, 4092
	a := m.alloc(dump.PageSize, dump.PageSize) // the last page mapped
	b := m.alloc(dump.PageSize, dump.PageSize)
	m.unmap(b + dump.PageSize) // nothing after b (the allocator never mapped it)
	m.putPtr(head, a)
	m.putPtr(a+right, b)
	m.putPtr(b+parent, a)
	m.putU32(a+key, 7)
	m.putU32(b+key, 3) // out of order: only seen if b's key was read
	got, an := WalkTree(m, Tree{Name: "t", Head: head, Elem: "lwp", Entry: "e", Left: left, Right: right, Parent: parent, KeyOff: key, KeyName: "lwp_tid"}, WalkOptions{})
	if diff := cmp.Diff([]dump.Addr{a, b}, got); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]found{{BadLink, b}}, kinds(an)); diff != "" {
		t.Errorf("anomalies (-want +got):\n%s\n%v", diff, an)
	}
}
