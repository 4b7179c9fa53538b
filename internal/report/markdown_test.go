package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
)

// manyFindings is a scan of n high findings with long messages, more than a comment holds.
func manyFindings(n int) *report.Input {
	in := sampleInput()
	in.Findings = make([]finding.Finding, n)
	for i := range in.Findings {
		in.Findings[i] = finding.Finding{RuleID: "pod/run-as-non-root", Severity: finding.High,
			Object:   finding.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: "load", Name: fmt.Sprintf("pod-%04d", i)},
			Location: finding.Location{File: "load/pods.yaml", Document: i + 1, Line: 10*i + 7, Column: 9},
			Message:  fmt.Sprintf(`Container "app" of pod %d may run as root: `, i) + strings.Repeat("securityContext.runAsNonRoot is not set. ", 5)}
	}
	return in
}

func TestMarkdownGolden(t *testing.T) {
	testGoldenInputs(t, "markdown", []goldenInput{
		{"markdown.golden", sampleInput},
		{"markdown-links.golden", func() *report.Input {
			in := sampleInput()
			in.LinkBase = "https://github.com/example/deploy/blob/0123abc/"
			return in
		}},
		{"markdown-passed.golden", func() *report.Input {
			in := sampleInput()
			in.Errors, in.FailOn = nil, finding.Critical+1
			return in
		}},
		{"markdown-incomplete.golden", func() *report.Input { in := sampleInput(); in.Findings = in.Findings[:0]; return in }},
		{"cluster-markdown.golden", clusterInput},
		{"node-markdown.golden", nodeInput},
		{"markdown-cut.golden", func() *report.Input { return manyFindings(400) }},
	})
}

// tableRows returns the rows of the findings table: the lines after its header and rule.
func tableRows(md string) []string {
	_, table, ok := strings.Cut(md, "| Severity | Rule | Object | Location | Message |\n|---|---|---|---|---|\n")
	if !ok {
		return nil
	}
	var rows []string
	for line := range strings.Lines(table) {
		if !strings.HasPrefix(line, "|") {
			break
		}
		rows = append(rows, line)
	}
	return rows
}

// splitCells splits a table row at the pipes a backslash does not escape.
func splitCells(row string) []string {
	var out []string
	start, backslashes := -1, 0
	row = strings.TrimSuffix(row, "\n")
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			backslashes++
			continue
		case '|':
			if backslashes%2 == 0 {
				if start >= 0 {
					out = append(out, row[start:i])
				}
				start = i + 1
			}
		}
		backslashes = 0
	}
	return out
}

func cells(row string) int { return len(splitCells(row)) }

// unescaped reports whether s holds one of chars not escaped by a backslash.
func unescaped(s, chars string) bool {
	backslashes := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			backslashes++
			continue
		}
		if strings.IndexByte(chars, s[i]) >= 0 && backslashes%2 == 0 {
			return true
		}
		backslashes = 0
	}
	return false
}

func TestMarkdownCutsAtAWholeRow(t *testing.T) {
	tests := []struct {
		name     string
		findings int
		cut      bool
	}{
		{"a few findings are all listed", 3, false},
		{"a hundred findings are all listed", 100, false},
		{"many findings are cut at a row, with a note", 400, true},
		{"ten thousand findings are cut the same way", 10000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := string(render(t, "markdown", func(in *report.Input) { *in = *manyFindings(tt.findings) }))
			if len(md) > report.MarkdownLimit {
				t.Fatalf("the report has %d bytes, more than %d", len(md), report.MarkdownLimit)
			}
			rows := tableRows(md)
			for i, r := range rows {
				if cells(r) != 5 {
					t.Fatalf("row %d has %d cells, want 5", i, cells(r))
				}
			}
			note := fmt.Sprintf("**%d more findings not shown**", tt.findings-len(rows))
			if got := strings.Contains(md, note); got != tt.cut || (!tt.cut && len(rows) != tt.findings) {
				t.Errorf("%d of %d rows listed, note %q present: %v, want a cut: %v", len(rows), tt.findings, note, got, tt.cut)
			}
		})
	}
}

func TestMarkdownTextCannotAddMarkup(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a pipe cannot end a cell", "a | b", `a \| b`},
		{"backticks cannot open a code span", "`rm -rf`", "\\`rm -rf\\`"},
		{"HTML is shown, not read", "<img src=x onerror=alert(1)>", `\<img src=x onerror=alert(1)\>`},
		{"a link cannot be written", "[click](javascript:x)", `\[click\](javascript:x)`},
		{"a backslash cannot escape the escape", `\|`, `\\\|`},
		{"line breaks become spaces", "one\ntwo\r\nthree", "one two three"},
		{"control characters are dropped", "a\x00b\x1bc", "a b c"},
		{"emphasis is shown as written", "*not* _bold_ ~~gone~~", `\*not\* \_bold\_ \~\~gone\~\~`},
		{"an entity is shown as written", "&lt;", `\&lt;`},
		{"a long text is cut", strings.Repeat("x", 400), strings.Repeat("x", 297) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := report.MarkdownText(tt.in); got != tt.want {
				t.Errorf("MarkdownText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSafeLinkBase(t *testing.T) {
	tests := []struct {
		name, base string
		want       bool
	}{
		{"a GitHub blob URL", "https://github.com/o/r/blob/abc", true},
		{"plain http", "http://git.example/o/r/-/blob/abc/", true},
		{"a relative path", "o/r/blob", false},
		{"another scheme", "javascript:alert(1)", false},
		{"a parenthesis would end the link", "https://x.example/a)b", false},
		{"a space would end the link", "https://x.example/a b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := report.SafeLinkBase(tt.base); got != tt.want {
				t.Errorf("SafeLinkBase(%q) = %v, want %v", tt.base, got, tt.want)
			}
		})
	}
}

// FuzzMarkdownMessage holds that no message, object name or file name can change the table:
// one row per failing finding, five cells each, no unescaped markup character outside links.
func FuzzMarkdownMessage(f *testing.F) {
	for _, seed := range []string{"", "a | b", "x\n| y | z |\n", "`", "<script>", "\\", "\\|", "[a](b)", "\xff\xfe", "a\u2028b", "&amp;"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		in := sampleInput()
		for i := range in.Findings {
			in.Findings[i].Message = text
			in.Findings[i].Object.Name = text
			in.Findings[i].Location.File = text
		}
		in.Targets, in.FailOn = []string{text}, finding.Info
		var b bytes.Buffer
		if err := report.Write(&b, "markdown", in); err != nil {
			t.Fatal(err)
		}
		rows := tableRows(b.String())
		if len(rows) != len(in.Findings) {
			t.Fatalf("%d rows for %d failing findings:\n%s", len(rows), len(in.Findings), b.String())
		}
		for i, r := range rows {
			if n := cells(r); n != 5 {
				t.Fatalf("row %d has %d cells, want 5: %q", i, n, r)
			}
			if strings.Count(r, "\n") != 1 {
				t.Fatalf("row %d spans several lines: %q", i, r)
			}
			c := splitCells(r)
			if object, message := c[2], c[4]; unescaped(object+message, "`<>[]*_&") {
				t.Fatalf("row %d has an unescaped markup character: %q", i, r)
			}
		}
	})
}
