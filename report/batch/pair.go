package batch

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Job is one core of a batch and what it is read with.
type Job struct {
	// Core is the core's path, as the argument named it or joined to the
	// directory argument; it becomes core.path of the record.
	Core string
	// Kernel is the kernel file; "" when none was found (Err says why).
	Kernel string
	// Info is savecore's info.N beside a savecore-named core, "" when absent.
	Info string
	// Key is the shard key (see Shard): the core's path relative to the
	// parent of its directory, slash-separated, e.g. "host1/vmcore.3".
	Key string
	// Size is the core file's size in bytes (for progress), 0 if unknown.
	Size int64
	// Err is set when the core cannot be analyzed at all before it is even
	// opened (no kernel found); the batch writes an error record for it.
	Err error
}

// savecore's names: vmcore.N with an optional compression suffix.
var coreSuffixes = []string{"", ".gz", ".zst", ".bz2"}

// kernelNames are the kernel files tried beside vmcore.N, in order:
// DragonFly's savecore since 2008 writes kern.N (kern.N.gz with -z); the
// savecore before it wrote kernel.N. .zst and .bz2 are accepted for corpora
// recompressed after the fact.
func kernelNames(n string) []string {
	var names []string
	for _, base := range []string{"kern.", "kernel."} {
		for _, s := range coreSuffixes {
			names = append(names, base+n+s)
		}
	}
	return names
}

// savecoreNumber returns N of "vmcore.N", "vmcore.N.gz", "vmcore.N.zst" or
// "vmcore.N.bz2"; ok is false for any other name.
func savecoreNumber(name string) (n string, ok bool) {
	rest, found := strings.CutPrefix(name, "vmcore.")
	if !found {
		return "", false
	}
	for _, s := range coreSuffixes[1:] {
		if r, cut := strings.CutSuffix(rest, s); cut {
			rest = r
			break
		}
	}
	if rest == "" || strings.Trim(rest, "0123456789") != "" {
		return "", false
	}
	return rest, true
}

// Expand turns the arguments of `kdump batch` into jobs. An argument is a
// directory (searched recursively; every savecore core in it is paired with
// the kern.N beside it), a core file, or CORE:KERNEL. kernel, when set, is
// used for every core instead of pairing. Jobs come in argument order, in
// lexical directory order and by N within a directory; a core named twice
// is kept once. The error is for arguments that name nothing and
// directories that cannot be read; a core without a kernel is a job with Err
// set, so the batch reports it and goes on.
func Expand(args []string, kernel string) ([]Job, error) {
	var jobs []Job
	seen := map[string]bool{}
	add := func(j Job) {
		if seen[j.Core] {
			return
		}
		seen[j.Core] = true
		jobs = append(jobs, j)
	}
	for _, arg := range args {
		core, kern, fi, err := splitArg(arg)
		if err != nil {
			return nil, err
		}
		if kern == "" {
			kern = kernel
		}
		if fi.IsDir() {
			if err := expandDir(arg, kern, add); err != nil {
				return nil, err
			}
			continue
		}
		j := Job{Core: core, Kernel: kern, Size: fi.Size(), Key: fileKey(core)}
		if kern == "" {
			pairSavecore(&j, filepath.Dir(core), filepath.Base(core))
		} else if n, ok := savecoreNumber(filepath.Base(core)); ok {
			j.Info = existing(filepath.Join(filepath.Dir(core), "info."+n))
		}
		add(j)
	}
	return jobs, nil
}

// splitArg resolves an argument: a path that exists, or CORE:KERNEL split at
// the last colon whose left side exists (paths may hold colons too).
func splitArg(arg string) (core, kernel string, fi fs.FileInfo, err error) {
	if fi, err = os.Stat(arg); err == nil {
		return arg, "", fi, nil
	}
	for i := strings.LastIndexByte(arg, ':'); i > 0; i = strings.LastIndexByte(arg[:i], ':') {
		if fi, err2 := os.Stat(arg[:i]); err2 == nil && !fi.IsDir() && i+1 < len(arg) {
			return arg[:i], arg[i+1:], fi, nil
		}
	}
	return "", "", nil, fmt.Errorf("%s: no such core, directory or CORE:KERNEL pair (%w)", arg, errors.Unwrap(err))
}

// expandDir adds the savecore cores under dir, recursively.
func expandDir(dir, kernel string, add func(Job)) error {
	base := parentOf(dir)
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		ents, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		type core struct {
			n    uint64
			name string
			size int64
		}
		var cores []core
		for _, e := range ents {
			n, ok := savecoreNumber(e.Name())
			if !ok || !e.Type().IsRegular() {
				continue
			}
			num, err := strconv.ParseUint(n, 10, 64)
			if err != nil {
				continue // more digits than any savecore bounds file counts
			}
			var size int64
			if fi, err := e.Info(); err == nil {
				size = fi.Size()
			}
			cores = append(cores, core{num, e.Name(), size})
		}
		slices.SortFunc(cores, func(a, b core) int {
			return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.name, b.name))
		})
		for _, c := range cores {
			j := Job{Core: filepath.Join(path, c.name), Kernel: kernel, Size: c.size, Key: dirKey(base, path, c.name)}
			if kernel == "" {
				pairSavecore(&j, path, c.name)
			} else {
				n, _ := savecoreNumber(c.name)
				j.Info = existing(filepath.Join(path, "info."+n))
			}
			add(j)
		}
		return nil
	})
}

// pairSavecore finds the kernel and info file of the core called name in dir
// by savecore's naming, or sets j.Err naming what was looked for.
func pairSavecore(j *Job, dir, name string) {
	n, ok := savecoreNumber(name)
	if !ok {
		j.Err = fmt.Errorf("%s: no kernel: the name is not savecore's vmcore.N, so no kern.N is looked for; give one with --kernel or as CORE:KERNEL", j.Core)
		return
	}
	j.Info = existing(filepath.Join(dir, "info."+n))
	names := kernelNames(n)
	for _, k := range names {
		if p := existing(filepath.Join(dir, k)); p != "" {
			j.Kernel = p
			return
		}
	}
	j.Err = fmt.Errorf("%s: no kernel: looked for %s in %s; give one with --kernel or as CORE:KERNEL", j.Core, strings.Join(names, ", "), dir)
}

// existing returns path if it names a regular file (after symlinks), else "".
func existing(path string) string {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return path
	}
	return ""
}

// parentOf is the directory whose name starts the shard keys of dir's cores:
// dir's parent, made absolute so that "." has a name.
func parentOf(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return filepath.Dir(filepath.Clean(dir))
	}
	return filepath.Dir(abs)
}

// dirKey is the shard key of the core name in path, found under a directory
// argument whose parent is base.
func dirKey(base, path, name string) string {
	abs, err := filepath.Abs(path)
	if err == nil {
		if r, err := filepath.Rel(base, abs); err == nil {
			return filepath.ToSlash(filepath.Join(r, name))
		}
	}
	return filepath.ToSlash(filepath.Join(filepath.Base(path), name))
}

// fileKey is the shard key of a core named by a file argument: its
// directory's name and its own, as if its directory had been the argument.
func fileKey(core string) string {
	dir := filepath.Dir(core)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return filepath.ToSlash(filepath.Join(filepath.Base(dir), filepath.Base(core)))
}
