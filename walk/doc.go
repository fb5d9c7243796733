// Package walk follows the kernel's linked lists and trees in a crash dump
// and assembles the process table, validating as it goes.
//
// It owns the topology: the generic walkers for LIST, TAILQ, the DragonFly
// RB tree and arrays of list heads; era detection (which process list and
// which LWP container a kernel has, spec §8); and ProcessTable, which
// collects every proc and LWP it can reach with the objects they point to.
// It does not know struct layouts (package structs decodes records) or
// presentation and kinfo rules (package report).
//
// # Untrusted input
//
// Every pointer in a dump may be wrong. Every walk detects cycles (and says
// where the cycle closes), checks back-links (le_prev, tqe_prev, RB parents)
// and that each LWP's lwp_proc is its process, refuses pointers that are not
// kernel addresses, and stops at a hard bound given by the caller from the
// dump's size, never from a count read out of the dump. A walk returns what
// it could reach plus typed anomalies: one bad pointer costs the objects
// behind it, never the listing.
package walk
