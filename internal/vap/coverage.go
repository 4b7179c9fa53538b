package vap

import "palisade.dev/palisade/internal/rules"

// whyNot says, for the pod and object rules that have no CEL, why a ValidatingAdmissionPolicy
// cannot give the rule's verdict exactly. Rules of the other scopes judge what no admission
// request carries (nodes, endpoints, the cluster, namespaces as a whole).
var whyNot = map[string]string{
	"pod/apparmor":                        "its verdict depends on the annotations and fields together as each Kubernetes version applies them, which is not written in CEL yet",
	"pod/automount-service-account-token": "it reads the ServiceAccount the pod runs as, another object",
	"pod/cpu-limit":                       "it reads the namespace's LimitRanges, other objects",
	"pod/memory-limit":                    "it reads the namespace's LimitRanges, other objects",
	"pod/resource-requests":               "it reads the namespace's LimitRanges, other objects",
	"pod/credentials-in-env":              "it recognises credentials by patterns of names and values that are not written in CEL yet",
	"pod/host-port":                       "the API server sets hostPort to containerPort on pods with hostNetwork, so a policy would see host ports the manifest does not have",
	"pod/image-digest":                    "it parses image references as the container runtime does, which is not written in CEL yet",
	"pod/image-tag":                       "it parses image references as the container runtime does, which is not written in CEL yet",
	"pod/unsafe-sysctls":                  "the safe sysctls depend on the Kubernetes version, and it is not written in CEL yet",
	"pss/baseline":                        "the Pod Security Standards are enforced by the API server's own PodSecurity admission (namespace labels pod-security.kubernetes.io/enforce)",
	"pss/restricted":                      "the Pod Security Standards are enforced by the API server's own PodSecurity admission (namespace labels pod-security.kubernetes.io/enforce)",
	"configmap/credentials":               "it recognises credentials by patterns of keys and values that are not written in CEL yet",
	"rbac/anonymous-binding":              "not written in CEL yet",
	"rbac/cluster-admin-binding":          "not written in CEL yet",
	"rbac/wildcard-binding":               "it reads the role a binding names, another object",
	"rbac/binding-to-missing-role":        "it reads whether the role a binding names exists, another object",
	"rbac/secrets-read":                   "it reads the role a binding names, another object",
	"rbac/pod-exec":                       "it reads the role a binding names, another object",
	"rbac/pod-create":                     "it reads the role a binding names, another object",
	"rbac/escalate-bind":                  "it reads the role a binding names, another object",
	"rbac/impersonate":                    "it reads the role a binding names, another object",
	"rbac/token-create":                   "it reads the role a binding names, another object",
	"rbac/csr-approve":                    "it reads the role a binding names, another object",
	"rbac/webhook-config-write":           "it reads the role a binding names, another object",
	"rbac/pv-create":                      "it reads the role a binding names, another object",
	"rbac/status-write":                   "it reads the role a binding names, another object",
	"rbac/crd-write":                      "it reads the role a binding names, another object",
	"rbac/aws-auth-write":                 "it reads the role a binding names, another object",
	"rbac/escalation-path":                "it reads every binding, role, ServiceAccount, Namespace and pod of the input",
	"manifest/duplicate-key":              "it judges the text of a manifest, which the API server never sees",
	"manifest/unknown-field":              "it judges the text of a manifest; the API server drops or refuses unknown fields before any policy runs",
	"manifest/invalid-value":              "the API server's own validation refuses these values before any policy runs",
	"manifest/removed-api-version":        "the API server does not serve these versions, so it refuses them itself",
}

// Coverage says whether a ValidatingAdmissionPolicy can enforce the rule and, in a sentence,
// how or why not.
func Coverage(r *rules.Rule) (enforceable bool, why string) {
	if Enforceable(r) {
		return true, "`palisade vap` writes a ValidatingAdmissionPolicy that refuses exactly what this rule finds, on Pods and every workload kind"
	}
	if reason, ok := whyNot[r.ID]; ok {
		return false, "a ValidatingAdmissionPolicy cannot enforce it exactly: " + reason
	}
	switch r.Scope {
	case rules.ScopePod, rules.ScopeObject:
		return false, "a ValidatingAdmissionPolicy cannot enforce it exactly: not written in CEL yet"
	case rules.ScopeNamespace:
		return false, "a ValidatingAdmissionPolicy cannot enforce it: it judges a namespace with the objects in it, not one object"
	}
	return false, "a ValidatingAdmissionPolicy cannot enforce it: it judges what no admission request carries (" + string(r.Scope) + ")"
}

// HasReason reports whether a reason is written down for rule id having no policy.
func HasReason(id string) bool { _, ok := whyNot[id]; return ok }

// Reasons are the rules a reason is written down for, in no order.
func Reasons() []string {
	out := make([]string, 0, len(whyNot))
	for id := range whyNot {
		out = append(out, id)
	}
	return out
}
