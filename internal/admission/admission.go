// Package admission owns the admission decision: it turns one admission.k8s.io/v1
// AdmissionRequest into an AdmissionResponse by evaluating the very catalog rules that scan
// runs on the object under review, with the cluster context those rules read (the namespace,
// the ServiceAccount, the LimitRanges), and by applying the webhook's configuration (per-rule
// actions, exemptions, the update and failure policies). It serves no HTTP, holds no
// certificate and counts no metric: the webhook server does, around Engine.Review.
//
// Which rules run: every pod rule (on a Pod and on every kind that carries a pod template,
// so that a Deployment is refused at its own admission, not when its ReplicaSet fails later);
// every object rule of the reviewed kind (RBAC bindings, NetworkPolicies, the manifest typo
// and schema rules, which read the raw object); and namespace rules only when the reviewed
// object is a Namespace and the rule reads nothing but Namespaces (it judges the object
// itself, such as an invalid pod-security label). Namespace rules that judge what a namespace
// lacks (a ResourceQuota, a default-deny NetworkPolicy) are not admission decisions: no single
// object's admission can be blamed for an absence. Cluster, node and endpoint rules never run.
// A deferred check that reads a kind the cluster context does not provide (the Roles an RBAC
// binding names) is not judged, and the decision says so in Unjudged: never a silent pass.
package admission

import (
	"context"
	"errors"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
)

// Action is what a hit of a rule does to a review.
type Action string

// Actions.
const (
	// Deny refuses the request; the response's message names the rule, the field and the
	// remedy, one line per hit.
	Deny Action = "deny"
	// Warn admits the request with one AdmissionResponse warning per hit, which kubectl
	// prints.
	Warn Action = "warn"
	// Audit admits the request silently: the hit is only in Decision.Hits, for the server's
	// log line and metrics.
	Audit Action = "audit"
)

// Hit is one finding of one rule on the reviewed object, with what it does to the review.
type Hit struct {
	RuleID   string
	Severity finding.Severity
	Action   Action
	// Path is the field path in the object (spec.template.spec.containers[0].securityContext).
	Path    string
	Message string
	Remedy  string
	// Exempt is the reason of the exemption that covers the hit; an exempt hit neither denies
	// nor warns.
	Exempt string
	// Container names the container the hit is about, when it is about one.
	Container string
	// AlsoBreaks are the other rules (and checks of composite rules, "rule:check") that the
	// same cause breaks, folded into this hit as scan folds them; the hit's action is the
	// strongest of theirs and its own that are not exempt.
	AlsoBreaks []string
	// Existing is true when, under updates: onlyWorse, the old object had the same hit (same
	// rule ID and path): it does not deny, and warns instead.
	Existing bool
}

// Decision is the answer to one review.
type Decision struct {
	// Response is the AdmissionResponse to send: the request's UID echoed, Allowed,
	// Result.Message when denied, Warnings. It is never nil.
	Response *admissionv1.AdmissionResponse
	Hits     []Hit
	// Panics are the IDs of the rules whose evaluation panicked during this review.
	Panics []string
	// Failed are the IDs of the rules that could not judge the object (a user's policy that
	// failed or ran out of time): answered like a panic, by the failure policy, never a pass.
	Failed []string
	// Err is set when the review could not be judged; Response then follows the failure
	// policy.
	Err error
	// Kind is the kind of the reviewed object, for logs and metrics ("" when the request
	// could not be read).
	Kind string
	// DryRun is true when the request is a dry run: the server must not record it as an
	// audit event or count it in the decision metrics (sideEffects: None promises the API
	// server that a dry-run review changes nothing); it may still log it, marked dry run.
	DryRun bool
	// Skipped says why the request was admitted without judging it ("DELETE is not judged",
	// "kind Foo has no rule", "namespace kube-system is exempt: ..."); empty when it was
	// judged.
	Skipped string
	// Unjudged are the rules that could not be judged on this object and why (a deferred
	// check that reads a kind the cluster context does not provide), one line each.
	Unjudged []string
}

// Denied reports whether the decision refuses the request.
func (d *Decision) Denied() bool { return d.Response != nil && !d.Response.Allowed }

// ClusterContext is what the rules need from the cluster, read from informers' caches, never
// from the API server per request.
type ClusterContext interface {
	Namespace(name string) (*corev1.Namespace, bool)
	ServiceAccount(namespace, name string) (*corev1.ServiceAccount, bool)
	LimitRanges(namespace string) []*corev1.LimitRange
	// Synced is true once every cache has synced; before, the context is incomplete and a
	// review is answered by the failure policy.
	Synced() bool
}

// ErrNotSynced is the error of a review made before the cluster context synced.
var ErrNotSynced = errors.New("the cluster context (namespaces, service accounts, limit ranges) has not synced yet")

// Review decides one admission request. It never panics and always returns a Response.
func (e *Engine) Review(ctx context.Context, req *admissionv1.AdmissionRequest) Decision {
	return e.review(ctx, req)
}
