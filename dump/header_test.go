package dump

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// header builds a minidump header page field by field, at the offsets of spec §3.2,
// §3.3 and §4.1 (not through the parser under test).
func header(magic string, fields map[int]uint64, widths map[int]int) []byte {
	h := make([]byte, PageSize)
	copy(h, magic)
	for off, v := range fields {
		switch widths[off] {
		case 4:
			binary.LittleEndian.PutUint32(h[off:], uint32(v))
		default:
			binary.LittleEndian.PutUint64(h[off:], v)
		}
	}
	return h
}

func TestParseMinidumpHeader(t *testing.T) {
	w32 := map[int]int{24: 4, 28: 4, 32: 4, 36: 4, 64: 4}
	w64 := map[int]int{24: 4, 28: 4}
	tests := []struct {
		name    string
		h       []byte
		format  Format
		want    minidumpHeader
		wantErr string
	}{
		{
			name:   "dragonfly v2 2020",
			h:      header(magicDragonFly, map[int]uint64{24: 2, 32: 0x20000, 40: 0x8000, 48: 0x200000, 56: 0xfffff80040000000, 64: 0xffffb80000000000, 72: 0xfffff80000000000}, w64),
			format: MinidumpDragonFlyV2,
			want:   minidumpHeader{magic: magicDragonFly, version: 2, msgbufSize: 0x20000, bitmapSize: 0x8000, ptSize: 0x200000, kernBase: 0xfffff80040000000, dmapBase: 0xffffb80000000000, dmapEnd: 0xfffff80000000000},
		},
		{
			name:   "v1 shared magic",
			h:      header(magicFreeBSD, map[int]uint64{24: 1, 28: 0x10000, 32: 0x1000, 36: 0x3000, 40: 0xffffffff80000000, 48: 0xffffff0000000000, 56: 0xffffff8000000000}, w32),
			format: MinidumpV1,
			want:   minidumpHeader{magic: magicFreeBSD, version: 1, msgbufSize: 0x10000, bitmapSize: 0x1000, ptSize: 0x3000, kernBase: 0xffffffff80000000, dmapBase: 0xffffff0000000000, dmapEnd: 0xffffff8000000000},
		},
		{
			name:   "freebsd v3 with dump_avail size",
			h:      header(magicFreeBSD, map[int]uint64{24: 3, 28: 0x1000, 32: 0x2000, 36: 0x1000, 40: 0xfffffe0000000000, 48: 0xfffff80000000000, 56: 0xfffffc0000000000, 64: 0x1000}, w32),
			format: MinidumpFreeBSDV3,
			want:   minidumpHeader{magic: magicFreeBSD, version: 3, msgbufSize: 0x1000, bitmapSize: 0x2000, ptSize: 0x1000, availSz: 0x1000, kernBase: 0xfffffe0000000000, dmapBase: 0xfffff80000000000, dmapEnd: 0xfffffc0000000000},
		},
		{
			name:    "dragonfly magic with version 1",
			h:       header(magicDragonFly, map[int]uint64{24: 1}, w64),
			wantErr: "is not a known amd64 minidump",
		},
		{
			name:    "freebsd magic version 4",
			h:       header(magicFreeBSD, map[int]uint64{24: 4}, w32),
			wantErr: "version 4 is not a known",
		},
		{
			name:    "truncated",
			h:       []byte(magicDragonFly + "\x00\x02\x00"),
			wantErr: "header truncated",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, got, err := parseMinidumpHeader("vmcore.0", tc.h)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "vmcore.0") {
					t.Fatalf("err = %v, want one naming the file and containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f != tc.format {
				t.Errorf("format = %v, want %v", f, tc.format)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(minidumpHeader{})); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
		})
	}
}
