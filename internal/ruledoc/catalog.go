package ruledoc

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/vap"
)

// CatalogSchemaVersion versions the JSON catalog of `palisade rules -o json`. It changes
// only when a field is renamed, removed or changes meaning; new fields keep the version.
const CatalogSchemaVersion = "1"

// Catalog is the JSON form of a list of rules.
type Catalog struct {
	SchemaVersion string  `json:"schemaVersion"`
	Rules         []Entry `json:"rules"`
}

// Entry is the JSON form of one rule: its whole contract, without the evaluation function.
type Entry struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Severity    string            `json:"severity"`
	Area        string            `json:"area"`
	Scope       string            `json:"scope"`
	Kinds       []string          `json:"kinds,omitempty"`
	Components  []string          `json:"components,omitempty"`
	AppliesTo   string            `json:"appliesTo"`
	Description string            `json:"description"`
	Fields      []string          `json:"fields,omitempty"`
	Allowed     []string          `json:"allowed,omitempty"`
	References  []rules.Reference `json:"references,omitempty"`
	Remedy      string            `json:"remedy"`
	// AutoFix is what `palisade fix` does with the rule's findings: edit, note,
	// namespace-file or none.
	AutoFix string `json:"autoFix"`
	HelpURI string `json:"helpUri"`
	// Origin is where a rule of a user's policy is written; absent for built-in rules.
	Origin string `json:"origin,omitempty"`
	// ValidatingAdmissionPolicy says whether `palisade vap` can enforce the rule, and
	// AdmissionNote how or why not.
	ValidatingAdmissionPolicy bool   `json:"validatingAdmissionPolicy"`
	AdmissionNote             string `json:"admissionNote"`
}

// NewEntry describes one rule.
func NewEntry(r *rules.Rule) Entry {
	enforceable, note := vap.Coverage(r)
	return Entry{
		ID:          r.ID,
		Title:       r.Title,
		Severity:    r.Severity.String(),
		Area:        string(r.Area),
		Scope:       string(r.Scope),
		Kinds:       r.Kinds,
		Components:  componentNames(r),
		AppliesTo:   AppliesTo(r),
		Description: r.Description,
		Fields:      r.Fields,
		Allowed:     r.Allowed,
		References:  r.References,
		Remedy:      r.Remedy,
		AutoFix:     AutoFixName(r),
		HelpURI:     RuleHelpURL(r),
		Origin:      r.Origin,

		ValidatingAdmissionPolicy: enforceable,
		AdmissionNote:             note,
	}
}

// WriteJSON writes rules as an indented JSON catalog.
func WriteJSON(w io.Writer, rs []*rules.Rule) error {
	c := Catalog{SchemaVersion: CatalogSchemaVersion, Rules: make([]Entry, 0, len(rs))}
	for _, r := range rs {
		c.Rules = append(c.Rules, NewEntry(r))
	}
	return writeIndented(w, c)
}

// WriteEntryJSON writes one rule as indented JSON.
func WriteEntryJSON(w io.Writer, r *rules.Rule) error { return writeIndented(w, NewEntry(r)) }

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteTable writes one line per rule, in columns, the way kubectl lists resources.
func WriteTable(w io.Writer, rs []*rules.Rule) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tAREA\tSCOPE\tTITLE")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Area, r.Scope, r.Title)
	}
	return tw.Flush()
}

// componentNames are the components a node rule judges.
func componentNames(r *rules.Rule) []string {
	var out []string
	for _, c := range r.Components {
		out = append(out, string(c))
	}
	return append(out, r.EndpointComponents...)
}

// AutoFixName names what `palisade fix` does with a rule's findings: edit, note,
// namespace-file or none.
func AutoFixName(r *rules.Rule) string {
	if r.AutoFix == rules.FixNone {
		return "none"
	}
	return string(r.AutoFix)
}
