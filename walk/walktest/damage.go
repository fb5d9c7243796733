package walktest

import (
	"fmt"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
)

// damage changes the planned world for the pointer damages and records, for
// every damage, the warnings a correct analyzer must give.
func (b *builder) damage(mc *dumptest.Machine) error {
	b.warnings = map[Damage][]Warning{}
	for _, d := range Damages() {
		if !b.damaged[d] {
			continue
		}
		note := DamageNote{Damage: d, MinidumpOnly: d.minidumpOnly()}
		var ws []Warning
		switch d {
		case DamageCycle:
			p := b.byPID[cycleBucketPID]
			list := p.head.procs
			if len(list) < 3 {
				return fmt.Errorf("walktest: %s holds %d processes, the cycle needs 3", p.head.name, len(list))
			}
			tail, second := list[len(list)-1], list[1]
			tail.next = second.addr
			note.What = fmt.Sprintf("%s: the last process (pid %d at %#x) points back to the second (pid %d at %#x)",
				p.head.name, tail.s.pid, tail.addr, second.s.pid, second.addr)
			ws = append(ws,
				Warning{Kind: "cycle", Addr: dump.Addr(second.addr), What: "the list closes on itself here"},
				Warning{Kind: "bad-link", Addr: dump.Addr(second.addr), What: "le_prev does not point at the last le_next", Optional: true})
		case DamageWrongParent:
			p, init := b.byPID[wrongParentPID], b.byPID[1]
			l := p.lwp(wrongParentTID)
			if l == nil {
				return fmt.Errorf("walktest: pid %d has no LWP %d", wrongParentPID, wrongParentTID)
			}
			l.procPtr = init.addr
			note.What = fmt.Sprintf("pid %d LWP %d at %#x: lwp_proc is init's %#x", p.s.pid, l.s.tid, l.addr, init.addr)
			ws = append(ws, Warning{Kind: "wrong-parent", Addr: dump.Addr(l.addr), What: "lwp_proc is not its process"})
		case DamageDanglingUcred:
			p := b.byPID[danglingPID]
			if len(mc.HeapHoles) == 0 {
				return fmt.Errorf("walktest: the machine has no heap hole for a dangling pointer")
			}
			p.ucredPtr = mc.HeapHoles[0][0] + 0x40
			note.What = fmt.Sprintf("pid %d at %#x: p_ucred %#x points into an unmapped heap hole", p.s.pid, p.addr, p.ucredPtr)
			ws = append(ws, Warning{Kind: "fault", Addr: dump.Addr(p.ucredPtr), What: "p_ucred cannot be read"})
		case DamageMissingProcPage:
			p := b.byPID[missingProcPID]
			note.What = fmt.Sprintf("pid %d: struct proc at %#x excluded from minidumps", p.s.pid, p.addr)
			ws = append(ws, Warning{Kind: "fault", Addr: dump.Addr(p.addr), What: "struct proc not dumped"})
		case DamageMissingLWPPage:
			p := b.byPID[missingLWPPID]
			if len(p.lwps) != 1 {
				return fmt.Errorf("walktest: pid %d has %d LWPs, want 1", p.s.pid, len(p.lwps))
			}
			note.What = fmt.Sprintf("pid %d: struct lwp at %#x excluded from minidumps", p.s.pid, p.lwps[0].addr)
			ws = append(ws, Warning{Kind: "fault", Addr: dump.Addr(p.lwps[0].addr), What: "struct lwp not dumped"})
		}
		b.notes = append(b.notes, note)
		b.warnings[d] = ws
	}
	return nil
}

func (p *wproc) lwp(tid int32) *wlwp {
	for _, l := range p.lwps {
		if l.s.tid == tid {
			return l
		}
	}
	return nil
}

// excludePages drops the isolated victims' pages from minidumps.
func (b *builder) excludePages(mc *dumptest.Machine) {
	excl := func(va uint64, size int) {
		for pg := va &^ (dumptest.PageSize - 1); pg < va+uint64(size); pg += dumptest.PageSize {
			pa, ok := mc.Memory.Translate(pg)
			if !ok {
				b.fail("victim page %#x is not mapped", pg)
				return
			}
			mc.Memory.Exclude(pa)
		}
	}
	if b.damaged[DamageMissingProcPage] {
		excl(b.byPID[missingProcPID].addr, b.L.proc.size)
	}
	if b.damaged[DamageMissingLWPPage] {
		excl(b.byPID[missingLWPPID].lwps[0].addr, b.L.lwp.size)
	}
}
