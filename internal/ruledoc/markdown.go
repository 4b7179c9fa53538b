package ruledoc

import (
	"fmt"
	"io"
	"strings"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/vap"
)

// GenerateCommand is the command that regenerates docs/rules.md from the catalog, run from the
// module root.
const GenerateCommand = "go run ./internal/ruledoc/generate"

// WriteMarkdown writes the rule reference: an index of the areas, then one section per area
// with a summary table, then one section per rule with a stable anchor (see Anchor).
func WriteMarkdown(w io.Writer, rs []*rules.Rule) error {
	var b strings.Builder
	groups := ByArea(rs)
	b.WriteString("# Palisade rules\n\n")
	fmt.Fprintf(&b, "<!-- Generated from the rule catalog by `%s`. Do not edit. -->\n\n", GenerateCommand)
	fmt.Fprintf(&b, "Palisade has %d rules in %d areas. `palisade rules` lists them and `palisade explain RULE` "+
		"prints one of them; both read the same catalog this page is generated from.\n\n", len(rs), len(groups))
	b.WriteString("Severities, from most to least serious: critical, high, medium, low, info. A scan fails " +
		"(exit code 1) when a finding is at or above `--fail-on` (default: high).\n\n")
	for _, g := range groups {
		fmt.Fprintf(&b, "- [%s](#%s) (%d)\n", AreaTitle(g.Area), areaAnchor(g.Area), len(g.Rules))
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n\n## %s\n\n", areaAnchor(g.Area), AreaTitle(g.Area))
		b.WriteString("| Rule | Severity | Scope | Title |\n| --- | --- | --- | --- |\n")
		for _, r := range g.Rules {
			fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s |\n", r.ID, Anchor(r.ID), r.Severity, r.Scope, tableCell(prose(r.Title)))
		}
		for _, r := range g.Rules {
			fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n\n### `%s`: %s\n\n", Anchor(r.ID), r.ID, prose(r.Title))
			b.WriteString(strings.TrimRight(RuleMarkdown(r), "\n") + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// areaAnchor is the HTML id of an area's section; "area-" keeps it apart from rule anchors.
func areaAnchor(a rules.Area) string { return "area-" + string(a) }

// RuleMarkdown is the body of a rule's section, without its heading: its facts, description,
// restricted fields, allowed values, remedy and references. SARIF reports use it as the rule's
// help.
func RuleMarkdown(r *rules.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Severity:** %s · **Area:** %s · **Scope:** %s\n\n", r.Severity, r.Area, r.Scope)
	fmt.Fprintf(&b, "**Applies to:** %s\n\n", prose(AppliesTo(r)))
	for _, p := range paragraphs(r.Description) {
		b.WriteString(prose(p) + "\n\n")
	}
	if len(r.Fields) > 0 {
		b.WriteString("**Restricted fields**\n\n")
		for _, f := range r.Fields {
			b.WriteString("- " + codeSpan(f) + "\n")
		}
		b.WriteString("\n")
	}
	if len(r.Allowed) > 0 {
		b.WriteString("**Allowed values**\n\n")
		for _, a := range r.Allowed {
			b.WriteString("- " + prose(a) + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("**Remedy**\n\n")
	for _, p := range paragraphs(r.Remedy) {
		b.WriteString(prose(p) + "\n\n")
	}
	b.WriteString("**Automatic fix:** " + prose(r.AutoFix.Describe()) + "\n\n")
	if text := AdmissionText(r); text != "" {
		b.WriteString("**Admission:** " + prose(text) + "\n\n")
	}
	if len(r.References) > 0 {
		b.WriteString("**References**\n\n")
		for _, ref := range r.References {
			label := prose(ReferenceLabel(ref))
			if ref.URL != "" {
				label = "[" + label + "](" + ref.URL + ")"
			}
			b.WriteString("- " + label + "\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// HelpText is a rule's help as plain text: description, remedy and references.
func HelpText(r *rules.Rule) string {
	var b strings.Builder
	for _, p := range paragraphs(r.Description) {
		b.WriteString(p + "\n\n")
	}
	b.WriteString("Remedy: " + strings.Join(paragraphs(r.Remedy), "\n\n") + "\n")
	if len(r.References) > 0 {
		b.WriteString("\nReferences:\n")
		for _, ref := range r.References {
			line := "- " + ReferenceLabel(ref)
			if ref.URL != "" {
				line += " <" + ref.URL + ">"
			}
			b.WriteString(line + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// codeSpan writes s as inline code, with a fence longer than any run of backticks in it.
func codeSpan(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if fence != "`" {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// tableCell escapes what would end a Markdown table cell.
func tableCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// prose escapes what Markdown would take for markup in plain text written by rule authors
// (`<profile>` would vanish as an HTML tag, `containers[*]` could start emphasis), and keeps
// code spans, which authors write in backticks, as they are.
func prose(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '`' {
			n := 1
			for i+n < len(s) && s[i+n] == '`' {
				n++
			}
			fence := s[i : i+n]
			if end := closingFence(s[i+n:], fence); end >= 0 {
				b.WriteString(s[i : i+n+end+n])
				i += n + end + n
				continue
			}
			b.WriteString(strings.Repeat("\\`", n))
			i += n
			continue
		}
		switch s[i] {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '_':
			// An underscore inside a word (CAP_SYS_ADMIN) never starts emphasis.
			if i == 0 || i == len(s)-1 || !isWordByte(s[i-1]) || !isWordByte(s[i+1]) {
				b.WriteByte('\\')
			}
			b.WriteByte('_')
		case '*', '\\':
			b.WriteByte('\\')
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
		i++
	}
	return b.String()
}

// closingFence finds the run of backticks exactly as long as fence that closes a code span.
func closingFence(s, fence string) int {
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		n := 1
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		if n == len(fence) {
			return i
		}
		i += n
	}
	return -1
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// AdmissionText says whether a ValidatingAdmissionPolicy written by `palisade vap` can enforce
// the rule, and how or why not, as a sentence; "" for the rules of nodes, endpoints and the
// cluster, which judge nothing an admission request carries.
func AdmissionText(r *rules.Rule) string {
	switch r.Scope {
	case rules.ScopeNode, rules.ScopeEndpoint, rules.ScopeCluster:
		return ""
	}
	enforceable, why := vap.Coverage(r)
	if enforceable {
		return "Yes: " + why + "."
	}
	return "No: " + why + "."
}
