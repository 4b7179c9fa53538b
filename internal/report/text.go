package report

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"palisade.dev/palisade/internal/finding"
)

// The text report is for a person at a terminal. Findings are grouped by object, each object
// headed by its kind/namespace/name, apiVersion and file:line; each finding gives its severity,
// rule and file:line:column on one line (a form editors and terminals turn into links), then
// the container and field, the message, the evidence and the remedy. Errors have their own
// section beside the findings, and one summary line closes the report. A rule's remedy is
// printed at its first finding only, so that a scan of many objects stays readable.

// ANSI styles, used only when Input.Color is set.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// severityStyle colours each severity, most serious loudest.
var severityStyle = map[finding.Severity]string{
	finding.Critical: ansiBold + ansiRed,
	finding.High:     ansiRed,
	finding.Medium:   ansiYellow,
	finding.Low:      ansiCyan,
	finding.Info:     ansiDim,
}

// continuation indents the lines under a finding's first line.
const continuation = "      "

type textWriter struct {
	b     textOut
	color bool
	// remedies are the remedies already printed, by rule: a rule's remedy is the same for
	// each of its findings, so it is printed once, at the first.
	remedies map[string]string
}

func (t *textWriter) paint(style, s string) string {
	if !t.color || style == "" || s == "" {
		return s
	}
	return style + s + ansiReset
}

func writeText(w io.Writer, in *Input) error {
	t := &textWriter{b: textOut{w: bufio.NewWriterSize(w, 64<<10)}, color: in.Color, remedies: map[string]string{}}
	for _, c := range in.Clusters {
		t.clusterHeader(c)
	}
	sections := len(in.Clusters) > 1
	active := in.active()
	if len(in.Clusters) == 1 && active.Len() > 0 {
		t.b.WriteString("\n")
	}
	cluster := ""
	i := 0
	err := eachObjectGroup(active, func(g objectGroup) {
		// Several clusters: each has its own section, headed by its context.
		if c := g.findings[0].Location.Cluster; sections && (i == 0 || c != cluster) {
			cluster = c
			t.section("Cluster " + c)
		} else if i > 0 {
			t.b.WriteString("\n")
		}
		t.group(g)
		i++
	})
	if err != nil {
		return err
	}
	if in.ShowSuppressed && len(in.Suppressed) > 0 {
		t.section(fmt.Sprintf("Suppressed findings (%d)", len(in.Suppressed)))
		for i, g := range groupByObject(in.Suppressed) {
			if i > 0 {
				t.b.WriteString("\n")
			}
			t.group(g)
		}
	}
	if in.ShowPassed && len(in.Passed) > 0 {
		t.section(t.paint(ansiGreen, fmt.Sprintf("Passed and not applicable (%d)", len(in.Passed))))
		for _, f := range in.Passed {
			t.passed(f)
		}
	}
	if len(in.Errors) > 0 {
		t.section(t.paint(ansiRed, fmt.Sprintf("Errors (%d)", len(in.Errors))))
		for _, e := range in.Errors {
			t.scanError(e)
		}
	}
	if t.b.Len() > 0 {
		t.b.WriteString("\n")
	}
	for _, n := range in.NotApplied {
		t.b.WriteString(t.paint(ansiYellow, "Not applied") + ": " + notAppliedText(n) + "\n")
	}
	t.summary(in)
	return t.b.flush()
}

// textOut writes the report as it is produced, through a buffer, remembering whether anything
// was written (for the blank lines between sections) and the first write error.
type textOut struct {
	w   *bufio.Writer
	n   int
	err error
}

func (o *textOut) WriteString(s string) {
	if o.err != nil {
		return
	}
	var n int
	n, o.err = o.w.WriteString(s)
	o.n += n
}

// Len is how many bytes were written so far.
func (o *textOut) Len() int { return o.n }

func (o *textOut) flush() error {
	if o.err != nil {
		return o.err
	}
	return o.w.Flush()
}

func (t *textWriter) section(title string) {
	if t.b.Len() > 0 {
		t.b.WriteString("\n")
	}
	t.b.WriteString(t.paint(ansiBold, title) + "\n")
}

// clusterHeader says which cluster was read, what it runs and who read it.
func (t *textWriter) clusterHeader(c Cluster) {
	line := t.paint(ansiBold, "Cluster "+c.Context)
	if c.Server != "" {
		line += " (" + c.Server + ")"
	}
	if !c.Reachable {
		t.b.WriteString(line + ": " + t.paint(ansiRed, "not scanned: see the errors") + "\n")
		return
	}
	var parts []string
	if c.Version != "" {
		v := "Kubernetes " + c.Version
		if c.Distribution != "" {
			v += " (" + c.Distribution + ")"
		}
		parts = append(parts, v)
	}
	if c.User != "" {
		who := "scanned as " + c.User
		if c.ClusterAdmin != nil && *c.ClusterAdmin {
			who += " (cluster-admin)"
		}
		parts = append(parts, who)
	}
	read := plural(c.Objects, "object")
	if c.Skipped > 0 {
		read += fmt.Sprintf(" (and %d reported through their controllers)", c.Skipped)
	}
	parts = append(parts, read)
	if c.Gaps > 0 {
		parts = append(parts, t.paint(ansiRed, plural(c.Gaps, "coverage gap")))
	}
	t.b.WriteString(line + ": " + strings.Join(parts, "; ") + "\n")
}

// group writes one object's header and its findings.
func (t *textWriter) group(g objectGroup) {
	first := g.findings[0]
	header := t.paint(ansiBold, objectTitle(first.Object))
	if v := first.Object.APIVersion; v != "" {
		header += " " + t.paint(ansiDim, "("+v+")")
	}
	if loc := objectLocation(first); loc != "" {
		header += "  " + loc
	}
	t.b.WriteString(header + "\n")
	for _, f := range g.findings {
		t.finding(f)
	}
}

// objectTitle is kind/namespace/name, or what is known of it.
func objectTitle(ref finding.ObjectRef) string {
	if s := ref.String(); s != "" {
		return s
	}
	return "(no object)"
}

// objectLocation is where the object starts, falling back to its file (and document).
func objectLocation(f finding.Finding) string {
	loc := f.ObjectLocation()
	if loc.File == "" && loc.Host == "" && loc.Cluster == "" {
		loc = f.Location
		loc.Line, loc.Column = 0, 0
	}
	s := loc.String()
	if loc.Line == 0 && loc.Document > 1 {
		s += fmt.Sprintf(" (document %d)", loc.Document)
	}
	if loc.Template != "" && path.Base(loc.Template) != path.Base(filepath.ToSlash(loc.File)) {
		s += " (template " + loc.Template + ")"
	}
	return s
}

func (t *textWriter) finding(f finding.Finding) {
	sev := strings.ToUpper(f.Severity.String())
	line := "  " + t.paint(severityStyle[f.Severity], fmt.Sprintf("%-8s", sev)) + " " + t.paint(ansiBold, f.RuleID)
	// A live object's findings are all where the object is, which its header says.
	if loc := f.Location.String(); loc != "" && (f.Location.File != "" || f.Location.Host != "") {
		line += "  " + loc
	}
	t.b.WriteString(line + "\n")
	var where []string
	if f.Container != "" {
		where = append(where, "container "+f.Container)
	}
	if f.Path != "" {
		where = append(where, f.Path)
	}
	if len(where) > 0 {
		t.detail("", strings.Join(where, ": "))
	}
	t.detail("", f.Message)
	t.detail("evidence: ", f.Evidence)
	if also := f.AlsoBreaks(); len(also) > 0 {
		t.detail("also breaks: ", strings.Join(also, ", "))
	}
	if t.remedies[f.RuleID] != f.Remedy {
		t.remedies[f.RuleID] = f.Remedy
		t.detail("remedy: ", f.Remedy)
	}
	if s := f.Suppression; s != nil {
		t.detail("suppressed by "+s.Source+": ", s.Reason)
	}
}

// passed writes one recorded pass or not-applicable verdict on a line, with its evidence or
// reason under it.
func (t *textWriter) passed(f finding.Finding) {
	status, style := "PASS", ansiGreen
	if f.Status == finding.NotApplicable {
		status, style = "N/A", ansiDim
	}
	line := "  " + t.paint(style, fmt.Sprintf("%-8s", status)) + " " + t.paint(ansiBold, f.RuleID) + "  " + objectTitle(f.Object)
	if loc := f.Location.String(); loc != "" {
		line += "  " + loc
	}
	t.b.WriteString(line + "\n")
	t.detail("", f.Message)
	t.detail("evidence: ", f.Evidence)
}

// detail writes one indented line of a finding; empty values are left out.
func (t *textWriter) detail(label, value string) {
	if value = oneLine(value); value == "" {
		return
	}
	t.b.WriteString(continuation + t.paint(ansiDim, label) + value + "\n")
}

func (t *textWriter) scanError(e finding.ScanError) {
	var parts []string
	if loc := e.Location.String(); loc != "" {
		parts = append(parts, loc)
	}
	if obj := e.Object.String(); obj != "" {
		parts = append(parts, obj)
	}
	parts = append(parts, oneLine(e.Message))
	t.b.WriteString("  " + strings.Join(parts, ": ") + "\n")
}

// notAppliedText says, on one line, which rules were not applied to which namespaces and why.
func notAppliedText(n finding.NotApplied) string {
	return plural(len(n.Rules), "rule") + " (" + strings.Join(n.Rules, ", ") + ")" + notAppliedWhere(n) + ": " + oneLine(n.Reason)
}

// notAppliedWhere names the namespaces of a coverage note, " to 2 namespaces (a, b)"; nothing
// for a note that concerns no namespace in particular (an admission policy without a binding).
func notAppliedWhere(n finding.NotApplied) string {
	if len(n.Namespaces) == 0 {
		return ""
	}
	return " to " + plural(len(n.Namespaces), "namespace") + " (" + strings.Join(n.Namespaces, ", ") + ")"
}

// readFrom names where the objects were read from: files, or clusters.
func readFrom(in *Input) string {
	if len(in.Clusters) > 0 {
		return plural(len(in.Clusters), "cluster")
	}
	return plural(in.Stats.Files, "file")
}

// summary writes the closing line: counts by severity, suppressed findings, errors, what was
// read, and whether the findings fail the scan at --fail-on.
func (t *textWriter) summary(in *Input) {
	s := summarize(in)
	var bySev []string
	for _, sev := range finding.Severities() {
		n := s.bySeverity[sev]
		text := fmt.Sprintf("%d %s", n, sev)
		if n > 0 {
			text = t.paint(severityStyle[sev], text)
		}
		bySev = append(bySev, text)
	}
	var line string
	if in.Command == "node" || len(in.Passed) > 0 {
		line = fmt.Sprintf("%s: %s (%s), %d passed, %d not applicable, %d suppressed, %s; %s.",
			t.paint(ansiBold, "Summary"), plural(s.total, "finding"), strings.Join(bySev, ", "),
			s.passed, s.notApplicable, s.suppressed, plural(s.errors, "error"), plural(in.Stats.Objects, "component"))
	} else {
		line = fmt.Sprintf("%s: %s (%s), %d suppressed, %s; %s in %s.",
			t.paint(ansiBold, "Summary"), plural(s.total, "finding"), strings.Join(bySev, ", "),
			s.suppressed, plural(s.errors, "error"),
			plural(in.Stats.Objects, "object"), readFrom(in))
	}
	failOn := "--fail-on=" + failOnName(in.FailOn)
	switch {
	case in.FailOn > finding.Critical:
		line += " No finding fails the scan at " + failOn + "."
	case s.failing > 0:
		line += " " + t.paint(ansiBold+ansiRed, "Fails") + fmt.Sprintf(" at %s: %s at or above %s.",
			failOn, plural(s.failing, "finding"), in.FailOn)
	default:
		line += " " + t.paint(ansiGreen, "Passes") + " at " + failOn + "."
	}
	if s.errors > 0 {
		line += " " + t.paint(ansiRed, "The scan had errors: what they concern was not checked.")
	}
	t.b.WriteString(line + "\n")
}
