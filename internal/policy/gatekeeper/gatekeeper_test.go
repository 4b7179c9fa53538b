package gatekeeper_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/policy/gatekeeper"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/manifest"
)

func objects(t testing.TB, yaml string) []*inventory.Object {
	t.Helper()
	res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(yaml), Workers: 1})
	if len(res.Errors) > 0 {
		t.Fatalf("load: %v", res.Errors)
	}
	return res.Inventory.Objects()
}

// echoTemplate reports every object it is asked about, so that a test sees what a
// constraint's match lets through.
const echoTemplate = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8secho}
spec:
  crd: {spec: {names: {kind: K8sEcho}}}
  targets:
  - target: admission.k8s.io
    rego: |
      package k8secho
      violation[{"msg": msg}] {
        msg := sprintf("%v %v", [input.review.kind.kind, input.review.object.metadata.name])
      }
`

const targets = `apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: web, labels: {team: web}}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: web, labels: {app: api}}
spec: {containers: [{name: a, image: a:1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: dns, namespace: kube-system, labels: {app: dns}}
spec: {containers: [{name: a, image: a:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a, image: a:1}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
`

func TestConstraintMatch(t *testing.T) {
	for _, tc := range []struct {
		name, match string
		want        []string
	}{
		{"no match judges every object", "{}", []string{"ClusterRole reader", "Deployment api", "Namespace kube-system", "Namespace web", "Pod api", "Pod dns"}},
		{"kinds with their API groups", `{kinds: [{apiGroups: [""], kinds: [Pod]}]}`, []string{"Pod api", "Pod dns"}},
		{"a kind of another group does not match", `{kinds: [{apiGroups: [""], kinds: [Deployment]}]}`, nil},
		{"any group", `{kinds: [{apiGroups: ["*"], kinds: [Deployment, ClusterRole]}]}`, []string{"ClusterRole reader", "Deployment api"}},
		{"namespaces by glob, and a Namespace by its name", `{namespaces: ["kube-*"]}`, []string{"ClusterRole reader", "Namespace kube-system", "Pod dns"}},
		{"excluded namespaces", `{excludedNamespaces: [kube-system]}`, []string{"ClusterRole reader", "Deployment api", "Namespace web", "Pod api"}},
		{"cluster scope", `{scope: Cluster}`, []string{"ClusterRole reader", "Namespace kube-system", "Namespace web"}},
		{"namespaced scope", `{scope: Namespaced}`, []string{"Deployment api", "Pod api", "Pod dns"}},
		{"label selector", `{labelSelector: {matchLabels: {app: api}}}`, []string{"Pod api"}},
		{"namespace selector", `{namespaceSelector: {matchLabels: {team: web}}}`, []string{"ClusterRole reader", "Deployment api", "Namespace web", "Pod api"}},
		{"name", `{name: "re*"}`, []string{"ClusterRole reader"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := gatekeeper.Documents{
				Templates:   objects(t, echoTemplate),
				Constraints: objects(t, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sEcho\nmetadata: {name: echo}\nspec:\n  match: "+tc.match+"\n"),
			}
			if got := judge(t, docs, targets); !slices.Equal(got, tc.want) {
				t.Errorf("matched %q, want %q", got, tc.want)
			}
		})
	}
}

// judge returns the messages of the findings of the constraints on the objects, sorted.
func judge(t *testing.T, docs gatekeeper.Documents, yaml string) []string {
	t.Helper()
	rs, err := gatekeeper.Rules(context.Background(), docs, gatekeeper.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := rules.NewCatalog(rs...)
	if err != nil {
		t.Fatal(err)
	}
	ev := cat.NewEvaluation(&rules.Options{}, nil)
	inv := inventory.New()
	for _, o := range objects(t, yaml) {
		ev.Object(o)
		inv.Add(o)
	}
	fs := ev.Finish(inv)
	if errs := ev.Errors(); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Message)
	}
	slices.Sort(got)
	return got
}

func TestEnforcementActionIsTheSeverity(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want finding.Severity
	}{
		{"{}", finding.High},
		{"{enforcementAction: deny}", finding.High},
		{"{enforcementAction: warn}", finding.Medium},
		{"{enforcementAction: dryrun}", finding.Info},
		{"{enforcementAction: scoped, scopedEnforcementActions: [{action: warn}, {action: dryrun}]}", finding.Medium},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			c := objects(t, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sEcho\nmetadata: {name: echo}\nspec: "+tc.spec+"\n")
			d, err := gatekeeper.DecodeConstraint(c[0])
			if err != nil {
				t.Fatal(err)
			}
			if d.Severity != tc.want {
				t.Errorf("severity %v, want %v", d.Severity, tc.want)
			}
		})
	}
	c := objects(t, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sEcho\nmetadata: {name: echo, annotations: {palisade.dev/severity: critical}}\nspec: {enforcementAction: warn}\n")
	if d, err := gatekeeper.DecodeConstraint(c[0]); err != nil || d.Severity != finding.Critical {
		t.Errorf("the severity annotation is not honoured: %v %v", d, err)
	}
	c = objects(t, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sEcho\nmetadata: {name: echo}\nspec: {enforcementAction: block}\n")
	if _, err := gatekeeper.DecodeConstraint(c[0]); err == nil || !strings.Contains(err.Error(), "unknown spec.enforcementAction") {
		t.Errorf("an unknown action is not an error: %v", err)
	}
}

func TestInventoryHasGatekeepersShape(t *testing.T) {
	inv := inventory.New()
	for _, o := range objects(t, targets) {
		inv.Add(o)
	}
	v, err := gatekeeper.Inventory(inv, []string{"Pod", "ClusterRole"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{
		`namespace.web.v1.Pod.api.metadata.labels.app`,
		`namespace["kube-system"].v1.Pod.dns.metadata.name`,
		`cluster["rbac.authorization.k8s.io/v1"].ClusterRole.reader.kind`,
	} {
		if _, err := v.Find(ast.MustParseRef("x." + ref)[1:]); err != nil {
			t.Errorf("data.inventory.%s is missing: %v", ref, err)
		}
	}
	if _, err := v.Find(ast.MustParseRef(`x.namespace.web["apps/v1"]`)[1:]); err == nil {
		t.Error("data.inventory holds Deployments, a kind it was not asked for")
	}
}

func TestInventoryKinds(t *testing.T) {
	const template = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sinv
  annotations:
    metadata.gatekeeper.sh/requires-sync-data: |
      "[[{"groups": [""], "versions": ["v1"], "kinds": ["Service"]}, {"groups": ["networking.k8s.io"], "versions": ["v1"], "kinds": ["Ingress"]}], [{"groups": [""], "versions": ["v1"], "kinds": ["Namespace"]}]]"
spec:
  crd: {spec: {names: {kind: K8sInv}}}
  targets:
  - target: admission.k8s.io
    rego: |
      package k8sinv
      violation[{"msg": "x"}] { data.inventory.cluster.v1.Namespace[input.review.object.metadata.name].metadata.labels.bad }
`
	const constraint = "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sInv\nmetadata: {name: inv}\nspec: {match: {kinds: [{apiGroups: [\"\"], kinds: [Pod]}]}}\n"
	const config = "apiVersion: config.gatekeeper.sh/v1alpha1\nkind: Config\nmetadata: {name: config}\nspec: {sync: {syncOnly: [{group: \"\", version: v1, kind: ConfigMap}]}}\n"
	for _, tc := range []struct {
		name     string
		template string
		configs  string
		want     []string
	}{
		{"a Config's syncOnly", template, config, []string{"ConfigMap"}},
		{"the template's requires-sync-data", template, "", []string{"Service", "Ingress", "Namespace"}},
		{"else the matched kinds", strings.Replace(template, "metadata.gatekeeper.sh/requires-sync-data", "x-other", 1), "", []string{"Pod"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := gatekeeper.Documents{Templates: objects(t, tc.template), Constraints: objects(t, constraint)}
			if tc.configs != "" {
				docs.Configs = objects(t, tc.configs)
			}
			rs, err := gatekeeper.Rules(context.Background(), docs, gatekeeper.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rs[0].Reads, tc.want) {
				t.Errorf("reads %q, want %q", rs[0].Reads, tc.want)
			}
		})
	}
}

// FuzzConstraintTemplate decodes and compiles arbitrary ConstraintTemplate documents: it must
// never panic, and every error must name where the document is.
func FuzzConstraintTemplate(f *testing.F) {
	f.Add(echoTemplate)
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "gatekeeper", "*.yaml"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Add("apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata: {name: x}\nspec: {targets: 3}\n")
	f.Add("apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata: {name: k8sx}\nspec: {crd: {spec: {names: {kind: K8sX}}}, targets: [{target: admission.k8s.io, code: [{engine: Rego, source: {rego: 'package a', libs: [1]}}]}]}\n")
	f.Fuzz(func(t *testing.T, doc string) {
		res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(doc), Workers: 1, MaxDocumentSize: 1 << 20})
		var docs gatekeeper.Documents
		for _, o := range res.Inventory.Objects() {
			switch o.GVK.Group {
			case gatekeeper.TemplateGroup:
				docs.Templates = append(docs.Templates, o)
			case gatekeeper.ConstraintGroup:
				docs.Constraints = append(docs.Constraints, o)
			case gatekeeper.ExpansionGroup:
				docs.Expansions = append(docs.Expansions, o)
			}
		}
		rs, err := gatekeeper.Rules(context.Background(), docs, gatekeeper.Options{})
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "-:") {
					t.Fatalf("error line does not say where: %q", line)
				}
			}
			return
		}
		for i := range rs {
			if err := rs[i].Validate(); err != nil {
				t.Fatalf("invalid rule: %v", err)
			}
		}
	})
}
