// Package dump turns a BSD amd64 kernel crash dump into a kernel virtual address
// space: kernel virtual address in, bytes out.
//
// It reads every container savecore leaves behind:
//
//   - DragonFly x86_64 minidumps v1 (FreeBSD's magic) and v2 ("minidump DFlyBSD/x86-64");
//   - FreeBSD amd64 minidumps v1, v2 and v3 (with dump_avail);
//   - ELF full dumps whose PT_LOAD segments carry physical addresses, translated by a
//     real 4-level amd64 page-table walk rooted at dumppcb.pcb_cr3 or KPML4phys;
//   - plain ELF cores whose PT_LOAD segments carry virtual addresses (vkernel cores);
//   - raw physical images (file offset = physical address);
//   - any of these compressed with gzip, zstd or bzip2.
//
// The format is sniffed from the content, never from the file name.
//
// Package dump knows nothing of processes or symbols. Formats that need kernel
// symbols to find their page tables (ELF full dumps and raw images) take a lookup
// function from the caller, so dump never imports symtab.
//
// # Untrusted input
//
// Dumps are evidence and may be corrupt or hostile. Files are opened read-only and
// memory-mapped where the OS allows; nothing is written beside them (compressed input
// is expanded into an unlinked temporary file under os.TempDir, one level only, up to
// WithMaxDecompressed bytes). Every size a header claims is checked against the file
// before it is used, so opening allocates only what the file can back; the one
// exception is the window a zstd frame declares, which the decoder allocates up
// front and which is capped at 128 MiB (zstd's own default) and at the expansion
// limit. Page-table entries are followed only into memory the dump
// holds. Reads that cannot be served return a *FaultError that tells apart unmapped
// addresses, pages that were not dumped and pages past the end of a truncated file.
// String reads are always bounded.
package dump
