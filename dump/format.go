package dump

// Format identifies a dump container.
type Format int

const (
	FormatUnknown Format = iota
	// MinidumpV1 is the v1 minidump shared by DragonFly (2009–2018) and FreeBSD:
	// magic "minidump FreeBSD/amd64", version 1. The two are byte-identical; the
	// kernel tells which OS wrote it.
	MinidumpV1
	// MinidumpDragonFlyV2 is "minidump DFlyBSD/x86-64", version 2 (DragonFly 2018+).
	MinidumpDragonFlyV2
	// MinidumpFreeBSDV2 is "minidump FreeBSD/amd64", version 2.
	MinidumpFreeBSDV2
	// MinidumpFreeBSDV3 is "minidump FreeBSD/amd64", version 3 (with dump_avail).
	MinidumpFreeBSDV3
	// ELFFull is an ELF core whose PT_LOADs carry physical addresses
	// (DragonFly/FreeBSD dumpsys with debug.minidump=0).
	ELFFull
	// ELFVirtual is an ELF core whose PT_LOADs carry virtual addresses
	// (vkernel and user-style cores).
	ELFVirtual
	// Raw is a raw physical memory image: file offset = physical address.
	Raw
)

var formatNames = [...]string{
	FormatUnknown:       "unknown",
	MinidumpV1:          "minidump-v1",
	MinidumpDragonFlyV2: "minidump-dragonfly-v2",
	MinidumpFreeBSDV2:   "minidump-freebsd-v2",
	MinidumpFreeBSDV3:   "minidump-freebsd-v3",
	ELFFull:             "elf-full",
	ELFVirtual:          "elf-virtual",
	Raw:                 "raw",
}

// String returns the stable name used in reports, e.g. "minidump-dragonfly-v2".
func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// Formats lists every container format, in a stable order.
func Formats() []Format {
	return []Format{MinidumpV1, MinidumpDragonFlyV2, MinidumpFreeBSDV2, MinidumpFreeBSDV3, ELFFull, ELFVirtual, Raw}
}

// IsMinidump reports whether f is one of the minidump formats.
func (f Format) IsMinidump() bool { return f >= MinidumpV1 && f <= MinidumpFreeBSDV3 }

// Compression names the outer compression of a dump file, "" for none.
type Compression string

const (
	NoCompression Compression = ""
	Gzip          Compression = "gzip"
	Zstd          Compression = "zstd"
	Bzip2         Compression = "bzip2"
)

// Constants of the amd64 address space and page tables (spec §3.10, §5.4).
const (
	PageSize          = 4096
	PageShift         = 12
	PageMask          = PageSize - 1
	LargeSize         = 1 << 21 // 2 MiB page
	HugeSize          = 1 << 30 // 1 GiB page
	PteValid          = 0x001
	PteRW             = 0x002
	PtePS             = 0x080
	PteNX             = 1 << 63
	FrameMask         = 0x000ffffffffff000
	Frame2MiB         = 0x000fffffffe00000
	Frame1GiB         = 0x000fffffc0000000
	DragonFlyKernBase = 0xffffffff80000000 // KERNBASE
	DragonFlyKVAMin   = 0xfffff80040000000 // VM_MIN_KERNEL_ADDRESS (2017-12+)
	DragonFlyDMAPMin  = 0xffffb80000000000 // DMAP_MIN_ADDRESS (2017-12+)
	DragonFlyDMAPMax  = 0xfffff80000000000 // DMAP_MAX_ADDRESS (2017-12+)
)
