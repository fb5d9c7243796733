package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/symtab"
)

// Schema is the version tag of every JSON document kdump writes.
const Schema = "kdump/1"

// Warning kinds: a small closed set, documented in README.md.
const (
	WarnFormat   = "format"    // the container is odd but readable (trailing bytes, overlaps)
	WarnTruncate = "truncated" // the file ends before the data its headers describe
	WarnMismatch = "mismatch"  // the kernel file does not match the core
	WarnFault    = "fault"     // memory the report needed could not be read
)

// Warning is one anomaly, as data.
type Warning struct {
	Kind    string     `json:"kind"`
	Addr    *dump.Addr `json:"addr"`
	Message string     `json:"message"`
}

// CoreInfo identifies a dump file.
type CoreInfo struct {
	Path        string  `json:"path"`
	Format      string  `json:"format"`
	Compression *string `json:"compression"`
	Size        int64   `json:"size"`
	DumpSize    int64   `json:"dump_size"`
	// SHA256 is the hex SHA-256 of the core file as given (compressed or
	// not), for chain of custody; null when not computed.
	SHA256        *string     `json:"sha256"`
	Arch          string      `json:"arch"`
	HeaderVersion *int        `json:"header_version"`
	KernBase      *dump.Addr  `json:"kernbase"`
	DMAP          *Range      `json:"dmap"`
	PagesPresent  uint64      `json:"pages_present"`
	BytesPresent  uint64      `json:"bytes_present"`
	PageTables    *PTRoot     `json:"page_tables"`
	DumpHeader    *DumpHeader `json:"dump_header"`
}

// DumpHeader is the kerneldumpheader found in front of a dump read straight off a
// dump device (savecore strips it, so it is usually null).
type DumpHeader struct {
	Hostname string    `json:"hostname"`
	Time     time.Time `json:"time"`
	Version  string    `json:"version"`
	Panic    string    `json:"panic"`
	ParityOK bool      `json:"parity_ok"`
}

// Range is a half-open address range [Start, End).
type Range struct {
	Start dump.Addr `json:"start"`
	End   dump.Addr `json:"end"`
}

// PTRoot tells where the page tables of a full dump were found.
type PTRoot struct {
	PML4   dump.Addr `json:"pml4"`
	Source string    `json:"source"`
}

// KernelInfo identifies the kernel file and whether it matches the core.
type KernelInfo struct {
	Path    string `json:"path"`
	OS      string `json:"os"`
	Release string `json:"release"`
	Version string `json:"version"`
	// VersionMatch compares the version string in the core's memory with the
	// kernel file's; null when the core's copy could not be read.
	VersionMatch *bool  `json:"version_match"`
	CoreVersion  string `json:"core_version,omitempty"`

	// The layout source and era, set by callers that read processes (the
	// report, not `kdump info`): Layout is "dwarf" or a built-in profile's
	// name, ProcList and LWPs what walk's era detection chose (spec §8).
	Layout   string `json:"layout,omitempty"`
	ProcList string `json:"proc_list,omitempty"`
	LWPs     string `json:"lwps,omitempty"`
}

// Panic describes why the kernel went down; null in JSON when it did not panic.
type Panic struct {
	Message string `json:"message"`
	// Thread is the thread that called panic (dumpthread); null when the
	// kernel has no dumpthread, it is NULL, or it could not be read.
	Thread *PanicThread `json:"thread,omitempty"`
	// Msgbuf holds the message buffer's last lines from the last line
	// starting "panic: " on (at most 20): the panic as the console showed it,
	// with what the kernel printed after it (often a backtrace).
	Msgbuf []string `json:"msgbuf,omitempty"`
}

// PanicThread identifies the thread that panicked.
type PanicThread struct {
	Addr dump.Addr  `json:"addr"`          // the struct thread
	TID  *int32     `json:"tid"`           // its LWP's lwp_tid; null for a pure kernel thread
	PID  *int32     `json:"pid"`           // its process's p_pid; null for a pure kernel thread
	Comm string     `json:"comm"`          // td_comm, else the process's p_comm
	LWP  *dump.Addr `json:"lwp,omitempty"` // td_lwp
}

// Info is the identity part of the kdump/1 report, what `kdump info` prints.
type Info struct {
	Schema   string     `json:"schema"`
	Core     CoreInfo   `json:"core"`
	Kernel   KernelInfo `json:"kernel"`
	Panic    *Panic     `json:"panic"`
	Warnings []Warning  `json:"warnings"`
}

const (
	maxVersionLen = 1024 // version[] is a few hundred bytes on every kernel
	maxPanicLen   = 256  // kern_shutdown.c formats panics into a 256-byte buffer
)

// Identify gathers the identity of core c and kernel t.
func Identify(c *dump.Core, t *symtab.Table) *Info {
	ci := c.Info()
	in := &Info{Schema: Schema, Warnings: []Warning{}}
	in.Core = CoreInfo{
		Path: ci.Path, Format: ci.Format.String(), Size: ci.FileSize, DumpSize: ci.Size, Arch: ci.Arch,
		PagesPresent: ci.PagesPresent, BytesPresent: ci.BytesPresent,
	}
	if ci.Compression != dump.NoCompression {
		s := string(ci.Compression)
		in.Core.Compression = &s
	}
	if ci.Format.IsMinidump() {
		v, kb := ci.HeaderVersion, ci.KernBase
		in.Core.HeaderVersion, in.Core.KernBase = &v, &kb
		if ci.DMAPBase < ci.DMAPEnd {
			in.Core.DMAP = &Range{ci.DMAPBase, ci.DMAPEnd}
		}
	}
	if kh := c.DumpHeader(); kh != nil {
		in.Core.DumpHeader = &DumpHeader{kh.Hostname, kh.DumpTime, kh.VersionString, kh.PanicString, kh.ParityOK}
	}
	if ci.PageTableSource != "" {
		in.Core.PageTables = &PTRoot{ci.PageTableRoot, ci.PageTableSource}
	}
	for _, w := range c.Warnings() {
		kind := WarnFormat
		if strings.HasPrefix(w, "truncated") {
			kind = WarnTruncate
		}
		in.Warnings = append(in.Warnings, Warning{Kind: kind, Message: w})
	}

	in.Kernel.Path = t.Path()
	in.Kernel.OS, _ = t.OSType()
	in.Kernel.Release, _ = t.OSRelease()
	fileVersion, err := t.Version()
	in.Kernel.Version = strings.TrimRight(fileVersion, "\n")
	if err != nil {
		in.warn(WarnMismatch, nil, fmt.Sprintf("kernel %s: cannot read its version string: %v", t.Path(), err))
	} else if sym, ok := t.Lookup("version"); ok {
		a := dump.Addr(sym.Value)
		coreVersion, _, rerr := dump.ReadCString(c, a, maxVersionLen)
		switch {
		case rerr != nil:
			in.warn(WarnFault, &a, fmt.Sprintf("cannot read the version string from the core, so cannot check that kernel %s matches it: %v", t.Path(), rerr))
		default:
			match := coreVersion == fileVersion
			in.Kernel.VersionMatch = &match
			if !match {
				in.Kernel.CoreVersion = strings.TrimRight(coreVersion, "\n")
				in.warn(WarnMismatch, &a, fmt.Sprintf("kernel %s does not match the core: the core's version is %q, the kernel file's %q", t.Path(), firstLine(coreVersion), firstLine(fileVersion)))
			}
		}
	}

	if sym, ok := t.Lookup("panicstr"); ok {
		a := dump.Addr(sym.Value)
		p, err := dump.ReadPtr(c, a)
		switch {
		case err != nil:
			in.warn(WarnFault, &a, fmt.Sprintf("cannot read panicstr: %v", err))
		case p != 0:
			msg, _, err := dump.ReadCString(c, p, maxPanicLen)
			if err != nil {
				in.warn(WarnFault, &p, fmt.Sprintf("cannot read the panic message panicstr points to: %v", err))
			}
			in.Panic = &Panic{Message: msg}
		}
	}
	return in
}

func (in *Info) warn(kind string, a *dump.Addr, msg string) {
	in.Warnings = append(in.Warnings, Warning{Kind: kind, Addr: a, Message: msg})
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// WriteText prints in for people.
func (in *Info) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	row := func(k, format string, args ...any) { ew.printf("%-14s %s\n", k+":", fmt.Sprintf(format, args...)) }
	c := in.Core
	comp := ""
	if c.Compression != nil {
		comp = fmt.Sprintf(", %s, %s expanded", *c.Compression, bytesText(uint64(c.DumpSize)))
	}
	row("core", "%s (%s%s)", Escape(c.Path), bytesText(uint64(c.Size)), comp)
	format := c.Format
	if c.HeaderVersion != nil {
		format += fmt.Sprintf(" (header version %d)", *c.HeaderVersion)
	}
	row("format", "%s", format)
	row("arch", "%s", c.Arch)
	if c.KernBase != nil {
		row("kernbase", "%v", *c.KernBase)
	}
	if c.DMAP != nil {
		row("dmap", "%v-%v", c.DMAP.Start, c.DMAP.End)
	}
	if c.PageTables != nil {
		row("page tables", "PML4 at PA %v (from %s)", c.PageTables.PML4, c.PageTables.Source)
	}
	row("present", "%d pages, %s", c.PagesPresent, bytesText(c.BytesPresent))
	if h := c.DumpHeader; h != nil {
		row("dump header", "host %s, dumped %s, panic %q", Escape(h.Hostname), h.Time.Format(time.RFC3339), h.Panic)
	}
	k := in.Kernel
	row("kernel", "%s", Escape(k.Path))
	row("os", "%s %s", Escape(k.OS), Escape(k.Release))
	row("version", "%s", Escape(firstLine(k.Version)))
	switch {
	case k.VersionMatch == nil:
		row("version check", "unknown (the core's version string is unreadable)")
	case *k.VersionMatch:
		row("version check", "the core matches the kernel")
	default:
		row("version check", "MISMATCH: the core says %s", Escape(firstLine(k.CoreVersion)))
	}
	if k.Layout != "" {
		row("layouts", "%s", k.Layout)
	}
	if k.ProcList != "" {
		row("processes", "%s, LWPs in %s", k.ProcList, k.LWPs)
	}
	if in.Panic != nil {
		row("panic", "%s", Escape(in.Panic.Message))
		if th := in.Panic.Thread; th != nil {
			who := "kernel thread"
			if th.PID != nil {
				who = fmt.Sprintf("pid %d", *th.PID)
				if th.TID != nil {
					who += fmt.Sprintf(" tid %d", *th.TID)
				}
			}
			row("panicked in", "%s (%s), thread %v", Escape(th.Comm), who, th.Addr)
		}
		for _, l := range in.Panic.Msgbuf {
			row("  console", "%s", l)
		}
	} else {
		row("panic", "none (panicstr is NULL)")
	}
	for _, wn := range in.Warnings {
		ew.printf("warning: %s\n", Escape(wn.Message))
	}
	return ew.err
}

// bytesText renders n as "123 bytes" or "1.5 MiB (1572864 bytes)".
func bytesText(n uint64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	v, u := float64(n)/1024, 0
	for v >= 1024 && u < len(units)-1 {
		v, u = v/1024, u+1
	}
	return fmt.Sprintf("%.1f %s (%d bytes)", v, units[u], n)
}

// Escape makes a string from a dump safe for a terminal: control bytes and invalid
// UTF-8 become Go escapes.
func Escape(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd || (r >= 0x80 && r < 0xa0) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	q := fmt.Sprintf("%+q", s)
	return q[1 : len(q)-1]
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
