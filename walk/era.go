package walk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
)

// ErrNoProcList is wrapped by the error DetectEra returns when the kernel has
// none of the process lists kdump knows, or no LWP container.
var ErrNoProcList = errors.New("no process list")

// MaxHashSize caps allproc_hsize whatever the dump and the symbol table say
// (DragonFly has always used 256).
const MaxHashSize = 65536

// vmSegBytesSince is the date of DragonFly 4b5665564e, which made
// vm_tsize/vm_dsize/vm_ssize count bytes (spec §10.11).
var vmSegBytesSince = time.Date(2019, 2, 16, 0, 0, 0, 0, time.UTC)

// maxVersion bounds the version string read from the dump.
const maxVersion = 1024

// DetectEra finds where a kernel keeps its processes and LWPs (spec §8), in
// this order:
//
//   - procglob: symbols procglob and allproc_hsize and struct procglob with
//     an allproc member; head i at procglob + i*sizeof(struct procglob) +
//     offsetof(struct procglob, allproc), both from the layouts;
//   - allprocs: symbols allprocs and allproc_hsize; head i at allprocs + 8*i;
//   - allproc+zombproc: symbols allproc and zombproc, one head each.
//
// The number of hash heads is allproc_hsize as read from the dump, except
// that it never goes past the array: when the symbol table gives the array's
// size, the heads walked are exactly its elements (the kernel hashes with the
// compile-time ALLPROC_HSIZE, the variable exists only for libkvm), and a
// disagreeing allproc_hsize is reported as a Limit anomaly in Era.Anomalies;
// without a size, allproc_hsize is used up to MaxHashSize. When allproc_hsize
// cannot be read from the dump, the initial value in the kernel file is used
// if syms can read data (as *symtab.Table can), with a Fault anomaly.
//
// The LWP container is p_lwp_tree (red-black tree) when struct proc has it,
// else the p_lwps LIST. VMSegBytes comes from the build date in version
// (read from the dump's `version` when version is ""): on or after
// 2019-02-16. When no date can be parsed it is guessed from the era
// (procglob kernels count bytes, older ones pages), and BuildDate is zero.
//
// An error (wrapping ErrNoProcList) lists what was looked for and found when
// no list is complete.
func DetectEra(syms Symbols, dec *structs.Decoder, r dump.Reader, version string) (Era, error) {
	lk := dec.Links()
	var e Era
	if lk.ProcListNext < 0 || lk.ProcListPrev < 0 {
		return e, fmt.Errorf("%w: struct proc has no p_list.le_next/le_prev", ErrNoProcList)
	}
	switch {
	case lk.ProcLWPTreeRoot >= 0 && lk.LWPRBLeft >= 0 && lk.LWPRBRight >= 0 && lk.LWPRBParent >= 0:
		e.LWPs = LWPTree
	case lk.ProcLWPListFirst >= 0 && lk.LWPListNext >= 0 && lk.LWPListPrev >= 0:
		e.LWPs = LWPList
	default:
		return e, fmt.Errorf("%w: no LWP container: looked for proc.p_lwp_tree.rbh_root with lwp.u.lwp_rbnode.rbe_left/rbe_right/rbe_parent, and proc.p_lwps.lh_first with lwp.lwp_list.le_next/le_prev", ErrNoProcList)
	}

	var found []string
	look := func(name string) (sym symbolInfo, ok bool) {
		s, ok := syms.Lookup(name)
		if ok {
			found = append(found, name)
		}
		return symbolInfo{name, dump.Addr(s.Value), s.Size}, ok
	}
	hsizeSym, haveHsize := look("allproc_hsize")
	pg, havePG := look("procglob")
	aps, haveAPs := look("allprocs")
	ap, haveAP := look("allproc")
	zp, haveZP := look("zombproc")
	procglobOK := lk.ProcglobSize > 0 && lk.ProcglobAllproc >= 0 && lk.ProcglobAllproc+8 <= lk.ProcglobSize
	switch {
	case havePG && haveHsize && procglobOK:
		e.ProcList = Procglob
		n := e.hashSize(syms, r, hsizeSym, pg, lk.ProcglobSize)
		e.Heads = ArrayHeads("procglob", pg.addr, lk.ProcglobSize, "allproc", lk.ProcglobAllproc, n)
	case haveAPs && haveHsize:
		e.ProcList = Allprocs
		n := e.hashSize(syms, r, hsizeSym, aps, 8)
		e.Heads = ArrayHeads("allprocs", aps.addr, 8, "", 0, n)
	case haveAP && haveZP:
		e.ProcList = AllprocZombproc
		e.Heads = []Head{{Name: "allproc", Addr: ap.addr}, {Name: "zombproc", Addr: zp.addr}}
	default:
		if havePG && !procglobOK {
			found = append(found, "(no struct procglob with member allproc in the layouts)")
		}
		f := "none of them"
		if len(found) > 0 {
			f = strings.Join(found, ", ")
		}
		return Era{}, fmt.Errorf("%w: looked for symbols procglob+allproc_hsize (with struct procglob.allproc), allprocs+allproc_hsize, allproc+zombproc; found %s", ErrNoProcList, f)
	}
	if e.ProcList != AllprocZombproc && len(e.Heads) == 0 {
		return Era{}, fmt.Errorf("%w: %s: allproc_hsize unreadable and the array's size unknown", ErrNoProcList, e.ProcList)
	}

	if version == "" {
		if s, ok := syms.Lookup("version"); ok {
			version, _, _ = dump.ReadCString(r, dump.Addr(s.Value), maxVersion)
		}
	}
	if d, ok := BuildDate(version); ok {
		e.BuildDate = d
		e.VMSegBytes = !d.Before(vmSegBytesSince)
	} else {
		e.VMSegBytes = e.ProcList == Procglob
	}
	return e, nil
}

type symbolInfo struct {
	name string
	addr dump.Addr
	size uint64
}

// dataReader is implemented by symbol tables that can read the kernel
// file's initialized data (*symtab.Table).
type dataReader interface {
	ReadData(addr uint64, n int) ([]byte, error)
}

// hashSize returns how many heads of the array arr (elements of elem bytes)
// to walk, and records allproc_hsize and any disagreement in e.
func (e *Era) hashSize(syms Symbols, r dump.Reader, hsize, arr symbolInfo, elem int64) int {
	count := 0 // the array's element count, when the symbol table knows it
	if arr.size > 0 {
		count = int(min(arr.size/uint64(elem), MaxHashSize))
	}
	v, err := dump.ReadU32(r, hsize.addr)
	if err != nil {
		e.note(Fault, hsize.addr, "cannot read allproc_hsize at %v: %v", hsize.addr, err)
		d, ok := syms.(dataReader)
		if !ok {
			return count
		}
		b, err := d.ReadData(uint64(hsize.addr), 4)
		if err != nil || len(b) < 4 {
			return count
		}
		v = binary.LittleEndian.Uint32(b)
		e.note(Fault, hsize.addr, "using allproc_hsize %d from the kernel file", int32(v))
	}
	n := int(int32(v))
	e.HashSize = n
	switch {
	case count > 0 && n != count:
		e.note(Limit, hsize.addr, "allproc_hsize is %d, but %s has %d entries (%d bytes / %d): walking all %d", n, arr.name, count, arr.size, elem, count)
		return count
	case count > 0:
		return count
	case n <= 0:
		e.note(Limit, hsize.addr, "allproc_hsize is %d and the size of %s is unknown: no heads to walk", n, arr.name)
		return 0
	case n > MaxHashSize:
		e.note(Limit, hsize.addr, "allproc_hsize is %d, more than the %d heads kdump walks; the size of %s is unknown", n, MaxHashSize, arr.name)
		return MaxHashSize
	}
	return n
}

func (e *Era) note(k Kind, a dump.Addr, format string, args ...any) {
	e.Anomalies = append(e.Anomalies, Anomaly{Kind: k, Addr: a, Message: fmt.Sprintf(format, args...)})
}

// The build date in a version string: "… #0: Fri Jul 24 18:41:07 PDT 2020".
var versionDateRE = regexp.MustCompile(`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +[0-9]{1,2}) +[0-9]{1,2}:[0-9]{2}:[0-9]{2} +(?:[A-Za-z][A-Za-z0-9+-]* +)?([0-9]{4})\b`)

// BuildDate returns the build date (UTC midnight; the time and zone are
// dropped) recorded in a kernel version string such as "DragonFly
// v5.9.0.733.gf875a8-DEVELOPMENT #0: Fri Jul 24 18:41:07 PDT 2020".
func BuildDate(version string) (time.Time, bool) {
	m := versionDateRE.FindStringSubmatch(version)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse("Jan 2 2006", strings.Join(strings.Fields(m[1]), " ")+" "+m[2])
	return t, err == nil
}
