package report

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
)

// TestEncodeMatchesEncodingJSON holds the hand-written encoder to the bytes
// encoding/json makes of the same Proc, compact and indented, over random
// processes with every pointer null or set and strings that need escaping.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		p := randomProc(r)
		for _, indent := range []bool{false, true} {
			var want []byte
			var err error
			if indent {
				want, err = json.MarshalIndent(p, "    ", "  ")
			} else {
				want, err = json.Marshal(p)
			}
			if err != nil {
				t.Fatal(err)
			}
			w := jsonw{indent: indent, prefix: "    "}
			w.proc(p)
			if diff := cmp.Diff(string(want), string(w.b)); diff != "" {
				t.Fatalf("proc %d, indent %v (-encoding/json +jsonw):\n%s", i, indent, diff)
			}
		}
	}
}

var nastyStrings = []string{"", "sh", "a\"b", `back\slash`, "<html>&", "tab\there", "nl\n", "\x00\x1f\x7f", "café", "\xff\xfe bad utf-8", "\u2028line", "ttyp0"}

func randomProc(r *rand.Rand) *Proc {
	some := func() bool { return r.IntN(3) > 0 }
	i32 := func() *int32 {
		if !some() {
			return nil
		}
		v := int32(r.Uint32())
		return &v
	}
	u32 := func() *uint32 {
		if !some() {
			return nil
		}
		v := r.Uint32()
		return &v
	}
	str := func() *string {
		if !some() {
			return nil
		}
		s := nastyStrings[r.IntN(len(nastyStrings))]
		return &s
	}
	bl := func() *bool {
		if !some() {
			return nil
		}
		v := r.IntN(2) == 0
		return &v
	}
	addr := func() *dump.Addr {
		if !some() {
			return nil
		}
		a := dump.Addr(r.Uint64())
		return &a
	}
	strs := func() []string {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		out := make([]string, 1+r.IntN(4))
		for i := range out {
			out[i] = nastyStrings[r.IntN(len(nastyStrings))]
		}
		return out
	}
	p := &Proc{Addr: dump.Addr(r.Uint64()), List: *orEmpty(str()), PID: i32(), PPID: i32(), PGID: i32(), Jobc: i32(),
		SID: i32(), SessionLeader: bl(), TPGID: i32(), TSID: i32(), TDev: u32(), TTY: str(), CTTY: bl(),
		UID: u32(), RUID: u32(), SVUID: u32(), RGID: u32(), SVGID: u32(), Comm: str(), Args: strs(),
		ArgsTruncated: r.IntN(2) == 0, Stat: str(), Flags: u32(), Lock: i32(), JailID: i32(), NThreads: i32(),
		Login: str(), Start: str()}
	if some() {
		x := uint16(r.Uint32())
		p.XStat = &x
	}
	if some() {
		n := r.IntN(41) - 20
		p.Nice = &n
	}
	switch r.IntN(3) {
	case 1:
		p.Groups = []uint32{}
	case 2:
		p.Groups = []uint32{0, 5, r.Uint32()}
	}
	if some() {
		ms, rss := r.Uint64(), int64(r.Uint64())
		p.VM = &VM{MapSize: &ms, RSS: &rss}
		if some() {
			p.VM.TSize, p.VM.DSize = &rss, &rss
		}
	}
	if r.IntN(4) > 0 {
		p.LWPs = []LWP{}
		for range r.IntN(4) {
			l := LWP{Addr: dump.Addr(r.Uint64()), TID: i32(), Stat: str(), Flags: u32(), CPU: u32(), TDPrio: i32(),
				WChan: addr(), WMesg: str(), Comm: str(), WChanSymbol: str(), MPFlags: u32(), TDFlags: u32(),
				Thread: addr(), EstCPU: i32(), SlpTime: u32()}
			if some() {
				v := r.IntN(256) - 128
				l.Prio = &v
			}
			if some() {
				v := r.Uint64()
				l.CPUTimeUS = &v
			}
			if some() {
				// FSCALE fractions, tiny and huge values (both float formats).
				vs := []float64{0, 100 * float64(r.IntN(4096)) / 2048, 1e-7, 3.5e21, -0.0, 1.0 / 3}
				v := vs[r.IntN(len(vs))]
				l.PctCPU = &v
			}
			p.LWPs = append(p.LWPs, l)
		}
	}
	if r.IntN(3) == 0 {
		p.Faults = []Fault{{Field: "ucred.cr_uid", Addr: dump.Addr(r.Uint64()), Detail: *orEmpty(str())}}
	} else if r.IntN(2) == 0 {
		p.Faults = []Fault{}
	}
	return p
}

func orEmpty(s *string) *string {
	if s == nil {
		e := ""
		return &e
	}
	return s
}

func BenchmarkEncodeProc(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	procs := make([]*Proc, 256)
	for i := range procs {
		procs[i] = randomProc(r)
	}
	b.Run("jsonw", func(b *testing.B) {
		w := jsonw{indent: true, prefix: "    "}
		i := 0
		for b.Loop() {
			w.b = w.b[:0]
			w.proc(procs[i&255])
			i++
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		i := 0
		for b.Loop() {
			json.MarshalIndent(procs[i&255], "    ", "  ")
			i++
		}
	})
}
