// Package distro recognises the managed Kubernetes distribution or flavour a cluster runs
// (EKS, GKE, AKS, k3s, RKE2, OpenShift, IKS) from what the API server says about itself: the
// gitVersion of /version and the labels of its nodes. It also parses that gitVersion, which
// distributions decorate with their own suffixes. It only reads strings; it never calls a
// cluster.
package distro

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Distributions Detect recognises. Upstream Kubernetes (kubeadm, kind, a self-built API
// server, and every distribution Palisade does not know) is "".
const (
	EKS       = "EKS"
	GKE       = "GKE"
	AKS       = "AKS"
	K3s       = "k3s"
	RKE2      = "RKE2"
	OpenShift = "OpenShift"
	IKS       = "IKS"
)

// versionMarkers are the substrings of a gitVersion that only one distribution's API server
// reports, as the distributions build it: v1.31.4-eks-0a21954, v1.30.5-gke.1014001,
// v1.29.3+k3s1, v1.28.9+rke2r1, v1.27.6+IKS. (Rancher's kubernetes-provider-detector matches
// the same substrings.) RKE2 comes before k3s: RKE2 is built from k3s, but its version says
// +rke2. AKS reports a plain upstream version and OpenShift a "+<commit>" suffix that names no
// distribution, so both are recognised by their nodes alone.
var versionMarkers = []struct{ marker, distro string }{
	{"+rke2", RKE2},
	{"+k3s", K3s},
	{"-eks-", EKS},
	{"-gke.", GKE},
	{"+iks", IKS},
}

// labelMarkers are node label keys that only one distribution's nodes carry: EKS managed node
// groups and Fargate, GKE node pools, AKS agent pools, and the OS id OpenShift's machine
// config daemon sets (rhcos or rhel).
var labelMarkers = []struct{ key, distro string }{
	{"eks.amazonaws.com/nodegroup", EKS},
	{"eks.amazonaws.com/compute-type", EKS},
	{"cloud.google.com/gke-nodepool", GKE},
	{"kubernetes.azure.com/cluster", AKS},
	{"kubernetes.azure.com/agentpool", AKS},
	{"node.openshift.io/os_id", OpenShift},
	{"ibm-cloud.kubernetes.io/worker-id", IKS},
}

// instanceTypeLabel is the well-known node label that k3s and RKE2 set to their own name on
// nodes that no cloud provider labels.
const instanceTypeLabel = "node.kubernetes.io/instance-type"

// Detect returns the distribution a cluster runs, or "" for upstream Kubernetes. The version's
// marker wins over node labels: it comes from the API server itself, while any node may carry
// any label. Node labels decide when the version names no distribution (AKS, OpenShift) or
// when the version could not be read.
func Detect(gitVersion string, nodeLabels []map[string]string) string {
	v := strings.ToLower(gitVersion)
	for _, m := range versionMarkers {
		if strings.Contains(v, m.marker) {
			return m.distro
		}
	}
	for _, labels := range nodeLabels {
		for _, m := range labelMarkers {
			if _, ok := labels[m.key]; ok {
				return m.distro
			}
		}
		switch labels[instanceTypeLabel] {
		case "k3s":
			return K3s
		case "rke2":
			return RKE2
		}
	}
	return ""
}

// maxComponentDigits bounds each number of a version: no Kubernetes version has a component
// of more than a few digits, and a bound keeps a hostile server's answer from being parsed
// into an overflowing number.
const maxComponentDigits = 9

// ParseVersion parses the major, minor and patch of a Kubernetes gitVersion after the
// distribution's decoration: "v1.31.4-eks-0a21954", "v1.29.3+k3s1", "1.30.5-gke.1014001" and
// "v1.26.0-rc.1" all parse, as does "v1.31" (patch 0). Anything after the patch that starts
// with "-" (a pre-release or a distribution's build) or "+" (build metadata) is ignored. The
// leading "v" is optional. The string comes from a server and is untrusted: every malformed
// input is an error, never a panic.
func ParseVersion(gitVersion string) (major, minor, patch int, err error) {
	rest := strings.TrimPrefix(strings.TrimSpace(gitVersion), "v")
	if i := strings.IndexAny(rest, "-+"); i >= 0 {
		rest = rest[:i]
	}
	parts := strings.Split(rest, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, fmt.Errorf("parsing Kubernetes version %q: want v<major>.<minor>.<patch>", gitVersion)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := component(p)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("parsing Kubernetes version %q: %s", gitVersion, err)
		}
		nums[i] = n
	}
	return nums[0], nums[1], nums[2], nil
}

// component parses one decimal component: digits only, no sign, not too long.
func component(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty number")
	}
	if len(s) > maxComponentDigits {
		return 0, fmt.Errorf("number %.12q is too long", s)
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a number", s)
		}
	}
	return strconv.Atoi(s)
}
