package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kdump-bsd/kdump/structs"
)

// Kernel constants the kinfo rules and the STAT letters need (spec §12,
// DragonFly sys/sys/proc.h, sys/sys/thread.h, sys/sys/param.h). They have the
// same values in every era kdump reads unless a comment says otherwise.
const (
	// enum procstat
	statSIDL    = 1
	statSACTIVE = 2
	statSSTOP   = 3
	statSZOMB   = 4
	statSCORE   = 5 // 2009+; a 2007 kernel never stores it

	// enum lwpstat
	lstatLSRUN   = 1
	lstatLSSTOP  = 2
	lstatLSSLEEP = 3

	// p_flags (p_flag before 2011)
	pControlT   = 0x2
	pSwappedOut = 0x4
	pPPWait     = 0x10
	pSystem     = 0x200
	pTraced     = 0x800
	pWExit      = 0x2000
	pJailed     = 0x1000000

	lwpSINTR    = 0x8 // lwp_flags: the sleep is interruptible
	lwpMPOnRunQ = 0x1 // lwp_mpflags (2011-11+): on a user scheduler run queue

	tdfRunning = 0x1  // td_flags
	tdfRunQ    = 0x2  // on an LWKT run queue
	tdfSINTR   = 0x40 // interruptible LWKT wait

	noUDev = 0xffffffff // NOUDEV = NODEV = (dev_t)-1

	pageSize = 4096 // amd64; vm_rssize and pre-2019 segment sizes count pages
	fscale   = 2048 // FSCALE = 1<<FSHIFT, FSHIFT 11 (sys/sys/param.h)
	maxSlp   = 20   // MAXSLP: seconds of sleep after which STAT says I, not S
)

// procStatName returns the kernel's name for a p_stat value.
func procStatName(s int32) string {
	switch s {
	case statSIDL:
		return "SIDL"
	case statSACTIVE:
		return "SACTIVE"
	case statSSTOP:
		return "SSTOP"
	case statSZOMB:
		return "SZOMB"
	case statSCORE:
		return "SCORE"
	}
	return fmt.Sprintf("unknown(%d)", s)
}

// lwpStatName returns the kernel's name for an lwp_stat value.
func lwpStatName(s int32) string {
	switch s {
	case lstatLSRUN:
		return "LSRUN"
	case lstatLSSTOP:
		return "LSSTOP"
	case lstatLSSLEEP:
		return "LSSLEEP"
	}
	return fmt.Sprintf("unknown(%d)", s)
}

// known reports whether a member of a record was read: the record has it
// (when it lists its members, as decoded records do; hand-made ones may not)
// and no fault names it, a struct it lies in ("vm_map" covers "vm_map.size")
// or the whole record ("*"). names are one member's names across eras
// ("p_flags", "p_flag"); the first the record has counts (a record without
// a member list has them all, and a fault on any makes it unknown). A member the
// kernel does not have (lwp_mpflags before 2011, td_comm in old kernels) is
// not known.
func known(members []string, faults []structs.Fault, names ...string) bool {
	if members == nil {
		return len(covering(faults, names...)) == 0
	}
	for _, n := range names {
		if _, ok := slices.BinarySearch(members, n); ok {
			return len(faults) == 0 || len(covering(faults, n)) == 0
		}
	}
	return false
}

// covering returns the faults that make any of the named members unknown.
func covering(faults []structs.Fault, names ...string) []structs.Fault {
	var out []structs.Fault
	for _, f := range faults {
		for _, n := range names {
			if f.Field == "*" || f.Field == n || strings.HasPrefix(n, f.Field+".") {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// devID is devid_from_dev (spec §13): the user-visible device number of a
// cdev from si_umajor/si_uminor, or from si_udev in a kernel without them
// (the 2007 seed); false for NOUDEV (a major of 256 or more, minor bits 8..15
// set, or si_udev holding NOUDEV) and for unreadable members.
func devID(c *structs.Cdev) (uint32, bool) {
	kn := func(name string) bool { return known(c.Members, c.Faults, name) }
	if !kn("si_umajor") || !kn("si_uminor") {
		// The 2007 seed: kp_tdev = si_udev.
		if !kn("si_udev") || c.UDev == noUDev {
			return 0, false
		}
		return c.UDev, true
	}
	maj, min := uint32(c.UMajor), uint32(c.UMinor)
	if maj&0xffffff00 != 0 || min&0x0000ff00 != 0 {
		return 0, false
	}
	return maj<<8 | min, true
}

// devMajorMinor splits a device number the way DragonFly userland does:
// major(x) = (x >> 8) & 0xff, minor(x) = x & 0xffff00ff.
func devMajorMinor(d uint32) (uint32, uint32) { return (d >> 8) & 0xff, d & 0xffff00ff }

func ptr[T any](v T) *T { return &v }
