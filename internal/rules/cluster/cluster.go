// Package cluster holds the rules judged on what a live-cluster source observed about the
// cluster itself, beside its objects: the Kubernetes version the API server runs and whether
// it is still supported, whether the RBAC API is served, who the scan ran as, and how the API
// server answers requests made without credentials. Its findings name the object
// Cluster/<context>. The rules run only when the inventory comes from a cluster and never
// contact it: they judge the facts in inventory.Cluster.
package cluster

import (
	"strings"

	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{
		versionSupportedRule(),
		identityClusterAdminRule(),
		rbacAPIServedRule(),
		anonymousAccessRule(),
	}
}

// distribution names what the cluster runs in a message: "EKS", or "upstream Kubernetes".
func distribution(name string) string {
	if name == "" {
		return "upstream Kubernetes"
	}
	return name
}

// list joins items for a message, "none" when there are none.
func list(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}
