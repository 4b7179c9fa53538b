package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
)

// htmlFuzzInput is a scan whose every text of the input is s: the finding's message,
// evidence, object, container, path and file, a suppression's reason, a target, an error and
// a coverage note.
func htmlFuzzInput(s string) *Input {
	f := finding.Finding{RuleID: "pod/" + s, Title: s, Severity: finding.High,
		Object:    finding.ObjectRef{Kind: "Deployment", Namespace: s, Name: s},
		Container: s, Path: s, Location: finding.Location{File: s, Line: 3, Column: 4, Template: s},
		Message: s, Evidence: s, Remedy: s}
	sup := f
	sup.Suppression = &finding.Suppression{Source: "annotation", Reason: s}
	node := f
	node.Status = finding.Pass
	return &Input{Command: "scan", Targets: []string{s}, Version: s, FailOn: finding.High,
		Findings: []finding.Finding{f}, Suppressed: []finding.Finding{sup}, Passed: []finding.Finding{node},
		Errors:       []finding.ScanError{{Location: finding.Location{File: s}, Message: s}},
		NotApplied:   []finding.NotApplied{{Rules: []string{s}, Namespaces: []string{s}, Reason: s}},
		Clusters:     []Cluster{{Context: s, User: s}},
		Reachability: &Reachability{CrossNamespace: true, Namespaces: []NamespaceReachability{{Namespace: s}}, Problems: []string{s}},
	}
}

// markup is the page without its data: the HTML and the script.
func markup(t *testing.T, page string) (html, data string) {
	t.Helper()
	head, rest, ok := strings.Cut(page, `<script type="application/json" id="report-data">`)
	if !ok {
		t.Fatal("the page has no data element")
	}
	data, tail, ok := strings.Cut(rest, "</script>")
	if !ok {
		t.Fatal("the data element is not closed")
	}
	return head + tail, data
}

// FuzzHTMLEmbedding holds that no text of the input can change the page's markup or escape
// its data: the page has the same elements, attributes and script elements whatever the
// text, its data is JSON that reads back to the text, and the data's strings are quoted as
// encoding/json quotes them with HTML escaping.
func FuzzHTMLEmbedding(f *testing.F) {
	for _, s := range []string{"web", "</script><script>alert(1)</script>", "<!--", `"><img src=x onerror=alert(1)>`,
		"</SCRIPT >", "a\u2028b\u2029c", "\xff\xfe", "&amp;&lt;", "<![CDATA[", "line\nbreak\ttab\x00nul", `\u003c`} {
		f.Add(s)
	}
	var ref bytes.Buffer
	if err := writeHTML(&ref, htmlFuzzInput("x")); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return // an empty text leaves out the lines it would fill (an evidence, a remedy)
		}
		var page bytes.Buffer
		if err := writeHTML(&page, htmlFuzzInput(s)); err != nil {
			t.Fatalf("writing: %v", err)
		}
		got, data := markup(t, page.String())
		want, _ := markup(t, ref.String())
		for _, c := range []string{"<", ">", `"`, "'"} {
			if g, w := strings.Count(got, c), strings.Count(want, c); g != w {
				t.Errorf("a text of %d bytes changed the markup: %d %s, want %d", len(s), g, c, w)
			}
		}
		if n := strings.Count(strings.ToLower(page.String()), "</script"); n != 2 {
			t.Errorf("a text of %d bytes gives the page %d script end tags, want 2", len(s), n)
		}
		if strings.ContainsAny(data, "<>&") {
			t.Errorf("the data holds <, > or & from a text of %d bytes", len(s))
		}
		var d struct {
			Findings [][]any
			Strings  []string
		}
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			t.Fatalf("the data of a text of %d bytes is not JSON: %v", len(s), err)
		}
		var wantText string
		quoted, _ := json.Marshal(s)
		if err := json.Unmarshal(quoted, &wantText); err != nil {
			t.Fatal(err)
		}
		if msg := d.Findings[0][11]; msg != wantText {
			t.Errorf("the message reads back as %q, want %q", msg, wantText)
		}
		if ev := d.Strings[int(d.Findings[0][12].(float64))]; ev != wantText {
			t.Errorf("the evidence reads back as %q, want %q", ev, wantText)
		}
		if got := appendHTMLString(nil, s); !bytes.Equal(got, quoted) {
			t.Errorf("appendHTMLString wrote %s, encoding/json %s", got, quoted)
		}
	})
}
