// Package auditpolicy reads the API server's audit policy (an audit.k8s.io/v1 Policy, the file
// --audit-policy-file names) as the API server reads it and evaluates it as the API server
// does: rules in order, the first that matches a request decides its level, no match means
// None. On top of that evaluation it judges what matters for security: at what level Secrets,
// ConfigMaps and TokenReviews are logged (anything above Metadata writes their values into the
// log), whether exec, attach, port-forward and proxy are logged, whether a catch-all rule logs
// everything else, and whether the RequestReceived stage is omitted. It never reads files
// itself.
//
// The types and the matching are a local copy of k8s.io/apiserver (pkg/apis/audit/v1 types,
// pkg/audit/policy checker.go and validation), not an import: the rule evaluator works on the
// internal audit API and authorizer.Attributes, and importing it pulls in k8s.io/apiserver's
// audit machinery and component-base metrics (Prometheus, OpenTelemetry), far more than the
// forty lines of matching it holds. The matching below follows ruleMatches,
// ruleMatchesResource and pathMatches of k8s.io/apiserver v0.37 line for line.
package auditpolicy

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// APIVersion and Kind are the only type the API server accepts in the file.
const (
	APIVersion = "audit.k8s.io/v1"
	Kind       = "Policy"
)

// Level is how much of a request the log records.
type Level string

// Levels, in increasing order of what they record.
const (
	LevelNone            Level = "None"
	LevelMetadata        Level = "Metadata"
	LevelRequest         Level = "Request"
	LevelRequestResponse Level = "RequestResponse"
)

// Rank orders levels: None 0, Metadata 1, Request 2, RequestResponse 3.
func (l Level) Rank() int {
	switch l {
	case LevelMetadata:
		return 1
	case LevelRequest:
		return 2
	case LevelRequestResponse:
		return 3
	}
	return 0
}

// Stage is a stage of a request's handling at which an event may be written.
type Stage string

// Stages.
const (
	RequestReceived  Stage = "RequestReceived"
	ResponseStarted  Stage = "ResponseStarted"
	ResponseComplete Stage = "ResponseComplete"
	Panic            Stage = "Panic"
)

// Policy is an audit.k8s.io/v1 Policy.
type Policy struct {
	APIVersion        string         `json:"apiVersion"`
	Kind              string         `json:"kind"`
	Metadata          map[string]any `json:"metadata,omitempty"`
	Rules             []Rule         `json:"rules"`
	OmitStages        []Stage        `json:"omitStages,omitempty"`
	OmitManagedFields bool           `json:"omitManagedFields,omitempty"`
}

// Rule is one policy rule: a request matches it when it matches every condition it sets.
type Rule struct {
	Level             Level            `json:"level"`
	Users             []string         `json:"users,omitempty"`
	UserGroups        []string         `json:"userGroups,omitempty"`
	Verbs             []string         `json:"verbs,omitempty"`
	Resources         []GroupResources `json:"resources,omitempty"`
	Namespaces        []string         `json:"namespaces,omitempty"`
	NonResourceURLs   []string         `json:"nonResourceURLs,omitempty"`
	OmitStages        []Stage          `json:"omitStages,omitempty"`
	OmitManagedFields *bool            `json:"omitManagedFields,omitempty"`
}

// GroupResources selects resources of one API group ("" is the core group, "*" every group);
// no resources means all of the group.
type GroupResources struct {
	Group         string   `json:"group,omitempty"`
	Resources     []string `json:"resources,omitempty"`
	ResourceNames []string `json:"resourceNames,omitempty"`
}

// LenientError is the error Parse returns, beside the policy, for a file with unknown or
// duplicate fields: the API server then decodes it leniently (ignoring them) and logs a
// warning, so the policy is what it runs with, but a misspelt field does nothing.
type LenientError struct {
	File   string
	Fields []error
}

func (e *LenientError) Error() string {
	return fmt.Sprintf("audit policy %s: the API server ignores part of it: %v", e.File, errors.Join(e.Fields...))
}

// Parse reads an audit Policy from YAML or JSON as the API server does (LoadPolicyFromBytes):
// of exactly this apiVersion and kind, validated, with at least one rule. A file with unknown
// or duplicate fields returns the policy the API server falls back to and a *LenientError; any
// other error returns no policy, since the API server refuses to start with it. name is the
// file's path, which errors carry.
func Parse(name string, data []byte) (*Policy, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("audit policy %s is empty", name)
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("audit policy %s: not YAML or JSON: %w", name, err)
	}
	var p Policy
	strict, err := sigsjson.UnmarshalStrict(j, &p, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, fmt.Errorf("audit policy %s: %w", name, err)
	}
	if p.APIVersion != APIVersion || p.Kind != Kind {
		return nil, fmt.Errorf("audit policy %s is apiVersion %q kind %q, want %s %s", name, p.APIVersion, p.Kind, APIVersion, Kind)
	}
	if errs := p.validate(); len(errs) > 0 {
		return nil, fmt.Errorf("audit policy %s: the API server refuses it: %w", name, errors.Join(errs...))
	}
	if len(p.Rules) == 0 {
		return nil, fmt.Errorf("audit policy %s: the API server refuses it: it has no rules", name)
	}
	if len(strict) > 0 {
		return &p, &LenientError{File: name, Fields: strict}
	}
	return &p, nil
}

// dnsSubdomain is the form of an API group name (validation.NameIsDNSSubdomain).
var dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// validate follows k8s.io/apiserver/pkg/apis/audit/validation.ValidatePolicy.
func (p *Policy) validate() []error {
	errs := validateStages(p.OmitStages, "omitStages")
	for i, r := range p.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		switch r.Level {
		case LevelNone, LevelMetadata, LevelRequest, LevelRequestResponse:
		case "":
			errs = append(errs, fmt.Errorf("%s.level is required", at))
		default:
			errs = append(errs, fmt.Errorf("%s.level %q: want None, Metadata, Request or RequestResponse", at, r.Level))
		}
		for j, u := range r.NonResourceURLs {
			if u == "*" {
				continue
			}
			if !strings.HasPrefix(u, "/") {
				errs = append(errs, fmt.Errorf("%s.nonResourceURLs[%d] %q must begin with /", at, j, u))
			}
			if u != "" && strings.Contains(u[:len(u)-1], "*") {
				errs = append(errs, fmt.Errorf("%s.nonResourceURLs[%d] %q: * may only end it", at, j, u))
			}
		}
		for j, gr := range r.Resources {
			if gr.Group != "" && gr.Group != "*" && (len(gr.Group) > 253 || !dnsSubdomain.MatchString(gr.Group)) {
				errs = append(errs, fmt.Errorf("%s.resources[%d].group %q is not a DNS subdomain", at, j, gr.Group))
			}
			if len(gr.ResourceNames) > 0 && len(gr.Resources) == 0 {
				errs = append(errs, fmt.Errorf("%s.resources[%d]: resourceNames need at least one resource", at, j))
			}
		}
		errs = append(errs, validateStages(r.OmitStages, at+".omitStages")...)
		if len(r.NonResourceURLs) > 0 && (len(r.Resources) > 0 || len(r.Namespaces) > 0) {
			errs = append(errs, fmt.Errorf("%s: a rule cannot apply to both resources and non-resource URLs", at))
		}
	}
	return errs
}

func validateStages(stages []Stage, at string) []error {
	var errs []error
	for i, s := range stages {
		switch s {
		case RequestReceived, ResponseStarted, ResponseComplete, Panic:
		default:
			errs = append(errs, fmt.Errorf("%s[%d] %q is not a stage", at, i, s))
		}
	}
	return errs
}

// Request is what the policy matches a request on (the parts of authorizer.Attributes the
// evaluator reads).
type Request struct {
	User   string
	Groups []string
	Verb   string
	// Resource requests set Resource (and APIGroup, Subresource, Namespace, Name as the
	// request has them); non-resource requests set Path.
	APIGroup, Resource, Subresource, Namespace, Name string
	Path                                             string
}

func (r Request) isResource() bool { return r.Resource != "" }

// String describes a request for evidence: "get secrets in default by alice".
func (r Request) String() string {
	// The values probes use for what the policy does not name read as such.
	r.User = strings.ReplaceAll(r.User, anyUser, "a user the policy does not name")
	r.Namespace = strings.ReplaceAll(r.Namespace, anyNamespace, "a namespace the policy does not name")
	if r.Name == anyName {
		r.Name = ""
	}
	var b strings.Builder
	b.WriteString(r.Verb)
	b.WriteByte(' ')
	if r.isResource() {
		b.WriteString(r.Resource)
		if r.Subresource != "" {
			b.WriteString("/" + r.Subresource)
		}
		if r.APIGroup != "" {
			b.WriteString("." + r.APIGroup)
		}
		if r.Name != "" {
			b.WriteString(" " + r.Name)
		}
		if r.Namespace != "" {
			b.WriteString(" in " + r.Namespace)
		}
	} else {
		b.WriteString(r.Path)
	}
	b.WriteString(" by " + r.User)
	if len(r.Groups) > 0 {
		b.WriteString(" (" + strings.Join(r.Groups, ", ") + ")")
	}
	return b.String()
}

// Evaluate returns the level of a request and the index of the rule that decided it, -1 when
// no rule matched (level None), as policy.EvaluatePolicyRule does.
func (p *Policy) Evaluate(req Request) (Level, int) {
	for i := range p.Rules {
		if p.Rules[i].matches(req) {
			return p.Rules[i].Level, i
		}
	}
	return LevelNone, -1
}

// matches is ruleMatches of k8s.io/apiserver/pkg/audit/policy.
func (r *Rule) matches(req Request) bool {
	if len(r.Users) > 0 && !slices.Contains(r.Users, req.User) {
		return false
	}
	if len(r.UserGroups) > 0 && !slices.ContainsFunc(req.Groups, func(g string) bool { return slices.Contains(r.UserGroups, g) }) {
		return false
	}
	if len(r.Verbs) > 0 && !slices.Contains(r.Verbs, req.Verb) {
		return false
	}
	if len(r.Namespaces) > 0 || len(r.Resources) > 0 {
		return r.matchesResource(req)
	}
	if len(r.NonResourceURLs) > 0 {
		return r.matchesNonResource(req)
	}
	return true
}

func (r *Rule) matchesNonResource(req Request) bool {
	if req.isResource() {
		return false
	}
	return slices.ContainsFunc(r.NonResourceURLs, func(spec string) bool {
		return spec == "*" || spec == req.Path ||
			strings.HasSuffix(spec, "*") && strings.HasPrefix(req.Path, strings.TrimRight(spec, "*"))
	})
}

func (r *Rule) matchesResource(req Request) bool {
	if !req.isResource() {
		return false
	}
	// Cluster-scoped resources have the namespace "".
	if len(r.Namespaces) > 0 && !slices.Contains(r.Namespaces, req.Namespace) {
		return false
	}
	if len(r.Resources) == 0 {
		return true
	}
	combined := req.Resource
	if req.Subresource != "" {
		combined = req.Resource + "/" + req.Subresource
	}
	for _, gr := range r.Resources {
		if gr.Group != req.APIGroup && gr.Group != "*" {
			continue
		}
		if len(gr.Resources) == 0 {
			return true
		}
		for _, res := range gr.Resources {
			if len(gr.ResourceNames) > 0 && !slices.Contains(gr.ResourceNames, req.Name) {
				continue
			}
			switch {
			case res == combined || res == "*":
				return true
			case req.Subresource != "" && strings.HasPrefix(res, "*/") && req.Subresource == strings.TrimPrefix(res, "*/"):
				return true
			case strings.HasSuffix(res, "/*") && req.Resource == strings.TrimSuffix(res, "/*"):
				return true
			}
		}
	}
	return false
}

// matchesEverything reports whether a rule sets no condition at all, so that every request
// reaching it matches.
func (r *Rule) matchesEverything() bool {
	return len(r.Users) == 0 && len(r.UserGroups) == 0 && len(r.Verbs) == 0 && len(r.Resources) == 0 &&
		len(r.Namespaces) == 0 && len(r.NonResourceURLs) == 0
}
