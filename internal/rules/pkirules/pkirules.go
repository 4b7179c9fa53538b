// Package pkirules holds the node rules on the certificates, keys and kubeconfigs the
// Kubernetes components of a node are configured with: the serving and client certificates,
// CA bundles and signing keys their flags name (the kubelet's from its effective
// configuration, etcd's from its flag or ETCD_* variable), judged with internal/pki
// (expiry at the time of the scan, key strength, signature algorithm, CA constraints,
// serving names, key pairs, files that cannot be read); and the kubeconfigs the components
// and kubeadm use, parsed as client-go parses them (clusters that skip TLS verification,
// client certificates that expire, static tokens and passwords). Each verdict names the
// setting, the file and what was found. The rules judge the bytes the node source read and
// never read the node themselves; they never write key, token or password material into a
// message or evidence (a kubeconfig credential is named by its user entry only).
package pkirules

import (
	"fmt"
	"strings"
	"time"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{
		expiryRule(), weakKeyRule(), weakSignatureRule(), caConstraintsRule(), servingSANRule(),
		keyMismatchRule(), unreadableRule(),
		insecureSkipVerifyRule(), clientCertExpiryRule(), staticTokenRule(), kubeconfigUnreadableRule(),
	}
}

// certComponents are the components whose certificate and key files the pki rules judge.
var certComponents = []inventory.ComponentKind{
	inventory.KubeAPIServer, inventory.Etcd, inventory.KubeControllerManager, inventory.KubeScheduler, inventory.Kubelet,
}

// dateOnly writes a date in evidence.
const dateOnly = "2006-01-02"

// until says how far a time is from the scan: "in 37 days", "3 days ago", "in 5 hours".
func until(t, at time.Time) string {
	d := t.Sub(at)
	suffix, prefix := "", "in "
	if d < 0 {
		d, suffix, prefix = -d, " ago", ""
	}
	var n int
	var unit string
	if d < 24*time.Hour {
		n, unit = int(d.Hours()), "hour"
	} else {
		n, unit = int(d/(24*time.Hour)), "day"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%s%d %s%s", prefix, n, unit, suffix)
}

// remoteReason is why a file rule does not apply to a node seen through the API server.
const remoteReason = "This node was seen through the API server (its control plane's mirror pods): its command lines are known, its files are not. Run palisade node on it to judge them."

// joinEvidence joins the evidence of several files.
func joinEvidence(parts []string) string { return strings.Join(parts, "; ") }

func ptr[T any](v T) *T { return &v }

// fileTarget attaches a finding to a file of the node: kind Node, located at the file.
func fileTarget(n *inventory.Node, path string) *inventory.Object {
	o := &inventory.Object{Name: n.Host}
	o.GVK.Kind = "Node"
	o.Origin.Host = n.Host
	o.Origin.File = path
	return o
}
