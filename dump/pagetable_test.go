package dump

import (
	"encoding/binary"
	"testing"
)

// TestWalk4 checks the amd64 4-level walk on a hand-built physical image, entry by
// entry from the architecture's rules (spec §5.3, §5.4), not from a writer.
func TestWalk4(t *testing.T) {
	img := make([]byte, 0x10000)
	put := func(table uint64, idx uint64, v uint64) { binary.LittleEndian.PutUint64(img[table+idx*8:], v) }
	const (
		pml4, pdp, pd, pt = 0x1000, 0x2000, 0x3000, 0x4000
		sw                = 0x7f<<52 | 0xe00 // software-available bits a reader must ignore
	)
	// VA 0xffffffff80000000: PML4 511, PDP 510.
	put(pml4, 511, pdp|PteValid|PteRW|sw)
	put(pdp, 510, pd|PteValid)
	put(pd, 0, pt|PteValid|PteNX)
	put(pt, 0, 0x5000|PteValid|PteNX|sw)              // first PTE
	put(pt, 1, 0x6000|PteRW)                          // not valid
	put(pt, 511, 0x7000|PteValid)                     // last PTE
	put(pd, 1, 0x40200000|PteValid|PtePS|PteNX|1<<12) // 2 MiB page, PAT bit set
	put(pd, 2, 0x800000|PteValid)                     // PT page beyond the image
	// VA 0xffffffffc0000000 (PDP 511): a 1 GiB page with NX and a PAT bit.
	put(pdp, 511, 0x80000000|PteValid|PtePS|PteNX|1<<12)
	// VA 0xffff800000000000 (PML4 256): not valid.
	put(pml4, 256, pdp)
	// PML4 1: PDP page beyond the image.
	put(pml4, 1, 0x900000|PteValid)

	b := newBacking("img", nil, int64(len(img)))
	b.data = img
	pm := rawPhys{b}
	ts := &tableSpace{b: b, pm: pm, resolve: func(va uint64) (*leaf, *FaultError) { return walk4(b, pm, pml4, va) }}

	tests := []struct {
		name string
		va   uint64
		pa   uint64
		kind FaultKind
	}{
		{"first PTE, NX and software bits masked", 0xffffffff80000123, 0x5123, 0},
		{"PTE not valid", 0xffffffff80001000, 0, Unmapped},
		{"last PTE of the PT page", 0xffffffff801ffff8, 0x7ff8, 0},
		{"2 MiB page: NX and PAT bit masked", 0xffffffff80212345, 0x40212345, 0},
		{"2 MiB page, last byte", 0xffffffff803fffff, 0x403fffff, 0},
		{"PT page not in the dump", 0xffffffff80400000, 0, NotDumped},
		{"1 GiB page: frame masked to 1 GiB", 0xffffffffc1234567, 0x81234567, 0},
		{"1 GiB page, last byte", 0xffffffffffffffff, 0xbfffffff, 0},
		{"PML4E not valid", 0xffff800000000000, 0, Unmapped},
		{"PDP page not in the dump", 0x0000008000000000, 0, NotDumped},
		{"PDPE not valid", 0xffffffff40000000, 0, Unmapped},
		{"non-canonical, bit 47 clear", 0xffff7fffffffffff, 0, Unmapped},
		{"non-canonical, bit 47 set", 0x0000800000000000, 0, Unmapped},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for pass := 0; pass < 2; pass++ { // the second pass is served by the leaf cache
				pa, err := ts.vtopPhys(tc.va)
				if tc.kind != 0 {
					if err == nil || err.Kind != tc.kind {
						t.Fatalf("pass %d: vtop(%#x) = %#x, %v; want a %v fault", pass, tc.va, pa, err, tc.kind)
					}
					continue
				}
				if err != nil || pa != tc.pa {
					t.Fatalf("pass %d: vtop(%#x) = %#x, %v; want %#x", pass, tc.va, pa, err, tc.pa)
				}
			}
		})
	}
}
