package structs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync"

	"github.com/kdump-bsd/kdump/dump"
)

// spanBuf is the buffer one record read goes into. Pooled: a buffer passed
// to an interface method escapes, so a stack array would be a heap
// allocation per record.
type spanBuf [maxSpan]byte

var spanPool = sync.Pool{New: func() any { return new(spanBuf) }}

// errShortRead stands for a reader that returned fewer bytes than asked
// without saying why.
var errShortRead = errors.New("short read")

// hole is a range of a record's span that could not be read.
type hole struct {
	lo, hi int64 // offsets from the struct's start
	err    error
}

// view holds the bytes of one record's span and decodes members from them.
// Members whose bytes fall into a hole read as zero and are recorded in
// faults, once per member name.
type view struct {
	buf    *spanBuf
	b      []byte // buf[:hi-lo]
	lo     int64
	a      dump.Addr // the struct's address
	holes  []hole    // nil when the whole span was read
	dead   bool      // nothing of the span was readable
	faults []Fault
}

// open reads the span [t.lo, t.hi) of the struct at a. A short read is
// completed page by page, so that one missing page costs only the members on
// it.
func open(r dump.Reader, a dump.Addr, t *recTable) view {
	v := view{buf: spanPool.Get().(*spanBuf), lo: t.lo, a: a}
	v.b = v.buf[:t.hi-t.lo]
	if len(v.b) == 0 {
		return v
	}
	start := a + dump.Addr(t.lo)
	if start < a || start+dump.Addr(len(v.b)-1) < start {
		v.fail(&dump.FaultError{Addr: start, Len: len(v.b), Kind: dump.Unmapped, Detail: "the struct wraps around the end of the address space"})
		return v
	}
	n, err := r.ReadAt(v.b, start)
	if n >= len(v.b) {
		return v
	}
	readable := max(n, 0)
	pos, first := readable, true
	for pos < len(v.b) {
		// The end of the page holding the first byte not yet read.
		end := min(len(v.b), pos+dump.PageSize-int(uint64(start+dump.Addr(pos))&(dump.PageSize-1)))
		if !first { // the page the first read stopped in is not asked for again
			k, e := r.ReadAt(v.b[pos:end], start+dump.Addr(pos))
			k = max(k, 0)
			readable += k
			if k >= end-pos {
				pos = end
				continue
			}
			pos += k
			err = e
		}
		first = false
		if err == nil {
			err = errShortRead
		}
		v.holes = append(v.holes, hole{lo: t.lo + int64(pos), hi: t.lo + int64(end), err: err})
		clear(v.b[pos:end])
		pos = end
	}
	if readable == 0 {
		v.fail(v.holes[0].err)
	}
	return v
}

// fail marks the whole record unreadable: one fault "*".
func (v *view) fail(err error) {
	v.dead = true
	clear(v.b)
	v.faults = append(v.faults[:0], Fault{Field: "*", Addr: v.a + dump.Addr(v.lo), Detail: err.Error()})
}

// close returns the buffer to the pool; the view must not be used after.
func (v *view) close() {
	spanPool.Put(v.buf)
	v.buf, v.b = nil, nil
}

// bytes returns the member's bytes, or nil when it is absent or (partly)
// unreadable; the latter is recorded as a fault.
func (v *view) bytes(m *mem) []byte {
	if !m.ok || v.dead {
		return nil
	}
	for i := range v.holes {
		h := &v.holes[i]
		if m.off < h.hi && m.end() > h.lo {
			v.fault(m.name, v.a+dump.Addr(max(m.off, h.lo)), h.err)
			return nil
		}
	}
	return v.b[m.off-v.lo : m.end()-v.lo]
}

// fault records that member name could not be read, once per name.
func (v *view) fault(name string, addr dump.Addr, err error) {
	for _, f := range v.faults {
		if f.Field == name {
			return
		}
	}
	v.faults = append(v.faults, Fault{Field: name, Addr: addr, Detail: err.Error()})
}

// u64 returns an integer member as read with its own size and signedness
// (sign-extended to 64 bits when signed), 0 when unknown.
func (v *view) u64(m *mem) uint64 {
	if b := v.bytes(m); b != nil {
		return m.load(b)
	}
	return 0
}

func (v *view) i64(m *mem) int64      { return int64(v.u64(m)) }
func (v *view) addr(m *mem) dump.Addr { return dump.Addr(v.u64(m)) }
func (v *view) timeval(t *timevalMem) Timeval {
	return Timeval{Sec: v.i64(&t.sec), Usec: v.i64(&t.usec)}
}

func (v *view) rusage(u *rusageMem) Rusage {
	return Rusage{UTime: v.timeval(&u.utime), STime: v.timeval(&u.stime), MaxRSS: v.i64(&u.maxrss)}
}

func (v *view) rtprio(t *rtprioMem) RTPrio {
	return RTPrio{Type: uint16(v.u64(&t.typ)), Prio: uint16(v.u64(&t.prio))}
}

// sigset decodes a sigset_t: four little-endian 32-bit words.
func (v *view) sigset(m *mem) Sigset {
	var s Sigset
	if b := v.bytes(m); b != nil {
		for i := range s {
			s[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
	}
	return s
}

// str decodes a char array, cut at the first NUL.
func (v *view) str(m *mem) string {
	b := v.bytes(m)
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// readCString reads the NUL-terminated string at a, at most len(buf) bytes,
// within page-sized chunks so that a string ending before an unreadable
// page is still read. A string with no NUL within the bound is cut at it.
// When the bytes up to the NUL (or the bound) could not all be read, err is
// the reader's error and faultAt the first unreadable address.
func readCString(r dump.Reader, a dump.Addr, buf []byte) (s string, faultAt dump.Addr, err error) {
	pos := 0
	for pos < len(buf) {
		p := a + dump.Addr(pos)
		end := min(len(buf), pos+dump.PageSize-int(uint64(p)&(dump.PageSize-1)))
		n, e := r.ReadAt(buf[pos:end], p)
		n = max(n, 0)
		if i := bytes.IndexByte(buf[pos:pos+n], 0); i >= 0 {
			return string(buf[:pos+i]), 0, nil
		}
		if n < end-pos {
			if e == nil {
				e = errShortRead
			}
			return "", p + dump.Addr(n), e
		}
		pos = end
	}
	return string(buf), 0, nil
}
