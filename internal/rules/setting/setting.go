// Package setting writes once the mechanism of the rules that judge a component's settings:
// a rule is declared as data (its identity, the settings it reads by name, the values it
// allows, its references) and one judge, built from the templates here ("must be", "must be
// set", "must not be set", "at least", "one of") or written for the rule (Custom). The
// evaluation, reading the node's settings model (package settings), the evidence of a pass
// and the path of a failure are written here only. It judges settings; reading them is
// package settings', and it never contacts a component.
package setting

import (
	"slices"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/settings"
)

// Rule declares a rule on the settings of one kind of component.
type Rule struct {
	ID, Title  string
	Severity   finding.Severity
	Area       rules.Area
	Components []inventory.ComponentKind
	// Settings are the settings the rule reads, by name: a flag's name without dashes, or
	// for the kubelet a KubeletConfiguration field path.
	Settings    []string
	Allowed     []string
	Description string
	Remedy      string
	References  []rules.Reference
	Judge       Judge
}

// Judge judges a component's settings.
type Judge func(Values) Verdict

// Verdict is what a judge decides: failures, or a pass with its evidence, or that the rule
// does not apply.
type Verdict struct {
	Failures []Failure
	// Evidence is a pass's evidence; "" writes the settings the rule reads as observed.
	Evidence      string
	NotApplicable string
}

// Failure is one failure, about one setting.
type Failure struct {
	// Setting is the setting the failure is about; "" is the rule's first.
	Setting string
	Message string
	// Evidence is "" for the settings the rule reads as observed.
	Evidence string
	// Severity overrides the rule's severity when not nil.
	Severity *finding.Severity
}

// Fail is a verdict of one failure about the rule's first setting, with the default evidence.
func Fail(message string) Verdict { return Verdict{Failures: []Failure{{Message: message}}} }

// Pass is a passing verdict with the default evidence.
func Pass() Verdict { return Verdict{} }

// Values are the settings of the component being judged.
type Values struct {
	Ctx *rules.NodeContext
	Of  *settings.Component
}

// Get returns the effective value of a setting.
func (v Values) Get(name string) settings.Setting { return v.Of.Get(name) }

// Field returns a field of the kubelet's effective configuration.
func (v Values) Field(path string) kubeletconfig.Field { return v.Of.Kubelet().Get(path) }

// Evidence writes the named settings as observed, in the component's words: the kubelet's
// fields with their sources (and a note when its configuration could not be read whole), the
// other components' settings with their defaults.
func (v Values) Evidence(names ...string) string {
	parts := make([]string, len(names))
	if e := v.Of.Kubelet(); e != nil {
		for i, n := range names {
			parts[i] = e.Get(n).String()
		}
		s := strings.Join(parts, "; ")
		if len(e.Errors) > 0 {
			s += "; the kubelet's configuration could not be read whole (see kubelet/config-valid)"
		}
		return s
	}
	for i, n := range names {
		s := v.Get(n)
		parts[i] = s.Observed(s.Default)
	}
	return strings.Join(parts, "; ")
}

// Rule is the declaration as a rule of the catalog.
func (r Rule) Rule() rules.Rule {
	kubelet := slices.Contains(r.Components, inventory.Kubelet)
	fields := make([]string, len(r.Settings))
	for i, s := range r.Settings {
		fields[i] = path(kubelet, s)
	}
	return rules.Rule{
		ID: r.ID, Title: r.Title, Severity: r.Severity, Area: r.Area, Scope: rules.ScopeNode,
		Components: r.Components, Description: r.Description, Fields: fields, Allowed: r.Allowed,
		References: r.References, Remedy: r.Remedy,
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			of, reason := ctx.Settings()
			if reason != "" {
				ctx.NotApplicable(reason)
				return nil
			}
			v := Values{Ctx: ctx, Of: of}
			verdict := r.Judge(v)
			switch {
			case verdict.NotApplicable != "":
				ctx.NotApplicable(verdict.NotApplicable)
				return nil
			case len(verdict.Failures) == 0:
				if verdict.Evidence == "" {
					verdict.Evidence = v.Evidence(r.Settings...)
				}
				ctx.Pass(verdict.Evidence)
				return nil
			}
			out := make([]rules.Violation, len(verdict.Failures))
			for i, f := range verdict.Failures {
				if f.Setting == "" {
					f.Setting = r.Settings[0]
				}
				if f.Evidence == "" {
					f.Evidence = v.Evidence(r.Settings...)
				}
				out[i] = rules.Violation{Path: path(kubelet, f.Setting), Message: f.Message, Evidence: f.Evidence, Severity: f.Severity}
			}
			return out
		},
	}
}

// Rules are the declarations as rules of the catalog.
func Rules(rs ...Rule) []rules.Rule {
	out := make([]rules.Rule, len(rs))
	for i, r := range rs {
		out[i] = r.Rule()
	}
	return out
}

// path is where a setting stands, for a violation's path and a rule's fields: the kubelet's
// field path, or the flag.
func path(kubelet bool, name string) string {
	if kubelet {
		return name
	}
	return "--" + name
}
