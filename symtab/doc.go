// Package symtab reads the symbol table of a BSD amd64 kernel ELF file and answers
// the questions libkvm's kvm_nlist answers for a dead kernel: where is a symbol, and
// what lies at an address.
//
// It owns:
//
//   - opening the kernel file (kern.N, kernel.debug) with the requirements of
//     DragonFly's __elf_fdnlist: "\x7fELF", ELFCLASS64, ELFDATA2LSB, EV_CURRENT,
//     EM_X86_64; unlike nlist it also requires a linked image (ET_EXEC, or ET_DYN),
//     rejecting cores and relocatable objects whose symbol values are not addresses;
//   - nlist-style lookup (Table.Lookup, Table.Nlist): a requested name matches a
//     symbol equal to it, or, when it starts with "_", a symbol equal to it without
//     that one "_"; binding is ignored, so static (STB_LOCAL) kernel variables such
//     as procglob are found; only the first SHT_SYMTAB section is searched, never
//     .dynsym; a later duplicate wins, as in nlist;
//   - address to symbol ("name+0x10") for wait channels (Table.Symbolize);
//   - initialized data of the kernel file (Table.ReadData, Table.CString, and the
//     version, ostype and osrelease strings), used to check that a core and a
//     kernel belong together.
//
// It does not read crash dumps, kernel memory or DWARF (package dump and package
// structs do), and it does not search kernel modules: like libkvm, only the kernel
// file itself is consulted. The libc nlist quirk where a duplicate symbol makes a
// later requested name go missing (its match counter is decremented per match, not
// per name) is not reproduced.
//
// A Table keeps the file open for ReadData and CString (sections are read on demand,
// so opening a 30 MB kernel reads only its section headers, symbol table and string
// tables); Close releases it. Open builds the name index; the address index behind
// Symbolize is built once, on the first address query, so commands that only look
// names up do not pay for it. A Table is safe for concurrent use.
//
// # Untrusted input
//
// The kernel file may be damaged or hostile. Parsing is done by this package, not by
// debug/elf (whose constants and names it reuses), so every check is explicit: the
// ELF header is validated first; the section header table, the symbol table and its
// string table are checked against the file size (with overflow-safe arithmetic) and
// against fixed limits before anything is allocated or read, so opening allocates at
// most what the file can back; every symbol's name offset is checked against the
// string table and must be NUL-terminated inside it. A problem yields an error that
// names the file, the file offset and what was expected (a *FormatError); nothing
// panics across the package boundary (a recover in OpenReader turns an unexpected
// panic into an error). Reads of section data are bounded by the section, by the
// file and by a fixed maximum; string reads are bounded by the caller's limit, the
// symbol's size and the section end. Section names are informational: a broken
// .shstrtab only empties them and adds a warning (Table.Warnings), since nlist never
// needs them.
package symtab
