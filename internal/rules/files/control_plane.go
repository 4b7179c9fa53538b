package files

// The control plane's files, as CIS Kubernetes Benchmark v1.10.0 section 1.1 names them
// (kube-bench cfg/cis-1.10/master.yaml), with kubeadm's paths and the paths the components'
// own command lines give.
//
// files/static-pod-manifest-mode (CIS 1.1.1, 1.1.3, 1.1.5, 1.1.7), files/static-pod-manifest-owner
// (1.1.2, 1.1.4, 1.1.6, 1.1.8):
//   Restricted fields: mode and owner of every file in /etc/kubernetes/manifests, and of the
//   manifest a component was read from.
//   Allowed values: 0600 or stricter; root:root. Whoever writes a manifest runs a privileged
//   pod on the control plane; whoever reads it learns every flag, including file paths.
//
// files/kubeconfig-mode (1.1.13, 1.1.15, 1.1.17), files/kubeconfig-owner (1.1.14, 1.1.16, 1.1.18):
//   Restricted fields: /etc/kubernetes/admin.conf, super-admin.conf, scheduler.conf,
//   controller-manager.conf, and the --kubeconfig of the scheduler and controller manager.
//   Allowed values: 0600 or stricter; root:root. admin.conf and super-admin.conf hold
//   cluster-admin (super-admin: system:masters) credentials.
//
// files/pki-owner (1.1.19): /etc/kubernetes/pki and everything in it, root:root.
// files/pki-certificate-mode (1.1.20): pki/**/*.crt, 0600 or stricter as CIS v1.10.0 says
//   (earlier benchmarks said 0644). A certificate is public, so a readable one is low
//   severity; one that group or others may write is medium (a replaced CA certificate lets
//   its replacer's certificates in).
// files/pki-key-mode (1.1.21): pki/**/*.key, 0600 or stricter.
//
// References: CIS Kubernetes Benchmark v1.10.0 1.1.1-1.1.8, 1.1.13-1.1.21.

import (
	"path"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/settings"
)

// kubeadm's paths.
const (
	manifestsDir = "/etc/kubernetes/manifests"
	pkiDir       = "/etc/kubernetes/pki"
)

var adminKubeconfigs = []string{
	"/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf",
	"/etc/kubernetes/scheduler.conf", "/etc/kubernetes/controller-manager.conf",
}

// manifests are the files of the static pod directory and the manifests components were
// read from.
func manifests(n *inventory.Node, _ *inventory.Component) []string {
	var out []string
	if d := n.File(manifestsDir); d != nil && d.IsDir {
		for _, e := range d.Entries {
			if f := n.File(path.Join(manifestsDir, e)); f == nil || !f.IsDir {
				out = append(out, path.Join(manifestsDir, e))
			}
		}
	}
	for _, c := range n.Components {
		if c.Source == inventory.FromStaticPod {
			out = append(out, c.Path)
		}
	}
	return out
}

// kubeconfigs are kubeadm's control-plane kubeconfigs and the ones the scheduler and
// controller manager are started with.
func kubeconfigs(n *inventory.Node, _ *inventory.Component) []string {
	out := append([]string(nil), adminKubeconfigs...)
	for _, c := range n.Components {
		if c.Kind != inventory.KubeScheduler && c.Kind != inventory.KubeControllerManager {
			continue
		}
		s, _ := settings.ForNode(n).Of(c)
		if v := s.Get("kubeconfig").Given(); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func pkiTree(n *inventory.Node, _ *inventory.Component) []string { return tree(n, pkiDir) }

func pkiFiles(suffix string) func(*inventory.Node, *inventory.Component) []string {
	return func(n *inventory.Node, _ *inventory.Component) []string {
		var out []string
		for _, p := range tree(n, pkiDir) {
			if strings.HasSuffix(p, suffix) {
				out = append(out, p)
			}
		}
		return out
	}
}

var (
	manifestMode = spec{
		id: "files/static-pod-manifest-mode", title: "Static pod manifest readable or writable by others", severity: finding.High,
		what: "static pod manifest", paths: manifests, max: 0o600,
		description: "The kubelet runs every manifest in its static pod directory, as a privileged control-plane pod if the " +
			"manifest says so. Whoever may write one runs code as root on the control plane; whoever may read one learns " +
			"every flag of the API server, etcd, scheduler and controller manager.",
		remedy: "chmod 600 each manifest, for example chmod 600 /etc/kubernetes/manifests/*.yaml.",
		refs:   []rulesRef{cisAPIServerManifestMode, cisControllerManagerManifestMode, cisSchedulerManifestMode, cisEtcdManifestMode},
	}
	manifestOwner = spec{
		id: "files/static-pod-manifest-owner", title: "Static pod manifest not owned by root", severity: finding.High,
		what: "static pod manifest", paths: manifests,
		description: "A static pod manifest owned by another user can be changed by that user, who then runs code as root " +
			"on the control plane.",
		remedy: "chown root:root each manifest, for example chown root:root /etc/kubernetes/manifests/*.yaml.",
		refs:   []rulesRef{cisAPIServerManifestOwner, cisControllerManagerManifestOwner, cisSchedulerManifestOwner, cisEtcdManifestOwner},
	}
	kubeconfigMode = spec{
		id: "files/kubeconfig-mode", title: "Control-plane kubeconfig readable or writable by others", severity: finding.High,
		what: "kubeconfig", paths: kubeconfigs, max: 0o600,
		description: "admin.conf and super-admin.conf hold cluster-admin credentials (super-admin.conf in system:masters, " +
			"which no RBAC change can revoke); scheduler.conf and controller-manager.conf those of the components. A user " +
			"of the node who can read one acts with its rights.",
		remedy: "chmod 600 each kubeconfig, for example chmod 600 /etc/kubernetes/admin.conf.",
		refs:   []rulesRef{cisAdminConfMode, cisSchedulerConfMode, cisControllerManagerConfMode},
	}
	kubeconfigOwner = spec{
		id: "files/kubeconfig-owner", title: "Control-plane kubeconfig not owned by root", severity: finding.High,
		what: "kubeconfig", paths: kubeconfigs,
		description: "A control-plane kubeconfig owned by another user may be read or replaced by that user.",
		remedy:      "chown root:root each kubeconfig, for example chown root:root /etc/kubernetes/admin.conf.",
		refs:        []rulesRef{cisAdminConfOwner, cisSchedulerConfOwner, cisControllerManagerConfOwner},
	}
	pkiOwner = spec{
		id: "files/pki-owner", title: "PKI directory or file not owned by root", severity: finding.High,
		what: "PKI file", paths: pkiTree,
		description: "/etc/kubernetes/pki holds the cluster's CA keys and every component's key. A file or directory in it " +
			"owned by another user can be read, replaced or added to by that user.",
		remedy: "chown -R root:root /etc/kubernetes/pki/",
		refs:   []rulesRef{cisPKIOwner},
	}
	pkiCertificateMode = spec{
		id: "files/pki-certificate-mode", title: "PKI certificate more permissive than 0600", severity: finding.Low,
		what: "certificate", paths: pkiFiles(".crt"), max: 0o600, writable: new(finding.Medium),
		description: "CIS Kubernetes Benchmark v1.10.0 asks for the certificates in /etc/kubernetes/pki to be 0600 or stricter " +
			"(earlier versions asked for 0644). A certificate is public, so one others may read is low severity; one " +
			"others may write is medium: a replaced CA certificate lets in whatever its replacer signs.",
		remedy: "chmod 600 /etc/kubernetes/pki/*.crt /etc/kubernetes/pki/etcd/*.crt",
		refs:   []rulesRef{cisPKICertMode},
	}
	pkiKeyMode = spec{
		id: "files/pki-key-mode", title: "PKI private key readable or writable by others", severity: finding.High,
		what: "private key", paths: pkiFiles(".key"), max: 0o600,
		description: "The keys in /etc/kubernetes/pki include the cluster CA's, etcd's CA's and the service-account signing " +
			"key: whoever reads one can mint certificates or tokens for any identity.",
		remedy: "chmod 600 /etc/kubernetes/pki/*.key /etc/kubernetes/pki/etcd/*.key",
		refs:   []rulesRef{cisPKIKeyMode},
	}
)
