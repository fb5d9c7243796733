package dump

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

const kerneldumpHeaderSize = 512

var kerneldumpMagics = []string{"DragonFly Kern Dump", "FreeBSD Kernel Dump", "Cleared Kernel Dump"}

// KernelDumpHeader is the 512-byte struct kerneldumpheader the kernel writes
// around a dump on the dump device (spec §1). savecore strips it, so it is present
// only when a dump is read straight off the device; its fields are big-endian.
type KernelDumpHeader struct {
	Magic         string
	Architecture  string
	Version       uint32
	ArchVersion   uint32
	DumpLength    uint64
	DumpTime      time.Time
	BlockSize     uint32
	Hostname      string
	VersionString string
	PanicString   string
	ParityOK      bool // the XOR of all 32-bit words is 0
}

func isKerneldumpHeader(h []byte) bool {
	for _, m := range kerneldumpMagics {
		if bytes.HasPrefix(h, []byte(m)) {
			return true
		}
	}
	return false
}

func parseKerneldumpHeader(h []byte) *KernelDumpHeader {
	str := func(b []byte) string { return string(bytes.TrimRight(b, "\x00")) }
	be32 := func(off int) uint32 { return binary.BigEndian.Uint32(h[off:]) }
	be64 := func(off int) uint64 { return binary.BigEndian.Uint64(h[off:]) }
	var parity uint32
	for i := 0; i < kerneldumpHeaderSize; i += 4 {
		parity ^= be32(i)
	}
	return &KernelDumpHeader{
		Magic: str(h[0:20]), Architecture: str(h[20:32]), Version: be32(32), ArchVersion: be32(36),
		DumpLength: be64(40), DumpTime: time.Unix(int64(be64(48)), 0).UTC(), BlockSize: be32(56),
		Hostname: str(h[60:124]), VersionString: str(h[124:316]), PanicString: str(h[316:508]),
		ParityOK: parity == 0,
	}
}

// openBehindHeader opens the dump that follows a kerneldumpheader.
func openBehindHeader(b *backing, o *options) (*Core, error) {
	var h [kerneldumpHeaderSize]byte
	if n, _ := b.readAt(h[:], 0); n < kerneldumpHeaderSize {
		return nil, fmt.Errorf("%s: kerneldumpheader truncated: file has %d bytes, the header needs %d", b.name, n, kerneldumpHeaderSize)
	}
	kh := parseKerneldumpHeader(h[:])
	var warns []string
	if !kh.ParityOK {
		warns = append(warns, "kerneldumpheader at offset 0: parity check failed")
	}
	if kh.Magic == "Cleared Kernel Dump" {
		warns = append(warns, "kerneldumpheader at offset 0 is marked cleared: savecore already took this dump")
	}
	n := kh.DumpLength
	if avail := uint64(b.size - kerneldumpHeaderSize); n > avail {
		warns = append(warns, fmt.Sprintf("truncated: the kerneldumpheader says the dump is %d bytes, the file holds %d after the header", n, avail))
		n = avail
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: kerneldumpheader at offset 0 describes an empty dump", b.name)
	}
	inner := &backing{name: b.name, size: int64(n), res: b.res,
		ra: io.NewSectionReader(b.ra, kerneldumpHeaderSize, int64(n))}
	if b.data != nil {
		inner.data = b.data[kerneldumpHeaderSize : kerneldumpHeaderSize+n]
	}
	var head [minidumpHeaderPage]byte
	k, _ := inner.readAt(head[:], 0)
	if isKerneldumpHeader(head[:k]) {
		return nil, fmt.Errorf("%s: a second kerneldumpheader follows the first at offset %#x", b.name, kerneldumpHeaderSize)
	}
	c, err := newCore(inner, o)
	if err != nil {
		return nil, fmt.Errorf("%w (the dump starts after a %d-byte kerneldumpheader)", err, kerneldumpHeaderSize)
	}
	c.b.closers = b.closers // the outer file owns the mapping
	b.closers = nil
	c.dumpHeader = kh
	c.warnings = append(warns, c.warnings...)
	return c, nil
}

// DumpHeader returns the kerneldumpheader that preceded the dump, or nil (the
// usual case: savecore strips it).
func (c *Core) DumpHeader() *KernelDumpHeader { return c.dumpHeader }
