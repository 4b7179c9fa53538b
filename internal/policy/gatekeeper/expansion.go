package gatekeeper

import (
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/policy/rego"
)

// ExpansionGroup is the group of Gatekeeper's ExpansionTemplates.
const ExpansionGroup = "expansion.gatekeeper.sh"

// Expansion is a decoded ExpansionTemplate: the workload kinds it applies to, and the resource
// Gatekeeper makes of their template (the Pod of a Deployment), which constraints on that
// resource's kind then judge, their violations reported on the workload.
type Expansion struct {
	Name    string
	ApplyTo []struct {
		Groups   []string `json:"groups"`
		Kinds    []string `json:"kinds"`
		Versions []string `json:"versions"`
	}
	// Source is the field of the workload the resource is made from (spec.template).
	Source string
	// Generated is the kind of the resource made.
	Generated schema.GroupVersionKind
	// Severity, when set, is the severity of what it implies (its enforcementAction).
	Severity *finding.Severity

	reviews *rego.Cache
}

type expansionDoc struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		ApplyTo []struct {
			Groups   []string `json:"groups"`
			Kinds    []string `json:"kinds"`
			Versions []string `json:"versions"`
		} `json:"applyTo"`
		TemplateSource string `json:"templateSource"`
		GeneratedGVK   struct {
			Group   string `json:"group"`
			Version string `json:"version"`
			Kind    string `json:"kind"`
		} `json:"generatedGVK"`
		EnforcementAction string `json:"enforcementAction"`
	} `json:"spec"`
}

// DecodeExpansion reads an ExpansionTemplate (expansion.gatekeeper.sh v1alpha1 or v1beta1).
func DecodeExpansion(o *inventory.Object) (*Expansion, error) {
	var doc expansionDoc
	if err := remarshal(o, &doc); err != nil {
		return nil, fmt.Errorf("ExpansionTemplate %s: %w", o.Name, err)
	}
	e := &Expansion{Name: doc.Metadata.Name, ApplyTo: doc.Spec.ApplyTo, Source: doc.Spec.TemplateSource}
	e.Generated = schema.GroupVersionKind{Group: doc.Spec.GeneratedGVK.Group, Version: doc.Spec.GeneratedGVK.Version, Kind: doc.Spec.GeneratedGVK.Kind}
	switch {
	case e.Name == "":
		return nil, fmt.Errorf("ExpansionTemplate has no metadata.name")
	case len(e.ApplyTo) == 0:
		return nil, fmt.Errorf("ExpansionTemplate %s: spec.applyTo is required", e.Name)
	case e.Source == "" || strings.ContainsAny(e.Source, "[]"):
		return nil, fmt.Errorf("ExpansionTemplate %s: spec.templateSource must be a dotted field path (spec.template)", e.Name)
	case e.Generated.Kind == "" || e.Generated.Version == "":
		return nil, fmt.Errorf("ExpansionTemplate %s: spec.generatedGVK needs a kind and a version", e.Name)
	}
	if a := strings.ToLower(doc.Spec.EnforcementAction); a != "" {
		sev, ok := actionSeverity[a]
		if !ok {
			return nil, fmt.Errorf("ExpansionTemplate %s: unknown spec.enforcementAction of %d characters (want deny, warn or dryrun)", e.Name, len(a))
		}
		e.Severity = &sev
	}
	e.reviews = rego.NewCache(e.review)
	return e, nil
}

// appliesTo reports whether the expansion makes a resource of o.
func (e *Expansion) appliesTo(o *inventory.Object) bool {
	return slices.ContainsFunc(e.ApplyTo, func(a struct {
		Groups   []string `json:"groups"`
		Kinds    []string `json:"kinds"`
		Versions []string `json:"versions"`
	}) bool {
		return anyOf(a.Groups, o.GVK.Group) && anyOf(a.Kinds, o.GVK.Kind) && anyOf(a.Versions, o.GVK.Version)
	})
}

// kinds are the workload kinds it applies to.
func (e *Expansion) kinds() []string {
	var out []string
	for _, a := range e.ApplyTo {
		out = append(out, a.Kinds...)
	}
	return out
}

// generated is the resource made of o, as an object identity for matching (kind, namespace,
// name, labels), and its content.
func (e *Expansion) generated(o *inventory.Object) (*inventory.Object, map[string]any, error) {
	m, err := rego.ObjectMap(o)
	if err != nil {
		return nil, nil, err
	}
	var cur any = m
	for _, k := range strings.Split(e.Source, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			cur = nil
			break
		}
		cur = mm[k]
	}
	tmpl, ok := cur.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("ExpansionTemplate %s: the object has no mapping at %s", e.Name, e.Source)
	}
	meta := map[string]any{}
	if tm, ok := tmpl["metadata"].(map[string]any); ok {
		for k, v := range tm {
			meta[k] = v
		}
	}
	meta["name"] = o.Name
	if o.Namespace != "" {
		meta["namespace"] = o.Namespace
	}
	apiVersion, kind := e.Generated.ToAPIVersionAndKind()
	content := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": meta}
	for k, v := range tmpl {
		if k != "metadata" {
			content[k] = v
		}
	}
	id := &inventory.Object{GVK: e.Generated, Namespace: o.Namespace, Name: o.Name, Labels: map[string]string{}}
	if ls, ok := meta["labels"].(map[string]any); ok {
		for k, v := range ls {
			if s, ok := v.(string); ok {
				id.Labels[k] = s
			}
		}
	}
	return id, content, nil
}

// review is input.review for the resource made of o.
func (e *Expansion) review(o *inventory.Object) (ast.Value, error) {
	id, content, err := e.generated(o)
	if err != nil {
		return nil, err
	}
	return reviewOf(id, content)
}
