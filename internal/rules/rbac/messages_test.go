package rbac_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testrules"
)

// byKey indexes findings by "rule kind namespace/name path".
func byKey(fs []finding.Finding) map[string]finding.Finding {
	out := map[string]finding.Finding{}
	for _, f := range fs {
		out[fmt.Sprintf("%s %s %s/%s %s", f.RuleID, f.Object.Kind, f.Object.Namespace, f.Object.Name, f.Path)] = f
	}
	return out
}

var manifests = &rules.Options{PSSVersion: "latest", FromManifests: true}

// TestSeveritiesAndMessages pins what fixture lines cannot: each finding's severity and what
// its message and evidence name.
func TestSeveritiesAndMessages(t *testing.T) {
	got := byKey(testrules.Manifests(t, testrules.Builtin(t), "rbac/*", manifests, filepath.Join("testdata", "cluster-admin.yaml"), filepath.Join("testdata", "wildcard.yaml"),
		filepath.Join("testdata", "anonymous.yaml"), filepath.Join("testdata", "missing-role.yaml"), filepath.Join("testdata", "risky-grants.yaml")))
	tests := []struct {
		key      string
		sev      finding.Severity
		msg      []string
		evidence []string
	}{
		{"rbac/cluster-admin-binding ClusterRoleBinding /ops-admins subjects[0]", finding.High,
			[]string{"ClusterRoleBinding ops-admins grants cluster-admin to User alice@example.com cluster-wide"},
			[]string{"roleRef ClusterRole cluster-admin; subjects[0]: User alice@example.com"}},
		{"rbac/cluster-admin-binding ClusterRoleBinding /ops-admins subjects[2]", finding.High,
			[]string{"ServiceAccount ci/deployer"}, nil},
		{"rbac/cluster-admin-binding RoleBinding payments/team-admin subjects[0]", finding.Medium,
			[]string{`ServiceAccount payments/default in namespace "payments"`}, nil},
		{"rbac/wildcard-binding ClusterRoleBinding /god-mode subjects[0]", finding.High,
			[]string{"grants ClusterRole god-mode, which allows every verb on every resource of every API group, to ServiceAccount platform/operator cluster-wide"},
			[]string{"ClusterRole god-mode rules[1]: verbs [*], apiGroups [*], resources [*]"}},
		{"rbac/wildcard-binding RoleBinding platform/god-mode-here subjects[0]", finding.Medium, []string{`in namespace "platform"`}, nil},
		{"rbac/wildcard-binding RoleBinding platform/owner subjects[0]", finding.Medium, []string{"Role platform/owner"},
			[]string{"Role platform/owner rules[0]"}},
		{"rbac/wildcard-binding ClusterRoleBinding /aggregate-top subjects[0]", finding.High, []string{"ClusterRole aggregate-top"},
			[]string{"ClusterRole aggregate-leaf rules[0]", "(aggregated into ClusterRole aggregate-top)"}},
		{"rbac/anonymous-binding ClusterRoleBinding /system:discovery-for-all subjects[0]", finding.Critical,
			[]string{"Group system:unauthenticated", "every request made without credentials"}, nil},
		{"rbac/anonymous-binding ClusterRoleBinding /system:basic-user subjects[0]", finding.High,
			[]string{"grants ClusterRole view to Group system:authenticated", "every identity the API server authenticates"}, nil},
		{"rbac/anonymous-binding RoleBinding shop/public-reader subjects[0]", finding.Critical, []string{"User system:anonymous"}, nil},
		{"rbac/anonymous-binding RoleBinding kube-public/kubeadm:bootstrap-signer-clusterinfo subjects[0]", finding.Low,
			[]string{"cluster-info", "delete it once they have joined"}, nil},
		{"rbac/anonymous-binding ClusterRoleBinding /nodes-are-admins subjects[1]", finding.High, nil, nil},
		{"rbac/anonymous-binding ClusterRoleBinding /nodes-are-admins subjects[2]", finding.Critical, nil, nil},
		{"rbac/binding-to-missing-role RoleBinding shop/reader roleRef", finding.Info,
			[]string{"binds Role shop/pod-reader, which is not in the input (judged from the input alone", "ServiceAccount shop/reader"}, nil},
		{"rbac/binding-to-missing-role ClusterRoleBinding /metrics roleRef", finding.Info, []string{"ClusterRole metrics-reader"}, nil},
		{"rbac/secrets-read ClusterRoleBinding /secret-lister roleRef", finding.High,
			[]string{"grants ClusterRole secret-lister, which allows get, list or watch on Secrets in every namespace, to User alice cluster-wide"},
			[]string{"User alice -> ClusterRoleBinding secret-lister -> ClusterRole secret-lister rules[0]: verbs [list]", "(list secrets)"}},
		{"rbac/pod-exec RoleBinding dev/debugger roleRef", finding.Medium, []string{`to Group developers in namespace "dev"`},
			[]string{"Role dev/debugger rules[0]", "(create pods/exec in namespace dev)"}},
		{"rbac/pod-create RoleBinding ci/deployer roleRef", finding.Medium, []string{"ServiceAccount ci/pipeline"},
			[]string{"(create deployments.apps in namespace ci)"}},
		{"rbac/csr-approve ClusterRoleBinding /client-cert-approver roleRef", finding.High, []string{"User erin"},
			[]string{"rules[0]", "(update certificatesigningrequests.certificates.k8s.io/approval)", "rules[1]",
				"(approve signers.certificates.k8s.io kubernetes.io/kube-apiserver-client)"}},
		{"rbac/token-create RoleBinding tokens/token-minter roleRef", finding.Medium, []string{"User dave"}, nil},
	}
	for _, tt := range tests {
		f, ok := got[tt.key]
		if !ok {
			t.Errorf("no finding %s", tt.key)
			continue
		}
		if f.Severity != tt.sev {
			t.Errorf("%s: severity %s, want %s", tt.key, f.Severity, tt.sev)
		}
		for _, s := range tt.msg {
			if !strings.Contains(f.Message, s) {
				t.Errorf("%s: message %q does not contain %q", tt.key, f.Message, s)
			}
		}
		for _, s := range tt.evidence {
			if !strings.Contains(f.Evidence, s) {
				t.Errorf("%s: evidence %q does not contain %q", tt.key, f.Evidence, s)
			}
		}
		if f.Remedy == "" {
			t.Errorf("%s: no remedy", tt.key)
		}
	}
}

// TestMissingRoleInALiveCluster: from a cluster, the built-in roles are not assumed (they are
// listed like any other), a missing role is low, and when the scan holds no role of the kind
// at all (it could not list them) nothing is judged.
func TestMissingRoleInALiveCluster(t *testing.T) {
	live := &rules.Options{PSSVersion: "latest"}
	withRoles := byKey(testrules.Manifests(t, testrules.Builtin(t), "rbac/*", live, filepath.Join("testdata", "missing-role.yaml")))
	for key, sev := range map[string]finding.Severity{
		"rbac/binding-to-missing-role RoleBinding shop/reader roleRef":          finding.Low,
		"rbac/binding-to-missing-role RoleBinding shop/deployer roleRef":        finding.Low,
		"rbac/binding-to-missing-role RoleBinding shop/editors roleRef":         -1, // no ClusterRole listed at all
		"rbac/binding-to-missing-role ClusterRoleBinding /metrics roleRef":      -1,
		"rbac/binding-to-missing-role ClusterRoleBinding /node-proxier roleRef": -1,
	} {
		f, ok := withRoles[key]
		switch {
		case sev < 0 && ok:
			t.Errorf("%s: unexpected finding %q", key, f.Message)
		case sev >= 0 && !ok:
			t.Errorf("no finding %s", key)
		case ok && f.Severity != sev:
			t.Errorf("%s: severity %s, want %s", key, f.Severity, sev)
		case ok && !strings.Contains(f.Message, "which does not exist"):
			t.Errorf("%s: message %q does not say the role does not exist", key, f.Message)
		}
	}
}

// TestBuiltinRolesAreListedInALiveCluster: once the scan lists ClusterRoles, a binding to a
// built-in one that is absent is reported too (someone deleted it).
func TestBuiltinRolesAreListedInALiveCluster(t *testing.T) {
	got := byKey(testrules.Manifests(t, testrules.Builtin(t), "rbac/*", &rules.Options{PSSVersion: "latest"},
		filepath.Join("testdata", "missing-role.yaml"), filepath.Join("testdata", "wildcard.yaml")))
	for _, key := range []string{
		"rbac/binding-to-missing-role RoleBinding shop/editors roleRef",
		"rbac/binding-to-missing-role ClusterRoleBinding /node-proxier roleRef",
		"rbac/binding-to-missing-role ClusterRoleBinding /metrics roleRef",
	} {
		if f, ok := got[key]; !ok || f.Severity != finding.Low {
			t.Errorf("want a low finding %s, got %v", key, f)
		}
	}
}
