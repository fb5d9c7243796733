package dumptest

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/kdump-bsd/kdump/dump"
)

// The sample machine's address-space layout. Reader tests depend on these values.
const (
	// SampleKernBase is KERNBASE: kernel image VA − SampleKernBase = PA. It is
	// also the minidump header kernbase of the sample's dumps.
	SampleKernBase = 0xffffffff80000000
	// SampleText2M is the kernel link address; [SampleText2M, SampleImage4K) is
	// mapped by one 2 MiB page (PAT bit set, not NX) to SampleTextPA.
	SampleText2M = 0xffffffff80200000
	SampleTextPA = 0x200000
	// SampleImage4K is where 4 KiB mappings of the rest of the image start
	// (identity VA − SampleKernBase; data pages NX).
	SampleImage4K = 0xffffffff80400000
	// SampleHeapBase is the start of the kernel heap ("KVA"): 4 KiB pages, NX,
	// scattered physical pages, a few unmapped holes and excluded pages.
	SampleHeapBase = 0xffffffff90000000
	// Sample1GiB is mapped by a single 1 GiB page (NX) to PA 0, unless
	// SampleConfig.No1GiBMap.
	Sample1GiB = 0xffffffffc0000000
	// SampleDMAPBase is the direct map: in the page tables (full and raw dumps)
	// [SampleDMAPBase, +RAM rounded up to 1 GiB) is mapped with 1 GiB pages; in
	// minidumps the header's dmapbase/dmapend translate it by arithmetic.
	SampleDMAPBase = DefaultDMAPBase
	SampleDMAPEnd  = DefaultDMAPEnd

	// Defaults of SampleConfig.
	DefaultHeapSize      = 8 << 20
	DefaultMsgbufSize    = 64 << 10
	DefaultDMAPArenaSize = 256 << 10

	// Message-buffer magic numbers (spec §14.1).
	MsgMagic    = 0x063064 // 2015+ layout, indices not reduced
	MsgOldMagic = 0x063062 // 2007–2015 layout, indices reduced mod size
)

const (
	pcbCR3Offset = 64 // struct pcb: pcb_cr3 (spec §10.15)
	panicBufSize = 256
)

// SampleConfig configures Sample. Zero fields take the defaults.
type SampleConfig struct {
	// PhysSize is the RAM size; 0 picks max(64 MiB, what the image, heap,
	// message buffer and arena need plus 16 MiB), rounded to 2 MiB.
	PhysSize uint64
	// Seed makes everything deterministic (physical scatter, heap holes…).
	Seed uint64
	// Holes as in Config (nil: the PC hole [0xA0000, 0x100000)).
	Holes [][2]uint64
	// HeapSize is the size of the kernel heap at SampleHeapBase (default 8 MiB,
	// rounded to pages, at least 1 MiB).
	HeapSize uint64
	// MsgbufSize is the size of the message-buffer area at the top of RAM
	// (default 64 KiB, a page multiple); struct msgbuf takes its last 32 bytes.
	MsgbufSize uint64
	// DMAPArenaSize is the physically contiguous area below the message buffer
	// that AllocDMAP hands out (default 256 KiB).
	DMAPArenaSize uint64
	// Panic is the panic message ("" = the kernel did not panic: panicstr NULL).
	Panic string
	// VersionOverride, when set, replaces the in-memory `version` string so that
	// it differs from the kernel file's.
	VersionOverride string
	// Messages are extra kernel message lines appended to the boot messages
	// (before the panic). Enough of them make the message buffer wrap.
	Messages []string
	// No1GiBMap leaves out the 1 GiB mapping at Sample1GiB. With it (the
	// default), every RAM page lies under a kernel mapping at ≥ kernbase, so a
	// minidump holds all RAM but the excluded pages; without it, DMAP pages are
	// dumped only through DumpAlso.
	No1GiBMap bool
}

// Point is an address a reader test should probe: a boundary of a mapping, a
// hole, an excluded page, an object.
type Point struct {
	Name string
	Addr uint64
	Phys bool // Addr is physical
}

// Machine is the memory of a DragonFly x86_64 kernel at the moment of a dump,
// built by Sample from a kernel ELF.
type Machine struct {
	Memory *Memory
	Kernel string // path of the kernel ELF

	// Symbols holds the kernel symbols Sample used or filled, name → VA.
	Symbols map[string]uint64
	// Missing lists the symbols Sample looked for and did not find.
	Missing []string

	PML4 uint64 // PA of the PML4 page (= dumppcb.pcb_cr3 = KPML4phys)

	ImageStart, ImageEnd uint64 // VA range of the image's allocated sections
	ImageMapEnd          uint64 // end of the image's mappings (page or 2 MiB rounded)
	HeapStart, HeapEnd   uint64 // VA range of the heap
	HeapHoles            [][2]uint64
	HeapExcluded         []uint64 // VAs of heap pages excluded from minidumps
	DMAPEnd              uint64   // end of the 1 GiB DMAP mappings in the page tables

	// The message buffer: the DMAP area at the top of RAM, struct msgbuf in its
	// last 32 bytes.
	MsgbufArea    uint64 // VA (DMAP) of the data area = msg_ptr
	MsgbufPA      uint64
	MsgbufStruct  uint64 // VA of struct msgbuf (msgbufp)
	MsgbufMagic   uint32
	MsgbufDataLen uint64 // msg_size = area size − 32
	MsgbufLog     []byte // every byte written to the buffer, in order (may exceed msg_size)
	MsgBufx       uint32
	MsgBufr       uint32

	PanicBuf uint64 // VA of the panic string (0 when no panic)
	Version  string // the in-memory `version` string

	DMAPObjects []uint64 // VAs of objects placed in the DMAP arena
	Points      []Point

	heapNext   uint64
	arenaPA    uint64
	arenaEnd   uint64
	arenaNext  uint64
	heapHole   map[uint64]bool // heap page VAs not usable by Alloc
	imageExecs [][2]uint64
}

// Sample builds the memory a DragonFly x86_64 kernel would have at the moment of
// a dump, from a kernel ELF linked at SampleText2M.
func Sample(kernelPath string, cfg SampleConfig) (*Machine, error) {
	k, err := loadKernel(kernelPath)
	if err != nil {
		return nil, err
	}
	if k.start < SampleText2M || k.end > SampleHeapBase-Size2M {
		return nil, fmt.Errorf("dumptest: kernel %s: image [%#x, %#x) is not inside [%#x, %#x)",
			kernelPath, k.start, k.end, uint64(SampleText2M), uint64(SampleHeapBase-Size2M))
	}
	heap := roundPage(cfg.HeapSize)
	if heap == 0 {
		heap = DefaultHeapSize
	}
	heap = max(heap, 1<<20)
	msgSize := roundPage(cfg.MsgbufSize)
	if msgSize == 0 {
		msgSize = DefaultMsgbufSize
	}
	arena := roundPage(cfg.DMAPArenaSize)
	if arena == 0 {
		arena = DefaultDMAPArenaSize
	}
	imageMapEnd := max(uint64(SampleImage4K), roundPage(k.end))
	imagePAEnd := imageMapEnd - SampleKernBase
	phys := cfg.PhysSize
	if phys == 0 {
		need := imagePAEnd + heap + heap/256 + msgSize + arena + 16<<20
		phys = max(uint64(DefaultPhysSize), need)
	}
	phys = (phys + Size2M - 1) &^ (Size2M - 1)
	if imagePAEnd+msgSize+arena+heap > phys {
		return nil, fmt.Errorf("dumptest: %d bytes of RAM cannot hold the image, heap, msgbuf and arena", phys)
	}

	m := NewMemory(Config{PhysSize: phys, Seed: cfg.Seed, Holes: cfg.Holes})
	mc := &Machine{
		Memory:      m,
		Kernel:      kernelPath,
		Symbols:     map[string]uint64{},
		ImageStart:  k.start,
		ImageEnd:    k.end,
		ImageMapEnd: imageMapEnd,
		HeapStart:   SampleHeapBase,
		HeapEnd:     SampleHeapBase + heap,
		heapHole:    map[uint64]bool{},
	}
	mc.MsgbufPA = phys - msgSize
	mc.arenaPA = mc.MsgbufPA - arena
	mc.arenaEnd = mc.MsgbufPA
	mc.arenaNext = mc.arenaPA
	// Fixed physical ranges first, so AllocPage never hands them out.
	if err := m.Reserve(SampleTextPA, imagePAEnd-SampleTextPA); err != nil {
		return nil, fmt.Errorf("dumptest: kernel image: %w", err)
	}
	if err := m.Reserve(mc.arenaPA, arena+msgSize); err != nil {
		return nil, fmt.Errorf("dumptest: message buffer: %w", err)
	}
	for _, s := range k.sections {
		if s.data != nil {
			if err := m.WritePhys(s.va-SampleKernBase, s.data); err != nil {
				return nil, fmt.Errorf("dumptest: section %s: %w", s.name, err)
			}
		}
		if s.exec {
			mc.imageExecs = append(mc.imageExecs, [2]uint64{s.va, s.va + s.size})
		}
	}
	mc.PML4 = m.PML4()
	if err := mc.mapKernel(cfg); err != nil {
		return nil, err
	}
	if err := mc.fillGlobals(k, cfg, msgSize); err != nil {
		return nil, err
	}
	mc.Memory.Options = mc.WriteOptions()
	mc.points()
	return mc, nil
}

func (mc *Machine) mapKernel(cfg SampleConfig) error {
	m := mc.Memory
	// The image: one 2 MiB page (PAT bit 12 set: readers must use the 2 MiB
	// frame mask), then 4 KiB pages; pages without code are NX.
	if err := m.Map2M(SampleText2M, SampleTextPA, PG_RW|PG_G|PG_PAT2M); err != nil {
		return err
	}
	for va, n := uint64(SampleImage4K), 0; va < mc.ImageMapEnd; va, n = va+PageSize, n+1 {
		flags := uint64(PG_G)
		if !mc.execPage(va) {
			flags |= PG_RW | PG_NX
		}
		switch n % 4 {
		case 1:
			flags |= PG_AVL
		case 2:
			flags |= PG_IGN52 | PG_IGN58
		}
		if err := m.Map4K(va, va-SampleKernBase, flags); err != nil {
			return err
		}
	}

	// The heap: holes and excluded pages picked from the seed.
	rng := rand.New(rand.NewPCG(cfg.Seed^0x5eed, 0xdf))
	np := (mc.HeapEnd - mc.HeapStart) / PageSize
	q := np / 4
	for i := uint64(0); i < 4; i++ {
		length := uint64(1)
		if i == 3 {
			length = 4
		}
		start := i*q + 8 + rng.Uint64N(q/2)
		h := [2]uint64{mc.HeapStart + start*PageSize, mc.HeapStart + (start+length)*PageSize}
		mc.HeapHoles = append(mc.HeapHoles, h)
		for va := h[0]; va < h[1]; va += PageSize {
			mc.heapHole[va] = true
		}
	}
	for i := uint64(0); i < 3; i++ {
		p := i*q + q/2 + 8 + rng.Uint64N(q/4)
		va := mc.HeapStart + p*PageSize
		for mc.heapHole[va] || mc.heapHole[va-PageSize] || mc.heapHole[va+PageSize] {
			va += 2 * PageSize
		}
		mc.HeapExcluded = append(mc.HeapExcluded, va)
	}
	holeSet := map[uint64]bool{}
	for _, h := range mc.HeapHoles {
		for va := h[0]; va < h[1]; va += PageSize {
			holeSet[va] = true
		}
	}
	var tag [16]byte
	for va, n := mc.HeapStart, 0; va < mc.HeapEnd; va, n = va+PageSize, n+1 {
		if holeSet[va] {
			continue
		}
		pa := m.AllocPage()
		if pa == 0 {
			return fmt.Errorf("dumptest: out of RAM for the heap")
		}
		flags := uint64(PG_RW | PG_NX | PG_A | PG_M)
		switch n % 7 {
		case 3:
			flags |= PG_AVL
		case 5:
			flags |= PG_IGN52
		}
		if err := m.Map4K(va, pa, flags); err != nil {
			return err
		}
		// Background: every heap page says where it is, so a reader that reads
		// the wrong page is caught.
		binary.LittleEndian.PutUint64(tag[0:], va)
		binary.LittleEndian.PutUint64(tag[8:], pa)
		if err := m.WritePhys(pa, tag[:]); err != nil {
			return err
		}
		binary.LittleEndian.PutUint64(tag[0:], ^va)
		if err := m.WritePhys(pa+PageSize-8, tag[:8]); err != nil {
			return err
		}
	}
	for _, va := range mc.HeapExcluded {
		mc.heapHole[va] = true
		pa, _ := m.Translate(va)
		m.Exclude(pa)
	}
	mc.heapNext = mc.HeapStart

	// The 1 GiB window onto PA 0.
	if !cfg.No1GiBMap {
		if err := m.Map1G(Sample1GiB, 0, PG_RW|PG_NX|PG_G|PG_AVL|PG_IGN52); err != nil {
			return err
		}
	}
	// The direct map, 1 GiB pages.
	gigs := (m.physSize + Size1G - 1) / Size1G
	for g := uint64(0); g < gigs; g++ {
		if err := m.Map1G(SampleDMAPBase+g*Size1G, g*Size1G, PG_RW|PG_NX|PG_A|PG_M); err != nil {
			return err
		}
	}
	mc.DMAPEnd = SampleDMAPBase + gigs*Size1G
	return nil
}

func (mc *Machine) execPage(va uint64) bool {
	for _, r := range mc.imageExecs {
		if va+PageSize > r[0] && va < r[1] {
			return true
		}
	}
	return false
}

func (mc *Machine) putU64(va, v uint64) error {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return mc.Memory.WriteVirt(va, b[:])
}

// symbol returns the VA of a kernel symbol and records it (or its absence).
func (mc *Machine) symbol(k *kernelImage, name string) (uint64, bool) {
	s, ok := k.sym(name)
	if !ok || s.Value == 0 {
		mc.Missing = append(mc.Missing, name)
		return 0, false
	}
	mc.Symbols[name] = s.Value
	return s.Value, true
}

func (mc *Machine) fillGlobals(k *kernelImage, cfg SampleConfig, msgSize uint64) error {
	m := mc.Memory
	if va, ok := mc.symbol(k, "dumppcb"); ok {
		if err := mc.putU64(va+pcbCR3Offset, mc.PML4); err != nil {
			return fmt.Errorf("dumptest: dumppcb: %w", err)
		}
	}
	if va, ok := mc.symbol(k, "KPML4phys"); ok {
		if err := mc.putU64(va, mc.PML4); err != nil {
			return fmt.Errorf("dumptest: KPML4phys: %w", err)
		}
	}
	mc.symbol(k, "kernbase")
	mc.symbol(k, "ostype")

	// version: from the image, or overridden.
	if va, ok := mc.symbol(k, "version"); ok {
		if cfg.VersionOverride != "" {
			s, _ := k.sym("version")
			size := int(s.Size)
			if size == 0 {
				size = len(cfg.VersionOverride) + 1
			}
			b := make([]byte, size)
			copy(b[:size-1], cfg.VersionOverride)
			if err := m.WriteVirt(va, b); err != nil {
				return fmt.Errorf("dumptest: version: %w", err)
			}
		}
		b, _ := m.ReadVirt(va, 512)
		if i := strings.IndexByte(string(b), 0); i >= 0 {
			b = b[:i]
		}
		mc.Version = string(b)
	}

	// panicstr → the panic buffer.
	if va, ok := mc.symbol(k, "panicstr"); ok {
		var buf uint64
		if cfg.Panic != "" {
			if s, ok := k.panicBuffer(); ok {
				buf = s.Value
				mc.Symbols[s.Name] = s.Value
			} else if buf = mc.Alloc(panicBufSize, 16); buf == 0 {
				return fmt.Errorf("dumptest: no heap left for the panic buffer")
			}
			msg := cfg.Panic
			if len(msg) > panicBufSize-1 {
				msg = msg[:panicBufSize-1]
			}
			if err := m.WriteVirt(buf, append([]byte(msg), 0)); err != nil {
				return fmt.Errorf("dumptest: panic buffer: %w", err)
			}
			mc.PanicBuf = buf
		}
		if err := mc.putU64(va, buf); err != nil {
			return fmt.Errorf("dumptest: panicstr: %w", err)
		}
	}

	// The message buffer.
	_, hasHsize := k.sym("allproc_hsize")
	_, hasBufl := k.msgbuf["msg_bufl"]
	mc.MsgbufMagic = MsgOldMagic
	if hasHsize || hasBufl {
		mc.MsgbufMagic = MsgMagic
	}
	if hasHsize {
		mc.Symbols["allproc_hsize"] = k.syms["allproc_hsize"].Value
	}
	if err := mc.writeMsgbuf(k, cfg, msgSize); err != nil {
		return err
	}
	if va, ok := mc.symbol(k, "msgbufp"); ok {
		if err := mc.putU64(va, mc.MsgbufStruct); err != nil {
			return fmt.Errorf("dumptest: msgbufp: %w", err)
		}
	}

	// A few DMAP objects (their pages go into minidumps through DumpAlso).
	for i, size := range []uint64{200, 6000} {
		va := mc.AllocDMAP(size, 64) // the 6000-byte one straddles a page boundary
		if va == 0 {
			return fmt.Errorf("dumptest: DMAP arena too small")
		}
		b := make([]byte, size)
		for j := range b {
			b[j] = byte(0xd0 + i + j*7)
		}
		copy(b, fmt.Sprintf("dmap-object-%d", i))
		if err := m.WriteVirt(va, b); err != nil {
			return err
		}
		mc.DMAPObjects = append(mc.DMAPObjects, va)
	}
	return nil
}

// bootMessages returns the kernel's message log: boot messages with syslog
// priority prefixes on the lines that came through log(9) or syslogd, the extra
// lines and the panic.
func (mc *Machine) bootMessages(cfg SampleConfig) []byte {
	phys := mc.Memory.physSize
	vline := "DragonFly"
	if mc.Version != "" {
		vline = strings.SplitN(mc.Version, "\n", 2)[0]
	}
	var b strings.Builder
	lines := []string{
		"Copyright (c) 2003-2020 The DragonFly Project.",
		"Copyright (c) 1992-2003 The FreeBSD Project.",
		"Copyright (c) 1979, 1980, 1983, 1986, 1988, 1989, 1991, 1992, 1993, 1994",
		"\tThe Regents of the University of California. All rights reserved.",
		vline,
		"TSC clock: 2593993552 Hz, i8254 clock: 1193182 Hz",
		"CPU: Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz (2593.99-MHz K8-class CPU)",
		"  Origin=\"GenuineIntel\"  Id=0x306e4  Family=0x6  Model=0x3e  Stepping=4",
		fmt.Sprintf("real memory  = %d (%d MB)", phys, phys>>20),
		fmt.Sprintf("avail memory = %d (%d MB)", phys-phys/8, (phys-phys/8)>>20),
		"Using 1 cpus",
		"em0: <Intel(R) PRO/1000 Network Connection 7.6.2> port 0xc000-0xc03f mem 0xfebc0000-0xfebdffff irq 11 at device 3.0 on pci0",
		"ad0: 16384MB <QEMU HARDDISK 2.5+> at ata0-master WDMA2",
		"Mounting root from hammer2:/dev/serno/QM00001.s1d",
		"<13>syslogd: kernel boot file is /boot/kernel/kernel",
		"<5>em0: link state changed to UP",
		"<6>pid 806 (sysctl), uid 0: exited on signal 6",
	}
	lines = append(lines, cfg.Messages...)
	if cfg.Panic != "" {
		lines = append(lines,
			"panic: "+cfg.Panic,
			"cpuid = 0",
			"Trace beginning at frame 0xfffff800867cf6f8",
			"Debugger(\"panic\")",
		)
	}
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

func (mc *Machine) writeMsgbuf(k *kernelImage, cfg SampleConfig, area uint64) error {
	m := mc.Memory
	off := map[string]int64{"msg_magic": 0, "msg_size": 4, "msg_bufx": 8, "msg_bufr": 12, "msg_ptr": 16, "msg_bufl": 24}
	for name := range off {
		if o, ok := k.msgbuf[name]; ok {
			off[name] = o
		}
	}
	size := area - 32
	mc.MsgbufArea = SampleDMAPBase + mc.MsgbufPA
	mc.MsgbufStruct = mc.MsgbufArea + size
	mc.MsgbufDataLen = size
	mc.MsgbufLog = mc.bootMessages(cfg)
	data := make([]byte, size)
	total := uint64(len(mc.MsgbufLog))
	for i, c := range mc.MsgbufLog {
		data[uint64(i)%size] = c
	}
	var bufx, bufr uint64
	if mc.MsgbufMagic == MsgMagic {
		bufx = total
		if total > size {
			bufr = total - size
		}
	} else {
		// Old msgaddchar: indices wrap at size; once the writer catches up with
		// the reader it pushes msg_bufr one past itself.
		bufx = total % size
		if total >= size {
			bufr = (bufx + 1) % size
		}
	}
	mc.MsgBufx, mc.MsgBufr = uint32(bufx), uint32(bufr)
	var st [32]byte
	put32 := func(name string, v uint32) error {
		o := off[name]
		if o < 0 || o+4 > 32 {
			return fmt.Errorf("dumptest: struct msgbuf member %s at offset %d outside 32 bytes", name, o)
		}
		binary.LittleEndian.PutUint32(st[o:], v)
		return nil
	}
	for _, f := range []struct {
		name string
		v    uint32
	}{{"msg_magic", mc.MsgbufMagic}, {"msg_size", uint32(size)}, {"msg_bufx", uint32(bufx)}, {"msg_bufr", uint32(bufr)}} {
		if err := put32(f.name, f.v); err != nil {
			return err
		}
	}
	if mc.MsgbufMagic == MsgMagic {
		if err := put32("msg_bufl", uint32(bufx)); err != nil {
			return err
		}
	}
	if o := off["msg_ptr"]; o >= 0 && o+8 <= 32 {
		binary.LittleEndian.PutUint64(st[o:], mc.MsgbufArea)
	} else {
		return fmt.Errorf("dumptest: struct msgbuf member msg_ptr at offset %d outside 32 bytes", o)
	}
	if err := m.WritePhys(mc.MsgbufPA, data); err != nil {
		return err
	}
	if err := m.WritePhys(mc.MsgbufPA+size, st[:]); err != nil {
		return err
	}
	for pa := mc.MsgbufPA; pa < mc.MsgbufPA+area; pa += PageSize {
		m.DumpAlso(pa)
	}
	return nil
}

// Alloc returns heap VAs for an object of size bytes aligned to align (a power of
// two; 0 means 16), zeroed, fully mapped and dumped in every format (it skips the
// heap's holes and excluded pages). It returns 0 when the heap is exhausted.
func (mc *Machine) Alloc(size, align uint64) uint64 {
	if align == 0 {
		align = 16
	}
	if size == 0 {
		size = 1
	}
	p := (mc.heapNext + align - 1) &^ (align - 1)
	for p >= mc.heapNext && p+size <= mc.HeapEnd && p+size > p {
		bad := uint64(0)
		for pg := p &^ (PageSize - 1); pg < p+size; pg += PageSize {
			if mc.heapHole[pg] {
				bad = pg
				break
			}
		}
		if bad == 0 {
			if err := mc.Memory.WriteVirt(p, make([]byte, size)); err != nil {
				return 0
			}
			mc.heapNext = p + size
			return p
		}
		p = (bad + PageSize + align - 1) &^ (align - 1)
	}
	return 0
}

// AllocDMAP returns a direct-map VA for an object of size bytes aligned to align,
// from a physically contiguous arena below the message buffer, zeroed, its pages
// added to the minidump page set (DumpAlso). It returns 0 when the arena is full.
func (mc *Machine) AllocDMAP(size, align uint64) uint64 {
	if align == 0 {
		align = 16
	}
	if size == 0 {
		size = 1
	}
	pa := (mc.arenaNext + align - 1) &^ (align - 1)
	if pa+size > mc.arenaEnd || pa+size < pa {
		return 0
	}
	if err := mc.Memory.WritePhys(pa, make([]byte, size)); err != nil {
		return 0
	}
	for p := pa &^ (PageSize - 1); p < pa+size; p += PageSize {
		mc.Memory.DumpAlso(p)
	}
	mc.arenaNext = pa + size
	return SampleDMAPBase + pa
}

// WriteOptions returns the options the machine's dumps are written with: the
// sample layout's kernbase and direct map, the message-buffer section
// (round_page(msg_size) bytes of msg_ptr, with msgbufsize = msg_size), and
// VirtualDMAP so the message buffer exists in ELFVirtual cores too.
func (mc *Machine) WriteOptions() WriteOptions {
	area, _ := mc.Memory.ReadPhys(mc.MsgbufPA, int(roundPage(mc.MsgbufDataLen)))
	return WriteOptions{
		KernBase:    SampleKernBase,
		DMAPBase:    SampleDMAPBase,
		DMAPEnd:     SampleDMAPEnd,
		Msgbuf:      area,
		MsgbufSize:  mc.MsgbufDataLen,
		VirtualDMAP: true,
	}
}

// FileName returns the name WriteAll gives a dump: vmcore-<format>[.ext].
func FileName(f dump.Format, c dump.Compression) string {
	return "vmcore-" + f.String() + CompressedExt(c)
}

// WriteAll writes the machine as each format (every format when none is given)
// into dir as vmcore-<format>, and returns the layouts.
func (mc *Machine) WriteAll(dir string, formats ...dump.Format) (map[dump.Format]*Layout, error) {
	return mc.WriteAllCompressed(dir, dump.NoCompression, formats...)
}

// WriteAllCompressed is WriteAll with compression c (file names get .gz, .zst or
// .bz2). The layouts describe the uncompressed streams.
func (mc *Machine) WriteAllCompressed(dir string, c dump.Compression, formats ...dump.Format) (map[dump.Format]*Layout, error) {
	if len(formats) == 0 {
		formats = dump.Formats()
	}
	out := map[dump.Format]*Layout{}
	opt := mc.WriteOptions()
	for _, f := range formats {
		path := filepath.Join(dir, FileName(f, c))
		file, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		l, err := mc.Memory.WriteCompressed(file, f, opt, c)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("dumptest: %s: %w", path, err)
		}
		out[f] = l
	}
	return out, nil
}

// points fills mc.Points with the boundary cases reader tests should probe.
func (mc *Machine) points() {
	m := mc.Memory
	add := func(name string, a uint64) { mc.Points = append(mc.Points, Point{Name: name, Addr: a}) }
	addPhys := func(name string, a uint64) { mc.Points = append(mc.Points, Point{Name: name, Addr: a, Phys: true}) }

	add("kernel-below", SampleText2M-1)
	add("kernel-2m-first", SampleText2M)
	add("kernel-2m-last", SampleImage4K-1)
	if mc.ImageMapEnd > SampleImage4K {
		add("kernel-4k-first", SampleImage4K)
		add("kernel-4k-last", mc.ImageMapEnd-1)
		for va := uint64(SampleImage4K); va < mc.ImageMapEnd; va += PageSize {
			if !mc.execPage(va) {
				add("kernel-nx-page", va)
				break
			}
		}
	}
	add("kernel-after", mc.ImageMapEnd)
	add("heap-before", mc.HeapStart-1)
	add("heap-first", mc.HeapStart)
	add("nx-page", mc.HeapStart+0x10)
	add("heap-page-cross", mc.HeapStart+3*PageSize-4)
	add("heap-last", mc.HeapEnd-1)
	add("heap-after", mc.HeapEnd)
	for i, h := range mc.HeapHoles {
		add(fmt.Sprintf("heap-hole-%d-before", i), h[0]-1)
		add(fmt.Sprintf("heap-hole-%d-first", i), h[0])
		add(fmt.Sprintf("heap-hole-%d-last", i), h[1]-1)
		add(fmt.Sprintf("heap-hole-%d-after", i), h[1])
	}
	for i, va := range mc.HeapExcluded {
		add(fmt.Sprintf("heap-excluded-%d-before", i), va-1)
		add(fmt.Sprintf("heap-excluded-%d", i), va)
		add(fmt.Sprintf("heap-excluded-%d-after", i), va+PageSize)
		pa, _ := m.Translate(va)
		addPhys(fmt.Sprintf("phys-excluded-%d", i), pa)
		add(fmt.Sprintf("dmap-excluded-%d", i), SampleDMAPBase+pa)
	}
	if _, ok := m.Leaf(Sample1GiB); ok {
		add("1g-first", Sample1GiB)
		for i, h := range m.holes {
			add(fmt.Sprintf("1g-phys-hole-%d", i), Sample1GiB+h[0])
		}
		add("1g-ram-last", Sample1GiB+m.physSize-1)
		add("1g-beyond-ram", Sample1GiB+m.physSize)
		add("1g-last", 0xffffffffffffffff)
	} else {
		add("1g-unmapped", Sample1GiB)
	}
	add("dmap-first", SampleDMAPBase)
	for i, h := range m.holes {
		add(fmt.Sprintf("dmap-phys-hole-%d", i), SampleDMAPBase+h[0])
	}
	add("dmap-ram-last", SampleDMAPBase+m.physSize-1)
	add("dmap-beyond-ram", SampleDMAPBase+m.physSize)
	add("dmap-1g-last", mc.DMAPEnd-1)
	add("dmap-1g-after", mc.DMAPEnd)
	add("dmap-end-last", SampleDMAPEnd-1)
	add("dmap-end", SampleDMAPEnd)
	add("dmap-below", SampleDMAPBase-1)
	add("msgbuf-area", mc.MsgbufArea)
	add("msgbuf-struct", mc.MsgbufStruct)
	for i, va := range mc.DMAPObjects {
		add(fmt.Sprintf("dmap-object-%d", i), va)
	}
	if mc.arenaNext < mc.arenaEnd {
		next := roundPage(mc.arenaNext)
		if next < mc.arenaEnd {
			add("dmap-arena-unused", SampleDMAPBase+next)
		}
	}
	if mc.PanicBuf != 0 {
		add("panic-buf", mc.PanicBuf)
	}
	add("null", 0)
	add("noncanonical", 0x0000800000000000)
	addPhys("phys-0", 0)
	for i, h := range m.holes {
		if h[0] > 0 {
			addPhys(fmt.Sprintf("phys-hole-%d-before", i), h[0]-1)
		}
		addPhys(fmt.Sprintf("phys-hole-%d-first", i), h[0])
		addPhys(fmt.Sprintf("phys-hole-%d-last", i), h[1]-1)
		addPhys(fmt.Sprintf("phys-hole-%d-after", i), h[1])
	}
	addPhys("phys-ram-last", m.physSize-1)
	addPhys("phys-beyond-ram", m.physSize)
	addPhys("phys-pml4", mc.PML4)
	addPhys("phys-kernel-text", SampleTextPA)
}
