package walktest

// The world: every kernel object of the table with its address and the
// values of its links, decided before a byte is written, so that each object
// is encoded once.

type wproc struct {
	s        procSpec
	addr     uint64
	cred     *wcred
	ucredPtr uint64 // p_ucred as written (damage may point it elsewhere)
	pgrp     *wpgrp
	parent   *wproc
	vm       uint64
	args     uint64
	argRefs  uint32
	sig      uint64
	lwps     []*wlwp // tid order
	root     *wlwp   // RB root
	head     *whead

	next, prev       uint64 // p_list
	pgNext, pgPrev   uint64 // p_pglist
	sibNext, sibPrev uint64 // p_sibling
	children         uint64 // p_children.lh_first
	isolated         bool
}

type wlwp struct {
	s       lwpSpec
	addr    uint64
	td      uint64
	proc    *wproc
	procPtr uint64 // lwp_proc as written
	gd      uint64

	left, right, parent *wlwp // RB links
	red                 bool
	next, prev          uint64 // lwp_list (LIST era)

	wmesg    uint64
	wmesgStr string
	wchan    uint64
	wchanSym string
	lwpFlags uint32
	mpFlags  uint32
	tdFlags  uint32
}

type wcred struct {
	s    credSpec
	addr uint64
	refs int
}

type wpgrp struct {
	id      int32
	addr    uint64
	sess    *wsess
	members []*wproc // creation order
}

type wsess struct {
	id     int32
	addr   uint64
	s      sessSpec
	leader *wproc
	tty    *wtty
	ttyvp  uint64
	pgrps  int
}

type wtty struct {
	name string
	s    ttySpec
	addr uint64
	dev  uint64
	sess *wsess
	fg   *wpgrp
}

type whead struct {
	name  string
	addr  uint64
	procs []*wproc // list order: newest first
}
