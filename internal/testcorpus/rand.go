package testcorpus

// source is the corpus's random number generator: SplitMix64, written out here so that the
// corpus for a seed depends on nothing but this package (math/rand's streams may change
// between Go releases, and a pinned corpus digest must not).
type source struct{ state uint64 }

func (s *source) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn returns a number in [0, n); n must be positive. The slight bias of the multiply-shift
// reduction does not matter for a corpus.
func (s *source) intn(n int) int {
	return int((s.next() >> 32) * uint64(n) >> 32)
}

// between returns a number in [lo, hi].
func (s *source) between(lo, hi int) int { return lo + s.intn(hi-lo+1) }

// chance is true with probability p.
func (s *source) chance(p float64) bool {
	return float64(s.next()>>11)/(1<<53) < p
}

// hex returns n random lowercase hexadecimal digits.
func (s *source) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[s.intn(16)]
	}
	return string(b)
}

func pick[T any](s *source, from []T) T { return from[s.intn(len(from))] }
