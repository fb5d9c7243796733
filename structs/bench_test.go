package structs

import (
	"testing"

	"github.com/kdump-bsd/kdump/internal/samples"
)

// BenchmarkOpenAndLayoutProc opens kern-dfly2020 (ELF, DWARF, the type
// index) and resolves struct proc.
func BenchmarkOpenAndLayoutProc(b *testing.B) {
	path := samples.Kernel("dfly2020")
	b.ReportAllocs()
	for b.Loop() {
		l, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := l.Layout("proc"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLayoutCached is a second Layout call for a resolved struct.
func BenchmarkLayoutCached(b *testing.B) {
	l := kernel(b, "dfly2020")
	if _, err := l.Layout("proc"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Layout("proc"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkField looks a resolved path up: a map hit, no allocation.
func BenchmarkField(b *testing.B) {
	lay := layout(b, kernel(b, "dfly2020"), "lwp")
	b.ReportAllocs()
	for b.Loop() {
		f, err := lay.Field("lwp_usdata.bsd4.priority")
		if err != nil || f.Offset != 280 {
			b.Fatal(f, err)
		}
	}
}
