package rbac_test

import (
	"path/filepath"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/testrules"
)

// TestEscalationPathFindings pins what the fixture's lines cannot: the severity by the number
// of steps, and the path written out as evidence.
func TestEscalationPathFindings(t *testing.T) {
	got := byKey(testrules.Manifests(t, testrules.Builtin(t), "rbac/escalation-path", manifests, filepath.Join("testdata", "escalation.yaml")))
	for _, c := range []struct {
		name, key string
		sev       finding.Severity
		evidence  string
	}{
		{"creating pods that run as a stronger ServiceAccount is one step, critical", "rbac/escalation-path RoleBinding ci/deploy subjects[1]", finding.Critical,
			"user:alice -> create deployments.apps in ns ci (RoleBinding ci/deploy -> Role ci/deployer rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
		{"a token of a stronger ServiceAccount is one step, critical", "rbac/escalation-path RoleBinding ci/tokens subjects[0]", finding.Critical,
			"user:bob -> create serviceaccounts/token builder in ns ci (RoleBinding ci/tokens -> Role ci/token-maker rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
		{"two steps are high; a namespace not in the input is said to be assumed to admit privileged pods", "rbac/escalation-path RoleBinding web/web-pods subjects[0]", finding.High,
			"user:carol -> create pods in ns web (RoleBinding web/web-pods -> ClusterRole pod-creator rules[0]) -> node credentials (system:node:*) -> read the token of a pod scheduled on the node -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]; namespace web is not in the input: assumed to admit privileged pods with hostPath volumes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, ok := got[c.key]
			if !ok {
				t.Fatalf("no finding %s; have %v", c.key, keys(got))
			}
			if f.Severity != c.sev || f.Evidence != c.evidence {
				t.Errorf("severity %s, evidence\n %s\nwant %s,\n %s", f.Severity, f.Evidence, c.sev, c.evidence)
			}
		})
	}
}

func keys(m map[string]finding.Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
