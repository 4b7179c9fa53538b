package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"palisade.dev/palisade/internal/finding"
)

// viaEncodingJSON is what appendFinding must equal: json.Encoder's indented encoding.
func viaEncodingJSON(t testing.TB, f *finding.Finding, indent string) []byte {
	return encodeIndented(t, toJSONFinding(f), indent)
}

// encodeIndented is json.Encoder's encoding of v, without HTML escaping, at this indentation,
// as the hand-written encoders write it.
func encodeIndented(t testing.TB, v any, indent string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(indent, "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestFindingEncoderMatchesEncodingJSON(t *testing.T) {
	full := finding.Finding{
		RuleID: "pod/privileged", Title: "Containers are not privileged", Severity: finding.Critical,
		Object:    finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"},
		Container: "app", Path: "spec.template.spec.containers[0].securityContext.privileged",
		Location: finding.Location{File: "deploy/web.yaml", Document: 2, Line: 24, Column: 13, Template: "t.yaml", Host: "h", Cluster: "c"},
		ObjectAt: finding.Position{Line: 1, Column: 1, Known: true},
		Message:  "quotes \" backslash \\ tab \t newline \n nul \x00 html <&> line sep \u2028 para \u2029 bad utf8 \xff emoji 😀",
		Evidence: "privileged: true", Remedy: "Set privileged to false.",
		Fix: []finding.Patch{
			{Path: "a", Value: true},
			{Path: "b", Remove: true},
			{Path: "c", Value: map[string]any{"x": []any{1, "two", nil}, "y": map[string]any{}}},
			{Path: "d", Value: "<html>"},
		},
		Suppression: &finding.Suppression{Source: "annotation", Reason: "by design"},
		Status:      finding.Pass,
	}
	for name, f := range map[string]finding.Finding{
		"every field":           full,
		"only what is required": {RuleID: "x/y", Title: "t", Message: "m"},
		"an empty object":       {RuleID: "x/y", Object: finding.ObjectRef{}, Location: finding.Location{Host: "h"}},
		"a node location":       {RuleID: "x/y", Location: finding.Location{Host: "cp-1", File: "/proc/1/cmdline"}, Status: finding.NotApplicable},
	} {
		t.Run(name, func(t *testing.T) {
			for _, indent := range []string{"", "  ", "      "} {
				got := appendFinding(nil, &f, indent)
				if want := viaEncodingJSON(t, &f, indent); !bytes.Equal(got, want) {
					t.Errorf("indent %q:\n--- appendFinding ---\n%s\n--- encoding/json ---\n%s", indent, got, want)
				}
			}
		})
	}
}

// FuzzFindingEncoder holds appendFinding to encoding/json on arbitrary strings.
func FuzzFindingEncoder(f *testing.F) {
	f.Add("pod/x", "msg \"q\" \\ \n", "ev\u2028", "\xff\xfe", "ns", 3)
	f.Add("", "", "", "", "", 0)
	f.Fuzz(func(t *testing.T, rule, message, evidence, path, ns string, line int) {
		fd := finding.Finding{RuleID: rule, Message: message, Evidence: evidence, Path: path,
			Object: finding.ObjectRef{Namespace: ns, Name: message}, Location: finding.Location{File: evidence, Line: line},
			Fix: []finding.Patch{{Path: path, Value: message}}}
		if got, want := appendFinding(nil, &fd, "  "), viaEncodingJSON(t, &fd, "  "); !bytes.Equal(got, want) {
			t.Fatalf("\n--- appendFinding ---\n%s\n--- encoding/json ---\n%s", got, want)
		}
	})
}

// TestNotAppliedNamesNamespacesOnlyWhenItHasThem pins the wording of coverage notes: a note
// about namespaces names them; one about no namespace in particular (an admission policy
// without a binding) does not speak of "0 namespaces".
func TestNotAppliedNamesNamespacesOnlyWhenItHasThem(t *testing.T) {
	tests := []struct {
		name string
		note finding.NotApplied
		want string
	}{
		{"a note about namespaces names them",
			finding.NotApplied{Rules: []string{"namespace/default-deny"}, Namespaces: []string{"a", "b"}, Reason: "undefined"},
			"1 rule (namespace/default-deny) to 2 namespaces (a, b): undefined"},
		{"a note about no namespace names none",
			finding.NotApplied{Rules: []string{"vap/demo"}, Namespaces: []string{}, Reason: "no binding"},
			"1 rule (vap/demo): no binding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := notAppliedText(tc.note); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
