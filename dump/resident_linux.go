package dump

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

const residentSupported = true

// residentFileBytes returns the process's resident file-backed and shared
// memory (the third field of /proc/self/statm, in pages).
func residentFileBytes() (int64, bool) {
	var buf [128]byte
	f, err := os.Open("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	n, _ := f.Read(buf[:])
	f.Close()
	fields := bytes.Fields(buf[:n])
	if len(fields) < 3 {
		return 0, false
	}
	pages, err := strconv.ParseInt(string(fields[2]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}

// dropResident drops the mapping's pages from the process. The mapping is a
// read-only MAP_SHARED file mapping, so nothing is lost: the next access
// faults the page back in from the page cache.
func dropResident(b []byte) { _ = unix.Madvise(b, unix.MADV_DONTNEED) }
