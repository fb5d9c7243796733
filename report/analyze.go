package report

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"sync"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/symtab"
	"github.com/kdump-bsd/kdump/walk"
)

// Options tune Analyze.
type Options struct {
	// Layout forces a built-in layout profile by name (--layout).
	Layout string
	// Debug is the stripped kernel's separate debug file (--debug).
	Debug string
	// Dump options for opening the core (the kernel's symbols are added).
	Dump []dump.Option
	// SHA256 hashes the core file (read sequentially while the process
	// table is walked) into Info.Core.SHA256.
	SHA256 bool
}

// Analysis is one core read through its kernel: its identity, where the
// struct layouts came from, and the process table. It owns the open files
// until Close.
type Analysis struct {
	Core   *dump.Core
	Kernel *symtab.Table
	Info   *Info
	Layout string // "dwarf" or "profile NAME"
	// Stream is the process table: the lists walked and the procs decoded;
	// Procs completes and converts each process when it is reached.
	Stream *walk.Stream
	// Msgbuf is the kernel message buffer; nil when it could not be read.
	Msgbuf *Msgbuf
	// Decoder decodes records with the layouts chosen.
	Decoder *structs.Decoder
	// Notes are remarks for people that are not anomalies of the dump, such
	// as "kern.0 has no DWARF; using the built-in profile …".
	Notes []string
}

// Analyze opens the kernel and the core (read-only), chooses the struct
// layouts — the kernel's DWARF, the --debug file, or a built-in profile
// (forced, or chosen from osrelease when the kernel is stripped) — and walks
// the process table. The error means the input cannot be read at all;
// everything found wrong after that is a warning of the report.
func Analyze(corePath, kernelPath string, opt Options) (*Analysis, error) {
	tab, err := symtab.Open(kernelPath)
	if err != nil {
		return nil, err
	}
	core, err := dump.Open(corePath, append(slices.Clone(opt.Dump), dump.WithSymbols(tab.Resolver()))...)
	if err != nil {
		tab.Close()
		return nil, err
	}
	a := &Analysis{Core: core, Kernel: tab, Info: Identify(core, tab)}
	var hashed chan hashResult
	if opt.SHA256 {
		hashed = make(chan hashResult, 1)
		go func() { h, err := hashFile(corePath); hashed <- hashResult{h, err} }()
	}
	prov, note, err := Layouts(kernelPath, tab, opt.Layout, opt.Debug)
	var dec *structs.Decoder
	if err == nil {
		if dec, err = structs.NewDecoder(prov); err == nil {
			version, _ := tab.Version()
			// The processes' objects lie on pages scattered over the whole
			// dump: read them with pread, not through the mapping (see
			// dump.Core.Scattered), so that memory stays bounded.
			a.Stream, err = walk.OpenStream(core.Scattered(), tab, dec, walk.Options{
				MaxObjects: maxObjects(core, dec.Links()),
				Version:    version,
			})
		}
	}
	if hashed != nil {
		h := <-hashed
		if err == nil && h.err != nil {
			err = h.err
		}
		a.Info.Core.SHA256 = &h.sum
	}
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("%s: %w", kernelPath, err)
	}
	if note != "" {
		a.Notes = append(a.Notes, note)
	}
	a.Layout, a.Decoder = prov.Origin(), dec
	a.Info.Kernel.Layout = a.Layout
	mb, ws := ReadMsgbuf(core, tab, prov, CoreSection(core))
	a.Msgbuf = mb
	a.Info.Warnings = append(a.Info.Warnings, ws...)
	AddPanicDetails(a.Info, core, tab, dec, nil, mb)
	a.Info.Kernel.ProcList, a.Info.Kernel.LWPs = string(a.Stream.Era.ProcList), string(a.Stream.Era.LWPs)
	return a, nil
}

type hashResult struct {
	sum string
	err error
}

// hashFile returns the hex SHA-256 of the file at path, read sequentially.
func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, make([]byte, 1<<20)); err != nil {
		return "", fmt.Errorf("%s: hashing: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Close closes the core and the kernel.
func (a *Analysis) Close() error {
	return errors.Join(a.Core.Close(), a.Kernel.Close())
}

// Report returns the document without its processes (Procs is nil; use
// Procs): identity, panic and the message buffer. Its warnings are complete
// only once the processes have been through Procs: Encode completes them
// after writing the processes, Complete does it for other uses.
func (a *Analysis) Report() *Report {
	r := NewReport(a.Info, a.Layout, a.Stream.Era, nil, nil)
	r.pending = func() []Warning { return Warnings(a.Stream.Anomalies()) }
	if a.Msgbuf != nil {
		r.Msgbuf = &MsgbufTail{Source: a.Msgbuf.Source, Lost: a.Msgbuf.Lost,
			Lines: Tail(DmesgLines(a.Msgbuf.Text, false), MsgbufTailLines)}
	}
	return r
}

// MsgbufTailLines is how many of the message buffer's last lines a report
// carries.
const MsgbufTailLines = 100

// Procs yields the processes in report order (pid, then address), each
// completed (walk.Stream.All) and converted by the kinfo rules when it is
// reached.
func (a *Analysis) Procs() iter.Seq[*Proc] {
	return func(yield func(*Proc) bool) {
		for pr := range a.converted(nil) {
			if !yield(pr.proc) {
				return
			}
		}
	}
}

// convertedProc is a process converted, and, when wanted, encoded.
type convertedProc struct {
	proc *Proc
	json []byte // nil when not encoded (or filtered out)
}

// converted yields the processes converted by the kinfo rules and, when
// enc is set, encoded with it, on the goroutines that complete them
// (walk.Stream.AllWith): on a large table the consumer then only writes.
func (a *Analysis) converted(enc *EncodeOptions) iter.Seq[convertedProc] {
	type scratch struct {
		kc knownCache
		ar arena
	}
	pool := sync.Pool{New: func() any { return new(scratch) }}
	work := func(p *walk.Process) any {
		// A kinfo per call (workers run this at once), with pooled scratch.
		sc := pool.Get().(*scratch)
		k := kinfo{sym: a.Kernel, era: a.Stream.Era, kc: &sc.kc, ar: &sc.ar}
		pr := k.proc(p)
		pool.Put(sc)
		c := convertedProc{proc: &pr}
		if enc != nil && (enc.Filter == nil || enc.Filter.Match(&pr)) {
			w := jsonPool.Get().(*jsonw)
			w.b, w.indent, w.prefix = w.b[:0], !enc.Compact, "    "
			w.proc(&pr)
			c.json = bytes.Clone(w.b)
			jsonPool.Put(w)
		}
		return c
	}
	return func(yield func(convertedProc) bool) {
		for p, prep := range a.Stream.AllWith(work) {
			if prep == nil { // the merge changed it: redo on this goroutine
				prep = work(p)
			}
			if !yield(prep.(convertedProc)) {
				return
			}
		}
	}
}

var jsonPool = sync.Pool{New: func() any { return &jsonw{b: make([]byte, 0, 4096)} }}

// Encode writes rep (from Report) with the processes of the stream, like
// rep.Encode, but converts and encodes the processes on the goroutines that
// complete them. opt.Procs is ignored.
func (a *Analysis) Encode(w io.Writer, rep *Report, opt EncodeOptions) error {
	opt.Procs = nil
	opt.encoded = func(yield func([]byte) bool) {
		for c := range a.converted(&opt) {
			if c.json != nil && !yield(c.json) {
				return
			}
		}
	}
	return rep.Encode(w, opt)
}

// maxObjects is the hard bound of a walk: no list can hold more distinct
// procs than the dump has bytes for.
func maxObjects(core *dump.Core, lk structs.Links) int {
	size := max(lk.ProcSize, 64)
	n := core.Info().BytesPresent / uint64(size)
	return int(min(max(n, 1), 1<<26))
}

// Layouts returns the struct layouts to decode a kernel with: the profile
// named by layout, the separate debug file, or the kernel's own DWARF; a
// stripped kernel without either falls back to the built-in profile its
// osrelease selects, and note says so.
func Layouts(kernelPath string, tab *symtab.Table, layout, debug string) (p structs.Provider, note string, err error) {
	switch {
	case layout != "" && debug != "":
		return nil, "", fmt.Errorf("a layout profile and a debug file exclude each other")
	case layout != "":
		prof, err := structs.ProfileByName(layout)
		if err != nil {
			return nil, "", err
		}
		return prof, "", nil
	case debug != "":
		lay, err := structs.OpenDebug(kernelPath, debug)
		if err != nil {
			return nil, "", err
		}
		return lay, "", nil
	}
	lay, err := structs.Open(kernelPath)
	if err == nil {
		return lay, "", nil
	}
	if !errors.Is(err, structs.ErrNoDWARF) {
		return nil, "", err
	}
	rel, _ := tab.OSRelease()
	ver, _ := tab.Version()
	prof, perr := structs.Select(rel, ver)
	if perr != nil {
		return nil, "", fmt.Errorf("%s has no DWARF (stripped) and no built-in layout profile fits it: %v; give the kernel's debug file with --debug kernel.debug, or force a profile with --layout NAME", kernelPath, perr)
	}
	return prof, fmt.Sprintf("%s has no DWARF; using the built-in layout profile %s (chosen from osrelease %q)", kernelPath, prof.Name, rel), nil
}

// ProcSeq yields the processes of t in report order — by pid (unknown pids
// last), then by address — converting each by the kinfo rules (see Procs)
// only when it is reached, so a consumer that encodes and drops each one
// holds a single converted process at a time.
func ProcSeq(t *walk.Table, sym Symbolizer) iter.Seq[*Proc] {
	return func(yield func(*Proc) bool) {
		if t == nil {
			return
		}
		// Sort keys first: "known" is a search, too dear for a comparator.
		type key struct {
			unknown bool
			pid     int32
			addr    dump.Addr
			p       *walk.Process
		}
		keys := make([]key, 0, len(t.Procs))
		for _, p := range t.Procs {
			if p != nil && p.Proc != nil {
				keys = append(keys, key{!known(p.Proc.Members, p.Proc.Faults, "p_pid"), p.Proc.PID, p.Proc.Addr, p})
			}
		}
		slices.SortFunc(keys, func(a, b key) int {
			if a.unknown != b.unknown {
				if a.unknown {
					return 1
				}
				return -1
			}
			if !a.unknown {
				if c := cmp.Compare(a.pid, b.pid); c != 0 {
					return c
				}
			}
			return cmp.Compare(a.addr, b.addr)
		})
		k := kinfo{sym: sym, era: t.Era, kc: new(knownCache), ar: new(arena)}
		for _, kp := range keys {
			pr := k.proc(kp.p)
			if !yield(&pr) {
				return
			}
		}
	}
}
