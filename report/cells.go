package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kdump-bsd/kdump/dump"
)

// The cell functions render one column of one ps line, after DragonFly
// bin/ps/print.c (DragonFlyBSD/DragonFlyBSD @2c8ebde5ed). Unknown values are
// "-".

type cellFunc = func(r *psRow, o *PSOptions, width int) string

func procInt(get func(*Proc) *int32) cellFunc {
	return func(r *psRow, _ *PSOptions, _ int) string { return intText(get(r.p)) }
}

func procUint(get func(*Proc) *uint32) cellFunc {
	return func(r *psRow, _ *PSOptions, _ int) string { return intText(get(r.p)) }
}

func lwpUint(get func(*LWP) *uint32) cellFunc {
	return func(r *psRow, _ *PSOptions, _ int) string {
		if r.l == nil {
			return "-"
		}
		return intText(get(r.l))
	}
}

func intText[T int | int32 | uint32 | int64 | uint64 | uint16](v *T) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

func hexText[T uint32 | uint16](v *T) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%x", *v)
}

func cellTID(r *psRow, _ *PSOptions, _ int) string {
	if r.l == nil {
		return "-"
	}
	return intText(r.l.TID)
}

func cellFlags(r *psRow, _ *PSOptions, _ int) string { return hexText(r.p.Flags) }
func cellXStat(r *psRow, _ *PSOptions, _ int) string { return hexText(r.p.XStat) }

func cellGID(r *psRow, _ *PSOptions, _ int) string {
	if len(r.p.Groups) == 0 {
		return "-"
	}
	return strconv.FormatUint(uint64(r.p.Groups[0]), 10)
}

func cellNice(r *psRow, _ *PSOptions, _ int) string { return intText(r.p.Nice) } // NZERO is 0

// cellEstCPU is "cpu": kl_estcpu / 128 (print.c lpest).
func cellEstCPU(r *psRow, _ *PSOptions, _ int) string {
	if r.l == nil || r.l.EstCPU == nil {
		return "-"
	}
	return strconv.Itoa(int(*r.l.EstCPU / 128))
}

func cellPri(r *psRow, _ *PSOptions, _ int) string {
	if r.l == nil {
		return "-"
	}
	return intText(r.l.Prio)
}

// cellTDPri is "%2d" of td_pri, right-justified.
func cellTDPri(r *psRow, _ *PSOptions, _ int) string {
	if r.l == nil || r.l.TDPrio == nil {
		return "-"
	}
	return fmt.Sprintf("%2d", *r.l.TDPrio)
}

func addrHex(a dump.Addr) string { return strconv.FormatUint(uint64(a), 16) }

func cellPAddr(r *psRow, _ *PSOptions, _ int) string { return addrHex(r.p.Addr) }

func cellLWPAddr(r *psRow, _ *PSOptions, _ int) string {
	if r.l == nil {
		return "-"
	}
	return addrHex(r.l.Addr)
}

func cellNWChan(r *psRow, _ *PSOptions, _ int) string {
	if r.l == nil || r.l.WChan == nil {
		return "-"
	}
	return addrHex(*r.l.WChan)
}

// cellWChan is the wait message, or "-" (print.c wchan); WritePS cuts it to
// the column width (WMESGLEN, 8).
func cellWChan(r *psRow, _ *PSOptions, _ int) string {
	if r.l == nil || r.l.WMesg == nil || *r.l.WMesg == "" {
		return "-"
	}
	return Escape(*r.l.WMesg)
}

func kib(v *int64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatInt(*v/1024, 10)
}

func cellVSZ(r *psRow, _ *PSOptions, _ int) string {
	if r.p.VM == nil || r.p.VM.MapSize == nil {
		return "-"
	}
	return strconv.FormatUint(*r.p.VM.MapSize/1024, 10)
}

func cellRSS(r *psRow, _ *PSOptions, _ int) string {
	if r.p.VM == nil {
		return "-"
	}
	return kib(r.p.VM.RSS)
}

func cellTSize(r *psRow, _ *PSOptions, _ int) string {
	if r.p.VM == nil {
		return "-"
	}
	return kib(r.p.VM.TSize)
}

func cellLogin(r *psRow, _ *PSOptions, _ int) string {
	if r.p.Login == nil || *r.p.Login == "" {
		return "-"
	}
	return Escape(*r.p.Login)
}

func cellUComm(r *psRow, _ *PSOptions, _ int) string {
	if r.p.Comm == nil {
		return "-"
	}
	return Escape(*r.p.Comm)
}

// cellCommand is fmt.c fmt_argv: the arguments joined by blanks (empty ones
// skipped), followed by " (comm)" when the base name of the first differs
// from p_comm in its first MAXCOMLEN bytes; "(comm)" without arguments.
func cellCommand(r *psRow, _ *PSOptions, _ int) string {
	comm := "-"
	if r.p.Comm != nil {
		comm = *r.p.Comm
	}
	if len(r.p.Args) == 0 {
		return "(" + Escape(comm) + ")"
	}
	parts := make([]string, 0, len(r.p.Args))
	for _, a := range r.p.Args {
		if a != "" {
			parts = append(parts, Escape(a))
		}
	}
	s := strings.Join(parts, " ")
	base := r.p.Args[0]
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		base = base[i+1:]
	}
	if prefix(base, maxComLen) != prefix(comm, maxComLen) {
		s += " (" + Escape(comm) + ")"
	}
	return s
}

const maxComLen = 16 // MAXCOMLEN

func prefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// cellTT is print.c tname: the tty name without "tty", "cua" or "pts/",
// right-justified and cut to width-1, then ' ', or '-' when the session no
// longer holds the terminal (KI_CTTY clear); "??" without one. kdump prints
// the cdev's name even when its number is NOUDEV.
func cellTT(r *psRow, _ *PSOptions, width int) string {
	name := ""
	if r.p.TTY != nil {
		name = *r.p.TTY
	}
	if name == "" {
		return pad("??", width-1, false) + " "
	}
	for _, pre := range []string{"tty", "cua"} {
		if strings.HasPrefix(name, pre) {
			name = name[len(pre):]
			break
		}
	}
	name = strings.TrimPrefix(name, "pts/")
	mark := " "
	if r.p.CTTY != nil && !*r.p.CTTY {
		mark = "-"
	}
	return pad(cut(Escape(name), width-1), width-1, false) + mark
}

// cellTTY is print.c longtname: the full tty name or "??".
func cellTTY(r *psRow, _ *PSOptions, _ int) string {
	if r.p.TTY == nil || *r.p.TTY == "" {
		return "??"
	}
	return Escape(*r.p.TTY)
}

// cellTDev is print.c tdev: "major/minor", or "??" for NODEV.
func cellTDev(r *psRow, _ *PSOptions, _ int) string {
	if r.p.TDev == nil {
		return "??"
	}
	maj, min := devMajorMinor(*r.p.TDev)
	return fmt.Sprintf("%d/%d", maj, min)
}

// rowLWPs returns the LWPs a line accounts for: its own with -H, all of the
// process's otherwise.
func rowLWPs(r *psRow) []LWP {
	if r.perLWP {
		if r.l == nil {
			return nil
		}
		return []LWP{*r.l}
	}
	return r.p.LWPs
}

// cellTime is print.c cputime over td_uticks+td_sticks+td_iticks
// (microseconds).
func cellTime(r *psRow, _ *PSOptions, _ int) string {
	var us uint64
	for _, l := range rowLWPs(r) {
		if l.CPUTimeUS == nil {
			return "-"
		}
		us = addSat(us, *l.CPUTimeUS)
	}
	return cpuTime(us)
}

// cpuTime formats microseconds of CPU time as DragonFly ps does: m:ss.hh
// rounded to hundredths, h:mm:ss from 100 minutes, DdHH:MM from a day.
func cpuTime(us uint64) string {
	secs, psecs := us/1000000, us%1000000
	psecs = (psecs + 5000) / 10000
	secs += psecs / 100
	psecs %= 100
	switch {
	case secs >= 86400:
		return fmt.Sprintf("%3dd%02d:%02d", secs/86400, secs/3600%24, secs/60%60)
	case secs >= 100*60:
		return fmt.Sprintf("%2d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	}
	return fmt.Sprintf("%3d:%02d.%02d", secs/60, secs%60, psecs)
}

// cellPctCPU is 100 × lwp_pctcpu / FSCALE, "%.1f". The live ps's zero for a
// process with p_swtime 0 is not applied.
func cellPctCPU(r *psRow, _ *PSOptions, _ int) string {
	pct := 0.0
	for _, l := range rowLWPs(r) {
		if l.PctCPU == nil {
			return "-"
		}
		pct += *l.PctCPU
	}
	return fmt.Sprintf("%.1f", pct)
}

func startTime(p *Proc) (time.Time, bool) {
	if p.Start == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, *p.Start)
	return t.UTC(), err == nil
}

// cellLStart is strftime "%c" in the C locale, in UTC.
func cellLStart(r *psRow, _ *PSOptions, _ int) string {
	t, ok := startTime(r.p)
	if !ok {
		return "-"
	}
	return t.Format("Mon Jan _2 15:04:05 2006")
}

// cellStart is print.c started in the C locale (which has AM/PM): "%l:%M%p"
// within a day of PSOptions.Now, "%a%I%p" within a week, else "%e%b%y".
func cellStart(r *psRow, o *PSOptions, _ int) string {
	t, ok := startTime(r.p)
	if !ok {
		return "-"
	}
	if !o.Now.IsZero() {
		switch d := o.Now.Sub(t); {
		case d < 24*time.Hour:
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			return fmt.Sprintf("%2d:%02d%s", h, t.Minute(), t.Format("PM"))
		case d < 7*24*time.Hour:
			return t.Format("Mon03PM")
		}
	}
	return fmt.Sprintf("%2d%s%s", t.Day(), t.Format("Jan"), t.Format("06"))
}

// cellState is print.c state.
func cellState(r *psRow, _ *PSOptions, _ int) string { return stateLetters(r.p, r.l) }

// stateLetters is the STAT column of DragonFly ps (bin/ps/print.c state()):
// a state letter from p_stat and, for an active process, the LWP's state,
// followed by the LWP's CPU number, then flag letters.
func stateLetters(p *Proc, l *LWP) string {
	var b strings.Builder
	pstat := deref(p.Stat)
	switch pstat {
	case "SSTOP":
		b.WriteByte('T')
	case "SACTIVE":
		lstat := ""
		if l != nil {
			lstat = deref(l.Stat)
		}
		switch lstat {
		case "LSSLEEP":
			switch {
			case deref(l.Flags)&lwpSINTR != 0:
				if deref(l.SlpTime) >= maxSlp {
					b.WriteByte('I') // idle: asleep for 20 s or more
				} else {
					b.WriteByte('S')
				}
			case deref(l.TDFlags)&tdfSINTR != 0:
				b.WriteByte('S') // interruptible LWKT wait
			default:
				// ps prints B for an uninterruptible wait of a pure kernel
				// thread (kp_paddr 0); every dumped proc has an address.
				b.WriteByte('D')
			}
			writeCPU(&b, l)
		case "LSRUN":
			b.WriteByte('R')
			if l.TDFlags != nil && *l.TDFlags&(tdfRunning|tdfRunQ) == 0 {
				b.WriteByte('Q')
			}
			writeCPU(&b, l)
		case "LSSTOP":
			b.WriteByte('T')
		default:
			b.WriteByte('?')
		}
	case "SZOMB":
		b.WriteByte('Z')
	default:
		b.WriteByte('?')
	}

	flags := deref(p.Flags)
	if flags&pSwappedOut != 0 {
		b.WriteByte('W')
	}
	switch nice := deref(p.Nice); {
	case nice < 0:
		b.WriteByte('<')
	case nice > 0:
		b.WriteByte('N')
	}
	if flags&pTraced != 0 {
		b.WriteByte('X')
	}
	if flags&pWExit != 0 && pstat != "SZOMB" {
		b.WriteByte('E')
	}
	if flags&pPPWait != 0 {
		b.WriteByte('V')
	}
	if flags&pSystem != 0 || deref(p.Lock) > 0 {
		b.WriteByte('L')
	}
	if flags&pJailed != 0 {
		b.WriteByte('J')
	}
	if deref(p.SessionLeader) {
		b.WriteByte('s')
	}
	if flags&pControlT != 0 && p.PGID != nil && p.TPGID != nil && *p.PGID == *p.TPGID {
		b.WriteByte('+')
	}
	return b.String()
}

func writeCPU(b *strings.Builder, l *LWP) {
	if l.CPU != nil {
		b.WriteString(strconv.FormatUint(uint64(*l.CPU), 10))
	}
}

func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}
