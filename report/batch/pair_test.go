package batch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mkfiles creates empty files (and their directories) under dir.
func mkfiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pairing is what a test checks of a job: paths relative to the test
// directory, and the start of the error.
type pairing struct {
	Core, Kernel, Info, Key, Err string
}

func pairings(t *testing.T, dir string, jobs []Job) []pairing {
	t.Helper()
	rel := func(p string) string {
		if p == "" {
			return ""
		}
		r, err := filepath.Rel(dir, p)
		if err != nil {
			t.Fatal(err)
		}
		return filepath.ToSlash(r)
	}
	var out []pairing
	for _, j := range jobs {
		p := pairing{Core: rel(j.Core), Kernel: rel(j.Kernel), Info: rel(j.Info), Key: j.Key}
		if j.Err != nil {
			p.Err = strings.ReplaceAll(j.Err.Error(), dir+string(filepath.Separator), "")
		}
		out = append(out, p)
	}
	return out
}

func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  []string
		args   []string // relative to the test directory, or with $D for it
		kernel string
		want   []pairing
	}{
		{
			name:  "savecore names, by number",
			files: []string{"crash/vmcore.10", "crash/kern.10", "crash/vmcore.2", "crash/kern.2", "crash/info.2", "crash/bounds", "crash/minfree"},
			args:  []string{"crash"},
			want: []pairing{
				{Core: "crash/vmcore.2", Kernel: "crash/kern.2", Info: "crash/info.2", Key: "crash/vmcore.2"},
				{Core: "crash/vmcore.10", Kernel: "crash/kern.10", Key: "crash/vmcore.10"},
			},
		},
		{
			name:  "compressed cores and kernels",
			files: []string{"d/vmcore.0.gz", "d/kern.0.gz", "d/vmcore.1.zst", "d/kern.1", "d/kern.1.gz", "d/vmcore.2.bz2", "d/kern.2.zst"},
			args:  []string{"d"},
			want: []pairing{
				{Core: "d/vmcore.0.gz", Kernel: "d/kern.0.gz", Key: "d/vmcore.0.gz"},
				{Core: "d/vmcore.1.zst", Kernel: "d/kern.1", Key: "d/vmcore.1.zst"}, // plain kernel preferred
				{Core: "d/vmcore.2.bz2", Kernel: "d/kern.2.zst", Key: "d/vmcore.2.bz2"},
			},
		},
		{
			name:  "old savecore's kernel.N",
			files: []string{"d/vmcore.4", "d/kernel.4.gz"},
			args:  []string{"d"},
			want:  []pairing{{Core: "d/vmcore.4", Kernel: "d/kernel.4.gz", Key: "d/vmcore.4"}},
		},
		{
			name:  "not savecore names are ignored in directories",
			files: []string{"d/vmcore.last", "d/vmcore.1.xz", "d/vmcore.", "d/vmcore.1a", "d/notes.txt", "d/vmcore.3", "d/kern.3"},
			args:  []string{"d"},
			want:  []pairing{{Core: "d/vmcore.3", Kernel: "d/kern.3", Key: "d/vmcore.3"}},
		},
		{
			name:  "missing kernel names what was looked for",
			files: []string{"d/vmcore.7", "d/kern.8"},
			args:  []string{"d"},
			want: []pairing{{Core: "d/vmcore.7", Key: "d/vmcore.7",
				Err: "d/vmcore.7: no kernel: looked for kern.7, kern.7.gz, kern.7.zst, kern.7.bz2, kernel.7, kernel.7.gz, kernel.7.zst, kernel.7.bz2 in d; give one with --kernel or as CORE:KERNEL"}},
		},
		{
			name:   "--kernel for every core",
			files:  []string{"d/vmcore.1", "d/kern.1", "d/vmcore.2", "d/info.2", "k/kernel"},
			args:   []string{"d"},
			kernel: "k/kernel",
			want: []pairing{
				{Core: "d/vmcore.1", Kernel: "k/kernel", Key: "d/vmcore.1"},
				{Core: "d/vmcore.2", Kernel: "k/kernel", Info: "d/info.2", Key: "d/vmcore.2"},
			},
		},
		{
			name:  "recursive, keys from the argument's name",
			files: []string{"all/h1/vmcore.0", "all/h1/kern.0", "all/h2/vmcore.0.gz", "all/h2/kern.0.gz"},
			args:  []string{"all"},
			want: []pairing{
				{Core: "all/h1/vmcore.0", Kernel: "all/h1/kern.0", Key: "all/h1/vmcore.0"},
				{Core: "all/h2/vmcore.0.gz", Kernel: "all/h2/kern.0.gz", Key: "all/h2/vmcore.0.gz"},
			},
		},
		{
			name:  "core file paired by its name",
			files: []string{"h1/vmcore.5.gz", "h1/kern.5", "h1/info.5"},
			args:  []string{"h1/vmcore.5.gz"},
			want:  []pairing{{Core: "h1/vmcore.5.gz", Kernel: "h1/kern.5", Info: "h1/info.5", Key: "h1/vmcore.5.gz"}},
		},
		{
			name:  "core file with another name needs a kernel",
			files: []string{"x/crash.img"},
			args:  []string{"x/crash.img"},
			want: []pairing{{Core: "x/crash.img", Key: "x/crash.img",
				Err: "x/crash.img: no kernel: the name is not savecore's vmcore.N, so no kern.N is looked for; give one with --kernel or as CORE:KERNEL"}},
		},
		{
			name:  "CORE:KERNEL",
			files: []string{"x/crash.img", "k/kernel"},
			args:  []string{"$D/x/crash.img:$D/k/kernel"},
			want:  []pairing{{Core: "x/crash.img", Kernel: "k/kernel", Key: "x/crash.img"}},
		},
		{
			name:   "CORE:KERNEL wins over --kernel",
			files:  []string{"x/vmcore.1", "k/a", "k/b"},
			args:   []string{"$D/x/vmcore.1:$D/k/b"},
			kernel: "k/a",
			want:   []pairing{{Core: "x/vmcore.1", Kernel: "k/b", Key: "x/vmcore.1"}},
		},
		{
			name:  "colon in the core's name",
			files: []string{"x/core:12:00", "k/kernel"},
			args:  []string{"$D/x/core:12:00:$D/k/kernel"},
			want:  []pairing{{Core: "x/core:12:00", Kernel: "k/kernel", Key: "x/core:12:00"}},
		},
		{
			name:  "a core named twice is kept once",
			files: []string{"d/vmcore.1", "d/kern.1"},
			args:  []string{"d", "d/vmcore.1"},
			want:  []pairing{{Core: "d/vmcore.1", Kernel: "d/kern.1", Key: "d/vmcore.1"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			mkfiles(t, dir, tc.files...)
			var args []string
			for _, a := range tc.args {
				if strings.Contains(a, "$D") { // CORE:KERNEL
					args = append(args, strings.ReplaceAll(a, "$D", dir))
				} else {
					args = append(args, filepath.Join(dir, a))
				}
			}
			kernel := ""
			if tc.kernel != "" {
				kernel = filepath.Join(dir, tc.kernel)
			}
			jobs, err := Expand(args, kernel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, pairings(t, dir, jobs)); diff != "" {
				t.Errorf("Expand (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpandMissingArgument(t *testing.T) {
	dir := t.TempDir()
	for _, arg := range []string{"nothing", "nothing:kernel"} {
		_, err := Expand([]string{filepath.Join(dir, arg)}, "")
		if err == nil || !strings.Contains(err.Error(), "no such core, directory or CORE:KERNEL pair") {
			t.Errorf("Expand(%q) error = %v, want no such core", arg, err)
		}
	}
}

// TestShardKeyIndependentOfMountPoint checks that the same corpus under two
// different roots gives the same keys.
func TestShardKeyIndependentOfMountPoint(t *testing.T) {
	var keys [2][]string
	for i, root := range []string{"mnt/nfs", "data"} {
		dir := t.TempDir()
		mkfiles(t, dir, root+"/crashes/h1/vmcore.0", root+"/crashes/h1/kern.0", root+"/crashes/h2/vmcore.3.gz")
		jobs, err := Expand([]string{filepath.Join(dir, root, "crashes")}, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			keys[i] = append(keys[i], j.Key)
		}
	}
	want := []string{"crashes/h1/vmcore.0", "crashes/h2/vmcore.3.gz"}
	for i := range keys {
		if diff := cmp.Diff(want, keys[i]); diff != "" {
			t.Errorf("keys under root %d (-want +got):\n%s", i, diff)
		}
	}
}
