package schema_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/removedapi"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testrules"
)

// Manifests of the kinds whose removed versions read the same in their replacement, with
// everything the rules judge in them; %s is the apiVersion, and every version of a kind is
// written on the same lines, so that findings compare by location.
var judgedKinds = map[string]string{
	"Deployment":  workload("Deployment"),
	"ReplicaSet":  workload("ReplicaSet"),
	"StatefulSet": workload("StatefulSet"),
	"DaemonSet":   workload("DaemonSet"),
	"CronJob": `apiVersion: %s
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          hostPID: true
          containers:
          - name: report
            image: registry.example/report:1.0
            securityContex: {privileged: true}
            securityContext: {privileged: true}
`,
	"ClusterRoleBinding": `apiVersion: %s
kind: ClusterRoleBinding
metadata: {name: open}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: User, name: system:anonymous, apiGroup: rbac.authorization.k8s.io}
`,
	"ClusterRole": `apiVersion: %s
kind: ClusterRole
metadata: {name: everything}
aggregationRul: {}
rules:
- {apiGroups: ["*"], resource: ["*"], verbs: ["*"]}
`,
	"NetworkPolicy": `apiVersion: %s
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingres]
  ingress:
  - form: [{podSelector: {}}]
`,
}

func workload(kind string) string {
	return `apiVersion: %s
kind: ` + kind + `
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotation: {seccomp.security.alpha.kubernetes.io/pod: runtime/default}
    spec:
      hostNetwork: true
      containers:
      - name: web
        image: registry.example/web:latest
        securityContext:
          privileged: true
          runAsUser: 0
          capabilities: {add: [SYS_ADMN]}
`
}

// TestRemovedVersionsAreJudgedAsTheirReplacement pins that an object written in a removed
// version of its kind (every one of the migration guide's that reads the same in its
// replacement and that Palisade judges) gets exactly the findings of the same object written
// in the replacement, at the same paths, lines and columns, plus one
// manifest/removed-api-version finding on its apiVersion.
func TestRemovedVersionsAreJudgedAsTheirReplacement(t *testing.T) {
	catalog := testrules.Builtin(t)
	opts := &rules.Options{PSSVersion: "latest", FromManifests: true}
	covered := 0
	for _, api := range removedapi.All() {
		for _, kind := range api.Kinds {
			doc, judged := judgedKinds[kind]
			to, replaced := api.ReplacementKind(kind)
			if !judged || !replaced || !api.SameShape {
				continue
			}
			covered++
			old := api.GroupVersion().String()
			t.Run(old+"/"+kind, func(t *testing.T) {
				want := scanDoc(t, catalog, opts, fmt.Sprintf(doc, to.GroupVersion()))
				got := scanDoc(t, catalog, opts, fmt.Sprintf(doc, old))
				var removed []string
				got = slices.DeleteFunc(got, func(s string) bool {
					if strings.Contains(s, "manifest/removed-api-version") {
						removed = append(removed, s)
						return true
					}
					return false
				})
				if len(removed) != 1 || !strings.HasPrefix(removed[0], "1:1 ") {
					t.Errorf("want one manifest/removed-api-version finding at 1:1, got %q", removed)
				}
				if len(want) < 2 {
					t.Fatalf("the %s fixture gives too few findings to compare: %q", to, want)
				}
				if kind == "CronJob" {
					// The repro: batch/v1's two critical findings, privileged and hostPID.
					var critical []string
					for _, f := range got {
						if strings.Contains(f, " critical ") {
							critical = append(critical, strings.Fields(f)[1])
						}
					}
					if !slices.Equal(critical, []string{"pod/host-pid", "pod/privileged"}) {
						t.Errorf("critical findings %q, want pod/host-pid and pod/privileged", critical)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("findings differ from %s:\n got %q\nwant %q", to.GroupVersion(), got, want)
				}
			})
		}
	}
	// extensions/v1beta1 DaemonSet, Deployment, ReplicaSet, NetworkPolicy; apps/v1beta2
	// DaemonSet, Deployment, ReplicaSet, StatefulSet; apps/v1beta1 Deployment, ReplicaSet,
	// StatefulSet; batch/v1beta1 CronJob; rbac v1beta1 ClusterRole, ClusterRoleBinding.
	if covered != 14 {
		t.Errorf("compared %d removed kinds, want 14: the table or the fixtures changed", covered)
	}
}

// scanDoc loads one manifest and returns its findings as "line:col rule path severity
// message", sorted.
func scanDoc(t *testing.T, c *rules.Catalog, opts *rules.Options, doc string) []string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	res := manifest.Load(context.Background(), []string{file}, manifest.Options{})
	for _, e := range res.Errors {
		t.Fatalf("load error: %v", e)
	}
	if res.Inventory.Len() != 1 {
		t.Fatalf("loaded %d objects, want 1", res.Inventory.Len())
	}
	var out []string
	for _, f := range c.Evaluate(res.Inventory, opts, nil) {
		if strings.HasPrefix(f.RuleID, "namespace/") {
			continue // judged per namespace, not per object
		}
		out = append(out, fmt.Sprintf("%d:%d %s %s %s %s", f.Location.Line, f.Location.Column, f.RuleID, f.Path, f.Severity, f.Message))
	}
	slices.Sort(out)
	return out
}

// TestRemovedAPIVersionFollowsTheTargetVersion pins when a removed version is a finding: from
// the release that stopped serving it, by default (the newest version) and never for a version
// the table does not list.
func TestRemovedAPIVersionFollowsTheTargetVersion(t *testing.T) {
	catalog := testrules.Builtin(t)
	only := func(r *rules.Rule) bool { return r.ID == "manifest/removed-api-version" }
	tests := []struct {
		name, apiVersion, kind, kubernetes string
		want                               string // a substring of the message; "" for none
	}{
		{"batch/v1beta1 CronJob at the newest version", "batch/v1beta1", "CronJob", "", "has not been served since Kubernetes 1.25"},
		{"batch/v1beta1 CronJob at 1.25", "batch/v1beta1", "CronJob", "v1.25", "use batch/v1 (served since 1.21)"},
		{"batch/v1beta1 CronJob at 1.24 is still served", "batch/v1beta1", "CronJob", "v1.24", ""},
		{"extensions/v1beta1 Deployment at 1.16", "extensions/v1beta1", "Deployment", "v1.16", "use apps/v1 (served since 1.9), noting that spec.selector is required"},
		{"extensions/v1beta1 Deployment at 1.15 is still served", "extensions/v1beta1", "Deployment", "v1.15", ""},
		{"apps/v1beta2 StatefulSet", "apps/v1beta2", "StatefulSet", "", "apps/v1beta2 StatefulSet has not been served since Kubernetes 1.16"},
		{"extensions/v1beta1 Ingress names what changed", "extensions/v1beta1", "Ingress", "", "spec.backend is renamed to spec.defaultBackend"},
		{"policy/v1beta1 PodSecurityPolicy has no replacement", "policy/v1beta1", "PodSecurityPolicy", "v1.30", "use Pod Security Admission"},
		{"flowcontrol v1beta3 at 1.32", "flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "v1.32", "since Kubernetes 1.32"},
		{"flowcontrol v1beta3 at 1.31 is still served", "flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "v1.31", ""},
		{"apps/v1 Deployment is served", "apps/v1", "Deployment", "", ""},
		{"a custom resource's v1beta1 is not judged", "example.com/v1beta1", "Deployment", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata: {name: x, namespace: shop}\n", tt.apiVersion, tt.kind)
			file := filepath.Join(t.TempDir(), "m.yaml")
			if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			res := manifest.Load(context.Background(), []string{file}, manifest.Options{})
			fs := catalog.Evaluate(res.Inventory, &rules.Options{PSSVersion: "latest", KubernetesVersion: tt.kubernetes, FromManifests: true}, only)
			if tt.want == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding, got %+v", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("want one finding, got %+v", fs)
			}
			f := fs[0]
			if f.Path != "apiVersion" || f.Severity != finding.Medium || f.Location.Line != 1 || !strings.Contains(f.Message, tt.want) {
				t.Errorf("finding {%s %v %d: %s}, want apiVersion, medium, line 1, message containing %q", f.Path, f.Severity, f.Location.Line, f.Message, tt.want)
			}
		})
	}
}
