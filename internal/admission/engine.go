package admission

import (
	"context"
	"errors"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/rules"
)

// Engine decides admission reviews. It is immutable once built and safe for concurrent use;
// a new configuration or catalog is a new Engine.
type Engine struct {
	cat *rules.Catalog
	cfg *Config
	cc  ClusterContext
}

// New builds an engine over a catalog (the built-in rules and any policies) with a
// configuration (DefaultConfig when nil) and a cluster context (nil: rules judge the object
// alone, as if the namespace held no ServiceAccount or LimitRange, which is stricter, never
// laxer). Rule IDs of the configuration that the catalog does not have are errors, with the
// closest known ID.
func New(cat *rules.Catalog, cfg *Config, cc ClusterContext) (*Engine, error) {
	if cat == nil {
		return nil, errors.New("admission engine: no rule catalog")
	}
	if cfg == nil {
		cfg = DefaultConfig()
	}
	var errs []error
	for _, ra := range cfg.Rules {
		if err := cat.CheckIDs(fmt.Sprintf("%s:%d:%d: rules", cfg.File, ra.Line, ra.Column), []string{ra.ID}); err != nil {
			errs = append(errs, err)
		}
	}
	for i, ex := range cfg.Exemptions {
		for j, id := range ex.Rules {
			line, col := ex.Line, ex.Column
			if j < len(ex.ruleLines) {
				line, col = ex.ruleLines[j][0], ex.ruleLines[j][1]
			}
			if err := cat.CheckIDs(fmt.Sprintf("%s:%d:%d: exemptions[%d].rules", cfg.File, line, col, i), []string{id}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Engine{cat: cat, cfg: cfg, cc: cc}, nil
}

func (e *Engine) review(ctx context.Context, req *admissionv1.AdmissionRequest) Decision {
	d := Decision{Response: &admissionv1.AdmissionResponse{}}
	if req == nil {
		d.Err = errors.New("admission review: no request")
		d.Response.Allowed = e.cfg.FailurePolicy == Ignore
		d.Response.Result = &metav1.Status{Message: d.Err.Error()}
		return d
	}
	d.Response.UID = req.UID
	d.Response.Allowed = true
	return d
}
