package dumptest

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
)

// Page-table entry bits and masks (spec §5.4), spelled out here rather than taken
// from package dump so that the model stays independent of the reader.
const (
	PageSize = 4096
	Size2M   = 1 << 21
	Size1G   = 1 << 30

	PG_V     = 0x001   // present
	PG_RW    = 0x002   // writable
	PG_A     = 0x020   // accessed
	PG_M     = 0x040   // dirty
	PG_PS    = 0x080   // large page (PDE, PDPE)
	PG_G     = 0x100   // global
	PG_AVL   = 0x600   // two of the three bits available to software (9, 10)
	PG_PAT2M = 0x1000  // PAT bit of a 2 MiB/1 GiB entry (bit 12, inside PG_FRAME!)
	PG_NX    = 1 << 63 // no-execute
	PG_IGN52 = 1 << 52 // an ignored high bit
	PG_IGN58 = 1 << 58 // another ignored high bit
	PG_FRAME = 0x000ffffffffff000
	PG_2MFRM = 0x000fffffffe00000
	PG_1GFRM = 0x000fffffc0000000

	// Intermediate (non-leaf) entries the model creates carry PG_V|PG_RW|PG_A plus
	// PG_AVL bit 9 (even slot) or PG_IGN52 (odd slot), so a reader that forgets to
	// mask with PG_FRAME fails.
	intermediateFlags = PG_V | PG_RW | PG_A
)

// Config configures a Memory.
type Config struct {
	// PhysSize is the amount of RAM in bytes, rounded up to a multiple of 2 MiB.
	// Zero means 64 MiB.
	PhysSize uint64
	// Seed seeds the PCG generator that scatters AllocPage results.
	Seed uint64
	// Holes are physical ranges [start, end) without RAM (rounded outwards to pages
	// and clipped to PhysSize). A nil slice means the PC hole [0xA0000, 0x100000);
	// a non-nil empty slice means no holes.
	Holes [][2]uint64
}

// DefaultPhysSize is the RAM size of a Memory built from a zero Config.
const DefaultPhysSize = 64 << 20

// Memory models a machine's physical RAM and the kernel's amd64 4-level page
// tables. Physical memory is sparse: only written pages are stored, and every
// other RAM byte reads as zero. Everything is deterministic from Config.Seed.
//
// A Memory is not safe for concurrent mutation. Once it is built, writers and
// oracles only read it, so several may run at once.
type Memory struct {
	physSize uint64
	npages   uint64
	holes    [][2]uint64 // sorted, page aligned, disjoint, inside RAM
	holeSet  bitset
	rng      *rand.Rand

	pages    map[uint64]*[PageSize]byte // by page number
	used     bitset                     // allocated, reserved, written, hole, page 0
	free     uint64                     // RAM pages not in used
	pml4     uint64
	tables   bitset // page-table pages
	excluded bitset
	dumpAlso bitset

	gen   uint64 // bumped by every mutation of the page tables or page sets
	cache struct {
		sync.Mutex // oracles may run concurrently on a finished memory
		gen        uint64
		kernbase   uint64
		set        bitset
	}

	// Options are the write options Expect, ExpectPhys and the Layout-less
	// oracles use. Zero fields take the defaults of WriteOptions.
	Options WriteOptions
}

// NewMemory returns an empty machine. The PML4 page is allocated on first use of
// PML4 or a Map call, so Reserve may claim fixed physical ranges before that.
func NewMemory(cfg Config) *Memory {
	size := cfg.PhysSize
	if size == 0 {
		size = DefaultPhysSize
	}
	size = (size + Size2M - 1) &^ (Size2M - 1)
	m := &Memory{
		physSize: size,
		npages:   size / PageSize,
		rng:      rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		pages:    make(map[uint64]*[PageSize]byte),
	}
	holes := cfg.Holes
	if holes == nil {
		holes = [][2]uint64{{0xA0000, 0x100000}}
	}
	m.holes = normalizeRanges(holes, size)
	m.holeSet = newBitset(m.npages)
	for _, h := range m.holes {
		m.holeSet.setRange(h[0]/PageSize, h[1]/PageSize)
	}
	m.used = m.holeSet.clone()
	m.used.set(0) // physical page 0 is reserved
	m.free = m.npages - m.used.count()
	m.tables = newBitset(m.npages)
	m.excluded = newBitset(m.npages)
	m.dumpAlso = newBitset(m.npages)
	return m
}

func normalizeRanges(in [][2]uint64, limit uint64) [][2]uint64 {
	var r [][2]uint64
	for _, h := range in {
		lo, hi := h[0]&^(PageSize-1), (h[1]+PageSize-1)&^(PageSize-1)
		if hi > limit {
			hi = limit
		}
		if lo < hi {
			r = append(r, [2]uint64{lo, hi})
		}
	}
	sort.Slice(r, func(i, j int) bool { return r[i][0] < r[j][0] })
	var out [][2]uint64
	for _, h := range r {
		if n := len(out); n > 0 && h[0] <= out[n-1][1] {
			if h[1] > out[n-1][1] {
				out[n-1][1] = h[1]
			}
			continue
		}
		out = append(out, h)
	}
	return out
}

// PhysSize returns the RAM size in bytes (holes included).
func (m *Memory) PhysSize() uint64 { return m.physSize }

// Holes returns the physical ranges [start, end) that hold no RAM.
func (m *Memory) Holes() [][2]uint64 { return append([][2]uint64(nil), m.holes...) }

// RAM returns the physical RAM ranges [start, end): [0, PhysSize) minus the holes.
func (m *Memory) RAM() [][2]uint64 {
	var out [][2]uint64
	start := uint64(0)
	for _, h := range m.holes {
		if h[0] > start {
			out = append(out, [2]uint64{start, h[0]})
		}
		start = h[1]
	}
	if start < m.physSize {
		out = append(out, [2]uint64{start, m.physSize})
	}
	return out
}

// IsRAM reports whether the physical address lies in RAM.
func (m *Memory) IsRAM(pa uint64) bool {
	return pa < m.physSize && !m.holeSet.get(pa/PageSize)
}

// AllocPage returns a free RAM page chosen pseudo-randomly, never in a hole,
// never page 0, never one returned, reserved or written before. It returns 0 when
// RAM is exhausted.
func (m *Memory) AllocPage() uint64 {
	if m.free == 0 {
		return 0
	}
	var pn uint64
	found := false
	for try := 0; try < 16; try++ {
		pn = m.rng.Uint64N(m.npages)
		if !m.used.get(pn) {
			found = true
			break
		}
	}
	if !found {
		var ok bool
		if pn, ok = m.used.nextClear(pn, m.npages); !ok {
			pn, ok = m.used.nextClear(0, m.npages)
			if !ok {
				return 0
			}
		}
	}
	m.used.set(pn)
	m.free--
	return pn * PageSize
}

// Reserve marks the RAM pages of [pa, pa+size) as taken, so AllocPage never
// returns them. It fails if a page is not RAM or already taken.
func (m *Memory) Reserve(pa, size uint64) error {
	lo, hi := pa&^(PageSize-1), (pa+size+PageSize-1)&^(PageSize-1)
	for p := lo; p < hi; p += PageSize {
		if !m.IsRAM(p) {
			return fmt.Errorf("dumptest: reserve: PA %#x is not RAM", p)
		}
		if m.used.get(p / PageSize) {
			return fmt.Errorf("dumptest: reserve: PA %#x already in use", p)
		}
	}
	for p := lo; p < hi; p += PageSize {
		m.used.set(p / PageSize)
		m.free--
	}
	return nil
}

func (m *Memory) markUsed(pn uint64) {
	if !m.used.get(pn) {
		m.used.set(pn)
		m.free--
	}
}

// page returns the stored page, or nil when it was never written.
func (m *Memory) page(pa uint64) *[PageSize]byte { return m.pages[pa/PageSize] }

func (m *Memory) pageForWrite(pa uint64) *[PageSize]byte {
	pn := pa / PageSize
	p := m.pages[pn]
	if p == nil {
		p = new([PageSize]byte)
		m.pages[pn] = p
		m.markUsed(pn)
	}
	return p
}

func (m *Memory) u64(pa uint64) uint64 {
	p := m.page(pa)
	if p == nil {
		return 0
	}
	o := pa & (PageSize - 1)
	return binary.LittleEndian.Uint64(p[o : o+8])
}

func (m *Memory) putU64(pa, v uint64) {
	p := m.pageForWrite(pa)
	o := pa & (PageSize - 1)
	binary.LittleEndian.PutUint64(p[o:o+8], v)
}

// copyPhys copies the bytes of one page at pa (no page crossing) into dst.
func (m *Memory) copyPhys(dst []byte, pa uint64) {
	if p := m.page(pa); p != nil {
		o := pa & (PageSize - 1)
		copy(dst, p[o:])
		return
	}
	clear(dst)
}

// WritePhys stores b at physical address pa. Every page touched must be RAM; it
// is marked in use so AllocPage never returns it.
func (m *Memory) WritePhys(pa uint64, b []byte) error {
	for i := 0; i < len(b); {
		a := pa + uint64(i)
		if a < pa {
			return fmt.Errorf("dumptest: WritePhys: address wraps")
		}
		if !m.IsRAM(a) {
			return fmt.Errorf("dumptest: WritePhys: PA %#x is not RAM", a)
		}
		p := m.pageForWrite(a)
		n := copy(p[a&(PageSize-1):], b[i:])
		i += n
	}
	m.gen++ // the bytes may be page-table entries
	return nil
}

// ReadPhys returns n bytes of the model's physical memory at pa (zeros where
// nothing was written). Every page must be RAM.
func (m *Memory) ReadPhys(pa uint64, n int) ([]byte, error) {
	out := make([]byte, n)
	for i := 0; i < n; {
		a := pa + uint64(i)
		if !m.IsRAM(a) {
			return out[:i], fmt.Errorf("dumptest: ReadPhys: PA %#x is not RAM", a)
		}
		k := min(n-i, int(PageSize-a&(PageSize-1)))
		m.copyPhys(out[i:i+k], a)
		i += k
	}
	return out, nil
}

// WriteVirt stores b at kernel virtual address va through the model's page
// tables. Every page must be mapped to RAM.
func (m *Memory) WriteVirt(va uint64, b []byte) error {
	for i := 0; i < len(b); {
		a := va + uint64(i)
		pa, ok := m.Translate(a)
		if !ok {
			return fmt.Errorf("dumptest: WriteVirt: VA %#x is not mapped", a)
		}
		k := min(len(b)-i, int(PageSize-a&(PageSize-1)))
		if err := m.WritePhys(pa, b[i:i+k]); err != nil {
			return fmt.Errorf("dumptest: WriteVirt: VA %#x: %w", a, err)
		}
		i += k
	}
	return nil
}

// ReadVirt returns n bytes at kernel virtual address va through the model's page
// tables (no dump format involved: excluded pages read normally).
func (m *Memory) ReadVirt(va uint64, n int) ([]byte, error) {
	out := make([]byte, n)
	for i := 0; i < n; {
		a := va + uint64(i)
		pa, ok := m.Translate(a)
		if !ok {
			return out[:i], fmt.Errorf("dumptest: ReadVirt: VA %#x is not mapped", a)
		}
		if !m.IsRAM(pa) {
			return out[:i], fmt.Errorf("dumptest: ReadVirt: VA %#x maps PA %#x, not RAM", a, pa)
		}
		k := min(n-i, int(PageSize-a&(PageSize-1)))
		m.copyPhys(out[i:i+k], pa)
		i += k
	}
	return out, nil
}

// Exclude marks the physical page holding pa as "not dumped" in minidumps. It
// stays in full ELF dumps, raw images and virtual ELF cores.
func (m *Memory) Exclude(pa uint64) {
	m.excluded.set(pa / PageSize)
	m.gen++
}

// DumpAlso adds the physical page holding pa to the minidump page set even if no
// kernel mapping at or above kernbase maps it (how DMAP-allocated objects get into
// minidumps). Pages outside RAM are ignored.
func (m *Memory) DumpAlso(pa uint64) {
	if m.IsRAM(pa) {
		m.dumpAlso.set(pa / PageSize)
		m.gen++
	}
}

// Excluded reports whether the page holding pa was excluded with Exclude.
func (m *Memory) Excluded(pa uint64) bool { return m.excluded.get(pa / PageSize) }

// IsTablePage reports whether the page holding pa is one of the model's page-table
// pages (PML4, PDP, PD or PT).
func (m *Memory) IsTablePage(pa uint64) bool { return m.tables.get(pa / PageSize) }

// TablePages returns the physical addresses of every page-table page, ascending.
func (m *Memory) TablePages() []uint64 {
	var out []uint64
	for i, ok := m.tables.nextSet(0); ok; i, ok = m.tables.nextSet(i + 1) {
		out = append(out, i*PageSize)
	}
	return out
}
