package report

import (
	"cmp"
	"fmt"
	"io"
	"iter"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/ruledoc"
	"palisade.dev/palisade/internal/rules"
)

// The Markdown report is a pull request comment: the verdict, the counts by severity, the
// findings that fail the scan (at or above --fail-on) as a table, most severe first, and a line
// each for errors, coverage notes, suppressed findings and passes. It is at most MarkdownLimit
// bytes (so at most as many characters), under GitHub's 65,536-character limit on a comment:
// when the table does not fit, it stops at a whole row and says how many findings it left out.
// Every cell is escaped, so that no text of a scanned file can break the table or add markup.

// MarkdownLimit is the most bytes a Markdown report holds.
const MarkdownLimit = 65000

// maxCell bounds the text of one cell before escaping, so that one long message cannot take
// the whole comment.
const maxCell = 300

// maxTargets is how many scan targets the report's last line names.
const maxTargets = 10

func writeMarkdown(w io.Writer, in *Input) error {
	s := summarize(in)
	var head, foot strings.Builder
	writeMarkdownHead(&head, in, s)
	writeMarkdownFoot(&foot, in, s)

	var body strings.Builder
	if s.failing > 0 {
		fmt.Fprintf(&body, "\n### Findings at or above %s\n\n", failOnName(in.FailOn))
		body.WriteString("| Severity | Rule | Object | Location | Message |\n|---|---|---|---|---|\n")
		rows, err := markdownRows(failingFirst(in), s.failing, helpURLs(in.Rules), in.LinkBase, MarkdownLimit-head.Len()-body.Len()-foot.Len())
		if err != nil {
			return err
		}
		body.WriteString(rows)
	}
	var out strings.Builder
	out.Grow(head.Len() + body.Len() + foot.Len())
	out.WriteString(head.String())
	out.WriteString(body.String())
	out.WriteString(foot.String())
	_, err := io.WriteString(w, out.String())
	return err
}

// failingFirst yields the findings at or above --fail-on, most severe first and, within a
// severity, in the caller's order (file, then position): a reading of the active findings per
// severity that has any, which stops when the table is full.
func failingFirst(in *Input) iter.Seq2[*finding.Finding, error] {
	seq := in.active()
	var sevs []finding.Severity
	for sev, n := range seq.Tally().BySeverity {
		if n > 0 && sev >= in.FailOn {
			sevs = append(sevs, sev)
		}
	}
	slices.SortFunc(sevs, func(a, b finding.Severity) int { return cmp.Compare(b, a) })
	return func(yield func(*finding.Finding, error) bool) {
		for _, sev := range sevs {
			for f, err := range finding.All(seq) {
				if err != nil {
					yield(nil, err)
					return
				}
				if f.Severity == sev && !yield(f, nil) {
					return
				}
			}
		}
	}
}

// markdownRows writes the rows of the total findings fs yields in at most avail bytes: all of
// them when they fit, or as many whole rows as fit beside a note of how many were left out.
func markdownRows(fs iter.Seq2[*finding.Finding, error], total int, help map[string]string, base string, avail int) (string, error) {
	var b strings.Builder
	// reserve is room for the note, whatever number it names.
	reserve := 1 + len(cutNote(total))
	fitBytes, fitRows := 0, 0 // the rows that fit beside the note
	i := 0
	for f, err := range fs {
		if err != nil {
			return "", err
		}
		row := markdownRow(f, help, base)
		if b.Len()+len(row) > avail {
			return b.String()[:fitBytes] + "\n" + cutNote(total-fitRows), nil
		}
		b.WriteString(row)
		if b.Len() <= avail-reserve {
			fitBytes, fitRows = b.Len(), i+1
		}
		i++
	}
	return b.String(), nil
}

// cutNote says how many findings the table left out.
func cutNote(n int) string {
	return fmt.Sprintf("**%s not shown**: this summary is capped at %s characters; the full report lists every finding.\n",
		plural(n, "more finding"), thousands(MarkdownLimit))
}

func writeMarkdownHead(b *strings.Builder, in *Input, s summary) {
	threshold := failOnName(in.FailOn)
	switch {
	case s.failing > 0:
		b.WriteString("## Palisade: failed\n\n")
		fmt.Fprintf(b, "%s at or above **%s** (`--fail-on %s`), of %s.\n", plural(s.failing, "finding"), threshold, threshold, plural(s.total, "finding"))
	case s.errors > 0:
		b.WriteString("## Palisade: incomplete\n\n")
		fmt.Fprintf(b, "No finding at or above **%s** (`--fail-on %s`) in what could be read, but the scan had %s.\n", threshold, threshold, plural(s.errors, "error"))
	case in.FailOn > finding.Critical:
		b.WriteString("## Palisade: passed\n\n")
		fmt.Fprintf(b, "`--fail-on none`: no finding fails the scan; %s.\n", plural(s.total, "finding"))
	default:
		b.WriteString("## Palisade: passed\n\n")
		fmt.Fprintf(b, "No finding at or above **%s** (`--fail-on %s`); %s below it.\n", threshold, threshold, plural(s.total, "finding"))
	}
	b.WriteString("\n| Severity | Findings |\n|---|--:|\n")
	for _, sev := range finding.Severities() {
		fmt.Fprintf(b, "| %s | %d |\n", sev, s.bySeverity[sev])
	}
}

func writeMarkdownFoot(b *strings.Builder, in *Input, s summary) {
	var lines []string
	if below := s.total - s.failing; below > 0 && s.failing > 0 {
		lines = append(lines, fmt.Sprintf("%s below %s, counted above and not listed.", plural(below, "finding"), failOnName(in.FailOn)))
	}
	if s.errors > 0 {
		lines = append(lines, fmt.Sprintf("%s: what Palisade could not read or judge (see the full report).", plural(s.errors, "error")))
	}
	if n := len(in.NotApplied); n > 0 {
		lines = append(lines, fmt.Sprintf("%s: rules not applied to some namespaces (coverage gaps, not passes).", plural(n, "coverage note")))
	}
	if s.suppressed > 0 {
		lines = append(lines, fmt.Sprintf("%s, not counted against the scan.", plural(s.suppressed, "suppressed finding")))
	}
	if len(in.Passed) > 0 {
		lines = append(lines, fmt.Sprintf("%d passed, %d not applicable.", s.passed, s.notApplicable))
	}
	if len(lines) > 0 {
		b.WriteString("\n")
		for _, l := range lines {
			b.WriteString("- " + l + "\n")
		}
	}
	targets := in.Targets
	more := ""
	if len(targets) > maxTargets {
		more = fmt.Sprintf(" and %d more", len(targets)-maxTargets)
		targets = targets[:maxTargets]
	}
	escaped := make([]string, len(targets))
	for i, t := range targets {
		escaped[i] = MarkdownText(t)
	}
	fmt.Fprintf(b, "\n%s %s, %s of %s%s.\n", ToolName, MarkdownText(in.Version), MarkdownText(in.Command), strings.Join(escaped, ", "), more)
}

// helpURLs maps each rule with a documentation page to its URL.
func helpURLs(rs []*rules.Rule) map[string]string {
	m := make(map[string]string, len(rs))
	for _, r := range rs {
		if u := ruledoc.RuleHelpURL(r); u != "" {
			m[r.ID] = u
		}
	}
	return m
}

// markdownRow is one finding as a table row.
func markdownRow(f *finding.Finding, help map[string]string, base string) string {
	rule := MarkdownText(f.RuleID)
	if u, ok := help[f.RuleID]; ok {
		rule = "[" + rule + "](" + u + ")"
	}
	object := f.Object.String()
	if f.Container != "" {
		object += " (container " + f.Container + ")"
	}
	return "| " + f.Severity.String() + " | " + rule + " | " + MarkdownText(object) + " | " +
		markdownLocation(f.Location, base) + " | " + MarkdownText(f.Message) + " |\n"
}

// markdownLocation is file:line, a link into the scanned tree when base is an http(s) URL
// and the file is a relative path; or the host or cluster of what is not a file.
func markdownLocation(l finding.Location, base string) string {
	text := l.File
	if l.File != "" && l.Line > 0 {
		text = l.File + ":" + strconv.Itoa(l.Line)
	}
	if l.Host != "" && text != "" {
		text = l.Host + ":" + text
	}
	switch {
	case text != "":
	case l.Host != "":
		text = l.Host
	case l.Cluster != "":
		text = "context " + l.Cluster
	}
	label := MarkdownText(text)
	link, ok := fileLink(base, l)
	if !ok {
		return label
	}
	return "[" + label + "](" + link + ")"
}

// fileLink is the URL of a finding's file and line under base.
func fileLink(base string, l finding.Location) (string, bool) {
	if base == "" || l.File == "" || l.File == "-" || l.Host != "" || filepath.IsAbs(l.File) || !SafeLinkBase(base) {
		return "", false
	}
	p := path.Clean(filepath.ToSlash(l.File))
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	segments := strings.Split(p, "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	link := strings.TrimRight(base, "/") + "/" + strings.Join(segments, "/")
	if l.Line > 0 {
		link += "#L" + strconv.Itoa(l.Line)
	}
	return link, true
}

// SafeLinkBase reports whether a URL may prefix the Markdown report's links: an absolute
// http or https URL with none of the characters that would end a Markdown link or break a
// table.
func SafeLinkBase(base string) bool {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return false
	}
	return !strings.ContainsFunc(base, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>[]|`\\\"'", r)
	})
}

// MarkdownText makes a text safe in a Markdown table cell or paragraph: on one line, cut to
// a few hundred bytes, control characters dropped, and every character Markdown or HTML reads
// backslash-escaped, so that it shows as written and cannot end a cell, open a link, a code
// span or an HTML tag.
func MarkdownText(s string) string {
	s = cutText(oneLine(s), maxCell)
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			b.WriteByte(' ')
		case r < 0x80 && strings.ContainsRune("\\`*_[]<>|#~&!", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
