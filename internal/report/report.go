// Package report formats a scan's findings and errors: human text (detailed, or compact with
// one line per finding), JSON, SARIF 2.1.0, JUnit XML, Kubernetes policy reports
// (wgpolicyk8s.io or openreports.io), a Markdown summary for pull requests and a
// self-contained HTML page, one file per format. Reports only format; they never decide what is a finding or what fails a scan: they
// restate the caller's --fail-on threshold and count against it.
//
// Every format counts suppressed findings. Text and JSON list them only when ShowSuppressed
// (--show-suppressed); SARIF and JUnit always carry them, as results with a suppression and as
// skipped test cases, because that is how those formats count them and how their viewers hide
// them by default, and the HTML page always has them on a tab of their own. Output is deterministic: no timestamps but the caller's (Input.Now, which
// the policy report needs), no machine paths beyond the ones the findings name, and findings
// in the order the caller sorted them.
package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// ToolName and InformationURI identify Palisade in reports that name their tool (JSON, SARIF).
const (
	ToolName       = "palisade"
	InformationURI = "https://palisade.dev"
)

// Input is everything a report may show.
type Input struct {
	// Command is the Palisade command that produced the findings ("scan", "cluster" ...);
	// Targets what it scanned (paths, contexts, hosts).
	Command string
	Targets []string
	Version string
	// Findings are the active findings, sorted; Suppressed the suppressed ones, sorted, shown
	// only when ShowSuppressed (but always counted).
	Findings   []finding.Finding
	Suppressed []finding.Finding
	// Active, when set, stands for Findings, which is then not read: the active findings of
	// a scan that may find millions, read back from a spool as each format writes them
	// (finding.Seq). A format that cannot read them fails; it never writes fewer.
	Active         finding.Seq
	ShowSuppressed bool
	// Passed are the passes and not-applicable verdicts of benchmark-style audits (node
	// rules), sorted; every format counts them, and lists them only when ShowPassed.
	Passed     []finding.Finding
	ShowPassed bool
	Errors     []finding.ScanError
	// NotApplied are coverage notes: rules not applied to some namespaces, and why. Every
	// format shows them; they are not errors and do not fail the scan.
	NotApplied []finding.NotApplied
	// Rules are the rules that were evaluated, for formats that describe them (SARIF).
	Rules  []*rules.Rule
	FailOn finding.Severity
	Stats  Stats
	// Clusters describe the live clusters a cluster scan read, one per context, in the order
	// their sections appear; empty for manifests.
	Clusters []Cluster
	// Color allows ANSI colours in the text format (only on a terminal).
	Color bool
	// Now is when the scan ran, which the policy report stamps its results with; the caller
	// sets it, so that a report is a function of its input. The zero time stamps nothing.
	Now time.Time
	// ReportAPI is the API the policy report is written for (the zero value is
	// PolicyReportAPI).
	ReportAPI ReportAPI
	// LinkBase, when set, turns the markdown report's file locations into links: the URL of
	// the scanned tree (https://github.com/ORG/REPO/blob/COMMIT), to which a finding's
	// relative file path and #L<line> are added.
	LinkBase string
	// Reachability, when the scanned input holds NetworkPolicies, is what they allow per
	// namespace, which the HTML report shows.
	Reachability *Reachability
}

// Stats count what was read.
type Stats struct {
	Files     int `json:"files"`
	Documents int `json:"documents"`
	Objects   int `json:"objects"`
}

// Cluster is what a report says about one scanned cluster: which one, what it runs, who the
// scan ran as, and how much of it was read.
type Cluster struct {
	Context      string   `json:"context"`
	Server       string   `json:"server,omitempty"`
	Version      string   `json:"version,omitempty"`
	Distribution string   `json:"distribution,omitempty"`
	User         string   `json:"user,omitempty"`
	Groups       []string `json:"groups,omitempty"`
	// ClusterAdmin is whether the scan's identity may do everything; nil when unknown.
	ClusterAdmin *bool `json:"clusterAdmin,omitempty"`
	Objects      int   `json:"objects"`
	// Skipped are objects owned by a scanned controller, reported through it.
	Skipped int `json:"skipped"`
	// Gaps counts the kinds (per namespace) that could not be listed.
	Gaps int `json:"gaps"`
	// Reachable is false when nothing could be read from the cluster.
	Reachable bool `json:"reachable"`
}

// Writer writes one format.
type Writer func(w io.Writer, in *Input) error

// Formats lists the format names.
func Formats() []string {
	return []string{"compact", "html", "json", "junit", "markdown", "policyreport", "sarif", "text"}
}

func writerFor(format string) (Writer, bool) {
	switch strings.ToLower(format) {
	case "text":
		return writeText, true
	case "compact":
		return writeCompact, true
	case "json":
		return writeJSON, true
	case "sarif":
		return writeSARIF, true
	case "junit":
		return writeJUnit, true
	case "policyreport":
		return writePolicyReport, true
	case "markdown":
		return writeMarkdown, true
	case "html":
		return writeHTML, true
	}
	return nil, false
}

// PrintsPatches reports whether the named format prints the remedy patches of findings (the
// fields a fix sets, removes or renames; never the TODO notes, which only fix writes).
func PrintsPatches(format string) bool { return strings.EqualFold(format, "json") }

// Write writes the report in the named format.
func Write(w io.Writer, format string, in *Input) error {
	wr, ok := writerFor(format)
	if !ok {
		return fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	return wr(w, in)
}

// active are the active findings: Active when set, else Findings.
func (in *Input) active() finding.Seq {
	if in.Active != nil {
		return in.Active
	}
	return finding.Slice(in.Findings)
}

// held is in with its active findings read into memory, for the formats that hold their
// whole output before they write it (HTML, Markdown, policy reports): the findings cost
// them no more than what they make of them.
func (in *Input) held() (*Input, error) {
	if in.Active == nil {
		return in, nil
	}
	fs, err := finding.Collect(in.Active)
	if err != nil {
		return nil, err
	}
	out := *in
	out.Findings, out.Active = fs, nil
	return &out, nil
}
