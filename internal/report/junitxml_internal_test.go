package report

import (
	"bytes"
	"encoding/xml"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// viaEncodingXML is what encoding/xml writes for the whole model of in's JUnit document: the
// planned suites with every case made, then the scan errors' suite.
func viaEncodingXML(t testing.TB, in *Input) []byte {
	root := junitSuites{Name: ToolName, Time: "0"}
	suites, err := junitPlan(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range suites {
		suite := s.junitSuite
		for _, ref := range s.refs {
			var f *finding.Finding
			if ref.kind == refFinding || ref.kind == refAlso {
				f = &in.Findings[ref.i]
			}
			suite.Cases = append(suite.Cases, ref.make(in, s.Name, f))
		}
		root.add(suite)
	}
	if len(in.Errors) > 0 {
		root.add(junitErrors(in.Errors))
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("\n")
	return buf.Bytes()
}

func (r *junitSuites) add(s junitSuite) {
	r.Suites = append(r.Suites, s)
	r.count(s.junitCounts)
}

func TestJUnitWriterMatchesEncodingXML(t *testing.T) {
	odd := "quotes \" ' backslash \\ tab \t newline \n cr \r nul \x00 markup <&> cdata end ]]> twice ]]>]]> bad utf8 \xff emoji 😀 \uFFFE"
	rule := &rules.Rule{ID: "pod/privileged", Title: "Privileged " + odd, Severity: finding.Critical}
	other := &rules.Rule{ID: "pss/baseline", Title: "Baseline", Severity: finding.High}
	quiet := &rules.Rule{ID: "pod/quiet", Title: "Nothing found", Severity: finding.Low}
	f := finding.Finding{RuleID: rule.ID, Title: rule.Title, Severity: finding.Critical,
		Object:    finding.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: "ns", Name: "p " + odd},
		Container: "c", Path: "spec.containers[0].securityContext.privileged",
		Location: finding.Location{File: "dir/a " + odd + ".yaml", Line: 3, Column: 5},
		Message:  "m " + odd, Evidence: "e " + odd, Remedy: "r " + odd,
		Related: &finding.Related{AlsoBreaks: []string{"pss/baseline:privileged", "pod/unknown"}}}
	low := f
	low.Severity, low.Related, low.Location.File = finding.Low, nil, ""
	sup := f
	sup.Suppression = &finding.Suppression{Source: "config", Reason: "why " + odd}
	bare := f
	bare.Suppression = nil
	pass := finding.Finding{RuleID: "kubelet/anonymous-auth", Title: "Anonymous", Severity: finding.High, Status: finding.Pass,
		Location: finding.Location{Host: "node-1"}, Evidence: "--anonymous-auth=false"}
	na := pass
	na.Status, na.Message = finding.NotApplicable, "no kubelet "+odd
	tests := []struct {
		name string
		in   Input
	}{
		{"nothing at all", Input{}},
		{"a rule without findings", Input{Rules: []*rules.Rule{quiet}}},
		{"findings at, below and above the threshold, with the rules their cause also breaks", Input{
			Rules: []*rules.Rule{rule, other, quiet}, FailOn: finding.High, Findings: []finding.Finding{f, low}}},
		{"a finding no listed rule names", Input{FailOn: finding.Medium, Findings: []finding.Finding{low}}},
		{"suppressed findings, with and without a reason", Input{Rules: []*rules.Rule{rule},
			Suppressed: []finding.Finding{sup, bare}}},
		{"passes and rules that did not apply, shown", Input{ShowPassed: true, Passed: []finding.Finding{pass, na}}},
		{"passes not shown", Input{Rules: []*rules.Rule{quiet}, Passed: []finding.Finding{pass, na}}},
		{"rules not applied to namespaces", Input{Rules: []*rules.Rule{rule, quiet},
			NotApplied: []finding.NotApplied{{Rules: []string{"pod/quiet", "pod/absent"}, Namespaces: []string{"a", "b " + odd}, Reason: "why " + odd}}}},
		{"scan errors only", Input{Errors: []finding.ScanError{
			{Location: finding.Location{File: "bad.yaml", Line: 2}, Message: "malformed " + odd},
			{Message: "no location"},
			{Object: finding.ObjectRef{Kind: "Pod", Name: "p"}, Message: "object only"}}}},
		{"everything", *streamInput(true, 5)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := writeJUnit(&got, &tc.in); err != nil {
				t.Fatal(err)
			}
			if want := viaEncodingXML(t, &tc.in); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("\n--- writeJUnit ---\n%s\n--- encoding/xml ---\n%s", got.Bytes(), want)
			}
		})
	}
}

// TestJUnitWriterMatchesEncodingXMLAtScale writes more than the writer holds before it
// flushes.
func TestJUnitWriterMatchesEncodingXMLAtScale(t *testing.T) {
	in := benchInput(3000)
	var got bytes.Buffer
	if err := writeJUnit(&got, in); err != nil {
		t.Fatal(err)
	}
	if got.Len() < 2*flushThreshold {
		t.Fatalf("the report is %d bytes, too small to flush twice", got.Len())
	}
	if want := viaEncodingXML(t, in); !bytes.Equal(got.Bytes(), want) {
		t.Errorf("writeJUnit wrote %d bytes, encoding/xml %d, not the same", got.Len(), len(want))
	}
}

func FuzzJUnitWriter(f *testing.F) {
	f.Add("pod/x", "msg \"q\" ]]> \n", "ev\u2028\x00", "\xff\xfe", "ns", "a/b.yaml", "reason", true)
	f.Add("", "", "", "", "", "", "", false)
	f.Fuzz(func(t *testing.T, rule, message, evidence, path, ns, file, reason string, suppressed bool) {
		fd := finding.Finding{RuleID: rule, Title: message, Message: message, Evidence: evidence, Path: path, Remedy: reason,
			Severity: finding.High, Object: finding.ObjectRef{Kind: path, Namespace: ns, Name: message},
			Location: finding.Location{File: file, Line: len(message)}, Related: &finding.Related{AlsoBreaks: []string{rule + ":" + path}}}
		in := Input{Rules: []*rules.Rule{{ID: rule, Title: reason}}, FailOn: finding.Medium, Findings: []finding.Finding{fd},
			NotApplied: []finding.NotApplied{{Rules: []string{rule}, Namespaces: []string{ns}, Reason: reason}},
			Errors:     []finding.ScanError{{Location: finding.Location{File: file}, Message: evidence}}}
		if suppressed {
			fd.Suppression = &finding.Suppression{Source: ns, Reason: reason}
			in.Suppressed, in.Findings = []finding.Finding{fd}, nil
		}
		var got bytes.Buffer
		if err := writeJUnit(&got, &in); err != nil {
			t.Fatal(err)
		}
		if want := viaEncodingXML(t, &in); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("\n--- writeJUnit ---\n%s\n--- encoding/xml ---\n%s", got.Bytes(), want)
		}
	})
}
