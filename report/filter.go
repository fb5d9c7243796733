package report

import (
	"slices"
	"strings"
)

// ProcFilter selects processes as ps's selection options do. Values of one
// kind are alternatives (a process matches any of them); kinds combine (a
// process must match every kind given). An empty kind does not filter. A
// process whose value is unknown matches no value of that kind.
type ProcFilter struct {
	PIDs  []int32  // --pid
	UIDs  []uint32 // --uid: effective uid
	RUIDs []uint32 // --ruid
	PGRPs []int32  // --pgrp
	SIDs  []int32  // --sid
	// TTYs names controlling terminals as ps -t does: "ttyp0", "p0",
	// "/dev/ttyp0", "v0", "co" (the console), "3" (pts/3); "-" or "??"
	// select processes without one.
	TTYs []string
	// TTYOnly keeps only processes with a controlling terminal, as BSD ps
	// does without -x.
	TTYOnly bool
}

// Filter returns the processes of procs that f selects, in their order.
func Filter(procs []Proc, f ProcFilter) []Proc {
	out := make([]Proc, 0, len(procs))
	for _, p := range procs {
		if f.Match(&p) {
			out = append(out, p)
		}
	}
	return out
}

// Match reports whether f selects p.
func (f *ProcFilter) Match(p *Proc) bool {
	return matchOne(f.PIDs, p.PID) && matchOne(f.UIDs, p.UID) && matchOne(f.RUIDs, p.RUID) &&
		matchOne(f.PGRPs, p.PGID) && matchOne(f.SIDs, p.SID) &&
		(len(f.TTYs) == 0 || slices.ContainsFunc(f.TTYs, func(t string) bool { return ttyMatches(t, p) })) &&
		(!f.TTYOnly || hasTTY(p))
}

func matchOne[T comparable](want []T, v *T) bool {
	return len(want) == 0 || v != nil && slices.Contains(want, *v)
}

// hasTTY reports whether kdump found a controlling terminal for p (kinfo's
// P_CONTROLT with a session tty).
func hasTTY(p *Proc) bool { return p.TTY != nil || p.TDev != nil }

// ttyMatches compares a ps -t style name with p's terminal.
func ttyMatches(want string, p *Proc) bool {
	if want == "-" || want == "??" {
		return !hasTTY(p)
	}
	if p.TTY == nil {
		return false
	}
	have := *p.TTY
	want = strings.TrimPrefix(want, "/dev/")
	switch {
	case want == have:
		return true
	case want == "co":
		return have == "console"
	case want != "" && strings.Trim(want, "0123456789") == "":
		return have == "pts/"+want
	}
	return have == "tty"+want
}
