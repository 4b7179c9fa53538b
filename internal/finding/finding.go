// Package finding owns the one result format every Palisade engine produces and every report
// consumes: a Finding (what is wrong, where, why it matters and how to fix it) and a ScanError
// (what could not be checked). It decides nothing: rules create findings, reports format them.
package finding

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Severity ranks how much a finding matters. The zero value is Info.
type Severity int

// Severities from least to most serious.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// Severities lists every severity from most to least serious, the order reports use.
func Severities() []Severity { return []Severity{Critical, High, Medium, Low, Info} }

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("unknown severity %q (want one of critical, high, medium, low, info)", name)
}

// MarshalText writes the severity's name, so JSON and YAML carry "high", not 3.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ObjectRef names a Kubernetes object the way kubectl does.
type ObjectRef struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
	// UID is the object's metadata.uid when it was read from a cluster, and empty for
	// manifests. It tells one live object from a later one of the same name; only the policy
	// report writes it (resources[].uid), the other reports name objects as kubectl does.
	UID string `json:"-"`
}

// String renders kind/name, or kind/namespace/name for namespaced objects.
func (r ObjectRef) String() string {
	switch {
	case r.Kind == "" && r.Name == "":
		return ""
	case r.Namespace == "":
		return r.Kind + "/" + r.Name
	default:
		return r.Kind + "/" + r.Namespace + "/" + r.Name
	}
}

// Location says where something was observed: a position in a file for manifests, a host for
// nodes and probes, a cluster context for live objects. Line and Column are 1-based; zero means
// unknown.
type Location struct {
	File     string `json:"file,omitempty"`
	Document int    `json:"document,omitempty"` // 1-based index of the YAML document in File
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	// Template is the chart template that produced the object, when File is a rendered chart.
	Template string `json:"template,omitempty"`
	Host     string `json:"host,omitempty"`
	Cluster  string `json:"cluster,omitempty"`
}

// String renders file:line:column (or the host or cluster); a file on a node is prefixed by
// the node's name (cp-1:/etc/kubernetes/manifests/kube-apiserver.yaml).
func (l Location) String() string {
	if l.Host != "" && l.File != "" {
		file := l
		file.Host = ""
		return l.Host + ":" + file.String()
	}
	switch {
	case l.File != "" && l.Line > 0:
		return fmt.Sprintf("%s:%d:%d", l.File, l.Line, max(l.Column, 1))
	case l.File != "":
		return l.File
	case l.Host != "":
		return l.Host
	default:
		return l.Cluster
	}
}

// Patch is a remedy as data: set (or remove, when Value is nil and Remove is true) the field at
// Path. `palisade fix` applies patches; it never re-implements a check. A list Value on a field
// that already holds a list adds the items the list lacks (an item that is a mapping with a
// name is there when an item of that name is). Comment, when set, is written beside the field
// as a YAML comment; a patch with a Comment and neither Value, Remove nor Rename only writes
// the comment, for what only the user knows (a resource limit, an image digest). Rename, when
// set, renames the key at Path to Rename and keeps its value as written: a misspelt field
// corrected to the one it probably meant.
type Patch struct {
	Path    string `json:"path"`
	Value   any    `json:"value,omitempty"`
	Remove  bool   `json:"remove,omitempty"`
	Rename  string `json:"rename,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// IsNote reports whether the patch only writes a comment for the user.
func (p Patch) IsNote() bool { return p.Value == nil && !p.Remove && p.Rename == "" }

// Changes returns the patches that change a field, leaving out notes; fix itself when it
// holds no note.
func Changes(fix []Patch) []Patch {
	if !slices.ContainsFunc(fix, Patch.IsNote) {
		return fix
	}
	out := make([]Patch, 0, len(fix))
	for _, p := range fix {
		if !p.IsNote() {
			out = append(out, p)
		}
	}
	return out
}

// Suppression records why a finding is not counted against the scan.
type Suppression struct {
	// Source is "annotation" (the object's palisade.dev/ignore annotation) or "config"
	// (an exemption in .palisade.yaml).
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// Status is the verdict of one evaluation of a rule. Findings are failures; benchmark-style
// engines (node audits) also record passes and what did not apply, which reports show on
// request, since auditors want the whole benchmark.
type Status string

// Statuses. The zero value is a failure, which is what a finding is unless it says otherwise.
const (
	Fail          Status = ""
	Pass          Status = "pass"
	NotApplicable Status = "not-applicable"
)

// Finding is one violation of one rule by one object (or node, or endpoint).
type Finding struct {
	RuleID    string    `json:"rule"`
	Title     string    `json:"title"`
	Severity  Severity  `json:"severity"`
	Object    ObjectRef `json:"object"`
	Container string    `json:"container,omitempty"`
	// Path is the offending field, for example
	// spec.template.spec.containers[1].securityContext.runAsNonRoot.
	Path string `json:"path,omitempty"`
	// Location is the position of Path in the source, or of its nearest existing parent when
	// the field is missing.
	Location    Location     `json:"location"`
	Message     string       `json:"message"`
	Remedy      string       `json:"remedy,omitempty"`
	Evidence    string       `json:"evidence,omitempty"`
	Fix         []Patch      `json:"fix,omitempty"`
	Suppression *Suppression `json:"suppressed,omitempty"`
	// Status is Pass or NotApplicable for the recorded passes of node audits; findings are
	// failures.
	Status Status `json:"status,omitempty"`

	// ObjectAt is where the object itself starts in its document, so that reports can head a
	// group of findings with the object's own file:line (ObjectLocation). Its file is the
	// finding's: a large scan does not hold it twice per finding.
	ObjectAt Position `json:"-"`

	// Related holds what the finding shares with other rules, when it shares anything: one
	// pointer, since most findings share nothing and a large scan holds millions of them.
	Related *Related `json:"related,omitempty"`
}

// Related is what one finding shares with other rules: the checks it is made of, for a rule
// that judges several checks at once (the Pod Security Standards checks of one level), and the
// other rules and checks that its cause also breaks, once findings of one cause are folded
// into one.
type Related struct {
	// Checks are the checks a composite finding reports; its message is Lead, the checks'
	// reasons joined by ", ", then Tail, so that a check another finding reports can be taken
	// out of it.
	Checks     []Check `json:"checks,omitempty"`
	Lead, Tail string  `json:"-"`
	// AlsoBreaks names the other rules ("pod/image-digest") and checks of composite rules
	// ("pss/restricted:seccompProfile_restricted") that the same cause, at the same object,
	// container and field, breaks; they are reported by this finding rather than on their own.
	AlsoBreaks []string `json:"alsoBreaks,omitempty"`
}

// Check is one check of a composite finding.
type Check struct {
	// ID names the check within its rule (seccompProfile_restricted).
	ID        string `json:"id"`
	Container string `json:"container,omitempty"`
	Path      string `json:"path,omitempty"`
	// Reason says what fails, as one item of the finding's message.
	Reason string `json:"reason"`
	// At is where Path is in the finding's document.
	At Position `json:"-"`
	// Field is true when Path is the very field the check restricts, not a parent common to
	// several fields or containers: only then may it be matched with another rule's finding
	// about the same field. (It follows At, whose padding it fills.)
	Field bool `json:"-"`
}

// ObjectLocation is where the object the finding is about starts in the source; the zero
// Location when that is not known.
func (f *Finding) ObjectLocation() Location { return f.ObjectAt.In(f.Location) }

// Position is a line and column in the document of a finding: where another part of the same
// object is, kept without the file, document and template the finding's Location already holds.
type Position struct {
	Line, Column int32
	// Known is false for the zero Position: nothing is known, not even the file.
	Known bool
}

// PositionOf keeps the line and column of l.
func PositionOf(l Location) Position {
	return Position{Line: clampInt32(l.Line), Column: clampInt32(l.Column), Known: true}
}

// In returns the position in the document of l: l with the position's line and column, or the
// zero Location when the position is not known.
func (p Position) In(l Location) Location {
	if !p.Known {
		return Location{}
	}
	l.Line, l.Column = int(p.Line), int(p.Column)
	return l
}

func clampInt32(n int) int32 {
	return int32(min(max(n, 0), math.MaxInt32))
}

// AlsoBreaks returns the other rules and checks the finding's cause breaks.
func (f *Finding) AlsoBreaks() []string {
	if f.Related == nil {
		return nil
	}
	return f.Related.AlsoBreaks
}

// ScanError is something Palisade could not check: an unreadable file, a malformed document,
// an unreachable cluster. Errors are reported beside findings, never instead of them.
type ScanError struct {
	Location Location `json:"location"`
	// Object is set when the error concerns one object (a field of the wrong type, say).
	Object  ObjectRef `json:"object,omitzero"`
	Message string    `json:"message"`
}

func (e ScanError) Error() string {
	if loc := e.Location.String(); loc != "" {
		return loc + ": " + e.Message
	}
	return e.Message
}

// NotApplied says that rules were not applied to some namespaces, and why: a coverage note,
// not an error (nothing went wrong reading) and never a pass. Reports show it beside the
// findings; it does not change the exit code.
type NotApplied struct {
	Rules      []string `json:"rules"`
	Namespaces []string `json:"namespaces"`
	Reason     string   `json:"reason"`
}

// Compare orders findings deterministically: by file and position, then object, rule,
// container and path, so that reports are stable across runs and machines. It decides at the
// first key that differs: a report of a hundred thousand findings sorts in a fraction of the
// time that comparing every key would take.
func Compare(a, b *Finding) int {
	if c := strings.Compare(a.Location.File, b.Location.File); c != 0 {
		return c
	}
	if c := strings.Compare(a.Location.Cluster, b.Location.Cluster); c != 0 {
		return c
	}
	if c := strings.Compare(a.Location.Host, b.Location.Host); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Location.Document, b.Location.Document); c != 0 {
		return c
	}
	if c := strings.Compare(a.Object.Namespace, b.Object.Namespace); c != 0 {
		return c
	}
	if c := strings.Compare(a.Object.Kind, b.Object.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.Object.Name, b.Object.Name); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Location.Line, b.Location.Line); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Location.Column, b.Location.Column); c != 0 {
		return c
	}
	if c := strings.Compare(a.RuleID, b.RuleID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Container, b.Container); c != 0 {
		return c
	}
	if c := strings.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}

// Sort orders findings with Compare, stably. It sorts their indexes and then moves each
// finding once, since findings are large values and a sort moves its elements many times.
func Sort(fs []Finding) {
	order := make([]int32, len(fs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return Compare(&fs[a], &fs[b]) })
	// Apply the permutation in place, cycle by cycle: position i receives fs[order[i]].
	for i := range order {
		if order[i] < 0 {
			continue
		}
		tmp := fs[i]
		j := i
		for {
			k := int(order[j])
			order[j] = -1
			if k == i {
				fs[j] = tmp
				break
			}
			fs[j] = fs[k]
			j = k
		}
	}
}

// SortErrors orders scan errors by location and message.
func SortErrors(es []ScanError) {
	slices.SortStableFunc(es, func(a, b ScanError) int {
		return cmp.Or(
			cmp.Compare(a.Location.File, b.Location.File),
			cmp.Compare(a.Location.Host, b.Location.Host),
			cmp.Compare(a.Location.Cluster, b.Location.Cluster),
			cmp.Compare(a.Location.Document, b.Location.Document),
			cmp.Compare(a.Location.Line, b.Location.Line),
			cmp.Compare(a.Message, b.Message),
		)
	})
}
