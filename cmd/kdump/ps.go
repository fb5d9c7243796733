package main

import (
	"bufio"
	"io"
	"os"
	"strconv"

	"github.com/kdump-bsd/kdump/report"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

func runPS(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("ps", "-M CORE -N KERNEL [-alujxHw] [-o KEYWORDS] [--pid N]... [--json]", stderr)
	var t target
	var lf layoutFlags
	t.register(fs, true)
	lf.register(fs)
	var (
		long    = fs.BoolP("long", "l", false, "long format: "+report.LongFormat)
		user    = fs.BoolP("user", "u", false, "user format: "+report.UserFormat)
		jobs    = fs.BoolP("jobs", "j", false, "job-control format: "+report.JobsFormat)
		format  = fs.StringArrayP("format", "o", nil, "columns, e.g. pid,ppid,stat,wchan,command (repeatable; KW=HEADER renames)")
		perLWP  = fs.BoolP("threads", "H", false, "one line per LWP")
		all     = fs.BoolP("all", "a", false, "accepted for BSD habits: a dead kernel has no current user, so every user's processes are listed anyway")
		noTTY   = fs.BoolP("no-tty", "x", false, "also list processes without a controlling terminal")
		wide    = fs.CountP("wide", "w", "wider output: -w 131 columns, -ww unlimited")
		asJSON  = fs.Bool("json", false, "print the kdump/1 JSON report instead of a table (filters apply)")
		filter  report.ProcFilter
		pids    = fs.Int32Slice("pid", nil, "only these process IDs (repeatable, comma-separated)")
		uids    = fs.UintSlice("uid", nil, "only these effective user IDs")
		ruids   = fs.UintSlice("ruid", nil, "only these real user IDs")
		pgrps   = fs.Int32Slice("pgrp", nil, "only these process groups")
		sids    = fs.Int32Slice("sid", nil, "only these sessions")
		ttys    = fs.StringSlice("tty", nil, "only these controlling terminals (ttyp0, p0, v0, co; - for none)")
		noHdr   = fs.Bool("no-header", false, "omit the header line")
		columns []string
	)
	_ = all
	if st, ok := parse(fs, args); !ok {
		return st
	}
	if fs.NArg() != 0 {
		return failf(stderr, "ps", "unexpected arguments %q", fs.Args())
	}
	switch {
	case len(*format) > 0:
		columns = *format
	case *long:
		columns = []string{report.LongFormat}
	case *user:
		columns = []string{report.UserFormat}
	case *jobs:
		columns = []string{report.JobsFormat}
	default:
		columns = []string{report.DefaultFormat}
	}
	cols, err := report.PSColumns(columns)
	if err != nil {
		return failf(stderr, "ps", "%v", err)
	}
	if *perLWP && len(*format) == 0 {
		cols = report.InsertTID(cols)
	}
	filter = report.ProcFilter{PIDs: *pids, UIDs: u32s(*uids), RUIDs: u32s(*ruids), PGRPs: *pgrps, SIDs: *sids, TTYs: *ttys}
	// As on BSD, ps lists only processes with a controlling terminal unless -x,
	// or unless the processes were selected explicitly.
	filter.TTYOnly = !*noTTY && !*asJSON && !selected(fs)

	a, st := analyze("ps", &t, &lf, stderr, false)
	if st != exitOK {
		return st
	}
	defer a.Close()
	rep := a.Report()
	if *asJSON {
		err = a.Encode(stdout, rep, report.EncodeOptions{Filter: &filter})
	} else {
		var procs []report.Proc
		for p := range a.Procs() {
			if filter.Match(p) {
				procs = append(procs, *p)
			}
		}
		rep.Complete()
		w := bufio.NewWriterSize(stdout, 64<<10)
		err = report.WritePS(w, procs, cols, report.PSOptions{
			PerLWP: *perLWP, Header: !*noHdr, Width: termWidth(stdout, *wide), Now: dumpTime(a),
		})
		if err == nil {
			err = w.Flush()
		}
	}
	if err != nil {
		return failf(stderr, "ps", "writing output: %v", err)
	}
	return warn(stderr, rep.Warnings)
}

func u32s(v []uint) []uint32 {
	out := make([]uint32, len(v))
	for i, x := range v {
		out[i] = uint32(x)
	}
	return out
}

// selected reports whether a selection flag was given.
func selected(fs *pflag.FlagSet) bool {
	for _, n := range []string{"pid", "uid", "ruid", "pgrp", "sid", "tty"} {
		if fs.Changed(n) {
			return true
		}
	}
	return false
}

// termWidth is BSD ps's line width: the terminal's (or $COLUMNS) minus one,
// 131 with -w, unlimited with -ww. Unlike BSD, output that is not a terminal
// is not cut at 79 columns: pipes get whole lines.
func termWidth(out io.Writer, wide int) int {
	switch {
	case wide >= 2:
		return 0
	case wide == 1:
		return 131
	}
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if c, _, err := term.GetSize(int(f.Fd())); err == nil && c > 1 {
			return c - 1
		}
		return 79
	}
	return 0
}
