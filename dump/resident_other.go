//go:build !linux

package dump

const residentSupported = false

func residentFileBytes() (int64, bool) { return 0, false }

func dropResident([]byte) {}
