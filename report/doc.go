// Package report turns what the lower packages decode into what people and
// pipelines read: the kdump/1 JSON document (versioned, documented in README.md),
// and aligned text for terminals.
//
// It owns presentation and the report model. It does not read dumps itself beyond
// gathering the identity of a core and its kernel (Identify); decoding lives in dump,
// symtab, structs and walk.
//
// # Untrusted input
//
// Every string that comes from a dump (panic message, version, later comm and wmesg)
// is bounded when read and escaped when printed as text, so a hostile dump cannot
// inject terminal control sequences.
package report
