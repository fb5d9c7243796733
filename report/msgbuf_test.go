package report

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/internal/samples"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/symtab"
)

// The expectations below come from the generator's model (Machine.MsgbufLog,
// every byte the kernel wrote, in order) and from the rules of spec §14.2 and
// sbin/dmesg/dmesg.c, written line by line rather than as dmesg's state
// machine, so that a slip in either shows as a difference.

// modelText is what dmesg reads, from the log: the old format reads the whole
// ring from the write pointer, which is the last msg_size bytes written (all of
// them while the buffer has not filled); the 2015 format reads from msg_bufr,
// but only the newest msg_size−2048 bytes once more than msg_size−1024 are
// pending.
func msgModelText(mc *dumptest.Machine) []byte {
	log, size := mc.MsgbufLog, int(mc.MsgbufDataLen)
	if mc.MsgbufMagic == dumptest.MsgOldMagic {
		if len(log) > size {
			return log[len(log)-size:]
		}
		return log
	}
	pending := log[mc.MsgBufr:]
	if len(pending) > size-1024 {
		pending = log[len(log)-(size-2048):]
	}
	return pending
}

// msgVisModel spells the bytes the test messages use the way vis(3) with
// VIS_NOSLASH prints them in the C locale (DragonFlyBSD lib/libc/gen/vis.c).
var msgVisModel = map[byte]string{
	0x01: "^A", 0x07: "^G", 0x0d: "^M", 0x1b: "^[", 0x1f: "^_", 0x7f: "^?",
	0x80: "M^@", 0x8a: "M^J", 0xa0: `\240`, 0xa1: "M-!", 0xc3: "M-C", 0xe9: "M-i",
	0xfe: "M-~", 0xff: "M^?",
}

func msgVis(t *testing.T, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch v, ok := msgVisModel[c]; {
		case ok:
			b.WriteString(v)
		case c >= ' ' && c < 0x7f || c == '\t':
			b.WriteByte(c)
		default:
			t.Fatalf("test message byte %#x has no expected vis spelling", c)
		}
	}
	return b.String()
}

// modelLines applies dmesg's line rules to text: a line starting "<N>" loses
// the prefix when N's facility (N>>3) is LOG_KERN (0) and is dropped
// otherwise; -a keeps everything.
func msgModelLines(t *testing.T, text []byte, all bool) []string {
	out := []string{}
	if len(text) == 0 {
		return out
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		if !all && strings.HasPrefix(line, "<") {
			end := strings.IndexByte(line, '>')
			if end < 0 {
				continue
			}
			pri, err := strconv.Atoi(line[1:end])
			if err != nil {
				t.Fatalf("test message %q: priority is not a number", line)
			}
			if pri>>3 != 0 {
				continue
			}
			line = line[end+1:]
		}
		out = append(out, msgVis(t, line))
	}
	return out
}

// sample builds a machine of era, lets mutate change it, and opens it written
// as format f.
func msgSample(t *testing.T, era string, f dump.Format, cfg dumptest.SampleConfig, mutate func(*dumptest.Machine)) (*dumptest.Machine, *dump.Core, *symtab.Table, structs.Provider) {
	t.Helper()
	kern := samples.Kernel(era)
	mc, err := dumptest.Sample(kern, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(mc)
	}
	var buf bytes.Buffer
	if _, err := mc.Memory.Write(&buf, f, mc.WriteOptions()); err != nil {
		t.Fatal(err)
	}
	tab, err := symtab.Open(kern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tab.Close() })
	core, err := dump.New(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "vmcore-"+era, dump.WithSymbols(tab.Resolver()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	lay, err := structs.Open(kern)
	if err != nil {
		t.Fatal(err)
	}
	return mc, core, tab, lay
}

// baseLogLen is the length of the boot messages of era with no extra lines.
func msgBaseLogLen(t *testing.T, era string) int {
	mc, err := dumptest.Sample(samples.Kernel(era), dumptest.SampleConfig{MsgbufSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	return len(mc.MsgbufLog)
}

// Test message lines: kernel lines, syslog lines of other facilities, bytes
// vis(3) must escape.
var msgSpecialLines = []string{
	"<6>kernel info through log(9)",
	"<13>user.notice from syslogd",
	"<28>daemon.warning line",
	"<0>kern.emerg line",
	"ctl \x01\x07\x0d\x1b\x1f\x7f high \x80\x8a\xa0\xa1\xc3\xe9\xfe\xff back\\slash\ttab",
	"a <not> prefix mid-line",
}

// configs returns the sample configurations of the model tests for era: a
// fresh buffer, one with more than msg_size−1024 bytes that has not wrapped,
// and one that wrapped twice.
func msgConfigs(t *testing.T, era string) map[string]dumptest.SampleConfig {
	const area = 8192
	size := area - 32
	base := msgBaseLogLen(t, era)
	nearFull := []string{strings.Repeat("n", size-512-base-1)} // total = size−512
	var wrapped []string
	for i := 0; len(wrapped)*40 < 2*size+3000; i++ {
		wrapped = append(wrapped, fmt.Sprintf("line %04d of the wrapped buffer ......", i))
		if i%7 == 0 {
			wrapped = append(wrapped, msgSpecialLines[i/7%len(msgSpecialLines)])
		}
	}
	return map[string]dumptest.SampleConfig{
		"fresh":     {Seed: 1, MsgbufSize: area, Messages: msgSpecialLines, Panic: "test panic"},
		"near-full": {Seed: 2, MsgbufSize: area, Messages: nearFull},
		"wrapped":   {Seed: 3, MsgbufSize: area, Messages: wrapped, Panic: "after wrapping"},
	}
}

// TestReadMsgbufModel reads the buffer of every era and state through kernel
// memory and compares text and lines with the model.
func TestReadMsgbufModel(t *testing.T) {
	eras := []struct {
		era     string
		formats []dump.Format
		old     bool
	}{
		{"dfly2009", []dump.Format{dump.MinidumpV1, dump.ELFFull}, true},
		{"dfly2007", []dump.Format{dump.ELFFull}, true},
		{"dfly2014", []dump.Format{dump.MinidumpDragonFlyV2, dump.ELFFull}, false},
		{"dfly2020", []dump.Format{dump.MinidumpDragonFlyV2, dump.ELFFull}, false},
		{"dfly2020opt", []dump.Format{dump.MinidumpDragonFlyV2}, false},
	}
	for _, e := range eras {
		for name, cfg := range msgConfigs(t, e.era) {
			for _, f := range e.formats {
				t.Run(fmt.Sprintf("%s/%s/%v", e.era, name, f), func(t *testing.T) {
					mc, core, tab, lay := msgSample(t, e.era, f, cfg, nil)
					if got := mc.MsgbufMagic == dumptest.MsgOldMagic; got != e.old {
						t.Fatalf("generator wrote magic %#x, want the old format %v", mc.MsgbufMagic, e.old)
					}
					wrapped := uint64(len(mc.MsgbufLog)) > mc.MsgbufDataLen
					if wrapped != (name == "wrapped") {
						t.Fatalf("log of %d bytes, msg_size %d: wrapped is %v", len(mc.MsgbufLog), mc.MsgbufDataLen, wrapped)
					}
					mb, ws := ReadMsgbuf(core, tab, lay, CoreSection(core))
					if mb == nil || len(ws) != 0 {
						t.Fatalf("ReadMsgbuf = %+v, warnings %+v", mb, ws)
					}
					st := dump.Addr(mc.MsgbufStruct)
					if mb.Source != "memory" || mb.Addr == nil || *mb.Addr != st || mb.Header == nil ||
						mb.Header.Magic != mc.MsgbufMagic || uint64(mb.Header.Size) != mc.MsgbufDataLen ||
						mb.Header.Bufx != mc.MsgBufx || mb.Header.Bufr != mc.MsgBufr || mb.Header.Ptr != dump.Addr(mc.MsgbufArea) ||
						(mb.Header.Bufl != nil) == e.old || mb.Lost != 0 {
						t.Errorf("msgbuf = %+v header %+v, want struct at %v, model %#x/%d/%d/%d", mb, mb.Header, st, mc.MsgbufMagic, mc.MsgbufDataLen, mc.MsgBufx, mc.MsgBufr)
					}
					want := msgModelText(mc)
					if diff := cmp.Diff(string(want), string(mb.Text)); diff != "" {
						t.Fatalf("text (-want +got):\n%s", diff)
					}
					for _, all := range []bool{false, true} {
						if diff := cmp.Diff(msgModelLines(t, want, all), DmesgLines(mb.Text, all)); diff != "" {
							t.Errorf("lines all=%v (-want +got):\n%s", all, diff)
						}
					}
					if cfg.Panic != "" {
						tail := Tail(DmesgLines(mb.Text, false), 4)
						if tail[0] != "panic: "+cfg.Panic {
							t.Errorf("tail 4 = %q, want the panic first", tail)
						}
					}
				})
			}
		}
	}
}

// ring is the data area as the kernel left it: byte j of the log at offset
// j mod size, the last write winning.
func msgRing(mc *dumptest.Machine) []byte {
	r := make([]byte, mc.MsgbufDataLen)
	for j, c := range mc.MsgbufLog {
		r[uint64(j)%mc.MsgbufDataLen] = c
	}
	return r
}

func msgNonNUL(b []byte) []byte { return bytes.ReplaceAll(b, []byte{0}, nil) }

func msgPut32(t *testing.T, mc *dumptest.Machine, va uint64, v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	if err := mc.Memory.WriteVirt(va, b[:]); err != nil {
		t.Fatal(err)
	}
}

func msgPut64(t *testing.T, mc *dumptest.Machine, va, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	if err := mc.Memory.WriteVirt(va, b[:]); err != nil {
		t.Fatal(err)
	}
}

func msgMember(t *testing.T, lay structs.Provider, name string) uint64 {
	l, err := lay.Layout("msgbuf")
	if err != nil {
		t.Fatal(err)
	}
	off, err := l.Offset(name)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(off)
}

// TestReadMsgbufHostile damages msgbufp, the struct and the area: the reader
// must fall back to the minidump's section (saying so), or give up with a
// warning, and never read more than the dump holds.
func TestReadMsgbufHostile(t *testing.T) {
	lay2020, err := structs.Open(samples.Kernel("dfly2020"))
	if err != nil {
		t.Fatal(err)
	}
	lay2009, err := structs.Open(samples.Kernel("dfly2009"))
	if err != nil {
		t.Fatal(err)
	}
	member := func(lay structs.Provider, name string, v uint32) func(*testing.T, *dumptest.Machine) {
		return func(t *testing.T, mc *dumptest.Machine) {
			msgPut32(t, mc, mc.MsgbufStruct+msgMember(t, lay, name), v)
		}
	}
	pointer := func(v uint64) func(*testing.T, *dumptest.Machine) {
		return func(t *testing.T, mc *dumptest.Machine) { msgPut64(t, mc, mc.Symbols["msgbufp"], v) }
	}
	const unmapped = 0xffff900000000000
	fresh := dumptest.SampleConfig{Seed: 5, MsgbufSize: 8192, Messages: msgSpecialLines}
	var many []string
	for i := 0; i < 500; i++ {
		many = append(many, fmt.Sprintf("message %d fills the buffer", i))
	}
	wrapped := dumptest.SampleConfig{Seed: 6, MsgbufSize: 8192, Messages: many}

	// want names the expected text: "model" (modelText), "log" (the whole log,
	// for a buffer that never wrapped) or "ring" (buffer order).
	tests := []struct {
		name    string
		era     string
		format  dump.Format
		cfg     dumptest.SampleConfig
		mutate  func(*testing.T, *dumptest.Machine)
		want    string   // "" when ReadMsgbuf must return nil
		source  string   // "memory" or "section"
		warns   []string // substrings, one per warning, in order
		noIndex bool     // the text came without a header
	}{
		{"bad magic, minidump", "dfly2020", dump.MinidumpDragonFlyV2, fresh, member(lay2020, "msg_magic", 0xdeadbeef),
			"log", "section", []string{"magic 0xdeadbeef, want 0x63064 or 0x63062", "read from the minidump's msgbuf section (8160 bytes), not through msgbufp"}, true},
		{"bad magic, full dump", "dfly2020", dump.ELFFull, fresh, member(lay2020, "msg_magic", 0),
			"", "", []string{"magic 0x0", "no msgbuf section"}, false},
		{"msg_size huge", "dfly2020", dump.MinidumpDragonFlyV2, fresh, member(lay2020, "msg_size", 0xfffffff0),
			"log", "section", []string{"msg_size 4294967280 is implausible", "msgbuf section"}, true},
		{"msg_size zero", "dfly2009", dump.MinidumpV1, fresh, member(lay2009, "msg_size", 0),
			"log", "section", []string{"msg_size 0 is implausible", "msgbuf section"}, true},
		{"old msg_bufx out of range", "dfly2009", dump.ELFFull, fresh, member(lay2009, "msg_bufx", 9000),
			"log", "memory", []string{"msg_bufx 9000 is not below msg_size 8160; reading from offset 0"}, false},
		{"new msg_bufr past msg_bufx", "dfly2020", dump.ELFFull, fresh, func(t *testing.T, mc *dumptest.Machine) {
			msgPut32(t, mc, mc.MsgbufStruct+msgMember(t, lay2020, "msg_bufr"), mc.MsgBufx+100)
		}, "log", "memory", nil, false}, // n wraps: dmesg's clip reads the newest msg_size−2048 bytes
		// The section ends with the struct msgbuf (dump.Core.Msgbuf returns the
		// page-rounded section): its indices are used when msgbufp is not.
		{"msgbufp NULL, minidump", "dfly2020", dump.MinidumpDragonFlyV2, fresh, pointer(0),
			"log", "section", []string{"msgbufp is NULL", "msgbuf section (8160 bytes) and the struct msgbuf at its end"}, false},
		{"msgbufp NULL, wrapped minidump", "dfly2020", dump.MinidumpDragonFlyV2, wrapped, pointer(0),
			"model", "section", []string{"msgbufp is NULL", "and the struct msgbuf at its end"}, false},
		{"msgbufp NULL, full dump", "dfly2009", dump.ELFFull, fresh, pointer(0),
			"", "", []string{"msgbufp is NULL", "no msgbuf section"}, false},
		{"msgbufp unmapped, minidump", "dfly2009", dump.MinidumpV1, fresh, pointer(unmapped),
			"log", "section", []string{"cannot read struct msgbuf at 0xffff900000000000", "msgbuf section"}, false},
		{"msgbufp unreadable", "dfly2020", dump.MinidumpDragonFlyV2, fresh, func(t *testing.T, mc *dumptest.Machine) {
			mc.Memory.Exclude(mc.MsgbufPA + mc.MsgbufDataLen) // the struct's page
		}, "log", "section", []string{"cannot read struct msgbuf", "msgbuf section"}, false},
		{"msg_ptr unmapped, full dump", "dfly2020", dump.ELFFull, fresh, func(t *testing.T, mc *dumptest.Machine) {
			msgPut64(t, mc, mc.MsgbufStruct+msgMember(t, lay2020, "msg_ptr"), unmapped)
		}, "", "", []string{"none of the", "no msgbuf section"}, false},
		{"msg_ptr unmapped, minidump: the section fills in", "dfly2020", dump.MinidumpDragonFlyV2, wrapped, func(t *testing.T, mc *dumptest.Machine) {
			msgPut64(t, mc, mc.MsgbufStruct+msgMember(t, lay2020, "msg_ptr"), unmapped)
		}, "model", "memory", nil, false},
		{"area pages not dumped: the section fills in", "dfly2009", dump.MinidumpV1, wrapped, func(t *testing.T, mc *dumptest.Machine) {
			mc.Memory.Exclude(mc.MsgbufPA) // the first of the two; the other holds the struct
		}, "model", "memory", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mc, core, tab, lay := msgSample(t, tc.era, tc.format, tc.cfg, func(mc *dumptest.Machine) { tc.mutate(t, mc) })
			mb, ws := ReadMsgbuf(core, tab, lay, CoreSection(core))
			msgCheckWarnings(t, ws, tc.warns)
			if tc.want == "" {
				if mb != nil {
					t.Fatalf("ReadMsgbuf = %+v, want nil", mb)
				}
				return
			}
			if mb == nil {
				t.Fatal("ReadMsgbuf = nil")
			}
			want := map[string][]byte{"model": msgModelText(mc), "log": mc.MsgbufLog, "ring": msgNonNUL(msgRing(mc))}[tc.want]
			if diff := cmp.Diff(string(want), string(mb.Text)); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
			if mb.Source != tc.source || (mb.Header == nil) != tc.noIndex || mb.Lost != 0 {
				t.Errorf("source %q header %+v lost %d, want %q (no header %v)", mb.Source, mb.Header, mb.Lost, tc.source, tc.noIndex)
			}
		})
	}
}

func msgCheckWarnings(t *testing.T, ws []Warning, want []string) {
	t.Helper()
	if len(ws) != len(want) {
		t.Errorf("%d warnings %+v, want %d: %q", len(ws), ws, len(want), want)
		return
	}
	for i, w := range ws {
		if !strings.Contains(w.Message, want[i]) {
			t.Errorf("warning %d = %q, want it to say %q", i, w.Message, want[i])
		}
	}
}

// TestReadMsgbufGaps leaves pages of the area out of the dump with no section
// to fill them: their bytes are missing from the text, each stretch named in
// a fault warning, the rest in order.
func TestReadMsgbufGaps(t *testing.T) {
	var many []string
	for i := 0; i < 900; i++ {
		many = append(many, fmt.Sprintf("message %d fills the buffer", i))
	}
	for _, era := range []string{"dfly2009", "dfly2020"} {
		t.Run(era, func(t *testing.T) {
			f := map[string]dump.Format{"dfly2009": dump.MinidumpV1, "dfly2020": dump.MinidumpDragonFlyV2}[era]
			cfg := dumptest.SampleConfig{Seed: 7, MsgbufSize: 5 * dump.PageSize, Messages: many}
			// Two contiguous pages of the ring (not the last page, which holds
			// the struct) that the read does not start in: one gap.
			var p1, p2 uint64
			mc, core, tab, lay := msgSample(t, era, f, cfg, func(mc *dumptest.Machine) {
				first := uint64(len(mc.MsgbufLog) - len(msgModelText(mc)))
				p1 = 0
				if sp := first % mc.MsgbufDataLen / dump.PageSize; sp < 2 {
					// pages sp+1 and sp+2 are at most page 3

					p1 = sp + 1
				}
				p2 = p1 + 1
				mc.Memory.Exclude(mc.MsgbufPA + p1*dump.PageSize)
				mc.Memory.Exclude(mc.MsgbufPA + p2*dump.PageSize)
			})
			mb, ws := ReadMsgbuf(core, tab, lay, Section{})
			if mb == nil {
				t.Fatalf("nil, warnings %+v", ws)
			}
			// The model: the bytes dmesg reads, minus those whose ring offset
			// lies in an excluded page.
			size := mc.MsgbufDataLen
			text := msgModelText(mc)
			first := uint64(len(mc.MsgbufLog) - len(text)) // log index of text[0]
			var want []byte
			lost, lo, hi := uint64(0), size, uint64(0) // lost bytes and their ring offsets
			for i, c := range text {
				if off := (first + uint64(i)) % size; off/dump.PageSize == p1 || off/dump.PageSize == p2 {
					lost++
					lo, hi = min(lo, off), max(hi, off+1)
					continue
				}
				want = append(want, c)
			}
			if diff := cmp.Diff(string(want), string(mb.Text)); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
			gapStart, gapEnd := dump.Addr(mc.MsgbufArea+lo), dump.Addr(mc.MsgbufArea+hi)
			if lost == 0 || mb.Lost != lost || len(ws) != 1 || ws[0].Kind != WarnFault || ws[0].Addr == nil || *ws[0].Addr != gapStart ||
				!strings.Contains(ws[0].Message, fmt.Sprintf("[%v, %v)", gapStart, gapEnd)) {
				t.Errorf("lost %d (want %d), warnings %+v, want one fault at %v", mb.Lost, lost, ws, gapStart)
			}
		})
	}
}

// TestReadMsgbufSectionTrailer gives the section the way the minidump writer
// saves it, round_page(msg_size) bytes whose tail is the struct msgbuf: with
// msgbufp unusable, the indices come from there and the text is exact even
// for a wrapped buffer.
func TestReadMsgbufSectionTrailer(t *testing.T) {
	var many []string
	for i := 0; i < 500; i++ {
		many = append(many, fmt.Sprintf("<%d>message %d fills the buffer", i%3*8, i))
	}
	for _, era := range []string{"dfly2009", "dfly2014", "dfly2020"} {
		t.Run(era, func(t *testing.T) {
			cfg := dumptest.SampleConfig{Seed: 8, MsgbufSize: 8192, Messages: many}
			mc, core, tab, lay := msgSample(t, era, dump.MinidumpV1, cfg, func(mc *dumptest.Machine) {
				msgPut64(t, mc, mc.Symbols["msgbufp"], 0)
			})
			area, err := mc.Memory.ReadPhys(mc.MsgbufPA, 8192)
			if err != nil {
				t.Fatal(err)
			}
			mb, ws := ReadMsgbuf(core, tab, lay, Section{Data: area, Size: mc.MsgbufDataLen})
			msgCheckWarnings(t, ws, []string{"msgbufp is NULL", "msgbuf section (8160 bytes) and the struct msgbuf at its end"})
			if mb == nil || mb.Source != "section" || mb.Header == nil || mb.Header.Bufx != mc.MsgBufx {
				t.Fatalf("ReadMsgbuf = %+v", mb)
			}
			if diff := cmp.Diff(string(msgModelText(mc)), string(mb.Text)); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(msgModelLines(t, msgModelText(mc), false), DmesgLines(mb.Text, false)); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadMsgbufNoLayout: without struct layouts the section is all there is.
func TestReadMsgbufNoLayout(t *testing.T) {
	mc, core, tab, _ := msgSample(t, "dfly2020", dump.MinidumpDragonFlyV2, dumptest.SampleConfig{Seed: 9, MsgbufSize: 8192}, nil)
	mb, ws := ReadMsgbuf(core, tab, nil, CoreSection(core))
	msgCheckWarnings(t, ws, []string{"cannot decode struct msgbuf: no struct layouts", "msgbuf section"})
	if mb == nil || string(mb.Text) != string(mc.MsgbufLog) {
		t.Errorf("ReadMsgbuf = %+v", mb)
	}
}

// TestSpan checks the index rules on hand-computed values (spec §14.2).
func TestMsgbufSpan(t *testing.T) {
	const size = 65504
	tests := []struct {
		name     string
		h        MsgbufHeader
		start, n uint32
	}{
		{"new, fresh", MsgbufHeader{Magic: MsgMagic, Size: size, Bufx: 1000}, 0, 1000},
		{"new, read base", MsgbufHeader{Magic: MsgMagic, Size: size, Bufx: 1000, Bufr: 400}, 400, 600},
		{"new, at the clip limit", MsgbufHeader{Magic: MsgMagic, Size: size, Bufx: size - 1024}, 0, size - 1024},
		{"new, past it: newest size-2048", MsgbufHeader{Magic: MsgMagic, Size: size, Bufx: size - 1023}, 1025, size - 2048},
		{"new, wrapped", MsgbufHeader{Magic: MsgMagic, Size: size, Bufx: 3*size + 10, Bufr: 2*size + 2058}, 2058, size - 2048},
		{"new, indices across 2^32", MsgbufHeader{Magic: MsgMagic, Size: size, Bufx: 5, Bufr: 0xfffffff0}, 0xfffffff0 % size, 21},
		{"new, read base past write", MsgbufHeader{Magic: MsgMagic, Size: size, Bufx: 10, Bufr: 20}, (10 - size + 2048 + 1<<32) % size, size - 2048},
		{"new, tiny size: no clip, one ring's worth", MsgbufHeader{Magic: MsgMagic, Size: 100, Bufx: 5000}, 0, 100},
		{"old, fresh", MsgbufHeader{Magic: MsgOldMagic, Size: size, Bufx: 1000}, 1000, size},
		{"old, wrapped", MsgbufHeader{Magic: MsgOldMagic, Size: size, Bufx: 77, Bufr: 78}, 77, size},
		{"old, bufx out of range", MsgbufHeader{Magic: MsgOldMagic, Size: size, Bufx: size}, 0, size},
	}
	for _, tc := range tests {
		start, n := tc.h.span()
		if start != tc.start || n != tc.n {
			t.Errorf("%s: span = %d, %d; want %d, %d", tc.name, start, n, tc.start, tc.n)
		}
	}
}
