package admission

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suggest"
	"palisade.dev/palisade/internal/yamlnode"
)

// SecureDefaultNames are the values of secureDefaults.
var SecureDefaultNames = []string{"allowPrivilegeEscalation", "seccompRuntimeDefault", "runAsNonRoot"}

// ConfigAPIVersion and ConfigKind identify the webhook's configuration file.
const (
	ConfigAPIVersion = "palisade.dev/v1alpha1"
	ConfigKind       = "WebhookConfiguration"
)

// UpdatePolicy says how an UPDATE is judged.
type UpdatePolicy string

// Update policies.
const (
	// UpdatesAll judges the new object as if it were created.
	UpdatesAll UpdatePolicy = "all"
	// UpdatesOnlyWorse denies only the hits the old object did not have (same rule ID and
	// path); the others warn, so that an object admitted before a rule existed can still be
	// scaled or relabelled.
	UpdatesOnlyWorse UpdatePolicy = "onlyWorse"
)

// FailurePolicy says how a review that could not be judged is answered, as the
// ValidatingWebhookConfiguration field of the same name does for a webhook that cannot answer.
type FailurePolicy string

// Failure policies.
const (
	Fail   FailurePolicy = "Fail"
	Ignore FailurePolicy = "Ignore"
)

// Config is the webhook's configuration file (YAML, so that it can be a ConfigMap):
//
//	apiVersion: palisade.dev/v1alpha1
//	kind: WebhookConfiguration
//	namespace: palisade            # Palisade's own namespace; default: the caller's POD_NAMESPACE
//	defaultActions: {critical: deny, high: deny, medium: warn, low: warn, info: warn}
//	rules:
//	- {id: "pss/*", action: warn}
//	exemptions:
//	- {namespace: legacy, reason: "migrated in Q3"}
//	- {object: {kind: Deployment, namespace: ci, name: runner}, rules: ["pod/privileged"], reason: "..."}
//	- {user: "system:serviceaccount:ci:deployer", reason: "..."}
//	- {group: "system:nodes", reason: "..."}
//	allowObjectExemptions: false   # honour palisade.dev/ignore annotations
//	exemptNamespaces: [kube-system]
//	exemptOwnNamespace: true
//	updates: all                   # or onlyWorse
//	failurePolicy: Fail            # or Ignore
//	pssVersion: latest
//	kubernetesVersion: v1.33
//	policies: [policies/]          # relative to this file
type Config struct {
	// File names the configuration in errors.
	File string
	// Namespace is Palisade's own namespace; empty means the caller's (New's caller sets it
	// from POD_NAMESPACE).
	Namespace string
	// DefaultActions gives the action of every severity; a severity it leaves out keeps the
	// built-in default (deny at critical and high, warn below).
	DefaultActions map[finding.Severity]Action
	// Rules override the action of rules by ID or area/* pattern; the last match wins.
	Rules []RuleAction
	// Exemptions admit what they match, each for a reason.
	Exemptions []Exemption
	// AllowObjectExemptions honours the palisade.dev/ignore annotation, which the object's own
	// author writes; off by default.
	AllowObjectExemptions bool
	// ExemptNamespaces are admitted without judging (default kube-system).
	ExemptNamespaces []string
	// ExemptOwnNamespace exempts Namespace too (default true), so that Palisade never blocks
	// its own recovery.
	ExemptOwnNamespace bool
	Updates            UpdatePolicy
	FailurePolicy      FailurePolicy
	// PSSVersion and KubernetesVersion are the rules' options, as scan's flags of the same
	// names.
	PSSVersion        string
	KubernetesVersion string
	// Policies are the policy files and folders (Rego, Gatekeeper templates ...), resolved
	// against the configuration's folder. The engine does not read them: the caller builds
	// the catalog it gives New from them.
	Policies []string
	// SecureDefaults are the defaults the webhook's /mutate sets where a pod leaves them
	// unset: allowPrivilegeEscalation, seccompRuntimeDefault, runAsNonRoot; none by default.
	// The engine does not read them.
	SecureDefaults []string
}

// RuleAction sets the action of the rules an ID or area/* pattern selects.
type RuleAction struct {
	ID     string
	Action Action
	// Line and Column locate the ID in the file, for New's unknown-rule errors.
	Line, Column int
}

// Exemption admits the hits it matches: one of Namespace, Object, User or Group, limited to
// Rules when given, always with a reason.
type Exemption struct {
	Namespace string
	Object    *ObjectRef
	User      string
	Group     string
	// Rules are rule IDs or area/* patterns; none means every rule.
	Rules  []string
	Reason string
	// Line and Column locate the exemption in the file.
	Line, Column int
	// ruleLines locate each of Rules.
	ruleLines [][2]int
}

// ObjectRef names one object exactly.
type ObjectRef struct {
	Kind      string
	Namespace string
	Name      string
}

// DefaultConfig is the configuration with no file: deny at critical and high, warn below,
// kube-system and Palisade's own namespace exempt, updates judged whole, failure policy Fail.
func DefaultConfig() *Config {
	return &Config{
		DefaultActions:     defaultActions(),
		ExemptNamespaces:   []string{"kube-system"},
		ExemptOwnNamespace: true,
		Updates:            UpdatesAll,
		FailurePolicy:      Fail,
	}
}

func defaultActions() map[finding.Severity]Action {
	return map[finding.Severity]Action{
		finding.Critical: Deny, finding.High: Deny,
		finding.Medium: Warn, finding.Low: Warn, finding.Info: Warn,
	}
}

// LoadConfig reads and parses a configuration file; relative policy paths are resolved
// against its folder.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading webhook configuration: %w", err)
	}
	cfg, err := ParseConfig(data, path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	for i, p := range cfg.Policies {
		if !filepath.IsAbs(p) {
			cfg.Policies[i] = filepath.Join(dir, p)
		}
	}
	return cfg, nil
}

// maxConfigSize bounds a configuration file: a ConfigMap holds at most 1 MiB.
const maxConfigSize = 1 << 20

// ParseConfig parses a configuration; name names it in errors. It is strict: an unknown key,
// a value of the wrong type, an unknown action, severity or policy is an error at its file,
// line and column, and errors describe values without quoting them. Rule IDs are checked
// against the catalog by New.
func ParseConfig(data []byte, name string) (*Config, error) {
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("webhook configuration %s: %d bytes, more than a ConfigMap holds (%d)", name, len(data), maxConfigSize)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("webhook configuration %s: empty; it needs apiVersion: %s and kind: %s", name, ConfigAPIVersion, ConfigKind)
		}
		return nil, fmt.Errorf("webhook configuration %s: malformed YAML: %s", name, yamlErrorText(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("webhook configuration %s: holds more than one YAML document; write one", name)
	}
	r := &configReader{file: name, cfg: DefaultConfig()}
	r.cfg.File = name
	r.document(&doc)
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	return r.cfg, nil
}

// yamlErrorText keeps the place of a YAML syntax error and drops what it quotes of the file.
func yamlErrorText(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	if i := strings.Index(msg, "`"); i >= 0 {
		msg = strings.TrimSpace(msg[:i])
	}
	return msg
}

type configReader struct {
	file string
	cfg  *Config
	errs []error
}

type field struct {
	name string
	read func(n *yaml.Node)
}

func (r *configReader) errorf(n *yaml.Node, format string, args ...any) {
	r.errs = append(r.errs, yamlnode.Errorf(r.file, n, format, args...))
}

// mapping reads a mapping whose keys must be among fields.
func (r *configReader) mapping(n *yaml.Node, what string, fields []field) bool {
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return true
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, "%s must be a mapping, not %s", what, yamlnode.Describe(n))
		return false
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamlnode.Resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			r.errorf(k, "%s: a key must be a string, not %s", what, yamlnode.Describe(k))
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			r.errorf(k, "%s: a key is written twice (first on line %d); only one can count", what, prev)
			continue
		}
		seen[k.Value] = k.Line
		idx := slices.Index(names, k.Value)
		if idx < 0 {
			msg := fmt.Sprintf("%s: unknown key (%s)", what, yamlnode.Describe(k))
			if s := suggest.Closest(k.Value, names); s != "" {
				msg += fmt.Sprintf("; did you mean %s?", s)
			}
			r.errorf(k, "%s; known keys: %s", msg, strings.Join(names, ", "))
			continue
		}
		fields[idx].read(v)
	}
	return true
}

// str reads a non-empty string.
func (r *configReader) str(n *yaml.Node, what string, dst *string) {
	n = yamlnode.Resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || strings.TrimSpace(n.Value) == "" {
		r.errorf(n, "%s must be a non-empty string, not %s", what, yamlnode.Describe(n))
		return
	}
	*dst = n.Value
}

// boolean reads true or false.
func (r *configReader) boolean(n *yaml.Node, what string, dst *bool) {
	n = yamlnode.Resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || (n.Value != "true" && n.Value != "false") {
		r.errorf(n, "%s must be true or false, not %s", what, yamlnode.Describe(n))
		return
	}
	*dst = n.Value == "true"
}

// oneOf reads a string that must be one of values.
func (r *configReader) oneOf(n *yaml.Node, what string, values []string, dst *string) {
	var s string
	r.str(n, what, &s)
	if s == "" {
		return
	}
	if !slices.Contains(values, s) {
		r.errorf(n, "%s must be one of %s, not %s", what, strings.Join(values, ", "), yamlnode.Describe(yamlnode.Resolve(n)))
		return
	}
	*dst = s
}

// strings reads a list of non-empty strings, and where each is.
func (r *configReader) strings(n *yaml.Node, what string) ([]string, [][2]int) {
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, "%s must be a list, not %s", what, yamlnode.Describe(n))
		return nil, nil
	}
	var out []string
	var where [][2]int
	for i, item := range n.Content {
		var s string
		r.str(item, fmt.Sprintf("%s[%d]", what, i), &s)
		if s != "" {
			out = append(out, s)
			where = append(where, [2]int{item.Line, item.Column})
		}
	}
	return out, where
}

var actionNames = []string{string(Deny), string(Warn), string(Audit)}

func (r *configReader) document(doc *yaml.Node) {
	root := doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	var apiVersion, kind string
	cfg := r.cfg
	ok := r.mapping(root, "configuration", []field{
		{"apiVersion", func(n *yaml.Node) { r.str(n, "apiVersion", &apiVersion) }},
		{"kind", func(n *yaml.Node) { r.str(n, "kind", &kind) }},
		{"namespace", func(n *yaml.Node) { r.str(n, "namespace", &cfg.Namespace) }},
		{"defaultActions", r.defaultActions},
		{"rules", r.rules},
		{"exemptions", r.exemptions},
		{"allowObjectExemptions", func(n *yaml.Node) { r.boolean(n, "allowObjectExemptions", &cfg.AllowObjectExemptions) }},
		{"exemptNamespaces", func(n *yaml.Node) {
			cfg.ExemptNamespaces, _ = r.strings(n, "exemptNamespaces")
			if cfg.ExemptNamespaces == nil {
				cfg.ExemptNamespaces = []string{}
			}
		}},
		{"exemptOwnNamespace", func(n *yaml.Node) { r.boolean(n, "exemptOwnNamespace", &cfg.ExemptOwnNamespace) }},
		{"updates", func(n *yaml.Node) {
			var s string
			r.oneOf(n, "updates", []string{string(UpdatesAll), string(UpdatesOnlyWorse)}, &s)
			if s != "" {
				cfg.Updates = UpdatePolicy(s)
			}
		}},
		{"failurePolicy", func(n *yaml.Node) {
			var s string
			r.oneOf(n, "failurePolicy", []string{string(Fail), string(Ignore)}, &s)
			if s != "" {
				cfg.FailurePolicy = FailurePolicy(s)
			}
		}},
		{"pssVersion", func(n *yaml.Node) { r.str(n, "pssVersion", &cfg.PSSVersion) }},
		{"kubernetesVersion", func(n *yaml.Node) {
			var s string
			r.str(n, "kubernetesVersion", &s)
			if s == "" {
				return
			}
			v, err := rules.ParseKubernetesVersion(s)
			if err != nil {
				r.errorf(n, "kubernetesVersion: want v1.N, such as v1.33, not %s", yamlnode.Describe(yamlnode.Resolve(n)))
				return
			}
			cfg.KubernetesVersion = v
		}},
		{"policies", func(n *yaml.Node) { cfg.Policies, _ = r.strings(n, "policies") }},
		{"secureDefaults", func(n *yaml.Node) {
			names, where := r.strings(n, "secureDefaults")
			for i, name := range names {
				if !slices.Contains(SecureDefaultNames, name) {
					r.errs = append(r.errs, fmt.Errorf("%s:%d:%d: secureDefaults[%d] must be one of %s", r.file, where[i][0], where[i][1], i, strings.Join(SecureDefaultNames, ", ")))
				}
			}
			cfg.SecureDefaults = names
		}},
	})
	if !ok {
		return
	}
	root = yamlnode.Resolve(root)
	if yamlnode.IsNull(root) {
		r.errorf(root, "configuration is empty; it needs apiVersion: %s and kind: %s", ConfigAPIVersion, ConfigKind)
		return
	}
	if apiVersion != ConfigAPIVersion {
		r.errorf(root, "apiVersion must be %s", ConfigAPIVersion)
	}
	if kind != ConfigKind {
		r.errorf(root, "kind must be %s", ConfigKind)
	}
	if cfg.PSSVersion != "" && cfg.PSSVersion != "latest" {
		if _, err := rules.ParseKubernetesVersion(cfg.PSSVersion); err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: pssVersion must be latest or v1.N, such as v1.33", r.file))
		}
	}
}

func (r *configReader) defaultActions(n *yaml.Node) {
	var fields []field
	for _, s := range finding.Severities() {
		fields = append(fields, field{s.String(), func(v *yaml.Node) {
			var a string
			r.oneOf(v, "defaultActions."+s.String(), actionNames, &a)
			if a != "" {
				r.cfg.DefaultActions[s] = Action(a)
			}
		}})
	}
	r.mapping(n, "defaultActions", fields)
}

// list returns the items of a list field; null is no items, anything else an error.
func (r *configReader) list(n *yaml.Node, what string) []*yaml.Node {
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, "%s must be a list, not %s", what, yamlnode.Describe(n))
		return nil
	}
	return n.Content
}

func (r *configReader) rules(n *yaml.Node) {
	for i, item := range r.list(n, "rules") {
		what := fmt.Sprintf("rules[%d]", i)
		ra := RuleAction{Line: item.Line, Column: item.Column}
		var action string
		var idNode *yaml.Node
		if !r.mapping(item, what, []field{
			{"id", func(v *yaml.Node) { idNode = yamlnode.Resolve(v); r.str(v, what+".id", &ra.ID) }},
			{"action", func(v *yaml.Node) { r.oneOf(v, what+".action", actionNames, &action) }},
		}) {
			continue
		}
		if idNode != nil {
			ra.Line, ra.Column = idNode.Line, idNode.Column
		}
		switch {
		case ra.ID == "" && idNode == nil:
			r.errorf(item, "%s: id is missing", what)
		case action == "" && !r.failedAt(item):
			r.errorf(item, "%s: action is missing (deny, warn or audit)", what)
		case ra.ID != "" && action != "":
			ra.Action = Action(action)
			r.cfg.Rules = append(r.cfg.Rules, ra)
		}
	}
}

// failedAt reports whether an error was already reported inside the node's lines, so that a
// missing value is not reported twice.
func (r *configReader) failedAt(n *yaml.Node) bool {
	prefix := fmt.Sprintf("%s:%d:", r.file, n.Line)
	for _, err := range r.errs {
		if strings.HasPrefix(err.Error(), prefix) {
			return true
		}
	}
	return false
}

func (r *configReader) exemptions(n *yaml.Node) {
	for i, item := range r.list(n, "exemptions") {
		what := fmt.Sprintf("exemptions[%d]", i)
		ex := Exemption{Line: item.Line, Column: item.Column}
		before := len(r.errs)
		if !r.mapping(item, what, []field{
			{"namespace", func(v *yaml.Node) { r.str(v, what+".namespace", &ex.Namespace) }},
			{"object", func(v *yaml.Node) {
				ex.Object = &ObjectRef{}
				r.mapping(v, what+".object", []field{
					{"kind", func(v *yaml.Node) { r.str(v, what+".object.kind", &ex.Object.Kind) }},
					{"namespace", func(v *yaml.Node) { r.str(v, what+".object.namespace", &ex.Object.Namespace) }},
					{"name", func(v *yaml.Node) { r.str(v, what+".object.name", &ex.Object.Name) }},
				})
			}},
			{"user", func(v *yaml.Node) { r.str(v, what+".user", &ex.User) }},
			{"group", func(v *yaml.Node) { r.str(v, what+".group", &ex.Group) }},
			{"rules", func(v *yaml.Node) { ex.Rules, ex.ruleLines = r.strings(v, what+".rules") }},
			{"reason", func(v *yaml.Node) { r.str(v, what+".reason", &ex.Reason) }},
		}) || len(r.errs) > before {
			continue
		}
		set := 0
		for _, b := range []bool{ex.Namespace != "", ex.Object != nil, ex.User != "", ex.Group != ""} {
			if b {
				set++
			}
		}
		switch {
		case set != 1:
			r.errorf(item, "%s: name exactly one of namespace, object, user or group", what)
		case ex.Object != nil && (ex.Object.Kind == "" || ex.Object.Name == ""):
			r.errorf(item, "%s: object needs kind and name (and namespace for a namespaced kind)", what)
		case ex.Reason == "":
			r.errorf(item, "%s: reason is missing; an exemption must say why", what)
		default:
			r.cfg.Exemptions = append(r.cfg.Exemptions, ex)
		}
	}
}
