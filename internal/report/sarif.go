package report

import (
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/ruledoc"
	"palisade.dev/palisade/internal/rules"
)

// The SARIF report follows SARIF 2.1.0 (OASIS, errata 01) and what GitHub code scanning reads
// of it: one run; the driver describes every evaluated rule; each result points at the file,
// line and column of the offending field (relative to %SRCROOT%) and at the object as a
// logical location. Suppressed findings are always included, marked with a suppression, because
// SARIF viewers hide those by default and that is how SARIF counts them. Scan errors are
// tool execution notifications, and make the invocation unsuccessful.

const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// sarifSourceRoot is the base of relative artifact URIs: the folder Palisade ran in, which
	// in CI is the repository root.
	sarifSourceRoot = "%SRCROOT%"
	// fingerprintKey names Palisade's partial fingerprint; the version changes with the
	// fingerprint's recipe.
	fingerprintKey = "palisade/v1"
)

// securitySeverity gives GitHub code scanning a CVSS-like score for each severity. GitHub reads
// above 9.0 as critical, 7.0 to 8.9 as high, 4.0 to 6.9 as medium and 3.9 or less as low;
// info findings have no score, so GitHub shows them by their level ("note") alone.
var securitySeverity = map[finding.Severity]string{
	finding.Critical: "9.5",
	finding.High:     "8.0",
	finding.Medium:   "5.5",
	finding.Low:      "3.0",
}

// sarifLevel maps a severity to a SARIF result level.
func sarifLevel(s finding.Severity) string {
	switch {
	case s >= finding.High:
		return "error"
	case s == finding.Medium:
		return "warning"
	default:
		return "note"
	}
}

// problemSeverity maps a severity to the problem.severity property of CodeQL-style rules.
func problemSeverity(s finding.Severity) string {
	switch {
	case s >= finding.High:
		return "error"
	case s == finding.Medium:
		return "warning"
	default:
		return "recommendation"
	}
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      *sarifText        `json:"fullDescription,omitempty"`
	Help                 *sarifHelp        `json:"help,omitempty"`
	HelpURI              string            `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
	ProblemSeverity  string   `json:"problem.severity"`
	Precision        string   `json:"precision"`
	Severity         string   `json:"palisade/severity"`
	Area             string   `json:"palisade/area"`
	Scope            string   `json:"palisade/scope"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level string `json:"level"`
	// AssociatedRule names the rule a note is about (a rule not applied somewhere).
	AssociatedRule *sarifRuleRef   `json:"associatedRule,omitempty"`
	Message        sarifText       `json:"message"`
	Locations      []sarifLocation `json:"locations,omitempty"`
}

type sarifRuleRef struct {
	ID    string `json:"id"`
	Index int    `json:"index"`
}

type sarifResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex int    `json:"ruleIndex"`
	// Kind is "pass" or "notApplicable" for the passes of node audits; absent means "fail".
	Kind                string            `json:"kind,omitempty"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []sarifSuppress   `json:"suppressions,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppress struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
}

// writeSARIF streams the log: results are converted and written one at a time (see
// jsonStream), giving exactly the bytes json.Encoder with a two-space indent would give for the
// whole log (TestStreamedSARIFEqualsTheWholeEncoding holds it to that).
func writeSARIF(w io.Writer, in *Input) error {
	driver, index := sarifRules(in)
	props := sarifRunProperties(in)
	js := newJSONStream(w)
	js.raw("{\n")
	js.field("$schema", sarifSchema, false)
	js.field("version", sarifVersion, false)
	js.raw("  \"runs\": [\n    {\n")
	js.indent = "      "
	js.field("tool", sarifTool{Driver: driver}, false)
	js.field("invocations", []sarifInvocation{sarifInvocationOf(in, index)}, false)
	js.raw(`      "results": `)
	var passed []finding.Finding
	if in.ShowPassed {
		passed = in.Passed
	}
	js.findingSeq(finding.Concat(in.active(), finding.Slice(in.Suppressed), finding.Slice(passed)), "      ", func() findingEncoder {
		e := sarifEncoder{index: index}
		return e.appendResult
	})
	js.raw(",\n")
	js.field("columnKind", "unicodeCodePoints", len(props) == 0)
	if len(props) > 0 {
		js.field("properties", props, true)
	}
	js.raw("    }\n  ]\n}\n")
	return js.flush()
}

// sarifRules describes every evaluated rule, plus any rule a finding names that the input did
// not list, and returns the index of each rule ID in the driver's rules.
func sarifRules(in *Input) (sarifDriver, map[string]int) {
	d := sarifDriver{Name: ToolName, Version: in.Version, InformationURI: InformationURI, Rules: []sarifRule{}}
	index := map[string]int{}
	for _, r := range in.Rules {
		if _, dup := index[r.ID]; dup {
			continue
		}
		index[r.ID] = len(d.Rules)
		d.Rules = append(d.Rules, sarifRuleOf(r))
	}
	seen := in.active().Tally().Rules
	for _, fs := range []finding.Slice{in.Suppressed, in.Passed} {
		seen = append(seen, fs.Tally().Rules...)
	}
	for _, r := range seen {
		if _, ok := index[r.ID]; ok {
			continue
		}
		index[r.ID] = len(d.Rules)
		d.Rules = append(d.Rules, sarifRuleOf(&rules.Rule{ID: r.ID, Title: r.Title, Severity: r.Severity, Remedy: r.Remedy}))
	}
	return d, index
}

func sarifRuleOf(r *rules.Rule) sarifRule {
	sr := sarifRule{
		ID:                   r.ID,
		Name:                 ruleName(r.ID),
		ShortDescription:     sarifText{Text: r.Title},
		HelpURI:              ruledoc.RuleHelpURL(r),
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(r.Severity)},
		Properties: sarifRuleProperty{
			Tags:             ruleTags(r),
			SecuritySeverity: securitySeverity[r.Severity],
			ProblemSeverity:  problemSeverity(r.Severity),
			Precision:        "high",
			Severity:         r.Severity.String(),
			Area:             string(r.Area),
			Scope:            string(r.Scope),
		},
	}
	if r.Description != "" {
		sr.FullDescription = &sarifText{Text: oneLine(r.Description)}
		sr.Help = &sarifHelp{Text: ruledoc.HelpText(r), Markdown: strings.TrimSpace(ruledoc.RuleMarkdown(r))}
	}
	return sr
}

// ruleName turns a rule ID into the identifier-like name SARIF asks for:
// pod/run-as-non-root becomes PodRunAsNonRoot.
func ruleName(id string) string {
	var b strings.Builder
	upper := true
	for _, c := range id {
		if c == '/' || c == '-' {
			upper = true
			continue
		}
		if upper {
			c = unicode.ToUpper(c)
			upper = false
		}
		b.WriteRune(c)
	}
	return b.String()
}

// ruleTags are the rule's tags: "security" (which GitHub uses to file results as security
// alerts), "kubernetes", its area and its scope.
func ruleTags(r *rules.Rule) []string {
	tags := []string{"security", "kubernetes"}
	for _, t := range []string{string(r.Area), string(r.Scope)} {
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

func sarifInvocationOf(in *Input, index map[string]int) sarifInvocation {
	inv := sarifInvocation{ExecutionSuccessful: len(in.Errors) == 0}
	for _, e := range in.Errors {
		text := e.Message
		if obj := e.Object.String(); obj != "" {
			text = obj + ": " + text
		}
		n := sarifNotification{Level: "error", Message: sarifText{Text: text}}
		if pl := sarifPhysicalOf(e.Location); pl != nil {
			n.Locations = []sarifLocation{{PhysicalLocation: pl}}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	// A rule not applied somewhere is a note, one per rule, so that a viewer shows it beside the
	// rule; it does not make the execution unsuccessful.
	for _, na := range in.NotApplied {
		for _, id := range na.Rules {
			n := sarifNotification{Level: "note", Message: sarifText{Text: fmt.Sprintf("%s was not applied%s: %s",
				id, notAppliedWhere(na), oneLine(na.Reason))}}
			if i, ok := index[id]; ok {
				n.AssociatedRule = &sarifRuleRef{ID: id, Index: i}
			}
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
		}
	}
	return inv
}

// sarifRunProperties restates the scan's counts and threshold, which SARIF has no place for.
func sarifRunProperties(in *Input) map[string]any {
	s := summarize(in)
	return map[string]any{
		"palisade/command":    in.Command,
		"palisade/targets":    append([]string{}, in.Targets...),
		"palisade/failOn":     failOnName(in.FailOn),
		"palisade/failing":    s.failing,
		"palisade/suppressed": s.suppressed,
		"palisade/errors":     s.errors,
		"palisade/files":      in.Stats.Files,
		"palisade/documents":  in.Stats.Documents,
		"palisade/objects":    in.Stats.Objects,
		"palisade/notApplied": notApplied(in),
	}
}

func sarifResultOf(f finding.Finding, index map[string]int) sarifResult {
	res := sarifResult{
		RuleID:              f.RuleID,
		RuleIndex:           index[f.RuleID],
		Level:               sarifLevel(f.Severity),
		Message:             sarifText{Text: sarifMessage(f)},
		PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f)},
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysicalOf(f.Location)}
	if name := f.Object.String(); name != "" {
		loc.LogicalLocations = []sarifLogical{{Name: f.Object.Name, FullyQualifiedName: name, Kind: "object"}}
	}
	res.Locations = []sarifLocation{loc}
	props := map[string]any{"palisade/severity": f.Severity.String()}
	if f.Container != "" {
		props["palisade/container"] = f.Container
	}
	if f.Path != "" {
		props["palisade/path"] = f.Path
	}
	if f.Evidence != "" {
		props["palisade/evidence"] = f.Evidence
	}
	if f.Object.APIVersion != "" {
		props["palisade/apiVersion"] = f.Object.APIVersion
	}
	if also := f.AlsoBreaks(); len(also) > 0 {
		// The rules and checks of the same cause that this result stands for, so that a view
		// of one standard (pss/*) still finds every pod that breaks it.
		props["palisade/alsoBreaks"] = append([]string{}, also...)
	}
	res.Properties = props
	switch f.Status {
	case finding.Pass:
		res.Kind, res.Level = "pass", "none"
	case finding.NotApplicable:
		res.Kind, res.Level = "notApplicable", "none"
	}
	if s := f.Suppression; s != nil {
		// An annotation on the object is written in the manifest itself; a config exemption
		// lives outside it.
		kind := "external"
		if s.Source == "annotation" {
			kind = "inSource"
		}
		res.Suppressions = []sarifSuppress{{Kind: kind, Status: "accepted", Justification: s.Reason}}
	}
	return res
}

// sarifMessage is the finding's message, then its remedy: code scanning shows the message
// alone in an alert's list, so it must say what is wrong and what to do.
func sarifMessage(f finding.Finding) string {
	msg := oneLine(f.Message)
	if also := f.AlsoBreaks(); len(also) > 0 {
		msg += " Also breaks " + strings.Join(also, ", ") + "."
	}
	if f.Remedy != "" {
		msg += " Remedy: " + oneLine(f.Remedy)
	}
	return msg
}

// sarifPhysicalOf locates a file position; nil for what is not in a file (stdin, a cluster).
func sarifPhysicalOf(l finding.Location) *sarifPhysical {
	art, ok := sarifArtifactOf(l.File)
	if !ok {
		return nil
	}
	pl := &sarifPhysical{ArtifactLocation: art}
	if l.Line > 0 {
		pl.Region = &sarifRegion{StartLine: l.Line, StartColumn: max(l.Column, 1)}
	}
	return pl
}

// sarifArtifactOf writes a file path as a SARIF artifact location: relative paths as URI
// references against %SRCROOT%, absolute ones as file URIs.
func sarifArtifactOf(file string) (sarifArtifact, bool) {
	if file == "" || file == "-" {
		return sarifArtifact{}, false
	}
	if filepath.IsAbs(file) {
		u := url.URL{Scheme: "file", Path: filepath.ToSlash(file)}
		if !strings.HasPrefix(u.Path, "/") {
			u.Path = "/" + u.Path // a Windows drive path
		}
		return sarifArtifact{URI: u.String()}, true
	}
	p := path.Clean(filepath.ToSlash(file))
	segments := strings.Split(p, "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	if strings.Contains(segments[0], ":") {
		// "a:b/c" would read as a URI with scheme "a".
		segments = append([]string{"."}, segments...)
	}
	return sarifArtifact{URI: strings.Join(segments, "/"), URIBaseID: sarifSourceRoot}, true
}
