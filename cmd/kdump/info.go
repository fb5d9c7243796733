package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/report"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/symtab"
	"github.com/kdump-bsd/kdump/walk"
)

// identifyEra fills in where the layouts come from, which process list and
// LWP container the kernel has (spec §8), and who panicked.
func identifyEra(in *report.Info, kernel string, lf *layoutFlags, tab *symtab.Table, core *dump.Core) error {
	prov, _, err := lf.provider(kernel, tab)
	if err != nil {
		return err
	}
	dec, err := structs.NewDecoder(prov)
	if err != nil {
		return err
	}
	mb, ws := report.ReadMsgbuf(core, tab, prov, report.CoreSection(core))
	in.Warnings = append(in.Warnings, ws...)
	report.AddPanicDetails(in, core, tab, dec, nil, mb)
	version, _ := tab.Version()
	era, err := walk.DetectEra(tab, dec, core, version)
	if err != nil {
		return err
	}
	k := &in.Kernel
	k.Layout, k.ProcList, k.LWPs = prov.Origin(), string(era.ProcList), string(era.LWPs)
	return nil
}

func runInfo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("info", "-M CORE -N KERNEL [--json]", stderr)
	var t target
	var lf layoutFlags
	t.register(fs, true)
	lf.register(fs)
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
	if err := identifyEra(in, t.kernel, &lf, tab, core); err != nil {
		fmt.Fprintf(stderr, "kdump info: note: no process table: %v\n", err)
	}
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
