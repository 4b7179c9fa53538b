package remedytext

// The objects that namespace/default-deny-network-policy, namespace/resource-quota and
// namespace/limit-range ask for, and the labels namespace/pod-security-enforce asks for.
//
// The NetworkPolicies are two, because the rule (and the Kubernetes documentation's "default
// policies") counts as a default deny only a policy with no rules in the direction it
// isolates: default-deny isolates every pod for ingress and egress and allows nothing, and
// allow-dns-egress lets every pod reach port 53 in kube-system, selected by the
// kubernetes.io/metadata.name label the API server puts on every Namespace (1.22 and later),
// without which no pod could resolve a name.
//
// The quota and limit values are starting points, not measurements: the LimitRange's
// defaults are those of the Kubernetes documentation's "Configure Default Memory Requests and
// Limits" and "Configure Default CPU Requests and Limits" tasks, and the ResourceQuota leaves
// room for 20 single-container pods at those defaults. The comments written beside them say so.

import (
	"bytes"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/pod-security-admission/api"
)

// NamespaceOptions chooses what NamespaceObjects writes. The zero value writes the three
// objects a namespace needs, and no Namespace.
type NamespaceOptions struct {
	// HasDefaultDeny, HasResourceQuota and HasLimitRange leave out what the namespace already
	// has: the NetworkPolicies, the ResourceQuota, the LimitRange.
	HasDefaultDeny, HasResourceQuota, HasLimitRange bool
	// Namespace writes the Namespace itself too, with the labels of PodSecurityLabels, for a
	// namespace the input uses without defining it. A Namespace the input defines gets the
	// labels added where it is instead.
	Namespace bool
	// PodSecurityVersion is PodSecurityLabels' argument for that Namespace.
	PodSecurityVersion string
}

// NamespaceFile is the name of the file that holds the objects NamespaceObjects writes for
// namespace ns, written next to the manifests that use it.
func NamespaceFile(ns string) string {
	return "namespace-" + ns + ".palisade.yaml"
}

// NamespaceObjects returns the objects namespace ns lacks, as a YAML stream with a comment
// block at the top and a comment on each value chosen. Nothing is returned when opts leaves
// nothing to write. A name that is not a valid namespace name is an error.
func NamespaceObjects(ns string, opts NamespaceOptions) ([]byte, error) {
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return nil, fmt.Errorf("namespace name of %d bytes: %s", len(ns), strings.Join(errs, "; "))
	}
	var docs, notes []string
	if opts.Namespace {
		labels, err := PodSecurityLabels(opts.PodSecurityVersion)
		if err != nil {
			return nil, err
		}
		docs, notes = append(docs, namespaceDoc(labels)), append(notes, labelNote)
	}
	if !opts.HasDefaultDeny {
		docs, notes = append(docs, defaultDenyDoc, allowDNSDoc), append(notes, denyNote)
	}
	if !opts.HasResourceQuota {
		docs = append(docs, resourceQuotaDoc)
	}
	if !opts.HasLimitRange {
		docs = append(docs, limitRangeDoc)
	}
	if !opts.HasResourceQuota || !opts.HasLimitRange {
		notes = append(notes, sizeNote)
	}
	if len(docs) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	b.WriteString(namespaceHeader)
	for _, n := range notes {
		b.WriteString(n)
	}
	for i, d := range docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		b.WriteString(d)
	}
	return []byte(strings.ReplaceAll(b.String(), "$NAMESPACE", ns)), nil
}

// PodSecurityLabels returns the Pod Security Admission labels to set on a Namespace: enforce
// restricted, and warn and audit restricted at the latest version.
//
// The enforce level is pinned to version ("v1.35", the minor the cluster runs) when the
// caller knows it: restricted gains checks as Kubernetes does, and a pinned version keeps an
// upgrade of the cluster from rejecting pods of a namespace nobody changed, while warn and
// audit at latest name those pods (in kubectl's warnings and the audit log) before the
// version is raised. That is the Kubernetes documentation's advice ("Enforce Pod Security
// Standards with Namespace Labels"). An empty version is latest, the cluster's own version,
// which is what a caller that does not know the cluster can honestly write.
func PodSecurityLabels(version string) (map[string]string, error) {
	if version == "" {
		version = "latest"
	}
	if _, err := api.ParseVersion(version); err != nil {
		return nil, fmt.Errorf("pod security version of %d bytes: want latest or v1.N", len(version))
	}
	restricted := string(api.LevelRestricted)
	return map[string]string{
		api.EnforceLevelLabel:   restricted,
		api.EnforceVersionLabel: version,
		api.WarnLevelLabel:      restricted,
		api.WarnVersionLabel:    "latest",
		api.AuditLevelLabel:     restricted,
		api.AuditVersionLabel:   "latest",
	}, nil
}

// namespaceDoc is the Namespace with labels, in the label order of psaOrder.
func namespaceDoc(labels map[string]string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: $NAMESPACE\n  labels:\n")
	for _, k := range psaOrder {
		fmt.Fprintf(&b, "    %s: %q\n", k, labels[k])
	}
	return b.String()
}

// psaOrder is the order in which the labels are written.
var psaOrder = []string{
	api.EnforceLevelLabel, api.EnforceVersionLabel,
	api.WarnLevelLabel, api.WarnVersionLabel,
	api.AuditLevelLabel, api.AuditVersionLabel,
}

// The comment block at the top of the file: its first line, then one item per kind of
// object written.
const (
	namespaceHeader = "# What namespace $NAMESPACE lacks, written by palisade fix. Review before applying:\n"
	denyNote        = `# - default-deny stops every connection its pods open or accept, but DNS, until further
#   NetworkPolicies allow what each workload needs.
`
	sizeNote = `# - resource values are starting points, not measurements: watch the namespace's use
#   (kubectl describe resourcequota -n $NAMESPACE, kubectl top pods -n $NAMESPACE) and set them to it.
`
	labelNote = `# - Pod Security Admission rejects the pods that the restricted standard does not admit.
`
)

const defaultDenyDoc = `# Every pod of the namespace is isolated for ingress and egress, and nothing is allowed.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: $NAMESPACE
spec:
  podSelector: {}
  policyTypes:
    - Ingress
    - Egress
`

const allowDNSDoc = `# Every pod may ask the cluster's DNS, in kube-system, for names. Where the DNS pods carry the
# label k8s-app: kube-dns (kubeadm, k3s, EKS, GKE, AKS), a podSelector with it beside the
# namespaceSelector narrows this to them; a node-local DNS cache needs an ipBlock instead.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns-egress
  namespace: $NAMESPACE
spec:
  podSelector: {}
  policyTypes:
    - Egress
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
`

const resourceQuotaDoc = `# A starting point: room for 20 pods of one container at the defaults of the LimitRange
# palisade fix writes (20 x 500m cpu and 256Mi memory requested, 20 x 1 cpu and 512Mi memory
# limit). With limits.* here, every container needs limits; a LimitRange gives them to those
# that declare none.
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: $NAMESPACE
spec:
  hard:
    pods: "20"
    requests.cpu: "10"
    requests.memory: 5Gi
    limits.cpu: "20"
    limits.memory: 10Gi
`

const limitRangeDoc = `# Defaults for containers that declare no resources, from the Kubernetes documentation's
# "Configure Default CPU Requests and Limits" (request 500m, limit 1) and "Configure Default
# Memory Requests and Limits" (request 256Mi, limit 512Mi) tasks: starting points, not a fit.
# A container over its memory limit is killed; give the heavy ones their own resources.
apiVersion: v1
kind: LimitRange
metadata:
  name: container-defaults
  namespace: $NAMESPACE
spec:
  limits:
    - type: Container
      defaultRequest:
        cpu: 500m
        memory: 256Mi
      default:
        cpu: "1"
        memory: 512Mi
`
