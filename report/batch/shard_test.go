package batch

import (
	"fmt"
	"testing"
)

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Shard
		wantErr bool
	}{
		{in: "1/1", want: Shard{1, 1}},
		{in: "3/4", want: Shard{3, 4}},
		{in: "4/4", want: Shard{4, 4}},
		{in: "0/4", wantErr: true}, // K counts from 1
		{in: "5/4", wantErr: true},
		{in: "1/0", wantErr: true},
		{in: "-1/4", wantErr: true},
		{in: "1", wantErr: true},
		{in: "a/b", wantErr: true},
		{in: "1/2/3", wantErr: true},
		{in: "", wantErr: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseShard(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseShard(%q) error %v, want error %v", tc.in, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("ParseShard(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestShardSplit checks that N shards of 1000 keys are disjoint, cover every
// key, and are roughly balanced.
func TestShardSplit(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 16} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			count := make([]int, n+1)
			for i := range 1000 {
				key := fmt.Sprintf("crashes/host%d/vmcore.%d.gz", i%37, i)
				owners := 0
				for k := 1; k <= n; k++ {
					if (Shard{k, n}).Has(key) {
						owners++
						count[k]++
					}
				}
				if owners != 1 {
					t.Fatalf("%s belongs to %d of %d shards, want exactly 1", key, owners, n)
				}
			}
			for k := 1; k <= n; k++ {
				if want := 1000 / n; count[k] < want/2 || count[k] > want*3/2 {
					t.Errorf("shard %d/%d has %d of 1000 keys, want about %d", k, n, count[k], want)
				}
			}
		})
	}
}

// TestShardGolden pins the assignment, so that it never changes between
// versions or machines. The expected shards were computed independently
// (FNV-1a 64 written out in Python: offset 0xcbf29ce484222325, prime
// 0x100000001b3, xor then multiply, per byte).
func TestShardGolden(t *testing.T) {
	for _, tc := range []struct {
		key        string
		of4, of7   int
		wantHash64 uint64
	}{
		{"crashes/vmcore.0", 2, 6, 0xb3282bcc3b1a1f79},
		{"crashes/vmcore.1.gz", 2, 6, 0xe08ba21800e63315},
		{"host1/vmcore.3", 3, 4, 0xc9ec6a8df4949996},
		{"a/b/vmcore.42.zst", 4, 7, 0x2f0144c1789ad4df},
		{"", 2, 3, 0xcbf29ce484222325},
	} {
		if got := ShardOf(tc.key, 4); got != tc.of4 {
			t.Errorf("ShardOf(%q, 4) = %d, want %d", tc.key, got, tc.of4)
		}
		if got := ShardOf(tc.key, 7); got != tc.of7 {
			t.Errorf("ShardOf(%q, 7) = %d, want %d", tc.key, got, tc.of7)
		}
		if !(Shard{tc.of4, 4}).Has(tc.key) {
			t.Errorf("Shard %d/4 does not have %q", tc.of4, tc.key)
		}
		if got := int(tc.wantHash64%4) + 1; got != tc.of4 {
			t.Errorf("golden table inconsistent for %q", tc.key)
		}
	}
	if !(Shard{}).Has("anything") {
		t.Error("the zero Shard must take everything")
	}
}
