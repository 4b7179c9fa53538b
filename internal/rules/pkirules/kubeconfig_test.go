package pkirules_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules/pkirules"
	"palisade.dev/palisade/internal/testrules"
)

// jwt builds an unsigned token with the given claims; the rules only read its claims.
func jwt(t *testing.T, claims map[string]any) string {
	t.Helper()
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"k1"}`))
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return h + "." + base64.RawURLEncoding.EncodeToString(b) + ".c2lnbmF0dXJl"
}

func TestKubeconfigRules(t *testing.T) {
	legacy := jwt(t, map[string]any{"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:kube-system:admin-token"})
	bound := jwt(t, map[string]any{"iss": "https://kubernetes.default.svc", "exp": scanTime.Add(time.Hour).Unix()})
	stale := jwt(t, map[string]any{"iss": "https://kubernetes.default.svc", "exp": scanTime.Add(-48 * time.Hour).Unix()})
	const bootstrap = "abcdef.0123456789abcdef"
	const opaque = "s3cr3t-static-token-value"
	const password = "hunter2-password"
	secrets := []string{legacy, bound, stale, bootstrap, opaque, password}

	withUser := func(path, user string, auth *clientcmdapi.AuthInfo, edit ...func(*clientcmdapi.Config)) func(k *kubeadmNode) {
		return func(k *kubeadmNode) { k.kubeconfig(path, user, auth, edit...) }
	}
	tests := []struct {
		name string
		rule string
		edit func(k *kubeadmNode)
		want want
		// file is the file a failure must be attached to.
		file string
	}{
		// kubeconfig/insecure-skip-tls-verify
		{name: "clusters verify the server", rule: "kubeconfig/insecure-skip-tls-verify",
			want: want{status: pass, evidence: `/etc/kubernetes/scheduler.conf (kube-scheduler --kubeconfig, --authentication-kubeconfig, --authorization-kubeconfig) cluster "kubernetes" (https://10.0.0.5:6443) verifies the server against its certificate-authority-data`}},
		{name: "a component kubeconfig skipping verification", rule: "kubeconfig/insecure-skip-tls-verify",
			edit: withUser("/etc/kubernetes/kubelet.conf", "system:node:cp-1", &clientcmdapi.AuthInfo{ClientCertificate: "/var/lib/kubelet/pki/kubelet-client-current.pem"}, func(c *clientcmdapi.Config) {
				c.Clusters["kubernetes"].CertificateAuthorityData = nil
				c.Clusters["kubernetes"].InsecureSkipTLSVerify = true
				c.Clusters["kubernetes"].Server = "https://user:pw@10.0.0.5:6443"
			}),
			want: want{status: fail, severity: finding.High, message: `/etc/kubernetes/kubelet.conf (kubelet --kubeconfig): cluster "kubernetes" sets insecure-skip-tls-verify: true: clients using it accept any certificate from https://10.0.0.5:6443`},
			file: "/etc/kubernetes/kubelet.conf"},
		{name: "an entry no context uses", rule: "kubeconfig/insecure-skip-tls-verify",
			edit: withUser("/etc/kubernetes/admin.conf", "kubernetes-admin", &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "kubelogin", APIVersion: "client.authentication.k8s.io/v1"}}, func(c *clientcmdapi.Config) {
				c.Clusters["old"] = &clientcmdapi.Cluster{Server: "https://old:6443", InsecureSkipTLSVerify: true}
			}),
			want: want{status: fail, severity: finding.Low, message: "no context of the file uses this cluster entry"}, file: "/etc/kubernetes/admin.conf"},
		{name: "a node seen through the API server", rule: "kubeconfig/insecure-skip-tls-verify",
			edit: func(k *kubeadmNode) { k.node.Remote = true }, want: want{status: na, message: "seen through the API server"}},
		{name: "a worker without kubeconfigs", rule: "kubeconfig/insecure-skip-tls-verify",
			edit: func(k *kubeadmNode) { k.node.Components = nil; k.node.Files = map[string]*inventory.File{} },
			want: want{status: na, message: "No kubeconfig is named by a component's flag on this node"}},

		// kubeconfig/embedded-client-cert
		{name: "embedded and rotated client certificates", rule: "kubeconfig/embedded-client-cert",
			want: want{status: pass, evidence: `/etc/kubernetes/kubelet.conf (kubelet --kubeconfig) user "system:node:cp-1" client-certificate /var/lib/kubelet/pki/kubelet-client-current.pem: CN=system:node:cp-1, expires 2027-03-01 (in 365 days)`}},
		{name: "an expired embedded certificate", rule: "kubeconfig/embedded-client-cert",
			edit: func(k *kubeadmNode) {
				c := issue(t, cert{cn: "system:kube-scheduler", notBefore: scanTime.Add(-days(400)), notAfter: scanTime.Add(-days(2))}, k.ca)
				k.kubeconfig("/etc/kubernetes/scheduler.conf", "system:kube-scheduler", &clientcmdapi.AuthInfo{ClientCertificateData: c.pem, ClientKeyData: keyPEM(t, c.key)})
			},
			want: want{status: fail, severity: finding.Critical, message: `/etc/kubernetes/scheduler.conf (kube-scheduler --kubeconfig, --authentication-kubeconfig, --authorization-kubeconfig) user "system:kube-scheduler": certificate 1 (CN=system:kube-scheduler) expired on 2026-02-27`},
			file: "/etc/kubernetes/scheduler.conf"},
		{name: "an admin certificate expiring soon", rule: "kubeconfig/embedded-client-cert",
			edit: func(k *kubeadmNode) {
				c := issue(t, cert{cn: "kubernetes-admin", notAfter: scanTime.Add(days(20))}, k.ca)
				k.kubeconfig("/etc/kubernetes/admin.conf", "kubernetes-admin", &clientcmdapi.AuthInfo{ClientCertificateData: c.pem})
			},
			want: want{status: fail, severity: finding.Medium, message: "expires on 2026-03-21", evidence: "(in 20 days)"}, file: "/etc/kubernetes/admin.conf"},
		{name: "a relative client-certificate path", rule: "kubeconfig/embedded-client-cert",
			edit: func(k *kubeadmNode) {
				k.node.Files["/etc/kubernetes/client.pem"] = k.node.Files["/var/lib/kubelet/pki/kubelet-client-current.pem"]
				k.kubeconfig("/etc/kubernetes/kubelet.conf", "system:node:cp-1", &clientcmdapi.AuthInfo{ClientCertificate: "client.pem"})
			},
			want: want{status: pass, evidence: "client-certificate /etc/kubernetes/client.pem: CN=system:node:cp-1"}},
		{name: "a client certificate file not read", rule: "kubeconfig/embedded-client-cert",
			edit: func(k *kubeadmNode) { delete(k.node.Files, "/var/lib/kubelet/pki/kubelet-client-current.pem") },
			want: want{status: pass, evidence: "client-certificate /var/lib/kubelet/pki/kubelet-client-current.pem was not read by the node source: not judged"}},
		{name: "unknown scan time", rule: "kubeconfig/embedded-client-cert",
			edit: func(k *kubeadmNode) { k.node.ScannedAt = time.Time{} }, want: want{status: na, message: "The time of the scan is not known"}},

		// kubeconfig/static-token
		{name: "certificates, not tokens", rule: "kubeconfig/static-token",
			want: want{status: pass, evidence: `/etc/kubernetes/admin.conf (kubeadm) user "kubernetes-admin": client certificate`}},
		{name: "a legacy service-account token", rule: "kubeconfig/static-token",
			edit: withUser("/etc/kubernetes/admin.conf", "admin", &clientcmdapi.AuthInfo{Token: legacy}),
			want: want{status: fail, severity: finding.High, message: `/etc/kubernetes/admin.conf (kubeadm) user "admin" holds a bearer token, a legacy service-account token, which never expires`, evidence: "token set (a legacy service-account token, which never expires; not shown)"},
			file: "/etc/kubernetes/admin.conf"},
		{name: "a bound token", rule: "kubeconfig/static-token",
			edit: withUser("/etc/kubernetes/admin.conf", "admin", &clientcmdapi.AuthInfo{Token: bound}),
			want: want{status: fail, severity: finding.Medium, message: "a JWT that expires on 2026-03-01 (in 1 hour)"}},
		{name: "an expired token", rule: "kubeconfig/static-token",
			edit: withUser("/etc/kubernetes/admin.conf", "admin", &clientcmdapi.AuthInfo{Token: stale}),
			want: want{status: fail, severity: finding.Low, message: "a JWT that expired on 2026-02-27 (2 days ago), so it no longer authenticates"}},
		{name: "a bootstrap token", rule: "kubeconfig/static-token",
			edit: withUser("/etc/kubernetes/kubelet.conf", "tls-bootstrap-token-user", &clientcmdapi.AuthInfo{Token: bootstrap}),
			want: want{status: fail, severity: finding.Medium, message: `/etc/kubernetes/kubelet.conf (kubelet --kubeconfig) user "tls-bootstrap-token-user" holds a bearer token, a bootstrap token`}},
		{name: "an opaque token", rule: "kubeconfig/static-token",
			edit: withUser("/etc/kubernetes/controller-manager.conf", "kcm", &clientcmdapi.AuthInfo{Token: opaque}),
			want: want{status: fail, severity: finding.High, message: "an opaque token"}},
		{name: "a token file", rule: "kubeconfig/static-token",
			edit: withUser("/etc/kubernetes/scheduler.conf", "sched", &clientcmdapi.AuthInfo{TokenFile: "/etc/kubernetes/sched.token"}),
			want: want{status: fail, severity: finding.High, message: "reads a bearer token from /etc/kubernetes/sched.token", evidence: "tokenFile=/etc/kubernetes/sched.token"}},
		{name: "a basic-auth password", rule: "kubeconfig/static-token",
			edit: withUser("/etc/kubernetes/admin.conf", "admin", &clientcmdapi.AuthInfo{Username: "admin", Password: password}),
			want: want{status: fail, severity: finding.High, message: "holds a basic-auth password", evidence: "username and password set (not shown)"}},
		{name: "an exec plugin", rule: "kubeconfig/static-token",
			edit: withUser("/etc/kubernetes/admin.conf", "admin", &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "aws", APIVersion: "client.authentication.k8s.io/v1"}}),
			want: want{status: pass, evidence: `user "admin": exec plugin aws`}},

		// kubeconfig/unreadable
		{name: "every kubeconfig parses", rule: "kubeconfig/unreadable",
			want: want{status: pass, evidence: "read and parsed: /etc/kubernetes/admin.conf (kubeadm); /etc/kubernetes/controller-manager.conf"}},
		{name: "a kubeconfig that does not parse", rule: "kubeconfig/unreadable",
			edit: func(k *kubeadmNode) { k.put("/etc/kubernetes/admin.conf", []byte("users: [\n  token: "+opaque)) },
			want: want{status: fail, severity: finding.High, message: "/etc/kubernetes/admin.conf (kubeadm) does not parse as a kubeconfig"},
			file: "/etc/kubernetes/admin.conf"},
		{name: "a kubeconfig a flag names is missing", rule: "kubeconfig/unreadable",
			edit: func(k *kubeadmNode) {
				k.node.Files["/etc/kubernetes/kubelet.conf"] = &inventory.File{Path: "/etc/kubernetes/kubelet.conf"}
			},
			want: want{status: fail, severity: finding.High, message: "/etc/kubernetes/kubelet.conf (kubelet --kubeconfig) does not exist on the node: the component does not start with it"}},
		{name: "a missing well-known kubeconfig is not judged", rule: "kubeconfig/unreadable",
			edit: func(k *kubeadmNode) {
				k.node.Files["/etc/kubernetes/super-admin.conf"] = &inventory.File{Path: "/etc/kubernetes/super-admin.conf"}
			},
			want: want{status: pass}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKubeadmNode(t)
			if tt.edit != nil {
				tt.edit(k)
			}
			got := on(t, "", testrules.Node(t, testrules.Rules(t, pkirules.Rules()...), tt.rule, k.node, nil))
			tt.want.check(t, got)
			for _, g := range got {
				for _, s := range secrets {
					if strings.Contains(g.Message, s) || strings.Contains(g.Evidence, s) {
						t.Errorf("a secret is written in %q | %q", g.Message, g.Evidence)
					}
				}
				if strings.Contains(g.Message+g.Evidence, "PRIVATE KEY") || strings.Contains(g.Message+g.Evidence, "user:pw") {
					t.Errorf("key material or URL credentials written in %q | %q", g.Message, g.Evidence)
				}
				if tt.file != "" && g.Status == finding.Fail && (g.Kind != "Node" || g.File != tt.file) {
					t.Errorf("failure attached to %s %q, want the file %s", g.Kind, g.File, tt.file)
				}
			}
		})
	}
}
