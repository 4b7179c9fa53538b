package report

import (
	"bytes"
	"testing"

	"palisade.dev/palisade/internal/finding"
)

// viaEncodingJSONSARIF is what json.Encoder writes for f's SARIF result at this indentation.
func viaEncodingJSONSARIF(t testing.TB, f *finding.Finding, index map[string]int, indent string) []byte {
	return encodeIndented(t, sarifResultOf(*f, index), indent)
}

func TestSARIFResultEncoderMatchesEncodingJSON(t *testing.T) {
	full := finding.Finding{
		RuleID: "pod/privileged", Title: "Containers are not privileged", Severity: finding.Critical,
		Object:    finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"},
		Container: "app", Path: "spec.template.spec.containers[0].securityContext.privileged",
		Location: finding.Location{File: "deploy/web.yaml", Document: 2, Line: 24, Column: 13},
		Message:  "quotes \" backslash \\ tab \t newline \n nul \x00 html <&> line sep \u2028 bad utf8 \xff emoji 😀",
		Evidence: "privileged: true", Remedy: "Set privileged\nto false.",
		Related: &finding.Related{AlsoBreaks: []string{"pss/baseline:privileged", "pod/escalation"}},
	}
	index := map[string]int{"pod/privileged": 3, "x/y": 0}
	with := func(change func(*finding.Finding)) finding.Finding {
		f := full
		change(&f)
		return f
	}
	tests := []struct {
		name string
		f    finding.Finding
	}{
		{"every field", full},
		{"only what is required", finding.Finding{RuleID: "x/y", Message: "m"}},
		{"a rule the index does not know", finding.Finding{RuleID: "other/rule", Message: "m"}},
		{"a pass of a node audit", with(func(f *finding.Finding) { f.Status = finding.Pass })},
		{"a rule that did not apply", with(func(f *finding.Finding) { f.Status = finding.NotApplicable })},
		{"suppressed by the object's annotation", with(func(f *finding.Finding) {
			f.Suppression = &finding.Suppression{Source: "annotation", Reason: "by design"}
		})},
		{"suppressed by the config without a reason", with(func(f *finding.Finding) {
			f.Suppression = &finding.Suppression{Source: "config"}
		})},
		{"an absolute path", with(func(f *finding.Finding) { f.Location.File = "/etc/kubernetes/manifests/kube-apiserver.yaml" })},
		{"a path that reads as a scheme", with(func(f *finding.Finding) { f.Location.File = "a:b/c d%.yaml" })},
		{"standard input", with(func(f *finding.Finding) { f.Location.File = "-" })},
		{"no line", with(func(f *finding.Finding) { f.Location.Line, f.Location.Column = 0, 0 })},
		{"a line without a column", with(func(f *finding.Finding) { f.Location.Column = 0 })},
		{"a cluster-scoped object", with(func(f *finding.Finding) { f.Object = finding.ObjectRef{Kind: "ClusterRole", Name: "admin"} })},
		{"no object and no file", finding.Finding{RuleID: "kubelet/anonymous-auth", Severity: finding.High,
			Location: finding.Location{Host: "node-1"}, Message: "m"}},
		{"a low severity", with(func(f *finding.Finding) { f.Severity = finding.Low })},
		{"a medium severity", with(func(f *finding.Finding) { f.Severity = finding.Medium })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, indent := range []string{"", "  ", "      ", "\t"} {
				e := sarifEncoder{index: index}
				got := e.appendResult(nil, &tc.f, indent)
				if want := viaEncodingJSONSARIF(t, &tc.f, index, indent); !bytes.Equal(got, want) {
					t.Errorf("indent %q:\n--- appendResult ---\n%s\n--- encoding/json ---\n%s", indent, got, want)
				}
			}
		})
	}
}

// TestSARIFEncoderRemembersOnlyTheLastFile pins that results of different files, in any
// order, each get their own artifact location.
func TestSARIFEncoderRemembersOnlyTheLastFile(t *testing.T) {
	e := sarifEncoder{index: map[string]int{}}
	for _, file := range []string{"a.yaml", "a.yaml", "-", "b.yaml", "", "a.yaml"} {
		f := finding.Finding{RuleID: "x/y", Message: "m", Location: finding.Location{File: file, Line: 1}}
		if got, want := e.appendResult(nil, &f, "  "), viaEncodingJSONSARIF(t, &f, e.index, "  "); !bytes.Equal(got, want) {
			t.Errorf("file %q:\n--- appendResult ---\n%s\n--- encoding/json ---\n%s", file, got, want)
		}
	}
}

func FuzzSARIFResultEncoder(f *testing.F) {
	f.Add("pod/x", "msg \"q\" \\ \n", "ev\u2028", "\xff\xfe", "ns", "a/b.yaml", 3, 0, false)
	f.Add("", "", "", "", "", "", 0, 0, true)
	f.Add("r", "m", "e", "p", "", "/abs/x:y.yaml", -1, -5, true)
	f.Fuzz(func(t *testing.T, rule, message, evidence, path, ns, file string, line, column int, suppressed bool) {
		fd := finding.Finding{RuleID: rule, Message: message, Evidence: evidence, Path: path, Remedy: evidence,
			Object:   finding.ObjectRef{Namespace: ns, Name: message, Kind: path},
			Location: finding.Location{File: file, Line: line, Column: column}}
		if suppressed {
			fd.Suppression = &finding.Suppression{Source: ns, Reason: message}
			fd.Related = &finding.Related{AlsoBreaks: []string{rule, path}}
		}
		e := sarifEncoder{index: map[string]int{rule: line}}
		if got, want := e.appendResult(nil, &fd, "  "), viaEncodingJSONSARIF(t, &fd, e.index, "  "); !bytes.Equal(got, want) {
			t.Fatalf("\n--- appendResult ---\n%s\n--- encoding/json ---\n%s", got, want)
		}
	})
}
