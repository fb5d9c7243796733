package dumptest

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kdump-bsd/kdump/dump"
)

func mustSample(t testing.TB, kernel string, cfg SampleConfig) *Machine {
	t.Helper()
	mc, err := Sample(kernel, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

func readU64(t testing.TB, m *Memory, va uint64) uint64 {
	t.Helper()
	b, err := m.ReadVirt(va, 8)
	if err != nil {
		t.Fatal(err)
	}
	return le.Uint64(b)
}

func TestSampleGlobals(t *testing.T) {
	kern := miniKernel(t, "")
	mc := mustSample(t, kern, SampleConfig{Seed: 1, PhysSize: 16 << 20, HeapSize: 2 << 20, Panic: "vm_fault: fault on nofault entry, addr: 0xdeadc000"})
	m := mc.Memory

	ef, err := elf.Open(kern)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	syms, _ := ef.Symbols()
	addr := map[string]uint64{}
	for _, s := range syms {
		addr[s.Name] = s.Value
	}

	if got := readU64(t, m, addr["dumppcb"]+64); got != mc.PML4 || got != m.PML4() {
		t.Errorf("dumppcb.pcb_cr3 = %#x, PML4 at %#x", got, m.PML4())
	}
	// The full-dump bootstrap of spec §5.2: dumppcb read at PA = VA − kernbase.
	raw, _ := m.ReadPhys(addr["dumppcb"]-addr["kernbase"]+64, 8)
	if le.Uint64(raw) != mc.PML4 {
		t.Errorf("dumppcb at PA &dumppcb − kernbase holds %#x", le.Uint64(raw))
	}
	if got := readU64(t, m, addr["KPML4phys"]); got != mc.PML4 {
		t.Errorf("KPML4phys = %#x", got)
	}
	ps := readU64(t, m, addr["panicstr"])
	if ps != addr["buf.0"] || ps != mc.PanicBuf {
		t.Errorf("panicstr = %#x, panic buffer buf.0 at %#x", ps, addr["buf.0"])
	}
	b, _ := m.ReadVirt(ps, 256)
	if got := string(b[:bytes.IndexByte(b, 0)]); got != "vm_fault: fault on nofault entry, addr: 0xdeadc000" {
		t.Errorf("panic string %q", got)
	}
	if mc.Version == "" || !strings.HasPrefix(mc.Version, "DragonFly v5.8.1-RELEASE") {
		t.Errorf("version %q", mc.Version)
	}
	for _, name := range []string{"dumppcb", "KPML4phys", "panicstr", "msgbufp", "version", "ostype", "kernbase", "allproc_hsize"} {
		if mc.Symbols[name] != addr[name] {
			t.Errorf("Symbols[%s] = %#x, want %#x", name, mc.Symbols[name], addr[name])
		}
	}
	if len(mc.Missing) != 0 {
		t.Errorf("missing symbols %v", mc.Missing)
	}

	// struct msgbuf: last 32 bytes of the area, new-layout magic (allproc_hsize).
	mp := readU64(t, m, addr["msgbufp"])
	if mp != mc.MsgbufStruct || mp != SampleDMAPBase+m.PhysSize()-32 {
		t.Fatalf("msgbufp = %#x, want the last 32 bytes of RAM in the DMAP", mp)
	}
	st, _ := m.ReadVirt(mp, 32)
	magic, size, bufx, bufr, ptr, bufl := le.Uint32(st), le.Uint32(st[4:]), le.Uint32(st[8:]), le.Uint32(st[12:]), le.Uint64(st[16:]), le.Uint32(st[24:])
	if magic != 0x063064 || size != DefaultMsgbufSize-32 || ptr != mp-uint64(size) || bufr != 0 ||
		bufx != uint32(len(mc.MsgbufLog)) || bufl != bufx {
		t.Errorf("msgbuf magic %#x size %d bufx %d bufr %d ptr %#x bufl %d", magic, size, bufx, bufr, ptr, bufl)
	}
	text, _ := m.ReadVirt(ptr, int(bufx))
	if !bytes.Equal(text, mc.MsgbufLog) {
		t.Error("msgbuf text differs from MsgbufLog")
	}
	for _, want := range []string{"<6>", "<13>syslogd", "DragonFly v5.8.1-RELEASE", "\npanic: vm_fault: fault on nofault entry"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("msgbuf lacks %q", want)
		}
	}

	// The minidump msgbuf section: round_page(msg_size) bytes of msg_ptr, the
	// struct itself at section offset msg_size (spec §14.2).
	for _, f := range minidumps {
		file, l := writeBytes(t, m, f, mc.WriteOptions())
		if l.MsgbufSize != uint64(size) || l.MsgbufLen != DefaultMsgbufSize {
			t.Errorf("%v: msgbufsize %d section %d", f, l.MsgbufSize, l.MsgbufLen)
		}
		sec := file[PageSize : PageSize+DefaultMsgbufSize]
		if !bytes.Equal(sec[size:], st) || !bytes.Equal(sec[:bufx], mc.MsgbufLog) {
			t.Errorf("%v: msgbuf section does not hold the area", f)
		}
	}
}

func TestSampleOldKernel(t *testing.T) {
	kern := miniKernel(t, "OLDKERN")
	var lines []string
	for i := 0; i < 1200; i++ { // ~60 KiB: wraps a 16 KiB buffer
		lines = append(lines, strings.Repeat("x", 40)+" line "+string(rune('a'+i%26)))
	}
	mc := mustSample(t, kern, SampleConfig{Seed: 2, MsgbufSize: 16 << 10, Messages: lines, VersionOverride: "DragonFly v2.4.1-RELEASE"})
	if mc.MsgbufMagic != 0x063062 {
		t.Errorf("magic %#x, want the old 0x063062", mc.MsgbufMagic)
	}
	st, _ := mc.Memory.ReadVirt(mc.MsgbufStruct, 32)
	size := uint64(le.Uint32(st[4:]))
	bufx, bufr := uint64(le.Uint32(st[8:])), uint64(le.Uint32(st[12:]))
	total := uint64(len(mc.MsgbufLog))
	if size != 16<<10-32 || bufx != total%size || bufr != (bufx+1)%size || total <= size {
		t.Errorf("size %d bufx %d bufr %d, log %d bytes", size, bufx, bufr, total)
	}
	// Reading size bytes from the write index, wrapping, gives the log's tail.
	data, _ := mc.Memory.ReadVirt(le.Uint64(st[16:]), int(size))
	tail := append(append([]byte{}, data[bufx:]...), data[:bufx]...)
	if !bytes.Equal(tail, mc.MsgbufLog[total-size:]) {
		t.Error("wrapped buffer does not hold the log's tail")
	}
	if mc.PanicBuf != 0 || readU64(t, mc.Memory, mc.Symbols["panicstr"]) != 0 {
		t.Error("panicstr not NULL without a panic")
	}
	if mc.Version != "DragonFly v2.4.1-RELEASE" {
		t.Errorf("version override: %q", mc.Version)
	}
	if _, ok := mc.Symbols["allproc_hsize"]; ok {
		t.Error("allproc_hsize in an old kernel")
	}
}

func TestSampleLayout(t *testing.T) {
	mc := mustSample(t, miniKernel(t, ""), SampleConfig{Seed: 3})
	m := mc.Memory
	leaf := func(va uint64) Mapping {
		t.Helper()
		mp, ok := m.Leaf(va)
		if !ok {
			t.Fatalf("VA %#x not mapped", va)
		}
		return mp
	}
	if mp := leaf(SampleText2M); mp.Size != Size2M || mp.PA != SampleTextPA || mp.Entry&PG_PAT2M == 0 || mp.Entry&PG_NX != 0 {
		t.Errorf("kernel 2 MiB page %+v", mp)
	}
	if mc.ImageMapEnd <= SampleImage4K {
		t.Fatal("test kernel should extend past the 2 MiB page")
	}
	if mp := leaf(SampleImage4K); mp.Size != PageSize || mp.PA != SampleImage4K-SampleKernBase || mp.Entry&PG_NX == 0 {
		t.Errorf("first 4 KiB image page %+v", mp)
	}
	if _, ok := m.Leaf(mc.ImageMapEnd); ok {
		t.Error("page after the image mapped")
	}
	if mp := leaf(Sample1GiB); mp.Size != Size1G || mp.PA != 0 {
		t.Errorf("1 GiB window %+v", mp)
	}
	if mp := leaf(SampleDMAPBase + 5*PageSize); mp.Size != Size1G || mp.PA != 0 {
		t.Errorf("DMAP %+v", mp)
	}
	// The image is in memory at PA = VA − KERNBASE.
	ef, _ := elf.Open(mc.Kernel)
	defer ef.Close()
	text := ef.Section(".text")
	want, _ := text.Data()
	got, _ := m.ReadPhys(text.Addr-SampleKernBase, len(want))
	if !bytes.Equal(got, want) {
		t.Error(".text not at PA = VA − KERNBASE")
	}
	// Heap: holes unmapped, excluded pages mapped, the rest mapped NX and tagged.
	holes := map[uint64]bool{}
	for _, h := range mc.HeapHoles {
		for va := h[0]; va < h[1]; va += PageSize {
			holes[va] = true
			if _, ok := m.Leaf(va); ok {
				t.Errorf("heap hole page %#x mapped", va)
			}
		}
	}
	seen := map[uint64]bool{}
	for va := mc.HeapStart; va < mc.HeapEnd; va += PageSize {
		if holes[va] {
			continue
		}
		mp := leaf(va)
		if mp.Entry&PG_NX == 0 || seen[mp.PA] {
			t.Fatalf("heap page %#x: entry %#x (PA reused: %v)", va, mp.Entry, seen[mp.PA])
		}
		seen[mp.PA] = true
		if readU64(t, m, va) != va || readU64(t, m, va+8) != mp.PA {
			t.Fatalf("heap page %#x: tag missing", va)
		}
	}
	for _, va := range mc.HeapExcluded {
		pa, _ := m.Translate(va)
		if !m.Excluded(pa) {
			t.Errorf("heap page %#x not excluded", va)
		}
	}
	// Alloc: zeroed, aligned, never on a hole or an excluded page.
	var last uint64
	for i := 0; i < 200; i++ {
		va := mc.Alloc(20000, 64)
		if va == 0 || va%64 != 0 || va < last {
			t.Fatalf("Alloc %d = %#x", i, va)
		}
		last = va
		for p := va &^ (PageSize - 1); p < va+20000; p += PageSize {
			if holes[p] || m.Excluded(func() uint64 { pa, _ := m.Translate(p); return pa }()) {
				t.Fatalf("Alloc returned %#x over a hole or excluded page %#x", va, p)
			}
		}
		b, _ := m.ReadVirt(va, 20000)
		if !bytes.Equal(b, make([]byte, 20000)) {
			t.Fatalf("Alloc %#x not zeroed", va)
		}
	}
	if va := mc.Alloc(64<<20, 16); va != 0 {
		t.Errorf("Alloc beyond the heap = %#x", va)
	}
	if va := mc.AllocDMAP(100, 16); va < SampleDMAPBase || va >= SampleDMAPBase+m.PhysSize() {
		t.Errorf("AllocDMAP = %#x", va)
	}
}

// TestSampleExpect checks the oracle at the sample's probe points, per format.
func TestSampleExpect(t *testing.T) {
	mc := mustSample(t, miniKernel(t, ""), SampleConfig{Seed: 4, Panic: "test"})
	m := mc.Memory
	// ELFVirtual is written with VirtualDMAP by the machine's options.
	want := map[string]kinds{
		"kernel-below":       {un, un, un, un},
		"kernel-2m-first":    {ok, ok, ok, ok},
		"kernel-2m-last":     {ok, ok, ok, ok},
		"kernel-4k-first":    {ok, ok, ok, ok},
		"kernel-4k-last":     {ok, ok, ok, ok},
		"kernel-nx-page":     {ok, ok, ok, ok},
		"kernel-after":       {un, un, un, un},
		"heap-before":        {un, un, un, un},
		"heap-first":         {ok, ok, ok, ok},
		"nx-page":            {ok, ok, ok, ok},
		"heap-page-cross":    {ok, ok, ok, ok},
		"heap-last":          {ok, ok, ok, ok},
		"heap-after":         {un, un, un, un},
		"1g-first":           {ok, ok, ok, ok},
		"1g-phys-hole-0":     {nd, nd, ok, un},
		"1g-ram-last":        {ok, ok, ok, ok},
		"1g-beyond-ram":      {nd, nd, nd, un},
		"1g-last":            {nd, nd, nd, un},
		"dmap-first":         {ok, ok, ok, ok},
		"dmap-phys-hole-0":   {nd, nd, ok, un},
		"dmap-ram-last":      {ok, ok, ok, ok},
		"dmap-beyond-ram":    {nd, nd, nd, un},
		"dmap-1g-last":       {nd, nd, nd, un},
		"dmap-1g-after":      {nd, un, un, un},
		"dmap-end-last":      {nd, un, un, un},
		"dmap-end":           {un, un, un, un},
		"dmap-below":         {un, un, un, un},
		"msgbuf-area":        {ok, ok, ok, ok},
		"msgbuf-struct":      {ok, ok, ok, ok},
		"dmap-object-0":      {ok, ok, ok, ok},
		"dmap-object-1":      {ok, ok, ok, ok},
		"dmap-arena-unused":  {ok, ok, ok, ok}, // the 1 GiB window puts it in the page set
		"panic-buf":          {ok, ok, ok, ok},
		"null":               {un, un, un, un},
		"noncanonical":       {un, un, un, un},
		"phys-0":             {ok, ok, ok, un},
		"phys-hole-0-before": {ok, ok, ok, un},
		"phys-hole-0-first":  {nd, nd, ok, un},
		"phys-hole-0-last":   {nd, nd, ok, un},
		"phys-hole-0-after":  {ok, ok, ok, un},
		"phys-ram-last":      {ok, ok, ok, un},
		"phys-beyond-ram":    {nd, nd, nd, un},
		"phys-pml4":          {ok, ok, ok, un},
		"phys-kernel-text":   {ok, ok, ok, un},
	}
	prefix := map[string]kinds{
		"heap-hole-":     {un, un, un, un},
		"heap-excluded-": {nd, ok, ok, ok},
		"phys-excluded-": {nd, ok, ok, un},
		"dmap-excluded-": {nd, ok, ok, ok},
	}
	formats := append(append([]dump.Format{}, minidumps...), dump.ELFFull, dump.Raw, dump.ELFVirtual)
	for _, p := range mc.Points {
		k, found := want[p.Name]
		if !found {
			for pre, pk := range prefix {
				if strings.HasPrefix(p.Name, pre) {
					k, found = pk, true
				}
			}
			// Neighbours of holes and excluded pages are ordinary heap bytes.
			if strings.HasSuffix(p.Name, "-before") || strings.HasSuffix(p.Name, "-after") {
				k = kinds{ok, ok, ok, ok}
			}
		}
		if !found {
			t.Errorf("point %s has no expectation", p.Name)
			continue
		}
		for _, f := range formats {
			var kind dump.FaultKind
			var at uint64
			var got []byte
			if p.Phys {
				got, kind, at = m.ExpectPhys(f, p.Addr, 1)
			} else {
				got, kind, at = m.Expect(f, p.Addr, 1)
			}
			if kind != k.of(f) {
				t.Errorf("%s (%#x) in %v: %v, want %v", p.Name, p.Addr, f, kind, k.of(f))
				continue
			}
			if kind != ok && (at != p.Addr || len(got) != 0) {
				t.Errorf("%s in %v: fault at %#x with %d bytes", p.Name, f, at, len(got))
			}
			if kind == ok && !p.Phys {
				if m.IsRAM(func() uint64 { pa, _ := m.Translate(p.Addr); return pa }()) {
					b, err := m.ReadVirt(p.Addr, 1)
					if err == nil && b[0] != got[0] {
						t.Errorf("%s in %v: byte %#x, model %#x", p.Name, f, got[0], b[0])
					}
				}
			}
		}
	}
}

// TestSampleFiles writes every format of the sample to disk and checks each
// file against its layout and the layout oracle against the file's bytes.
func TestSampleFiles(t *testing.T) {
	mc := mustSample(t, miniKernel(t, ""), SampleConfig{Seed: 5, PhysSize: 24 << 20, HeapSize: 2 << 20, Panic: "files"})
	dir := t.TempDir()
	layouts, err := mc.WriteAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(layouts) != len(dump.Formats()) {
		t.Fatalf("%d layouts", len(layouts))
	}
	for f, l := range layouts {
		b, err := os.ReadFile(filepath.Join(dir, "vmcore-"+f.String()))
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != l.FileSize {
			t.Errorf("%v: file %d bytes, layout %d", f, len(b), l.FileSize)
		}
		t.Logf("%-22v %10d bytes", f, len(b))
		// Bytes the oracle returns come from where the layout says.
		for _, va := range []uint64{mc.HeapStart + 0x123, mc.MsgbufStruct, SampleText2M + 0x10, Sample1GiB + 0x300000} {
			got, kind, _ := l.Expect(va, 16)
			if kind != ok {
				t.Errorf("%v: VA %#x: %v", f, va, kind)
				continue
			}
			var off int64
			var found bool
			if f == dump.ELFVirtual {
				off, found = l.VirtOffset(va)
			} else if f.IsMinidump() && va >= SampleDMAPBase && va < SampleDMAPEnd {
				off, found = l.Offset(va - SampleDMAPBase)
			} else {
				pa, _ := mc.Memory.Translate(va)
				off, found = l.Offset(pa)
			}
			if !found || !bytes.Equal(b[off:off+16], got) {
				t.Errorf("%v: VA %#x: file bytes at %d differ from the oracle", f, va, off)
			}
		}
	}
	if _, err := mc.WriteAllCompressed(dir, dump.Gzip, dump.MinidumpDragonFlyV2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "vmcore-minidump-dragonfly-v2.gz")); err != nil {
		t.Error(err)
	}
}

func TestSampleDeterminism(t *testing.T) {
	kern := miniKernel(t, "")
	sums := func(seed uint64) map[dump.Format][32]byte {
		mc := mustSample(t, kern, SampleConfig{Seed: seed, Panic: "same", HeapSize: 2 << 20, PhysSize: 16 << 20})
		out := map[dump.Format][32]byte{}
		for _, f := range dump.Formats() {
			h := sha256.New()
			if _, err := mc.Memory.Write(h, f, mc.WriteOptions()); err != nil {
				t.Fatal(err)
			}
			var sum [32]byte
			h.Sum(sum[:0])
			out[f] = sum
		}
		return out
	}
	a, b, c := sums(99), sums(99), sums(100)
	for _, f := range dump.Formats() {
		if a[f] != b[f] {
			t.Errorf("%v: same seed, different bytes", f)
		}
		if a[f] == c[f] {
			t.Errorf("%v: different seeds, same bytes", f)
		}
	}
}

func TestSampleNo1GiB(t *testing.T) {
	mc := mustSample(t, miniKernel(t, ""), SampleConfig{Seed: 6, No1GiBMap: true})
	m := mc.Memory
	for _, p := range mc.Points {
		var want dump.FaultKind
		switch p.Name {
		case "dmap-arena-unused", "phys-0", "dmap-first":
			want = nd // no kernel mapping ≥ kernbase, not DumpAlso
		case "dmap-object-0", "dmap-object-1", "msgbuf-struct", "phys-pml4", "phys-kernel-text":
			want = ok // DumpAlso, table page, image
		case "1g-unmapped":
			want = un
		default:
			continue
		}
		var kind dump.FaultKind
		if p.Phys {
			_, kind, _ = m.ExpectPhys(dump.MinidumpDragonFlyV2, p.Addr, 8)
		} else {
			_, kind, _ = m.Expect(dump.MinidumpDragonFlyV2, p.Addr, 8)
		}
		if kind != want {
			t.Errorf("%s: %v, want %v", p.Name, kind, want)
		}
	}
	_, l := writeBytes(t, m, dump.MinidumpDragonFlyV2, mc.WriteOptions())
	if l.FileSize >= int64(m.PhysSize()) {
		t.Errorf("minidump %d bytes is not smaller than RAM", l.FileSize)
	}
}

// TestSampleKernels runs Sample on the checked-in sample kernels, when present.
func TestSampleKernels(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "kernels", "kern-dfly*"))
	if len(paths) == 0 {
		t.Skip("no sample kernels in testdata/kernels yet")
	}
	for _, p := range paths {
		if strings.HasSuffix(p, ".c") || strings.HasSuffix(p, ".h") {
			continue
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			mc, err := Sample(p, SampleConfig{Seed: 1, Panic: "sample", HeapSize: 2 << 20})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"dumppcb", "panicstr", "msgbufp", "version"} {
				if _, ok := mc.Symbols[name]; !ok {
					t.Errorf("symbol %s not found", name)
				}
			}
			wantMagic := uint32(MsgMagic)
			if strings.Contains(p, "2007") || strings.Contains(p, "2009") {
				wantMagic = MsgOldMagic
			}
			if mc.MsgbufMagic != wantMagic {
				t.Errorf("msgbuf magic %#x, want %#x", mc.MsgbufMagic, wantMagic)
			}
			t.Logf("image %#x-%#x, version %q, missing %v", mc.ImageStart, mc.ImageEnd, mc.Version, mc.Missing)
		})
	}
}

func TestSampleBigHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	kern := miniKernel(t, "")
	start := time.Now()
	mc := mustSample(t, kern, SampleConfig{Seed: 8, HeapSize: 256 << 20})
	built := time.Since(start)
	l, err := mc.Memory.Write(discard{}, dump.MinidumpDragonFlyV2, mc.WriteOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("RAM %d MiB: built in %v, v2 minidump of %d MiB written in %v",
		mc.Memory.PhysSize()>>20, built, l.FileSize>>20, time.Since(start)-built)
	if got, kind, _ := mc.Memory.Expect(dump.MinidumpDragonFlyV2, mc.HeapEnd-8, 8); kind != ok || len(got) != 8 {
		t.Errorf("last heap bytes: %v", kind)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
