package report_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/testfiles"
)

// nodeInput is a fixed node audit: one failure, a pass with its evidence, and a rule that did
// not apply, listed (ShowPassed).
func nodeInput() *report.Input {
	at := finding.Location{Host: "cp-1", File: "/proc/812/cmdline"}
	api := finding.ObjectRef{Kind: "kube-apiserver", Name: "cp-1"}
	return &report.Input{
		Command: "node", Targets: []string{"cp-1"}, Version: "1.2.3",
		Findings: []finding.Finding{{
			RuleID: "apiserver/authorization-mode", Title: "The API server authorizes with Node and RBAC, never AlwaysAllow", Severity: finding.Critical,
			Object: api, Path: "--authorization-mode", Location: at, ObjectAt: finding.PositionOf(at),
			Message:  "--authorization-mode allows every request: AlwaysAllow.",
			Evidence: "--authorization-mode=AlwaysAllow (kube-apiserver, process 812)", Remedy: "Set --authorization-mode=Node,RBAC.",
		}},
		Passed: []finding.Finding{
			{RuleID: "apiserver/profiling", Title: "The API server does not serve profiling data", Severity: finding.Low, Object: api, Location: at, ObjectAt: finding.PositionOf(at),
				Message: "The API server does not serve profiling data.", Evidence: "--profiling=false (kube-apiserver, process 812)", Status: finding.Pass},
			{RuleID: "kubelet/read-only-port", Title: "The kubelet's read-only port is off", Severity: finding.High,
				Object: finding.ObjectRef{Kind: "Node", Name: "cp-1"}, Location: finding.Location{Host: "cp-1"},
				Message: "No kubelet was found on this node.", Status: finding.NotApplicable},
		},
		ShowPassed: true,
		FailOn:     finding.High,
		Stats:      report.Stats{Objects: 1},
	}
}

func TestNodeGolden(t *testing.T) {
	for _, tt := range []struct{ golden, format string }{
		{"node-text.golden", "text"},
		{"node-json.golden", "json"},
		{"node-sarif.golden", "sarif"},
		{"node-junit.golden", "junit"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.Write(&b, tt.format, nodeInput()); err != nil {
				t.Fatal(err)
			}
			testfiles.Golden(t, filepath.Join("testdata", tt.golden), b.Bytes())
		})
	}
}
