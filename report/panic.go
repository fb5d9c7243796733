package report

import (
	"strings"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/symtab"
	"github.com/kdump-bsd/kdump/walk"
)

// maxPanicLines bounds Panic.Msgbuf.
const maxPanicLines = 20

// AddPanicDetails completes in.Panic (when the kernel panicked) with the
// thread that panicked and the panic's lines in the message buffer (mb may
// be nil). t may be nil: the thread is then decoded on its own.
func AddPanicDetails(in *Info, r dump.Reader, tab *symtab.Table, dec *structs.Decoder, t *walk.Table, mb *Msgbuf) {
	if in.Panic == nil {
		return
	}
	in.Panic.Thread = panicThread(r, tab, dec, t)
	if mb != nil {
		in.Panic.Msgbuf = panicLines(DmesgLines(mb.Text, false))
	}
}

// panicThread finds the thread that panicked: dumpthread (set by
// dumpsys(), kern_shutdown.c) points to its struct thread; its LWP and
// process come from the walked table when they are there, else from the
// thread's own td_lwp/td_proc.
func panicThread(r dump.Reader, tab *symtab.Table, dec *structs.Decoder, t *walk.Table) *PanicThread {
	sym, ok := tab.Lookup("dumpthread")
	if !ok {
		return nil
	}
	ta, err := dump.ReadPtr(r, dump.Addr(sym.Value))
	if err != nil || ta == 0 {
		return nil
	}
	if t != nil {
		for _, p := range t.Procs {
			for _, th := range p.LWPs {
				if th.Thread != nil && th.Thread.Addr == ta {
					pt := &PanicThread{Addr: ta, Comm: th.Thread.Comm}
					la := th.LWP.Addr
					pt.LWP = &la
					if th.LWP.Known("lwp_tid") {
						tid := th.LWP.TID
						pt.TID = &tid
					}
					if p.Proc.Known("p_pid") {
						pid := p.Proc.PID
						pt.PID = &pid
					}
					if pt.Comm == "" {
						pt.Comm = p.Proc.Comm
					}
					return pt
				}
			}
		}
	}
	td := dec.Thread(r, ta)
	for _, f := range td.Faults {
		if f.Field == "*" {
			return nil
		}
	}
	pt := &PanicThread{Addr: ta, Comm: td.Comm}
	if td.LWP != 0 {
		la := td.LWP
		pt.LWP = &la
		if l := dec.LWP(r, td.LWP); l.Known("lwp_tid") {
			tid := l.TID
			pt.TID = &tid
		}
	}
	if td.Proc != 0 {
		if p := dec.Proc(r, td.Proc); p.Known("p_pid") {
			pid := p.PID
			pt.PID = &pid
			if pt.Comm == "" {
				pt.Comm = p.Comm
			}
		}
	}
	return pt
}

// panicLines returns the dmesg lines from the last one starting "panic: "
// to the end, at most maxPanicLines of them.
func panicLines(lines []string) []string {
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "panic: ") {
			return Tail(lines[i:], maxPanicLines)
		}
	}
	return nil
}
