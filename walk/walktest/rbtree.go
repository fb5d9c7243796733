package walktest

// rbInsert inserts n into the red-black tree rooted at *root, keyed by tid,
// exactly as BSD sys/tree.h RB_INSERT and RB_INSERT_COLOR do (a new node is a
// red leaf; recolour and rotate up the tree), so that the tree in the dump has
// the shape, colours and parent pointers of a real kernel's.
func rbInsert(root **wlwp, n *wlwp) {
	var parent *wlwp
	for t := *root; t != nil; {
		parent = t
		if n.s.tid < t.s.tid {
			t = t.left
		} else {
			t = t.right
		}
	}
	n.parent, n.left, n.right, n.red = parent, nil, nil, true
	switch {
	case parent == nil:
		*root = n
	case n.s.tid < parent.s.tid:
		parent.left = n
	default:
		parent.right = n
	}
	for p := n.parent; p != nil && p.red; p = n.parent {
		g := p.parent
		if p == g.left {
			if u := g.right; u != nil && u.red {
				u.red, p.red, g.red = false, false, true
				n = g
				continue
			}
			if p.right == n {
				rotateLeft(root, p)
				p, n = n, p
			}
			p.red, g.red = false, true
			rotateRight(root, g)
		} else {
			if u := g.left; u != nil && u.red {
				u.red, p.red, g.red = false, false, true
				n = g
				continue
			}
			if p.left == n {
				rotateRight(root, p)
				p, n = n, p
			}
			p.red, g.red = false, true
			rotateLeft(root, g)
		}
	}
	(*root).red = false
}

func rotateLeft(root **wlwp, x *wlwp) {
	y := x.right
	x.right = y.left
	if y.left != nil {
		y.left.parent = x
	}
	y.parent = x.parent
	switch {
	case x.parent == nil:
		*root = y
	case x == x.parent.left:
		x.parent.left = y
	default:
		x.parent.right = y
	}
	y.left = x
	x.parent = y
}

func rotateRight(root **wlwp, x *wlwp) {
	y := x.left
	x.left = y.right
	if y.right != nil {
		y.right.parent = x
	}
	y.parent = x.parent
	switch {
	case x.parent == nil:
		*root = y
	case x == x.parent.right:
		x.parent.right = y
	default:
		x.parent.left = y
	}
	y.right = x
	x.parent = y
}
