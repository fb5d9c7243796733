package structs

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Provider is what decoders need from a source of layouts: the DWARF of a
// kernel (*Layouts) or a built-in profile (*Profile).
type Provider interface {
	// Layout returns the layout of a struct or union by name ("proc").
	Layout(name string) (*Layout, error)
	// Has reports whether the source knows the struct or union name.
	Has(name string) bool
	// Origin returns "dwarf" or "profile NAME", as in Layout.Origin.
	Origin() string
}

var (
	_ Provider = (*Layouts)(nil)
	_ Provider = (*Profile)(nil)
)

// Profile is a built-in set of struct layouts for one kernel release, used
// when the kernel has no DWARF. It lists only the members kdump reads
// (spec/formats.md §9.4 and §10), with the same Layout type as DWARF
// layouts (Layout.Partial is true). Every profile is tested against the
// DWARF of the sample kernel it describes. A Profile is immutable and safe
// for concurrent use.
type Profile struct {
	Name        string   // the canonical name, as accepted by --layout ("dragonfly-2020")
	Aliases     []string // other accepted names ("dragonfly-5.9")
	Description string   // the releases it covers and its source

	table   []pstruct
	once    sync.Once
	layouts map[string]*Layout
	err     error
}

// pstruct and pfield are the compact table a profile is written in.
type pstruct struct {
	name   string
	kind   Kind
	size   int64 // sizeof; 0 when the spec does not give it (Size is then the end of the last member)
	fields []pfield
}

type pfield struct {
	path string
	off  int64
	size int64
	typ  string // Type.String form, parsed by parseType
}

// Origin returns "profile NAME".
func (p *Profile) Origin() string { return "profile " + p.Name }

// String returns the profile's name.
func (p *Profile) String() string { return p.Name }

// build turns the table into layouts once.
func (p *Profile) build() {
	p.layouts = make(map[string]*Layout, len(p.table))
	for _, s := range p.table {
		lay := &Layout{Name: s.name, Kind: s.kind, Size: s.size, Origin: p.Origin(), Partial: true}
		end := int64(0)
		for _, f := range s.fields {
			t, err := parseType(f.typ)
			if err != nil {
				p.err = fmt.Errorf("profile %s: struct %s.%s: %w", p.Name, s.name, f.path, err)
				return
			}
			name := f.path
			if i := strings.LastIndexByte(name, '.'); i >= 0 {
				name = name[i+1:]
			}
			lay.Fields = append(lay.Fields, Field{Name: name, Path: f.path, Offset: f.off, Size: f.size, Type: t})
			end = max(end, f.off+f.size)
		}
		if lay.Size == 0 {
			lay.Size = end
		}
		if end > lay.Size {
			p.err = fmt.Errorf("profile %s: struct %s: members end at %d, past its size %d", p.Name, s.name, end, lay.Size)
			return
		}
		lay.index()
		p.layouts[lay.CName()] = lay
	}
}

// Layout returns the profile's layout of a struct or union ("proc",
// "struct proc", "union usched_data"), or a *NotFoundError.
func (p *Profile) Layout(name string) (*Layout, error) {
	p.once.Do(p.build)
	if p.err != nil {
		return nil, p.err
	}
	looked := candidates(name)
	for _, k := range looked {
		if lay, ok := p.layouts[k]; ok {
			return lay, nil
		}
	}
	if len(looked) == 3 {
		looked = looked[:2] // profiles have no typedefs
	}
	return nil, &NotFoundError{Source: p.Origin(), Looked: looked}
}

// Has reports whether the profile lists the struct or union name.
func (p *Profile) Has(name string) bool {
	_, err := p.Layout(name)
	return err == nil
}

// Structs returns the C names of the profile's layouts, sorted ("struct
// proc", …).
func (p *Profile) Structs() []string {
	p.once.Do(p.build)
	out := make([]string, 0, len(p.layouts))
	for k := range p.layouts {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// matches reports whether name (case-insensitive) is the profile's name or
// an alias.
func (p *Profile) matches(name string) bool {
	if strings.EqualFold(name, p.Name) {
		return true
	}
	for _, a := range p.Aliases {
		if strings.EqualFold(name, a) {
			return true
		}
	}
	return false
}

// Profiles returns the built-in profiles, newest first. The Profile values
// are shared; do not modify them.
func Profiles() []*Profile {
	return []*Profile{profileDF2020, profileDF58}
}

// ProfileByName returns the built-in profile with the given name or alias
// (case-insensitive), as given to --layout. An unknown name gives an error
// wrapping ErrNoProfile that lists the known names.
func ProfileByName(name string) (*Profile, error) {
	for _, p := range Profiles() {
		if p.matches(name) {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w named %q (known: %s)", ErrNoProfile, name, profileNames())
}

func profileNames() string {
	var names []string
	for _, p := range Profiles() {
		n := p.Name
		if len(p.Aliases) > 0 {
			n += " (" + strings.Join(p.Aliases, ", ") + ")"
		}
		names = append(names, n)
	}
	return strings.Join(names, "; ")
}

// Dates of layout changes in DragonFly master (spec/formats.md §19.4): the
// callout rewrite fac0eb3cf4 shrank struct proc by 104 bytes on 2020-11-13,
// during 5.9-DEVELOPMENT.
var procShrink2020 = time.Date(2020, 11, 13, 0, 0, 0, 0, time.UTC)

var (
	osreleaseRE = regexp.MustCompile(`^\s*([0-9]+)\.([0-9]+)(?:[-.].*)?\s*$`)
	// The build date in a version string: "… #0: Fri Jul 24 18:41:07 PDT 2020".
	versionDateRE = regexp.MustCompile(`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +[0-9]{1,2}) [0-9:]+ (?:[A-Za-z+-][A-Za-z0-9+-]* )?([0-9]{4})`)
)

// buildDate returns the build date recorded in a kernel version string.
func buildDate(version string) (time.Time, bool) {
	m := versionDateRE.FindStringSubmatch(version)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse("Jan _2 2006", strings.Join(strings.Fields(m[1]), " ")+" "+m[2])
	if err != nil {
		t, err = time.Parse("Jan 2 2006", strings.Join(strings.Fields(m[1]), " ")+" "+m[2])
	}
	return t, err == nil
}

// Select chooses the built-in profile for a kernel from its osrelease and
// version strings (the kernel variables of the same names, spec §14.4 and
// §19.1): "5.8-RELEASE" gives dragonfly-5.8; "5.9-DEVELOPMENT" gives
// dragonfly-2020 when the version string's build date is before 2020-11-13
// (after it, struct proc may have the 6.0 layout). Kernels for which no
// verified profile exists (FreeBSD, DragonFly before 5.8, 6.x) give an error
// wrapping ErrNoProfile that says why; use DWARF, or force a profile with
// ProfileByName (--layout) at your own risk.
func Select(osrelease, version string) (*Profile, error) {
	if strings.HasPrefix(strings.TrimSpace(version), "FreeBSD") {
		return nil, fmt.Errorf("%w for FreeBSD kernels (version %q); kdump needs the kernel's DWARF", ErrNoProfile, firstLine(version))
	}
	m := osreleaseRE.FindStringSubmatch(osrelease)
	if m == nil {
		return nil, fmt.Errorf("%w: cannot parse osrelease %q (want e.g. \"5.8-RELEASE\"); known profiles: %s", ErrNoProfile, osrelease, profileNames())
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	switch {
	case major == 5 && minor == 8:
		return profileDF58, nil
	case major == 5 && minor == 9:
		d, ok := buildDate(version)
		if !ok {
			return nil, fmt.Errorf("%w: DragonFly %s without a build date in the version string: struct proc changed during 5.9-DEVELOPMENT (2020-11-13); use --layout dragonfly-2020 if the kernel predates that", ErrNoProfile, osrelease)
		}
		if d.Before(procShrink2020) {
			return profileDF2020, nil
		}
		return nil, fmt.Errorf("%w: DragonFly %s built %s, after struct proc changed (2020-11-13, spec §19.4); no built-in profile for that layout", ErrNoProfile, osrelease, d.Format("2006-01-02"))
	case major > 5:
		return nil, fmt.Errorf("%w for DragonFly %s: struct proc moved in 6.0 and vmspace in 6.2 (spec §19.4); kdump needs the kernel's DWARF", ErrNoProfile, osrelease)
	}
	return nil, fmt.Errorf("%w for DragonFly %s: layouts before 5.8 are not verified; kdump needs the kernel's DWARF", ErrNoProfile, osrelease)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}
