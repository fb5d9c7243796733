package walk

import (
	"github.com/kdump-bsd/kdump/dump"
)

// Tree describes a DragonFly red-black tree (sys/tree.h RB_HEAD/RB_ENTRY)
// of kernel objects. The names only make messages.
type Tree struct {
	Name   string    // the tree ("p_lwp_tree of proc 0x… (pid 12)")
	Head   dump.Addr // the address of the RB_HEAD (its rbh_root)
	Elem   string    // the element type ("lwp")
	Entry  string    // the RB_ENTRY member ("u.lwp_rbnode")
	Left   int64     // the offset of rbe_left in the element
	Right  int64     // the offset of rbe_right
	Parent int64     // the offset of rbe_parent
	// KeyName, when set, turns on the order check: the walk reads a signed
	// 32-bit key (lwp_tid) at KeyOff in each element, with the links, and
	// checks that the in-order sequence is strictly ascending.
	KeyName string
	KeyOff  int64
}

// WalkTree returns the elements of a red-black tree in order (ascending
// key), by a complete iterative in-order walk: unlike libkvm's (spec §9.5)
// it reaches every node, and its explicit stack never holds more than the
// nodes the bound admits.
//
// It checks that every link is a canonical, aligned kernel address, that
// each node's rbe_parent is the node whose child it is (NULL for the root),
// that no node is reached twice (a cycle or a shared subtree; with a shared
// opt.Visited, a node of another tree: cross-linked) and, with t.Key, the
// key order. A bad parent pointer or key order is reported and the node
// kept (the child links are what the kernel searches by); a bad child link
// or a node that cannot be read costs that subtree only: the walk goes on
// with the rest of the tree.
func WalkTree(r dump.Reader, t Tree, opt WalkOptions) ([]dump.Addr, []Anomaly) {
	w := newWalker(r, walkName{s: t.Name}, t.Elem, opt)
	return w.tree(t), w.an
}

func (w *walker) tree(t Tree) []dump.Addr {
	root, err := dump.ReadPtr(w.r, t.Head)
	if err != nil {
		w.add(Fault, t.Head, "%s: cannot read rbh_root at %v: %v", w.name, t.Head, err)
		return nil
	}
	type frame struct {
		node, right dump.Addr
		key         int32
		keyOK       bool
	}
	var (
		stack   []frame
		nodes   []dump.Addr
		offs    = []int64{t.Left, t.Right, t.Parent, t.KeyOff}
		e       [4]dump.Addr // left, right, parent and key of the node being entered
		prev    dump.Addr    // the last node emitted
		prevKey int64
		stopped bool // the bound was reached
	)
	withKey := t.KeyName != ""
	if !withKey {
		offs = offs[:3]
	}
	cur, parent, from := root, dump.Addr(0), via{member: "rbh_root"}
	for {
		// Enter cur and the chain of left children below it.
		for cur != 0 {
			if !w.reach(cur, from) {
				// At the bound, the nodes already entered are still
				// emitted (in order), but no right subtree is entered.
				stopped = stopped || w.limited()
				break
			}
			keyOK, err := w.read(cur, offs, withKey, e[:])
			if err != nil {
				w.add(Fault, cur, "%s: cannot read %s of %s (reached by %s): %v; its subtree is lost", w.name, t.Entry, w.node(cur), w.from(from), err)
				break
			}
			w.visit(cur)
			if e[2] != parent {
				w.add(BadLink, cur, "%s: %s: %s.rbe_parent is %v, expected %v (%s)", w.name, w.node(cur), t.Entry, e[2], parent, w.parentWant(from))
			}
			stack = append(stack, frame{cur, e[1], int32(e[3]), keyOK})
			parent, cur, from = cur, e[0], via{t.Entry, "rbe_left", cur}
		}
		if len(stack) == 0 {
			return nodes
		}
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nodes = append(nodes, f.node)
		if f.keyOK { // a key that cannot be read is not compared: the record decoder reports it
			k := int64(f.key)
			if prev != 0 && k <= prevKey {
				w.add(BadLink, f.node, "%s: %s (%s %d) follows %s (%s %d) in order: tree out of order", w.name, w.node(f.node), t.KeyName, k, w.node(prev), t.KeyName, prevKey)
			}
			prev, prevKey = f.node, k
		}
		if stopped {
			cur = 0
			continue
		}
		parent, cur, from = f.node, f.right, via{t.Entry, "rbe_right", f.node}
	}
}

// parentWant explains the rbe_parent a node reached by f must hold.
func (w *walker) parentWant(f via) string {
	if f.node == 0 {
		return "the root has no parent"
	}
	return "the " + w.node(f.node) + " whose " + f.path() + " leads here"
}
