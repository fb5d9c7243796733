// Package walktest lays a realistic DragonFly process table out in the kernel
// memory of a dumptest sample machine and returns the model a correct
// analyzer's report is checked against. It serves package walk (and the
// kdump ps/report goldens) the way net/http/httptest serves net/http.
//
// It is an independent model: it reads the kernel's DWARF and symbols itself
// (debug/dwarf, debug/elf) and imports neither package structs nor package
// walk, so a misreading there is not mirrored here. It is written from
// spec/formats.md §8–§13.
//
// # Use
//
//	cfg := walktest.Config{Procs: 10_000, Damage: []walktest.Damage{walktest.DamageCycle}}
//	sc, err := walktest.SampleConfig(kernel, cfg, dumptest.SampleConfig{Panic: "…"})
//	mc, err := dumptest.Sample(kernel, sc)
//	model, err := walktest.Populate(mc, cfg)
//	mc.WriteAll(dir) // every container format
//	want := model.ForFormat(format) // minidump-only damage is invisible elsewhere
//
// HeapNeeded sizes the heap; SampleConfig applies it and leaves out the 1 GiB
// window when the heap (about 840 MiB for 100,000 processes on the 2020
// kernel) no longer fits below it.
//
// # What is laid out
//
// The era comes from the kernel: procglob[] (2016+, heads at procglob +
// i*sizeof + offsetof(allproc)), allprocs[] (2013–2016) or allproc+zombproc;
// LWPs in the p_lwp_tree red-black tree (real BSD RB insertions: colours,
// parents, keyed by lwp_tid) or on the p_lwps LIST. Processes hang off bucket
// pid & (hsize-1), newest first, le_prev exact; pgrp members and children
// lists are linked too. The sample table (41 processes, 80 LWPs, 4 CPUs):
// swapper (proc0/lwp0/thread0), P_SYSTEM kernel processes, init, daemons
// (some under their own uid), getty and login sessions on ttyv0/ttyv1/
// ttyp0/ttyp1 with foreground and background job groups, a jail, zombies, a
// process in SIDL with no LWP and a shared argument cache, a 40-thread mysqld
// without argument cache, a traced process reparented to its debugger
// (p_oppid), LWPs running, runnable, LSRUN on no run queue and stopped, wait
// channels in the kernel image and in the heap, and the panicking sysctl
// (pid 806) whose thread is dumpthread. Config.Procs adds synthetic user
// processes (pids from 10000, 2.5 LWPs each on average).
//
// # Era rules the model applies
//
//   - vm_tsize/dsize/ssize are written in bytes when osreldate ≥ 500500
//     (2019-02-16), else in pages; the model always says bytes.
//   - LWP comm is td_comm whenever struct thread has it (kdump shows it
//     even where the era's kinfo_lwp had no kl_comm), else nil; wait
//     messages are whole (up to 32 bytes), not cut to WMESGLEN.
//   - LSRUN reads LSSLEEP for an LWP on no run queue when the kernel has
//     lwp_mpflags; the 2007 list era has no such rule. For the 2009 shape
//     (tree, no lwp_mpflags) the rule is undocumented, so every LSRUN LWP is
//     put on a run queue there.
//   - WMESGLEN is 7 in 2007 and 8 in 2020; kernels in between get wait
//     messages of at most 7 bytes.
//   - Zombies keep their last LWP from 2013 on (hash eras); on zombproc they
//     have none.
//
// # Damage
//
// Each Damage changes the memory and the model: Lost pids, Warnings (kind
// and address a correct analyzer reports; Optional ones it may), fields made
// nil (Proc.Unreadable). Excluded pages exist only in minidumps
// (Model.ForFormat).
//
// # Untrusted input
//
// Not applicable: it produces test input. The kernel ELF is a test fixture;
// debug/elf and debug/dwarf panics are recovered and returned as errors.
package walktest
