// Package spool keeps the findings of a scan too large to hold out of the heap: they are
// written, as compact records, to a temporary file as they are judged, by group (the file
// they are about), and read back one group at a time, in the order they were written. The
// records keep every part of a finding, so that a report written from them is the report
// written from the findings themselves.
package spool

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"palisade.dev/palisade/internal/finding"
)

// Spool is a temporary file of findings, by group. It is safe for concurrent use. Records
// wait in memory until a megabyte of them is written at once; when the file cannot be written
// (a full disk), they stay in memory, and nothing is lost.
type Spool struct {
	c codec

	mu      sync.Mutex
	file    *os.File
	pending []byte // the records after the first written bytes of the file
	written int64  // how many bytes of records the file holds
	count   int
	groups  map[string][]extent
	err     error // why the file could not be written; pending then holds every record after it

	buffers sync.Pool // of *[]byte, the records of one Add before they are kept
	// read is the room Read reads the file into, kept from one group to the next: the
	// findings it decodes copy what they keep.
	read []byte
}

// extent is where one Add's records are, as an offset in the stream of records (the file's
// bytes, then pending's), and how many findings they hold.
type extent struct {
	off   int64
	len   int
	count int
}

// flushAt is how many bytes of records wait in memory before they are written.
const flushAt = 1 << 20

// New makes a spool in a new temporary file in dir (the system's when dir is empty). The file
// is unlinked at once where the system allows it, so that nothing is left behind even when the
// process is killed; Close removes it otherwise.
func New(dir string) (*Spool, error) {
	f, err := os.CreateTemp(dir, "palisade-findings-*")
	if err != nil {
		return nil, fmt.Errorf("making the findings spool: %w", err)
	}
	s := &Spool{file: f, groups: map[string][]extent{}}
	if os.Remove(f.Name()) == nil {
		s.file = f // unlinked: Close only closes it
	}
	return s, nil
}

// Add keeps findings in group, after those added to it before.
func (s *Spool) Add(group string, fs []finding.Finding) {
	if len(fs) == 0 {
		return
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
	s.groups[group] = append(s.groups[group], extent{off: s.written + int64(len(s.pending)), len: len(b), count: len(fs)})
	s.pending = append(s.pending, b...)
	s.count += len(fs)
	if len(s.pending) >= flushAt && s.err == nil {
		s.flush()
	}
	s.mu.Unlock()
	*bp = b
	s.buffers.Put(bp)
}

// flush writes the pending records; the caller holds s.mu. When the file cannot be written,
// they stay pending, and so does every later record.
func (s *Spool) flush() {
	n, err := s.file.WriteAt(s.pending, s.written)
	if err != nil {
		s.err = err
		if n > 0 { // what was written is not trusted: keep it all pending
			_ = s.file.Truncate(s.written)
		}
		return
	}
	s.written += int64(n)
	s.pending = s.pending[:0]
}

// Err returns why the spool's file could not be written, if it could not: its findings are
// then kept in memory.
func (s *Spool) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Groups returns the groups that hold findings, in no particular order.
func (s *Spool) Groups() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.groups))
	for g := range s.groups {
		out = append(out, g)
	}
	return out
}

// Count returns how many findings the spool holds.
func (s *Spool) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Size returns how many bytes the spool's records take.
func (s *Spool) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.written + int64(len(s.pending))
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

// Read appends group's findings to out, in the order they were added, and returns it. It must
// not run while findings are added.
func (s *Spool) Read(group string, out []finding.Finding) ([]finding.Finding, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exts := s.groups[group]
	for k := 0; k < len(exts); {
		// The extents from k that one read of the file takes in: a group's extents are in
		// the order of the file, and mostly close together (an object's findings each, one
		// after the other as a file's objects are judged).
		first, m := exts[k], k+1
		var window []byte
		if first.off >= s.written {
			window = s.pending[first.off-s.written:]
		} else {
			end := first.off + int64(first.len)
			for ; m < len(exts); m++ {
				x := exts[m]
				if x.off < end || x.off+int64(x.len) > s.written || x.off-end > gapWorthReading || x.off+int64(x.len)-first.off > readAtMost {
					break
				}
				end = x.off + int64(x.len)
			}
			n := int(end - first.off)
			if cap(s.read) < n {
				s.read = make([]byte, n)
			}
			window = s.read[:n]
			if _, err := s.file.ReadAt(window, first.off); err != nil {
				return out, fmt.Errorf("reading the findings spool back: %w", err)
			}
		}
		for _, e := range exts[k:m] {
			at := e.off - first.off
			before := len(out)
			var err error
			if out, err = s.c.decode(window[at:at+int64(e.len)], out); err != nil {
				return out, err
			}
			if len(out)-before != e.count {
				return out, fmt.Errorf("reading the findings spool back: %d findings where %d were written", len(out)-before, e.count)
			}
		}
		k = m
	}
	return out, nil
}

// readAtMost is the most one read of a group's extents takes in, and gapWorthReading the most
// it reads past to take in the next extent: a read costs about what copying that much more
// does (a system call of about 10 us; copying at about 10 GB/s).
const (
	readAtMost      = 1 << 20
	gapWorthReading = 96 << 10
)

// Close closes the spool's file and removes it, if New could not.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := s.file.Name()
	err := s.file.Close()
	if rerr := os.Remove(name); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	s.pending, s.read = nil, nil
	return err
}
