package report

import "testing"

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"page fault", "page fault"},
		{"", ""},
		{"evil\x1b[2Jclear", `evil\x1b[2Jclear`},
		{"line\nbreak", `line\nbreak`},
		{"bad utf8 \xff", `bad utf8 \xff`},
		{"del\x7f", `del\x7f`},
		{"c1 \u009b", `c1 \u009b`},
	}
	for _, tc := range tests {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBytesText(t *testing.T) {
	tests := []struct {
		n    uint64
		want string
	}{
		{0, "0 bytes"},
		{1023, "1023 bytes"},
		{1024, "1.0 KiB (1024 bytes)"},
		{3 << 20, "3.0 MiB (3145728 bytes)"},
		{5 << 40, "5.0 TiB (5497558138880 bytes)"},
	}
	for _, tc := range tests {
		if got := bytesText(tc.n); got != tc.want {
			t.Errorf("bytesText(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
