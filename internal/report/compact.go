package report

import (
	"bufio"
	"io"
	"strings"

	"palisade.dev/palisade/internal/finding"
)

// The compact report is one line per finding, in the form compilers print and editors, CI
// annotations and problem matchers read (GCC's "file:line:column: severity: message", which
// golangci-lint and most linters follow):
//
//	deploy/web.yaml:22:11: high pod/run-as-non-root: container "app" may run as root ...
//
// The severity is Palisade's (critical, high, medium, low, info), then the rule. A finding
// whose cause other rules share ends with "(also breaks ...)". Scan errors are lines of the
// same form with the severity "error"; coverage notes and the summary close the report, as in
// the text report.

func writeCompact(w io.Writer, in *Input) error {
	t := &textWriter{b: textOut{w: bufio.NewWriterSize(w, 64<<10)}}
	for f, err := range finding.All(in.active()) {
		if err != nil {
			return err
		}
		t.b.WriteString(compactLine(f) + "\n")
	}
	if in.ShowSuppressed {
		for i := range in.Suppressed {
			t.b.WriteString(compactLine(&in.Suppressed[i]) + "\n")
		}
	}
	for _, e := range in.Errors {
		where := e.Location.String()
		if where == "" {
			where = ToolName
		}
		msg := oneLine(e.Message)
		if obj := e.Object.String(); obj != "" {
			msg = obj + ": " + msg
		}
		t.b.WriteString(where + ": error: " + msg + "\n")
	}
	for _, n := range in.NotApplied {
		t.b.WriteString("Not applied: " + notAppliedText(n) + "\n")
	}
	t.summary(in)
	return t.b.flush()
}

// compactLine writes one finding on one line.
func compactLine(f *finding.Finding) string {
	where := f.Location.String()
	if where == "" {
		where = ToolName
	}
	var b strings.Builder
	b.WriteString(where + ": " + f.Severity.String() + " " + f.RuleID + ": ")
	if obj := f.Object.String(); obj != "" && f.Location.File == "" {
		b.WriteString(obj + ": ") // a live object's place is its name
	}
	b.WriteString(oneLine(f.Message))
	if also := f.AlsoBreaks(); len(also) > 0 {
		b.WriteString(" (also breaks " + strings.Join(also, ", ") + ")")
	}
	if s := f.Suppression; s != nil {
		b.WriteString(" (suppressed by " + s.Source + ": " + oneLine(s.Reason) + ")")
	}
	return b.String()
}
