package report

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// readBack writes a report whose name, message and property are s, and reads the three back
// as YAML 1.2 (go.yaml.in/yaml/v3) and as kubectl reads YAML (sigs.k8s.io/yaml, YAML 1.1).
func readBack(t *testing.T, s string) {
	t.Helper()
	r := &prReport{APIVersion: "wgpolicyk8s.io/v1alpha2", Kind: "PolicyReport",
		Metadata: prMetadata{Name: s, Labels: map[string]string{managedByLabel: ToolName}},
		Results:  []prResult{{Policy: "p", Result: "fail", Message: s, Properties: map[string]string{"k": s}}}}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	r.writeYAML(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	type doc struct {
		Metadata struct{ Name string }
		Results  []struct {
			Message    string
			Properties map[string]string
		}
	}
	var v3 doc
	if err := yamlv3.Unmarshal(b.Bytes(), &v3); err != nil {
		t.Fatalf("not YAML 1.2 (%v):\n%s", err, b.String())
	}
	var v1 doc
	if err := yaml.Unmarshal(b.Bytes(), &v1); err != nil {
		t.Fatalf("not YAML as kubectl reads it (%v):\n%s", err, b.String())
	}
	if !utf8.ValidString(s) {
		return // a reader turns invalid bytes into characters of their own; it must still read
	}
	for _, got := range []doc{v3, v1} {
		if len(got.Results) != 1 || got.Metadata.Name != s || got.Results[0].Message != s || got.Results[0].Properties["k"] != s {
			t.Fatalf("%q reads back as %+v:\n%s", s, got, b.String())
		}
	}
}

func TestPolicyReportYAMLReadsBackAsWritten(t *testing.T) {
	tests := []struct{ name, s string }{
		{"a plain word", "palisade"},
		{"a path with brackets", "spec.containers[0].image"},
		{"a flag", "--authorization-mode"},
		{"a boolean word of YAML 1.1", "yes"},
		{"a boolean word in capitals", "OFF"},
		{"null", "null"},
		{"a tilde", "~"},
		{"an integer", "0x1F"},
		{"a float", "1e3"},
		{"infinity", ".inf"},
		{"a date", "2026-12-07"},
		{"a sexagesimal number of YAML 1.1", "1:20"},
		{"a mapping value inside", "a: b"},
		{"a comment inside", "a #b"},
		{"a colon at the end", "a:"},
		{"a space at the end", "a "},
		{"an anchor", "&a"},
		{"an alias", "*a"},
		{"a tag", "!!binary x"},
		{"a directive", "%YAML 1.1"},
		{"a flow sequence", "[a, b]"},
		{"a flow mapping", "{a: b}"},
		{"a block scalar", "|"},
		{"quotes", `"a" 'b'`},
		{"a backslash", `a\nb`},
		{"line breaks", "a\nb\r\nc"},
		{"a tab", "a\tb"},
		{"a unicode line separator", "a\u2028b"},
		{"a byte order mark", "\ufeffa"},
		{"accents", "équipe"},
		{"a document marker", "---"},
		{"the empty string", ""},
		{"invalid UTF-8", "a\xffb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { readBack(t, tt.s) })
	}
}

// FuzzPolicyReportYAML holds that any text reads back from the policy report as written.
func FuzzPolicyReportYAML(f *testing.F) {
	for _, s := range []string{"a: b", "yes", "- x", "#", "\x00", "1.0", "a\u0085b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { readBack(t, s) })
}

// TestXMLSafeKeepsWhatXMLCarries pins that the text XML carries as it is comes back unchanged
// (the same string, not a copy), and that anything else is what replacing each rune XML cannot
// carry gives.
func TestXMLSafeKeepsWhatXMLCarries(t *testing.T) {
	replace := func(s string) string {
		return strings.Map(func(r rune) rune {
			if xmlChar(r) {
				return r
			}
			return '\uFFFD'
		}, s)
	}
	for _, s := range []string{"", "plain text", "tab\tline\nreturn\r", "delete \x7f", "nul \x00", "bell \a", "é accent", "\uFFFE not a character", "emoji 😀", "bad \xff utf-8"} {
		if got, want := xmlSafe(s), replace(s); got != want {
			t.Errorf("xmlSafe(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestOneLineJoinsTheWordsWithSingleSpaces(t *testing.T) {
	tests := []struct{ name, in string }{
		{"the empty string", ""},
		{"one word", "word"},
		{"words on one line", "a b c"},
		{"a space before", " a"},
		{"a space after", "a "},
		{"two spaces", "a  b"},
		{"a line break", "a\nb"},
		{"a tab", "a\tb"},
		{"only spaces", "   "},
		{"a no-break space", "a\u00a0b"},
		{"a unicode line separator", "a\u2028b"},
		{"accents", "équipe é"},
		{"a vertical tab and a form feed", "a\vb\fc"},
		{"a carriage return at the end", "a b\r"},
		{"a space after an accent", "é  b"},
		{"a next-line character after ASCII words", "ab cd\u0085"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := oneLine(tt.in), strings.Join(strings.Fields(tt.in), " "); got != want {
				t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, want)
			}
		})
	}
}
