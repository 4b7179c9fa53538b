package cli

import (
	"bytes"
	"errors"
	"iter"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
)

// unreadable is active findings whose reading fails after the first, as a spool whose file
// went away would.
type unreadable struct{ finding.Slice }

var errUnreadable = errors.New("reading the findings spool back: input/output error")

func (u unreadable) Chunks(int) iter.Seq2[[]finding.Finding, error] {
	return func(yield func([]finding.Finding, error) bool) {
		if yield(u.Slice[:1], nil) {
			yield(nil, errUnreadable)
		}
	}
}

// TestFindingsThatCannotBeReadBackExitWithTwo pins that a report whose findings cannot be read
// back ends the command with exit code 2 and the error on stderr, in every format: never the
// exit code of the findings beside a report of fewer of them. (Markdown reads the findings only
// to list those that fail the scan, so they do here.)
func TestFindingsThatCannotBeReadBackExitWithTwo(t *testing.T) {
	fs := finding.Slice{
		{RuleID: "pod/run-as-non-root", Severity: finding.High, Object: finding.ObjectRef{Kind: "Pod", Namespace: "a", Name: "web"}, Location: finding.Location{File: "a.yaml", Line: 3}},
		{RuleID: "pod/run-as-non-root", Severity: finding.High, Object: finding.ObjectRef{Kind: "Pod", Namespace: "a", Name: "api"}, Location: finding.Location{File: "b.yaml", Line: 3}},
	}
	for _, format := range report.Formats() {
		for _, toFile := range []bool{false, true} {
			name := format + " to standard output"
			spec := format
			if toFile {
				name = format + " to a file"
				spec = format + "=" + filepath.Join(t.TempDir(), "report")
			}
			t.Run(name, func(t *testing.T) {
				out := outputFlags{formats: []string{spec}, failOn: "high", reportAPI: string(report.PolicyReportAPI)}
				in := &report.Input{Command: "scan", Active: unreadable{fs}, FailOn: finding.High}
				var stdout, stderr bytes.Buffer
				code := exitCode(out.finish(&stdout, in, 1), &stderr)
				if code != 2 || !strings.Contains(stderr.String(), errUnreadable.Error()) || !strings.Contains(stderr.String(), "writing "+format+" report") {
					t.Errorf("exit code %d, stderr %q; want 2 and the read error", code, stderr.String())
				}
			})
		}
	}
}
