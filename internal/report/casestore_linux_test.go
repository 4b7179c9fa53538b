package report

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// TestCaseStoreKeepsWhatItCannotWriteInMemory pins that a file that stops taking writes (a full
// disk) loses nothing: what was written reads back from it, the rest from memory.
func TestCaseStoreKeepsWhatItCannotWriteInMemory(t *testing.T) {
	s := newCaseStore(t.TempDir())
	defer s.close()
	var want bytes.Buffer
	add := func(n int) {
		for i := range n {
			b := fmt.Appendf(nil, "\n    <testcase name=%q></testcase>", fmt.Sprint(want.Len(), i))
			want.Write(b)
			s.add(0, b)
		}
	}
	add(3000)
	if s.file == nil || s.size == 0 {
		t.Fatal("the first cases did not go to the file")
	}
	// The same file, open for reading only: every later write fails.
	ro, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", s.file.Fd()))
	if err != nil {
		t.Fatalf("reopening the store's file read-only: %v", err)
	}
	s.file.Close()
	s.file = ro
	add(3000)
	if !s.noFile {
		t.Fatal("a write that failed did not keep the rest in memory")
	}
	var got bytes.Buffer
	if err := s.each(0, func(b []byte) error { got.Write(b); return nil }); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("read back %d bytes, want the %d added", got.Len(), want.Len())
	}
}
