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
// of jumping around it (hash-bucket order is pid & 255).
func inAddressOrder(addrs []dump.Addr, f func(i int)) {
	order := make([]int32, len(addrs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(addrs[a], addrs[b]) })
	parallel(len(order), func(k int) { f(int(order[k])) })
}

// builder holds what the completion of processes shares: the decoder, the
// bounds, and the caches of shared objects by address. Everything in it is
// safe for concurrent use.
type builder struct {
	r          dump.Reader
	dec        *structs.Decoder
	lk         structs.Links
	era        Era
	maxObjects int
	maxLWPs    int

	procs    cache[structs.Proc] // the table's procs and the parents decoded besides
	ucreds   cache[structs.UCred]
	pgrps    cache[structs.Pgrp]
	sessions cache[structs.Session]
	ttys     cache[structs.TTY]
	cdevs    cache[structs.Cdev]
	prisons  cache[structs.Prison]
	sigacts  cache[structs.Sigacts]
	gds      cache[structs.Globaldata]
}

func newBuilder(r dump.Reader, era Era, dec *structs.Decoder, opt Options) *builder {
	b := &builder{r: r, dec: dec, lk: dec.Links(), era: era,
		maxObjects: opt.MaxObjects, maxLWPs: opt.MaxLWPs,
		procs:    newCache("proc", dec.Proc, func(v *structs.Proc) []structs.Fault { return v.Faults }),
		ucreds:   newCache("ucred", dec.UCred, func(v *structs.UCred) []structs.Fault { return v.Faults }),
		pgrps:    newCache("pgrp", dec.Pgrp, func(v *structs.Pgrp) []structs.Fault { return v.Faults }),
		sessions: newCache("session", dec.Session, func(v *structs.Session) []structs.Fault { return v.Faults }),
		ttys:     newCache("tty", dec.TTY, func(v *structs.TTY) []structs.Fault { return v.Faults }),
		cdevs:    newCache("cdev", dec.Cdev, func(v *structs.Cdev) []structs.Fault { return v.Faults }),
		prisons:  newCache("prison", dec.Prison, func(v *structs.Prison) []structs.Fault { return v.Faults }),
		sigacts:  newCache("sigacts", dec.Sigacts, func(v *structs.Sigacts) []structs.Fault { return v.Faults }),
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

func procName(p *structs.Proc) string { return fmt.Sprintf("proc %v (pid %d)", p.Addr, p.PID) }
