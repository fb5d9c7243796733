package samples

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/walk/walktest"
)

// Core is one ready-made sample core shipped in testdata/cores under savecore's
// names: vmcore.N.gz (savecore -z) and kern.N, a copy of the sample kernel.
// Its memory holds the sample process table of walktest for its era.
type Core struct {
	N           int
	Era         string // sample kernel, e.g. "dfly2020"
	Format      dump.Format
	Compression dump.Compression
	Config      dumptest.SampleConfig
}

// Cores lists the shipped cores. They are regenerated (and checked) by
// TestShippedCores; `go test ./internal/samples -run ShippedCores -update` rewrites them.
func Cores() []Core {
	return []Core{
		{0, "dfly2020", dump.MinidumpDragonFlyV2, dump.Gzip, dumptest.SampleConfig{
			PhysSize: 32 << 20, Seed: 2020, HeapSize: 2 << 20,
			Panic: "vm_fault: fault on nofault entry, addr: 0xfffff80123456000"}},
		{1, "dfly2014", dump.ELFFull, dump.Gzip, dumptest.SampleConfig{
			PhysSize: 32 << 20, Seed: 2014, HeapSize: 2 << 20}},
		{2, "dfly2009", dump.MinidumpV1, dump.Gzip, dumptest.SampleConfig{
			PhysSize: 32 << 20, Seed: 2009, HeapSize: 2 << 20,
			Panic: "lockmgr: locking against myself"}},
		{3, "dfly2007", dump.ELFFull, dump.Gzip, dumptest.SampleConfig{
			PhysSize: 32 << 20, Seed: 2007, HeapSize: 2 << 20,
			Panic: "assertion: p->p_lock == 0 in proc_remove_zombie"}},
		{4, "dfly2020opt", dump.MinidumpDragonFlyV2, dump.Gzip, dumptest.SampleConfig{
			PhysSize: 32 << 20, Seed: 2021, HeapSize: 2 << 20,
			Panic: "sysctl: debug.panic"}},
	}
}

// CoresDir is <root>/testdata/cores.
func CoresDir() string { return filepath.Join(Root(), "testdata", "cores") }

// Path is the core's file, e.g. testdata/cores/vmcore.0.gz.
func (c Core) Path() string {
	return filepath.Join(CoresDir(), fmt.Sprintf("vmcore.%d%s", c.N, dumptest.CompressedExt(c.Compression)))
}

// KernelPath is the kernel shipped beside the core, testdata/cores/kern.N.
func (c Core) KernelPath() string { return filepath.Join(CoresDir(), fmt.Sprintf("kern.%d", c.N)) }

// Machine builds the core's memory from its sample kernel, with the sample
// process table; the model says what a correct analyzer reports.
func (c Core) Machine() (*dumptest.Machine, *walktest.Model, error) {
	pc := walktest.Config{Seed: c.Config.Seed}
	sc, err := walktest.SampleConfig(Kernel(c.Era), pc, c.Config)
	if err != nil {
		return nil, nil, err
	}
	mc, err := dumptest.Sample(Kernel(c.Era), sc)
	if err != nil {
		return nil, nil, err
	}
	m, err := walktest.Populate(mc, pc)
	if err != nil {
		return nil, nil, err
	}
	return mc, m, nil
}

// Generate writes the core, uncompressed, to w.
func (c Core) Generate(w io.Writer) (*dumptest.Machine, *walktest.Model, *dumptest.Layout, error) {
	mc, m, err := c.Machine()
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := mc.Memory.Write(w, c.Format, mc.WriteOptions())
	return mc, m, l, err
}
