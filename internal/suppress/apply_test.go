package suppress_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suppress"
)

// applyManifests holds a CNI DaemonSet, an ordinary Deployment exempted by its own annotation,
// one exempted through its pod template's annotation, and the namespaces they live in.
const applyManifests = `apiVersion: v1
kind: Namespace
metadata:
  name: kube-system
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: cilium-agent
  namespace: kube-system
  labels: {app: cilium}
spec:
  selector: {matchLabels: {app: cilium}}
  template:
    metadata: {labels: {app: cilium}}
    spec:
      hostNetwork: true
      containers:
      - name: agent
        image: cilium/cilium:v1.16
        securityContext: {privileged: true}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-exporter
  namespace: kube-system
  labels: {app: node-exporter}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec:
      hostNetwork: true
      containers:
      - name: exporter
        image: prom/node-exporter:v1.8
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
  namespace: shop
  annotations:
    palisade.dev/ignore: "pod/privileged, pod/host-network  vendor image needs raw sockets; ticket OPS-12"
spec:
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: vendor/legacy:2.3
        securityContext: {privileged: true}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            palisade.dev/ignore: pod/host-network backup agent reaches the node's NFS mount
        spec:
          hostNetwork: true
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: backup:1.0
`

func TestApply(t *testing.T) {
	tests := []struct {
		name        string
		rules       []string
		config      *suppress.Config
		annotations bool
		// want lists every finding as "rule object severity", prefixed with "suppressed
		// (source: reason)" when it is suppressed.
		want []string
	}{
		{
			name:        "object and pod template annotations suppress what they name, with their reason",
			rules:       []string{"pod/host-network", "pod/privileged"},
			annotations: true,
			want: []string{
				"pod/host-network DaemonSet/kube-system/cilium-agent high",
				"pod/privileged DaemonSet/kube-system/cilium-agent critical",
				"pod/host-network DaemonSet/kube-system/node-exporter high",
				"suppressed (annotation: vendor image needs raw sockets; ticket OPS-12) pod/host-network Deployment/shop/legacy high",
				"suppressed (annotation: vendor image needs raw sockets; ticket OPS-12) pod/privileged Deployment/shop/legacy critical",
				"suppressed (annotation: backup agent reaches the node's NFS mount) pod/host-network CronJob/shop/backup high",
			},
		},
		{
			name:        "no-annotation-exemptions ignores the annotations",
			rules:       []string{"pod/host-network", "pod/privileged"},
			annotations: false,
			want: []string{
				"pod/host-network DaemonSet/kube-system/cilium-agent high",
				"pod/privileged DaemonSet/kube-system/cilium-agent critical",
				"pod/host-network DaemonSet/kube-system/node-exporter high",
				"pod/host-network Deployment/shop/legacy high",
				"pod/privileged Deployment/shop/legacy critical",
				"pod/host-network CronJob/shop/backup high",
			},
		},
		{
			name:  "exemption needs every selector: namespace, kind, name glob and labels",
			rules: []string{"pod/host-network", "pod/privileged"},
			config: &suppress.Config{Exemptions: []suppress.Exemption{{
				Rules: []string{"pod/host-network"}, Namespaces: []string{"kube-*"}, Kinds: []string{"daemonset"},
				Names: []string{"cilium*", "calico*"}, Labels: map[string]string{"app": "cilium"}, Reason: "CNI needs the host network",
			}}},
			want: []string{
				"suppressed (config: CNI needs the host network) pod/host-network DaemonSet/kube-system/cilium-agent high",
				"pod/privileged DaemonSet/kube-system/cilium-agent critical",
				"pod/host-network DaemonSet/kube-system/node-exporter high",
				"pod/host-network Deployment/shop/legacy high",
				"pod/privileged Deployment/shop/legacy critical",
				"pod/host-network CronJob/shop/backup high",
			},
		},
		{
			name:  "a label that differs keeps the finding",
			rules: []string{"pod/host-network"},
			config: &suppress.Config{Exemptions: []suppress.Exemption{{
				Rules: []string{"pod/host-network"}, Labels: map[string]string{"app": "node-exporter", "tier": "system"}, Reason: "r",
			}}},
			want: []string{
				"pod/host-network DaemonSet/kube-system/cilium-agent high",
				"pod/host-network DaemonSet/kube-system/node-exporter high",
				"pod/host-network Deployment/shop/legacy high",
				"pod/host-network CronJob/shop/backup high",
			},
		},
		{
			name:  "namespace findings match by the namespace's own name; kind selects",
			rules: []string{"namespace/network-policy"},
			config: &suppress.Config{Exemptions: []suppress.Exemption{{
				Rules: []string{"namespace/*"}, Namespaces: []string{"kube-system"}, Kinds: []string{"Namespace"}, Reason: "managed by the platform",
			}}},
			want: []string{
				"suppressed (config: managed by the platform) namespace/network-policy Namespace/kube-system medium",
				"namespace/network-policy Namespace/shop medium",
			},
		},
		{
			name:        "severity overrides apply before the split, exact ID over pattern",
			rules:       []string{"pod/host-network", "pod/privileged", "pod/image-digest"},
			annotations: true,
			config: &suppress.Config{
				Severities: []suppress.SeverityOverride{
					{Rule: "pod/*", Severity: finding.Low},
					{Rule: "pod/image-digest", Severity: finding.Info},
				},
				Exemptions: []suppress.Exemption{{Rules: []string{"pod/*"}, Namespaces: []string{"kube-system"}, Reason: "system"}},
			},
			want: []string{
				"suppressed (config: system) pod/host-network DaemonSet/kube-system/cilium-agent low",
				"suppressed (config: system) pod/image-digest DaemonSet/kube-system/cilium-agent info",
				"suppressed (config: system) pod/privileged DaemonSet/kube-system/cilium-agent low",
				"suppressed (config: system) pod/host-network DaemonSet/kube-system/node-exporter low",
				"suppressed (config: system) pod/image-digest DaemonSet/kube-system/node-exporter info",
				"suppressed (annotation: vendor image needs raw sockets; ticket OPS-12) pod/host-network Deployment/shop/legacy low",
				"pod/image-digest Deployment/shop/legacy info",
				"suppressed (annotation: vendor image needs raw sockets; ticket OPS-12) pod/privileged Deployment/shop/legacy low",
				"suppressed (annotation: backup agent reaches the node's NFS mount) pod/host-network CronJob/shop/backup low",
				"pod/image-digest CronJob/shop/backup info",
			},
		},
		{
			name:        "a config exemption takes precedence over an annotation",
			rules:       []string{"pod/privileged"},
			annotations: true,
			config: &suppress.Config{Exemptions: []suppress.Exemption{{
				Rules: []string{"pod/privileged"}, Namespaces: []string{"shop"}, Reason: "shop team accepted the risk",
			}}},
			want: []string{
				"pod/privileged DaemonSet/kube-system/cilium-agent critical",
				"suppressed (config: shop team accepted the risk) pod/privileged Deployment/shop/legacy critical",
			},
		},
	}
	c := testCatalog(t)
	inv := loadYAML(t, applyManifests)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := c.Evaluate(inv, &rules.Options{FromManifests: true}, func(r *rules.Rule) bool { return slices.Contains(tt.rules, r.ID) })
			p := &suppress.Policy{Config: tt.config, Catalog: c, Annotations: tt.annotations}
			active, suppressed, errs := p.Apply(fs, inv)
			if len(errs) > 0 {
				t.Fatalf("Apply reported errors: %v", errs)
			}
			if len(active)+len(suppressed) != len(fs) {
				t.Errorf("Apply returned %d active and %d suppressed findings for %d findings", len(active), len(suppressed), len(fs))
			}
			for _, f := range active {
				if f.Suppression != nil {
					t.Errorf("active finding %s carries a suppression", describe(f))
				}
			}
			got := slices.Concat(active, suppressed)
			finding.Sort(got)
			var lines []string
			for _, f := range got {
				lines = append(lines, describe(f))
			}
			if !slices.Equal(lines, tt.want) {
				t.Errorf("Apply:\n got  %s\n want %s", strings.Join(lines, "\n      "), strings.Join(tt.want, "\n      "))
			}
		})
	}
}

func describe(f finding.Finding) string {
	s := fmt.Sprintf("%s %s %s", f.RuleID, f.Object, f.Severity)
	if f.Suppression != nil {
		s = fmt.Sprintf("suppressed (%s: %s) %s", f.Suppression.Source, f.Suppression.Reason, s)
	}
	return s
}

func TestApplyAnnotationErrors(t *testing.T) {
	const manifests = `apiVersion: v1
kind: Pod
metadata:
  name: no-reason
  annotations:
    palisade.dev/ignore: pod/privileged
spec:
  containers:
  - {name: app, image: app:1, securityContext: {privileged: true}}
---
apiVersion: v1
kind: Pod
metadata:
  name: typo
  annotations:
    team: shop
    palisade.dev/ignore: "pod/privileged,pod/host-netwrok needs the node's network"
spec:
  hostNetwork: true
  containers:
  - {name: app, image: app:1, securityContext: {privileged: true}}
---
apiVersion: v1
kind: Pod
metadata:
  name: misspelt-key
  annotations:
    palisade.io/ignore: pod/privileged reason
spec:
  containers:
  - {name: app, image: app:1, securityContext: {privileged: true}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: template-typo
spec:
  selector: {matchLabels: {app: t}}
  template:
    metadata:
      labels: {app: t}
      annotations:
        palisade.dev/ignore: "pod/privilegd why"
    spec:
      containers:
      - {name: app, image: app:1}
`
	c := testCatalog(t)
	inv := loadYAML(t, manifests)
	fs := c.Evaluate(inv, &rules.Options{FromManifests: true}, func(r *rules.Rule) bool {
		return r.ID == "pod/privileged" || r.ID == "pod/host-network"
	})
	p := &suppress.Policy{Catalog: c, Annotations: true}
	active, suppressed, errs := p.Apply(fs, inv)
	if len(suppressed) != 0 {
		t.Errorf("invalid annotations suppressed %d findings: %v", len(suppressed), suppressed)
	}
	if len(active) != len(fs) {
		t.Errorf("active = %d findings, want all %d", len(active), len(fs))
	}
	finding.SortErrors(errs)
	want := []struct {
		line   int
		object string
		text   string
	}{
		{6, "Pod/default/no-reason", "annotation palisade.dev/ignore gives no reason after pod/privileged"},
		{17, "Pod/default/typo", `annotation palisade.dev/ignore: unknown rule "pod/host-netwrok" (did you mean "pod/host-network"?); the annotation exempts nothing`},
		{28, "Pod/default/misspelt-key", "unknown annotation palisade.io/ignore (did you mean palisade.dev/ignore?)"},
		{43, "Deployment/default/template-typo", `unknown rule "pod/privilegd" (did you mean "pod/privileged"?)`},
	}
	if len(errs) != len(want) {
		t.Fatalf("errors = %v, want %d", errs, len(want))
	}
	for i, w := range want {
		e := errs[i]
		if e.Location.Line != w.line || e.Object.String() != w.object || !strings.Contains(e.Message, w.text) {
			t.Errorf("error %d = line %d, %s: %q; want line %d, %s: %q", i, e.Location.Line, e.Object, e.Message, w.line, w.object, w.text)
		}
	}

	t.Run("not validated when annotations are ignored", func(t *testing.T) {
		fs := c.Evaluate(inv, &rules.Options{FromManifests: true}, nil)
		p := &suppress.Policy{Catalog: c, Annotations: false}
		if _, _, errs := p.Apply(fs, inv); len(errs) > 0 {
			t.Errorf("Apply reported %v with annotations ignored", errs)
		}
	})
}

// BenchmarkApply measures the suppression of a large scan: 100k objects, a fifth of them
// annotated, ten findings each, and a config with a label exemption.
func BenchmarkApply(b *testing.B) {
	c := testCatalog(&testing.T{})
	inv := inventory.New()
	var objs []*inventory.Object
	for i := range 100_000 {
		o := &inventory.Object{Namespace: fmt.Sprintf("ns-%d", i%50), Name: fmt.Sprintf("app-%d", i),
			Labels: map[string]string{"app": fmt.Sprintf("app-%d", i%7)}, Origin: inventory.Origin{File: fmt.Sprintf("f%d.yaml", i/100), Document: int32(i%100 + 1)}}
		o.GVK.Group, o.GVK.Version, o.GVK.Kind = "apps", "v1", "Deployment"
		if i%5 == 0 {
			o.Annotations = map[string]string{suppress.AnnotationKey: "pod/privileged,pod/host-network legacy", "team": "shop"}
		}
		inv.Add(o)
		objs = append(objs, o)
	}
	ids := []string{"pod/privileged", "pod/host-network", "pod/cpu-limit", "pod/image-digest"}
	p := &suppress.Policy{Catalog: c, Annotations: true, Config: &suppress.Config{
		Severities: []suppress.SeverityOverride{{Rule: "pod/image-digest", Severity: finding.Info}},
		Exemptions: []suppress.Exemption{{Rules: []string{"pod/cpu-limit"}, Labels: map[string]string{"app": "app-3"}, Reason: "r"}},
	}}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		fs := make([]finding.Finding, 0, len(objs)*10)
		for _, o := range objs {
			for j := range 10 {
				fs = append(fs, finding.Finding{RuleID: ids[j%len(ids)], Object: o.Ref(), Location: o.Locate("")})
			}
		}
		b.StartTimer()
		p.Apply(fs, inv)
	}
}
