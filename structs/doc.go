// Package structs knows where the members of the kernel structures kdump
// reads lie: struct proc, lwp, thread, ucred, pgrp, session, tty, cdev,
// vmspace, sigacts, pargs, procglob, globaldata, msgbuf and the rest, for
// the kernel a core came from.
//
// It owns:
//
//   - reading struct and union layouts from the kernel's own DWARF
//     (Open for a kernel with debugging information, OpenDebug for a
//     stripped kernel plus its kernel.debug, FromDWARF for loaded DWARF):
//     the top-level type definitions are indexed by name once; a struct's
//     members are resolved when it is first asked for (Layouts.Layout) and
//     cached; incomplete declarations are skipped for the complete
//     definition; typedefs and qualifiers are resolved to a small canonical
//     Type; bit-fields in both DWARF encodings are normalized;
//   - member lookup by dotted path through nested structs, unions and
//     anonymous members (Layout.Field("p_list.le_next"),
//     "lwp_usdata.bsd4.priority", "u.lwp_rbnode.rbe_left", "cr_ref" inside
//     ucred's anonymous member), with offsets counted from the outermost
//     struct;
//   - a canonical text form of a layout (Layout.String), used as a test
//     golden;
//   - built-in layout profiles for kernels without DWARF (Profiles,
//     ProfileByName for --layout, Select from the kernel's osrelease and
//     version strings), each a table of only the members kdump reads, tested
//     member by member against the DWARF of the sample kernel it describes;
//   - typed decoding (Decoder) of struct proc, lwp, thread, globaldata,
//     pgrp, session, tty, cdev, ucred, prison, vmspace, sigacts and pargs
//     into plain Go records (Proc, LWP, …), and the linkage offsets the
//     walkers follow (Decoder.Links).
//
// # Decoding
//
// NewDecoder resolves every member it reads once, through any Provider
// (DWARF or a profile), into a compact per-record table of offsets, sizes,
// signedness and bit-fields; decoding a record then does no map lookups.
// Each era's member names are accepted (p_flags or p_flag, lwp_flags or
// lwp_flag, lwp_usdata.bsd4.batch or .origcpu, si_umajor/si_uminor or
// si_udev, the LWP tree p_lwp_tree/u.lwp_rbnode or list p_lwps/lwp_list).
// Integers are read with the member's own size and signedness (char p_lock
// in 2007, int later) and converted to the record's field; char arrays are
// cut at the first NUL. NewDecoder fails, with a *MissingError listing every
// struct and member it did not find, only when struct proc or struct lwp
// lack what a walk needs; any other absent member leaves its field zero
// (Decoder.Absent lists them, the record's Known says false).
//
// Decoding a record reads once, into a pooled buffer, the span from its
// first to its last needed member (not the whole struct: of the 14 KB
// struct globaldata only gd_cpuid is read). A short read does not lose the
// record: the rest is read page by page, every member whose bytes were read
// is filled, and every member touching unreadable bytes stays zero and is
// named once in the record's Faults with the first unreadable address and
// the dump's fault message (a record with nothing readable has the single
// fault "*"). Thread also reads the wait message at td_wmesg (at most
// MaxWMesg bytes); Pargs reads min(ar_length, MaxArgsBytes) bytes of
// ar_args, bounding ar_length before allocating. A Decoder is safe for
// concurrent use; decoding a proc from a memory-mapped core takes well
// under a microsecond and two allocations.
//
// It does not read crash dumps or kernel memory itself (package dump
// serves the bytes), symbols (package symtab), or walk lists and trees
// (package walk). It does not know which era a kernel belongs to beyond
// what Select reads from the release strings: callers ask Has and Layout
// (or the Decoder's Has and Links) for the members an era has
// ("p_lwp_tree" or "p_lwps").
//
// Layouts, Layout, Profile and Decoder values are safe for concurrent use;
// a Layout is immutable once returned.
//
// # Untrusted input
//
// The kernel and debug files may be damaged or hostile; debug/elf and
// debug/dwarf, which do the low-level parsing, may panic on malformed input,
// so every entry point recovers and returns an error naming the file. Before
// anything is read, every debug section is checked against the file size and
// its (uncompressed) size against fixed limits (1 GiB per section, 2 GiB in
// all). Indexing stops at the first damaged compilation unit and keeps what
// it found (Layouts.Warnings); resolution is bounded: type chains of at most
// 64 links (a loop is an error, not a hang), structs nested at most 32 deep,
// at most 131072 members per layout (a few KB of DWARF can describe a struct
// whose expansion is exponential), at most 65536 direct members per struct,
// and object sizes below 4 GiB. Every member must lie inside its parent, so
// every Field of a Layout satisfies 0 ≤ Offset ≤ Offset+Size ≤ Layout.Size and
// decoders can slice a buffer of Layout.Size bytes without further checks.
// Errors wrap ErrMalformed, ErrNoDWARF, ErrNotFound, ErrNoField, ErrNoProfile
// or ErrMismatch; damaged DWARF gives a *DWARFError with the DIE offset.
package structs
