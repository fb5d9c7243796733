package report

import (
	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/walk"
)

// Report is the whole kdump/1 document for one core: its identity (Info)
// plus the process table. The JSON members come in the order of design.md:
// schema, core, kernel, panic, procs, warnings.
type Report struct {
	Schema   string     `json:"schema"`
	Core     CoreInfo   `json:"core"`
	Kernel   KernelInfo `json:"kernel"`
	Panic    *Panic     `json:"panic"`
	Procs    []Proc     `json:"procs"`
	Warnings []Warning  `json:"warnings"`
}

// NewReport assembles a report from the identity of a core, its processes
// (from Procs) and the anomalies the walk found. layout names where the struct
// layouts came from ("dwarf" or a profile). The warnings are in's, then the
// walk's, in their order.
func NewReport(in *Info, layout string, era walk.Era, procs []Proc, anoms []walk.Anomaly) *Report {
	r := &Report{Schema: Schema, Procs: procs, Warnings: []Warning{}}
	if in != nil {
		r.Core, r.Kernel, r.Panic = in.Core, in.Kernel, in.Panic
		r.Warnings = append(r.Warnings, in.Warnings...)
	}
	r.Kernel.Layout = layout
	r.Kernel.ProcList = string(era.ProcList)
	r.Kernel.LWPs = string(era.LWPs)
	if r.Procs == nil {
		r.Procs = []Proc{}
	}
	r.Warnings = append(r.Warnings, Warnings(anoms)...)
	return r
}

// Warnings turns walk anomalies into report warnings. The kinds are the
// walk's own strings (cycle, bad-link, wrong-parent, fault, limit), so the
// closed set documented in the README covers both.
func Warnings(anoms []walk.Anomaly) []Warning {
	out := make([]Warning, 0, len(anoms))
	for _, a := range anoms {
		addr := dump.Addr(a.Addr)
		out = append(out, Warning{Kind: string(a.Kind), Addr: &addr, Message: a.Message})
	}
	return out
}
