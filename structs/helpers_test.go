package structs

import (
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kdump-bsd/kdump/internal/samples"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// kernelCache opens each sample kernel's DWARF once per test binary.
var kernelCache sync.Map // name → *Layouts

// kernel returns the layouts of the named sample kernel ("dfly2020").
func kernel(t testing.TB, name string) *Layouts {
	t.Helper()
	if l, ok := kernelCache.Load(name); ok {
		return l.(*Layouts)
	}
	l, err := Open(samples.Kernel(name))
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	if w := l.Warnings(); len(w) != 0 {
		t.Fatalf("Open(%s): warnings %q", name, w)
	}
	kernelCache.Store(name, l)
	return l
}

// layout returns a layout or fails the test.
func layout(t testing.TB, p Provider, name string) *Layout {
	t.Helper()
	lay, err := p.Layout(name)
	if err != nil {
		t.Fatalf("%s: Layout(%q): %v", p.Origin(), name, err)
	}
	return lay
}

// field returns a field or fails the test.
func field(t testing.TB, lay *Layout, path string) Field {
	t.Helper()
	f, err := lay.Field(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return f
}

// copyFile copies src to a new file in t.TempDir and returns its path.
func copyFile(t testing.TB, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}
