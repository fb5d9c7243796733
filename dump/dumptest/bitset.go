package dumptest

import "math/bits"

// bitset is a fixed-size set of page numbers.
type bitset []uint64

func newBitset(n uint64) bitset { return make(bitset, (n+63)/64) }

func (b bitset) get(i uint64) bool {
	w := i / 64
	return w < uint64(len(b)) && b[w]&(1<<(i%64)) != 0
}

func (b bitset) set(i uint64) {
	if w := i / 64; w < uint64(len(b)) {
		b[w] |= 1 << (i % 64)
	}
}

func (b bitset) clear(i uint64) {
	if w := i / 64; w < uint64(len(b)) {
		b[w] &^= 1 << (i % 64)
	}
}

// setRange sets bits [lo, hi).
func (b bitset) setRange(lo, hi uint64) {
	if max := uint64(len(b)) * 64; hi > max {
		hi = max
	}
	for i := lo; i < hi; {
		if i%64 == 0 && hi-i >= 64 {
			b[i/64] = ^uint64(0)
			i += 64
			continue
		}
		b.set(i)
		i++
	}
}

func (b bitset) count() uint64 {
	var n uint64
	for _, w := range b {
		n += uint64(bits.OnesCount64(w))
	}
	return n
}

func (b bitset) clone() bitset { return append(bitset(nil), b...) }

// andNot removes every bit of o from b.
func (b bitset) andNot(o bitset) {
	for i := range b {
		if i < len(o) {
			b[i] &^= o[i]
		}
	}
}

// or adds every bit of o to b.
func (b bitset) or(o bitset) {
	for i := range b {
		if i < len(o) {
			b[i] |= o[i]
		}
	}
}

// nextSet returns the first set bit ≥ i, or ok=false.
func (b bitset) nextSet(i uint64) (uint64, bool) {
	w := i / 64
	if w >= uint64(len(b)) {
		return 0, false
	}
	x := b[w] >> (i % 64)
	if x != 0 {
		return i + uint64(bits.TrailingZeros64(x)), true
	}
	for w++; w < uint64(len(b)); w++ {
		if b[w] != 0 {
			return w*64 + uint64(bits.TrailingZeros64(b[w])), true
		}
	}
	return 0, false
}

// nextClear returns the first clear bit in [i, n), or ok=false.
func (b bitset) nextClear(i, n uint64) (uint64, bool) {
	for i < n {
		w := i / 64
		x := ^b[w] >> (i % 64)
		if x != 0 {
			j := i + uint64(bits.TrailingZeros64(x))
			if j < n {
				return j, true
			}
			return 0, false
		}
		i = (w + 1) * 64
	}
	return 0, false
}
