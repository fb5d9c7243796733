// Package walk follows the kernel's linked lists and trees in a crash dump
// and assembles the process table, validating as it goes.
//
// It owns the topology: the generic walkers (WalkList, WalkTailq, WalkTree
// for the DragonFly RB tree, WalkHeads for arrays of list heads); era
// detection (DetectEra: which process list and which LWP container a kernel
// has, spec §8); and the process table: OpenStream walks the lists and
// decodes the procs, Stream.All completes each process (the objects it
// points to, its LWPs and threads) on worker goroutines and hands them out
// in pid order without holding the whole table; ProcessTable/CollectTable
// collect it all for small uses. It does not know struct
// layouts (package structs decodes records and gives the link offsets) or
// presentation and kinfo rules (package report).
//
// # Untrusted input
//
// Every pointer in a dump may be wrong. Every walk detects cycles (and says
// where the cycle closes), checks back-links (le_prev, tqe_prev, RB parents)
// and that each LWP's lwp_proc is its process, refuses pointers that are not
// canonical kernel addresses (≥ 0xffff800000000000) or not 8-byte aligned,
// and stops at a hard bound given by the caller from the dump's size, never
// from a count read out of the dump. A walk returns what it could reach plus
// typed anomalies: one bad pointer costs the objects behind it, never the
// listing. Memory grows with the nodes actually reached.
//
// # Anomaly kinds
//
//   - cycle: a list or tree leads back to a node of the same walk (a list's
//     last element pointing at an earlier one, a tree child pointing at an
//     ancestor, the same node as both children). Addr is the node reached
//     again; the message says how many nodes were walked.
//   - bad-link: a back-link that is not where the walk came from (le_prev,
//     tqe_prev, tqh_last, rbe_parent: the node is kept), a link or object
//     pointer that is not a kernel address or misaligned (what is behind it
//     is lost), a node already reached on another list or tree of the table
//     (cross-linked; not followed again), a tree whose in-order keys
//     (lwp_tid) do not ascend ("tree out of order"; the node is kept).
//   - wrong-parent: an LWP whose lwp_proc is not the proc whose container
//     holds it. libkvm aborts the listing; kdump keeps the LWP with the proc
//     it was found in and reports it.
//   - fault: memory a walk or a record needed could not be read. A list
//     stops there (the elements before it are kept); a tree loses that
//     subtree only; a record keeps its readable members (one anomaly per
//     unreadable member, reported once per shared object); an object that
//     cannot be read at all is left nil. Also: allproc_hsize unreadable in
//     the dump (the kernel file's value or the array size is used).
//   - limit: a walk reached its bound (Options.MaxObjects for the procs and
//     for one proc's LWPs, Options.MaxLWPs for all LWPs; the rest is not
//     walked), or allproc_hsize disagrees with the array the symbol table
//     describes or exceeds MaxHashSize (the array's own size is walked).
//
// # Differences from libkvm (spec §9)
//
// The RB tree walk is a complete in-order walk (libkvm's skips the right
// child of a node without a left child, §9.5); results are appended to
// slices (libkvm's array growth overwrites entries, §9.6); a proc with an
// empty LWP tree is listed with no LWP (libkvm aborts, §9.4); a bad object
// pointer costs that object, a bad LWP tree that proc's LWPs (libkvm aborts
// the whole listing on either); procglob heads come from the layouts'
// sizeof(struct procglob) and offsetof(allproc), never from constants.
//
// # Concurrency
//
// CollectTable walks the topology sequentially (one visited set decides
// what is a cycle or cross-linked) and decodes the records on up to
// GOMAXPROCS goroutines: the dump.Reader must allow parallel ReadAt calls
// (the io.ReaderAt contract, which *dump.Core meets).
package walk
