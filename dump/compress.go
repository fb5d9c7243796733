package dump

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
)

// sniffCompression recognizes gzip, zstd and bzip2 by their magic numbers.
func sniffCompression(r io.ReaderAt) Compression {
	var h [10]byte
	n, _ := r.ReadAt(h[:], 0)
	b := h[:n]
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b, 0x08}):
		return Gzip
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return Zstd
	case len(b) >= 10 && bytes.HasPrefix(b, []byte("BZh")) && b[3] >= '1' && b[3] <= '9' &&
		(bytes.Equal(b[4:10], []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}) || bytes.Equal(b[4:10], []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90})):
		return Bzip2
	}
	return NoCompression
}

// maxZstdWindow is the largest zstd window accepted: 128 MiB, the reference
// decoder's default limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27).
const maxZstdWindow = 1 << 27

// zstdWindow is the largest window a frame may declare: the decoder allocates it
// up front, so a few hostile bytes could otherwise claim 512 MiB. No window need
// be larger than the whole expansion may be.
func zstdWindow(o *options) uint64 {
	return uint64(max(zstd.MinWindowSize, min(maxZstdWindow, o.maxDecompressed)))
}

// errTooBig stops expansion beyond the configured limit.
var errTooBig = errors.New("expanded size exceeds the limit")

// decompress expands r into a temporary file that is unlinked at once, so nothing is
// left behind even if the process dies. Only one level is expanded.
func decompress(r io.ReaderAt, name string, comp Compression, o *options) (*os.File, int64, error) {
	src := io.NewSectionReader(r, 0, 1<<62)
	var zr io.Reader
	switch comp {
	case Gzip:
		g, err := gzip.NewReader(src)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: gzip header: %w", name, err)
		}
		defer g.Close()
		zr = g
	case Zstd:
		win := zstdWindow(o)
		d, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(win), zstd.WithDecoderMaxWindow(win))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: zstd: %w", name, err)
		}
		defer d.Close()
		zr = d
	case Bzip2:
		zr = bzip2.NewReader(src)
	}
	tf, err := os.CreateTemp(o.tempDir, "kdump-*.core")
	if err != nil {
		return nil, 0, fmt.Errorf("%s: expanding %s dump: %w", name, comp, err)
	}
	if err := os.Remove(tf.Name()); err != nil { // not possible everywhere; then remove on close
		defer func() { _ = os.Remove(tf.Name()) }()
	}
	n, err := io.Copy(tf, &limitedReader{r: zr, n: o.maxDecompressed})
	if err == nil && n == 0 {
		err = errors.New("no data")
	}
	if err != nil {
		tf.Close()
		if errors.Is(err, errTooBig) {
			return nil, 0, fmt.Errorf("%s: %s dump expands to more than %d bytes (raise the limit to read it)", name, comp, o.maxDecompressed)
		}
		if comp == Zstd && (errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded)) {
			return nil, 0, fmt.Errorf("%s: zstd frame after %d expanded bytes declares a window larger than the %d bytes allowed (zstd's default limit, or the expansion limit); expand it with zstd -d --memory=… first", name, n, zstdWindow(o))
		}
		return nil, 0, fmt.Errorf("%s: expanding %s dump after %d bytes: %w", name, comp, n, err)
	}
	return tf, n, nil
}

type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 { // at the limit: only the end of the stream may follow
		var one [1]byte
		for range 100 {
			k, err := l.r.Read(one[:])
			if k > 0 {
				return 0, errTooBig
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, io.ErrNoProgress
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
