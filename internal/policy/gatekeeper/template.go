// Package gatekeeper runs OPA Gatekeeper's ConstraintTemplates and Constraints as catalog
// rules: each Constraint is a rule whose template's Rego (admission.k8s.io target) is compiled
// once and evaluated on the objects the Constraint matches, with the input Gatekeeper gives it
// (input.review, input.parameters) and data.inventory built from the scan's objects. It owns
// the Gatekeeper formats and their semantics, and nothing of how policy files are found.
package gatekeeper

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"palisade.dev/palisade/internal/inventory"
)

// Groups of the Gatekeeper kinds.
const (
	TemplateGroup   = "templates.gatekeeper.sh"
	ConstraintGroup = "constraints.gatekeeper.sh"
	ConfigGroup     = "config.gatekeeper.sh"
)

// Target is the only target Gatekeeper's Kubernetes templates have.
const Target = "admission.k8s.io"

// Template is a decoded ConstraintTemplate: the constraint kind it defines and its Rego.
type Template struct {
	Name        string
	Kind        string // the kind of its constraints (spec.crd.spec.names.kind)
	Title       string
	Description string
	// SyncKinds are the kinds the template says it reads from data.inventory (its
	// metadata.gatekeeper.sh/requires-sync-data annotation); nil when it does not say.
	SyncKinds []string
	// Modules are the template's Rego source and libraries, each with where it is written.
	Modules []Source
	Object  *inventory.Object
}

// Source is one Rego module of a template and the field it is written in.
type Source struct {
	Field   string // spec.targets[0].rego, spec.targets[0].libs[1] ...
	Text    string
	Version ast.RegoVersion
}

type templateDoc struct {
	Metadata struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		CRD struct {
			Spec struct {
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
			} `json:"spec"`
		} `json:"crd"`
		Targets []struct {
			Target string   `json:"target"`
			Rego   string   `json:"rego"`
			Libs   []string `json:"libs"`
			Code   []struct {
				Engine string         `json:"engine"`
				Source map[string]any `json:"source"`
			} `json:"code"`
		} `json:"targets"`
	} `json:"spec"`
}

// DecodeTemplate reads a ConstraintTemplate (templates.gatekeeper.sh v1, v1beta1 or v1alpha1).
// A template with no Rego (only K8sNativeValidation, Gatekeeper's CEL engine) is an error
// naming it: Palisade does not run it, and must not seem to.
func DecodeTemplate(o *inventory.Object) (*Template, error) {
	var doc templateDoc
	if err := remarshal(o, &doc); err != nil {
		return nil, fmt.Errorf("ConstraintTemplate %s: %w", o.Name, err)
	}
	t := &Template{Name: doc.Metadata.Name, Kind: doc.Spec.CRD.Spec.Names.Kind, Object: o}
	t.Title = doc.Metadata.Annotations["metadata.gatekeeper.sh/title"]
	t.Description = doc.Metadata.Annotations["description"]
	if t.Name == "" {
		return nil, fmt.Errorf("ConstraintTemplate has no metadata.name")
	}
	if a, ok := doc.Metadata.Annotations[requiresSyncData]; ok {
		kinds, err := parseRequiresSyncData(a)
		if err != nil {
			return nil, fmt.Errorf("ConstraintTemplate %s: annotation %s: %w", t.Name, requiresSyncData, err)
		}
		t.SyncKinds = kinds
	}
	if t.Kind == "" {
		return nil, fmt.Errorf("ConstraintTemplate %s: spec.crd.spec.names.kind is required", t.Name)
	}
	// Gatekeeper requires the template's name to be its kind in lower case.
	if !strings.EqualFold(t.Name, t.Kind) {
		return nil, fmt.Errorf("ConstraintTemplate %s: its name must be its kind %s in lower case, as Gatekeeper requires", t.Name, t.Kind)
	}
	if len(doc.Spec.Targets) != 1 {
		return nil, fmt.Errorf("ConstraintTemplate %s: has %d targets; Gatekeeper requires exactly one", t.Name, len(doc.Spec.Targets))
	}
	tg := doc.Spec.Targets[0]
	if tg.Target != Target {
		return nil, fmt.Errorf("ConstraintTemplate %s: target of %d characters is not %s", t.Name, len(tg.Target), Target)
	}
	if tg.Rego != "" {
		t.Modules = append(t.Modules, Source{Field: "spec.targets[0].rego", Text: tg.Rego, Version: ast.RegoV0})
		for i, l := range tg.Libs {
			t.Modules = append(t.Modules, Source{Field: fmt.Sprintf("spec.targets[0].libs[%d]", i), Text: l, Version: ast.RegoV0})
		}
	}
	var engines []string
	for i, c := range tg.Code {
		engines = append(engines, c.Engine)
		if c.Engine != "Rego" || tg.Rego != "" {
			continue
		}
		text, _ := c.Source["rego"].(string)
		if text == "" {
			return nil, fmt.Errorf("ConstraintTemplate %s: spec.targets[0].code[%d] (engine Rego) has no source.rego", t.Name, i)
		}
		version := ast.RegoV0
		if v, _ := c.Source["version"].(string); v == "v1" {
			version = ast.RegoV1
		}
		base := fmt.Sprintf("spec.targets[0].code[%d].source", i)
		t.Modules = append(t.Modules, Source{Field: base + ".rego", Text: text, Version: version})
		libs, _ := c.Source["libs"].([]any)
		for j, l := range libs {
			s, ok := l.(string)
			if !ok {
				return nil, fmt.Errorf("ConstraintTemplate %s: %s.libs[%d] is not a string", t.Name, base, j)
			}
			t.Modules = append(t.Modules, Source{Field: fmt.Sprintf("%s.libs[%d]", base, j), Text: s, Version: version})
		}
	}
	if len(t.Modules) == 0 {
		if len(engines) > 0 {
			return nil, fmt.Errorf("ConstraintTemplate %s: not supported: it has no Rego, only the engines %s (Palisade runs Gatekeeper's Rego engine, not K8sNativeValidation)", t.Name, strings.Join(engines, ", "))
		}
		return nil, fmt.Errorf("ConstraintTemplate %s: spec.targets[0] has no rego", t.Name)
	}
	return t, nil
}

// requiresSyncData is the annotation by which a template says what it reads from
// data.inventory: a JSON list of requirements, each a list of alternatives
// ({"groups": [...], "versions": [...], "kinds": [...]}), the whole usually quoted once more.
const requiresSyncData = "metadata.gatekeeper.sh/requires-sync-data"

// parseRequiresSyncData returns every kind the annotation names.
func parseRequiresSyncData(a string) ([]string, error) {
	a = strings.TrimSpace(a)
	if len(a) >= 2 && a[0] == '"' && a[len(a)-1] == '"' {
		a = a[1 : len(a)-1]
	}
	var reqs [][]struct {
		Kinds []string `json:"kinds"`
	}
	if err := json.Unmarshal([]byte(a), &reqs); err != nil {
		return nil, fmt.Errorf("not a list of lists of {groups, versions, kinds} (%d characters)", len(a))
	}
	kinds := []string{}
	for _, alternatives := range reqs {
		for _, alt := range alternatives {
			for _, k := range alt.Kinds {
				if k != "" && !slices.Contains(kinds, k) {
					kinds = append(kinds, k)
				}
			}
		}
	}
	return kinds, nil
}

// remarshal decodes an object's content into a Go value through JSON.
func remarshal(o *inventory.Object, into any) error {
	if o.Content == nil {
		return fmt.Errorf("the object's content is not available")
	}
	data, err := json.Marshal(o.Content)
	if err != nil {
		return fmt.Errorf("re-encoding: %w", err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("decoding: %s", describeJSONError(err))
	}
	return nil
}

// describeJSONError names the field and type of a decoding error without its value.
func describeJSONError(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Sprintf("%s must be %s, not a %s", te.Field, te.Type, te.Value)
	}
	return "malformed content"
}
