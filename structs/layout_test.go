package structs

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kdump-bsd/kdump/internal/samples"
)

// goldenStructs are the layouts of kern-dfly2020 kept as goldens.
var goldenStructs = []string{
	"proc", "lwp", "thread", "ucred", "session", "pgrp", "tty", "cdev",
	"vmspace", "msgbuf", "procglob",
}

// TestGolden compares Layout.String of kern-dfly2020's structures with
// testdata/golden/dfly2020/*.txt (rewrite with -update). The goldens are
// themselves checked against the spec by TestSpec2020.
func TestGolden(t *testing.T) {
	l := kernel(t, "dfly2020")
	for _, name := range goldenStructs {
		t.Run(name, func(t *testing.T) {
			got := layout(t, l, name).String()
			path := filepath.Join("testdata", "golden", "dfly2020", name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		})
	}
}

// cAsserts extracts the offset and size assertions of a sample kernel's C
// source: CHECK_OFF/OPT_OFF(s, path, n), CHECK_SIZE/OPT_SIZE(s, n) and the
// spelled-out _Static_assert(offsetof(struct s, path) == n) and
// _Static_assert(sizeof(((struct s *)0)->path) == n) forms. Assertions
// inside "#ifdef __i386__" blocks are skipped (they describe i386).
func cAsserts(t *testing.T, file, macroPrefix string) (offs map[string]int64, sizes map[string]int64) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	skip := 0
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, "#ifdef __i386__"):
			skip++
		case skip > 0 && strings.HasPrefix(line, "#if"):
			skip++
		case skip > 0 && strings.HasPrefix(line, "#endif"):
			skip--
		case skip == 0:
			kept = append(kept, line)
		}
	}
	text := strings.Join(kept, "\n")
	offs, sizes = map[string]int64{}, map[string]int64{}
	num := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, m := range regexp.MustCompile(`(?m)^`+macroPrefix+`_OFF\((\w+), ([\w.]+), (\d+)\);`).FindAllStringSubmatch(text, -1) {
		offs[m[1]+"."+m[2]] = num(m[3])
	}
	for _, m := range regexp.MustCompile(`(?m)^`+macroPrefix+`_SIZE\((\w+), (\d+)\);`).FindAllStringSubmatch(text, -1) {
		sizes[m[1]] = num(m[2])
	}
	for _, m := range regexp.MustCompile(`(?m)^_Static_assert\(offsetof\(struct (\w+), ([\w.]+)\) == (\d+)`).FindAllStringSubmatch(text, -1) {
		offs[m[1]+"."+m[2]] = num(m[3])
	}
	for _, m := range regexp.MustCompile(`(?m)^_Static_assert\(sizeof\(struct (\w+)\) == (\d+)`).FindAllStringSubmatch(text, -1) {
		sizes[m[1]] = num(m[2])
	}
	for _, m := range regexp.MustCompile(`(?m)^_Static_assert\(sizeof\(\(\(struct (\w+) \*\)0\)->([\w.]+)\) == (\d+)`).FindAllStringSubmatch(text, -1) {
		sizes[m[1]+"."+m[2]] = num(m[3])
	}
	return offs, sizes
}

// TestCSourceAssertions cross-checks the DWARF with the compile-time
// assertions of every sample kernel's C source (the build fails if one of
// them does not hold, so they describe the compiled layout).
func TestCSourceAssertions(t *testing.T) {
	cases := []struct {
		kernel, src, prefix string
		min                 int
	}{
		{"dfly2020", "dfly2020.c", "CHECK", 120},
		{"dfly2020opt", "dfly2020opt.c", "OPT", 25},
		{"dfly2014", "dfly2014.c", "CHECK", 4},
		{"dfly2009", "dfly2009.c", "CHECK", 4},
		{"dfly2007", "dfly2007.c", "CHECK", 8},
	}
	for _, c := range cases {
		t.Run(c.kernel, func(t *testing.T) {
			l := kernel(t, c.kernel)
			offs, sizes := cAsserts(t, filepath.Join(samples.KernelsDir(), c.src), c.prefix)
			if n := len(offs) + len(sizes); n < c.min {
				t.Fatalf("found only %d assertions in %s", n, c.src)
			}
			for k, want := range offs {
				s, p, _ := cutPath(k)
				if got := field(t, layout(t, l, s), p).Offset; got != want {
					t.Errorf("offsetof(struct %s, %s) = %d, C source asserts %d", s, p, got, want)
				}
			}
			for k, want := range sizes {
				s, p, member := cutPath(k)
				var got int64
				if member {
					got = field(t, layout(t, l, s), p).Size
				} else {
					got = layout(t, l, s).Size
				}
				if got != want {
					t.Errorf("sizeof %s = %d, C source asserts %d", k, got, want)
				}
			}
		})
	}
}

// TestOptKernelDiffers shows that kern-dfly2020opt (the 2020 kernel built
// with debug options) has different offsets for the members kdump reads
// most, and that DWARF gives the right ones. The expected values are the
// OPT_OFF assertions of testdata/kernels/dfly2020opt.c, confirmed once with
// gdb on the compiled file:
//
//	gdb -batch -ex 'print (int)&((struct proc*)0)->p_comm' … kern-dfly2020opt
//	→ p_comm 936, p_pid 108, lwp_tid 88, td_comm 424 (kern-dfly2020: 920, 92, 72, 408)
//
// (16 bytes of p_debug_*/lwp_debug_*/td_crit_debug_* members are inserted
// after p_fd, lwp_procq and td_sleepq respectively.)
func TestOptKernelDiffers(t *testing.T) {
	std, opt := kernel(t, "dfly2020"), kernel(t, "dfly2020opt")
	cases := []struct {
		strct, path      string
		std, opt, moveBy int64
	}{
		{"proc", "p_comm", 920, 936, 16},
		{"proc", "p_pid", 92, 108, 16},
		{"lwp", "lwp_tid", 72, 88, 16},
		{"thread", "td_comm", 408, 424, 16},
		{"lwp", "u.lwp_rbnode.rbe_left", 16, 32, 16},
		{"proc", "p_lwp_tree.rbh_root", 1064, 1080, 16},
		{"proc", "p_list.le_next", 0, 0, 0},
		{"ucred", "cr_uid", 64, 64, 0},
	}
	for _, c := range cases {
		s := field(t, layout(t, std, c.strct), c.path).Offset
		o := field(t, layout(t, opt, c.strct), c.path).Offset
		if s != c.std || o != c.opt || o-s != c.moveBy {
			t.Errorf("%s.%s: dfly2020 %d (want %d), dfly2020opt %d (want %d)", c.strct, c.path, s, c.std, o, c.opt)
		}
	}
	if a, b := layout(t, std, "proc").Size, layout(t, opt, "proc").Size; a != 1312 || b != 1328 {
		t.Errorf("sizeof(struct proc) = %d / %d, want 1312 / 1328", a, b)
	}
	// The 2020 profile is therefore wrong for this kernel: it must not be
	// mistaken for DWARF.
	p, _ := ProfileByName("dragonfly-2020")
	if field(t, layout(t, p, "proc"), "p_comm").Offset == field(t, layout(t, opt, "proc"), "p_comm").Offset {
		t.Error("the 2020 profile matches the opt kernel's p_comm")
	}
}

// TestProfilesMatchDWARF proves each built-in profile equal, member by
// member, to the DWARF of the sample kernel it describes (kern-dfly2020);
// the only allowed difference is the one the spec states (§19.1:
// sizeof(struct globaldata) is 14784 in 5.8).
func TestProfilesMatchDWARF(t *testing.T) {
	l := kernel(t, "dfly2020")
	for _, p := range Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			structs := p.Structs()
			if len(structs) < 16 {
				t.Fatalf("profile has %d structs", len(structs))
			}
			n := 0
			for _, s := range structs {
				pl := layout(t, p, s)
				dl := layout(t, l, s)
				want := dl.Size
				if p == profileDF58 && s == "struct globaldata" {
					want = 14784
				}
				if pl.Kind != dl.Kind {
					t.Errorf("%s: kind %v, DWARF %v", s, pl.Kind, dl.Kind)
				}
				if tableSize(p, pl.Name) != 0 && pl.Size != want {
					t.Errorf("%s: size %d, DWARF %d", s, pl.Size, want)
				}
				for _, pf := range pl.Fields {
					df, err := dl.Field(pf.Path)
					if err != nil {
						t.Errorf("%v", err)
						continue
					}
					n++
					type cmpField struct {
						Offset, Size       int64
						Type               Type
						BitOffset, BitSize int
					}
					if diff := cmp.Diff(
						cmpField{df.Offset, df.Size, df.Type, df.BitOffset, df.BitSize},
						cmpField{pf.Offset, pf.Size, pf.Type, pf.BitOffset, pf.BitSize}); diff != "" {
						t.Errorf("%s.%s (-dwarf +profile):\n%s", s, pf.Path, diff)
					}
				}
			}
			if n < 150 {
				t.Errorf("compared only %d members", n)
			}
		})
	}
}

// tableSize returns the sizeof a profile's table gives for a struct (0 when
// the spec gives none).
func tableSize(p *Profile, name string) int64 {
	for _, s := range p.table {
		if s.name == name {
			return s.size
		}
	}
	return -1
}

// TestProfileReadsAreComplete checks that the 2020 profile lists every
// member libkvm's dead-kernel path reads (spec §9.4 read table, §10) and
// the ones kdump adds (p_args, pargs, procglob, msgbuf, pcb_cr3).
func TestProfileReadsAreComplete(t *testing.T) {
	need := map[string][]string{
		"proc":       {"p_list.le_next", "p_ucred", "p_pgrp", "p_pptr", "p_sigacts", "p_flags", "p_vmspace", "p_pid", "p_oppid", "p_stat", "p_comm", "p_nice", "p_lwp_tree.rbh_root", "p_args", "p_nthreads", "p_start", "p_ru", "p_cru", "p_siglist", "p_xstat", "p_acflag", "p_lock", "p_swtime", "p_traceflag", "p_fd"},
		"lwp":        {"lwp_proc", "lwp_thread", "lwp_tid", "lwp_stat", "lwp_flags", "lwp_mpflags", "u.lwp_rbnode.rbe_left", "u.lwp_rbnode.rbe_right", "u.lwp_rbnode.rbe_parent", "lwp_usdata.bsd4.priority", "lwp_usdata.bsd4.batch", "lwp_usdata.bsd4.estcpu", "lwp_cpticks", "lwp_pctcpu", "lwp_slptime", "lwp_ru", "lwp_siglist", "lwp_sigmask", "lwp_rtprio", "lwp_lock"},
		"thread":     {"td_gd", "td_wmesg", "td_wchan", "td_comm", "td_pri", "td_flags", "td_uticks", "td_sticks", "td_iticks", "td_start"},
		"globaldata": {"gd_cpuid"},
		"pgrp":       {"pg_session", "pg_id", "pg_jobc"},
		"session":    {"s_ttyp", "s_leader", "s_sid", "s_login"},
		"tty":        {"t_dev", "t_pgrp", "t_session"},
		"cdev":       {"si_umajor", "si_uminor", "si_name"},
		"ucred":      {"cr_uid", "cr_ruid", "cr_svuid", "cr_rgid", "cr_svgid", "cr_ngroups", "cr_groups", "cr_prison"},
		"prison":     {"pr_id"},
		"vmspace":    {"vm_map.size", "vm_pmap.pm_stats.resident_count", "vm_tsize", "vm_dsize", "vm_ssize", "vm_swrss"},
		"sigacts":    {"ps_sigignore", "ps_sigcatch", "ps_flag"},
		"pargs":      {"ar_length", "ar_args"},
		"procglob":   {"allproc.lh_first"},
		"msgbuf":     {"msg_magic", "msg_size", "msg_bufx", "msg_bufr", "msg_ptr"},
		"pcb":        {"pcb_cr3"},
	}
	for _, p := range Profiles() {
		for s, paths := range need {
			lay := layout(t, p, s)
			for _, path := range paths {
				if !lay.Has(path) {
					t.Errorf("%s: %s has no %s", p.Name, s, path)
				}
			}
		}
	}
}

func TestSelect(t *testing.T) {
	v2020 := "DragonFly v5.9.0.733.gf875a8-DEVELOPMENT #0: Fri Jul 24 18:41:07 PDT 2020\n    root@x:/usr/obj/usr/src/sys/X86_64_GENERIC\n"
	cases := []struct {
		name, osrelease, version, want string
	}{
		{"5.8 release", "5.8-RELEASE", "DragonFly v5.8.3-RELEASE #1: Thu Sep 24 10:11:12 PDT 2020\n", "dragonfly-5.8"},
		{"5.8 no version", "5.8-RELEASE", "", "dragonfly-5.8"},
		{"sample kernel", "5.9-DEVELOPMENT", v2020, "dragonfly-2020"},
		{"5.9 one-digit day", "5.9-DEVELOPMENT", "DragonFly v5.9.0-DEVELOPMENT #2: Mon Nov  2 01:02:03 UTC 2020\n", "dragonfly-2020"},
		{"5.9 after the callout rewrite", "5.9-DEVELOPMENT", "DragonFly v5.9.0-DEVELOPMENT #2: Mon Nov 16 01:02:03 UTC 2020\n", ""},
		{"5.9 without date", "5.9-DEVELOPMENT", "DragonFly v5.9.0", ""},
		{"6.0", "6.0-RELEASE", "DragonFly v6.0.0-RELEASE #0: Mon May 10 00:00:00 PDT 2021\n", ""},
		{"6.4", "6.4-RELEASE", "", ""},
		{"4.6", "4.6-RELEASE", "", ""},
		{"freebsd", "13.2-RELEASE", "FreeBSD 13.2-RELEASE releng/13.2-n254617", ""},
		{"garbage", "\x00\xff", "", ""},
		{"empty", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Select(c.osrelease, c.version)
			if c.want == "" {
				if err == nil || !errors.Is(err, ErrNoProfile) {
					t.Fatalf("Select = %v, %v; want an ErrNoProfile error", p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != c.want {
				t.Errorf("Select = %s, want %s", p.Name, c.want)
			}
		})
	}
	// The sample kernel's own strings select the profile tested against it.
	src, err := os.ReadFile(samples.Source("dfly2020"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), `char osrelease[] = "5.9-DEVELOPMENT";`) || !strings.Contains(string(src), "Fri Jul 24 18:41:07 PDT 2020") {
		t.Error("dfly2020.c's osrelease/version changed; update TestSelect")
	}
}

func TestProfileByName(t *testing.T) {
	for _, name := range []string{"dragonfly-2020", "DragonFly-2020", "dragonfly-5.9", "dfly2020", "dragonfly-5.8"} {
		if _, err := ProfileByName(name); err != nil {
			t.Errorf("ProfileByName(%q): %v", name, err)
		}
	}
	_, err := ProfileByName("dragonfly-6.4")
	if !errors.Is(err, ErrNoProfile) || !strings.Contains(err.Error(), "dragonfly-2020") {
		t.Errorf("unknown profile: %v; want ErrNoProfile listing the known names", err)
	}
	p, _ := ProfileByName("dragonfly-2020")
	if _, err := p.Layout("nosuch"); !errors.Is(err, ErrNotFound) {
		t.Errorf("profile Layout(nosuch): %v", err)
	}
	lay := layout(t, p, "struct proc")
	if _, err := lay.Field("p_nosuch"); !errors.Is(err, ErrNoField) {
		t.Errorf("profile Field(p_nosuch): %v", err)
	}
	if !lay.Partial || lay.Origin != "profile dragonfly-2020" {
		t.Errorf("profile layout Partial=%v Origin=%q", lay.Partial, lay.Origin)
	}
	if s := lay.String(); !strings.Contains(s, "p_lwp_tree.rbh_root") {
		t.Errorf("profile String lacks full paths:\n%s", s)
	}
}

// TestLookupRules covers name lookup: struct, then union, then typedef;
// declarations skipped; a clear error for missing names.
func TestLookupRules(t *testing.T) {
	l := kernel(t, "dfly2020")
	if lay := layout(t, l, "union usched_data"); lay.Kind != KindUnion || lay.Size != 24 {
		t.Errorf("union usched_data: %v %d", lay.Kind, lay.Size)
	}
	if lay := layout(t, l, "usched_data"); lay.Kind != KindUnion {
		t.Errorf("usched_data (no keyword) gave %v", lay.Kind)
	}
	// A typedef naming a struct: lwkt_port is "typedef struct lwkt_port {…} lwkt_port".
	if lay := layout(t, l, "lwkt_port"); lay.Name != "lwkt_port" || lay.Kind != KindStruct {
		t.Errorf("lwkt_port: %s %v", lay.Name, lay.Kind)
	}
	// A typedef of an anonymous struct: cpumask_t → __cpumask_t → struct {…}.
	if lay := layout(t, l, "cpumask_t"); lay.Size != 32 || field(t, lay, "ary").Type.Count != 4 {
		t.Errorf("cpumask_t: %s", lay)
	}
	// struct filedesc is only declared in the sample kernels.
	_, err := l.Layout("filedesc")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !nf.Incomplete || !errors.Is(err, ErrNotFound) {
		t.Fatalf("filedesc: %v; want an incomplete-declaration NotFoundError", err)
	}
	_, err = l.Layout("nosuch")
	if !errors.As(err, &nf) || len(nf.Looked) != 3 || nf.Incomplete {
		t.Fatalf("nosuch: %v", err)
	}
	for _, want := range []string{"struct nosuch", "union nosuch", "typedef nosuch", "kern-dfly2020"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if l.Has("nosuch") || !l.Has("proc") || !l.Has("union usched_data") {
		t.Error("Has")
	}
	// A typedef naming a non-struct is not a layout.
	if _, err := l.Layout("pid_t"); !errors.Is(err, ErrNotFound) {
		t.Errorf("pid_t: %v", err)
	}
	if ss := l.Structs(); len(ss) < 50 || !contains(ss, "struct proc") || !contains(ss, "union usched_data") {
		t.Errorf("Structs: %d names", len(ss))
	}
	// Same *Layout for every spelling.
	a, b := layout(t, l, "proc"), layout(t, l, "struct proc")
	if a != b {
		t.Error("proc and struct proc resolved twice")
	}
	// Field errors name the struct and path.
	_, err = a.Field("p_list.nosuch")
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "p_list.nosuch" || !strings.Contains(err.Error(), "struct proc") {
		t.Errorf("Field error: %v", err)
	}
	// Paths are declaration-ordered and all resolvable.
	for _, p := range a.Paths() {
		if !a.Has(p) {
			t.Errorf("path %q not resolvable", p)
		}
	}
	if ps := a.Paths(); ps[0] != "p_list" || ps[1] != "p_list.le_next" {
		t.Errorf("Paths start %q", ps[:2])
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestFieldInvariants checks, for every struct of every sample kernel, that
// each member lies within the layout and within its parent.
func TestFieldInvariants(t *testing.T) {
	for _, k := range samples.Kernels() {
		l := kernel(t, k)
		for _, s := range l.Structs() {
			lay, err := l.Layout(s)
			if err != nil {
				t.Errorf("%s: %v", k, err)
				continue
			}
			var walk func(fs []Field, lo, hi int64)
			walk = func(fs []Field, lo, hi int64) {
				for _, f := range fs {
					if f.Offset < lo || f.End() > hi || f.Size < 0 {
						t.Errorf("%s %s.%s: [%d,%d) outside [%d,%d)", k, s, f.Path, f.Offset, f.End(), lo, hi)
					}
					walk(f.Members, f.Offset, f.End())
				}
			}
			walk(lay.Fields, 0, lay.Size)
		}
	}
}

// TestConcurrentLayouts resolves the same and different structs from many
// goroutines at once (run with -race).
func TestConcurrentLayouts(t *testing.T) {
	l, err := Open(samples.Kernel("dfly2020"))
	if err != nil {
		t.Fatal(err)
	}
	names := append(append([]string(nil), goldenStructs...), "nosuch", "globaldata", "sigacts")
	var wg sync.WaitGroup
	results := make([][]*Layout, 8)
	for g := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, n := range names {
				lay, _ := l.Layout(n)
				results[g] = append(results[g], lay)
				if lay != nil {
					lay.Field("p_pid")
				}
			}
		}()
	}
	wg.Wait()
	for g := range results {
		for i := range names {
			if results[g][i] != results[0][i] {
				t.Errorf("goroutine %d got a different %s", g, names[i])
			}
		}
	}
}

// TestTypedefOfAnonymousStruct: a layout found through a typedef of an
// anonymous struct does not make "struct TYPEDEF" resolvable.
func TestTypedefOfAnonymousStruct(t *testing.T) {
	l, err := Open(samples.Kernel("dfly2020"))
	if err != nil {
		t.Fatal(err)
	}
	if lay := layout(t, l, "cpumask_t"); lay.Name != "cpumask_t" {
		t.Errorf("Name %q", lay.Name)
	}
	if _, err := l.Layout("struct cpumask_t"); !errors.Is(err, ErrNotFound) {
		t.Errorf("struct cpumask_t: %v", err)
	}
}
