// Package report turns what the lower packages decode into what people and
// pipelines read: the kdump/1 JSON document (versioned, documented in README.md),
// and aligned text for terminals.
//
// It owns presentation and the report model. It does not read dumps itself beyond
// gathering the identity of a core and its kernel (Identify); decoding lives in dump,
// symtab, structs and walk.
//
// # Processes
//
// Procs applies the kinfo_proc/kinfo_lwp rules of spec §11–§13 to a walked
// process table (walk.Table) and returns Proc records, the "procs" of the
// kdump/1 report (Report, NewReport). Values are the kernel's, in bytes where
// the kernel counts pages; a value is null when it could not be read (the
// record's faults name the member and address) or is absent (no parent, no
// controlling terminal, no argument cache): kinfo's sentinels (ppid, tpgid,
// tsid -1; tdev NOUDEV) become null. kdump differs from libkvm on purpose in
// three places: the session-leader flag compares s_leader with the kernel
// address (libkvm never sets it), arguments come from the p_args cache
// (libkvm has none for a dead kernel), and wmesg is kept in full.
//
// PSColumns, WritePS and Filter print that model the way DragonFly's ps does
// (bin/ps keyword.c, print.c, fmt.c): keywords and aliases, headers, widths,
// justification, the STAT letters, TIME and COMMAND formats. Columns widen to
// their widest value instead of spilling over; there is no password file, so
// USER is the numeric uid, and no physical-memory size, so %MEM is "-".
//
// # Untrusted input
//
// Every string that comes from a dump (panic message, version, comm, args, wmesg,
// login, tty names) is bounded when read and escaped when printed as text, so a
// hostile dump cannot inject terminal control sequences. Tick counters are added
// without wrapping and page counts converted to bytes only when they fit.
package report
