package suppress

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/client-go/kubernetes/scheme"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suggest"
	"palisade.dev/palisade/internal/yamlnode"
)

// ConfigFileName is the config file FindConfig looks for.
const ConfigFileName = ".palisade.yaml"

// ConfigVersion is the version of the config format this Palisade reads.
const ConfigVersion = 1

// maxConfigSize bounds the config file: it is a short list of choices, and a scanned
// repository may be hostile.
const maxConfigSize = 1 << 20

// Config is a parsed .palisade.yaml. The zero value selects every rule and exempts nothing.
type Config struct {
	// Path is where the config was read from ("" when there is none).
	Path string
	// Enable, when not empty, keeps only the rules it matches (IDs or area/* patterns).
	Enable []string
	// Disable drops the rules it matches, also when Enable names them.
	Disable []string
	// Severities override rule severities, in the order written.
	Severities []SeverityOverride
	// Exemptions suppress the findings of some rules on the objects they select.
	Exemptions []Exemption
	// Policies are the user's policy files and folders (package policy), relative to the
	// working folder (the config writes them relative to its own folder).
	Policies []string
}

// SeverityOverride gives every finding of the rules Rule matches another severity.
type SeverityOverride struct {
	Rule     string // an ID or an area/* pattern
	Severity finding.Severity
}

// Exemption suppresses the findings of Rules on the objects that every given selector matches.
// At least one selector is required, and so is the reason.
type Exemption struct {
	Rules []string
	// Namespaces are globs (path.Match syntax) on the object's namespace; a finding about a
	// Namespace matches by the namespace's own name. Cluster-scoped objects have none.
	Namespaces []string
	// Kinds are object kinds, compared without regard to case.
	Kinds []string
	// Names are globs on the object's name.
	Names []string
	// Labels must all be on the object, with exactly these values.
	Labels map[string]string
	Reason string
	// Line is where the exemption is written in the config file (0 when unknown).
	Line int
}

// Selected reports whether the config keeps a rule in the scan.
func (c *Config) Selected(r *rules.Rule) bool {
	if c == nil {
		return true
	}
	if len(c.Enable) > 0 && !matchesAny(c.Enable, r.ID) {
		return false
	}
	return !matchesAny(c.Disable, r.ID)
}

// severityFor returns the override for a rule: an exact ID wins over a pattern, and a longer
// pattern over a shorter one.
func (c *Config) severityFor(id string) (finding.Severity, bool) {
	if c == nil {
		return 0, false
	}
	best, found := -1, false
	var sev finding.Severity
	for _, o := range c.Severities {
		if !rules.MatchID(o.Rule, id) {
			continue
		}
		weight := len(o.Rule)
		if o.Rule == id {
			weight = len(id) + 1 // an exact ID beats any pattern
		}
		if weight > best {
			best, sev, found = weight, o.Severity, true
		}
	}
	return sev, found
}

func matchesAny(patterns []string, id string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return rules.MatchID(p, id) })
}

// FindConfig looks for .palisade.yaml in start (a file's folder, or a folder) and its parents,
// up to and including the repository root (the first folder holding .git) or the filesystem
// root. A relative start gives a path relative to the working folder.
//
// A folder that cannot be looked into (start is missing, a symbolic link loop, a path through
// a file, a name too long, a folder without search permission) is passed over for its
// parent: that is a problem of the path scanned, which the scan reports on that path alone,
// not a reason to stop the whole run. A config file that exists is returned even when it
// cannot be read, so that loading it says why rather than the scan going on without it.
func FindConfig(start string) (string, bool) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", false
	}
	for {
		if info, err := os.Stat(dir); err == nil && info.IsDir() {
			candidate := filepath.Join(dir, ConfigFileName)
			// Lstat: a link named .palisade.yaml is a config, even one that does not resolve.
			if info, err := os.Lstat(candidate); err == nil && !info.IsDir() && !isDirLink(candidate, info) {
				return displayPath(start, candidate), true
			}
			if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
				return "", false
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// isDirLink reports whether info, the Lstat of p, is a symbolic link to a folder: a folder
// named like the config is not a config, through a link or not.
func isDirLink(p string, info fs.FileInfo) bool {
	if info.Mode()&fs.ModeSymlink == 0 {
		return false
	}
	target, err := os.Stat(p)
	return err == nil && target.IsDir()
}

func displayPath(start, abs string) string {
	if filepath.IsAbs(start) {
		return abs
	}
	wd, err := os.Getwd()
	if err != nil {
		return abs
	}
	if rel, err := filepath.Rel(wd, abs); err == nil {
		return rel
	}
	return abs
}

// LoadConfig reads and validates a config file against the catalog. Every problem is reported,
// each as file:line:column: what is wrong, and the config is returned only when there is none:
// an unknown key, rule ID or severity must never quietly select or exempt nothing.
func LoadConfig(file string, c *rules.Catalog) (*Config, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading config %s: %w", file, err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("config %s: larger than %d bytes", file, maxConfigSize)
	}
	return ParseConfig(file, data, c)
}

// ParseConfig decodes and validates config data; file names it in errors.
func ParseConfig(file string, data []byte, c *rules.Catalog) (*Config, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config %s: empty; it needs at least \"version: %d\"", file, ConfigVersion)
		}
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 0 {
		return nil, fmt.Errorf("config %s: empty; it needs at least \"version: %d\"", file, ConfigVersion)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: holds more than one YAML document; write one", file)
	}
	r := &configReader{file: file, catalog: c, cfg: &Config{Path: file}}
	r.document(&doc)
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	return r.cfg, nil
}

// configReader walks the YAML tree of a config, collecting every error with its position.
type configReader struct {
	file    string
	catalog *rules.Catalog
	cfg     *Config
	errs    []error
}

// field is one key a mapping may have.
type field struct {
	name string
	read func(n *yaml.Node)
}

func (r *configReader) errorf(n *yaml.Node, format string, args ...any) {
	r.errs = append(r.errs, yamlnode.Errorf(r.file, n, format, args...))
}

// mapping reads a mapping whose keys must be among fields; it reports unknown keys (with the
// closest known one) and keys written twice.
func (r *configReader) mapping(n *yaml.Node, what string, fields []field) {
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, "%s must be a mapping", what)
		return
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if prev, dup := seen[k.Value]; dup {
			r.errorf(k, "%s: key %q is written twice (first on line %d); only one can count", what, k.Value, prev)
			continue
		}
		seen[k.Value] = k.Line
		idx := slices.Index(names, k.Value)
		if idx < 0 {
			r.errorf(k, "%s: unknown key %q%s (known keys: %s)", what, k.Value, didYouMean(k.Value, names), strings.Join(names, ", "))
			continue
		}
		fields[idx].read(v)
	}
}

// scalars reads a list of non-empty strings and the nodes they came from.
func (r *configReader) scalars(n *yaml.Node, what string) ([]string, []*yaml.Node) {
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, "%s must be a list", what)
		return nil, nil
	}
	var values []string
	var nodes []*yaml.Node
	for _, item := range n.Content {
		item = yamlnode.Resolve(item)
		if item.Kind != yaml.ScalarNode || yamlnode.IsNull(item) || strings.TrimSpace(item.Value) == "" {
			r.errorf(item, "%s: every item must be a non-empty string", what)
			continue
		}
		values = append(values, item.Value)
		nodes = append(nodes, item)
	}
	return values, nodes
}

// ruleIDs reads a list of rule IDs or area/* patterns and checks each against the catalog.
func (r *configReader) ruleIDs(n *yaml.Node, what string) []string {
	ids, nodes := r.scalars(n, what)
	var ok []string
	for i, id := range ids {
		if r.checkID(nodes[i], what, id) {
			ok = append(ok, id)
		}
	}
	return ok
}

func (r *configReader) checkID(n *yaml.Node, what, id string) bool {
	where := fmt.Sprintf("%s:%d:%d: %s", r.file, n.Line, n.Column, what)
	if err := r.catalog.CheckIDs(where, []string{id}); err != nil {
		r.errs = append(r.errs, err)
		return false
	}
	return true
}

func (r *configReader) document(doc *yaml.Node) {
	root := doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	var version *yaml.Node
	r.mapping(root, "config", []field{
		{"version", func(n *yaml.Node) { version = n }},
		{"rules", r.selection},
		{"severity", r.severities},
		{"exemptions", r.exemptions},
		{"policies", func(n *yaml.Node) { r.cfg.Policies = r.policies(n) }},
	})
	root = yamlnode.Resolve(root)
	if root.Kind != yaml.MappingNode {
		return
	}
	switch {
	case version == nil:
		r.errorf(root, "version is missing; write \"version: %d\" first", ConfigVersion)
	case yamlnode.Resolve(version).Kind != yaml.ScalarNode || yamlnode.Resolve(version).Value != fmt.Sprint(ConfigVersion):
		r.errorf(version, "unsupported version %q (this Palisade reads version %d)", yamlnode.Resolve(version).Value, ConfigVersion)
	}
}

// policies reads the policy paths, relative to the config's folder.
func (r *configReader) policies(n *yaml.Node) []string {
	paths, _ := r.scalars(n, "policies")
	return resolvePolicies(r.file, paths)
}

func resolvePolicies(file string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(file), p)
		}
		out[i] = p
	}
	return out
}

// ConfigPolicies reads only the policies a config file names (relative to the working folder),
// for building the catalog that LoadConfig then checks the rest of the config against.
func ConfigPolicies(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("config %s: larger than %d bytes", file, maxConfigSize)
	}
	var doc struct {
		Policies yaml.Node `yaml:"policies"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Policies.Kind == 0 {
		// LoadConfig words what is wrong with the file itself.
		return nil, nil
	}
	r := &configReader{file: file}
	paths, _ := r.scalars(&doc.Policies, "policies")
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	return resolvePolicies(file, paths), nil
}

func (r *configReader) selection(n *yaml.Node) {
	r.mapping(n, "rules", []field{
		{"enable", func(n *yaml.Node) { r.cfg.Enable = r.ruleIDs(n, "rules.enable") }},
		{"disable", func(n *yaml.Node) { r.cfg.Disable = r.ruleIDs(n, "rules.disable") }},
	})
}

func (r *configReader) severities(n *yaml.Node) {
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, "severity must be a mapping of rule IDs to severities")
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamlnode.Resolve(n.Content[i]), yamlnode.Resolve(n.Content[i+1])
		if prev, dup := seen[k.Value]; dup {
			r.errorf(k, "severity: %q is written twice (first on line %d); only one can count", k.Value, prev)
			continue
		}
		seen[k.Value] = k.Line
		idOK := r.checkID(k, "severity", k.Value)
		if v.Kind != yaml.ScalarNode {
			r.errorf(v, "severity of %s must be one of critical, high, medium, low, info", k.Value)
			continue
		}
		sev, err := finding.ParseSeverity(v.Value)
		if err != nil {
			r.errorf(v, "severity of %s: %v", k.Value, err)
			continue
		}
		if idOK {
			r.cfg.Severities = append(r.cfg.Severities, SeverityOverride{Rule: k.Value, Severity: sev})
		}
	}
}

func (r *configReader) exemptions(n *yaml.Node) {
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, "exemptions must be a list")
		return
	}
	for i, item := range n.Content {
		r.exemption(yamlnode.Resolve(item), fmt.Sprintf("exemptions[%d]", i))
	}
}

func (r *configReader) exemption(n *yaml.Node, what string) {
	e := Exemption{Line: n.Line}
	var reason *yaml.Node
	errsBefore := len(r.errs)
	r.mapping(n, what, []field{
		{"rules", func(v *yaml.Node) { e.Rules = r.ruleIDs(v, what+".rules") }},
		{"namespaces", func(v *yaml.Node) { e.Namespaces = r.globs(v, what+".namespaces") }},
		{"kinds", func(v *yaml.Node) { e.Kinds = r.kinds(v, what+".kinds") }},
		{"names", func(v *yaml.Node) { e.Names = r.globs(v, what+".names") }},
		{"labels", func(v *yaml.Node) { e.Labels = r.labels(v, what+".labels") }},
		{"reason", func(v *yaml.Node) { reason = yamlnode.Resolve(v) }},
	})
	if n.Kind != yaml.MappingNode {
		return
	}
	if reason != nil && reason.Kind == yaml.ScalarNode && !yamlnode.IsNull(reason) {
		e.Reason = strings.Join(strings.Fields(reason.Value), " ")
	}
	if e.Reason == "" {
		r.errorf(n, "%s has no reason; an exemption must say why", what)
	}
	if len(e.Rules) == 0 && len(r.errs) == errsBefore {
		r.errorf(n, "%s names no rule; list the rules it exempts (IDs or area/* patterns)", what)
	}
	if len(e.Namespaces)+len(e.Kinds)+len(e.Names)+len(e.Labels) == 0 && len(r.errs) == errsBefore {
		r.errorf(n, "%s selects no object; give namespaces, kinds, names or labels (to drop a rule everywhere, use rules.disable)", what)
	}
	if len(r.errs) == errsBefore {
		r.cfg.Exemptions = append(r.cfg.Exemptions, e)
	}
}

func (r *configReader) globs(n *yaml.Node, what string) []string {
	values, nodes := r.scalars(n, what)
	var ok []string
	for i, g := range values {
		if _, err := path.Match(g, ""); err != nil {
			r.errorf(nodes[i], "%s: %q is not a valid glob: %v", what, g, err)
			continue
		}
		ok = append(ok, g)
	}
	return ok
}

// kinds reads object kinds. A kind can be a custom resource's, so an unknown kind is fine; but
// one a few letters away from a built-in kind (DeamonSet) is a typo that would exempt nothing.
func (r *configReader) kinds(n *yaml.Node, what string) []string {
	values, nodes := r.scalars(n, what)
	var ok []string
	for i, k := range values {
		lower := strings.ToLower(k)
		if _, known := builtinKinds[lower]; !known {
			if s := suggest.Closest(lower, builtinKindsLower); s != "" {
				r.errorf(nodes[i], "%s: unknown kind %q (did you mean %q?)", what, k, builtinKinds[s])
				continue
			}
		}
		ok = append(ok, k)
	}
	return ok
}

// builtinKinds maps the lower-case name of every kind the Kubernetes API serves (client-go's
// scheme) to its spelling, and builtinKindsLower lists its keys; both are read-only tables.
var builtinKinds, builtinKindsLower = func() (map[string]string, []string) {
	kinds := map[string]string{}
	var lower []string
	for gvk := range scheme.Scheme.AllKnownTypes() {
		k, l := gvk.Kind, strings.ToLower(gvk.Kind)
		if _, dup := kinds[l]; dup || strings.HasSuffix(k, "List") || strings.HasSuffix(k, "Options") {
			continue
		}
		kinds[l] = k
		lower = append(lower, l)
	}
	slices.Sort(lower)
	return kinds, lower
}()

func (r *configReader) labels(n *yaml.Node, what string) map[string]string {
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, "%s must be a mapping of label names to values", what)
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamlnode.Resolve(n.Content[i]), yamlnode.Resolve(n.Content[i+1])
		if _, dup := out[k.Value]; dup {
			r.errorf(k, "%s: label %q is written twice", what, k.Value)
			continue
		}
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode || yamlnode.IsNull(v) {
			r.errorf(k, "%s: label %q must have a string value", what, k.Value)
			continue
		}
		out[k.Value] = v.Value
	}
	return out
}
