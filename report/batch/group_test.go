package batch

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/report"
)

func TestNormalizePanic(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"hex address", "vm_fault: fault on nofault entry, addr: 0xfffff80123456000",
			"vm_fault: fault on nofault entry, addr: 0x<addr>"},
		{"upper-case hex", "bad page 0XDEADBEEF", "bad page 0x<addr>"},
		{"bare hex address", "page fault at ffffffff80a1b2c3 in kernel", "page fault at <addr> in kernel"},
		{"short hex word kept", "cafe beef", "cafe beef"},
		{"decimal numbers", "lwkt_switch: still holding 2 exclusive spinlocks on cpu 13",
			"lwkt_switch: still holding <n> exclusive spinlocks on cpu <n>"},
		{"long decimal is a number", "ticks 1234567890", "ticks <n>"},
		{"digits inside words kept", "ext2fs on da0s1a: x86_64 ufs2", "ext2fs on da0s1a: x86_64 ufs2"},
		{"several at once", "assertion: p->p_lock == 0 in proc_remove_zombie at 0x1f",
			"assertion: p->p_lock == <n> in proc_remove_zombie at 0x<addr>"},
		{"white space folded", "  double  fault\n\ton cpu 1 ", "double fault on cpu <n>"},
		{"control bytes escaped", "evil\x1b[2Jpanic 7", `evil\x1b[2Jpanic <n>`},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizePanic(tc.in); got != tc.want {
				t.Errorf("NormalizePanic(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestGroupKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		rep  report.Report
		want string
	}{
		{"panicstr", report.Report{Panic: &report.Panic{Message: "lockmgr: locking against myself"}},
			"lockmgr: locking against myself"},
		{"no panic", report.Report{}, GroupNoPanic},
		{"dump header when no panicstr", report.Report{Core: report.CoreInfo{DumpHeader: &report.DumpHeader{Panic: "page fault 12"}}},
			"page fault <n>"},
		{"panicstr wins over the header", report.Report{Panic: &report.Panic{Message: "a"},
			Core: report.CoreInfo{DumpHeader: &report.DumpHeader{Panic: "b"}}}, "a"},
		{"unreadable message falls back", report.Report{Panic: &report.Panic{},
			Core: report.CoreInfo{DumpHeader: &report.DumpHeader{Panic: "b"}}}, "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := GroupKey(&tc.rep); got != tc.want {
				t.Errorf("GroupKey = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGroupsWriteTo(t *testing.T) {
	var g Groups
	g.Add("b panic", "d/vmcore.5")
	g.Add(GroupNoPanic, "d/vmcore.1")
	g.Add("b panic", "d/vmcore.2")
	g.Add("a panic", "d/vmcore.3")
	g.Add(GroupError, "d/vmcore.9")
	g.Add("a panic", "d/vmcore.10")
	g.Add("c panic", "d/vmcore.4")
	var b strings.Builder
	if _, err := g.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	// Two groups of 2 (ties by message: "a" < "b"), then the groups of 1 by
	// message: "(error)" < "(no panic)" < "c panic" in byte order.
	want := `     2  a panic
        d/vmcore.10
        d/vmcore.3
     2  b panic
        d/vmcore.2
        d/vmcore.5
     1  (error)
        d/vmcore.9
     1  (no panic)
        d/vmcore.1
     1  c panic
        d/vmcore.4
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}
