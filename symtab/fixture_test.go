package symtab

import "encoding/binary"

// The fixture kernel: a small ET_EXEC x86-64 file laid out like a DragonFly kernel,
// with every kind of symbol nlist must handle. All expected values in the tests are
// derived from the constants here, never from the parser.
const (
	fxText     = 0xffffffff80200000 // .text, 0x100 bytes
	fxRodata   = 0xffffffff80300000 // .rodata, 0x10 bytes
	fxData     = 0xffffffff80400000 // .data, 0x500 bytes
	fxBss      = 0xffffffff80500000 // .bss, 0x10000 bytes (NOBITS)
	fxDyn      = 0xffffffff80600000 // .dynsym (allocated)
	fxKernbase = 0xffffffff80000000

	fxVersion   = "DragonFly v5.8.3-RELEASE #0: Tue Nov 10 12:00:00 UTC 2020\n    root@build:/usr/obj/usr/src/sys/X86_64_GENERIC\n"
	fxOSType    = "DragonFly"
	fxOSRelease = "5.8-RELEASE"
)

// Section indices of the fixture.
const (
	fxSecText = iota + 1
	fxSecRodata
	fxSecData
	fxSecBss
	fxSecComment
	fxSecDynsym
	fxSecDynstr
	fxSecSymtab
	fxSecStrtab
	fxSecSymtab2
	fxSecStrtab2
	fxSecShstrtab
)

// fxSyms is the fixture's .symtab without the null symbol; symbol i here has
// symbol-table index i+1.
var fxSyms = []tsym{
	{"kern_proc.c", tSTB_LOCAL, tSTT_FILE, tSHN_ABS, 0, 0},                     // 1
	{"", tSTB_LOCAL, tSTT_SECTION, fxSecData, fxData, 0},                       // 2
	{"procglob", tSTB_LOCAL, tSTT_OBJECT, fxSecBss, fxBss, 0x4000},             // 3
	{"helper", tSTB_LOCAL, tSTT_FUNC, fxSecText, fxText + 0x40, 0x20},          // 4
	{"dup", tSTB_LOCAL, tSTT_OBJECT, fxSecData, fxData + 0x100, 8},             // 5
	{"both", tSTB_LOCAL, tSTT_OBJECT, fxSecData, fxData + 0x110, 8},            // 6
	{"inner", tSTB_LOCAL, tSTT_OBJECT, fxSecData, fxData + 0x410, 0x10},        // 7
	{"data_label", tSTB_LOCAL, tSTT_NOTYPE, fxSecData, fxData + 0x300, 0},      // 8
	{"label_in_big", tSTB_LOCAL, tSTT_NOTYPE, fxSecData, fxData + 0x440, 0},    // 9
	{"local_at_start", tSTB_LOCAL, tSTT_FUNC, fxSecText, fxText, 0x10},         // 10
	{"kernbase", tSTB_GLOBAL, tSTT_NOTYPE, tSHN_ABS, fxKernbase, 0},            // 11
	{"btext", tSTB_GLOBAL, tSTT_NOTYPE, fxSecText, fxText, 0},                  // 12
	{"mi_startup", tSTB_GLOBAL, tSTT_FUNC, fxSecText, fxText, 0x40},            // 13
	{"version", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData, 0x80},             // 14
	{"ostype", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x80, 10},         // 15
	{"osrelease", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x90, 12},      // 16
	{"allproc_hsize", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0xa0, 4},   // 17
	{"weak_sym", tSTB_WEAK, tSTT_OBJECT, fxSecData, fxData + 0xa8, 8},          // 18
	{"nprocs", tSTB_GLOBAL, tSTT_OBJECT, fxSecBss, fxBss + 0x4000, 4},          // 19
	{"dup", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x200, 8},            // 20
	{"_both", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x118, 8},          // 21
	{"_underscored", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x120, 8},   // 22
	{"undef_sym", tSTB_GLOBAL, tSTT_NOTYPE, tSHN_UNDEF, 0, 0},                  // 23
	{"common_sym", tSTB_GLOBAL, tSTT_OBJECT, tSHN_COMMON, 16, 16},              // 24
	{"const_tab", tSTB_GLOBAL, tSTT_OBJECT, fxSecRodata, fxRodata, 16},         // 25
	{"bad_shndx", tSTB_GLOBAL, tSTT_OBJECT, 0x20, 0x1234, 8},                   // 26
	{"big_obj", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x400, 0x100},    // 27
	{"comment_sym", tSTB_GLOBAL, tSTT_OBJECT, fxSecComment, 0, 4},              // 28
	{"noterm", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x180, 4},         // 29
	{"allproc", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x1a0, 8},        // 30
	{"edata", tSTB_GLOBAL, tSTT_NOTYPE, fxSecData, fxData + 0x500, 0},          // 31
	{"weak_alias", tSTB_WEAK, tSTT_FUNC, fxSecText, fxText + 0x80, 0x10},       // 32
	{"strong_fn", tSTB_GLOBAL, tSTT_FUNC, fxSecText, fxText + 0x80, 0x10},      // 33
	{"version_ptr", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x4f8, 0x10}, // 34: runs past .data's end
}

// fixtureELF writes the fixture kernel.
func fixtureELF() *telf {
	text := make([]byte, 0x100)
	for i := range text {
		text[i] = 0xcc
	}
	rodata := []byte("const_tab_bytes\x00")
	data := make([]byte, 0x500)
	copy(data[0x000:], fxVersion+"\x00")
	copy(data[0x080:], fxOSType+"\x00")
	copy(data[0x090:], fxOSRelease+"\x00")
	binary.LittleEndian.PutUint32(data[0xa0:], 256)
	binary.LittleEndian.PutUint64(data[0xa8:], 0x5eed)
	binary.LittleEndian.PutUint64(data[0x100:], 1)
	binary.LittleEndian.PutUint64(data[0x200:], 2)
	copy(data[0x180:], "ABCDEF\x00")
	for i := 0x4f8; i < 0x500; i++ {
		data[i] = 'x'
	}

	dynsym, dynstr := symtabPair(".dynsym", ".dynstr", tSHT_DYNSYM, fxSecDynstr, []tsym{
		{"onlydyn", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x1f0, 8},
		{"version", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, 0xdead, 8},
	})
	dynsym.flags = tSHF_ALLOC
	dynsym.addr = fxDyn
	symtab, strtab := symtabPair(".symtab", ".strtab", tSHT_SYMTAB, fxSecStrtab, fxSyms)
	symtab2, strtab2 := symtabPair(".symtab.second", ".strtab.second", tSHT_SYMTAB, fxSecStrtab2, []tsym{
		{"second_only", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, fxData + 0x1f8, 8},
		{"allproc", tSTB_GLOBAL, tSTT_OBJECT, fxSecData, 0xbad, 8},
	})
	return buildELF(tET_EXEC, fxText, []tsec{
		{name: ".text", typ: tSHT_PROGBITS, flags: tSHF_ALLOC | tSHF_EXEC, addr: fxText, data: text, align: 16},
		{name: ".rodata", typ: tSHT_PROGBITS, flags: tSHF_ALLOC, addr: fxRodata, data: rodata, align: 16},
		{name: ".data", typ: tSHT_PROGBITS, flags: tSHF_ALLOC | tSHF_WRITE, addr: fxData, data: data, align: 16},
		{name: ".bss", typ: tSHT_NOBITS, flags: tSHF_ALLOC | tSHF_WRITE, addr: fxBss, size: 0x10000, align: 16},
		{name: ".comment", typ: tSHT_PROGBITS, data: []byte("GCC: (test) 1\x00"), align: 1},
		dynsym, dynstr, symtab, strtab, symtab2, strtab2,
	})
}
