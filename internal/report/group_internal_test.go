package report

import (
	"fmt"
	"slices"
	"testing"

	"palisade.dev/palisade/internal/finding"
)

func TestGroupByObject(t *testing.T) {
	at := func(name string, line int) finding.Finding {
		return finding.Finding{RuleID: fmt.Sprint("r", line), Object: finding.ObjectRef{Kind: "Pod", Name: name},
			Location: finding.Location{File: "a.yaml", Line: line}}
	}
	tests := []struct {
		name string
		fs   []finding.Finding
		want [][]int // the lines of each group's findings
	}{
		{"no findings, no groups", nil, nil},
		{"an object's findings together are one group", []finding.Finding{at("a", 1), at("a", 2), at("b", 3)}, [][]int{{1, 2}, {3}}},
		{"an object's findings apart are one group, where it first appears", []finding.Finding{at("a", 1), at("b", 2), at("a", 3), at("c", 4), at("b", 5)},
			[][]int{{1, 3}, {2, 5}, {4}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got [][]int
			for _, g := range groupByObject(tc.fs) {
				var lines []int
				for _, f := range g.findings {
					if keyOf(f) != g.key {
						t.Errorf("finding at line %d is in the group of another object", f.Location.Line)
					}
					lines = append(lines, f.Location.Line)
				}
				got = append(got, lines)
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("groups %v, want %v", got, tc.want)
			}
		})
	}
}
