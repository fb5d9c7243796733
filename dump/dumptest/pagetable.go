package dumptest

import "fmt"

// Mapping is one valid leaf entry of the model's page tables.
type Mapping struct {
	VA    uint64 // first virtual address mapped by the entry
	PA    uint64 // physical frame (entry masked with the frame mask of its size)
	Size  uint64 // 4096, 2 MiB or 1 GiB
	Entry uint64 // the raw entry, flags and ignored bits included
	// EntryPA is the physical address of the 8-byte entry itself.
	EntryPA uint64
}

// canonical sign-extends a 48-bit virtual address.
func canonical(va uint64) uint64 {
	if va&(1<<47) != 0 {
		return va | 0xffff000000000000
	}
	return va &^ 0xffff000000000000
}

func isCanonical(va uint64) bool { return canonical(va) == va }

// PML4 returns the physical address of the PML4 page, allocating it on first use.
func (m *Memory) PML4() uint64 {
	if m.pml4 == 0 {
		m.pml4 = m.newTable()
	}
	return m.pml4
}

func (m *Memory) newTable() uint64 {
	pa := m.AllocPage()
	if pa == 0 {
		return 0
	}
	m.pageForWrite(pa) // a zeroed table page is stored explicitly
	m.tables.set(pa / PageSize)
	m.gen++
	return pa
}

func intermediateNoise(idx uint64) uint64 {
	if idx%2 == 0 {
		return 0x200
	}
	return PG_IGN52
}

// descend returns the next-level table of the entry at tablePA[idx], creating it
// when the entry is not valid.
func (m *Memory) descend(tablePA, idx uint64, what string, va uint64) (uint64, error) {
	ea := tablePA + idx*8
	e := m.u64(ea)
	if e&PG_V != 0 {
		if e&PG_PS != 0 {
			return 0, fmt.Errorf("dumptest: VA %#x already mapped by a large %s entry", va, what)
		}
		return e & PG_FRAME, nil
	}
	t := m.newTable()
	if t == 0 {
		return 0, fmt.Errorf("dumptest: out of physical memory for a page-table page")
	}
	m.putU64(ea, t|intermediateFlags|intermediateNoise(idx))
	return t, nil
}

func (m *Memory) mapCheck(va, pa, flags, size, frame uint64) error {
	if !isCanonical(va) {
		return fmt.Errorf("dumptest: VA %#x is not canonical", va)
	}
	if va&(size-1) != 0 || pa&(size-1) != 0 {
		return fmt.Errorf("dumptest: VA %#x / PA %#x not aligned to %#x", va, pa, size)
	}
	if pa&^frame != 0 {
		return fmt.Errorf("dumptest: PA %#x outside the 52-bit frame", pa)
	}
	if flags&frame != 0 {
		return fmt.Errorf("dumptest: flags %#x overlap the frame bits", flags)
	}
	if m.PML4() == 0 {
		return fmt.Errorf("dumptest: out of physical memory for the PML4")
	}
	return nil
}

func (m *Memory) setLeaf(ea, v, va uint64) error {
	if old := m.u64(ea); old&PG_V != 0 {
		return fmt.Errorf("dumptest: VA %#x already mapped (entry %#x)", va, old)
	}
	m.putU64(ea, v)
	m.gen++
	return nil
}

// Map4K maps the 4 KiB page at va to pa with entry pa|flags|PG_V. Flags may hold
// PG_RW, PG_NX, PG_G, PG_AVL, ignored high bits…; missing intermediate tables are
// allocated with AllocPage.
func (m *Memory) Map4K(va, pa, flags uint64) error {
	if err := m.mapCheck(va, pa, flags, PageSize, PG_FRAME); err != nil {
		return err
	}
	pdp, err := m.descend(m.pml4, va>>39&511, "PML4", va)
	if err != nil {
		return err
	}
	pd, err := m.descend(pdp, va>>30&511, "1 GiB", va)
	if err != nil {
		return err
	}
	pt, err := m.descend(pd, va>>21&511, "2 MiB", va)
	if err != nil {
		return err
	}
	return m.setLeaf(pt+(va>>12&511)*8, pa|flags|PG_V, va)
}

// Map2M maps the 2 MiB page at va to pa with entry pa|flags|PG_PS|PG_V. Flags may
// include PG_PAT2M (bit 12).
func (m *Memory) Map2M(va, pa, flags uint64) error {
	if err := m.mapCheck(va, pa, flags, Size2M, PG_2MFRM); err != nil {
		return err
	}
	pdp, err := m.descend(m.pml4, va>>39&511, "PML4", va)
	if err != nil {
		return err
	}
	pd, err := m.descend(pdp, va>>30&511, "1 GiB", va)
	if err != nil {
		return err
	}
	ea := pd + (va>>21&511)*8
	if e := m.u64(ea); e&PG_V != 0 && e&PG_PS == 0 {
		return fmt.Errorf("dumptest: VA %#x already has a page table", va)
	}
	return m.setLeaf(ea, pa|flags|PG_PS|PG_V, va)
}

// Map1G maps the 1 GiB page at va to pa with entry pa|flags|PG_PS|PG_V.
func (m *Memory) Map1G(va, pa, flags uint64) error {
	if err := m.mapCheck(va, pa, flags, Size1G, PG_1GFRM); err != nil {
		return err
	}
	pdp, err := m.descend(m.pml4, va>>39&511, "PML4", va)
	if err != nil {
		return err
	}
	ea := pdp + (va>>30&511)*8
	if e := m.u64(ea); e&PG_V != 0 && e&PG_PS == 0 {
		return fmt.Errorf("dumptest: VA %#x already has a page directory", va)
	}
	return m.setLeaf(ea, pa|flags|PG_PS|PG_V, va)
}

// Unmap clears the leaf entry that maps va (of whatever size). Intermediate
// tables stay. It fails if va is not mapped.
func (m *Memory) Unmap(va uint64) error {
	mp, ok := m.Leaf(va)
	if !ok {
		return fmt.Errorf("dumptest: Unmap: VA %#x is not mapped", va)
	}
	m.putU64(mp.EntryPA, 0)
	m.gen++
	return nil
}

// SetEntry overwrites the raw leaf entry that maps va (tests of hostile entries).
func (m *Memory) SetEntry(va, entry uint64) error {
	mp, ok := m.Leaf(va)
	if !ok {
		return fmt.Errorf("dumptest: SetEntry: VA %#x is not mapped", va)
	}
	m.putU64(mp.EntryPA, entry)
	m.gen++
	return nil
}

// Leaf walks the model's page tables for va and returns the leaf mapping. The
// walk checks PG_V at every level and masks frames with PG_FRAME (tables and 4 KiB
// pages), the 2 MiB frame mask and the 1 GiB frame mask, so NX, PAT and ignored
// bits never leak into addresses.
func (m *Memory) Leaf(va uint64) (Mapping, bool) {
	if m.pml4 == 0 || !isCanonical(va) {
		return Mapping{}, false
	}
	ea := m.pml4 + (va>>39&511)*8
	e := m.u64(ea)
	if e&PG_V == 0 {
		return Mapping{}, false
	}
	ea = e&PG_FRAME + (va>>30&511)*8
	e = m.u64(ea)
	if e&PG_V == 0 {
		return Mapping{}, false
	}
	if e&PG_PS != 0 {
		return Mapping{VA: va &^ (Size1G - 1), PA: e & PG_1GFRM, Size: Size1G, Entry: e, EntryPA: ea}, true
	}
	ea = e&PG_FRAME + (va>>21&511)*8
	e = m.u64(ea)
	if e&PG_V == 0 {
		return Mapping{}, false
	}
	if e&PG_PS != 0 {
		return Mapping{VA: va &^ (Size2M - 1), PA: e & PG_2MFRM, Size: Size2M, Entry: e, EntryPA: ea}, true
	}
	ea = e&PG_FRAME + (va>>12&511)*8
	e = m.u64(ea)
	if e&PG_V == 0 {
		return Mapping{}, false
	}
	return Mapping{VA: va &^ (PageSize - 1), PA: e & PG_FRAME, Size: PageSize, Entry: e, EntryPA: ea}, true
}

// Translate returns the physical address that va maps to in the model's page
// tables. ok is false when a level is not valid. The PA need not be RAM.
func (m *Memory) Translate(va uint64) (pa uint64, ok bool) {
	mp, ok := m.Leaf(va)
	if !ok {
		return 0, false
	}
	return mp.PA + (va - mp.VA), true
}

// Mappings calls fn for every valid leaf entry whose range ends above from, in
// ascending VA order (lower half first, then the sign-extended upper half). It
// stops when fn returns false.
func (m *Memory) Mappings(from uint64, fn func(Mapping) bool) {
	if m.pml4 == 0 {
		return
	}
	for i4 := uint64(0); i4 < 512; i4++ {
		base4 := canonical(i4 << 39)
		if base4+(1<<39)-1 < from {
			continue
		}
		e4 := m.u64(m.pml4 + i4*8)
		if e4&PG_V == 0 {
			continue
		}
		for i3 := uint64(0); i3 < 512; i3++ {
			base3 := base4 + i3<<30
			if base3+Size1G-1 < from {
				continue
			}
			ea3 := e4&PG_FRAME + i3*8
			e3 := m.u64(ea3)
			if e3&PG_V == 0 {
				continue
			}
			if e3&PG_PS != 0 {
				if !fn(Mapping{VA: base3, PA: e3 & PG_1GFRM, Size: Size1G, Entry: e3, EntryPA: ea3}) {
					return
				}
				continue
			}
			for i2 := uint64(0); i2 < 512; i2++ {
				base2 := base3 + i2<<21
				if base2+Size2M-1 < from {
					continue
				}
				ea2 := e3&PG_FRAME + i2*8
				e2 := m.u64(ea2)
				if e2&PG_V == 0 {
					continue
				}
				if e2&PG_PS != 0 {
					if !fn(Mapping{VA: base2, PA: e2 & PG_2MFRM, Size: Size2M, Entry: e2, EntryPA: ea2}) {
						return
					}
					continue
				}
				for i1 := uint64(0); i1 < 512; i1++ {
					base1 := base2 + i1<<12
					if base1+PageSize-1 < from {
						continue
					}
					ea1 := e2&PG_FRAME + i1*8
					e1 := m.u64(ea1)
					if e1&PG_V == 0 {
						continue
					}
					if !fn(Mapping{VA: base1, PA: e1 & PG_FRAME, Size: PageSize, Entry: e1, EntryPA: ea1}) {
						return
					}
				}
			}
		}
	}
}

// MinidumpPages returns the minidump page set for a header kernbase: every RAM
// page mapped by a leaf at VA ≥ kernbase (all RAM pages of 2 MiB and 1 GiB leaves),
// every page-table page and every DumpAlso page, minus the Excluded pages. The
// result is a sorted list of physical addresses.
func (m *Memory) MinidumpPages(kernbase uint64) []uint64 {
	set := m.pageSet(kernbase)
	out := make([]uint64, 0, set.count())
	for i, ok := set.nextSet(0); ok; i, ok = set.nextSet(i + 1) {
		out = append(out, i*PageSize)
	}
	return out
}

// pageSet computes (and caches) the minidump page set as a bitset of page numbers.
func (m *Memory) pageSet(kernbase uint64) bitset {
	m.cache.Lock()
	defer m.cache.Unlock()
	if m.cache.set != nil && m.cache.gen == m.gen && m.cache.kernbase == kernbase {
		return m.cache.set
	}
	set := newBitset(m.npages)
	m.Mappings(kernbase, func(mp Mapping) bool {
		lo, hi := mp.PA, mp.PA+mp.Size
		if mp.VA < kernbase { // leaf straddling kernbase: only its part above counts
			lo += kernbase - mp.VA
		}
		if hi > m.physSize {
			hi = m.physSize
		}
		if lo < hi {
			set.setRange(lo/PageSize, (hi+PageSize-1)/PageSize)
		}
		return true
	})
	set.or(m.tables)
	set.or(m.dumpAlso)
	set.andNot(m.holeSet)
	set.andNot(m.excluded)
	m.cache.gen, m.cache.kernbase, m.cache.set = m.gen, kernbase, set
	return set
}

// kvaEnd returns the distance from kernbase to the end of the highest leaf mapping
// above kernbase (0 when there is none).
func (m *Memory) kvaSpan(kernbase uint64) uint64 {
	var span uint64
	m.Mappings(kernbase, func(mp Mapping) bool {
		end := mp.VA - kernbase + mp.Size
		if mp.VA < kernbase {
			end = mp.Size - (kernbase - mp.VA)
		}
		if end > span {
			span = end
		}
		return true
	})
	return span
}
