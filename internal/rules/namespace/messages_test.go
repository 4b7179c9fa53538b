package namespace_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testrules"
)

// TestMessages pins what the namespace findings say: what is missing, which direction, which
// label, and that a manifest scan judges from the input alone.
func TestMessages(t *testing.T) {
	for _, tc := range []struct {
		name, file, namespace, rule string
		path                        string
		contains, evidence          []string
	}{
		{
			name: "no quota at all", file: "missing.yaml", namespace: "bare", rule: "namespace/resource-quota",
			contains: []string{`namespace "bare" has no ResourceQuota`, "(judged from the input alone: the cluster may hold a ResourceQuota that the input does not)"},
		},
		{
			name: "a quota that misses resources says which", file: "quotas.yaml", namespace: "q-cpu-only", rule: "namespace/resource-quota",
			contains: []string{`the ResourceQuotas of namespace "q-cpu-only" (cpu) do not bound memory, pods`},
			evidence: []string{"ResourceQuota cpu hard: requests.cpu", "missing: memory, pods"},
		},
		{
			name: "a scoped quota is named as scoped", file: "quotas.yaml", namespace: "q-scoped", rule: "namespace/resource-quota",
			contains: []string{"do not bound cpu, memory, pods"},
			evidence: []string{"ResourceQuota high-priority is scoped to PriorityClass In high"},
		},
		{
			name: "a LimitRange without container defaults", file: "limit_ranges.yaml", namespace: "l-storage-only", rule: "namespace/limit-range",
			contains: []string{`the LimitRanges of namespace "l-storage-only" (claims) give containers no default requests or limits`},
			evidence: []string{"LimitRange claims: type PersistentVolumeClaim sets max"},
		},
		{
			name: "the missing egress direction", file: "network_policies.yaml", namespace: "np-egress-rules", rule: "namespace/default-deny-network-policy",
			contains: []string{`namespace "np-egress-rules" has no default-deny NetworkPolicy for egress:`},
			evidence: []string{"NetworkPolicy deny-ingress-some-egress selects every pod and denies Ingress, allows Egress (1 rule)"},
		},
		{
			name: "an allow-all ingress rule", file: "network_policies.yaml", namespace: "np-allow-all-ingress", rule: "namespace/default-deny-network-policy",
			contains: []string{"has no default-deny NetworkPolicy for ingress:"},
		},
		{
			name: "absent policyTypes isolate ingress only", file: "network_policies.yaml", namespace: "np-ingress-only", rule: "namespace/default-deny-network-policy",
			contains: []string{"for egress:"},
			evidence: []string{"denies Ingress, does not isolate Egress"},
		},
		{
			name: "a policy of another API group is named, not judged", file: "network_policies.yaml", namespace: "np-calico", rule: "namespace/default-deny-network-policy",
			contains: []string{`namespace "np-calico" has no NetworkPolicy`},
			evidence: []string{"projectcalico.org/v3 NetworkPolicy default-deny is not a networking.k8s.io NetworkPolicy"},
		},
		{
			name: "an invalid level", file: "labels.yaml", namespace: "invalid-level", rule: "namespace/pod-security-enforce",
			path:     "metadata.labels[pod-security.kubernetes.io/enforce]",
			contains: []string{`label pod-security.kubernetes.io/enforce="strict" is invalid (must be one of privileged, baseline, restricted): the API server rejects the Namespace`},
		},
		{
			name: "the privileged level", file: "labels.yaml", namespace: "privileged", rule: "namespace/pod-security-enforce",
			path:     "metadata.labels[pod-security.kubernetes.io/enforce]",
			contains: []string{"enforces the privileged level"},
		},
		{
			name: "a Namespace not in the input", file: "several.yaml", namespace: "team-b", rule: "namespace/pod-security-enforce",
			contains: []string{`namespace "team-b" is used but its Namespace object is not in the input`, "judged from the input alone: the Namespace may exist in the cluster with the label"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f *finding.Finding
			for _, g := range testrules.Manifests(t, testrules.Builtin(t), "namespace/*", nil, filepath.Join("testdata", tc.file)) {
				if g.RuleID == tc.rule && g.Object.Kind == "Namespace" && g.Object.Name == tc.namespace {
					f = &g
					break
				}
			}
			if f == nil {
				t.Fatalf("no %s finding for namespace %s", tc.rule, tc.namespace)
			}
			if f.Path != tc.path {
				t.Errorf("path %q, want %q", f.Path, tc.path)
			}
			for _, s := range tc.contains {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q does not say %q", f.Message, s)
				}
			}
			for _, s := range tc.evidence {
				if !strings.Contains(f.Evidence, s) {
					t.Errorf("evidence %q does not say %q", f.Evidence, s)
				}
			}
		})
	}
}

// TestInputAloneOnlyFromManifests pins that only a manifest scan qualifies its findings: a
// scan of a live cluster sees every object there is.
func TestInputAloneOnlyFromManifests(t *testing.T) {
	for _, fromManifests := range []bool{true, false} {
		fs := testrules.Manifests(t, testrules.Builtin(t), "namespace/*", &rules.Options{PSSVersion: "latest", FromManifests: fromManifests},
			filepath.Join("testdata", "several.yaml"))
		if len(fs) == 0 {
			t.Fatal("no findings")
		}
		for _, f := range fs {
			if got := strings.Contains(f.Message, "judged from the input alone"); got != fromManifests {
				t.Errorf("from manifests %v: %s on %s says %q", fromManifests, f.RuleID, f.Object, f.Message)
			}
		}
	}
}

// TestPodSecurityEnforceFix pins the remedy of namespace/pod-security-enforce: the labels a
// Namespace without an enforce label lacks, those it has kept; a TODO where the author chose
// privileged; nothing for an invalid value (which was meant is unknown) or for a Namespace
// that is not in the input (fix writes no Namespace).
func TestPodSecurityEnforceFix(t *testing.T) {
	label := func(k string) string { return "metadata.labels[pod-security.kubernetes.io/" + k + "]" }
	for _, tc := range []struct {
		name, file, namespace string
		want                  []finding.Patch
	}{
		{"the missing labels are set, the warn label kept", "labels.yaml", "unlabelled", []finding.Patch{
			{Path: label("enforce"), Value: "restricted"}, {Path: label("enforce-version"), Value: "latest"},
			{Path: label("audit"), Value: "restricted"}, {Path: label("audit-version"), Value: "latest"},
			{Path: label("warn-version"), Value: "latest"},
		}},
		{"privileged gets a TODO", "labels.yaml", "privileged", []finding.Patch{
			{Path: label("enforce"), Comment: "TODO(palisade): privileged admits every pod; enforce restricted, or baseline where a workload needs more"},
		}},
		{"an invalid level has no remedy", "labels.yaml", "invalid-level", nil},
		{"a Namespace not in the input has no remedy", "several.yaml", "team-b", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found := false
			for _, f := range testrules.Manifests(t, testrules.Builtin(t), "namespace/pod-security-enforce", nil, filepath.Join("testdata", tc.file)) {
				if f.Object.Kind != "Namespace" || f.Object.Name != tc.namespace {
					continue
				}
				found = true
				if !reflect.DeepEqual(f.Fix, tc.want) {
					t.Errorf("fix %+v, want %+v", f.Fix, tc.want)
				}
			}
			if !found {
				t.Fatalf("no finding for namespace %s", tc.namespace)
			}
		})
	}
}
