package spool

import (
	"errors"
	"fmt"
	"io"
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
	// buf and rel are the records of one extent and where each starts, reused from Add
	// to Add.
	buf []byte
	rel []int
}

// section is one part of a sequence: where its records are, in order.
type section struct {
	extents []extent
	// offs and lens are where each finding's record is, for Pick.
	offs  []int64
	lens  []uint32
	count int
	tally finding.Tally
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
	b, rel := q.buf, q.rel
	defer func() { q.buf, q.rel = b[:0], rel[:0] }()
	for len(fs) > 0 {
		n := min(len(fs), extentMax)
		b, rel = b[:0], rel[:0]
		for i := range fs[:n] {
			rel = append(rel, len(b))
			b = q.s.c.appendFinding(b, &fs[i])
			sc.tally.Count(&fs[i])
		}
		off := q.s.append(b, n)
		sc.extents = append(sc.extents, extent{off: off, len: len(b), count: n})
		for i, r := range rel {
			end := len(b)
			if i+1 < len(rel) {
				end = rel[i+1]
			}
			sc.offs = append(sc.offs, off+int64(r))
			sc.lens = append(sc.lens, uint32(end-r))
		}
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

// Pick reads back the findings at the given indexes, ascending.
func (q *Sequence) Pick(indexes []int32) iter.Seq2[*finding.Finding, error] {
	return func(yield func(*finding.Finding, error) bool) {
		var r windowReader
		r.s = q.s
		si, base := 0, 0
		var one []finding.Finding
		for _, i := range indexes {
			idx := int(i)
			for si < len(q.sections) && idx >= base+q.sections[si].count {
				base += q.sections[si].count
				si++
			}
			if idx < base || si == len(q.sections) {
				yield(nil, fmt.Errorf("finding %d of a sequence of %d", idx, q.Len()))
				return
			}
			sc := &q.sections[si]
			rec, err := r.read(sc.offs[idx-base], int(sc.lens[idx-base]))
			if err != nil {
				yield(nil, err)
				return
			}
			if one, err = q.s.c.decode(rec, one[:0]); err != nil {
				yield(nil, err)
				return
			}
			if len(one) != 1 {
				yield(nil, fmt.Errorf("reading the findings spool back: %d findings in the record of one", len(one)))
				return
			}
			if !yield(&one[0], nil) {
				return
			}
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

// windowReader reads records through a window of the file, so that records read in the
// order they were written cost one read of the file per window, not one each.
type windowReader struct {
	s      *Spool
	window []byte
	at     int64 // where window starts in the file
}

const windowSize = 64 << 10

func (r *windowReader) read(off int64, n int) ([]byte, error) {
	if off >= r.at && off+int64(n) <= r.at+int64(len(r.window)) {
		return r.window[off-r.at : off-r.at+int64(n)], nil
	}
	r.s.mu.Lock()
	written := r.s.written
	r.s.mu.Unlock()
	if off >= written || off+int64(n) > written {
		rec, _, err := r.s.record(off, n, nil)
		return rec, err
	}
	size := int64(max(n, windowSize))
	size = min(size, written-off)
	if int64(cap(r.window)) < size {
		r.window = make([]byte, size)
	}
	r.window = r.window[:size]
	r.s.mu.Lock()
	got, err := r.s.file.ReadAt(r.window, off)
	r.s.mu.Unlock()
	if got < n {
		r.window = r.window[:0]
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("reading the findings spool back: %w", err)
	}
	r.window, r.at = r.window[:got], off
	return r.window[:n], nil
}
