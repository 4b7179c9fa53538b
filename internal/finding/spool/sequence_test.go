package spool

import (
	"fmt"
	"reflect"
	"testing"

	"palisade.dev/palisade/internal/finding"
)

// numbered is n findings told apart by name, of severities and rules in turn.
func numbered(from, n int) []finding.Finding {
	out := make([]finding.Finding, n)
	for i := range out {
		f := everyPart()
		f.Object.Name = fmt.Sprint("web-", from+i)
		f.Severity = finding.Severity((from + i) % 5)
		f.RuleID = fmt.Sprint("pod/rule-", (from+i)%7)
		out[i] = f
	}
	return out
}

// readAll reads a sequence back in chunks of n, checking that no chunk is larger.
func readAll(t *testing.T, q *Sequence, n int) []finding.Finding {
	t.Helper()
	var out []finding.Finding
	for chunk, err := range q.Chunks(n) {
		if err != nil {
			t.Fatal(err)
		}
		if len(chunk) == 0 || len(chunk) > n {
			t.Fatalf("a chunk of %d findings, want 1 to %d", len(chunk), n)
		}
		out = append(out, chunk...)
	}
	return out
}

// TestSequenceReadsBackInOrder pins that a sequence gives back its findings section after
// section, each in the order added, in chunks of any size, by index, and counted.
func TestSequenceReadsBackInOrder(t *testing.T) {
	cases := []struct {
		name string
		// adds are (section, count) in the order they are made.
		adds [][2]int
	}{
		{"nothing", nil},
		{"one finding", [][2]int{{1, 1}}},
		{"the first section after the second, though added later", [][2]int{{1, 3}, {0, 2}, {1, 4}, {0, 1}}},
		{"adds larger than an extent", [][2]int{{1, 3*extentMax + 7}, {0, extentMax + 1}}},
		{"enough to be written to the file", [][2]int{{1, 3000}, {0, 2000}, {1, 3000}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := NewSequence(t.TempDir(), 2)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			var sections [2][]finding.Finding
			next := 0
			for _, a := range c.adds {
				fs := numbered(next, a[1])
				next += a[1]
				q.Add(a[0], fs)
				sections[a[0]] = append(sections[a[0]], fs...)
			}
			want := append(sections[0], sections[1]...)
			if q.Len() != len(want) {
				t.Fatalf("Len() = %d, want %d", q.Len(), len(want))
			}
			for _, n := range []int{1, 3, 512, 10000} {
				if got := readAll(t, q, n); !reflect.DeepEqual(got, want) && len(want) > 0 {
					t.Fatalf("chunks of %d: read back %d findings, not the %d added in order", n, len(got), len(want))
				}
			}
			if got, wantTally := q.Tally(), finding.Slice(want).Tally(); !reflect.DeepEqual(got.BySeverity, wantTally.BySeverity) ||
				!reflect.DeepEqual(got.Rules, wantTally.Rules) || !reflect.DeepEqual(got.Clusters, wantTally.Clusters) {
				t.Errorf("Tally() = %+v, want %+v", got, wantTally)
			}
		})
	}
}

// TestSequenceThatCannotBeWrittenLosesNothing pins that the findings of a sequence whose file
// cannot be written stay in memory and are read back whole.
func TestSequenceThatCannotBeWrittenLosesNothing(t *testing.T) {
	q, err := NewSequence(t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	want := numbered(0, 3000)
	q.Add(1, want[:1000])
	q.s.file.Close() // every later write fails
	q.Add(1, want[1000:])
	if q.s.Err() == nil {
		t.Fatal("Err() = nil after writes failed")
	}
	if got := readAll(t, q, 512); !reflect.DeepEqual(got, want) {
		t.Fatalf("read back %d findings, not the %d added", len(got), len(want))
	}
}

// TestSequenceThatCannotBeReadIsAnError pins that a sequence whose file cannot be read back
// says so, and yields no finding after the error.
func TestSequenceThatCannotBeReadIsAnError(t *testing.T) {
	q, err := NewSequence(t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	q.Add(1, numbered(0, 5000)) // more than flushAt: most of it is in the file
	q.s.file.Close()
	failed := false
	for chunk, err := range q.Chunks(512) {
		if failed {
			t.Fatal("a chunk after the error")
		}
		if err != nil {
			failed = true
			continue
		}
		_ = chunk
	}
	if !failed {
		t.Error("Chunks read a closed file without an error")
	}
}
