package batch

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is one part K of N of a corpus, K counted from 1 like split -n K/N,
// so that N machines given the same arguments and --shard 1/N … N/N take
// disjoint sets of cores whose union is every core. The zero Shard takes
// everything.
type Shard struct{ K, N int }

// ParseShard parses "K/N" with 1 ≤ K ≤ N.
func ParseShard(s string) (Shard, error) {
	ks, ns, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want K/N, e.g. 1/4", s)
	}
	if n < 1 || k < 1 || k > n {
		return Shard{}, fmt.Errorf("shard %q: want 1 ≤ K ≤ N (K counts from 1, like split -n K/N)", s)
	}
	return Shard{k, n}, nil
}

// String returns "K/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.K, s.N) }

// Has reports whether the core with shard key key belongs to s: the 64-bit
// FNV-1a hash of the key's bytes, modulo N, is K−1. The key (Job.Key) holds
// no machine-specific part, so every machine splits alike.
func (s Shard) Has(key string) bool {
	if s.N <= 1 {
		return true
	}
	return ShardOf(key, s.N) == s.K
}

// ShardOf returns the shard, 1..n, the key belongs to.
func ShardOf(key string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64()%uint64(n)) + 1
}
