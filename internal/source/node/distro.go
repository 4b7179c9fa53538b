package node

import (
	"errors"
	"io/fs"

	"palisade.dev/palisade/internal/distro"
	"palisade.dev/palisade/internal/inventory"
)

// Kubeadm is the distribution name of a node set up by kubeadm.
const Kubeadm = "kubeadm"

// distribution recognises the node's distribution from its components and paths: RKE2 and
// k3s by their processes or /var/lib/rancher; the managed distributions by their kubelet's
// configuration paths; kubeadm by its control-plane manifests or its kubelet flags file.
func (s *scanner) distribution(n *inventory.Node) string {
	for _, c := range n.Components {
		switch c.Kind {
		case inventory.RKE2Server, inventory.RKE2Agent:
			return distro.RKE2
		case inventory.K3sServer, inventory.K3sAgent:
			return distro.K3s
		}
	}
	switch {
	case s.fs.exists("/var/lib/rancher/rke2"):
		return distro.RKE2
	case s.fs.exists("/var/lib/rancher/k3s"):
		return distro.K3s
	case s.fs.exists("/etc/eks") || s.fs.exists("/etc/kubernetes/kubelet/config.json"):
		return distro.EKS
	case s.fs.exists("/home/kubernetes/kubelet-config.yaml") || s.fs.exists("/home/kubernetes/bin/kubelet"):
		return distro.GKE
	case s.fs.exists("/etc/default/kubeletconfig.json") || s.fs.exists("/etc/kubernetes/azure.json"):
		return distro.AKS
	case s.fs.exists("/var/lib/kubelet/kubeadm-flags.env") || hasControlPlaneManifest(n):
		return Kubeadm
	}
	return ""
}

// hasControlPlaneManifest reports whether the kubeadm manifest folder holds a control-plane
// component's manifest.
func hasControlPlaneManifest(n *inventory.Node) bool {
	dir := n.File(kubeadmManifests)
	if dir == nil {
		return false
	}
	for _, name := range dir.Entries {
		switch name {
		case "kube-apiserver.yaml", "etcd.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml":
			return true
		}
	}
	return false
}

// unwrapPath drops the path of a *fs.PathError, which names this process's view of the file
// rather than the node's path, named beside it.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
