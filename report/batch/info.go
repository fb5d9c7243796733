package batch

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kdump-bsd/kdump/report"
)

// maxInfoSize bounds what is read of an info.N: savecore writes about 600
// bytes (a dozen lines of at most 192 characters each).
const maxInfoSize = 64 << 10

// ParseInfo reads savecore's info.N, the text rendering of the dump header
// that savecore(8) writes beside vmcore.N (printheader in DragonFly's and
// FreeBSD's sbin/savecore/savecore.c):
//
//	Dump header from device /dev/da0s1b
//	  Architecture: amd64
//	  ...
//	  Dumptime: Tue Mar  3 14:15:09 2020
//	  Hostname: crash1.example.org
//	  Magic: DragonFly Kern Dump
//	  Version String: DragonFly v5.8.0-RELEASE #0: ...
//	  Panic String: vm_fault: fault on nofault entry, addr: 0x...
//	  Dump Parity: 1234567
//	  Bounds: 3
//	  Dump Status: good
//
// Dumptime is ctime(3) in savecore's local time zone, which the file does not
// name: the time is returned as that wall-clock reading in UTC. ParityOK is
// "Dump Status: good" (savecore found both headers equal and the parity
// right). Unknown lines are ignored; ok is false when the file holds none of
// the lines above.
func ParseInfo(r io.Reader) (h report.DumpHeader, ok bool, err error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxInfoSize))
	for sc.Scan() {
		key, val, found := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !found {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "Dumptime":
			t, err := time.Parse(time.ANSIC, val)
			if err != nil {
				continue
			}
			h.Time, ok = t, true
		case "Hostname":
			h.Hostname, ok = val, true
		case "Version String":
			h.Version, ok = val, true
		case "Panic String":
			h.Panic, ok = val, true
		case "Dump Status":
			h.ParityOK, ok = val == "good", true
		}
	}
	return h, ok, sc.Err()
}

// readInfo parses the info file at path.
func readInfo(path string) (*report.DumpHeader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, ok, err := ParseInfo(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("%s: not a savecore info file (no Dumptime, Hostname, Version String, Panic String or Dump Status line)", path)
	}
	return &h, nil
}
