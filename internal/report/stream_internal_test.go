package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// The whole documents the streamed reports must equal, field for field in their order.

type jsonReport struct {
	Schema        string               `json:"$schema"`
	SchemaVersion string               `json:"schemaVersion"`
	Tool          jsonTool             `json:"tool"`
	Command       string               `json:"command"`
	Targets       []string             `json:"targets"`
	Summary       jsonSummary          `json:"summary"`
	Findings      []jsonFinding        `json:"findings"`
	Suppressed    jsonSuppressed       `json:"suppressed"`
	Errors        []jsonError          `json:"errors"`
	NotApplied    []finding.NotApplied `json:"notApplied"`
	Stats         jsonStats            `json:"stats"`
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	ColumnKind  string            `json:"columnKind"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

// streamInput is a scan with findings, a suppressed finding, an error and a rule.
func streamInput(showSuppressed bool, n int) *Input {
	rule := &rules.Rule{ID: "pod/privileged", Title: "Privileged container", Severity: finding.Critical, Area: rules.AreaWorkload,
		Scope: rules.ScopePod, Description: "d <b>&</b>", Remedy: "r"}
	var fs []finding.Finding
	for i := range n {
		fs = append(fs, finding.Finding{RuleID: rule.ID, Title: rule.Title, Severity: finding.Critical,
			Object:   finding.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: "ns", Name: fmt.Sprint("p", i)},
			Location: finding.Location{File: "a.yaml", Document: i + 1, Line: 3 + i, Column: 5},
			Message:  "m <&>", Evidence: "e", Remedy: "r", Fix: []finding.Patch{{Path: "spec.x", Value: false}}})
	}
	sup := fs[n-1]
	sup.Suppression = &finding.Suppression{Source: "config", Reason: "why"}
	return &Input{Command: "scan", Targets: []string{"a.yaml"}, Version: "v", Findings: fs[:n-1], Suppressed: []finding.Finding{sup},
		ShowSuppressed: showSuppressed, Errors: []finding.ScanError{{Location: finding.Location{File: "b.yaml", Line: 2}, Message: "malformed"}},
		NotApplied: []finding.NotApplied{{Rules: []string{"pod/privileged"}, Namespaces: []string{"ns"}, Reason: "not defined"}},
		Rules:      []*rules.Rule{rule}, FailOn: finding.High, Stats: Stats{Files: 2, Documents: n + 1, Objects: n}}
}

func encodeWhole(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestStreamedJSONEqualsTheWholeEncoding pins that the streamed JSON report is byte for byte
// what json.Encoder gives for the whole jsonReport value.
func TestStreamedJSONEqualsTheWholeEncoding(t *testing.T) {
	// Sizes on both sides of the chunks that are encoded in parallel.
	for _, c := range []struct {
		show bool
		n    int
	}{{false, 3}, {true, 3}, {false, 2*arrayChunk + 7}, {true, arrayChunk + 1}} {
		show, in := c.show, streamInput(c.show, c.n)
		s := summarize(in)
		whole := jsonReport{
			Schema: JSONSchemaURI, SchemaVersion: JSONSchemaVersion, Tool: jsonTool{Name: ToolName, Version: in.Version},
			Command: in.Command, Targets: in.Targets,
			Summary: jsonSummary{Findings: s.total, BySeverity: jsonSeverity{Critical: s.bySeverity[finding.Critical], High: s.bySeverity[finding.High],
				Medium: s.bySeverity[finding.Medium], Low: s.bySeverity[finding.Low], Info: s.bySeverity[finding.Info]},
				FailOn: failOnName(in.FailOn), Failing: s.failing, Fails: s.failing > 0, Suppressed: s.suppressed, Errors: s.errors},
			Suppressed: jsonSuppressed{Count: s.suppressed, Reasons: s.reasons, Listed: show, Findings: []jsonFinding{}},
			Errors:     []jsonError{{Message: "malformed", Location: newJSONLocation(in.Errors[0].Location)}},
			NotApplied: in.NotApplied,
			Stats:      jsonStats{Files: 2, Documents: c.n + 1, Objects: c.n, Rules: 1},
		}
		for i := range in.Findings {
			whole.Findings = append(whole.Findings, toJSONFinding(&in.Findings[i]))
		}
		if show {
			whole.Suppressed.Findings = []jsonFinding{toJSONFinding(&in.Suppressed[0])}
		}
		var streamed bytes.Buffer
		if err := writeJSON(&streamed, in); err != nil {
			t.Fatal(err)
		}
		if want := encodeWhole(t, whole); !bytes.Equal(streamed.Bytes(), want) {
			t.Errorf("show suppressed %v, %d findings: streamed JSON differs\n--- streamed ---\n%s\n--- whole ---\n%s", show, c.n, streamed.Bytes(), want)
		}
	}
}

// TestStreamedSARIFEqualsTheWholeEncoding does the same for the SARIF log.
func TestStreamedSARIFEqualsTheWholeEncoding(t *testing.T) {
	for _, n := range []int{3, 3*arrayChunk + 2} {
		testStreamedSARIF(t, streamInput(false, n))
	}
}

func testStreamedSARIF(t *testing.T, in *Input) {
	t.Helper()
	driver, index := sarifRules(in)
	run := sarifRun{Tool: sarifTool{Driver: driver}, Invocations: []sarifInvocation{sarifInvocationOf(in, index)},
		ColumnKind: "unicodeCodePoints", Properties: sarifRunProperties(in)}
	for _, f := range append(append([]finding.Finding{}, in.Findings...), in.Suppressed...) {
		run.Results = append(run.Results, sarifResultOf(f, index))
	}
	var streamed bytes.Buffer
	if err := writeSARIF(&streamed, in); err != nil {
		t.Fatal(err)
	}
	want := encodeWhole(t, sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
	if !bytes.Equal(streamed.Bytes(), want) {
		t.Errorf("streamed SARIF differs\n--- streamed ---\n%s\n--- whole ---\n%s", streamed.Bytes(), want)
	}
}
