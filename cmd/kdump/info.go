package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/kdump-bsd/kdump/report"
)

func runInfo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("info", "-M CORE -N KERNEL [--json]", stderr)
	var t target
	t.register(fs, true)
	asJSON := fs.Bool("json", false, "print the kdump/1 JSON document instead of text")
	if st, ok := parse(fs, args); !ok {
		return st
	}
	if fs.NArg() != 0 {
		return failf(stderr, "info", "unexpected arguments %q", fs.Args())
	}
	tab, core, st := t.open("info", stderr, true)
	if st != exitOK {
		return st
	}
	defer tab.Close()
	defer core.Close()
	in := report.Identify(core, tab)
	var err error
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(in)
	} else {
		err = in.WriteText(stdout)
	}
	if err != nil {
		return failf(stderr, "info", "writing output: %v", err)
	}
	if len(in.Warnings) > 0 {
		if *asJSON { // text output already printed them
			for _, w := range in.Warnings {
				fmt.Fprintf(stderr, "warning: %s\n", report.Escape(w.Message))
			}
		}
		return exitPartial
	}
	return exitOK
}
