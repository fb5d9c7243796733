package walktest

import (
	"encoding/binary"
	"fmt"
	"maps"

	"github.com/kdump-bsd/kdump/dump/dumptest"
)

// Config configures Populate.
type Config struct {
	// Seed makes the synthetic processes deterministic.
	Seed uint64
	// Procs adds that many synthetic user processes (pids from 10000) to the
	// sample table, with 2.5 LWPs each on average; 0 gives the sample table
	// alone.
	Procs int
	// Damage lists the damaged variants to apply (each at most once).
	Damage []Damage
}

// Damage is a damaged variant of the table.
type Damage int

const (
	// DamageCycle: the last process of one list (the bucket of pid 1204, or
	// allproc) points back to the list's second process.
	DamageCycle Damage = iota + 1
	// DamageWrongParent: LWP 9 of mysqld (pid 1100) has lwp_proc = init.
	DamageWrongParent
	// DamageDanglingUcred: cron's (pid 640) p_ucred points into a heap hole.
	DamageDanglingUcred
	// DamageMissingProcPage: the pages of the zombie cc (pid 1322) are
	// excluded from minidumps.
	DamageMissingProcPage
	// DamageMissingLWPPage: the page of syslogd's (pid 312) only LWP is
	// excluded from minidumps.
	DamageMissingLWPPage
)

var damageNames = map[Damage]string{
	DamageCycle: "cycle", DamageWrongParent: "wrong-parent", DamageDanglingUcred: "dangling-ucred",
	DamageMissingProcPage: "missing-proc-page", DamageMissingLWPPage: "missing-lwp-page",
}

func (d Damage) String() string {
	if s, ok := damageNames[d]; ok {
		return s
	}
	return fmt.Sprintf("Damage(%d)", int(d))
}

// Damages lists every damaged variant.
func Damages() []Damage {
	return []Damage{DamageCycle, DamageWrongParent, DamageDanglingUcred, DamageMissingProcPage, DamageMissingLWPPage}
}

// minidumpOnly reports whether the damage is a page excluded from minidumps.
func (d Damage) minidumpOnly() bool { return d == DamageMissingProcPage || d == DamageMissingLWPPage }

// Populate lays the process table out in mc's kernel memory, following the
// DWARF of mc's kernel, and returns the model of what a correct analyzer must
// report. mc must come from dumptest.Sample with a heap of at least
// HeapNeeded bytes (SampleConfig sizes it).
func Populate(mc *dumptest.Machine, cfg Config) (*Model, error) {
	k, err := openKernel(mc.Kernel)
	if err != nil {
		return nil, err
	}
	osrel := int64(0)
	if a := k.symbol("osreldate"); a != 0 {
		if v, err := mc.Memory.ReadVirt(a, 4); err == nil {
			osrel = int64(int32(binary.LittleEndian.Uint32(v)))
		}
	}
	h := &heap{mc: mc}
	b, err := prepare(k, cfg, h, osrel)
	if err != nil {
		return nil, err
	}
	if err := b.damage(mc); err != nil {
		return nil, err
	}
	b.write(mc.Memory)
	if b.err == nil {
		b.excludePages(mc)
	}
	if b.err != nil {
		return nil, b.err
	}
	m := b.model(b.damaged)
	onlyPtr := map[Damage]bool{}
	for d := range b.damaged {
		if !d.minidumpOnly() {
			onlyPtr[d] = true
		}
	}
	if len(onlyPtr) < len(b.damaged) {
		m.intact = b.model(onlyPtr)
	}
	return m, nil
}

// prepare plans and links the world (no memory written).
func prepare(k *kernel, cfg Config, h *heap, osrel int64) (*builder, error) {
	b, err := newBuilder(k, h, osrel)
	if err != nil {
		return nil, err
	}
	b.damaged = map[Damage]bool{}
	for _, d := range cfg.Damage {
		if _, ok := damageNames[d]; !ok {
			return nil, fmt.Errorf("walktest: unknown damage %d", int(d))
		}
		b.damaged[d] = true
	}
	b.creds = maps.Clone(creds)
	b.sessSpec = maps.Clone(sessions)
	b.specs = sampleTable()
	if cfg.Procs < 0 || cfg.Procs > 1_000_000-synthBase {
		return nil, fmt.Errorf("walktest: %d synthetic processes: want 0..%d", cfg.Procs, 1_000_000-synthBase)
	}
	if cfg.Procs > 0 {
		b.specs = append(b.specs, synthTable(cfg.Procs, cfg.Seed, b.creds, b.sessSpec)...)
	}
	b.plan()
	if b.err == nil {
		b.err = h.err
	}
	if b.err == nil {
		b.link()
	}
	return b, b.err
}

// HeapNeeded returns the kernel heap size (bytes) Populate needs for cfg on
// the kernel at kernelPath, with room for the sample's heap holes.
func HeapNeeded(kernelPath string, cfg Config) (uint64, error) {
	k, err := openKernel(kernelPath)
	if err != nil {
		return 0, err
	}
	h := &heap{}
	if _, err := prepare(k, cfg, h, 0); err != nil {
		return 0, err
	}
	// Chunk tails (at most one object per 1 MiB chunk), chunks skipped over
	// heap holes and excluded pages, and Sample's own allocations.
	need := h.dry + h.dry/32 + 16*chunkSize
	return roundUp(need, dumptest.PageSize), nil
}

// SampleConfig returns base with a heap big enough for cfg; when that heap
// no longer fits below the 1 GiB window at dumptest.Sample1GiB, the window is
// left out (No1GiBMap).
func SampleConfig(kernelPath string, cfg Config, base dumptest.SampleConfig) (dumptest.SampleConfig, error) {
	need, err := HeapNeeded(kernelPath, cfg)
	if err != nil {
		return base, err
	}
	base.HeapSize = max(base.HeapSize, need)
	if dumptest.SampleHeapBase+base.HeapSize > dumptest.Sample1GiB {
		base.No1GiBMap = true
	}
	return base, nil
}
