package manifest

import (
	"fmt"
	"slices"
	"testing"

	"palisade.dev/palisade/internal/finding"
)

// TestErrorGroups pins how a file's errors are grouped: identical messages are one error at
// the first occurrence with a count, files are apart, and past maxErrorKindsPerFile different
// errors the rest are one error that counts them.
func TestErrorGroups(t *testing.T) {
	at := func(file string, line int, msg string) finding.ScanError {
		return finding.ScanError{Location: finding.Location{File: file, Line: line}, Message: msg}
	}
	tests := []struct {
		name string
		in   []finding.ScanError
		want []string
	}{
		{
			name: "identical errors of a file are one, at the first",
			in:   []finding.ScanError{at("a", 3, "x"), at("a", 5, "y"), at("a", 9, "x"), at("a", 12, "x")},
			want: []string{"a:3: x (and 2 more with the same error in this file)", "a:5: y"},
		},
		{
			name: "the same error in two files is two errors",
			in:   []finding.ScanError{at("a", 3, "x"), at("b", 4, "x")},
			want: []string{"a:3: x", "b:4: x"},
		},
		{
			name: "counts are written with thousands separators",
			in:   slices.Repeat([]finding.ScanError{at("a", 1, "x")}, 1235),
			want: []string{"a:1: x (and 1,234 more with the same error in this file)"},
		},
	}
	var many []finding.ScanError
	for i := range maxErrorKindsPerFile + 3 {
		many = append(many, at("a", i+1, fmt.Sprintf("error %d", i)))
	}
	var manyWant []string
	for i := range maxErrorKindsPerFile {
		manyWant = append(manyWant, fmt.Sprintf("a:%d: error %d", i+1, i))
	}
	manyWant = append(manyWant, fmt.Sprintf("a:%d: 3 more errors in this file of more than %d different kinds were not listed; the first is here", maxErrorKindsPerFile+1, maxErrorKindsPerFile))
	tests = append(tests, struct {
		name string
		in   []finding.ScanError
		want []string
	}{"past the bound of kinds, the rest is counted", many, manyWant})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newErrorGroups()
			for _, e := range tt.in {
				g.add(e)
			}
			var got []string
			for _, e := range g.list() {
				got = append(got, fmt.Sprintf("%s:%d: %s", e.Location.File, e.Location.Line, e.Message))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %d errors %q...\nwant %d %q...", len(got), got[:min(3, len(got))], len(tt.want), tt.want[:min(3, len(tt.want))])
			}
		})
	}
}
