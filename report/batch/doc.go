// Package batch runs kdump's report over many cores for triage farms
// (`kdump batch`): one kdump/1 report per core, as JSON Lines.
//
// # Pairing (Expand)
//
// Arguments are directories, core files, or CORE:KERNEL pairs. A directory is
// searched recursively (symbolic links to directories are not followed) for
// savecore's names: vmcore.N, vmcore.N.gz, .zst or .bz2, each paired with the
// first of kern.N, kern.N.gz, kern.N.zst, kern.N.bz2, kernel.N, kernel.N.gz,
// … found beside it (DragonFly's savecore writes kern.N since 2008 and
// kernel.N before), and with info.N when present. Other files are ignored. A
// core file argument is paired the same way; --kernel K pairs every core with
// K instead; CORE:KERNEL names both (split at the last colon whose left side
// exists). A core without a kernel is not skipped: it gets an error record
// naming every file that was looked for.
//
// Cores are read compressed as they are (package dump expands them). A
// compressed kernel is expanded once into a temporary directory, because the
// symbol and DWARF readers need a plain ELF file, and removed when its last
// core is done; kernel.path and messages name the compressed file.
//
// savecore's info.N, the text form of the kerneldumpheader the dump device
// held, fills core.dump_header when the core has none of its own (savecore
// strips the header, so it usually has none): hostname, time, version, panic
// string, and parity_ok from "Dump Status: good". Its Dumptime is ctime(3)
// in a time zone the file does not name; it is kept as that wall-clock
// reading, labelled UTC. The report's "panic" member stays what the core's
// memory says (panicstr); grouping falls back on dump_header.panic.
//
// # Records (Run)
//
// Each line is the compact form of `kdump report` of the core (byte for byte
// the same when the core has no info.N), or, for a core that cannot be read
// at all, an ErrorRecord:
//
//	{"schema":"kdump/1","core":{"path":"crash/vmcore.9"},"kernel":{"path":"crash/kern.9"},"error":"…"}
//
// with kernel.path null when no kernel was found. Lines come in the order
// cores finish; each is written whole and flushed as soon as it is complete
// (records are first encoded into a spool: memory up to 4 MiB, then an
// unlinked temporary file), by one goroutine, so lines never interleave and
// memory does not grow with the number of cores. The layout notes that
// `kdump report` prints on stderr are not printed: kernel.layout says the
// same.
//
// # Resume
//
// Resume reads an existing output file: every complete line must be a
// record (validated in full, one process at a time); a last line without its
// newline is what an interrupted run was writing, and is cut off. Cores whose
// core.path already has a record, error records included, are skipped: run
// the resumed batch with the same arguments from the same directory so the
// paths match. To retry failed cores, drop their lines first
// (jq -c 'select(.error|not)'). The index keeps each core's path, outcome and
// group key, never a report.
//
// # Shards
//
// --shard K/N (1 ≤ K ≤ N, like split -n K/N) keeps the cores whose shard key
// hashes (64-bit FNV-1a) to K−1 modulo N. The key is the core's path relative
// to the parent of the directory argument it was found under
// ("crashes/host1/vmcore.3" for the argument /data/crashes), or, for a file
// argument, its directory's name and its own ("host1/vmcore.3"): the mount
// point is not part of it, so machines that mount the corpus in different
// places split it alike, as long as they are given the same arguments.
//
// # Groups
//
// NormalizePanic masks what differs between crashes of one bug (hex numbers
// → 0x<addr>, bare hex words of 8+ digits → <addr>, decimal numbers → <n>);
// Groups prints cores by normalized message, largest group first, ties by
// message, with "(no panic)" and "(error)" groups.
package batch
