package walktest

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/kdump-bsd/kdump/dump/dumptest"
)

// mem reads a populated machine back through the model's page tables (no
// dump format, no kdump decoder), at member offsets taken from DWARF.
type mem struct {
	t  *testing.T
	mc *dumptest.Machine
	k  *kernel
}

func newMem(t *testing.T, mc *dumptest.Machine) *mem {
	t.Helper()
	k, err := openKernel(mc.Kernel)
	if err != nil {
		t.Fatal(err)
	}
	return &mem{t: t, mc: mc, k: k}
}

func (r *mem) bytes(va uint64, n int) []byte {
	r.t.Helper()
	b, err := r.mc.Memory.ReadVirt(va, n)
	if err != nil {
		r.t.Fatalf("read %d bytes at %#x: %v", n, va, err)
	}
	return b
}

// field reads the scalar member path of the struct sname at va.
func (r *mem) field(va uint64, sname, path string) uint64 {
	r.t.Helper()
	l, err := r.k.layout(sname)
	if err != nil {
		r.t.Fatal(err)
	}
	m := l.field(path)
	if !m.ok {
		r.t.Fatalf("struct %s has no member %s", sname, path)
	}
	b := r.bytes(va+uint64(m.off), m.size)
	switch m.size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	case 8:
		return binary.LittleEndian.Uint64(b)
	}
	r.t.Fatalf("struct %s member %s has size %d", sname, path, m.size)
	return 0
}

func (r *mem) has(sname, path string) bool {
	l, err := r.k.layout(sname)
	return err == nil && l.has(path)
}

// off returns a member's offset.
func (r *mem) off(sname, path string) uint64 {
	r.t.Helper()
	l, err := r.k.layout(sname)
	if err != nil {
		r.t.Fatal(err)
	}
	m := l.field(path)
	if !m.ok {
		r.t.Fatalf("struct %s has no member %s", sname, path)
	}
	return uint64(m.off)
}

// str reads the char array member path of sname at va.
func (r *mem) str(va uint64, sname, path string) string {
	r.t.Helper()
	l, _ := r.k.layout(sname)
	m := l.field(path)
	b := r.bytes(va+uint64(m.off), m.size)
	s, _, _ := strings.Cut(string(b), "\x00")
	return s
}

// cstr reads a NUL-terminated string at va (at most max bytes).
func (r *mem) cstr(va uint64, max int) string {
	var out []byte
	for i := 0; i < max; i++ {
		b := r.bytes(va+uint64(i), 1)
		if b[0] == 0 {
			break
		}
		out = append(out, b[0])
	}
	return string(out)
}

// enumName maps an enumerator value back to its name among names.
func (r *mem) enumName(v uint64, names ...string) string {
	for _, n := range names {
		if e, err := r.k.enum(n); err == nil && uint64(e) == v {
			return n
		}
	}
	return fmt.Sprintf("?%d", v)
}

// symAt names the object symbol containing va as "name" or "name+0xN".
func (r *mem) symAt(va uint64) string {
	best := ""
	for name, s := range r.k.syms {
		if s.Value <= va && va < s.Value+max(s.Size, 1) && s.Size > 0 {
			best = name
			if off := va - s.Value; off != 0 {
				best = fmt.Sprintf("%s+%#x", name, off)
			}
		}
	}
	return best
}
