package report

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFilter(t *testing.T) {
	all := psSample() // pids 0 1 806 1234 1300 100000
	unknownUID := Proc{Addr: 0x1, PID: ptr(int32(7)), LWPs: []LWP{}}
	all = append(all, unknownUID)
	tests := []struct {
		name string
		f    ProcFilter
		want []int32
	}{
		{"nothing", ProcFilter{}, []int32{0, 1, 806, 1234, 1300, 100000, 7}},
		{"pids are alternatives", ProcFilter{PIDs: []int32{1, 806, 42}}, []int32{1, 806}},
		{"uid; unknown never matches", ProcFilter{UIDs: []uint32{0}}, []int32{0, 1}},
		{"kinds combine", ProcFilter{UIDs: []uint32{0}, PIDs: []int32{1, 806}}, []int32{1}},
		{"ruid unknown everywhere", ProcFilter{RUIDs: []uint32{0}}, nil},
		{"pgrp", ProcFilter{PGRPs: []int32{806, 1300}}, []int32{806, 1300}},
		{"sid", ProcFilter{SIDs: []int32{800}}, []int32{806}},
		{"tty full name", ProcFilter{TTYs: []string{"ttyp3"}}, []int32{806}},
		{"tty short name", ProcFilter{TTYs: []string{"p3", "v0"}}, []int32{806, 1300}},
		{"tty path", ProcFilter{TTYs: []string{"/dev/ttyv0"}}, []int32{1300}},
		{"console", ProcFilter{TTYs: []string{"co"}}, []int32{100000}},
		{"no tty", ProcFilter{TTYs: []string{"-"}}, []int32{0, 1, 1234, 7}},
		{"no tty, BSD spelling", ProcFilter{TTYs: []string{"??"}}, []int32{0, 1, 1234, 7}},
		{"only with a tty (ps without -x)", ProcFilter{TTYOnly: true}, []int32{806, 1300, 100000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int32
			for _, p := range Filter(all, tt.f) {
				got = append(got, *p.PID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Filter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTTYMatchesPTS(t *testing.T) {
	pts := Proc{TTY: ptr("pts/3")}
	for _, tt := range []struct {
		want string
		ok   bool
	}{{"3", true}, {"pts/3", true}, {"/dev/pts/3", true}, {"4", false}, {"p3", false}, {"-", false}} {
		if got := ttyMatches(tt.want, &pts); got != tt.ok {
			t.Errorf("ttyMatches(%q, pts/3) = %v, want %v", tt.want, got, tt.ok)
		}
	}
}
