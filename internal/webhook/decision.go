package webhook

import (
	"context"

	admissionv1 "k8s.io/api/admission/v1"

	"palisade.dev/palisade/internal/admission"
	"palisade.dev/palisade/internal/rules"
)

// Reviewer judges one admission request: *admission.Engine, or a stand-in in tests. The
// server only carries its decision over HTTP, counts it and logs it.
type Reviewer interface {
	Review(ctx context.Context, req *admissionv1.AdmissionRequest) admission.Decision
}

// NewPolicy builds the policy of a configuration: the admission engine over the catalog with
// the cluster context, the failure policy, and the secure defaults /mutate sets.
func NewPolicy(cat *rules.Catalog, cfg *admission.Config, cc admission.ClusterContext) (*Policy, error) {
	if cfg == nil {
		cfg = admission.DefaultConfig()
	}
	engine, err := admission.New(cat, cfg, cc)
	if err != nil {
		return nil, err
	}
	return &Policy{
		Reviewer:   engine,
		FailClosed: cfg.FailurePolicy != admission.Ignore,
		Defaults:   defaultsOf(cfg),
	}, nil
}

// defaultsOf reads which secure defaults the configuration turns on.
func defaultsOf(cfg *admission.Config) Defaults {
	var d Defaults
	for _, name := range cfg.SecureDefaults {
		switch name {
		case "allowPrivilegeEscalation":
			d.AllowPrivilegeEscalation = true
		case "seccompRuntimeDefault":
			d.SeccompRuntimeDefault = true
		case "runAsNonRoot":
			d.RunAsNonRoot = true
		}
	}
	return d
}
