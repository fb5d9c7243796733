package report

import (
	"fmt"
	"slices"
	"strings"
)

// The preset formats of DragonFly ps (bin/ps/ps.c dfmt, lfmt, ufmt, jfmt).
const (
	DefaultFormat = "pid,tt,state,time,command"
	LongFormat    = "uid,pid,ppid,cpu,pri,nice,vsz,rss,wchan,state,tt,time,command" // -l
	UserFormat    = "user,pid,%cpu,%mem,vsz,rss,tt,state,start,time,command"        // -u
	JobsFormat    = "user,pid,ppid,pgid,sess,jobc,state,tt,time,command"            // -j
)

// Column is one column of a ps table, made by PSColumns.
type Column struct {
	Keyword string // the canonical keyword ("state" for "stat")
	Header  string
	// Width is the least width of the column (DragonFly's keyword.c); a
	// column widens to its header and, except for the ones ps cuts (tt,
	// wchan, a command that is not last), to its widest value.
	Width int

	hdrLeft bool // header left-justified (LJUST)
	valLeft bool // values left-justified
	kind    colKind
	cell    func(r *psRow, o *PSOptions, width int) string
}

type colKind int

const (
	kindGrow    colKind = iota // widens to its widest value
	kindCut                    // values are cut to the width (wchan)
	kindFixed                  // the cell is made for the width (tt)
	kindCommand                // cut when not last; limited by PSOptions.Width when last
)

// keyword is one entry of the keyword table.
type keyword struct {
	header  string
	width   int
	hdrLeft bool
	valLeft bool
	kind    colKind
	cell    func(r *psRow, o *PSOptions, width int) string
}

// keywords follows DragonFly bin/ps/keyword.c (DragonFlyBSD/DragonFlyBSD @
// 8cfe1b37d3): names, headers, widths and justification. Keywords kdump cannot
// fill from a dump (rusage counters, signal sets, rtprio, re, lim) are left
// out; gid, lwpaddr are kdump's own.
var keywords = map[string]keyword{
	"%cpu":    {header: "%CPU", width: 4, cell: cellPctCPU},
	"%mem":    {header: "%MEM", width: 4, cell: func(*psRow, *PSOptions, int) string { return "-" }},
	"command": {header: "COMMAND", width: 16, hdrLeft: true, valLeft: true, kind: kindCommand, cell: cellCommand},
	"cpu":     {header: "CPU", width: 3, cell: cellEstCPU},
	"f":       {header: "F", width: 7, cell: cellFlags},
	"gid":     {header: "GID", width: 5, cell: cellGID},
	"jail":    {header: "JAIL", width: 3, cell: procInt(func(p *Proc) *int32 { return p.JailID })},
	"jobc":    {header: "JOBC", width: 4, cell: procInt(func(p *Proc) *int32 { return p.Jobc })},
	"lastcpu": {header: "C", width: 3, cell: lwpUint(func(l *LWP) *uint32 { return l.CPU })},
	"login":   {header: "LOGIN", width: 32, hdrLeft: true, valLeft: true, cell: cellLogin},
	"lstart":  {header: "STARTED", width: 28, hdrLeft: true, valLeft: true, cell: cellLStart},
	"lwpaddr": {header: "LWPADDR", width: 8, cell: cellLWPAddr},
	"nice":    {header: "NI", width: 3, cell: cellNice},
	"nlwp":    {header: "NLWP", width: 4, cell: procInt(func(p *Proc) *int32 { return p.NThreads })},
	"nwchan":  {header: "WCHAN", width: 8, cell: cellNWChan},
	"paddr":   {header: "PADDR", width: 8, cell: cellPAddr},
	"pgid":    {header: "PGID", width: 5, cell: procInt(func(p *Proc) *int32 { return p.PGID })},
	"pid":     {header: "PID", width: 5, cell: procInt(func(p *Proc) *int32 { return p.PID })},
	"ppid":    {header: "PPID", width: 5, cell: procInt(func(p *Proc) *int32 { return p.PPID })},
	"pri":     {header: "PRI", width: 3, cell: cellPri},
	"rgid":    {header: "RGID", width: 5, cell: procUint(func(p *Proc) *uint32 { return p.RGID })},
	"rss":     {header: "RSS", width: 6, cell: cellRSS},
	"rsz":     {header: "RSZ", width: 6, cell: cellRSS},
	"ruid":    {header: "RUID", width: 5, cell: procUint(func(p *Proc) *uint32 { return p.RUID })},
	"ruser":   {header: "RUSER", hdrLeft: true, valLeft: true, cell: procUint(func(p *Proc) *uint32 { return p.RUID })},
	"sess":    {header: "SESS", width: 6, cell: procInt(func(p *Proc) *int32 { return p.SID })},
	"sl":      {header: "SL", width: 3, cell: lwpUint(func(l *LWP) *uint32 { return l.SlpTime })},
	"start":   {header: "STARTED", width: 7, hdrLeft: true, valLeft: true, cell: cellStart},
	"state":   {header: "STAT  ", width: 6, valLeft: true, cell: cellState},
	"svgid":   {header: "SVGID", width: 5, cell: procUint(func(p *Proc) *uint32 { return p.SVGID })},
	"svuid":   {header: "SVUID", width: 5, cell: procUint(func(p *Proc) *uint32 { return p.SVUID })},
	"tdev":    {header: "TDEV", width: 4, cell: cellTDev},
	"tdpri":   {header: "TDPRI", width: 5, cell: cellTDPri},
	"tid":     {header: "TID", width: 5, cell: cellTID},
	"time":    {header: "TIME", width: 9, cell: cellTime},
	"tpgid":   {header: "TPGID", width: 4, cell: procInt(func(p *Proc) *int32 { return p.TPGID })},
	"tsess":   {header: "TSESS", width: 6, cell: procInt(func(p *Proc) *int32 { return p.TSID })},
	"tsiz":    {header: "TSIZ", width: 4, cell: cellTSize},
	"tt":      {header: "TT ", width: 2, kind: kindFixed, cell: cellTT},
	"tty":     {header: "TTY", width: 8, hdrLeft: true, valLeft: true, cell: cellTTY},
	"ucomm":   {header: "UCOMM", width: 16, hdrLeft: true, valLeft: true, cell: cellUComm},
	"uid":     {header: "UID", width: 5, cell: procUint(func(p *Proc) *uint32 { return p.UID })},
	"user":    {header: "USER", hdrLeft: true, valLeft: true, cell: procUint(func(p *Proc) *uint32 { return p.UID })},
	"vsz":     {header: "VSZ", width: 6, cell: cellVSZ},
	"wchan":   {header: "WCHAN", width: 8, hdrLeft: true, valLeft: true, kind: kindCut, cell: cellWChan},
	"xstat":   {header: "XSTAT", width: 7, cell: cellXStat},
}

// aliases maps other names to keywords: DragonFly's own (comm, cputime,
// flags, logname, ni, pcpu, pmem, rssize, stat, vsize) and the names a
// FreeBSD or Linux user types (args, jid, lwp, nthreads, sid, tsid, addr).
var aliases = map[string]string{
	"comm": "ucomm", "cputime": "time", "flags": "f", "logname": "login", "ni": "nice",
	"pcpu": "%cpu", "pmem": "%mem", "rssize": "rsz", "stat": "state", "vsize": "vsz",
	"args": "command", "jid": "jail", "lwp": "tid", "nthreads": "nlwp", "sid": "sess",
	"tsid": "tsess", "addr": "paddr",
}

// PSKeywords returns every keyword and alias PSColumns accepts, sorted.
func PSKeywords() []string {
	out := make([]string, 0, len(keywords)+len(aliases))
	for k := range keywords {
		out = append(out, k)
	}
	for a := range aliases {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// PSColumns resolves ps keyword lists, BSD style: each element of specs is a
// list separated by commas or blanks ("pid,tt state"), each keyword may be
// followed by "=HEADER" to rename its column (the header runs to the next
// separator; "pid=" leaves it empty), aliases resolve to their keyword. The
// preset formats are DefaultFormat, LongFormat, UserFormat and JobsFormat.
// An unknown keyword is an error (BSD ps warns and goes on), as is a list
// with no keyword at all.
func PSColumns(specs []string) ([]Column, error) {
	var cols []Column
	for _, spec := range specs {
		for _, tok := range strings.FieldsFunc(spec, func(r rune) bool { return strings.ContainsRune(" \t,\n", r) }) {
			name, header, renamed := strings.Cut(tok, "=")
			if name == "" {
				return nil, fmt.Errorf("ps: %q: no keyword before '='", tok)
			}
			canon := name
			if a, ok := aliases[name]; ok {
				canon = a
			}
			kw, ok := keywords[canon]
			if !ok {
				return nil, fmt.Errorf("ps: unknown keyword %q (valid keywords: %s)", name, strings.Join(PSKeywords(), " "))
			}
			if !renamed {
				header = kw.header
			}
			cols = append(cols, Column{Keyword: canon, Header: header, Width: kw.width,
				hdrLeft: kw.hdrLeft, valLeft: kw.valLeft, kind: kw.kind, cell: kw.cell})
		}
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("ps: no keywords in %q", strings.Join(specs, " "))
	}
	return cols, nil
}

// InsertTID adds a tid column after the first pid column, as ps -H does when
// no -o list was given. Without a pid column it returns cols unchanged.
func InsertTID(cols []Column) []Column {
	i := slices.IndexFunc(cols, func(c Column) bool { return c.Keyword == "pid" })
	if i < 0 {
		return cols
	}
	tid, _ := PSColumns([]string{"tid"})
	return slices.Insert(slices.Clone(cols), i+1, tid[0])
}
