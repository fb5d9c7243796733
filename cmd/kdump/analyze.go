package main

import (
	"fmt"
	"io"
	"time"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/report"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/symtab"
	"github.com/kdump-bsd/kdump/walk"
)

// analysis is one core read through its kernel: identity, layouts, the
// process table. It owns the open files until close.
type analysis struct {
	tab    *symtab.Table
	core   *dump.Core
	info   *report.Info
	layout string // "dwarf" or "profile NAME"
	era    walk.Era
	table  *walk.Table
}

func (a *analysis) close() {
	a.core.Close()
	a.tab.Close()
}

// analyze opens the core and kernel of t, picks the layouts, and walks the
// process table. On failure it has printed why and returns the exit status.
func analyze(cmd string, t *target, lf *layoutFlags, stderr io.Writer) (*analysis, int) {
	tab, core, st := t.open(cmd, stderr, true)
	if st != exitOK {
		return nil, st
	}
	a := &analysis{tab: tab, core: core, info: report.Identify(core, tab)}
	prov, note, err := lf.provider(t.kernel, tab)
	if err != nil {
		a.close()
		return nil, failf(stderr, cmd, "%v", err)
	}
	if note != "" {
		fmt.Fprintf(stderr, "kdump %s: %s\n", cmd, note)
	}
	a.layout = prov.Origin()
	dec, err := structs.NewDecoder(prov)
	if err != nil {
		a.close()
		return nil, failf(stderr, cmd, "%v", err)
	}
	version, _ := tab.Version()
	a.table, err = walk.ProcessTable(core, tab, dec, walk.Options{
		MaxObjects: maxObjects(core, dec.Links()),
		Version:    version,
	})
	if err != nil {
		a.close()
		return nil, failf(stderr, cmd, "%s: %v", t.kernel, err)
	}
	a.era = a.table.Era
	return a, exitOK
}

// maxObjects is the hard bound of a walk: no list can hold more distinct
// procs than the dump has bytes for.
func maxObjects(core *dump.Core, lk structs.Links) int {
	size := max(lk.ProcSize, 64)
	n := core.Info().BytesPresent / uint64(size)
	return int(min(max(n, 1), 1<<26))
}

// dumpTime is when the dump was taken, as far as the core says (the
// kerneldumpheader's time); zero when unknown.
func (a *analysis) dumpTime() time.Time {
	if h := a.core.DumpHeader(); h != nil {
		return h.DumpTime
	}
	return time.Time{}
}

// report builds the kdump/1 document.
func (a *analysis) report() *report.Report {
	return report.NewReport(a.info, a.layout, a.era, report.Procs(a.table, a.tab), a.table.Anomalies)
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
