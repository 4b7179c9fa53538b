package scan_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/node"
	"palisade.dev/palisade/internal/testcluster"
)

const (
	goodAuditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources:
  - group: ""
    resources: [secrets, configmaps]
  - group: authentication.k8s.io
    resources: [tokenreviews]
- level: RequestResponse
  resources:
  - group: ""
    resources: [pods/exec, pods/attach, pods/portforward, pods/proxy, services/proxy]
- level: Request
  verbs: [create, update, patch, delete]
- level: Metadata
`
	// leakyAuditPolicy logs everything of the core group with its bodies before any rule
	// could keep Secrets at Metadata.
	leakyAuditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: RequestResponse
  resources:
  - group: ""
- level: Metadata
`
	encryptionIdentityFirst = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - identity: {}
  - aescbc:
      keys:
      - name: key1
        secret: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
`
	encryptionAESCBCFirst = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc:
      keys:
      - name: key1
        secret: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
  - identity: {}
`
)

// auditRealControlPlane starts a test cluster with opts and audits its real etcd and
// kube-apiserver processes through /proc, as palisade node does on a control-plane node.
func auditRealControlPlane(t *testing.T, opts testcluster.Options) *scan.NodeResult {
	t.Helper()
	c := testcluster.New(t, opts)
	var pids []int
	for name, pid := range c.PIDs() {
		if name == "etcd" || name == "kube-apiserver" {
			pids = append(pids, pid)
		}
	}
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Node(context.Background(), scan.NodeRequest{
		Source: node.Options{PIDs: pids, Host: "cp-test"}, Catalog: catalog, Rules: rules.Options{PSSVersion: "latest"},
	})
	if kinds := componentKinds(res); !slices.Equal(kinds, []string{"etcd", "kube-apiserver"}) {
		t.Fatalf("components found: %v, want etcd and kube-apiserver (errors %v)", kinds, res.Errors)
	}
	return res
}

func componentKinds(res *scan.NodeResult) []string {
	var out []string
	for _, c := range res.Node.Components {
		out = append(out, string(c.Kind))
	}
	slices.Sort(out)
	return out
}

// verdicts maps each rule to "fail", "pass" or "not-applicable" for one component kind.
func verdicts(res *scan.NodeResult, kind string) map[string]string {
	out := map[string]string{}
	for _, f := range res.Findings {
		if f.Object.Kind == kind {
			out[f.RuleID] = "fail"
		}
	}
	for _, f := range res.Passed {
		if f.Object.Kind == kind {
			if _, failed := out[f.RuleID]; !failed {
				out[f.RuleID] = string(f.Status)
			}
		}
	}
	return out
}

// TestNodeAuditOfARealControlPlane audits real kube-apiserver and etcd processes started with
// different flags and files, and pins each verdict that the variant decides.
func TestNodeAuditOfARealControlPlane(t *testing.T) {
	tests := []struct {
		name string
		opts testcluster.Options
		want map[string]string // rule -> verdict, on the kube-apiserver
		etcd map[string]string // rule -> verdict, on etcd (plainEtcd when nil)
	}{
		{name: "Node,RBAC, no audit, no encryption at rest", opts: testcluster.Options{},
			want: map[string]string{
				"apiserver/authorization-always-allow": "pass", "apiserver/authorization-node": "pass", "apiserver/authorization-rbac": "pass",
				"apiserver/anonymous-auth": "pass", "apiserver/token-auth-file": "fail",
				"apiserver/audit-log-path": "fail", "apiserver/audit-policy-file": "fail",
				"apiserver/encryption-provider-config": "fail", "apiserver/etcd-cafile": "fail", "apiserver/etcd-client-certificate": "fail",
			}},
		{name: "AlwaysAllow and anonymous requests", opts: testcluster.Options{AuthorizationMode: "AlwaysAllow", AnonymousAuth: true},
			want: map[string]string{
				"apiserver/authorization-always-allow": "fail", "apiserver/authorization-node": "fail", "apiserver/authorization-rbac": "fail",
				"apiserver/anonymous-auth": "fail",
			}},
		{name: "a useful audit policy", opts: testcluster.Options{AuditPolicy: goodAuditPolicy},
			want: map[string]string{
				"apiserver/audit-log-path": "pass", "apiserver/audit-policy-file": "pass", "apiserver/audit-secrets-metadata-only": "pass",
				"apiserver/audit-catch-all": "pass", "apiserver/audit-pod-access": "pass", "apiserver/audit-omit-request-received": "pass",
			}},
		{name: "an audit policy that logs Secret values", opts: testcluster.Options{AuditPolicy: leakyAuditPolicy},
			want: map[string]string{
				"apiserver/audit-log-path": "pass", "apiserver/audit-policy-file": "pass", "apiserver/audit-secrets-metadata-only": "fail",
				"apiserver/audit-omit-request-received": "fail",
			}},
		{name: "encryption at rest with identity first", opts: testcluster.Options{EncryptionConfig: encryptionIdentityFirst},
			want: map[string]string{"apiserver/encryption-provider-config": "pass", "apiserver/encryption-secrets-provider": "fail"}},
		{name: "encryption at rest with aescbc first", opts: testcluster.Options{EncryptionConfig: encryptionAESCBCFirst},
			want: map[string]string{"apiserver/encryption-provider-config": "pass", "apiserver/encryption-secrets-provider": "pass"}},
		{name: "etcd over TLS without client certificates", opts: testcluster.Options{Etcd: testcluster.EtcdOptions{TLS: true}},
			want: map[string]string{"apiserver/etcd-cafile": "pass", "apiserver/etcd-client-certificate": "pass"},
			etcd: map[string]string{"etcd/client-tls": "pass", "etcd/client-plain-http": "pass", "etcd/client-cert-auth": "fail", "etcd/peer-tls": "fail"}},
		{name: "etcd over TLS with client and peer certificates", opts: testcluster.Options{Etcd: testcluster.EtcdOptions{TLS: true, ClientCertAuth: true, PeerTLS: true}},
			etcd: map[string]string{"etcd/client-tls": "pass", "etcd/client-plain-http": "pass", "etcd/client-cert-auth": "pass",
				"etcd/peer-tls": "pass", "etcd/peer-client-cert-auth": "pass", "etcd/client-exposed": "pass"}},
		{name: "etcd configured through its environment", opts: testcluster.Options{Etcd: testcluster.EtcdOptions{TLS: true, ClientCertAuth: true, UseEnv: true}},
			etcd: map[string]string{"etcd/client-tls": "pass", "etcd/client-plain-http": "pass", "etcd/client-cert-auth": "pass"}},
	}
	plainEtcd := map[string]string{"etcd/client-plain-http": "fail", "etcd/client-cert-auth": "fail", "etcd/client-tls": "fail"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := auditRealControlPlane(t, tc.opts)
			got := verdicts(res, "kube-apiserver")
			var diffs []string
			for rule, want := range tc.want {
				if got[rule] != want {
					diffs = append(diffs, fmt.Sprintf("%s: %q, want %q", rule, got[rule], want))
				}
			}
			slices.Sort(diffs)
			if len(diffs) > 0 {
				t.Errorf("verdicts on the real kube-apiserver:\n%s\nfindings:\n%s", strings.Join(diffs, "\n"), describeFindings(res.Findings))
			}
			wantEtcd := tc.etcd
			if wantEtcd == nil {
				wantEtcd = plainEtcd
			}
			gotEtcd := verdicts(res, "etcd")
			for rule, want := range wantEtcd {
				if gotEtcd[rule] != want {
					t.Errorf("etcd %s: %q, want %q", rule, gotEtcd[rule], want)
				}
			}
			if len(res.Errors) > 0 {
				t.Errorf("audit errors: %v", res.Errors)
			}
		})
	}
}

func describeFindings(fs []finding.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s: %s [%s]\n", f.Object.Kind, f.RuleID, f.Message, f.Evidence)
	}
	return b.String()
}

// BenchmarkNodeAudit audits a running test control plane (real etcd and kube-apiserver
// processes found through /proc, their files read and judged) with every node rule.
func BenchmarkNodeAudit(b *testing.B) {
	c := testcluster.New(b, testcluster.Options{AuditPolicy: goodAuditPolicy, EncryptionConfig: encryptionAESCBCFirst})
	catalog, err := builtin.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	var pids []int
	for _, pid := range c.PIDs() {
		pids = append(pids, pid)
	}
	for b.Loop() {
		res := scan.Node(context.Background(), scan.NodeRequest{Source: node.Options{PIDs: pids}, Catalog: catalog})
		if len(res.Node.Components) < 2 {
			b.Fatalf("found %d components", len(res.Node.Components))
		}
	}
}

// TestNodeAuditOfTheHollowKubelet audits the test cluster's hollow node (kubemark), a real
// kubelet server started with flags only: anonymous requests, AlwaysAllow and the read-only
// port, exactly what the kubelet rules must catch from its command line.
func TestNodeAuditOfTheHollowKubelet(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Kubelet: true})
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Node(context.Background(), scan.NodeRequest{
		Source: node.Options{PIDs: []int{c.PIDs()["kubemark"]}, Host: c.NodeName}, Catalog: catalog,
	})
	if kinds := componentKinds(res); !slices.Equal(kinds, []string{"kubelet"}) {
		t.Fatalf("components %v, want the hollow kubelet (errors %v)", kinds, res.Errors)
	}
	got := verdicts(res, "kubelet")
	want := map[string]string{"kubelet/anonymous-auth": "fail", "kubelet/authorization-mode": "fail", "kubelet/read-only-port": "fail", "kubelet/hostname-override": "fail"}
	for rule, v := range want {
		if got[rule] != v {
			t.Errorf("%s: %q, want %q", rule, got[rule], v)
		}
	}
	for _, f := range res.Findings {
		if f.RuleID == "kubelet/read-only-port" && !strings.Contains(f.Evidence, fmt.Sprint(c.KubeletReadOnlyPort)) {
			t.Errorf("read-only port evidence %q does not name port %d", f.Evidence, c.KubeletReadOnlyPort)
		}
	}
}
