package dump

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
)

// Reader reads kernel virtual memory. ReadAt follows the io.ReaderAt contract: when
// it returns n < len(p) the error says why (a *FaultError for memory the dump does not
// hold).
type Reader interface {
	ReadAt(p []byte, addr Addr) (n int, err error)
}

// Symbols resolves a kernel symbol name to its address (nlist semantics). Formats
// whose page tables can only be found through the kernel (ELF full dumps, raw images)
// need one; symtab.Table.Resolver provides it.
type Symbols func(name string) (uint64, bool)

// Option configures Open and New.
type Option func(*options)

type options struct {
	symbols         Symbols
	tempDir         string
	maxDecompressed int64
	forceRaw        bool
	residentBudget  int64
}

// WithSymbols gives the opener the kernel's symbols, needed to find the page tables
// of ELF full dumps and raw images (kernbase, dumppcb, KPML4phys).
func WithSymbols(s Symbols) Option { return func(o *options) { o.symbols = s } }

// WithTempDir sets where compressed dumps are expanded (default os.TempDir()). The
// expanded file is unlinked as soon as it is created.
func WithTempDir(dir string) Option { return func(o *options) { o.tempDir = dir } }

// WithMaxDecompressed bounds the expanded size of a compressed dump (default 1 TiB),
// so a hostile archive cannot fill the disk.
func WithMaxDecompressed(n int64) Option { return func(o *options) { o.maxDecompressed = n } }

// AsRaw opens the file as a raw physical image whatever it contains.
func AsRaw() Option { return func(o *options) { o.forceRaw = true } }

// Segment describes one part of the dump file: a minidump section or an ELF PT_LOAD.
type Segment struct {
	Name    string // "header", "msgbuf", "dump_avail", "bitmap", "ptemap", "data", "load"
	Offset  int64  // file offset
	Size    int64  // bytes in the file
	Addr    Addr   // address of the first byte (PT_LOAD only)
	MemSize uint64 // bytes of memory described (PT_LOAD only)
	Phys    bool   // Addr is physical
}

// Info describes an opened dump.
type Info struct {
	Path        string
	Format      Format
	Compression Compression
	FileSize    int64 // bytes of the file as given (compressed size for compressed dumps)
	Size        int64 // bytes of the (expanded) dump
	Arch        string
	// Minidump header values; zero for other formats.
	HeaderVersion int
	KernBase      Addr
	DMAPBase      Addr
	DMAPEnd       Addr
	MsgbufSize    uint64
	// Pages and bytes of memory the dump holds.
	PagesPresent uint64
	BytesPresent uint64
	// Root of the page tables for ELF full dumps and raw images, and how it was found.
	PageTableRoot   Addr
	PageTableSource string
}

// Core is an opened crash dump. It is safe for concurrent use.
type Core struct {
	b          *backing
	info       Info
	vt         translator          // nil when virtual addresses cannot be translated
	vtErr      error               // why vt is nil
	tlb        atomic.Pointer[tlb] // virtual page → file offset; made on the first virtual read
	dumpHeader *KernelDumpHeader
	pageLinear bool    // every page lies whole and contiguous in the file, so a mid-page translation gives the page start
	pm         physMap // nil for formats without a physical view
	segs       []Segment
	msgbuf     []byte
	warnings   []string
}

// translator maps a virtual address to a file offset and the number of bytes from
// there that are contiguous in the file (never past the end of va's page).
type translator interface {
	vtop(va uint64) (off int64, n int, err *FaultError)
}

// physMap maps a physical address the same way.
type physMap interface {
	ptoo(pa uint64) (off int64, n int, err *FaultError)
}

// Open opens the dump at path read-only and sniffs its format from its content.
func Open(path string, opts ...Option) (*Core, error) {
	o := newOptions(opts)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	size := fi.Size()
	if size == 0 {
		f.Close()
		return nil, fmt.Errorf("%s: empty file", path)
	}
	owned := false // whether the backing took f over (it does unless f is compressed)
	c, err := openFrom(path, f, size, func() *backing { owned = true; return fileBacking(path, f, size, o.residentBudget) }, o)
	if !owned {
		f.Close()
	}
	return c, err
}

// fileBacking maps f, or falls back to reading it with pread.
func fileBacking(name string, f *os.File, size, budget int64) *backing {
	b := &backing{name: name, ra: f, size: size}
	if data, unmap, ok := mapFile(f, size); ok {
		b.data = data
		b.res = newResidency(data, budget)
		b.closers = append(b.closers, f.Close, unmap)
	} else {
		b.closers = append(b.closers, f.Close)
	}
	return b
}

// New opens a dump held by r (size bytes); name is used in messages. Compressed
// content is expanded into a temporary file, as with Open.
func New(r io.ReaderAt, size int64, name string, opts ...Option) (*Core, error) {
	o := newOptions(opts)
	if size <= 0 {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	return openFrom(name, io.NewSectionReader(r, 0, size), size, func() *backing { return newBacking(name, r, size) }, o)
}

// openFrom sniffs r (size bytes): compressed content is expanded into a temporary
// file, anything else is read through plain(); then the format is sniffed.
func openFrom(name string, r io.ReaderAt, size int64, plain func() *backing, o *options) (*Core, error) {
	comp := sniffCompression(r)
	var b *backing
	if comp != NoCompression {
		tf, n, err := decompress(r, name, comp, o)
		if err != nil {
			return nil, err
		}
		b = fileBacking(name, tf, n, o.residentBudget)
	} else {
		b = plain()
	}
	c, err := newCore(b, o)
	if err != nil {
		b.close()
		return nil, err
	}
	c.info.Path = name
	c.info.FileSize = size
	c.info.Compression = comp
	return c, nil
}

func newOptions(opts []Option) *options {
	o := &options{maxDecompressed: 1 << 40, residentBudget: DefaultResidentBudget}
	for _, fn := range opts {
		fn(o)
	}
	return o
}

// newCore sniffs the format of b and sets up translation.
func newCore(b *backing, o *options) (c *Core, err error) {
	defer func() {
		if r := recover(); r != nil { // a bug must not take the caller down with it
			c, err = nil, fmt.Errorf("%s: internal error while opening: %v", b.name, r)
		}
	}()
	c = &Core{b: b}
	c.info.Size = b.size
	c.info.Arch = "amd64"
	var head [minidumpHeaderPage]byte
	n, _ := b.readAt(head[:], 0)
	h := head[:n]
	switch {
	case o.forceRaw:
		err = c.openRaw(o)
	case bytes.HasPrefix(h, []byte("minidump")):
		err = c.openMinidump(h)
	case bytes.HasPrefix(h, []byte(elfMagic)):
		err = c.openELF(o)
	case isKerneldumpHeader(h):
		return openBehindHeader(b, o)
	case sniffCompression(bytes.NewReader(h)) != NoCompression:
		// Only one level is expanded (Open and New sniff before newCore).
		err = fmt.Errorf("%s: the expanded dump starts with %s magic at offset 0: nested compression is not expanded (only one level is); expand the outer layer first", b.name, sniffCompression(bytes.NewReader(h)))
	default:
		err = c.openRaw(o)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Close releases the mapping and the file.
func (c *Core) Close() error { return c.b.close() }

// Info describes the dump.
func (c *Core) Info() Info { return c.info }

// Format is the container format.
func (c *Core) Format() Format { return c.info.Format }

// Arch is the machine architecture, "amd64".
func (c *Core) Arch() string { return c.info.Arch }

// Segments lists the parts of the file (minidump sections or ELF PT_LOADs).
func (c *Core) Segments() []Segment { return append([]Segment(nil), c.segs...) }

// Warnings lists what was odd about the file but did not stop it from opening.
func (c *Core) Warnings() []string { return append([]string(nil), c.warnings...) }

// Msgbuf returns the message-buffer section of a minidump (nil for other
// formats): round_page(msgbufsize) bytes as the dump writer copied them from
// msg_ptr. The first Info().MsgbufSize bytes are the buffer's data area; on
// DragonFly the struct msgbuf follows it, at the end of the section.
func (c *Core) Msgbuf() []byte { return c.msgbuf }

func (c *Core) warnf(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

// ErrNoTranslation is returned (wrapped) by virtual reads of a dump whose page tables
// could not be found.
var ErrNoTranslation = errors.New("no virtual address translation")

// ReadAt reads len(p) bytes of kernel virtual memory at addr.
func (c *Core) ReadAt(p []byte, addr Addr) (int, error) {
	if c.vt == nil {
		return 0, c.vtErr
	}
	// Fast path: a read within one page whose translation is cached.
	if va := uint64(addr); c.b.data != nil && uint64(len(p)) <= PageSize-va&PageMask {
		if t := c.tlb.Load(); t != nil {
			if off, ok := t.lookup(va >> PageShift); ok {
				copy(p, c.b.data[off+int64(va&PageMask):])
				c.b.res.touched(off)
				return len(p), nil
			}
		}
	}
	return c.read(p, uint64(addr), false)
}

// cacheTLB returns the TLB, making it on first use (so that opening a dump stays
// cheap and a Core that is never read virtually never pays for it).
func (c *Core) cacheTLB() *tlb {
	if t := c.tlb.Load(); t != nil {
		return t
	}
	c.tlb.CompareAndSwap(nil, new(tlb))
	return c.tlb.Load()
}

// ReadPhys reads len(p) bytes of physical memory at pa.
func (c *Core) ReadPhys(p []byte, pa Addr) (int, error) {
	if c.pm == nil {
		return 0, fmt.Errorf("%s: %v dumps have no physical view", c.b.name, c.info.Format)
	}
	return c.read(p, uint64(pa), true)
}

// Translate returns the physical address that holds the kernel virtual address va.
func (c *Core) Translate(va Addr) (Addr, error) {
	pt, ok := c.vt.(interface {
		vtopPhys(va uint64) (uint64, *FaultError)
	})
	if !ok {
		if c.vt == nil {
			return 0, c.vtErr
		}
		return 0, fmt.Errorf("%s: %v dumps carry no physical addresses", c.b.name, c.info.Format)
	}
	pa, ferr := pt.vtopPhys(uint64(va))
	if ferr != nil {
		ferr.Addr, ferr.Len = va, 1
		return 0, ferr
	}
	return Addr(pa), nil
}

// Scattered returns a Reader of the same kernel memory that copies with
// pread(2) instead of through the file mapping. Use it to read objects
// scattered over a large dump — the processes of a big table lie on physical
// pages all over it — which through the mapping would fault in, and keep
// resident, the 64 KiB the kernel maps around every page touched
// (fault-around) until the whole file is resident. Page tables are still
// read through the mapping. A Core not backed by a mapping reads the same
// either way.
func (c *Core) Scattered() Reader { return scattered{c} }

type scattered struct{ c *Core }

func (s scattered) ReadAt(p []byte, addr Addr) (int, error) {
	if s.c.vt == nil {
		return 0, s.c.vtErr
	}
	return s.c.readVia(p, uint64(addr), false, true)
}

// Translate translates like the Core's.
func (s scattered) Translate(va Addr) (Addr, error) { return s.c.Translate(va) }

func (c *Core) read(p []byte, addr uint64, phys bool) (int, error) {
	return c.readVia(p, addr, phys, false)
}

// readVia reads through the page tables; pread chooses how the bytes are
// copied (see Scattered).
func (c *Core) readVia(p []byte, addr uint64, phys, pread bool) (int, error) {
	done := 0
	for done < len(p) {
		a := addr + uint64(done)
		if a < addr { // wrapped past the top of the address space
			return done, &FaultError{Addr: Addr(a), Len: len(p) - done, Kind: Unmapped, Phys: phys, Detail: "address space wraps"}
		}
		var off int64
		var n int
		var ferr *FaultError
		if phys {
			off, n, ferr = c.pm.ptoo(a)
		} else {
			off, n, ferr = c.vt.vtop(a)
		}
		if ferr != nil {
			ferr.Addr, ferr.Len, ferr.Phys = Addr(a), len(p)-done, phys
			return done, ferr
		}
		if !phys && n == PageSize-int(a&PageMask) { // the rest of the page is in the file
			// Cache the page only if all of it maps linearly into the file. That
			// holds for page-table translations, but a PT_LOAD may start or end
			// inside a page (its first bytes then belong to nothing, or to another
			// segment), so a read from the middle of a page proves nothing about
			// its start: translate the start and check.
			if po := int64(a & PageMask); po == 0 || c.pageLinear {
				c.cacheTLB().store(a>>PageShift, off-po)
			} else if off0, n0, ferr0 := c.vt.vtop(a &^ PageMask); ferr0 == nil && n0 == PageSize && off0 == off-po {
				c.cacheTLB().store(a>>PageShift, off0)
			}
		}
		if n > len(p)-done {
			n = len(p) - done
		}
		if c.b.data != nil && !pread {
			copy(p[done:done+n], c.b.data[off:])
			c.b.res.touched(off)
		} else if m, err := c.b.preadAt(p[done:done+n], off); m != n {
			return done + m, fmt.Errorf("%s: reading file offset %#x for address %v: %w", c.b.name, off+int64(m), Addr(a), err)
		}
		done += n
	}
	return done, nil
}
