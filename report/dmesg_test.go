package report

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDmesg checks the output filter against cases worked out by hand from
// dumpbuf() in DragonFlyBSD sbin/dmesg/dmesg.c (1ab323cec1) and vis() in
// lib/libc/gen/vis.c.
func TestDmesg(t *testing.T) {
	tests := []struct {
		name string
		text string
		all  bool
		want string
	}{
		{"empty", "", false, ""},
		{"plain lines", "a\nb\n", false, "a\nb\n"},
		{"missing final newline added", "a\nb", false, "a\nb\n"},
		{"kernel priority stripped", "<6>kern info\n", false, "kern info\n"},
		{"LOG_KERN emerg stripped", "<0>x\n", false, "x\n"},
		{"priority 7 is still LOG_KERN", "<7>debug\n", false, "debug\n"},
		{"user facility dropped with its newline", "a\n<13>user\nb\n", false, "a\nb\n"},
		{"facility 1 from priority 8", "<8>user.emerg\nz\n", false, "z\n"},
		{"-a keeps prefixes and other facilities", "<13>user\n<6>kern\n", true, "<13>user\n<6>kern\n"},
		{"prefix only at line start", "x <13>y\n", false, "x <13>y\n"},
		{"prefix at the very start of the text", "<13>first\nsecond\n", false, "second\n"},
		{"no closing '>': the line is dropped", "<13 no close\nnext\n", false, "next\n"},
		{"non-digits inside the prefix ignored", "<1a3>user\n<a>kern\n", false, "kern\n"},
		{"empty prefix is LOG_KERN", "<>x\n", false, "x\n"},
		// After a non-kernel '>' digits keep accumulating: 13 then "0" gives
		// 130 (facility 16) at the next '>', still dropped; "<1>" restarts
		// nothing because '<' only counts at a line start.
		{"digits after a non-kernel '>' accumulate", "<13>a0>b\nc\n", false, "c\n"},
		// 13·10¹⁰ overflows a C int; modulo 2³² its bits 3–9 are still zero
		// (2¹⁰ divides it), so the second '>' finds LOG_KERN and the rest of
		// the line is printed.
		{"accumulated digits can make a kernel priority", "<13>0000000000>kern again\n", false, "kern again\n"},
		{"seven zeros suffice without overflow", "<8>x0000000>y\n", false, "y\n"},
		{"NULs skipped everywhere", "a\x00b\n<\x006>c\n", false, "ab\nc\n"},
		{"a line of only a kernel prefix", "<6>\nx\n", false, "\nx\n"},
		{"'<' after a kernel prefix is text", "<6><13>x\n", false, "<13>x\n"},
		{"control characters", "\x01\x07\x0d\x1b\x1f\x7f\n", false, "^A^G^M^[^_^?\n"},
		{"high bytes", "\x80\x8a\xa1\xc3\xe9\xfe\xff\n", false, "M^@M^JM-!M-CM-iM-~M^?\n"},
		{"0xA0 in octal", "\xa0\n", false, `\240` + "\n"},
		{"backslash, space and tab as they are", "a\\b c\td\n", false, "a\\b c\td\n"},
		{"escaped bytes do not start a line", "\x01<13>x\n", false, "^A<13>x\n"},
		{"newline inside a dropped line ends it", "<13>x\n<6>y", false, "y\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, string(Dmesg([]byte(tc.text), tc.all))); diff != "" {
				t.Errorf("Dmesg(%q, %v) (-want +got):\n%s", tc.text, tc.all, diff)
			}
		})
	}
}

func TestDmesgLines(t *testing.T) {
	if got := DmesgLines(nil, false); got == nil || len(got) != 0 {
		t.Errorf("DmesgLines(nil) = %#v, want an empty slice", got)
	}
	want := []string{"a", "", "b"}
	if diff := cmp.Diff(want, DmesgLines([]byte("a\n\n<13>x\nb"), false)); diff != "" {
		t.Errorf("DmesgLines (-want +got):\n%s", diff)
	}
}

// TestVisByte checks every byte against the rules of vis(3), VIS_NOSLASH, C
// locale, spelled out independently of visByte's branches.
func TestVisByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		var want string
		low := c & 0x7f
		switch {
		case c >= 0x21 && c <= 0x7e, c == ' ', c == '\t', c == '\n':
			want = string(rune(c))
		case c == 0xa0:
			want = `\240`
		default:
			prefix := ""
			if c >= 0x80 {
				prefix = "M"
			}
			switch {
			case low == 0x7f:
				want = prefix + "^?"
			case low < 0x20:
				want = prefix + "^" + string(rune(low+64))
			default:
				want = prefix + "-" + string(rune(low))
			}
		}
		if got := string(visByte(nil, byte(c))); got != want {
			t.Errorf("visByte(%#x) = %q, want %q", c, got, want)
		}
	}
}

func TestTail(t *testing.T) {
	lines := []string{"a", "b", "c"}
	for _, tc := range []struct {
		n    int
		want []string
	}{{0, lines}, {-1, lines}, {2, []string{"b", "c"}}, {3, lines}, {9, lines}} {
		if diff := cmp.Diff(tc.want, Tail(lines, tc.n)); diff != "" {
			t.Errorf("Tail(%d) (-want +got):\n%s", tc.n, diff)
		}
	}
}
