package webhook

import (
	"context"

	admissionv1 "k8s.io/api/admission/v1"

	"palisade.dev/palisade/internal/admission"
)

// Reviewer judges one admission request: *admission.Engine, or a stand-in in tests. The
// server only carries its decision over HTTP, counts it and logs it.
type Reviewer interface {
	Review(ctx context.Context, req *admissionv1.AdmissionRequest) admission.Decision
}
