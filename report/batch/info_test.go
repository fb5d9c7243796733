package batch

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/report"
)

// savecoreInfo is an info.N as DragonFly's savecore printheader() writes it;
// the version string carries its own newlines (newvers.sh), so its second
// line starts with four spaces.
const savecoreInfo = `Dump header from device /dev/serno/WD-1234.s1b
  Architecture: x86_64
  Architecture Version: 2
  Dump Length: 1073741824B (1024 MB)
  Blocksize: 512
  Dumptime: Tue Mar  3 14:15:09 2020
  Hostname: build1.example.org
  Magic: DragonFly Kern Dump
  Version String: DragonFly v5.8.0-RELEASE #0: Tue Mar  3 10:00:00 UTC 2020
    root@build1:/usr/obj/usr/src/sys/X86_64_GENERIC
  Panic String: vm_fault: fault on nofault entry, addr: 0xfffff80123456000
  Dump Parity: 3735928559
  Bounds: 3
  Dump Status: good
`

func TestParseInfo(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		want   report.DumpHeader
		wantOK bool
	}{
		{"savecore", savecoreInfo, report.DumpHeader{
			Hostname: "build1.example.org",
			Time:     time.Date(2020, 3, 3, 14, 15, 9, 0, time.UTC),
			Version:  "DragonFly v5.8.0-RELEASE #0: Tue Mar  3 10:00:00 UTC 2020",
			Panic:    "vm_fault: fault on nofault entry, addr: 0xfffff80123456000",
			ParityOK: true,
		}, true},
		{"bad dump, no panic", "  Panic String: \n  Dump Status: bad\n", report.DumpHeader{}, true},
		{"unparsable time is left out", "  Dumptime: yesterday\n  Hostname: h\n", report.DumpHeader{Hostname: "h"}, true},
		{"not an info file", "hello\nworld\n", report.DumpHeader{}, false},
		{"empty", "", report.DumpHeader{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := ParseInfo(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.wantOK {
				t.Errorf("ok = %v, want %v", ok, tc.wantOK)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseInfo (-want +got):\n%s", diff)
			}
		})
	}
}
