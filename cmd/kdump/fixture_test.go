package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/internal/samples"
	"github.com/kdump-bsd/kdump/report"
	"github.com/kdump-bsd/kdump/walk/walktest"
)

// fixtureDir holds the generated cores shared by the tests of this package
// (made by TestMain, removed after the run).
var fixtureDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kdump-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fixtureDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is one generated machine, its model, and the machine written in
// some container formats.
type fixture struct {
	era     string // sample kernel name
	kernel  string // its path
	mc      *dumptest.Machine
	model   *walktest.Model
	dir     string
	layouts map[dump.Format]*dumptest.Layout
}

// core is the path of the fixture written in format f.
func (f *fixture) core(fm dump.Format) string {
	return filepath.Join(f.dir, dumptest.FileName(fm, dump.NoCompression))
}

type fixtureKey struct {
	era     string
	damage  walktest.Damage // 0: intact
	seed    uint64
	synth   int    // synthetic processes beyond the sample table
	formats string // the formats written, e.g. "[1 5]"; "" for all
}

var (
	fixtureMu sync.Mutex
	fixtures  = map[fixtureKey]func() (*fixture, error){}
)

// eraSeed gives each sample kernel its own deterministic machine.
var eraSeed = map[string]uint64{"dfly2007": 7, "dfly2009": 9, "dfly2014": 14, "dfly2020": 20, "dfly2020opt": 20}

// getFixture builds (once per key, shared by all tests) a 32 MiB machine of
// the named era with the sample process table, optionally damaged, and
// writes it in the given container formats (every format when none is
// given).
func getFixture(t *testing.T, era string, damage walktest.Damage, formats ...dump.Format) *fixture {
	t.Helper()
	return getFixtureKey(t, fixtureKey{era: era, damage: damage, seed: eraSeed[era]}, formats)
}

// getFixtureKey is getFixture for any key (k.formats is set from formats).
func getFixtureKey(t *testing.T, k fixtureKey, formats []dump.Format) *fixture {
	t.Helper()
	if len(formats) > 0 {
		k.formats = fmt.Sprint(formats)
	}
	fixtureMu.Lock()
	get, ok := fixtures[k]
	if !ok {
		get = sync.OnceValues(func() (*fixture, error) { return buildFixture(k, formats) })
		fixtures[k] = get
	}
	fixtureMu.Unlock()
	f, err := get()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func buildFixture(k fixtureKey, formats []dump.Format) (*fixture, error) {
	kernel := samples.Kernel(k.era)
	cfg := walktest.Config{Seed: k.seed, Procs: k.synth}
	if k.damage != 0 {
		cfg.Damage = []walktest.Damage{k.damage}
	}
	base := dumptest.SampleConfig{PhysSize: 32 << 20, Seed: k.seed, Panic: "sysctl: debug.panic"}
	if k.synth > 0 {
		base.PhysSize = 0 // as much as the heap needs
	}
	sc, err := walktest.SampleConfig(kernel, cfg, base)
	if err != nil {
		return nil, err
	}
	mc, err := dumptest.Sample(kernel, sc)
	if err != nil {
		return nil, err
	}
	m, err := walktest.Populate(mc, cfg)
	if err != nil {
		return nil, err
	}
	name := k.era
	if k.damage != 0 {
		name += "-" + k.damage.String()
	}
	// A fixed name per key: goldens show it (as $TMP/…).
	name = fmt.Sprintf("%s-%d-%d", name, k.seed, k.synth)
	for _, f := range formats {
		name += "-" + f.String()
	}
	dir := filepath.Join(fixtureDir, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	ls, err := mc.WriteAll(dir, formats...)
	if err != nil {
		return nil, err
	}
	return &fixture{era: k.era, kernel: kernel, mc: mc, model: m, dir: dir, layouts: ls}, nil
}

// runCLI runs kdump in-process without changing directory, so parallel
// subtests may use it (the kdump helper of main_test.go chdirs).
func runCLI(args ...string) (stdout, stderr string, status int) {
	var out, errb bytes.Buffer
	status = run(args, &out, &errb)
	return out.String(), errb.String(), status
}

// reportOf runs `kdump report` on core and kernel (plus extra flags) and
// decodes the JSON; the raw output is returned for goldens.
func reportOf(t *testing.T, core, kernel string, extra ...string) (*report.Report, string, string, int) {
	t.Helper()
	args := append([]string{"report", "-M", core, "-N", kernel}, extra...)
	out, errs, st := runCLI(args...)
	if st == exitFail {
		t.Fatalf("kdump %s: status %d, stderr:\n%s", strings.Join(args, " "), st, errs)
	}
	return decodeReport(t, out), out, errs, st
}

// decodeReport decodes the JSON of `kdump report`.
func decodeReport(t *testing.T, out string) *report.Report {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decoding the report: %v", err)
	}
	return &r
}

// stablePaths replaces the temporary directory and the module root in a
// report with fixed names, so goldens of generated cores do not depend on
// where the test ran.
func stablePaths(out string) string {
	out = strings.ReplaceAll(out, fixtureDir+string(filepath.Separator), "$TMP/")
	return strings.ReplaceAll(out, samples.Root()+string(filepath.Separator), "")
}

// procsJSON is the part of a report that must not depend on the container:
// the process table and the warnings.
func procsJSON(t *testing.T, r *report.Report) string {
	t.Helper()
	b, err := json.MarshalIndent(struct {
		Kernel   report.KernelInfo
		Procs    []report.Proc
		Warnings []report.Warning
	}{r.Kernel, r.Procs, r.Warnings}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// startTime formats a timeval as the report documents start: RFC 3339 with
// microseconds, UTC; null when zero.
func startTime(tv walktest.Timeval) *string {
	if tv.Sec == 0 && tv.Usec == 0 {
		return nil
	}
	s := time.Unix(tv.Sec, tv.Usec*1000).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
	return &s
}
