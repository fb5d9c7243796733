package samples

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"flag"
	"io"
	"os"
	"testing"

	"github.com/kdump-bsd/kdump/dump"
)

var update = flag.Bool("update", false, "rewrite the shipped sample cores")

// maxShipped keeps every checked-in file well under 2 MB.
const maxShipped = 1 << 20

// TestShippedCores regenerates every shipped core from the deterministic generator
// and checks the checked-in file expands to exactly those bytes, and that kern.N
// is the sample kernel it claims to be.
func TestShippedCores(t *testing.T) {
	for _, c := range Cores() {
		t.Run(c.Path(), func(t *testing.T) {
			var raw bytes.Buffer
			if _, _, _, err := c.Generate(&raw); err != nil {
				t.Fatal(err)
			}
			kernel, err := os.ReadFile(Kernel(c.Era))
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				var z bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
				zw.Write(raw.Bytes())
				zw.Close()
				if err := os.MkdirAll(CoresDir(), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(c.Path(), z.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(c.KernelPath(), kernel, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if c.Compression != dump.Gzip {
				t.Fatalf("only gzip cores are shipped")
			}
			f, err := os.Open(c.Path())
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			defer f.Close()
			if fi, _ := f.Stat(); fi.Size() > maxShipped {
				t.Errorf("%s is %d bytes; keep shipped files under %d", c.Path(), fi.Size(), maxShipped)
			}
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			if _, err := io.Copy(h, zr); err != nil {
				t.Fatal(err)
			}
			if got, want := h.Sum(nil), sha256.Sum256(raw.Bytes()); !bytes.Equal(got, want[:]) {
				t.Errorf("%s does not expand to the generator's output (run with -update after a deliberate change)", c.Path())
			}
			shipped, err := os.ReadFile(c.KernelPath())
			if err != nil || !bytes.Equal(shipped, kernel) {
				t.Errorf("%s differs from %s (err %v)", c.KernelPath(), Kernel(c.Era), err)
			}
		})
	}
}
