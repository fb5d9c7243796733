package dump

import (
	"encoding/binary"
	"testing"
)

// FuzzWalk feeds arbitrary physical memory to the 4-level walk: whatever the
// entries say, translation must end in an address or a typed fault, never a panic
// or a loop.
func FuzzWalk(f *testing.F) {
	seed := make([]byte, 0x6000)
	put := func(off, v uint64) { binary.LittleEndian.PutUint64(seed[off:], v) }
	put(0x1000+511*8, 0x2000|PteValid)
	put(0x2000+510*8, 0x3000|PteValid)
	put(0x2000+511*8, 0x40000000|PteValid|PtePS)
	put(0x3000, 0x4000|PteValid)
	put(0x3000+8, 0x200000|PteValid|PtePS|PteNX)
	put(0x4000, 0x5000|PteValid)
	f.Add(seed, uint64(0x1000), uint64(0xffffffff80000000))
	f.Add(seed, uint64(0x1000), uint64(0xffffffff80200010))
	f.Add(seed, uint64(0x1000), uint64(0xffffffffc0001000))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0}, uint64(0), uint64(0))
	f.Fuzz(func(t *testing.T, img []byte, root, va uint64) {
		if len(img) == 0 {
			return
		}
		b := newBacking("img", nil, int64(len(img)))
		b.data = img
		pm := rawPhys{b}
		ts := &tableSpace{b: b, pm: pm, resolve: func(va uint64) (*leaf, *FaultError) { return walk4(b, pm, root&FrameMask, va) }}
		c := &Core{b: b, vt: ts, pm: pm}
		buf := make([]byte, 3*PageSize)
		for _, a := range []uint64{va, va &^ PageMask, va + PageSize - 4} {
			n, err := c.ReadAt(buf, Addr(a))
			if n < len(buf) && err == nil {
				t.Fatalf("short read of %#x without an error", a)
			}
			if pa, ferr := ts.vtopPhys(a); ferr == nil && pa>>52 != 0 {
				t.Fatalf("vtop(%#x) = %#x: frame bits above bit 51 leaked", a, pa)
			}
		}
	})
}
