package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
)

// TestCaseStoreReadsEachSuiteBackInOrder pins that the cases written aside come back by suite,
// in the order they were added, whether they went to the file in chunks, stayed in memory, or
// had no file to go to.
func TestCaseStoreReadsEachSuiteBackInOrder(t *testing.T) {
	tests := []struct {
		name  string
		dir   func(t *testing.T) string
		cases int
	}{
		{"few cases stay in memory", func(t *testing.T) string { return t.TempDir() }, 10},
		{"many cases go to the file a chunk at a time", func(t *testing.T) string { return t.TempDir() }, 4000},
		{"without a file to go to they stay in memory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing") }, 4000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newCaseStore(tt.dir(t))
			defer s.close()
			want := make([]bytes.Buffer, 3)
			for i := range tt.cases {
				suite := i * 7 % 3 // the suites interleave, as rules do across files
				b := fmt.Appendf(nil, "\n    <testcase name=%q>%s</testcase>", fmt.Sprint(i), bytes.Repeat([]byte{'x'}, i%97))
				want[suite].Write(b)
				s.add(suite, b)
			}
			for suite := range want {
				var got bytes.Buffer
				if err := s.each(suite, func(b []byte) error { got.Write(b); return nil }); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want[suite].Bytes()) {
					t.Errorf("suite %d: read back %d bytes, want the %d added", suite, got.Len(), want[suite].Len())
				}
			}
			if err := s.each(len(want), func([]byte) error { t.Error("a suite never added to has bytes"); return nil }); err != nil {
				t.Fatal(err)
			}
		})
	}
}
