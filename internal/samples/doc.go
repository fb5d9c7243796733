// Package samples locates kdump's sample kernels and proves they are what
// the rest of the test suite assumes they are.
//
// No real DragonFly vmcore is public, so kdump's tests run on kernels built
// here: C files in testdata/kernels that declare the real DragonFly kernel
// structures of one era each (names, types and order from
// spec/formats.md; for 2020 every offset the spec lists, checked by
// _Static_assert), compiled by gcc with -g into small ELF executables
// linked at real kernel addresses (KERNBASE 0xffffffff80000000, load
// address 0x200000, so that VA − kernbase = PA). Their .symtab is what
// nlist-style lookups see and their DWARF is where struct layouts come
// from; the sample-core generator writes kernel memory laid out by that
// DWARF. The compiled files are checked in, so tests need no C compiler.
//
// The eras, oldest first (see Kernels):
//
//   - dfly2007: the 2007 seed shape (allproc + zombproc, LWPs on the LIST
//     p_lwps, p_flag, char p_lock, si_udev, old msgbuf), compiled LP64
//     although real 2007 DragonFly was i386-only;
//   - dfly2009: 2009–2013, allproc + zombproc, LWPs in the red-black tree
//     p_lwp_tree, still p_flag/lwp_flag, old msgbuf;
//   - dfly2014: 2013–2016, static allprocs[256] (a local symbol),
//     allproc_hsize, p_flags/lwp_flags/lwp_mpflags, new msgbuf;
//   - dfly2020: 2016-12 to 2020-07 (5.8/5.9), static procglob[256] of
//     64-byte struct procglob, with exactly the spec's 2020 offsets;
//   - dfly2020opt: the 2020 kernel built with debug options that insert
//     members near the start of struct proc, lwp and thread, so that most
//     of their offsets differ from the spec's numbers.
//
// Root, KernelsDir, Kernel and Source return paths; they do not check that
// the files exist. The package's tests do: TestKernelsAreKernelELF checks
// every checked-in kernel's ELF header, symbols and DWARF, and
// TestKernelsRebuildIdentically (skipped without the gcc recorded in
// testdata/kernels/BUILDINFO) rebuilds them with testdata/kernels/build.sh
// and compares them byte for byte.
//
// This package is for tests and tools of this module only (it is
// internal); it reads nothing at init time.
//
// # Untrusted input
//
// None: the package only builds paths. The files it points to are produced
// by this repository's build.sh and are trusted test fixtures, but code
// that opens them must still treat them as ELF files from disk (debug/elf
// and debug/dwarf may panic on malformed input; the tests recover).
package samples
