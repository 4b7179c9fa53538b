package report

import (
	"fmt"
	"io"
)

func writeText(w io.Writer, in *Input) error {
	for _, f := range in.Findings {
		fmt.Fprintf(w, "%s %s %s %s %s\n", f.Location, f.Severity, f.RuleID, f.Object, f.Message)
	}
	for _, e := range in.Errors {
		fmt.Fprintf(w, "error: %v\n", e)
	}
	return nil
}
