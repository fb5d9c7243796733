package walk

import (
	"encoding/binary"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/kdump-bsd/kdump/dump"
)

// FuzzProcessTable corrupts the memory of the sample table — each 10 bytes
// of input overwrite one aligned word, mostly with the address of another
// word of the table (links that lead into other objects: cycles,
// cross-links, wrong parents), else with the value as given — and walks it.
// The walk must end, without a panic, within its bound, listing every LWP
// once.
func FuzzProcessTable(f *testing.F) {
	f.Add(true, []byte{})
	f.Add(false, []byte{})
	f.Add(false, []byte{3, 0, 0x40, 0, 0x10, 0, 0, 0, 0, 0, 7, 0, 8, 0, 1, 0, 0, 0, 0, 0})
	bases := map[bool]*built{
		true:  buildModel(f, "kern-dfly2007", sampleModel()),
		false: buildModel(f, "kern-dfly2020", sampleModel()),
	}
	f.Fuzz(func(t *testing.T, old bool, muts []byte) {
		b := bases[old]
		base := b.w.m
		pages := slices.Sorted(maps.Keys(base.pages))
		m := &fakeMem{pages: maps.Clone(base.pages), next: base.next}
		for ; len(muts) >= 10; muts = muts[10:] {
			pg := pages[int(binary.LittleEndian.Uint16(muts))%len(pages)]
			off := dump.Addr(binary.LittleEndian.Uint16(muts[2:])) % dump.PageSize &^ 7
			v := binary.LittleEndian.Uint64(muts[2:])
			if v&1 == 0 {
				v = uint64(pages[int(v>>8)%len(pages)]) + (v>>24)%dump.PageSize&^7
			}
			if m.pages[pg] == base.pages[pg] { // copy on write: the base stays intact
				cp := *base.pages[pg]
				m.pages[pg] = &cp
			}
			m.putU64(pg+off, v)
		}
		done := make(chan *Table, 1)
		go func() { done <- CollectTable(m, b.era, b.dec, Options{MaxObjects: 4096}) }()
		var tab *Table
		select {
		case tab = <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("CollectTable did not return")
		}
		if len(tab.Procs) > 4096 {
			t.Fatalf("%d procs past the bound", len(tab.Procs))
		}
		seen := map[dump.Addr]bool{}
		for _, p := range tab.Procs {
			for _, l := range p.LWPs {
				if seen[l.LWP.Addr] {
					t.Fatalf("lwp %v listed twice", l.LWP.Addr)
				}
				seen[l.LWP.Addr] = true
			}
		}
	})
}
