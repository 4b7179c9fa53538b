package gatekeeper

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

// Constraint is a decoded Constraint: which objects it matches, its parameters and the action
// Gatekeeper takes on a violation.
type Constraint struct {
	Kind       string
	Name       string
	Match      Match
	Parameters map[string]any
	// Action is spec.enforcementAction: deny (the default), warn, dryrun or scoped.
	Action   string
	Severity finding.Severity
	Remedy   string
	Object   *inventory.Object
}

// Match is a Constraint's spec.match.
type Match struct {
	Kinds []struct {
		APIGroups []string `json:"apiGroups"`
		Kinds     []string `json:"kinds"`
	} `json:"kinds"`
	Scope              string                `json:"scope"`
	Namespaces         []string              `json:"namespaces"`
	ExcludedNamespaces []string              `json:"excludedNamespaces"`
	LabelSelector      *metav1.LabelSelector `json:"labelSelector"`
	NamespaceSelector  *metav1.LabelSelector `json:"namespaceSelector"`
	Name               string                `json:"name"`

	labels, namespaceLabels labels.Selector
}

type constraintDoc struct {
	Metadata struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Match                    Match          `json:"match"`
		Parameters               map[string]any `json:"parameters"`
		EnforcementAction        string         `json:"enforcementAction"`
		ScopedEnforcementActions []struct {
			Action string `json:"action"`
		} `json:"scopedEnforcementActions"`
	} `json:"spec"`
}

// Annotations on a Constraint that tell Palisade what Gatekeeper has no field for.
const (
	SeverityAnnotation = "palisade.dev/severity"
	RemedyAnnotation   = "palisade.dev/remedy"
)

// actionSeverity is the severity of a violation of a constraint by its enforcement action:
// what Gatekeeper refuses is high, what it warns about medium, what it only records info.
var actionSeverity = map[string]finding.Severity{"deny": finding.High, "warn": finding.Medium, "dryrun": finding.Info}

// DecodeConstraint reads a Constraint of a template's kind.
func DecodeConstraint(o *inventory.Object) (*Constraint, error) {
	var doc constraintDoc
	where := fmt.Sprintf("%s %s", o.GVK.Kind, o.Name)
	if err := remarshal(o, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	c := &Constraint{Kind: o.GVK.Kind, Name: doc.Metadata.Name, Match: doc.Spec.Match, Parameters: doc.Spec.Parameters, Object: o}
	if c.Name == "" {
		return nil, fmt.Errorf("%s has no metadata.name", o.GVK.Kind)
	}
	c.Action = strings.ToLower(doc.Spec.EnforcementAction)
	if c.Action == "" {
		c.Action = "deny"
	}
	switch c.Action {
	case "deny", "warn", "dryrun":
		c.Severity = actionSeverity[c.Action]
	case "scoped":
		// The strongest action any enforcement point takes.
		c.Severity = finding.Info
		for _, s := range doc.Spec.ScopedEnforcementActions {
			sev, ok := actionSeverity[strings.ToLower(s.Action)]
			if !ok {
				return nil, fmt.Errorf("%s: unknown scoped enforcement action of %d characters (want deny, warn or dryrun)", where, len(s.Action))
			}
			c.Severity = max(c.Severity, sev)
		}
	default:
		return nil, fmt.Errorf("%s: unknown spec.enforcementAction of %d characters (want deny, warn, dryrun or scoped)", where, len(c.Action))
	}
	if s, ok := doc.Metadata.Annotations[SeverityAnnotation]; ok {
		sev, err := finding.ParseSeverity(s)
		if err != nil {
			return nil, fmt.Errorf("%s: annotation %s: %w", where, SeverityAnnotation, err)
		}
		c.Severity = sev
	}
	c.Remedy = doc.Metadata.Annotations[RemedyAnnotation]
	switch c.Match.Scope {
	case "", "*", "Cluster", "Namespaced":
	default:
		return nil, fmt.Errorf("%s: spec.match.scope must be *, Cluster or Namespaced", where)
	}
	var err error
	if c.Match.LabelSelector != nil {
		if c.Match.labels, err = metav1.LabelSelectorAsSelector(c.Match.LabelSelector); err != nil {
			return nil, fmt.Errorf("%s: spec.match.labelSelector: %w", where, err)
		}
	}
	if c.Match.NamespaceSelector != nil {
		if c.Match.namespaceLabels, err = metav1.LabelSelectorAsSelector(c.Match.NamespaceSelector); err != nil {
			return nil, fmt.Errorf("%s: spec.match.namespaceSelector: %w", where, err)
		}
	}
	return c, nil
}

// kindNames are the kinds the constraint matches, ["*"] for any.
func (m *Match) kindNames() []string {
	if len(m.Kinds) == 0 {
		return []string{"*"}
	}
	var out []string
	for _, k := range m.Kinds {
		for _, name := range k.Kinds {
			if name == "*" {
				return []string{"*"}
			}
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// matches reports whether the constraint applies to o, on everything but its namespace's
// labels (NamespaceSelector), which need the inventory.
func (m *Match) matches(o *inventory.Object) bool {
	if len(m.Kinds) > 0 && !m.matchesKind(o) {
		return false
	}
	clusterScoped := o.Namespace == "" && o.GVK.Kind != "Namespace"
	switch m.Scope {
	case "Cluster":
		if o.Namespace != "" {
			return false
		}
	case "Namespaced":
		if o.Namespace == "" {
			return false
		}
	}
	ns := o.Namespace
	if o.GVK.Kind == "Namespace" && o.GVK.Group == "" {
		ns = o.Name
	}
	// Gatekeeper applies the namespace criteria to namespaced objects and Namespaces only.
	if !clusterScoped {
		if len(m.Namespaces) > 0 && !slices.ContainsFunc(m.Namespaces, func(p string) bool { return globMatch(p, ns) }) {
			return false
		}
		if slices.ContainsFunc(m.ExcludedNamespaces, func(p string) bool { return globMatch(p, ns) }) {
			return false
		}
	}
	if m.labels != nil && !m.labels.Matches(labels.Set(o.Labels)) {
		return false
	}
	if m.Name != "" && !globMatch(m.Name, o.Name) {
		return false
	}
	return true
}

// matchesKind reports whether one of the kinds criteria selects o's group and kind.
func (m *Match) matchesKind(o *inventory.Object) bool {
	return slices.ContainsFunc(m.Kinds, func(k struct {
		APIGroups []string `json:"apiGroups"`
		Kinds     []string `json:"kinds"`
	}) bool {
		return anyOf(k.APIGroups, o.GVK.Group) && anyOf(k.Kinds, o.GVK.Kind)
	})
}

// namespaceMatches applies the namespace selector: to a Namespace, its own labels; to a
// namespaced object, its namespace's (ok is false when the inventory does not have it); a
// cluster-scoped object is not selected by namespace.
func (m *Match) namespaceMatches(o *inventory.Object, inv *inventory.Inventory) (match, ok bool) {
	if m.namespaceLabels == nil {
		return true, true
	}
	if o.GVK.Kind == "Namespace" && o.GVK.Group == "" {
		return m.namespaceLabels.Matches(labels.Set(o.Labels)), true
	}
	if o.Namespace == "" {
		return true, true
	}
	ns := inv.Get("Namespace", "", o.Namespace)
	if ns == nil {
		return false, false
	}
	return m.namespaceLabels.Matches(labels.Set(ns.Labels)), true
}

func anyOf(patterns []string, v string) bool {
	return slices.Contains(patterns, "*") || slices.Contains(patterns, v)
}

// globMatch is Gatekeeper's namespace and name glob: a trailing * for a prefix, a leading *
// for a suffix, else the exact name.
func globMatch(pattern, v string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(v, p)
	}
	if s, ok := strings.CutPrefix(pattern, "*"); ok {
		return strings.HasSuffix(v, s)
	}
	return pattern == v
}
