package remedytext

// The audit Policy that apiserver/audit-policy-file, apiserver/audit-secrets-metadata-only,
// apiserver/audit-pod-access, apiserver/audit-catch-all and apiserver/audit-omit-request-received
// ask for, with the flags of apiserver/audit-log-path and the audit-log-max* rules.
//
// The rules are evaluated in order and the first match wins, so the policy reads top down:
// first the requests not worth a line (kube-proxy's and the nodes' routine traffic, health
// checks, events), then the resources whose bodies are secret and so are logged at Metadata
// only, then what is logged in full, then a catch-all at Metadata. Its shape follows the
// Kubernetes auditing documentation's example policy and the policy GKE's configure-helper.sh
// installs; the log retention flags are CIS Kubernetes Benchmark v1.10.0 1.2.16 to 1.2.19.

import "io"

// AuditPolicy writes an audit.k8s.io/v1 Policy, preceded by a comment block with the
// kube-apiserver flags that read it and keep its log.
func AuditPolicy(w io.Writer) error {
	return writeAll(w, "audit policy", auditPolicyText)
}

const auditPolicyText = `# Audit policy for kube-apiserver, written by palisade fix --print audit-policy.
#
# Rules are read in order and the first that matches a request decides its level. Secrets,
# ConfigMaps, service account tokens and token reviews are logged at Metadata only: a log
# that held their bodies would hold every credential of the cluster.
#
# 1. Install it on every control-plane node, owned by root, mode 600:
#      mkdir -p /etc/kubernetes/audit /var/log/kubernetes/audit
#      palisade fix --print audit-policy > /etc/kubernetes/audit/policy.yaml
#      chmod 600 /etc/kubernetes/audit/policy.yaml
# 2. Give kube-apiserver these flags, and mount both folders into its static pod (hostPath
#    volumes: the policy read-only, the log folder writable), then let it restart:
#      --audit-policy-file=/etc/kubernetes/audit/policy.yaml
#      --audit-log-path=/var/log/kubernetes/audit/audit.log
#      --audit-log-maxage=30      # days a rotated log is kept
#      --audit-log-maxbackup=10   # rotated logs kept
#      --audit-log-maxsize=100    # megabytes before the log is rotated
#    Ship the log off the node (a log collector, or --audit-webhook-config-file): an attacker
#    with root on the node can rewrite a log that stays there.
apiVersion: audit.k8s.io/v1
kind: Policy
# Every request is logged when its response is complete; the RequestReceived event before it
# says nothing more and would double the log.
omitStages:
  - RequestReceived
# managedFields record which client set which field: noise in an audit log.
omitManagedFields: true
rules:
  # kube-proxy watches Services and EndpointSlices on every node, all the time.
  - level: None
    users:
      - system:kube-proxy
    verbs:
      - watch
    resources:
      - group: ""
        resources:
          - endpoints
          - services
          - services/status
      - group: discovery.k8s.io
        resources:
          - endpointslices
  # Kubelets read their own Node and renew their lease every ten seconds.
  - level: None
    userGroups:
      - system:nodes
    verbs:
      - get
      - update
    resources:
      - group: ""
        resources:
          - nodes
          - nodes/status
      - group: coordination.k8s.io
        resources:
          - leases
  # The controller manager and the scheduler renew their leader-election leases.
  - level: None
    users:
      - system:kube-controller-manager
      - system:kube-scheduler
    verbs:
      - get
      - update
    namespaces:
      - kube-system
    resources:
      - group: coordination.k8s.io
        resources:
          - leases
  # Health checks and version probes, from load balancers and kubelets.
  - level: None
    nonResourceURLs:
      - /healthz*
      - /livez*
      - /readyz*
      - /version
  # Events are written by every controller and say what happened, not who did it.
  - level: None
    resources:
      - group: ""
        resources:
          - events
      - group: events.k8s.io
        resources:
          - events
  # Bodies that hold credentials: who touched which object, never its content. This rule
  # must stay above every rule at Request or RequestResponse that could match these.
  - level: Metadata
    resources:
      - group: ""
        resources:
          - secrets
          - configmaps
          - serviceaccounts/token
      - group: authentication.k8s.io
        resources:
          - tokenreviews
  # Reaching into running workloads: logged in full.
  - level: RequestResponse
    resources:
      - group: ""
        resources:
          - pods/exec
          - pods/attach
          - pods/portforward
          - pods/proxy
          - pods/ephemeralcontainers
          - services/proxy
          - nodes/proxy
  # Changes to who may do what: logged in full. Reads fall through to the catch-all.
  - level: RequestResponse
    verbs:
      - create
      - update
      - patch
      - delete
      - deletecollection
    resources:
      - group: rbac.authorization.k8s.io
        resources:
          - roles
          - rolebindings
          - clusterroles
          - clusterrolebindings
  # Changes to what runs, what it may reach and what admits it: the object written.
  - level: Request
    verbs:
      - create
      - update
      - patch
      - delete
      - deletecollection
    resources:
      - group: ""
        resources:
          - pods
          - replicationcontrollers
          - serviceaccounts
          - namespaces
          - nodes
      - group: apps
      - group: batch
      - group: networking.k8s.io
      - group: policy
      - group: admissionregistration.k8s.io
      - group: certificates.k8s.io
  # Everything else, custom resources included: who did what to which object.
  - level: Metadata
`
