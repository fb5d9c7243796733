package main

import (
	"io"

	"github.com/kdump-bsd/kdump/report"
)

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("report", "-M CORE -N KERNEL [--no-hash]", stderr)
	var t target
	var lf layoutFlags
	t.register(fs, true)
	lf.register(fs)
	noHash := fs.Bool("no-hash", false, "do not compute the SHA-256 of the core file")
	if st, ok := parse(fs, args); !ok {
		return st
	}
	if fs.NArg() != 0 {
		return failf(stderr, "report", "unexpected arguments %q", fs.Args())
	}
	a, st := analyze("report", &t, &lf, stderr, !*noHash)
	if st != exitOK {
		return st
	}
	defer a.Close()
	rep := a.Report()
	err := a.Encode(stdout, rep, report.EncodeOptions{})
	if err != nil {
		return failf(stderr, "report", "writing output: %v", err)
	}
	return warn(stderr, rep.Warnings)
}
