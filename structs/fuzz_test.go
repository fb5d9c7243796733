package structs

import (
	"strings"
	"testing"
)

// FuzzDWARF feeds arbitrary .debug_abbrev, .debug_info and .debug_str
// bytes through FromDWARF and resolves whatever the index finds: errors are
// fine, panics (even recovered ones, reported as "internal error") and
// members outside their struct are not. Seeds: the sample kernels' DWARF
// and the hand-built hostile units.
//
//	go test ./structs -run '^$' -fuzz FuzzDWARF -fuzztime 2m -fuzzminimizetime 5s
func FuzzDWARF(f *testing.F) {
	for _, k := range []string{"dfly2020", "dfly2007"} {
		abbrev, info, str := kernelSections(f, k)
		f.Add(abbrev, info, str)
	}
	for _, c := range hostileUnits {
		f.Add(dwbAbbrev, c.build().bytes(), []byte(nil))
	}
	f.Fuzz(func(t *testing.T, abbrev, info, str []byte) {
		d, err := newDWARF(abbrev, info, str)
		if err != nil {
			return
		}
		l, err := FromDWARF(d, "fuzz")
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("FromDWARF: %v", err)
			}
			return
		}
		names := l.Structs()
		if len(names) > 40 {
			names = names[:40]
		}
		names = append(names, "proc", "s", "lwp")
		for _, n := range names {
			lay, err := l.Layout(n)
			if err != nil {
				if strings.Contains(err.Error(), "internal error") {
					t.Fatalf("Layout(%q): %v", n, err)
				}
				continue
			}
			_ = lay.String()
			for _, p := range lay.Paths() {
				fd, err := lay.Field(p)
				if err != nil {
					t.Fatalf("Paths lists %q but Field fails: %v", p, err)
				}
				if fd.Offset < 0 || fd.Size < 0 || fd.End() > lay.Size {
					t.Fatalf("%s.%s = [%d,%d) outside the %d-byte struct", n, p, fd.Offset, fd.End(), lay.Size)
				}
			}
		}
	})
}
