package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"iter"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/walk"
)

// Report is the whole kdump/1 document for one core: its identity (Info)
// plus the process table. The JSON members come in the order of design.md:
// schema, core, kernel, panic, procs, msgbuf, warnings.
type Report struct {
	Schema   string      `json:"schema"`
	Core     CoreInfo    `json:"core"`
	Kernel   KernelInfo  `json:"kernel"`
	Panic    *Panic      `json:"panic"`
	Procs    []Proc      `json:"procs"`
	Msgbuf   *MsgbufTail `json:"msgbuf"`
	Warnings []Warning   `json:"warnings"`

	// pending gives the warnings found while the processes were produced
	// (Analysis.Report); Complete appends them once.
	pending func() []Warning
}

// Complete appends the warnings found while the processes were produced
// (for a Report from Analysis.Report, once Procs has been consumed). Encode
// calls it after the processes; it does nothing the second time.
func (r *Report) Complete() {
	if r.pending != nil {
		r.Warnings = append(r.Warnings, r.pending()...)
		r.pending = nil
	}
}

// MsgbufTail is the end of the kernel message buffer, as dmesg prints it
// (kernel lines, priority prefixes stripped, non-printable bytes escaped).
type MsgbufTail struct {
	Source string   `json:"source"` // "memory" (through msgbufp) or "section" (the minidump's copy)
	Lost   uint64   `json:"lost"`   // bytes of the buffer that could not be read
	Lines  []string `json:"lines"`  // the last MsgbufTailLines lines
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

// WriteJSON writes r as indented JSON, the same bytes as json.MarshalIndent(r,
// "", "  ") plus a newline.
func (r *Report) WriteJSON(w io.Writer) error { return r.Encode(w, EncodeOptions{}) }

// EncodeOptions tune Report.Encode.
type EncodeOptions struct {
	// Procs, when set, replaces r.Procs: the processes are encoded as the
	// sequence yields them and not kept.
	Procs iter.Seq[*Proc]
	// Filter, when set, keeps only the processes it matches.
	Filter *ProcFilter
	// Compact writes the document on one line (JSON Lines) instead of indented.
	Compact bool

	// encoded, when set, replaces Procs with processes already filtered and
	// encoded (Analysis.Encode).
	encoded iter.Seq[[]byte]
}

// Encode writes r as JSON, one process at a time, so a table of 100,000
// processes is never held in memory as one document. The bytes are those of
// encoding/json (json.MarshalIndent with a two-space indent, or json.Marshal
// when Compact) followed by a newline.
func (r *Report) Encode(w io.Writer, opt EncodeOptions) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	nl, in1, in2, colon := "\n", "  ", "    ", ": "
	if opt.Compact {
		nl, in1, in2, colon = "", "", "", ":"
	}
	member := func(name string, v any) error {
		var b []byte
		var err error
		if opt.Compact {
			b, err = json.Marshal(v)
		} else {
			b, err = json.MarshalIndent(v, in1, "  ")
		}
		if err != nil {
			return fmt.Errorf("report: encoding %s: %w", name, err)
		}
		bw.WriteString(in1 + `"` + name + `"` + colon)
		bw.Write(b)
		return nil
	}
	bw.WriteString("{" + nl)
	for _, m := range []struct {
		name string
		v    any
	}{{"schema", r.Schema}, {"core", r.Core}, {"kernel", r.Kernel}, {"panic", r.Panic}} {
		if err := member(m.name, m.v); err != nil {
			return err
		}
		bw.WriteString("," + nl)
	}
	procs := opt.Procs
	if procs == nil {
		procs = func(yield func(*Proc) bool) {
			for i := range r.Procs {
				if !yield(&r.Procs[i]) {
					return
				}
			}
		}
	}
	bw.WriteString(in1 + `"procs"` + colon + "[")
	encoded := opt.encoded
	if encoded == nil {
		encoded = func(yield func([]byte) bool) {
			jw := jsonw{indent: !opt.Compact, prefix: in2}
			for p := range procs {
				if opt.Filter != nil && !opt.Filter.Match(p) {
					continue
				}
				jw.b = jw.b[:0]
				jw.proc(p)
				if !yield(jw.b) {
					return
				}
			}
		}
	}
	n := 0
	for b := range encoded {
		if n > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(nl + in2)
		bw.Write(b)
		n++
	}
	if n > 0 {
		bw.WriteString(nl + in1)
	}
	bw.WriteString("]," + nl)
	r.Complete()
	if err := member("msgbuf", r.Msgbuf); err != nil {
		return err
	}
	bw.WriteString("," + nl)
	if err := member("warnings", r.Warnings); err != nil {
		return err
	}
	bw.WriteString(nl + "}\n")
	return bw.Flush()
}
