package webhook

import (
	"context"

	admissionv1 "k8s.io/api/admission/v1"
)

// Reviewer judges one admission request. The decision engine (internal/admission) is one;
// the server only carries its decision over HTTP, counts it and logs it.
type Reviewer interface {
	Review(ctx context.Context, req *admissionv1.AdmissionRequest) Decision
}

// Decision is what a Reviewer decided about one request.
type Decision struct {
	// Response is the answer to send back; the server sets its UID.
	Response *admissionv1.AdmissionResponse
	// Hits are the rules the object broke, exempt or not.
	Hits []Hit
	// Panics names the rules that panicked, recovered by the reviewer.
	Panics []string
	// Err is what kept the reviewer from judging the object, if anything.
	Err error
	// Kind is the kind of the object under review.
	Kind string
}

// Hit is one rule the object broke.
type Hit struct {
	RuleID   string
	Severity string
	Action   string
	Path     string
	Message  string
	Remedy   string
	Exempt   bool
}
