//go:build !unix

package dump

import "os"

func mapFile(f *os.File, size int64) ([]byte, func() error, bool) { return nil, nil, false }
