package report

import (
	"encoding/json"
	"io"

	"palisade.dev/palisade/internal/finding"
)

// The JSON report is for programs. Its shape is its own, versioned by JSONSchemaVersion,
// documented in docs/report-json.md and described by docs/report.schema.json; it is built from
// the types below rather than from the internal Finding, so that the internal model can change
// without changing what consumers parse.

// JSONSchemaVersion is the version of the JSON report's schema: the major number changes when
// a field is removed, renamed or changes meaning; the minor number when fields are added.
const JSONSchemaVersion = "1.0"

// JSONSchemaURI names the JSON Schema of the report (docs/report.schema.json).
const JSONSchemaURI = "https://palisade.dev/schemas/report-1.json"

type jsonReport struct {
	Schema        string         `json:"$schema"`
	SchemaVersion string         `json:"schemaVersion"`
	Tool          jsonTool       `json:"tool"`
	Command       string         `json:"command"`
	Targets       []string       `json:"targets"`
	Summary       jsonSummary    `json:"summary"`
	Findings      []jsonFinding  `json:"findings"`
	Suppressed    jsonSuppressed `json:"suppressed"`
	Errors        []jsonError    `json:"errors"`
	Stats         jsonStats      `json:"stats"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type jsonSummary struct {
	Findings   int          `json:"findings"`
	BySeverity jsonSeverity `json:"bySeverity"`
	FailOn     string       `json:"failOn"`
	// Failing counts the findings at or above FailOn; Fails is Failing > 0.
	Failing    int  `json:"failing"`
	Fails      bool `json:"fails"`
	Suppressed int  `json:"suppressed"`
	Errors     int  `json:"errors"`
}

// jsonSeverity has one count per severity, all always present.
type jsonSeverity struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

type jsonFinding struct {
	Fingerprint    string            `json:"fingerprint"`
	Rule           string            `json:"rule"`
	Title          string            `json:"title"`
	Severity       string            `json:"severity"`
	Object         finding.ObjectRef `json:"object"`
	Container      string            `json:"container,omitempty"`
	Path           string            `json:"path,omitempty"`
	Location       *jsonLocation     `json:"location,omitempty"`
	ObjectLocation *jsonLocation     `json:"objectLocation,omitempty"`
	Message        string            `json:"message"`
	Evidence       string            `json:"evidence,omitempty"`
	Remedy         string            `json:"remedy,omitempty"`
	Fix            []jsonPatch       `json:"fix,omitempty"`
	Suppression    *jsonSuppression  `json:"suppression,omitempty"`
}

type jsonLocation struct {
	File     string `json:"file,omitempty"`
	Document int    `json:"document,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Template string `json:"template,omitempty"`
	Host     string `json:"host,omitempty"`
	Cluster  string `json:"cluster,omitempty"`
}

type jsonPatch struct {
	Path   string `json:"path"`
	Value  any    `json:"value,omitempty"`
	Remove bool   `json:"remove,omitempty"`
}

type jsonSuppression struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// jsonSuppressed is always present: the count and the reasons always, the findings themselves
// only when --show-suppressed lists them (Listed).
type jsonSuppressed struct {
	Count    int                 `json:"count"`
	Reasons  []suppressionReason `json:"reasons"`
	Listed   bool                `json:"listed"`
	Findings []jsonFinding       `json:"findings"`
}

type jsonError struct {
	Message  string             `json:"message"`
	Location *jsonLocation      `json:"location,omitempty"`
	Object   *finding.ObjectRef `json:"object,omitempty"`
}

type jsonStats struct {
	Files     int `json:"files"`
	Documents int `json:"documents"`
	Objects   int `json:"objects"`
	Rules     int `json:"rules"`
}

func writeJSON(w io.Writer, in *Input) error {
	s := summarize(in)
	r := jsonReport{
		Schema:        JSONSchemaURI,
		SchemaVersion: JSONSchemaVersion,
		Tool:          jsonTool{Name: ToolName, Version: in.Version},
		Command:       in.Command,
		Targets:       append([]string{}, in.Targets...),
		Summary: jsonSummary{
			Findings: s.total,
			BySeverity: jsonSeverity{
				Critical: s.bySeverity[finding.Critical], High: s.bySeverity[finding.High],
				Medium: s.bySeverity[finding.Medium], Low: s.bySeverity[finding.Low], Info: s.bySeverity[finding.Info],
			},
			FailOn:     failOnName(in.FailOn),
			Failing:    s.failing,
			Fails:      s.failing > 0,
			Suppressed: s.suppressed,
			Errors:     s.errors,
		},
		Findings: jsonFindings(in.Findings),
		Suppressed: jsonSuppressed{
			Count:    s.suppressed,
			Reasons:  append([]suppressionReason{}, s.reasons...),
			Listed:   in.ShowSuppressed,
			Findings: []jsonFinding{},
		},
		Errors: make([]jsonError, 0, len(in.Errors)),
		Stats:  jsonStats{Files: in.Stats.Files, Documents: in.Stats.Documents, Objects: in.Stats.Objects, Rules: len(in.Rules)},
	}
	if in.ShowSuppressed {
		r.Suppressed.Findings = jsonFindings(in.Suppressed)
	}
	for _, e := range in.Errors {
		je := jsonError{Message: e.Message, Location: newJSONLocation(e.Location)}
		if e.Object != (finding.ObjectRef{}) {
			je.Object = &e.Object
		}
		r.Errors = append(r.Errors, je)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

func jsonFindings(fs []finding.Finding) []jsonFinding {
	out := make([]jsonFinding, 0, len(fs))
	for _, f := range fs {
		jf := jsonFinding{
			Fingerprint:    fingerprint(f),
			Rule:           f.RuleID,
			Title:          f.Title,
			Severity:       f.Severity.String(),
			Object:         f.Object,
			Container:      f.Container,
			Path:           f.Path,
			Location:       newJSONLocation(f.Location),
			ObjectLocation: newJSONLocation(f.ObjectLocation),
			Message:        f.Message,
			Evidence:       f.Evidence,
			Remedy:         f.Remedy,
		}
		for _, p := range f.Fix {
			jf.Fix = append(jf.Fix, jsonPatch(p))
		}
		if f.Suppression != nil {
			jf.Suppression = &jsonSuppression{Source: f.Suppression.Source, Reason: f.Suppression.Reason}
		}
		out = append(out, jf)
	}
	return out
}

func newJSONLocation(l finding.Location) *jsonLocation {
	if l == (finding.Location{}) {
		return nil
	}
	jl := jsonLocation(l)
	return &jl
}
