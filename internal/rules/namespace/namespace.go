// Package namespace holds the rules judged per namespace: resource quotas, limit ranges, a
// default-deny NetworkPolicy and the Pod Security Admission enforce label. It reads the objects
// of each namespace and never changes them.
//
// A namespace is judged when the input defines it (a Namespace object) or uses it (a namespaced
// object in it, including the namespace implied for objects that name none, "default" unless
// --namespace says otherwise). The system namespaces kube-system, kube-public and
// kube-node-lease are judged like any other when the input defines or uses them, and never
// invented when it does not: a manifest that deploys into kube-system is subject to the same
// controls, and an exemption for it belongs in .palisade.yaml, with its reason.
//
// What a namespace lacks can only be judged from what the scan sees. From manifests, a quota or
// policy may already exist in the cluster, so every message of a manifest scan says that it is
// judged from the input alone. Findings are attached to the Namespace object when the input
// has it, else to a Namespace located at the first object of the namespace.
package namespace

import (
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{
		resourceQuotaRule(),
		limitRangeRule(),
		defaultDenyRule(),
		podSecurityEnforceRule(),
	}
}

// inputAlone is appended to every message of a manifest scan, saying what the cluster may
// hold that the input does not.
func inputAlone(ctx *rules.NamespaceContext, mayExist string) string {
	if ctx.Options != nil && ctx.Options.FromManifests {
		return " (judged from the input alone: " + mayExist + ")"
	}
	return ""
}

// objectsOf returns the objects of one kind in the namespace of ctx, in input order.
func objectsOf(ctx *rules.NamespaceContext, kind string) []*inventory.Object {
	var out []*inventory.Object
	for _, o := range ctx.Inventory.InNamespace(ctx.Name) {
		if o.GVK.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}
