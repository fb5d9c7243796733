package main

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/dump/dumptest"
	"github.com/kdump-bsd/kdump/internal/samples"
)

// dmesgModel is what `kdump dmesg` must print for a machine, from the
// generator's log (spec §14.2): the old format shows the last msg_size bytes
// written, the 2015 format the bytes since msg_bufr, cut to the newest
// msg_size−2048 when more than msg_size−1024 are pending; a line "<N>…" loses
// its prefix when N's facility is LOG_KERN and is dropped otherwise, unless
// all. The test messages are printable, so vis(3) changes nothing.
func dmesgModel(t *testing.T, mc *dumptest.Machine, all bool) string {
	t.Helper()
	log, size := string(mc.MsgbufLog), int(mc.MsgbufDataLen)
	switch {
	case mc.MsgbufMagic == dumptest.MsgOldMagic && len(log) > size:
		log = log[len(log)-size:]
	case mc.MsgbufMagic == dumptest.MsgMagic && len(log)-int(mc.MsgBufr) > size-1024:
		log = log[len(log)-(size-2048):]
	case mc.MsgbufMagic == dumptest.MsgMagic:
		log = log[mc.MsgBufr:]
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		if !all && strings.HasPrefix(line, "<") {
			end := strings.IndexByte(line, '>')
			pri, err := strconv.Atoi(line[1:max(end, 1)])
			if end < 0 || err != nil {
				t.Fatalf("test message %q has a malformed priority", line)
			}
			if pri>>3 != 0 {
				continue
			}
			line = line[end+1:]
		}
		for _, c := range []byte(line) {
			if (c < ' ' && c != '\t') || c >= 0x7f {
				t.Fatalf("test message %q is not printable", line)
			}
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func lastLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	lines = lines[:len(lines)-1] // after the final newline
	return strings.Join(lines[max(len(lines)-n, 0):], "")
}

// TestDmesgShippedCores checks every shipped core against its model, then
// against a golden.
func TestDmesgShippedCores(t *testing.T) {
	for _, c := range samples.Cores() {
		t.Run(fmt.Sprint(c.N), func(t *testing.T) {
			mc, _, err := c.Machine()
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"dmesg", "-M", rel(c.Path()), "-N", rel(c.KernelPath())}
			out, errs, st := kdump(t, args...)
			if st != exitOK || errs != "" {
				t.Fatalf("status %d, stderr %q", st, errs)
			}
			if diff := cmp.Diff(dmesgModel(t, mc, false), out); diff != "" {
				t.Fatalf("dmesg (-model +got):\n%s", diff)
			}
			golden(t, fmt.Sprintf("dmesg-%d.txt", c.N), out)

			all, _, st := kdump(t, append(args, "-a")...)
			if diff := cmp.Diff(dmesgModel(t, mc, true), all); st != exitOK || diff != "" {
				t.Errorf("-a: status %d (-model +got):\n%s", st, diff)
			}
			tail, _, st := kdump(t, append(args, "--tail", "4")...)
			if want := lastLines(dmesgModel(t, mc, false), 4); st != exitOK || tail != want {
				t.Errorf("--tail 4: status %d, %q, want %q", st, tail, want)
			}
			if c.Config.Panic != "" && !strings.HasPrefix(tail, "panic: "+c.Config.Panic+"\n") {
				t.Errorf("--tail 4 = %q, want the panic line first", tail)
			}
		})
	}
}

// wrappedMachine is a machine of era whose 8 KiB message buffer wrapped
// about three times, with syslog lines of several facilities.
func wrappedMachine(t *testing.T, era string, mutate func(*dumptest.Machine)) *dumptest.Machine {
	t.Helper()
	var msgs []string
	for i := 0; i < 600; i++ {
		switch i % 10 {
		case 3:
			msgs = append(msgs, fmt.Sprintf("<13>syslogd: user message %d", i))
		case 6:
			msgs = append(msgs, fmt.Sprintf("<6>kernel log(9) message %d", i))
		default:
			msgs = append(msgs, fmt.Sprintf("da%d: <VBOX HARDDISK 1.0> fixed direct access, %d", i%4, i))
		}
	}
	mc, err := dumptest.Sample(samples.Kernel(era), dumptest.SampleConfig{
		Seed: 44, MsgbufSize: 8192, Messages: msgs, Panic: "page fault while in kernel mode"})
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(mc.MsgbufLog)) < 2*mc.MsgbufDataLen {
		t.Fatalf("log of %d bytes does not wrap a %d-byte buffer twice", len(mc.MsgbufLog), mc.MsgbufDataLen)
	}
	if mutate != nil {
		mutate(mc)
	}
	return mc
}

func writeCore(t *testing.T, mc *dumptest.Machine, f dump.Format) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := mc.WriteAll(dir, f); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, dumptest.FileName(f, dump.NoCompression))
}

// TestDmesgWrapped: a wrapped buffer of each format, minidump and full dump,
// against the model and a golden.
func TestDmesgWrapped(t *testing.T) {
	for _, tc := range []struct {
		era     string
		formats []dump.Format
	}{
		{"dfly2009", []dump.Format{dump.MinidumpV1, dump.ELFFull}},          // old format: indices mod size
		{"dfly2020", []dump.Format{dump.MinidumpDragonFlyV2, dump.ELFFull}}, // 2015 format
	} {
		mc := wrappedMachine(t, tc.era, nil)
		for _, f := range tc.formats {
			t.Run(fmt.Sprintf("%s/%v", tc.era, f), func(t *testing.T) {
				out, errs, st := kdump(t, "dmesg", "-M", writeCore(t, mc, f), "-N", samples.Kernel(tc.era))
				if st != exitOK || errs != "" {
					t.Fatalf("status %d, stderr %q", st, errs)
				}
				if diff := cmp.Diff(dmesgModel(t, mc, false), out); diff != "" {
					t.Fatalf("dmesg (-model +got):\n%s", diff)
				}
				golden(t, fmt.Sprintf("dmesg-wrapped-%s.txt", tc.era), out)
			})
		}
	}
}

// TestDmesgFallback: msgbufp NULL. A minidump still has its msgbuf section
// (status 1, a warning saying so); a full dump has nothing (status 2).
func TestDmesgFallback(t *testing.T) {
	null := func(mc *dumptest.Machine) {
		var zero [8]byte
		binary.LittleEndian.PutUint64(zero[:], 0)
		if err := mc.Memory.WriteVirt(mc.Symbols["msgbufp"], zero[:]); err != nil {
			t.Fatal(err)
		}
	}
	mc, err := dumptest.Sample(samples.Kernel("dfly2020"), dumptest.SampleConfig{Seed: 45, Panic: "not wrapped"})
	if err != nil {
		t.Fatal(err)
	}
	null(mc)
	kern := samples.Kernel("dfly2020")
	out, errs, st := kdump(t, "dmesg", "-M", writeCore(t, mc, dump.MinidumpDragonFlyV2), "-N", kern)
	if st != exitPartial || !strings.Contains(errs, "warning: msgbufp is NULL") ||
		!strings.Contains(errs, "warning: message buffer read from the minidump's msgbuf section") {
		t.Errorf("minidump: status %d, stderr %q", st, errs)
	}
	if diff := cmp.Diff(dmesgModel(t, mc, false), out); diff != "" {
		t.Errorf("minidump (-model +got):\n%s", diff)
	}

	out, errs, st = kdump(t, "dmesg", "-M", writeCore(t, mc, dump.ELFFull), "-N", kern)
	if st != exitFail || out != "" || !strings.Contains(errs, "no message buffer could be read") {
		t.Errorf("full dump: status %d, stdout %q, stderr %q", st, out, errs)
	}

	// A wrapped buffer without msgbufp: the section ends with the struct
	// msgbuf (the whole page-rounded section, dump.Core.Msgbuf), so its
	// indices put the text in order.
	wm := wrappedMachine(t, "dfly2020", null)
	out, errs, st = kdump(t, "dmesg", "-M", writeCore(t, wm, dump.MinidumpDragonFlyV2), "-N", kern)
	if st != exitPartial || !strings.Contains(errs, "and the struct msgbuf at its end") {
		t.Errorf("wrapped minidump: status %d, stderr %q", st, errs)
	}
	if diff := cmp.Diff(dmesgModel(t, wm, false), out); diff != "" {
		t.Errorf("wrapped minidump (-model +got):\n%s", diff)
	}
}

func TestDmesgUsage(t *testing.T) {
	c := samples.Cores()[0]
	core, kern := rel(c.Path()), rel(c.KernelPath())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tail", "-1", "-M", core, "-N", kern}, "--tail -1: want a line count of 0 or more"},
		{[]string{"-M", core, "-N", kern, "extra"}, `unexpected arguments ["extra"]`},
		{[]string{"-N", kern}, "need -M CORE and -N KERNEL"},
		{[]string{"--tail", "x"}, "invalid argument"},
	} {
		out, errs, st := kdump(t, append([]string{"dmesg"}, tc.args...)...)
		if st != exitFail || out != "" || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: status %d, stdout %q, stderr %q; want status 2 and %q", tc.args, st, out, errs, tc.want)
		}
	}
}
