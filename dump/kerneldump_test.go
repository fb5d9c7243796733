package dump_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kdump-bsd/kdump/dump"
)

// kerneldumpHeader builds a struct kerneldumpheader byte by byte from spec §1:
// big-endian integers, parity word making the XOR of all words 0.
func kerneldumpHeader(magic string, length uint64, when time.Time, panicStr string) []byte {
	h := make([]byte, 512)
	copy(h[0:20], magic)
	copy(h[20:32], "amd64")
	binary.BigEndian.PutUint32(h[32:], 1)
	binary.BigEndian.PutUint32(h[36:], 2)
	binary.BigEndian.PutUint64(h[40:], length)
	binary.BigEndian.PutUint64(h[48:], uint64(when.Unix()))
	binary.BigEndian.PutUint32(h[56:], 512)
	copy(h[60:124], "crashbox.example")
	copy(h[124:316], "DragonFly v5.8.3-RELEASE")
	copy(h[316:508], panicStr)
	var parity uint32
	for i := 0; i < 508; i += 4 {
		parity ^= binary.BigEndian.Uint32(h[i:])
	}
	binary.BigEndian.PutUint32(h[508:], parity)
	return h
}

func TestKerneldumpHeader(t *testing.T) {
	f := sample(t)
	fm := dump.MinidumpDragonFlyV2
	inner, err := os.ReadFile(f.path(fm))
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2020, 9, 24, 13, 37, 0, 0, time.UTC)
	hdr := kerneldumpHeader("DragonFly Kern Dump", uint64(len(inner)), when, "page fault")
	path := filepath.Join(t.TempDir(), "dumpdev.img")
	// A dump-device copy: header, dump, trailing header.
	if err := os.WriteFile(path, append(append(append([]byte(nil), hdr...), inner...), hdr...), 0o444); err != nil {
		t.Fatal(err)
	}
	c, err := dump.Open(path, dump.WithSymbols(f.tab.Resolver()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	kh := c.DumpHeader()
	if c.Format() != fm || kh == nil || !kh.ParityOK || kh.PanicString != "page fault" || !kh.DumpTime.Equal(when) || kh.Hostname != "crashbox.example" || kh.DumpLength != uint64(len(inner)) {
		t.Fatalf("format %v, header %+v", c.Format(), kh)
	}
	l := f.layouts[fm]
	for _, p := range f.probes(5, false)[:500] {
		b, kind, at := l.Expect(p.addr, p.n)
		check(t, "behind header", p, c.ReadAt, b, kind, at)
	}

	// A bad parity word and a short file are warnings, not failures.
	hdr[508] ^= 1
	short := append(append([]byte(nil), hdr...), inner[:len(inner)/2]...)
	path2 := filepath.Join(t.TempDir(), "dumpdev2.img")
	os.WriteFile(path2, short, 0o444)
	c2, err := dump.Open(path2, dump.WithSymbols(f.tab.Resolver()))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if c2.DumpHeader().ParityOK || len(c2.Warnings()) < 2 {
		t.Errorf("parity %v, warnings %q", c2.DumpHeader().ParityOK, c2.Warnings())
	}
}
