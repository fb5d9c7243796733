package dump

import (
	"errors"
	"fmt"
)

// rawPhys is a raw physical image: file offset = physical address.
type rawPhys struct{ b *backing }

func (r rawPhys) ptoo(pa uint64) (int64, int, *FaultError) {
	if pa >= uint64(r.b.size) {
		return 0, 0, &FaultError{Kind: NotDumped, Detail: fmt.Sprintf("beyond the end of the raw image (%d bytes)", r.b.size)}
	}
	n := PageSize - int(pa&PageMask)
	if rem := uint64(r.b.size) - pa; uint64(n) > rem {
		n = int(rem)
	}
	return int64(pa), n, nil
}

// openRaw treats the file as a raw physical image. Since any file can be read that
// way, the image is accepted only when the kernel's page tables are found in it.
func (c *Core) openRaw(o *options) error {
	c.info.Format = Raw
	c.pm = rawPhys{c.b}
	c.pageLinear = true
	c.info.BytesPresent = uint64(c.b.size)
	c.info.PagesPresent = uint64(c.b.size) / PageSize
	c.segs = append(c.segs, Segment{Name: "load", Offset: 0, Size: c.b.size, Addr: 0, MemSize: uint64(c.b.size), Phys: true})
	c.setupKernelTables(o)
	if c.vt == nil && !o.forceRaw {
		return fmt.Errorf("%s: not a recognized dump: no minidump magic or ELF header at offset 0, and read as a raw physical image it holds no kernel page tables (%v)", c.b.name, c.vtErr)
	}
	return nil
}

// setupKernelTables finds the PML4 of an ELF full dump or raw image through the
// kernel's symbols (spec §5.2): DragonFly's dumppcb.pcb_cr3, then KPML4phys. Each
// candidate is accepted only if the page tables it roots map the symbol it came from
// to the physical address the kernel was loaded at (VA − kernbase).
func (c *Core) setupKernelTables(o *options) {
	fail := func(format string, args ...any) {
		c.vtErr = fmt.Errorf("%s: %w: "+format, append([]any{c.b.name, ErrNoTranslation}, args...)...)
	}
	if o.symbols == nil {
		fail("%v dumps need the kernel's symbols (kernbase, dumppcb or KPML4phys) to find the page tables", c.info.Format)
		return
	}
	kernbase, ok := o.symbols("kernbase")
	if !ok {
		fail("the kernel has no symbol kernbase")
		return
	}
	var tried []string
	try := func(sym string, rootFrom func(pa uint64) (uint64, error)) bool {
		va, ok := o.symbols(sym)
		if !ok {
			tried = append(tried, sym+": no such symbol")
			return false
		}
		if va < kernbase {
			tried = append(tried, fmt.Sprintf("%s at %#x is below kernbase %#x", sym, va, kernbase))
			return false
		}
		pa := va - kernbase
		root, err := rootFrom(pa)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s (PA %#x): %v", sym, pa, err))
			return false
		}
		ts := &tableSpace{b: c.b, pm: c.pm}
		ts.resolve = func(va uint64) (*leaf, *FaultError) { return walk4(c.b, c.pm, root, va) }
		got, ferr := ts.vtopPhys(va)
		if ferr != nil && ferr.Kind == Truncated {
			// The tables lie past the end of a truncated file: nothing contradicts
			// this root, and every read through it will say Truncated.
			c.warnf("truncated: the page tables rooted at PA %#x (from %s) lie past the end of the file; virtual reads report %q", root, sym, Truncated)
		} else if ferr != nil || got != pa {
			why := fmt.Sprintf("maps it to PA %#x", got)
			if ferr != nil {
				why = ferr.Error()
			}
			tried = append(tried, fmt.Sprintf("%s: PML4 at PA %#x does not map %s (%#x) to PA %#x: %s", sym, root, sym, va, pa, why))
			return false
		}
		c.vt = ts
		c.info.PageTableRoot = Addr(root)
		c.info.PageTableSource = sym
		return true
	}
	u64 := func(pa uint64) (uint64, error) {
		var b [8]byte
		if _, err := c.read(b[:], pa, true); err != nil {
			return 0, err
		}
		return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56, nil
	}
	const pcbCR3 = 64 // offsetof(struct pcb, pcb_cr3) on every pc64 kernel (spec §10.15)
	if try("dumppcb", func(pa uint64) (uint64, error) {
		cr3, err := u64(pa + pcbCR3)
		if err == nil && cr3&FrameMask == 0 {
			err = errors.New("pcb_cr3 is 0")
		}
		return cr3 & FrameMask, err
	}) {
		c.info.PageTableSource = "dumppcb.pcb_cr3"
		return
	}
	if try("KPML4phys", func(pa uint64) (uint64, error) {
		v, err := u64(pa)
		if err == nil && v&FrameMask == 0 {
			err = errors.New("KPML4phys is 0")
		}
		return v & FrameMask, err
	}) {
		return
	}
	fail("no page-table root found: %v", tried)
}
