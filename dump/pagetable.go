package dump

import (
	"fmt"
	"sync/atomic"
)

// A leaf describes how one 2 MiB region of virtual memory is mapped: either by one
// large page (2 MiB or 1 GiB), or by a page-table page of 512 PTEs. Translations
// cache leaves, so a read costs one PTE load plus the physical lookup.
type leaf struct {
	region uint64 // va >> 21
	large  bool
	pa     uint64 // large: physical address of the region's first byte
	ptOff  int64  // !large: file offset of the PT page, or -1 to read it through ptPA
	ptPA   uint64 // !large: physical address of the PT page
}

const leafCacheSize = 4096 // 8 GiB of virtual address space; 32 KiB of pointers

// leafCache is a direct-mapped cache of leaves; lock-free, so a Core can be shared.
type leafCache struct {
	slots [leafCacheSize]atomic.Pointer[leaf]
}

func (c *leafCache) get(region uint64) *leaf {
	l := c.slots[region%leafCacheSize].Load()
	if l != nil && l.region == region {
		return l
	}
	return nil
}

func (c *leafCache) put(l *leaf) { c.slots[l.region%leafCacheSize].Store(l) }

// tableSpace translates virtual addresses through page tables whose lower levels
// live in physical memory. resolve is the format-specific upper part: it returns the
// leaf of va's 2 MiB region.
type tableSpace struct {
	b       *backing
	pm      physMap
	cache   leafCache
	resolve func(va uint64) (*leaf, *FaultError)
	// direct translates addresses outside the page tables (a minidump's DMAP);
	// ok is false when va is not such an address.
	direct func(va uint64) (pa uint64, ok bool)
}

func (t *tableSpace) vtopPhys(va uint64) (uint64, *FaultError) {
	if t.direct != nil {
		if pa, ok := t.direct(va); ok {
			return pa, nil
		}
	}
	if top := int64(va) >> 47; top != 0 && top != -1 {
		return 0, &FaultError{Kind: Unmapped, Detail: "non-canonical address"}
	}
	region := va >> 21
	l := t.cache.get(region)
	if l == nil {
		var err *FaultError
		if l, err = t.resolve(va); err != nil {
			return 0, err
		}
		t.cache.put(l)
	}
	if l.large {
		return l.pa + va&(LargeSize-1), nil
	}
	idx := (va >> 12) & 511
	var pte uint64
	if l.ptOff >= 0 {
		pte, _ = t.b.u64(l.ptOff + int64(idx)*8)
	} else {
		var err *FaultError
		if pte, err = readEntry(t.b, t.pm, l.ptPA, idx, "PT"); err != nil {
			return 0, err
		}
	}
	if pte&PteValid == 0 {
		return 0, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("PTE %#x at PA %#x not valid", pte, l.ptPA+idx*8)}
	}
	return pte&FrameMask | va&PageMask, nil
}

func (t *tableSpace) vtop(va uint64) (int64, int, *FaultError) {
	pa, err := t.vtopPhys(va)
	if err != nil {
		return 0, 0, err
	}
	return t.pm.ptoo(pa)
}

// readEntry reads the 8-byte entry idx of the page-table page at physical address
// table.
func readEntry(b *backing, pm physMap, table, idx uint64, level string) (uint64, *FaultError) {
	pa := table + idx*8
	off, n, err := pm.ptoo(pa)
	if err != nil {
		return 0, &FaultError{Kind: err.Kind, Detail: fmt.Sprintf("%s page at PA %#x: %s", level, table, err.Kind)}
	}
	if n < 8 {
		return 0, &FaultError{Kind: Truncated, Detail: fmt.Sprintf("%s entry at PA %#x straddles the end of the dumped memory", level, pa)}
	}
	v, ok := b.u64(off)
	if !ok {
		return 0, &FaultError{Kind: Truncated, Detail: fmt.Sprintf("%s entry at PA %#x lies past the end of the file", level, pa)}
	}
	return v, nil
}

// ptLeaf builds the leaf for a region mapped by the PT page at physical address pt.
func ptLeaf(pm physMap, region, pt uint64) *leaf {
	l := &leaf{region: region, ptPA: pt, ptOff: -1}
	if off, n, err := pm.ptoo(pt); err == nil && n >= PageSize {
		l.ptOff = off
	}
	return l
}

// walk4 resolves the leaf of va by a full amd64 4-level walk from the PML4 at
// physical address root (ELF full dumps and raw images). Large-page frames are
// masked with their proper masks, so NX and software bits never leak into addresses.
func walk4(b *backing, pm physMap, root, va uint64) (*leaf, *FaultError) {
	region := va >> 21
	pml4e, err := readEntry(b, pm, root, (va>>39)&511, "PML4")
	if err != nil {
		return nil, err
	}
	if pml4e&PteValid == 0 {
		return nil, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("PML4E %#x not valid", pml4e)}
	}
	pdpe, err := readEntry(b, pm, pml4e&FrameMask, (va>>30)&511, "PDP")
	if err != nil {
		return nil, err
	}
	if pdpe&PteValid == 0 {
		return nil, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("PDPE %#x not valid", pdpe)}
	}
	if pdpe&PtePS != 0 {
		return &leaf{region: region, large: true, pa: pdpe&Frame1GiB + va&(HugeSize-1)&^(LargeSize-1)}, nil
	}
	return pdLeaf(b, pm, pdpe&FrameMask, va)
}

// pdLeaf finishes a walk at the PD page pd.
func pdLeaf(b *backing, pm physMap, pd, va uint64) (*leaf, *FaultError) {
	region := va >> 21
	pde, err := readEntry(b, pm, pd, (va>>21)&511, "PD")
	if err != nil {
		return nil, err
	}
	if pde&PteValid == 0 {
		return nil, &FaultError{Kind: Unmapped, Detail: fmt.Sprintf("PDE %#x not valid", pde)}
	}
	if pde&PtePS != 0 {
		return &leaf{region: region, large: true, pa: pde & Frame2MiB}, nil
	}
	return ptLeaf(pm, region, pde&FrameMask), nil
}
