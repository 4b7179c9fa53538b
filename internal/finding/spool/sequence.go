package spool

import (
	"errors"
	"fmt"
	"iter"

	"palisade.dev/palisade/internal/finding"
)

// Sequence is findings written in order, in sections read one after the other, and read back
// in that order as many times as the reports need: a scan's active findings, as a
// finding.Seq, out of the heap. Findings are added from one goroutine; reads run after the
// last Add, one at a time.
type Sequence struct {
	s        *Spool
	sections []section
	tally    *finding.Tally
	// buf is the records of one extent, reused from Add to Add.
	buf []byte
}

// section is one part of a sequence: where its records are, in order.
type section struct {
	extents []extent
	count   int
	tally   finding.Tally
}

// extentMax is how many findings one extent holds at most, so that reading one back takes
// a bounded part of the heap.
const extentMax = 512

// NewSequence makes a sequence of the given number of sections in a new temporary file in
// dir (the system's when dir is empty).
func NewSequence(dir string, sections int) (*Sequence, error) {
	s, err := New(dir)
	if err != nil {
		return nil, err
	}
	return &Sequence{s: s, sections: make([]section, sections)}, nil
}

// Add writes fs after the findings added to section before.
func (q *Sequence) Add(sec int, fs []finding.Finding) {
	q.tally = nil
	sc := &q.sections[sec]
	b := q.buf
	defer func() { q.buf = b[:0] }()
	for len(fs) > 0 {
		n := min(len(fs), extentMax)
		b = b[:0]
		for i := range fs[:n] {
			b = q.s.c.appendFinding(b, &fs[i])
			sc.tally.Count(&fs[i])
		}
		off := q.s.append(b, n)
		sc.extents = append(sc.extents, extent{off: off, len: len(b), count: n})
		sc.count += n
		fs = fs[n:]
	}
}

// append keeps the records b of n findings after those written before, and returns where
// they start in the stream of records.
func (s *Spool) append(b []byte, n int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	off := s.written + int64(len(s.pending))
	s.pending = append(s.pending, b...)
	s.count += n
	if len(s.pending) >= flushAt && s.err == nil {
		s.flush()
	}
	return off
}

// Len is how many findings the sequence holds.
func (q *Sequence) Len() int {
	n := 0
	for i := range q.sections {
		n += q.sections[i].count
	}
	return n
}

// Tally counts the findings by severity and names their rules, in order, as they were added.
func (q *Sequence) Tally() *finding.Tally {
	if q.tally == nil {
		t := &finding.Tally{}
		for i := range q.sections {
			t.Join(&q.sections[i].tally)
		}
		q.tally = t
	}
	return q.tally
}

// Chunks reads the findings back in order, at most n at a time, each chunk in a slice of its
// own.
func (q *Sequence) Chunks(n int) iter.Seq2[[]finding.Finding, error] {
	n = max(n, 1)
	return func(yield func([]finding.Finding, error) bool) {
		var buf []byte
		var ext []finding.Finding
		out := make([]finding.Finding, 0, n)
		for si := range q.sections {
			for _, e := range q.sections[si].extents {
				var rec []byte
				var err error
				if rec, buf, err = q.s.record(e.off, e.len, buf); err != nil {
					yield(nil, err)
					return
				}
				clear(ext)
				if ext, err = q.s.c.decode(rec, ext[:0]); err != nil {
					yield(nil, err)
					return
				}
				if len(ext) != e.count {
					yield(nil, fmt.Errorf("reading the findings spool back: %d findings where %d were written", len(ext), e.count))
					return
				}
				for rest := ext; len(rest) > 0; {
					k := copy(out[len(out):n], rest)
					out, rest = out[:len(out)+k], rest[k:]
					if len(out) == n {
						if !yield(out, nil) {
							return
						}
						out = make([]finding.Finding, 0, n)
					}
				}
			}
		}
		if len(out) > 0 {
			yield(out, nil)
		}
	}
}

// Close removes the sequence's file.
func (q *Sequence) Close() error { return q.s.Close() }

// record returns the n bytes of records at off, read into buf when they are in the file.
func (s *Spool) record(off int64, n int, buf []byte) (rec, grown []byte, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if off >= s.written {
		start := off - s.written
		if start+int64(n) > int64(len(s.pending)) {
			return nil, buf, errClosed
		}
		return s.pending[start : start+int64(n)], buf, nil
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	rec = buf[:n]
	if _, err := s.file.ReadAt(rec, off); err != nil {
		return nil, buf, fmt.Errorf("reading the findings spool back: %w", err)
	}
	return rec, buf, nil
}

// errClosed is what reading a spool that was closed returns.
var errClosed = errors.New("reading the findings spool back: the spool is closed")
