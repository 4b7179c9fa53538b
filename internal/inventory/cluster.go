package inventory

import "time"

// Cluster holds what a live-cluster source observed about the cluster itself, beside its
// objects: the facts that cluster-scope rules judge. A manifest scan has none.
type Cluster struct {
	// Context is the kubeconfig context the cluster was reached through ("in-cluster" when
	// Palisade runs in a pod); Server is the API server's URL.
	Context string
	Server  string
	// Version is the API server's /version gitVersion as it answered (v1.31.4-eks-0a21954);
	// empty when /version could not be read.
	Version string
	// Distribution is the managed distribution or flavour recognised from the version and the
	// node labels ("EKS", "GKE", "AKS", "k3s", "RKE2", "OpenShift"), or "" for upstream.
	Distribution string
	// APIGroupVersions are the group/versions discovery serves ("v1", "apps/v1",
	// "rbac.authorization.k8s.io/v1"); nil when discovery failed.
	APIGroupVersions []string
	// Identity is who the scan ran as, as the API server sees it.
	Identity Identity
	// Anonymous are the answers to requests made without credentials.
	Anonymous []AnonymousProbe
	// ScannedAt is when the scan ran; version support is judged at that date.
	ScannedAt time.Time
	// Gaps are the kinds the source could not list, and where.
	Gaps []Gap
}

// Identity is the scan's own identity and what it may do.
type Identity struct {
	// User and Groups come from a SelfSubjectReview; empty when the server does not answer
	// one.
	User   string
	Groups []string
	// ClusterAdmin is true when a SelfSubjectAccessReview allowed every verb on every
	// resource of every group, cluster-wide; Checked is false when the review could not be
	// made (then ClusterAdmin means nothing).
	ClusterAdmin bool
	Checked      bool
}

// AnonymousProbe is one request made without credentials and how the server answered.
type AnonymousProbe struct {
	// Path is the request path (/version, /api, /apis, /api/v1/namespaces/default/pods).
	Path string
	// Status is the HTTP status code; 0 when the request failed (Error says why).
	Status int
	Error  string
}

// ServesGroupVersion reports whether discovery listed gv ("rbac.authorization.k8s.io/v1").
func (c *Cluster) ServesGroupVersion(gv string) bool {
	for _, s := range c.APIGroupVersions {
		if s == gv {
			return true
		}
	}
	return false
}

// Gap is a kind a live-cluster source could not list, in one namespace or ("" Namespace)
// cluster-wide: rules that read that kind there were not evaluated, and the scan says so
// rather than treat "could not see" as "there are none".
type Gap struct {
	// Kind is the kind not listed, or "*" when nothing could be read.
	Kind      string
	Namespace string
}

// Listed reports whether objects of kind in namespace were listed completely: false when a
// gap covers that kind there or cluster-wide.
func (c *Cluster) Listed(kind, namespace string) bool {
	for _, g := range c.Gaps {
		if (g.Kind == kind || g.Kind == "*") && (g.Namespace == "" || g.Namespace == namespace) {
			return false
		}
	}
	return true
}
