package testrules

import (
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Verdict is one rule's verdict on one thing a live audit judges: a component of a node (or
// the node), an endpoint, or the cluster. Node and endpoint rules record their passes and
// not-applicable verdicts as well as their failures; cluster rules report failures only.
type Verdict struct {
	Rule     string
	Status   finding.Status
	Severity finding.Severity
	Message  string
	Path     string
	Evidence string
	// Kind is what the verdict is about: a component kind (kube-apiserver, etcd, kubelet), Node
	// for a rule of the whole node, an endpoint's component, or Cluster.
	Kind string
	// Name is the node's host, the endpoint's address or the cluster's context.
	Name string
	// File is where the verdict is located: the component's manifest or command line, or the
	// file a violation names (a kubeconfig).
	File string
	// Finding is the verdict as a report holds it, for what the fields above do not say.
	Finding finding.Finding
}

// Outcome is the verdict's status as a reader says it: "fail high", "pass", "not-applicable".
func (v Verdict) Outcome() string {
	if v.Status == finding.Fail {
		return "fail " + v.Severity.String()
	}
	return string(v.Status)
}

// Node runs the catalog's node rules over one node, or only the rule ruleID when it is not
// empty, and returns every verdict: failures first, then passes and not-applicable verdicts.
// A ruleID the catalog does not have fails the test; so does a rule that panics. A nil opts
// is the zero Options.
func Node(t testing.TB, c *rules.Catalog, ruleID string, n *inventory.Node, opts *rules.Options) []Verdict {
	t.Helper()
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{n}
	return judge(t, c, ruleID, inv, opts)
}

// Endpoints runs the catalog's endpoint rules (or only ruleID) over the endpoints, as Node
// does over a node.
func Endpoints(t testing.TB, c *rules.Catalog, ruleID string, opts *rules.Options, eps ...*inventory.Endpoint) []Verdict {
	t.Helper()
	inv := inventory.New()
	inv.Endpoints = eps
	return judge(t, c, ruleID, inv, opts)
}

// Cluster runs the catalog's cluster rules (or only ruleID) over an inventory that holds only
// the cluster's facts, as Node does over a node.
func Cluster(t testing.TB, c *rules.Catalog, ruleID string, cl *inventory.Cluster, opts *rules.Options) []Verdict {
	t.Helper()
	inv := inventory.New()
	inv.Cluster = cl
	return judge(t, c, ruleID, inv, opts)
}

// Rules is a catalog of the rules, for the packages that test their own rules apart from
// the built-in catalog; rules the catalog refuses fail the test.
func Rules(t testing.TB, rs ...rules.Rule) *rules.Catalog {
	t.Helper()
	c, err := rules.NewCatalog(rs...)
	if err != nil {
		t.Fatalf("building a catalog of %d rules: %v", len(rs), err)
	}
	return c
}

func judge(t testing.TB, c *rules.Catalog, ruleID string, inv *inventory.Inventory, opts *rules.Options) []Verdict {
	t.Helper()
	var selected func(*rules.Rule) bool
	if ruleID != "" {
		if _, ok := c.Lookup(ruleID); !ok {
			t.Fatalf("testrules: %v", unknown(c, ruleID))
		}
		selected = func(r *rules.Rule) bool { return r.ID == ruleID }
	}
	if opts == nil {
		opts = &rules.Options{}
	}
	e := c.NewEvaluation(opts, selected)
	fails := e.Finish(inv)
	for _, p := range e.Panics() {
		t.Errorf("testrules: %v", p)
	}
	return verdicts(append(fails, e.Passed...))
}

// Index indexes verdicts by rule ID and name (host, address or context), joined by a space
// ("kubelet/probe-plain-http 10.0.0.5:10250"): the shape of a table that expects one verdict
// of each rule on each thing. A second verdict of the same rule on the same thing fails the
// test.
func Index(t testing.TB, vs []Verdict) map[string]Verdict {
	t.Helper()
	out := make(map[string]Verdict, len(vs))
	for _, v := range vs {
		key := v.Rule + " " + v.Name
		if _, dup := out[key]; dup {
			t.Errorf("testrules: two verdicts of %s", key)
		}
		out[key] = v
	}
	return out
}

// Text is what the verdict tells a reader: a failure's message and evidence ("message |
// evidence"), a pass's evidence (its message is always "Passed."), a not-applicable verdict's
// reason.
func (v Verdict) Text() string {
	switch v.Status {
	case finding.Pass:
		return v.Evidence
	case finding.NotApplicable:
		return v.Message
	}
	return v.Message + " | " + v.Evidence
}

// String says which rule judged what, and how: "tls/serving-san on 10.0.0.1:6443: pass".
func (v Verdict) String() string {
	return v.Rule + " on " + v.Name + ": " + v.Outcome()
}

// Want is what a test expects of one verdict: its status, its severity when it fails, texts
// its message and its evidence contain, and, when File is set, the file it is located at.
type Want struct {
	Status            finding.Status
	Severity          finding.Severity
	Message, Evidence string
	File              string
}

// Check fails the test when v is not what w expects; a wrong status ends it.
func (w Want) Check(t testing.TB, v Verdict) {
	t.Helper()
	if v.Status != w.Status {
		t.Fatalf("status %q, want %q (%s | %s)", v.Status, w.Status, v.Message, v.Evidence)
	}
	if w.Status == finding.Fail && v.Severity != w.Severity {
		t.Errorf("severity %s, want %s", v.Severity, w.Severity)
	}
	if !strings.Contains(v.Message, w.Message) {
		t.Errorf("message %q does not contain %q", v.Message, w.Message)
	}
	if !strings.Contains(v.Evidence, w.Evidence) {
		t.Errorf("evidence %q does not contain %q", v.Evidence, w.Evidence)
	}
	if w.File != "" && v.File != w.File {
		t.Errorf("finding located at %q, want %q", v.File, w.File)
	}
}
