package walk

import "github.com/kdump-bsd/kdump/dump"

// pageCache is a dump.Reader that keeps the last pages it read, for one
// goroutine completing processes one after the other. A process's objects
// were allocated together: its proc, vmspace and argument cache, its LWPs and
// their threads share a handful of pages, which the tree walk, the record
// decoders and the string reads would otherwise fetch again and again — with
// a system call each when the dump is read with pread (dump.Core.Scattered).
// A read that crosses pages is served page by page; a page that cannot be
// read whole is not cached, and the read goes straight to the underlying
// reader, so faults are reported exactly as it reports them.
type pageCache struct {
	r     dump.Reader
	pages [pageCacheSize]cachedPage
	hand  int // the clock hand: the next slot to consider replacing
}

const pageCacheSize = 16

type cachedPage struct {
	va   dump.Addr // page address; 0 = empty
	used bool      // read since the hand last passed (CLOCK): keeps hot pages, such as the kernel's wait-message strings
	data [dump.PageSize]byte
}

func (c *pageCache) ReadAt(p []byte, a dump.Addr) (int, error) {
	off := int(a & dump.PageMask)
	if len(p) == 0 || a < KernelMin {
		return c.r.ReadAt(p, a)
	}
	if rest := dump.PageSize - off; len(p) > rest {
		n, err := c.ReadAt(p[:rest], a)
		if err != nil {
			return n, err
		}
		m, err := c.ReadAt(p[rest:], a+dump.Addr(rest))
		return n + m, err
	}
	va := a - dump.Addr(off)
	for i := range c.pages {
		if c.pages[i].va == va {
			c.pages[i].used = true
			return copy(p, c.pages[i].data[off:]), nil
		}
	}
	for c.pages[c.hand].used {
		c.pages[c.hand].used = false
		c.hand = (c.hand + 1) % pageCacheSize
	}
	pg := &c.pages[c.hand]
	if _, err := c.r.ReadAt(pg.data[:], va); err != nil {
		pg.va = 0
		return c.r.ReadAt(p, a) // part of the page is missing: let the reader say what
	}
	pg.va = va
	c.hand = (c.hand + 1) % pageCacheSize
	return copy(p, pg.data[off:]), nil
}
