package walktest

import (
	"fmt"
	"testing"

	"github.com/kdump-bsd/kdump/dump/dumptest"
)

// BenchmarkPopulate measures Populate (not Sample) for the 2020 kernel with
// 10,000 and 100,000 synthetic processes.
func BenchmarkPopulate(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := kernelPath("dfly2020")
			cfg := Config{Seed: 1, Procs: n}
			sc, err := SampleConfig(path, cfg, dumptest.SampleConfig{Panic: "boom"})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				b.StopTimer()
				mc, err := dumptest.Sample(path, sc)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				m, err := Populate(mc, cfg)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(m.LWPCount()), "lwps")
				b.ReportMetric(float64(sc.HeapSize>>20), "heap-MiB")
			}
		})
	}
}
