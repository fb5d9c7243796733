// Package dumptest is the independent model that package dump is tested against:
// a deterministic machine (physical RAM plus real amd64 4-level kernel page
// tables), writers of every dump container package dump reads, an oracle that
// says what a correct reader must return for any read, and helpers that corrupt
// written files for hostile-input tests. It serves dump the way net/http/httptest
// serves net/http.
//
// It is written from spec/formats.md (§3 DragonFly minidumps, §4 FreeBSD
// minidumps, §5 full dumps, §14 message buffer) and never uses package dump's
// reader: only dump's Format, FaultKind and Compression values are shared, so a
// misreading of the spec in the reader is not mirrored here.
//
// # What it owns
//
//   - Memory: sparse physical RAM (unwritten RAM reads as zero) with holes, a
//     pseudo-random page allocator (scattered, deterministic from the seed), and
//     page tables built from real PML4/PDP/PD/PT pages with 4 KiB, 2 MiB and
//     1 GiB leaves. Intermediate entries carry accessed and ignored bits (bit 9 or
//     bit 52) so readers must mask frames; leaves carry whatever flags the caller
//     gives (NX, PAT, available and ignored bits).
//   - The minidump page set: RAM pages under kernel mappings at VA ≥ kernbase,
//     every page-table page and DumpAlso pages, minus Excluded pages.
//   - Writers (Memory.Write, WriteCompressed) for DragonFly/FreeBSD minidump v1,
//     DragonFly v2, FreeBSD v2 and v3, ELF full dumps (physical PT_LOADs), virtual
//     ELF cores and raw images, streaming through bufio; gzip, zstd and bzip2.
//   - Layout: where every section and page of a written file is, and the oracle
//     (Expect, ExpectPhys, ExpectTruncated) for that exact file.
//   - Corruption helpers: Truncate, InflateHeaderField, CorruptEntry,
//     PointPastRAM, BitmapExtraBits, ELFSetPhnum, ELFSetPhentsize, ELFSetPhoff,
//     ELFOverlongLoad.
//   - Sample: the memory of a DragonFly x86_64 kernel at dump time, from a kernel
//     ELF (image, heap, 1 GiB window, direct map, message buffer, dumppcb,
//     KPML4phys, panicstr), with the probe points reader tests use.
//
// # Modelling decisions
//
//   - A mapped VA whose physical page is not RAM (beyond PhysSize, or in a hole)
//     is NotDumped, in every format that can say so. A VA no valid entry maps is
//     Unmapped. ELFVirtual cores know only their PT_LOADs: everything else is
//     Unmapped there, and physical reads are Unmapped.
//   - Minidumps translate the direct map by arithmetic (PA = VA − dmapbase) for
//     dmapbase ≤ VA < dmapend (VA ≥ kernbase is tried first); full and raw dumps
//     walk the page tables, where the sample maps the direct map with 1 GiB pages
//     over RAM rounded up to 1 GiB.
//   - A raw image cannot tell a truncated file from a smaller RAM: bytes at or
//     past its end are NotDumped, never Truncated.
//   - Truncated is reported only where the file promises bytes (bitmap rank,
//     PT_LOAD) that the cut file lacks; readers are expected to refuse files cut
//     below Layout.MinSize.
//
// # Untrusted input
//
// Not applicable: this package produces test input, it does not parse any, except
// the kernel ELF given to Sample (a test fixture), whose debug/elf and debug/dwarf
// panics are recovered and returned as errors.
package dumptest
