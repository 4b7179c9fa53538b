package cli

import (
	"testing"

	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
)

func TestReportOptionsKeepThePatchesTheReportsPrint(t *testing.T) {
	for _, c := range []struct {
		name    string
		formats []string
		want    rules.PatchSet
	}{
		{"the default text report prints none", nil, rules.NoPatches},
		{"sarif, junit and markdown print none", []string{"sarif=r.sarif", "junit=r.xml", "markdown"}, rules.NoPatches},
		{"a json report among others prints the changes", []string{"text", "json=r.json"}, rules.ChangePatches},
		{"a format named in capitals is the same", []string{"JSON"}, rules.ChangePatches},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &run{}
			if got := r.reportOptions(&ruleFlags{}, &outputFlags{formats: c.formats, reportAPI: string(report.PolicyReportAPI)}).Patches; got != c.want {
				t.Errorf("patches %d, want %d", got, c.want)
			}
		})
	}
}
