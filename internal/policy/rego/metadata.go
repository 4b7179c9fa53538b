package rego

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suggest"
)

// AreaCustom is the area of custom rules that name none.
const AreaCustom rules.Area = "custom"

// Meta is what a policy's package METADATA declares about the rule it defines.
type Meta struct {
	ID          string
	Title       string
	Description string
	Severity    finding.Severity
	Remedy      string
	Area        rules.Area
	Scope       rules.Scope
	Kinds       []string
	Fields      []string
	Allowed     []string
	References  []rules.Reference
}

// customKeys are the keys of a policy's METADATA custom block.
var customKeys = []string{"id", "severity", "remedy", "kinds", "scope", "area", "fields", "allowed"}

// violationRules are the rule names a policy may yield its violations under.
var violationRules = []string{"violation", "deny"}

// slugPattern is the form of the part of a custom rule ID after its prefix.
var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// policyModule is a module that defines a rule.
type policyModule struct {
	file  string
	line  int
	meta  Meta
	query string
}

// policyOf returns the policy a module defines, nil for a library, or an error naming the
// file and line when the module yields violations without metadata or the metadata is wrong.
func policyOf(file string, m *ast.Module) (*policyModule, error) {
	var pkg *ast.Annotations
	for _, a := range m.Annotations {
		if a.Scope == "package" {
			pkg = a
		}
	}
	var yields []string
	for _, r := range m.Rules {
		name := r.Head.Ref()[0].Value.String()
		if slices.Contains(violationRules, name) && !slices.Contains(yields, name) {
			yields = append(yields, name)
		}
	}
	line := m.Package.Location.Row
	hasID := pkg != nil && pkg.Custom["id"] != nil
	switch {
	case !hasID && len(yields) == 0:
		return nil, nil // a library
	case !hasID:
		return nil, fmt.Errorf("%s:%d: the package defines %s but its METADATA (scope: package) declares no custom.id, so it would never run", file, line, yields[0])
	case len(yields) == 0:
		return nil, fmt.Errorf("%s:%d: the package declares a rule in its METADATA but defines no violation (or deny) rule", file, line)
	case len(yields) > 1:
		return nil, fmt.Errorf("%s:%d: the package defines both violation and deny; keep one", file, line)
	}
	if pkg.Location != nil {
		line = pkg.Location.Row
	}
	meta, err := ParseMeta(pkg)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: package METADATA: %w", file, line, err)
	}
	return &policyModule{file: file, line: line, meta: meta, query: m.Package.Path.String() + "." + yields[0]}, nil
}

// ParseMeta reads a policy's rule declaration from its package annotations.
func ParseMeta(a *ast.Annotations) (Meta, error) {
	m := Meta{Title: strings.TrimSpace(a.Title), Description: strings.TrimSpace(a.Description), Area: AreaCustom, Scope: rules.ScopeObject}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for k := range a.Custom {
		if !slices.Contains(customKeys, k) {
			bad("unknown key custom.%s%s", k, didYouMean(k, customKeys))
		}
	}
	str := func(key string, required bool) string {
		v, ok := a.Custom[key]
		if !ok || v == nil {
			if required {
				bad("custom.%s is required", key)
			}
			return ""
		}
		s, ok := v.(string)
		if !ok || strings.TrimSpace(s) == "" {
			bad("custom.%s must be a non-empty string, not %s", key, describe(v))
			return ""
		}
		return strings.TrimSpace(s)
	}
	list := func(key string) []string {
		v, ok := a.Custom[key]
		if !ok || v == nil {
			return nil
		}
		items, ok := v.([]any)
		if !ok {
			if s, isString := v.(string); isString && s != "" {
				return []string{s}
			}
			bad("custom.%s must be a list of strings, not %s", key, describe(v))
			return nil
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			s, ok := it.(string)
			if !ok || s == "" {
				bad("custom.%s must hold only non-empty strings, not %s", key, describe(it))
				continue
			}
			out = append(out, s)
		}
		return out
	}
	if m.Title == "" {
		bad("title is required")
	}
	if m.Description == "" {
		bad("description is required")
	}
	m.ID = str("id", true)
	if m.ID != "" {
		slug, ok := strings.CutPrefix(m.ID, IDPrefix)
		if !ok || !slugPattern.MatchString(slug) {
			bad("custom.id %q must be %s followed by lowercase words joined by dashes (custom/no-latest-tag): custom rules have IDs of their own, never a built-in one's", m.ID, IDPrefix)
		}
	}
	if sev := str("severity", true); sev != "" {
		s, err := finding.ParseSeverity(sev)
		if err != nil {
			bad("custom.severity: %v", err)
		}
		m.Severity = s
	}
	m.Remedy = str("remedy", true)
	if area := str("area", false); area != "" {
		if !slugPattern.MatchString(area) {
			bad("custom.area %q must be lowercase words joined by dashes", area)
		}
		m.Area = rules.Area(area)
	}
	switch scope := str("scope", false); scope {
	case "", "object":
		m.Scope = rules.ScopeObject
	case "pod":
		m.Scope = rules.ScopePod
	default:
		bad("custom.scope %q must be object or pod", scope)
	}
	m.Kinds = list("kinds")
	if m.Scope == rules.ScopeObject && len(m.Kinds) == 0 {
		bad("custom.kinds is required for an object policy (the kinds it judges, or [\"*\"] for all)")
	}
	if m.Scope == rules.ScopePod && len(m.Kinds) > 0 {
		bad("custom.kinds is not used by a pod policy, which judges the pod of every workload")
	}
	m.Fields = list("fields")
	m.Allowed = list("allowed")
	for _, rr := range a.RelatedResources {
		m.References = append(m.References, rules.Docs(rr.Description, rr.Ref.String()))
	}
	if len(problems) > 0 {
		return Meta{}, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return m, nil
}

func didYouMean(name string, known []string) string {
	if s := suggest.Closest(name, known); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// describe names the type of a metadata value for an error, without quoting it.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("a string of %d characters", len(x))
	case bool:
		return "a boolean"
	case []any:
		return fmt.Sprintf("a list of %d items", len(x))
	case map[string]any:
		return fmt.Sprintf("a mapping of %d keys", len(x))
	default:
		return "a number"
	}
}

// rule builds the catalog rule of a policy.
func (p *policyModule) rule(q *Query, in *Cache, timeout time.Duration) rules.Rule {
	m := p.meta
	r := rules.Rule{
		ID: m.ID, Title: m.Title, Severity: m.Severity, Area: m.Area, Scope: m.Scope, Kinds: m.Kinds,
		Description: m.Description, Fields: m.Fields, Allowed: m.Allowed, References: m.References, Remedy: m.Remedy,
		Origin: fmt.Sprintf("%s:%d", p.file, p.line),
	}
	if m.Scope == rules.ScopePod {
		r.Pod = func(c *rules.PodContext) []rules.Violation {
			return evalOn(q, in, c.Object, c.Pod.SpecPath, timeout)
		}
	} else {
		r.Object = func(c *rules.ObjectContext) []rules.Violation {
			return evalOn(q, in, c.Object, "", timeout)
		}
	}
	return r
}
