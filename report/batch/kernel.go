package batch

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// maxKernelSize bounds the expansion of a compressed kernel: a DragonFly
// kernel with its debug information is a few hundred MB.
const maxKernelSize = 4 << 30

// kernels hands out plain kernel files: a compressed kernel (savecore -z
// writes kern.N.gz) is expanded once into a temporary directory, because the
// symbol table and DWARF readers need a seekable ELF file, and removed when
// the last job using it is done.
type kernels struct {
	tempDir string
	mu      sync.Mutex
	m       map[string]*kernel
}

type kernel struct {
	once  sync.Once
	path  string // the plain file: the original, or the expansion
	tmp   string // the temporary directory holding the expansion, if any
	err   error
	users int // jobs not yet done with it
}

func newKernels(jobs []Job, tempDir string) *kernels {
	k := &kernels{tempDir: tempDir, m: map[string]*kernel{}}
	for _, j := range jobs {
		if j.Kernel != "" && j.Err == nil {
			if k.m[j.Kernel] == nil {
				k.m[j.Kernel] = &kernel{}
			}
			k.m[j.Kernel].users++
		}
	}
	return k
}

// get returns the plain file of the kernel at path, expanding it on first use.
func (ks *kernels) get(path string) (string, error) {
	ks.mu.Lock()
	k := ks.m[path]
	ks.mu.Unlock()
	if k == nil {
		return path, nil
	}
	k.once.Do(func() { k.path, k.tmp, k.err = expandKernel(path, ks.tempDir) })
	return k.path, k.err
}

// done releases one job's use of the kernel at path.
func (ks *kernels) done(path string) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	k := ks.m[path]
	if k == nil {
		return
	}
	if k.users--; k.users <= 0 {
		if k.tmp != "" {
			os.RemoveAll(k.tmp)
		}
		delete(ks.m, path)
	}
}

// close removes every expansion left (after an interrupted batch).
func (ks *kernels) close() {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	for p, k := range ks.m {
		if k.tmp != "" {
			os.RemoveAll(k.tmp)
		}
		delete(ks.m, p)
	}
}

// expandKernel returns path itself when the file is not compressed (sniffed
// by its magic number, not its name); otherwise it expands it into a new
// temporary directory, under the name without the compression suffix, and
// returns that file and the directory.
func expandKernel(path, tempDir string) (plain, tmp string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	var zr io.Reader
	switch h := head[:n]; {
	case bytes.HasPrefix(h, []byte{0x1f, 0x8b}):
		g, err := gzip.NewReader(io.MultiReader(bytes.NewReader(h), f))
		if err != nil {
			return "", "", fmt.Errorf("%s: gzip: %w", path, err)
		}
		defer g.Close()
		zr = g
	case bytes.Equal(h, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		d, err := zstd.NewReader(io.MultiReader(bytes.NewReader(h), f), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<27))
		if err != nil {
			return "", "", fmt.Errorf("%s: zstd: %w", path, err)
		}
		defer d.Close()
		zr = d
	case bytes.HasPrefix(h, []byte("BZh")):
		zr = bzip2.NewReader(io.MultiReader(bytes.NewReader(h), f))
	default:
		return path, "", nil
	}
	dir, err := os.MkdirTemp(tempDir, "kdump-kernel-")
	if err != nil {
		return "", "", fmt.Errorf("%s: expanding: %w", path, err)
	}
	name := filepath.Base(path)
	for _, s := range []string{".gz", ".zst", ".bz2"} {
		name = strings.TrimSuffix(name, s)
	}
	plain = filepath.Join(dir, name)
	out, err := os.Create(plain)
	if err == nil {
		var n int64
		n, err = io.Copy(out, io.LimitReader(zr, maxKernelSize+1))
		if err == nil && n > maxKernelSize {
			err = fmt.Errorf("expands to more than %d bytes", int64(maxKernelSize))
		}
		err = errors.Join(err, out.Close())
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", "", fmt.Errorf("%s: expanding the compressed kernel: %w", path, err)
	}
	return plain, dir, nil
}
