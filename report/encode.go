package report

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/kdump-bsd/kdump/dump"
)

// jsonw appends JSON to a buffer with exactly the bytes encoding/json writes
// (json.Marshal, or json.MarshalIndent with a prefix and a two-space indent):
// a 100,000-process report spends most of its time here, and reflection plus
// re-indenting cost ten times as much. TestEncodeMatchesEncodingJSON holds
// the two to the same bytes.
type jsonw struct {
	b      []byte
	indent bool
	prefix string
	depth  int
	first  bool // no member written yet at this depth
}

func (w *jsonw) newline() {
	if !w.indent {
		return
	}
	w.b = append(w.b, '\n')
	w.b = append(w.b, w.prefix...)
	if n := 2 * w.depth; n <= len(spaces) {
		w.b = append(w.b, spaces[:n]...)
		return
	}
	for range w.depth {
		w.b = append(w.b, "  "...)
	}
}

const spaces = "                                " // indentation for up to 16 levels

func (w *jsonw) open(c byte) {
	w.b = append(w.b, c)
	w.depth++
	w.first = true
}

func (w *jsonw) close(c byte) {
	w.depth--
	if !w.first { // empty containers stay "{}" and "[]"
		w.newline()
	}
	w.b = append(w.b, c)
	w.first = false
}

// elem starts an array element or an object member.
func (w *jsonw) elem() {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.newline()
}

func (w *jsonw) key(k string) {
	w.elem()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
	if w.indent {
		w.b = append(w.b, ' ')
	}
}

func (w *jsonw) null() { w.b = append(w.b, "null"...) }

func (w *jsonw) str(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // escapes as encoding/json does; rare
			w.b = append(w.b, b...)
			return
		}
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"')
}

func (w *jsonw) addr(a dump.Addr) {
	w.b = append(w.b, '"', '0', 'x')
	w.b = strconv.AppendUint(w.b, uint64(a), 16)
	w.b = append(w.b, '"')
}

func (w *jsonw) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

// float writes f as encoding/json's floatEncoder does for float64.
func (w *jsonw) float(f float64) {
	abs := math.Abs(f)
	fmt := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	n0 := len(w.b)
	w.b = strconv.AppendFloat(w.b, f, fmt, -1, 64)
	if fmt == 'e' { // e-09 → e-9
		b := w.b[n0:]
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			w.b = w.b[:len(w.b)-1]
		}
	}
}

func keyInt[T ~int | ~int8 | ~int16 | ~int32 | ~int64](w *jsonw, k string, v *T) {
	w.key(k)
	if v == nil {
		w.null()
		return
	}
	w.b = strconv.AppendInt(w.b, int64(*v), 10)
}

func keyUint[T ~uint8 | ~uint16 | ~uint32 | ~uint64](w *jsonw, k string, v *T) {
	w.key(k)
	if v == nil {
		w.null()
		return
	}
	w.b = strconv.AppendUint(w.b, uint64(*v), 10)
}

func (w *jsonw) keyStr(k string, v *string) {
	w.key(k)
	if v == nil {
		w.null()
		return
	}
	w.str(*v)
}

func (w *jsonw) keyBool(k string, v *bool) {
	w.key(k)
	if v == nil {
		w.null()
		return
	}
	w.bool(*v)
}

func (w *jsonw) keyAddr(k string, v *dump.Addr) {
	w.key(k)
	if v == nil {
		w.null()
		return
	}
	w.addr(*v)
}

// proc appends p as encoding/json would marshal a Proc.
func (w *jsonw) proc(p *Proc) {
	w.open('{')
	w.key("addr")
	w.addr(p.Addr)
	w.key("list")
	w.str(p.List)
	keyInt(w, "pid", p.PID)
	keyInt(w, "ppid", p.PPID)
	keyInt(w, "pgid", p.PGID)
	keyInt(w, "jobc", p.Jobc)
	keyInt(w, "sid", p.SID)
	w.keyBool("session_leader", p.SessionLeader)
	keyInt(w, "tpgid", p.TPGID)
	keyInt(w, "tsid", p.TSID)
	keyUint(w, "tdev", p.TDev)
	w.keyStr("tty", p.TTY)
	w.keyBool("ctty", p.CTTY)
	keyUint(w, "uid", p.UID)
	keyUint(w, "ruid", p.RUID)
	keyUint(w, "svuid", p.SVUID)
	keyUint(w, "rgid", p.RGID)
	keyUint(w, "svgid", p.SVGID)
	w.key("groups")
	if p.Groups == nil {
		w.null()
	} else {
		w.open('[')
		for _, g := range p.Groups {
			w.elem()
			w.b = strconv.AppendUint(w.b, uint64(g), 10)
		}
		w.close(']')
	}
	w.keyStr("comm", p.Comm)
	w.key("args")
	if p.Args == nil {
		w.null()
	} else {
		w.open('[')
		for _, a := range p.Args {
			w.elem()
			w.str(a)
		}
		w.close(']')
	}
	w.key("args_truncated")
	w.bool(p.ArgsTruncated)
	w.keyStr("stat", p.Stat)
	keyUint(w, "flags", p.Flags)
	keyInt(w, "lock", p.Lock)
	keyUint(w, "xstat", p.XStat)
	keyInt(w, "jail_id", p.JailID)
	keyInt(w, "nice", p.Nice)
	keyInt(w, "nthreads", p.NThreads)
	w.keyStr("login", p.Login)
	w.keyStr("start", p.Start)
	w.key("vm")
	if p.VM == nil {
		w.null()
	} else {
		w.open('{')
		keyUint(w, "map_size", p.VM.MapSize)
		keyInt(w, "rss", p.VM.RSS)
		keyInt(w, "tsize", p.VM.TSize)
		keyInt(w, "dsize", p.VM.DSize)
		keyInt(w, "ssize", p.VM.SSize)
		w.close('}')
	}
	w.key("lwps")
	if p.LWPs == nil {
		w.null()
	} else {
		w.open('[')
		for i := range p.LWPs {
			w.elem()
			w.lwp(&p.LWPs[i])
		}
		w.close(']')
	}
	w.key("faults")
	if p.Faults == nil {
		w.null()
	} else {
		w.open('[')
		for _, f := range p.Faults {
			w.elem()
			w.open('{')
			w.key("field")
			w.str(f.Field)
			w.key("addr")
			w.addr(f.Addr)
			w.key("detail")
			w.str(f.Detail)
			w.close('}')
		}
		w.close(']')
	}
	w.close('}')
}

func (w *jsonw) lwp(l *LWP) {
	w.open('{')
	w.key("addr")
	w.addr(l.Addr)
	keyInt(w, "tid", l.TID)
	w.keyStr("stat", l.Stat)
	keyUint(w, "flags", l.Flags)
	keyUint(w, "cpu", l.CPU)
	keyInt(w, "prio", l.Prio)
	keyInt(w, "tdprio", l.TDPrio)
	w.keyAddr("wchan", l.WChan)
	w.keyStr("wmesg", l.WMesg)
	w.keyStr("comm", l.Comm)
	w.keyStr("wchan_symbol", l.WChanSymbol)
	keyUint(w, "mpflags", l.MPFlags)
	keyUint(w, "tdflags", l.TDFlags)
	w.keyAddr("thread", l.Thread)
	keyUint(w, "cpu_time_us", l.CPUTimeUS)
	w.key("pctcpu")
	if l.PctCPU == nil {
		w.null()
	} else {
		w.float(*l.PctCPU)
	}
	keyInt(w, "estcpu", l.EstCPU)
	keyUint(w, "slptime", l.SlpTime)
	w.close('}')
}
