package dump

import (
	"slices"
	"sync"
	"sync/atomic"
)

// DefaultResidentBudget is how much file-backed memory the process may hold
// resident before kdump lets the kernel drop the least recently read parts
// of a large mapped dump (WithResidentBudget).
const DefaultResidentBudget = 256 << 20

// WithResidentBudget bounds the file-backed memory a mapped dump keeps
// resident in this process. Walking every object of a multi-gigabyte core
// would otherwise keep every page it touched mapped: when the process's
// file-backed resident set grows past n bytes, the least recently read
// 16 MiB chunks of the mapping are dropped (madvise MADV_DONTNEED) until a
// quarter of the budget is free. The pages stay in the page cache, so a later
// read of them costs a minor fault, not I/O. 0 disables the bound. Only Linux
// reports the resident figure; elsewhere the option has no effect. Chunks
// read during the last few thousand reads are never dropped, so random reads
// over more than the budget can exceed it rather than thrash.
func WithResidentBudget(n int64) Option { return func(o *options) { o.residentBudget = n } }

const (
	checkEvery = 4096 // reads between two looks at the resident size (a power of two)
	chunkShift = 24   // 16 MiB chunks
)

// residency keeps the resident part of one mapping under a budget. Reads
// stamp their chunk with the current epoch (the number of checks so far);
// every checkEvery reads the process's resident size is read, which bounds
// the growth between checks to checkEvery pages.
type residency struct {
	mapping []byte
	budget  int64
	reads   atomic.Uint32
	epoch   atomic.Uint32
	stamp   []atomic.Uint32 // per chunk: epoch of its last read + 1; 0 = not resident since the last drop
	mu      sync.Mutex      // one trimmer at a time
	drops   atomic.Int64    // chunks dropped (for tests and benchmarks)
}

func newResidency(mapping []byte, budget int64) *residency {
	if budget <= 0 || int64(len(mapping)) <= budget/2 || !residentSupported {
		return nil // a file smaller than half the budget cannot exceed it on its own
	}
	n := (len(mapping) + 1<<chunkShift - 1) >> chunkShift
	return &residency{mapping: mapping, budget: budget, stamp: make([]atomic.Uint32, n)}
}

// touched is called after each read of the mapping at file offset off.
func (r *residency) touched(off int64) {
	if r == nil {
		return
	}
	if s := &r.stamp[off>>chunkShift]; s.Load() != r.epoch.Load()+1 {
		s.Store(r.epoch.Load() + 1)
	}
	if r.reads.Add(1)&(checkEvery-1) == 0 {
		r.check()
	}
}

func (r *residency) check() {
	if !r.mu.TryLock() {
		return // another reader is trimming
	}
	defer r.mu.Unlock()
	now := r.epoch.Add(1)
	n, ok := residentFileBytes()
	if !ok || n <= r.budget {
		return
	}
	// Drop idle chunks — not read during the last two epochs — oldest first,
	// until a quarter of the budget is free (a chunk may have been only
	// partly resident, so the estimate errs towards dropping more). A chunk
	// read lately is kept even over budget: under uniformly random reads
	// every chunk is busy, and dropping busy chunks only trades memory for
	// page faults and madvise calls (measured: 14x slower).
	need := n - r.budget*3/4
	var order []int
	for i := range r.stamp {
		if s := r.stamp[i].Load(); s != 0 && s+2 <= now {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return int(r.stamp[a].Load()) - int(r.stamp[b].Load()) })
	for _, i := range order {
		if need <= 0 {
			break
		}
		lo := int64(i) << chunkShift
		hi := min(lo+1<<chunkShift, int64(len(r.mapping)))
		dropResident(r.mapping[lo:hi])
		r.stamp[i].Store(0)
		r.drops.Add(1)
		need -= hi - lo
	}
}
