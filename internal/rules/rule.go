// Package rules owns the rule contract and the catalog: what a rule is (a value with a stable
// ID, its documentation and one evaluation function of its scope), how rules are looked up,
// and how a catalog is evaluated over an inventory. The rules themselves live in the area
// packages below it; this package must not know any particular rule.
package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/settings"
)

// Area is the part of Palisade's scope a rule belongs to: the sections of docs/rules.md
// (docs/architecture.md describes them).
type Area string

// Areas.
const (
	AreaGeneral   Area = "general"
	AreaManifest  Area = "manifest"
	AreaWorkload  Area = "workload"
	AreaPSS       Area = "pod-security-standards"
	AreaNamespace Area = "namespace"
	AreaNetwork   Area = "network"
	AreaRBAC      Area = "rbac"
	// AreaControlPlane covers the API server, controller manager and scheduler; AreaEtcd,
	// AreaKubelet and AreaNode the other components and the node's files.
	AreaControlPlane Area = "control-plane"
	AreaEtcd         Area = "etcd"
	AreaKubelet      Area = "kubelet"
	AreaNode         Area = "node"
)

// Scope is what one evaluation of a rule looks at.
type Scope string

// Scopes.
const (
	// ScopePod rules look at the pod of one workload object (Pod, Deployment, CronJob, a
	// custom resource with a pod template ...).
	ScopePod Scope = "pod"
	// ScopeObject rules look at one object of the kinds they name.
	ScopeObject Scope = "object"
	// ScopeNamespace rules look at one namespace and the objects in it.
	ScopeNamespace Scope = "namespace"
	// ScopeNode rules look at one component of a node (its flags, configuration and the
	// files they name), or at the node as a whole when they name no component.
	ScopeNode Scope = "node"
	// ScopeEndpoint rules look at one network endpoint a probe asked (a kubelet, etcd, an API
	// server), each endpoint of the components they name in turn.
	ScopeEndpoint Scope = "endpoint"
	// ScopeCluster rules look at what a live-cluster source observed about the cluster itself
	// (its version, its discovery, the scan's identity, anonymous access); they run only when
	// the inventory comes from a cluster.
	ScopeCluster Scope = "cluster"
)

// AutoFix is the kind of automatic remedy a rule's findings get from `palisade fix`.
type AutoFix string

const (
	// FixNone: the user makes the change; the remedy text says which.
	FixNone AutoFix = ""
	// FixEdit: the findings carry the change of a field (set, remove, rename) as data, and
	// fix makes it in the manifest, beside TODO notes for values only the user knows.
	FixEdit AutoFix = "edit"
	// FixNote: the findings carry only a TODO(palisade) comment saying what to set, which fix
	// writes above the field; the value is the user's to choose.
	FixNote AutoFix = "note"
	// FixNamespaceFile: fix writes the objects the namespace lacks in a new file beside its
	// manifests.
	FixNamespaceFile AutoFix = "namespace-file"
)

// Describe says in a sentence what fix does with a rule's findings.
func (a AutoFix) Describe() string {
	switch a {
	case FixEdit:
		return "palisade fix changes the field in the manifest (edit)."
	case FixNote:
		return "palisade fix writes a TODO(palisade) comment above the field saying what to set (note)."
	case FixNamespaceFile:
		return "palisade fix writes what the namespace lacks in a new file beside its manifests (namespace file)."
	}
	return "none: palisade fix leaves the change to you."
}

// Reference points to the source of a rule: a CIS Benchmark ID, a Pod Security Standards
// check, a Kubernetes document.
type Reference struct {
	Kind  string `json:"kind"` // CIS, PSS, Docs, KEP
	ID    string `json:"id,omitempty"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Rule is one check. It states its contract first (the fields it restricts, the values it
// allows, why it matters, where the requirement comes from) and then evaluates exactly one
// scope through exactly one of Pod, Object, Namespace or Cluster.
type Rule struct {
	ID       string
	Title    string
	Severity finding.Severity
	Area     Area
	Scope    Scope
	// Kinds are the object kinds an object rule applies to. Pod rules apply to every object
	// that runs a pod and need no kinds.
	Kinds []string
	// Description says what the rule checks and why it matters, in a paragraph.
	Description string
	// Fields are the restricted field paths, relative to the pod spec for pod rules.
	Fields []string
	// Allowed describes the values that pass.
	Allowed    []string
	References []Reference
	Remedy     string
	// AutoFix is what `palisade fix` does with the rule's findings; a test holds every rule
	// whose findings carry a remedy as data to declare it.
	AutoFix AutoFix
	// Reads names the kinds a namespace rule, or a deferred check of a pod or object rule,
	// reads from the inventory. A streaming scan keeps objects of other kinds only as
	// identities (kind, name, labels, annotations, origin) once their own rules have run.
	Reads []string
	// ReadsReleased names the kinds a namespace rule reads only through what a released
	// object keeps (its identity, inventory.Object.PodSummary, ServiceAddresses): a cluster scan lists them and
	// the rule judges a namespace only where they were listed, as for Reads, but a streaming
	// scan need not keep them whole.
	ReadsReleased []string
	// Indexes are the indexes over the complete inventory that the rule's namespace
	// evaluation or deferred checks read (through inventory.Memo). An evaluation builds every
	// index its rules name at once, each on its own core, before the checks that read them
	// start waiting for one another.
	Indexes []*Index

	Pod       func(*PodContext) []Violation
	Object    func(*ObjectContext) []Violation
	Namespace func(*NamespaceContext) []Violation
	Cluster   func(*ClusterContext) []Violation
	Node      func(*NodeContext) []Violation
	Endpoint  func(*EndpointContext) []Violation
	// EndpointComponents are the endpoint components an endpoint rule judges ("kubelet",
	// "etcd" ...); none means every endpoint.
	EndpointComponents []string
	// Components are the components a node rule judges, each one found on the node in turn;
	// a node rule that names none judges the node once.
	Components []inventory.ComponentKind
	// Origin is where a rule that is not Palisade's own is written (a user's policy file, as
	// file:line); empty for the built-in rules, which docs/rules.md documents.
	Origin string

	// CEL is the rule written as the validations of a ValidatingAdmissionPolicy, when CEL can
	// express it exactly: the same verdict as Pod or Object on every object, with the
	// default Options. nil means it cannot, and `palisade vap` leaves the rule out.
	CEL []CELCheck
}

// CELCheck is one validation of a rule's ValidatingAdmissionPolicy: an object passes the rule
// when every check's Expression is true. A pod rule's expressions read the variables the
// policy defines for every workload kind (internal/vap): variables.spec (the pod spec, of a
// Pod, a pod template or a CronJob's job template), variables.podSecurityContext (the pod's
// securityContext, {} when unset), variables.containers (init, regular and ephemeral
// containers) and variables.windows (spec.os.name is windows).
type CELCheck struct {
	Expression string
	// MessageExpression, when set, is a CEL string expression that names what failed (the
	// containers); the policy's static message names the rule.
	MessageExpression string
}

// Violation is what a rule's evaluation reports; the engine turns it into a Finding by adding
// the rule's metadata, the object and the source location of Path.
type Violation struct {
	// Object is the object the finding is about. Pod and object rules may leave it nil (the
	// evaluated object); namespace rules set it or leave it nil for the namespace itself;
	// cluster rules set it or leave it nil for the cluster itself.
	Object    *inventory.Object
	Path      string
	Container string
	Message   string
	Evidence  string
	Fix       []finding.Patch
	// Severity overrides the rule's severity for this violation when it is not nil (a
	// hostPath of / is worse than one of /data).
	Severity *finding.Severity
	// Related, for a violation made of several checks, names them (finding.Related): the
	// engine locates each check's path.
	Related *finding.Related
	// Err, when set, says that the rule could not judge the object (a user's policy that
	// failed or ran out of time): the evaluation reports a scan error on the object, at Path,
	// instead of a finding, so that what could not be judged is never taken for a pass.
	Err error
}

// Options are the scan settings rules may read.
type Options struct {
	// PSSVersion is the Pod Security Standards version, "latest" or "v1.N".
	PSSVersion string
	// KubernetesVersion is the Kubernetes minor the objects are meant for ("v1.N"); empty
	// means the newest one Palisade knows. Rules whose verdict depends on what the API server
	// and the kubelet of a version do (seccomp annotations stopped taking effect in v1.27)
	// read it.
	KubernetesVersion string
	// FromManifests is true when the inventory comes from files rather than a live cluster;
	// rules that judge what is absent say so in their messages.
	FromManifests bool
	// DefinedNamespacesOnly makes namespace rules judge only the namespaces the inventory
	// defines (a Namespace object in it). A manifest scan sets it unless the user says the
	// input is the whole truth (--namespaces-complete): a chart or a file names namespaces it
	// does not define, and whether those have a NetworkPolicy, a LimitRange, a ResourceQuota or
	// Pod Security labels is not in the input. The namespaces left out are reported as a
	// coverage note (Evaluation.NotApplied), never as a pass.
	DefinedNamespacesOnly bool
	// NoEvidence says the caller prints no finding's evidence (an admission review answers
	// with the messages and fields only): a rule whose evidence is a text of its own to
	// build may leave Violation.Evidence empty. Messages, fields and every verdict are the
	// same either way.
	NoEvidence bool
	// Patches says which of a violation's remedy patches its finding keeps: all of them (the
	// zero value, for fix, which writes the TODO notes too), only those that change a field
	// (a report that prints remedies: notes are comments only fix writes), or none (a report
	// that prints no remedy). A large scan holds every finding until it reports: at 100,000
	// objects the patches are about 20 MB of its live heap.
	Patches PatchSet
}

// PatchSet chooses the remedy patches findings keep (Options.Patches).
type PatchSet uint8

const (
	// AllPatches keeps every patch, notes included.
	AllPatches PatchSet = iota
	// ChangePatches keeps the patches that set, remove or rename a field.
	ChangePatches
	// NoPatches keeps none.
	NoPatches
)

// WantsPatches reports whether the caller keeps any remedy patch: true unless Patches is
// NoPatches (a nil Options keeps them all). A rule builds its Fix only when it is wanted: an
// admission review, and a report that prints no remedy, have no use for the field paths and
// values a remedy writes out.
func (o *Options) WantsPatches() bool { return o == nil || o.Patches != NoPatches }

// WantsNotes reports whether the caller keeps the remedy patches that are notes only (a TODO
// comment for a value only the user knows): true for AllPatches, which fix asks for.
func (o *Options) WantsNotes() bool { return o == nil || o.Patches == AllPatches }

// WantsEvidence reports whether the caller prints evidence: true unless NoEvidence is set (a
// nil Options wants it).
func (o *Options) WantsEvidence() bool { return o == nil || !o.NoEvidence }

// PodContext is what a pod rule sees: the object and its pod. A pod rule is evaluated as soon
// as its object is read, before the rest of the input is, so it cannot look at other objects
// directly; a rule that needs them (the ServiceAccount a pod uses, say) extracts what it needs
// from the pod and hands a check to Defer, which runs once the whole inventory is known.
type PodContext struct {
	Object  *inventory.Object
	Pod     inventory.PodTemplate
	Options *Options
	defers  *[]deferred
	rule    *Rule
	shared  []sharedValue
}

type sharedValue struct{ key, value any }

// Shared returns what compute returns for key, computing it once per object: the pod rules of
// one object share it, so that what several rules derive from the same pod (the Pod Security
// Standards checks of both levels) is computed once. Keys are compared with ==; what compute
// returns must not be changed by those who share it.
func (c *PodContext) Shared(key any, compute func() any) any {
	for _, s := range c.shared {
		if s.key == key {
			return s.value
		}
	}
	v := compute()
	c.shared = append(c.shared, sharedValue{key, v})
	return v
}

// Defer runs check, for the rule being evaluated and the same object, once the inventory is
// complete. The check must capture only what it needs, not the pod: the object's typed content
// may be released by then. The rule must name the kinds check reads in Rule.Reads. paths are
// where check may report: a streaming scan keeps the source positions of those (and of their
// parents) only; without paths it keeps them all.
func (c *PodContext) Defer(check func(*inventory.Inventory) []Violation, paths ...string) {
	*c.defers = append(*c.defers, deferred{rule: c.rule, object: c.Object, check: check, paths: paths, pathsNamed: len(paths) > 0})
}

// ObjectContext is what an object rule sees; like a pod rule, it may Defer checks that need
// other objects.
type ObjectContext struct {
	Object  *inventory.Object
	Options *Options
	defers  *[]deferred
	rule    *Rule
}

// Defer runs check once the inventory is complete; see PodContext.Defer.
func (c *ObjectContext) Defer(check func(*inventory.Inventory) []Violation, paths ...string) {
	*c.defers = append(*c.defers, deferred{rule: c.rule, object: c.Object, check: check, paths: paths, pathsNamed: len(paths) > 0})
}

// Index is an index over the complete inventory that several rules' namespace evaluations or
// deferred checks share, such as the network policy analysis. Build makes it (through
// inventory.Memo, so that it is made once per inventory whoever asks first); rules name it in
// Rule.Indexes, and one value names one index, however many rules name it. An index that
// reads another while it is built is better left unnamed: a core would wait for the other.
type Index struct {
	// Name says what the index is, for profiles and panics.
	Name  string
	Build func(*inventory.Inventory, *Options)
}

type deferred struct {
	rule   *Rule
	object *inventory.Object
	check  func(*inventory.Inventory) []Violation
	// paths are where check may report, when pathsNamed.
	paths      []string
	pathsNamed bool
}

// NamespaceContext is what a namespace rule sees.
type NamespaceContext struct {
	Name string
	// Object is the Namespace object when the inventory has it.
	Object    *inventory.Object
	Inventory *inventory.Inventory
	Options   *Options
}

// NodeContext is what a node rule sees: the node, and the component being judged (nil for a
// rule on the whole node). A rule reports failures as violations; an evaluation that reports
// none passes, with the evidence given to Pass, unless NotApplicable says it did not apply.
type NodeContext struct {
	Node      *inventory.Node
	Component *inventory.Component
	Options   *Options
	verdict   *nodeVerdict
	memo      map[string]any
}

// Settings are the effective settings of the component being judged, built once per node
// (settings.ForNode) and shared by the rules of the node and the endpoints a node audit
// probes, or the reason they cannot be known (etcd's configuration file not read, or not
// parsing).
func (c *NodeContext) Settings() (*settings.Component, string) { return c.SettingsOf(c.Component) }

// SettingsOf are the effective settings of another component of the node, as Settings.
func (c *NodeContext) SettingsOf(comp *inventory.Component) (*settings.Component, string) {
	return settings.ForNode(c.Node).Of(comp)
}

// Memo returns what compute returns for key, computing it once per node evaluation: the rules
// of one node share it, so a file several rules judge (an audit policy, a kubeconfig, a
// certificate) is parsed once. Keys name the file and what is made of it; what compute returns
// must not be changed by those who share it.
func (c *NodeContext) Memo(key string, compute func() any) any {
	if c.memo == nil {
		return compute()
	}
	if v, ok := c.memo[key]; ok {
		return v
	}
	v := compute()
	c.memo[key] = v
	return v
}

type nodeVerdict struct {
	passEvidence  string
	notApplicable string
}

// Pass records what was observed when the rule passes: the effective value and where it came
// from, so that a report of passes is evidence, not a claim.
func (c *NodeContext) Pass(evidence string) { c.verdict.passEvidence = evidence }

// NotApplicable records that the rule does not apply here, and why (a flag of a component
// this distribution does not run, a file the node does not have).
func (c *NodeContext) NotApplicable(reason string) { c.verdict.notApplicable = reason }

// EndpointContext is what an endpoint rule sees; like a node rule, an evaluation that reports
// no violation passes, with the evidence given to Pass, unless NotApplicable says why not.
type EndpointContext struct {
	Endpoint *inventory.Endpoint
	Options  *Options
	verdict  *nodeVerdict
}

// Pass records what was observed when the rule passes.
func (c *EndpointContext) Pass(evidence string) { c.verdict.passEvidence = evidence }

// NotApplicable records that the rule does not apply to this endpoint, and why.
func (c *EndpointContext) NotApplicable(reason string) { c.verdict.notApplicable = reason }

// ClusterContext is what a cluster rule sees: the facts the source observed and the objects.
type ClusterContext struct {
	Cluster   *inventory.Cluster
	Inventory *inventory.Inventory
	Options   *Options
}

// idPattern is the form of rule IDs: area/slug. A slug may hold dots, for the dynamic rules
// named after the Kubernetes object that defines them (vap/<policy-name>, a DNS subdomain).
var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+([-.][a-z0-9]+)*$`)

// Validate reports what is missing or inconsistent in a rule's definition.
func (r *Rule) Validate() error {
	if !idPattern.MatchString(r.ID) {
		return fmt.Errorf("rule ID %q is not of the form area/slug", r.ID)
	}
	if r.Title == "" || r.Description == "" || r.Remedy == "" || r.Area == "" {
		return fmt.Errorf("rule %s: title, description, remedy and area are required", r.ID)
	}
	n := 0
	for _, set := range []bool{r.Pod != nil, r.Object != nil, r.Namespace != nil, r.Cluster != nil, r.Node != nil, r.Endpoint != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("rule %s: exactly one of Pod, Object, Namespace, Cluster, Node, Endpoint must be set", r.ID)
	}
	switch {
	case r.Pod != nil && r.Scope != ScopePod,
		r.Object != nil && r.Scope != ScopeObject,
		r.Namespace != nil && r.Scope != ScopeNamespace,
		r.Cluster != nil && r.Scope != ScopeCluster,
		r.Node != nil && r.Scope != ScopeNode,
		r.Endpoint != nil && r.Scope != ScopeEndpoint:
		return fmt.Errorf("rule %s: scope %q does not match its evaluation function", r.ID, r.Scope)
	}
	if r.Object != nil && len(r.Kinds) == 0 {
		return fmt.Errorf("rule %s: an object rule must name the kinds it applies to", r.ID)
	}
	return nil
}

// AppliesToKind reports whether an object rule applies to objects of kind. "*" applies to all.
func (r *Rule) AppliesToKind(kind string) bool {
	for _, k := range r.Kinds {
		if k == kind || k == "*" {
			return true
		}
	}
	return false
}

// kubernetesVersionPattern is the form of Options.KubernetesVersion.
var kubernetesVersionPattern = regexp.MustCompile(`^v1\.(0|[1-9][0-9]*)$`)

// ParseKubernetesVersion checks a Kubernetes version given as "v1.N" (or "1.N") and returns it
// as "v1.N"; "" or "latest" give "".
func ParseKubernetesVersion(text string) (string, error) {
	if text == "" || text == "latest" {
		return "", nil
	}
	v := text
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if !kubernetesVersionPattern.MatchString(v) {
		return "", fmt.Errorf("invalid Kubernetes version %q: want v1.N, such as v1.30", text)
	}
	return v, nil
}

// KubernetesMinor is the minor of Options.KubernetesVersion; ok is false when it is the
// newest one Palisade knows.
func (o *Options) KubernetesMinor() (minor int, ok bool) {
	if o == nil {
		return 0, false
	}
	rest, found := strings.CutPrefix(o.KubernetesVersion, "v1.")
	if !found {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}
