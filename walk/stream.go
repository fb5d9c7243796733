package walk

import (
	"cmp"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
)

// Stream is a process table walked in two steps, so that a table of
// 100,000 processes never has to be held whole: OpenStream walks the
// process lists and decodes the procs (small, and needed to sort); All then
// completes each process — the objects it points to, its LWPs and threads —
// on several goroutines, and hands them out in report order, each only once
// it is complete. A consumer that drops each process after use holds a few
// hundred at a time.
type Stream struct {
	Era   Era
	b     *builder
	procs []*Process // report order: by pid (unreadable pids last), then address
	topo  []Anomaly  // the era's, the list walks' and the procs' own anomalies
	an    []Anomaly  // topo, then the per-process ones merged by the last All
}

// OpenStream detects the kernel's era (DetectEra), walks its process lists
// and decodes every proc they reach. The error is DetectEra's: once the era
// is known, every problem is an anomaly.
func OpenStream(r dump.Reader, syms Symbols, dec *structs.Decoder, opt Options) (*Stream, error) {
	era, err := DetectEra(syms, dec, r, opt.Version)
	if err != nil {
		return nil, err
	}
	return openStream(r, era, dec, opt), nil
}

func openStream(r dump.Reader, era Era, dec *structs.Decoder, opt Options) *Stream {
	b := newBuilder(r, era, dec, opt)
	s := &Stream{Era: era, b: b}
	var an collector
	for _, a := range era.Anomalies {
		an.add(a)
	}
	lists, lan, recs := walkProcLists(r, era, b)
	for _, a := range lan {
		an.add(a)
	}
	var addrs []dump.Addr
	var heads []int32
	for i, l := range lists {
		addrs = append(addrs, l...)
		for range l {
			heads = append(heads, int32(i))
		}
	}
	if recs == nil {
		recs = make([]*structs.Proc, len(addrs))
		inAddressOrder(addrs, func(i int) { recs[i] = dec.Proc(r, addrs[i]) })
	}

	s.procs = make([]*Process, len(addrs))
	b.procs.m = make(map[dump.Addr]*structs.Proc, len(addrs))
	for i, p := range recs {
		// One allocation each: once handed out, a process is the consumer's
		// to keep or drop.
		s.procs[i] = &Process{Proc: p, Head: era.Heads[heads[i]].Name}
		b.procs.m[p.Addr] = p
		if len(p.Faults) > 0 {
			an.faults(p.Addr, procName(p), p.Faults, false)
		}
	}
	for _, p := range an.list {
		s.topo = append(s.topo, p.Anomaly)
	}
	// Report order; the keys first ("known" is a search, too dear for a
	// comparator).
	type key struct {
		unknown bool
		pid     int32
		addr    dump.Addr
		p       *Process
	}
	keys := make([]key, len(s.procs))
	for i, p := range s.procs {
		keys[i] = key{!p.Proc.Known("p_pid"), p.Proc.PID, p.Proc.Addr, p}
	}
	slices.SortFunc(keys, func(x, y key) int {
		if x.unknown != y.unknown {
			if x.unknown {
				return 1
			}
			return -1
		}
		if !x.unknown {
			if c := cmp.Compare(x.pid, y.pid); c != 0 {
				return c
			}
		}
		return cmp.Compare(x.addr, y.addr)
	})
	for i := range keys {
		s.procs[i] = keys[i].p
	}
	s.an = slices.Clone(s.topo)
	return s
}

// walkProcLists walks the process lists and decodes each proc as it is
// reached, while the reader still holds its page; recs are the procs in list
// order, or nil when they still have to be decoded.
//
// The lists are walked on several goroutines at once, each taking a run of
// consecutive heads with a visited set of its own: only what one walk with
// one set would find (a list running into another) can differ, and the
// result is accepted only when no proc turned up under two runs and no run
// reached the bound — as on every sound dump. Otherwise the lists are
// walked again, sequentially, as WalkHeads does, and the answer is
// WalkHeads' exactly.
func walkProcLists(r dump.Reader, era Era, b *builder) ([][]dump.Addr, []Anomaly, []*structs.Proc) {
	link := Link{Elem: "proc", Entry: "p_list", Next: b.lk.ProcListNext, Prev: b.lk.ProcListPrev}
	heads := era.Heads
	groups := min(runtime.GOMAXPROCS(0), max(1, len(heads)/16))
	type part struct {
		lists [][]dump.Addr
		an    []Anomaly
		recs  []*structs.Proc // in visit order, which is list order
	}
	parts := make([]part, groups)
	var wg sync.WaitGroup
	for g := range groups {
		lo, hi := g*len(heads)/groups, (g+1)*len(heads)/groups
		wg.Go(func() {
			pc := &pageCache{r: r}
			p := &parts[g]
			p.lists, p.an = walkHeads(pc, heads[lo:hi], link, WalkOptions{Max: b.maxObjects},
				func(a dump.Addr) { p.recs = append(p.recs, b.dec.Proc(pc, a)) })
		})
	}
	wg.Wait()

	var lists [][]dump.Addr
	var an []Anomaly
	var recs []*structs.Proc
	seen := map[dump.Addr]bool{}
	ok := true
	for _, p := range parts {
		lists = append(lists, p.lists...)
		an = append(an, p.an...)
		recs = append(recs, p.recs...)
		for _, x := range p.an {
			ok = ok && x.Kind != Limit
		}
	}
	for _, l := range lists {
		for _, a := range l {
			if seen[a] {
				ok = false
			}
			seen[a] = true
		}
	}
	if ok && len(recs) < b.maxObjects {
		return lists, an, recs
	}
	lists, an = WalkHeads(r, heads, link, WalkOptions{Max: b.maxObjects})
	return lists, an, nil
}

// Len returns the number of processes.
func (s *Stream) Len() int { return len(s.procs) }

// Anomalies returns every anomaly found: those of OpenStream, then, once
// All has run to the end, those of each process in report order (a shared
// object's problem once, with the first process that led to it).
func (s *Stream) Anomalies() []Anomaly { return slices.Clone(s.an) }

// streamChunk is how many processes one task completes.
const streamChunk = 64

// All yields every process, completed, in report order. Processes are
// completed on up to GOMAXPROCS goroutines a bounded distance ahead of the
// consumer. Each run recomputes the per-process anomalies.
func (s *Stream) All() iter.Seq[*Process] {
	return func(yield func(*Process) bool) {
		for p := range s.AllWith(nil) {
			if !yield(p) {
				return
			}
		}
	}
}

// AllWith is All, and it also calls prepare on each completed process on
// the goroutine that completed it — so the consumer's own work on a process
// (converting, encoding) runs in parallel too — and yields its result with
// the process. The result is nil when the merge in report order changed the
// process after prepare saw it (an LWP already listed in an earlier process,
// or the table's LWP bound): the consumer must redo its work then.
func (s *Stream) AllWith(prepare func(*Process) any) iter.Seq2[*Process, any] {
	return func(yield func(*Process, any) bool) {
		b := s.b
		s.an = slices.Clone(s.topo)
		n := len(s.procs)
		nchunks := (n + streamChunk - 1) / streamChunk
		workers := max(1, min(runtime.GOMAXPROCS(0), nchunks))
		type result struct {
			an   []collector // per process
			prep []any       // prepare's results, per process
			done chan struct{}
		}
		results := make([]result, nchunks)
		for i := range results {
			results[i].done = make(chan struct{})
		}
		ahead := make(chan struct{}, 4*workers) // chunks completed or in progress, not yet consumed
		quit := make(chan struct{})
		var next sync.Mutex
		nextChunk := 0
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				ws := workState{r: &pageCache{r: b.r}}
				for {
					select {
					case ahead <- struct{}{}:
					case <-quit:
						return
					}
					next.Lock()
					k := nextChunk
					nextChunk++
					next.Unlock()
					if k >= nchunks {
						return
					}
					lo, hi := k*streamChunk, min((k+1)*streamChunk, n)
					res := &results[k]
					res.an = make([]collector, hi-lo)
					res.prep = make([]any, hi-lo)
					for i := lo; i < hi; i++ {
						b.complete(s.procs[i], &ws, &res.an[i-lo])
						if prepare != nil {
							res.prep[i-lo] = prepare(s.procs[i])
						}
					}
					close(res.done)
				}
			})
		}
		defer func() {
			close(quit)
			wg.Wait()
		}()

		m := merger{b: b, seenLWP: make(map[dump.Addr]*structs.Proc), once: make(map[onceKey]bool)}
		for k := range nchunks {
			<-results[k].done
			lo := k * streamChunk
			for j := range results[k].an {
				pr := s.procs[lo+j]
				nlwps := len(pr.LWPs)
				s.an = m.merge(pr, &results[k].an[j], s.an)
				prep := results[k].prep[j]
				if len(pr.LWPs) != nlwps {
					prep = nil
				}
				if !yield(pr, prep) {
					return
				}
				// The consumer has it now: the stream keeps only the proc.
				s.procs[lo+j] = &Process{Proc: pr.Proc, Head: pr.Head}
			}
			results[k].an, results[k].prep = nil, nil
			<-ahead
		}
	}
}

// workState is what one goroutine reuses from process to process.
type workState struct {
	r    *pageCache // the reader, with the pages of the last processes
	seen *Visited   // the LWP walk's visited set, cleared per process
}

// pending is an anomaly found while completing a process. A once anomaly
// (the problem of an object several processes share) is kept only the first
// time its key comes up in report order.
type pending struct {
	Anomaly
	once bool
}

type onceKey struct {
	kind Kind
	addr dump.Addr
}

// collector gathers the anomalies of one process.
type collector struct{ list []pending }

func (c *collector) add(a Anomaly) { c.list = append(c.list, pending{Anomaly: a}) }

func (c *collector) addf(once bool, k Kind, a dump.Addr, format string, args ...any) {
	c.list = append(c.list, pending{Anomaly{Kind: k, Addr: a, Message: fmt.Sprintf(format, args...)}, once})
}

// faults reports the unreadable members of the record at a; what names the
// record. It returns true when nothing of the record could be read: that
// anomaly carries the record's address (the pointer's value), a member's
// carries the first unreadable address.
func (c *collector) faults(a dump.Addr, what string, fs []structs.Fault, once bool) bool {
	for _, f := range fs {
		if f.Field == "*" {
			c.addf(once, Fault, a, "%s: cannot read it: %s", what, f.Detail)
			return true
		}
		c.addf(once, Fault, f.Addr, "%s: %s unreadable: %s", what, f.Field, f.Detail)
	}
	return false
}

// merger applies, in report order, what needs the processes before: an LWP
// already reached in an earlier process's container, the table's LWP bound,
// and the deduplication of shared objects' anomalies.
type merger struct {
	b       *builder
	seenLWP map[dump.Addr]*structs.Proc
	once    map[onceKey]bool
	lwps    int
	limited bool
}

func (m *merger) merge(pr *Process, c *collector, out []Anomaly) []Anomaly {
	for _, p := range c.list {
		if p.once {
			k := onceKey{p.Kind, p.Addr}
			if m.once[k] {
				continue
			}
			m.once[k] = true
		}
		out = append(out, p.Anomaly)
	}
	kept := pr.LWPs[:0]
	for _, th := range pr.LWPs {
		a := th.LWP.Addr
		if other, ok := m.seenLWP[a]; ok {
			out = append(out, Anomaly{Kind: BadLink, Addr: a, Message: fmt.Sprintf("%s of %s: lwp %v was already reached in %s of %s (cross-linked); listed there only",
				m.b.era.LWPs, procName(pr.Proc), a, m.b.era.LWPs, procName(other))})
			continue
		}
		if m.lwps >= m.b.maxLWPs {
			if !m.limited {
				m.limited = true
				out = append(out, Anomaly{Kind: Limit, Addr: a, Message: fmt.Sprintf("the bound of %d LWPs was reached at lwp %v of %s: the LWPs from there on are not listed",
					m.b.maxLWPs, a, procName(pr.Proc))})
			}
			continue
		}
		m.seenLWP[a] = pr.Proc
		m.lwps++
		kept = append(kept, th)
	}
	if len(kept) == 0 {
		kept = nil
	}
	pr.LWPs = kept
	return out
}

// CollectTable walks every head of era and returns every proc it reaches,
// in report order (by pid, unreadable pids last, then address), with the
// objects of spec §9.4 that hang off each (ucred, pgrp and its session,
// parent, sigacts, the controlling tty with its cdev, pgrp and session when
// P_CONTROLT is set, vmspace, prison, pargs) and its LWPs in lwp_tid order,
// each with its thread and globaldata. It holds the whole table: for large
// ones use OpenStream.
//
// Objects shared between procs are decoded once per address. A record's
// unreadable members become Fault anomalies once, naming the record and the
// first proc (in report order) that led to it; an object that cannot be
// read at all is left nil (with a Fault), a non-kernel object pointer too
// (with a BadLink). Unlike libkvm, which aborts the whole listing, an LWP
// whose lwp_proc is not its process is kept in that process (and reported
// as WrongParent), and a process with no LWP is listed with none.
func CollectTable(r dump.Reader, era Era, dec *structs.Decoder, opt Options) *Table {
	s := openStream(r, era, dec, opt)
	t := &Table{Era: era, Procs: make([]*Process, 0, s.Len())}
	for p := range s.All() {
		t.Procs = append(t.Procs, p)
	}
	t.Anomalies = s.Anomalies()
	return t
}

// complete fills in what hangs off pr's proc and its LWPs.
func (b *builder) complete(pr *Process, ws *workState, c *collector) {
	b.objects(ws.r, pr, c)
	b.lwps(pr, ws, c)
}
