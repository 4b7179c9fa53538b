// Package spool keeps the findings of a scan too large to hold out of the heap: they are
// written, as compact records, to a temporary file as they are judged, by group (the file
// they are about), and read back one group at a time, in the order they were written. The
// records keep every part of a finding, so that a report written from them is the report
// written from the findings themselves.
package spool

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"sync"

	"palisade.dev/palisade/internal/finding"
)

// Spool is a temporary file of findings, by group. It is safe for concurrent use.
type Spool struct {
	c codec

	mu     sync.Mutex
	file   *os.File
	w      *bufio.Writer
	size   int64
	groups map[string][]extent
	err    error // the first write that failed; every later call returns it

	buffers sync.Pool // of *[]byte, the records of one Add before they are written
}

// extent is where one Add's records are in the file, and how many findings they hold.
type extent struct {
	off   int64
	len   int
	count int
}

// New makes a spool in a new temporary file in dir (the system's when dir is empty), which
// Close removes.
func New(dir string) (*Spool, error) {
	f, err := os.CreateTemp(dir, "palisade-findings-*")
	if err != nil {
		return nil, fmt.Errorf("making the findings spool: %w", err)
	}
	return &Spool{file: f, w: bufio.NewWriterSize(f, 1<<20), groups: map[string][]extent{}}, nil
}

// Add writes findings to group, after those added to it before.
func (s *Spool) Add(group string, fs []finding.Finding) error {
	if len(fs) == 0 {
		return nil
	}
	bp, _ := s.buffers.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b := (*bp)[:0]
	for i := range fs {
		b = s.c.appendFinding(b, &fs[i])
	}
	s.mu.Lock()
	err := s.err
	if err == nil {
		if _, err = s.w.Write(b); err == nil {
			s.groups[group] = append(s.groups[group], extent{off: s.size, len: len(b), count: len(fs)})
			s.size += int64(len(b))
		} else {
			s.err = fmt.Errorf("writing the findings spool: %w", err)
			err = s.err
		}
	}
	s.mu.Unlock()
	*bp = b
	s.buffers.Put(bp)
	return err
}

// Len returns how many findings group holds.
func (s *Spool) Len(group string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.groups[group] {
		n += e.count
	}
	return n
}

// Read appends group's findings to out, in the order they were added, and returns it. It may
// run while other goroutines add: it reads what was added before it started.
func (s *Spool) Read(group string, out []finding.Finding) ([]finding.Finding, error) {
	s.mu.Lock()
	err := s.err
	if err == nil {
		if err = s.w.Flush(); err != nil {
			s.err = fmt.Errorf("writing the findings spool: %w", err)
			err = s.err
		}
	}
	extents := s.groups[group]
	s.mu.Unlock()
	if err != nil {
		return out, err
	}
	var buf []byte
	for _, e := range extents {
		if cap(buf) < e.len {
			buf = make([]byte, e.len)
		}
		buf = buf[:e.len]
		if _, err := s.file.ReadAt(buf, e.off); err != nil {
			return out, fmt.Errorf("reading the findings spool back: %w", err)
		}
		before := len(out)
		if out, err = s.c.decode(buf, out); err != nil {
			return out, err
		}
		if len(out)-before != e.count {
			return out, fmt.Errorf("reading the findings spool back: %d findings where %d were written", len(out)-before, e.count)
		}
	}
	return out, nil
}

// Close removes the spool's file.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := s.file.Name()
	err := s.file.Close()
	if rerr := os.Remove(name); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}
