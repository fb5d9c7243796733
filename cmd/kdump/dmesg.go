package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/kdump-bsd/kdump/report"
)

func runDmesg(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("dmesg", "-M CORE -N KERNEL [-a] [--tail N]", stderr)
	var t target
	var lf layoutFlags
	t.register(fs, true)
	lf.register(fs)
	all := fs.BoolP("all", "a", false, "keep syslog priority prefixes and the lines of non-kernel facilities, as dmesg -a")
	tail := fs.Int("tail", 0, "print only the last N lines (0: all)")
	if st, ok := parse(fs, args); !ok {
		return st
	}
	if fs.NArg() != 0 {
		return failf(stderr, "dmesg", "unexpected arguments %q", fs.Args())
	}
	if *tail < 0 {
		return failf(stderr, "dmesg", "--tail %d: want a line count of 0 or more", *tail)
	}
	tab, core, st := t.open("dmesg", stderr, true)
	if st != exitOK {
		return st
	}
	defer core.Close()
	defer tab.Close()

	// Without layouts the minidump's own copy of the buffer can still be read.
	prov, note, lerr := lf.provider(t.kernel, tab)
	if lerr != nil {
		fmt.Fprintf(stderr, "kdump dmesg: %v\n", lerr)
	} else if note != "" {
		fmt.Fprintf(stderr, "kdump dmesg: %s\n", note)
	}
	mb, ws := report.ReadMsgbuf(core, tab, prov, report.CoreSection(core))
	if mb == nil {
		warn(stderr, ws)
		return failf(stderr, "dmesg", "%s: no message buffer could be read", t.core)
	}
	w := bufio.NewWriterSize(stdout, 64<<10)
	for _, l := range report.Tail(report.DmesgLines(mb.Text, *all), *tail) {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return failf(stderr, "dmesg", "writing output: %v", err)
	}
	if lerr != nil { // no layouts: whatever was read is partial at best
		return max(warn(stderr, ws), exitPartial)
	}
	return warn(stderr, ws)
}
