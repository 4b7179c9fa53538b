package ruledoc

import (
	"fmt"
	"io"
	"strings"

	"palisade.dev/palisade/internal/rules"
)

// textWidth is the width explanations are wrapped to: a terminal's 80 columns.
const textWidth = 80

// WriteExplanation writes everything the catalog says about one rule, for a terminal: what it
// checks and why, the fields it restricts, the values it allows, how to fix a finding and where
// the requirement comes from.
func WriteExplanation(w io.Writer, r *rules.Rule) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n", r.ID, r.Title)
	fmt.Fprintf(&b, "Severity:  %s\n", r.Severity)
	fmt.Fprintf(&b, "Area:      %s\n", r.Area)
	fmt.Fprintf(&b, "Scope:     %s\n", r.Scope)
	b.WriteString(wrap(AppliesTo(r), textWidth, "Kinds:     ", "           "))
	b.WriteString("\n")
	for _, p := range paragraphs(r.Description) {
		b.WriteString(wrap(p, textWidth, "", ""))
		b.WriteString("\n")
	}
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		b.WriteString(title + ":\n")
		for _, it := range items {
			b.WriteString(wrap(it, textWidth, "  ", "    "))
		}
		b.WriteString("\n")
	}
	list("Restricted fields", r.Fields)
	list("Allowed values", r.Allowed)
	b.WriteString("Remedy:\n")
	for _, p := range paragraphs(r.Remedy) {
		b.WriteString(wrap(p, textWidth, "  ", "  "))
	}
	b.WriteString("\n")
	b.WriteString("Automatic fix:\n")
	b.WriteString(wrap(r.AutoFix.Describe(), textWidth, "  ", "  "))
	b.WriteString("\n")
	if len(r.References) > 0 {
		b.WriteString("References:\n")
		for _, ref := range r.References {
			b.WriteString(wrap(ReferenceLabel(ref), textWidth, "  ", "    "))
			if ref.URL != "" {
				b.WriteString("    " + ref.URL + "\n")
			}
		}
		b.WriteString("\n")
	}
	if text := AdmissionText(r); text != "" {
		b.WriteString("Admission:\n")
		b.WriteString(wrap(text, textWidth, "  ", "  "))
		b.WriteString("\n")
	}
	if u := RuleHelpURL(r); u != "" {
		fmt.Fprintf(&b, "Documentation: %s\n", u)
	} else {
		fmt.Fprintf(&b, "Defined in: %s\n", r.Origin)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap breaks text into lines of at most width columns (a longer word stands alone), the first
// line starting with first and the others with rest. Line breaks already in text are kept.
func wrap(text string, width int, first, rest string) string {
	var b strings.Builder
	prefix := first
	for _, line := range strings.Split(text, "\n") {
		n := len(prefix)
		b.WriteString(prefix)
		for i, word := range strings.Fields(line) {
			if i > 0 && n+1+len(word) > width {
				b.WriteString("\n" + rest)
				n = len(rest)
			} else if i > 0 {
				b.WriteString(" ")
				n++
			}
			b.WriteString(word)
			n += len(word)
		}
		b.WriteString("\n")
		prefix = rest
	}
	return b.String()
}
