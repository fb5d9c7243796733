package batch

import (
	"cmp"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/kdump-bsd/kdump/report"
)

// The groups of cores that have no panic message to group by.
const (
	GroupNoPanic = "(no panic)"
	GroupError   = "(error)"
)

var (
	hexNumber = regexp.MustCompile(`0[xX][0-9a-fA-F]+`)
	// bareHex is a word of 8 or more hex digits with at least one decimal
	// digit: an address printed with %p-less formats ("ffffffff80a1b2c3").
	bareHex = regexp.MustCompile(`\b[0-9a-fA-F]*[0-9][0-9a-fA-F]*\b`)
	decimal = regexp.MustCompile(`\b[0-9]+\b`)
	spaces  = regexp.MustCompile(`\s+`)
)

// NormalizePanic masks what varies between two crashes of the same bug:
// hexadecimal numbers become 0x<addr>, bare hex words of 8 digits or more
// <addr>, decimal numbers <n> (digits inside words, as in "ext2" or "da0",
// are kept); runs of white space become one space. Control characters are
// escaped, since groups are printed on terminals.
func NormalizePanic(msg string) string {
	s := hexNumber.ReplaceAllString(msg, "0x<addr>")
	s = bareHex.ReplaceAllStringFunc(s, func(w string) string {
		if len(w) >= 8 && strings.Trim(w, "0123456789") != "" {
			return "<addr>"
		}
		return w
	})
	s = decimal.ReplaceAllString(s, "<n>")
	s = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
	return report.Escape(s)
}

// PanicOf is the panic message a core is grouped by: the kernel's panicstr,
// else the panic string of the dump header (the core's own, or savecore's
// info.N); "" when there is neither.
func PanicOf(rep *report.Report) string {
	if rep.Panic != nil && rep.Panic.Message != "" {
		return rep.Panic.Message
	}
	if h := rep.Core.DumpHeader; h != nil && h.Panic != "" {
		return h.Panic
	}
	return ""
}

// GroupKey is the --group-by panic key of a report.
func GroupKey(rep *report.Report) string {
	if m := NormalizePanic(PanicOf(rep)); m != "" {
		return m
	}
	return GroupNoPanic
}

// Groups collects cores by group key. It keeps one path per core and one
// key per group, not the reports.
type Groups struct {
	m map[string][]string
}

// Add puts the core at path in the group key.
func (g *Groups) Add(key, path string) {
	if g.m == nil {
		g.m = map[string][]string{}
	}
	g.m[key] = append(g.m[key], path)
}

// WriteTo prints the groups, largest first, ties by key: a line with the
// count and the key, then the group's core paths, sorted, indented by 8.
func (g *Groups) WriteTo(w io.Writer) (int64, error) {
	keys := make([]string, 0, len(g.m))
	for k := range g.m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(g.m[b]), len(g.m[a])), cmp.Compare(a, b))
	})
	var n int64
	for _, k := range keys {
		paths := slices.Clone(g.m[k])
		slices.Sort(paths)
		c, err := fmt.Fprintf(w, "%6d  %s\n", len(paths), k)
		n += int64(c)
		if err != nil {
			return n, err
		}
		for _, p := range paths {
			c, err := fmt.Fprintf(w, "        %s\n", report.Escape(p))
			n += int64(c)
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
