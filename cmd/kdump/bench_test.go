package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/internal/samples"
	"github.com/kdump-bsd/kdump/walk/walktest"
)

// benchGen names the generator's output; bump it when walktest changes what it
// writes, so stale cached cores are not measured.
const benchGen = 1

// benchCore returns a minidump-dragonfly-v2 core of the dfly2020 sample kernel
// holding procs synthetic processes (about 2.5 LWPs each) beside the sample
// table. Cores are cached in $KDUMP_BENCH_DIR (default: the temp dir) because
// the 100,000-process one is ~850 MB and takes seconds to write.
func benchCore(b *testing.B, procs int) (core, kernel string) {
	b.Helper()
	dir := os.Getenv("KDUMP_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "kdump-bench")
	}
	kernel = samples.Kernel("dfly2020")
	core = filepath.Join(dir, fmt.Sprintf("vmcore-ps%d-g%d", procs, benchGen))
	if _, err := os.Stat(core); err == nil {
		return core, kernel
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	cfg := walktest.Config{Seed: 1, Procs: procs}
	sc, err := walktest.SampleConfig(kernel, cfg, dumptest.SampleConfig{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	mc, err := dumptest.Sample(kernel, sc)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := walktest.Populate(mc, cfg); err != nil {
		b.Fatal(err)
	}
	tmp := core + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := mc.Memory.Write(f, dump.MinidumpDragonFlyV2, mc.WriteOptions()); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, core); err != nil {
		b.Fatal(err)
	}
	return core, kernel
}

// BenchmarkPSJSON measures `kdump ps --json` end to end (open, walk, decode,
// kinfo, JSON) on cores of 10,000 and 100,000 processes. Besides the in-process
// time it runs the command once in a child process and reports the child's
// wall time and peak resident set (the target: 100,000 procs in under 1.5 s
// and 400 MB), output to /dev/null.
func BenchmarkPSJSON(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	tuneGC() // as main does
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("procs=%d", n), func(b *testing.B) {
			core, kernel := benchCore(b, n)
			args := []string{"ps", "--json", "-M", core, "-N", kernel}
			wall, rss := psChild(b, core, kernel)
			b.ResetTimer()
			for b.Loop() {
				if st := run(args, io.Discard, io.Discard); st != exitOK {
					b.Fatalf("kdump ps: status %d", st)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/proc")
			b.ReportMetric(wall.Seconds(), "child-wall-s")
			b.ReportMetric(float64(rss)/(1<<20), "child-peak-RSS-MiB")
		})
	}
}

// psChild runs `kdump ps --json` as a fresh process of the real command
// (built once with go build) and returns its wall time and peak resident
// set: what /usr/bin/time would report.
func psChild(b *testing.B, core, kernel string) (time.Duration, int64) {
	bin := kdumpBinary(b)
	cmd := exec.Command(bin, "ps", "--json", "-M", core, "-N", kernel)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v", bin, err)
	}
	wall := time.Since(start)
	var rss int64
	if st, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = st.Maxrss << 10 // KiB on Linux
	}
	return wall, rss
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// kdumpBinary builds the command into a temporary directory, once.
func kdumpBinary(b *testing.B) string {
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kdump-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "kdump")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		b.Skip(binErr)
	}
	return binPath
}
