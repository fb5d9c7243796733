package dump

import "sync/atomic"

// tlb caches the last translations of virtual pages to file offsets, so a read of
// a recently seen page costs three loads instead of a page-table walk. It is
// direct-mapped and lock-free: an entry is (key, off) written as key=0, off, key,
// and read as key, off, key; a reader accepts it only if both key loads match,
// which rules out a torn entry (two writers of one key write the same offset).
type tlb struct {
	e [tlbSize]tlbEntry
}

const tlbSize = 1 << 16 // 65536 pages = 256 MiB of reach, 1 MiB of entries

type tlbEntry struct {
	key atomic.Uint64 // vpn+1, so that 0 means empty
	off atomic.Int64  // file offset of the page
}

func (t *tlb) lookup(vpn uint64) (int64, bool) {
	e := &t.e[vpn%tlbSize]
	k := e.key.Load()
	off := e.off.Load()
	return off, k == vpn+1 && e.key.Load() == k
}

func (t *tlb) store(vpn uint64, off int64) {
	e := &t.e[vpn%tlbSize]
	e.key.Store(0)
	e.off.Store(off)
	e.key.Store(vpn + 1)
}
