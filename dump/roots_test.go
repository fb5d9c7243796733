package dump_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/internal/samples"
)

// TestFullDumpRoots checks how ELF full dumps and raw images find their page
// tables: dumppcb.pcb_cr3 first (DragonFly), KPML4phys when the pcb holds no usable
// CR3 or the kernel has no dumppcb (FreeBSD), and a clear error when neither
// validates.
func TestFullDumpRoots(t *testing.T) {
	f := sample(t)
	resolver := f.tab.Resolver()
	without := func(names ...string) dump.Symbols {
		return func(n string) (uint64, bool) {
			for _, x := range names {
				if n == x {
					return 0, false
				}
			}
			return resolver(n)
		}
	}
	// A machine whose dumppcb.pcb_cr3 is garbage (as FreeBSD's pcb would read at 64).
	mc, err := dumptest.Sample(samples.Kernel("dfly2020"), dumptest.SampleConfig{PhysSize: 16 << 20, Seed: 5, HeapSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.Memory.WriteVirt(mc.Symbols["dumppcb"]+64, []byte{0, 0x10, 0x33, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := mc.WriteAll(dir, dump.ELFFull, dump.Raw); err != nil {
		t.Fatal(err)
	}
	// A machine with neither root usable.
	bad, _ := dumptest.Sample(samples.Kernel("dfly2020"), dumptest.SampleConfig{PhysSize: 16 << 20, Seed: 5, HeapSize: 1 << 20})
	bad.Memory.WriteVirt(bad.Symbols["dumppcb"]+64, make([]byte, 8))
	bad.Memory.WriteVirt(bad.Symbols["KPML4phys"], make([]byte, 8))
	badDir := t.TempDir()
	if _, err := bad.WriteAll(badDir, dump.ELFFull, dump.Raw); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		path    string
		syms    dump.Symbols
		source  string
		wantErr string
	}{
		{"dragonfly dumppcb", f.path(dump.ELFFull), resolver, "dumppcb.pcb_cr3", ""},
		{"no dumppcb symbol", f.path(dump.ELFFull), without("dumppcb"), "KPML4phys", ""},
		{"garbage pcb_cr3", filepath.Join(dir, dumptest.FileName(dump.ELFFull, "")), resolver, "KPML4phys", ""},
		{"raw, garbage pcb_cr3", filepath.Join(dir, dumptest.FileName(dump.Raw, "")), resolver, "KPML4phys", ""},
		{"no roots: full dump opens, virtual reads fail", filepath.Join(badDir, dumptest.FileName(dump.ELFFull, "")), resolver, "", "no page-table root found"},
		{"no roots: raw image refused", filepath.Join(badDir, dumptest.FileName(dump.Raw, "")), resolver, "", "not a recognized dump"},
		{"no symbols", f.path(dump.ELFFull), nil, "", "need the kernel's symbols"},
		{"no kernbase", f.path(dump.ELFFull), without("kernbase"), "", "no symbol kernbase"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []dump.Option
			if tc.syms != nil {
				opts = append(opts, dump.WithSymbols(tc.syms))
			}
			c, err := dump.Open(tc.path, opts...)
			if err == nil {
				defer c.Close()
				var b [8]byte
				_, err = c.ReadAt(b[:], dump.Addr(f.mc.Symbols["version"]))
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), filepath.Base(tc.path)) {
					t.Fatalf("err = %v, want one naming the file and saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Info().PageTableSource; got != tc.source {
				t.Errorf("page tables from %q, want %q", got, tc.source)
			}
		})
	}
}
