package report

import (
	"errors"
	"fmt"
	"os"
)

// caseStore holds the written bytes of the JUnit cases that the active findings make, by
// suite, from the one pass over the findings that makes them until the suites are written in
// their own order: the findings come by file and object, the suites by rule, and a hundred
// thousand findings make more bytes than a report should hold. Each suite's bytes gather in a
// buffer of its own, which goes to an unlinked temporary file whenever it fills, so that a
// suite reads back in one read per buffer. When no file can be made or written, the bytes stay
// in memory.
type caseStore struct {
	dir  string
	file *os.File
	// left is the file's name when it could not be unlinked as it was made, for close.
	left   string
	noFile bool  // making or writing the file failed: what follows stays in memory
	size   int64 // bytes written to the file
	suites []storedCases
	read   []byte // the room a suite's extents are read into
}

// storedCases are one suite's bytes: those in the file, in order, then those in memory.
type storedCases struct {
	written []caseExtent
	pending []byte
}

type caseExtent struct {
	off int64
	n   int
}

// caseChunk is how many bytes of one suite gather before they go to the file.
const caseChunk = 64 << 10

// newCaseStore makes a store whose file, if it needs one, is made in dir (the system's
// temporary folder when empty).
func newCaseStore(dir string) *caseStore { return &caseStore{dir: dir} }

// add appends b to suite's bytes; a suite is an index from 0, and its bytes read back in the
// order they were added.
func (s *caseStore) add(suite int, b []byte) {
	for len(s.suites) <= suite {
		s.suites = append(s.suites, storedCases{})
	}
	c := &s.suites[suite]
	c.pending = append(c.pending, b...)
	if len(c.pending) < caseChunk || s.noFile {
		return
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, "palisade-junit-*")
		if err != nil {
			s.noFile = true // the report is still written, from memory
			return
		}
		// Unlinked at once where the system allows it: nothing is left behind, even when the
		// process is killed. Close removes it otherwise.
		if os.Remove(f.Name()) != nil {
			s.left = f.Name()
		}
		s.file = f
	}
	if _, err := s.file.WriteAt(c.pending, s.size); err != nil {
		// A full disk, say: what is written stays readable, and the rest stays in memory.
		s.noFile = true
		return
	}
	c.written = append(c.written, caseExtent{off: s.size, n: len(c.pending)})
	s.size += int64(len(c.pending))
	c.pending = c.pending[:0]
}

// each calls use with suite's bytes, a piece at a time, in the order they were added; a piece
// is valid only during the call.
func (s *caseStore) each(suite int, use func([]byte) error) error {
	if suite >= len(s.suites) {
		return nil
	}
	c := &s.suites[suite]
	for _, e := range c.written {
		if cap(s.read) < e.n {
			s.read = make([]byte, e.n)
		}
		b := s.read[:e.n]
		if _, err := s.file.ReadAt(b, e.off); err != nil {
			return fmt.Errorf("reading the JUnit cases back: %w", err)
		}
		if err := use(b); err != nil {
			return err
		}
	}
	if len(c.pending) == 0 {
		return nil
	}
	return use(c.pending)
}

// close lets the store's file go, and removes it if making it could not.
func (s *caseStore) close() error {
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	if s.left != "" {
		if rerr := os.Remove(s.left); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	s.file, s.suites = nil, nil
	return err
}
