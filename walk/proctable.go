package walk

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
)

// PControlT is P_CONTROLT in p_flags: the process has a controlling terminal.
const PControlT = 0x2

// ProcessTable detects the kernel's era (DetectEra) and collects its process
// table (CollectTable). The error is DetectEra's: once the era is known, every
// problem is an anomaly in the table.
func ProcessTable(r dump.Reader, syms Symbols, dec *structs.Decoder, opt Options) (*Table, error) {
	era, err := DetectEra(syms, dec, r, opt.Version)
	if err != nil {
		return nil, err
	}
	return CollectTable(r, era, dec, opt), nil
}

// CollectTable walks every head of era and returns every proc it reaches,
// in walk order, with the objects of spec §9.4 that hang off each (ucred,
// pgrp and its session, parent, sigacts, the controlling tty with its cdev,
// pgrp and session when P_CONTROLT is set, vmspace, prison, pargs) and its
// LWPs in lwp_tid order, each with its thread and globaldata.
//
// Objects shared between procs are decoded once per address. A record's
// unreadable members become Fault anomalies once, naming the record and the
// proc that first led to it; an object that cannot be read at all is left
// nil (with a Fault), a non-kernel object pointer too (with a BadLink).
// Unlike libkvm, which aborts the whole listing, an LWP whose lwp_proc is
// not its process is kept in that process (and reported as WrongParent), and
// a process with no LWP is listed with none.
func CollectTable(r dump.Reader, era Era, dec *structs.Decoder, opt Options) *Table {
	b := newBuilder(r, era, dec, opt)
	t := &Table{Era: era}
	b.an = append(b.an, era.Anomalies...)

	// The topology first (sequential: the visited set decides what is a
	// cycle), then the records, decoded in parallel where they are
	// independent, then the assembly and the anomalies in walk order.
	lists, an := WalkHeads(r, era.Heads, Link{Elem: "proc", Entry: "p_list", Next: b.lk.ProcListNext, Prev: b.lk.ProcListPrev},
		WalkOptions{Max: b.maxObjects})
	b.an = append(b.an, an...)
	var addrs []dump.Addr
	var heads []int32
	for i, l := range lists {
		addrs = append(addrs, l...)
		for range l {
			heads = append(heads, int32(i))
		}
	}
	recs := make([]*structs.Proc, len(addrs))
	inAddressOrder(addrs, func(i int) { recs[i] = dec.Proc(r, addrs[i]) })

	procs := make([]Process, len(addrs)) // one allocation for the whole table
	t.Procs = make([]*Process, len(addrs))
	b.procs.m = make(map[dump.Addr]*slot[structs.Proc], len(addrs))
	for i, p := range recs {
		procs[i] = Process{Proc: p, Head: era.Heads[heads[i]].Name}
		t.Procs[i] = &procs[i]
		b.procs.m[p.Addr] = &slot[structs.Proc]{v: p, used: true}
		if len(p.Faults) > 0 {
			b.faults(p.Addr, procName(p), p.Faults)
		}
	}

	b.prefetch(recs)
	for _, pr := range t.Procs {
		b.objects(pr)
	}
	b.lwps(t.Procs)
	t.Anomalies = b.an
	return t
}

// parallel calls f(i) for i in [0, n) on up to GOMAXPROCS goroutines. The
// decoder is safe for concurrent use, and so is a dump.Reader (the
// io.ReaderAt contract).
func parallel(n int, f func(i int)) {
	const minChunk = 512 // below this, a goroutine costs more than it saves
	workers := min(runtime.GOMAXPROCS(0), (n+minChunk-1)/minChunk)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				f(i)
			}
		})
	}
	wg.Wait()
}

// inAddressOrder calls f(i) for every index of addrs, in parallel, visiting
// the addresses in ascending order within each worker. Objects a kernel
// allocated together lie together: sorted, the reads sweep the dump instead
// of jumping around it (hash-bucket order is pid & 255), which keeps the
// page cache, the TLB and the dump's resident budget working for us.
func inAddressOrder(addrs []dump.Addr, f func(i int)) {
	order := make([]int32, len(addrs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(addrs[a], addrs[b]) })
	parallel(len(order), func(k int) { f(int(order[k])) })
}

// builder holds the state of one CollectTable: the caches of shared objects
// by address and the LWP bound.
type builder struct {
	r          dump.Reader
	dec        *structs.Decoder
	lk         structs.Links
	era        Era
	an         []Anomaly
	maxObjects int
	maxLWPs    int
	lwpSeen    *Visited

	procs    cache[structs.Proc] // the table's procs and the parents decoded besides
	ucreds   cache[structs.UCred]
	pgrps    cache[structs.Pgrp]
	sessions cache[structs.Session]
	ttys     cache[structs.TTY]
	cdevs    cache[structs.Cdev]
	vmspaces cache[structs.Vmspace]
	prisons  cache[structs.Prison]
	sigacts  cache[structs.Sigacts]
	pargs    cache[structs.Pargs]
	gds      cache[structs.Globaldata]
}

func newBuilder(r dump.Reader, era Era, dec *structs.Decoder, opt Options) *builder {
	b := &builder{r: r, dec: dec, lk: dec.Links(), era: era,
		maxObjects: opt.MaxObjects, maxLWPs: opt.MaxLWPs, lwpSeen: NewVisited(),
		procs:    newCache("proc", dec.Proc, func(v *structs.Proc) []structs.Fault { return v.Faults }),
		ucreds:   newCache("ucred", dec.UCred, func(v *structs.UCred) []structs.Fault { return v.Faults }),
		pgrps:    newCache("pgrp", dec.Pgrp, func(v *structs.Pgrp) []structs.Fault { return v.Faults }),
		sessions: newCache("session", dec.Session, func(v *structs.Session) []structs.Fault { return v.Faults }),
		ttys:     newCache("tty", dec.TTY, func(v *structs.TTY) []structs.Fault { return v.Faults }),
		cdevs:    newCache("cdev", dec.Cdev, func(v *structs.Cdev) []structs.Fault { return v.Faults }),
		vmspaces: newCache("vmspace", dec.Vmspace, func(v *structs.Vmspace) []structs.Fault { return v.Faults }),
		prisons:  newCache("prison", dec.Prison, func(v *structs.Prison) []structs.Fault { return v.Faults }),
		sigacts:  newCache("sigacts", dec.Sigacts, func(v *structs.Sigacts) []structs.Fault { return v.Faults }),
		pargs:    newCache("pargs", dec.Pargs, func(v *structs.Pargs) []structs.Fault { return v.Faults }),
		gds:      newCache("globaldata", dec.Globaldata, func(v *structs.Globaldata) []structs.Fault { return v.Faults }),
	}
	if b.maxObjects <= 0 {
		b.maxObjects = DefaultMax
	}
	if b.maxLWPs <= 0 {
		b.maxLWPs = 4 * b.maxObjects
	}
	return b
}

func (b *builder) add(k Kind, a dump.Addr, format string, args ...any) {
	b.an = append(b.an, Anomaly{Kind: k, Addr: a, Message: fmt.Sprintf(format, args...)})
}

func procName(p *structs.Proc) string { return fmt.Sprintf("proc %v (pid %d)", p.Addr, p.PID) }

// faults reports the unreadable members of the record at a; what names the
// record. It returns true when nothing of the record could be read: that
// anomaly carries the record's address (the pointer's value), a member's
// carries the first unreadable address.
func (b *builder) faults(a dump.Addr, what string, fs []structs.Fault) bool {
	for _, f := range fs {
		if f.Field == "*" {
			b.add(Fault, a, "%s: cannot read it: %s", what, f.Detail)
			return true
		}
		b.add(Fault, f.Addr, "%s: %s unreadable: %s", what, f.Field, f.Detail)
	}
	return false
}
