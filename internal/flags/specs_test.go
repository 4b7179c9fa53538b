package flags

import (
	"slices"
	"testing"
)

func TestComponentSpec(t *testing.T) {
	tests := []struct {
		component string
		flag      string
		want      Kind
	}{
		// kube-apiserver, the flags of the CIS 1.2.x checks.
		{"kube-apiserver", "anonymous-auth", Bool},
		{"kube-apiserver", "profiling", Bool},
		{"kube-apiserver", "service-account-lookup", Bool},
		{"kube-apiserver", "service-account-extend-token-expiration", Bool},
		{"kube-apiserver", "allow-privileged", Bool},
		{"kube-apiserver", "kubelet-https", Bool},
		{"kube-apiserver", "version", Bool},
		{"kube-apiserver", "authorization-mode", List},
		{"kube-apiserver", "enable-admission-plugins", List},
		{"kube-apiserver", "disable-admission-plugins", List},
		{"kube-apiserver", "admission-control", List},
		{"kube-apiserver", "tls-cipher-suites", List},
		{"kube-apiserver", "api-audiences", List},
		{"kube-apiserver", "service-account-issuer", List},
		{"kube-apiserver", "service-account-key-file", List},
		{"kube-apiserver", "etcd-servers", List},
		{"kube-apiserver", "tls-sni-cert-key", List},
		{"kube-apiserver", "feature-gates", Map},
		{"kube-apiserver", "runtime-config", Map},
		{"kube-apiserver", "token-auth-file", Scalar},
		{"kube-apiserver", "audit-log-maxage", Scalar},
		{"kube-apiserver", "insecure-port", Scalar},
		{"kube-apiserver", "encryption-provider-config", Scalar},
		// kube-controller-manager and kube-scheduler, CIS 1.3.x and 1.4.x.
		{"kube-controller-manager", "use-service-account-credentials", Bool},
		{"kube-controller-manager", "profiling", Bool},
		{"kube-controller-manager", "controllers", List},
		{"kube-controller-manager", "feature-gates", Map},
		{"kube-controller-manager", "bind-address", Scalar},
		{"kube-scheduler", "profiling", Bool},
		{"kube-scheduler", "leader-elect", Bool},
		{"kube-scheduler", "bind-address", Scalar},
		// kubelet, CIS 4.2.x.
		{"kubelet", "anonymous-auth", Bool},
		{"kubelet", "authentication-token-webhook", Bool},
		{"kubelet", "protect-kernel-defaults", Bool},
		{"kubelet", "make-iptables-util-chains", Bool},
		{"kubelet", "rotate-certificates", Bool},
		{"kubelet", "rotate-server-certificates", Bool},
		{"kubelet", "seccomp-default", Bool},
		{"kubelet", "tls-cipher-suites", List},
		{"kubelet", "feature-gates", Map},
		{"kubelet", "eviction-hard", Map},
		{"kubelet", "authorization-mode", Scalar},
		{"kubelet", "read-only-port", Scalar},
		{"kubelet", "config", Scalar},
		{"kubelet", "config-dir", Scalar},
		// kube-proxy.
		{"kube-proxy", "masquerade-all", Bool},
		{"kube-proxy", "feature-gates", Map},
		{"kube-proxy", "kubeconfig", Scalar},
		// etcd, CIS 2.x: comma lists are scalars (the last occurrence replaces the list).
		{"etcd", "client-cert-auth", Bool},
		{"etcd", "peer-client-cert-auth", Bool},
		{"etcd", "auto-tls", Bool},
		{"etcd", "peer-auto-tls", Bool},
		{"etcd", "enable-v2", Bool},
		{"etcd", "listen-client-urls", Scalar},
		{"etcd", "cipher-suites", Scalar},
		{"etcd", "feature-gates", Map},
		// k3s and RKE2.
		{"k3s-server", "secrets-encryption", Bool},
		{"k3s-server", "protect-kernel-defaults", Bool},
		{"k3s-server", "kube-apiserver-arg", List},
		{"rke2-agent", "kubelet-arg", List},
		{"rke2-server", "data-dir", Scalar},
		// Unknown components: everything is a scalar.
		{"kube-unknown", "profiling", Scalar},
	}
	for _, tc := range tests {
		t.Run(tc.component+"/"+tc.flag, func(t *testing.T) {
			if got := ComponentSpec(tc.component)[tc.flag]; got != tc.want {
				t.Errorf("ComponentSpec(%q)[%q] = %v, want %v", tc.component, tc.flag, got, tc.want)
			}
		})
	}
}

func TestComponentSpecNamesAreNormalised(t *testing.T) {
	for _, c := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "kubelet", "etcd", "k3s-server", "rke2-agent"} {
		for name := range ComponentSpec(c) {
			if Normalize(name) != name {
				t.Errorf("%s: flag %q is not normalised", c, name)
			}
		}
	}
}

func TestComponentSpecIsTheCallersOwn(t *testing.T) {
	s := ComponentSpec("kubelet")
	s["anonymous-auth"] = Scalar
	if ComponentSpec("kubelet")["anonymous-auth"] != Bool {
		t.Error("changing a returned spec changed the next one")
	}
}

// A boolean the spec missed would swallow the next flag as its value; these command lines
// are read as the components read them.
func TestComponentSpecParsesRealCommandLines(t *testing.T) {
	tests := []struct {
		name      string
		component string
		args      []string
		flag      string
		want      string
		list      []string
	}{
		{name: "kubeadm API server", component: "kube-apiserver",
			args: []string{"--allow-privileged", "--authorization-mode=Node,RBAC", "--enable-admission-plugins", "NodeRestriction", "--enable-bootstrap-token-auth", "--profiling=false"},
			flag: "authorization-mode", list: []string{"Node", "RBAC"}},
		{name: "a bare boolean before a list", component: "kube-apiserver",
			args: []string{"--enable-bootstrap-token-auth", "--enable-admission-plugins", "NodeRestriction,AlwaysPullImages"},
			flag: "enable-admission-plugins", list: []string{"NodeRestriction", "AlwaysPullImages"}},
		{name: "repeated issuers accumulate", component: "kube-apiserver",
			args: []string{"--service-account-issuer=https://a", "--service-account-issuer", "https://b"},
			flag: "service-account-issuer", list: []string{"https://a", "https://b"}},
		{name: "a kubelet bare boolean before its config", component: "kubelet",
			args: []string{"--rotate-server-certificates", "--config", "/var/lib/kubelet/config.yaml"},
			flag: "config", want: "/var/lib/kubelet/config.yaml"},
		{name: "etcd bare booleans", component: "etcd",
			args: []string{"--client-cert-auth", "--data-dir", "/var/lib/etcd", "--peer-client-cert-auth"},
			flag: "data-dir", want: "/var/lib/etcd"},
		{name: "controller manager", component: "kube-controller-manager",
			args: []string{"--use-service-account-credentials", "--root-ca-file", "/etc/kubernetes/pki/ca.crt", "--leader-elect"},
			flag: "root-ca-file", want: "/etc/kubernetes/pki/ca.crt"},
		{name: "k3s server", component: "k3s-server",
			args: []string{"server", "--secrets-encryption", "--kube-apiserver-arg", "enable-admission-plugins=NodeRestriction", "--cluster-init"},
			flag: "kube-apiserver-arg", want: "enable-admission-plugins=NodeRestriction"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Parse(tc.args, ComponentSpec(tc.component))
			v := s.Lookup(tc.flag)
			if tc.list != nil {
				if got := v.List(); !slices.Equal(got, tc.list) {
					t.Errorf("--%s = %q, want %q", tc.flag, got, tc.list)
				}
			} else if v.String() != tc.want {
				t.Errorf("--%s = %q, want %q", tc.flag, v.String(), tc.want)
			}
			if len(s.Errors) > 0 {
				t.Errorf("errors: %q", s.Errors)
			}
		})
	}
}
