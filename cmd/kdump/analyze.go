package main

import (
	"fmt"
	"io"
	"time"

	"github.com/kdump-bsd/kdump/report"
)

// analyze opens the core and kernel of t and walks the process table
// (report.Analyze). On failure it has printed why and returns the exit status.
func analyze(cmd string, t *target, lf *layoutFlags, stderr io.Writer, hash bool) (*report.Analysis, int) {
	if t.kernel == "" || t.core == "" {
		return nil, failf(stderr, cmd, "need -M CORE and -N KERNEL")
	}
	a, err := report.Analyze(t.core, t.kernel, report.Options{Layout: lf.layout, Debug: lf.debug, SHA256: hash})
	if err != nil {
		return nil, failf(stderr, cmd, "%v", err)
	}
	for _, n := range a.Notes {
		fmt.Fprintf(stderr, "kdump %s: %s\n", cmd, n)
	}
	return a, exitOK
}

// dumpTime is when the dump was taken, as far as the core says (the
// kerneldumpheader's time); zero when unknown.
func dumpTime(a *report.Analysis) time.Time {
	if h := a.Core.DumpHeader(); h != nil {
		return h.DumpTime
	}
	return time.Time{}
}

// warn prints the warnings on stderr and returns the exit status they imply.
func warn(stderr io.Writer, ws []report.Warning) int {
	for _, w := range ws {
		fmt.Fprintf(stderr, "warning: %s\n", report.Escape(w.Message))
	}
	if len(ws) > 0 {
		return exitPartial
	}
	return exitOK
}
