package samples

import (
	"os"
	"path/filepath"
	"runtime"
)

// kernels lists the era names in chronological order. The files are
// testdata/kernels/<name>.c and the compiled testdata/kernels/kern-<name>.
var kernels = []string{
	"dfly2007",
	"dfly2009",
	"dfly2014",
	"dfly2020",
	"dfly2020opt",
}

// Kernels returns the names of the sample kernels, oldest era first
// ("dfly2007", "dfly2009", "dfly2014", "dfly2020", "dfly2020opt"). The
// slice is a fresh copy on every call.
func Kernels() []string {
	return append([]string(nil), kernels...)
}

// Root returns the root directory of the kdump module (the directory that
// holds go.mod). It is found from the location of this source file, which
// works for `go test` in any package of the module; if that fails (a binary
// built with -trimpath), it walks up from the working directory to the
// first go.mod. It returns "" if neither finds the module.
func Root() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Join(filepath.Dir(file), "..", "..")
		if isModuleRoot(dir) {
			return filepath.Clean(dir)
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; {
		if isModuleRoot(dir) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func isModuleRoot(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "go.mod"))
	return err == nil && fi.Mode().IsRegular()
}

// KernelsDir returns the directory of the sample kernels,
// <root>/testdata/kernels: the C sources, kernel.ld, build.sh, BUILDINFO
// and the compiled kern-* files.
func KernelsDir() string {
	return filepath.Join(Root(), "testdata", "kernels")
}

// Kernel returns the path of the compiled sample kernel of the named era,
// for example Kernel("dfly2020") is <root>/testdata/kernels/kern-dfly2020.
// The name is not checked against Kernels.
func Kernel(name string) string {
	return filepath.Join(KernelsDir(), "kern-"+name)
}

// Source returns the path of the C source of the named era's sample
// kernel, for example Source("dfly2020") is
// <root>/testdata/kernels/dfly2020.c.
func Source(name string) string {
	return filepath.Join(KernelsDir(), name+".c")
}
