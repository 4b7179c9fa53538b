// Package admissionpolicy owns the evaluation of the ValidatingAdmissionPolicies
// (admissionregistration.k8s.io/v1, and v1beta1) found in Palisade's input: it compiles each
// policy with the API server's own CEL libraries (k8s.io/apiserver's validating admission
// policy plugin), binds it as its ValidatingAdmissionPolicyBindings say, and turns it into a
// dynamic rule, vap/<policy-name>, that judges each other object of the input as the API
// server would judge a CREATE of it. It must not read files, and must not decide anything
// the API server would not: what it cannot judge from the input is a coverage note or a scan
// error, never a pass.
//
// What the API server knows and a manifest does not is handled so (docs/admission-policies.md):
// the namespaces are those the input defines (others are judged with no labels only when the
// input is the whole truth about its namespaces, or when nothing in the policy reads them);
// params are the input's objects; the request has no user, so a policy whose expressions ask
// the authorizer is not applied, and says so; the API server's defaulting of the object is
// not applied.
package admissionpolicy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/cel/environment"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// RulePrefix begins the ID of every rule this package makes: vap/<policy-name>.
const RulePrefix = rules.InputPrefix

// SeverityAnnotation, on a policy, sets the severity of the findings its Deny bindings give
// (critical, high, medium, low or info); high when absent.
const SeverityAnnotation = "palisade.dev/severity"

// Group is the API group of the objects this package reads.
const Group = "admissionregistration.k8s.io"

// Kinds of the objects this package reads.
const (
	PolicyKind  = "ValidatingAdmissionPolicy"
	BindingKind = "ValidatingAdmissionPolicyBinding"
)

// IsPolicyObject reports whether o is a ValidatingAdmissionPolicy or a binding of one.
func IsPolicyObject(o *inventory.Object) bool {
	return IsPolicyKind(o.GVK)
}

// IsPolicyKind reports whether gvk is that of a ValidatingAdmissionPolicy or a binding of one.
func IsPolicyKind(gvk schema.GroupVersionKind) bool {
	return gvk.Group == Group && (gvk.Kind == PolicyKind || gvk.Kind == BindingKind)
}

// Options are what Compile needs to know about the input.
type Options struct {
	// NamespacesComplete makes the input the whole truth about its namespaces: a namespace it
	// does not define is judged as one with no labels.
	NamespacesComplete bool
	// Input is the complete input as a first reading of it saw it (what a streaming scan keeps
	// of its objects is enough): with it, a policy that reads no params judges each object as
	// it is read, from the namespaces Input holds, and keeps nothing. Without it every
	// judgement waits for the evaluation's end.
	Input *inventory.Inventory
	// Resources maps the kinds of custom resources (from the input's
	// CustomResourceDefinitions) to their resources and scope; built-in kinds need nothing.
	Resources []CustomResource
}

// CustomResource is what a CustomResourceDefinition says about its kind.
type CustomResource struct {
	Group, Kind, Plural string
	Namespaced          bool
}

// CustomResourceOf reads the names and scope of a CustomResourceDefinition (plain content);
// ok is false for any other object, or one without them.
func CustomResourceOf(o *inventory.Object) (CustomResource, bool) {
	if o.GVK.Group != "apiextensions.k8s.io" || o.GVK.Kind != "CustomResourceDefinition" || o.Content == nil {
		return CustomResource{}, false
	}
	spec, _ := o.Content["spec"].(map[string]any)
	names, _ := spec["names"].(map[string]any)
	group, _ := spec["group"].(string)
	kind, _ := names["kind"].(string)
	plural, _ := names["plural"].(string)
	scope, _ := spec["scope"].(string)
	if group == "" || kind == "" || plural == "" {
		return CustomResource{}, false
	}
	return CustomResource{Group: group, Kind: kind, Plural: plural, Namespaced: scope != "Cluster"}, true
}

// Set is the rules made of the policies of one input, and what their evaluation could not
// judge. Its rules report findings like every rule; its coverage notes are read with
// NotApplied once the evaluation has finished.
type Set struct {
	// Rules are one object rule per bound policy that compiled.
	Rules []rules.Rule
	// Errors are what made a policy or a binding unusable: the API server would refuse it (an
	// expression that does not compile, a required field missing).
	Errors []finding.ScanError

	opts     Options
	mapper   *resourceMapper
	mu       sync.Mutex
	notes    []finding.NotApplied
	noted    map[string]bool
	contexts map[*inventory.Inventory]*judgeContext
	// bound are the policies made rules; contents the objects' content they share.
	bound    []*policy
	contents sharedContents
}

// Compile reads the policies and bindings among objs (other objects are ignored) and makes a
// rule of every policy that has a binding. A policy without one is not enforced by the API
// server: it gives a coverage note, and so does a binding of a policy the input lacks.
func Compile(objs []*inventory.Object, opts Options) *Set {
	s := &Set{opts: opts, mapper: newResourceMapper(opts.Resources), noted: map[string]bool{}, contexts: map[*inventory.Inventory]*judgeContext{}}
	// The admission plugin's CEL environment, built once for all the policies
	// (validating.getCompositionEnvTemplateWithStrictCost).
	env := sync.OnceValue(func() *environment.EnvSet {
		return environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion())
	})
	var policies []*policy
	byName := map[string]*policy{}
	var bindings []*binding
	for _, o := range objs {
		if o.GVK.Group != Group {
			continue
		}
		switch o.GVK.Kind {
		case PolicyKind:
			p, errs := loadPolicy(o, env)
			s.Errors = append(s.Errors, errs...)
			if p == nil {
				continue
			}
			if byName[p.name] != nil {
				s.Errors = append(s.Errors, scanError(o, "", fmt.Sprintf("ValidatingAdmissionPolicy %s is defined twice in the input; the API server keeps one object of a name", p.name)))
				continue
			}
			byName[p.name] = p
			policies = append(policies, p)
		case BindingKind:
			b, errs := loadBinding(o)
			s.Errors = append(s.Errors, errs...)
			if b != nil {
				bindings = append(bindings, b)
			}
		}
	}
	for _, b := range bindings {
		p := byName[b.spec.Spec.PolicyName]
		if p == nil {
			s.note(RulePrefix+b.spec.Spec.PolicyName, "the ValidatingAdmissionPolicyBinding "+b.spec.Name+" binds the policy "+
				b.spec.Spec.PolicyName+", which is not in the input: what it would refuse is unknown")
			continue
		}
		p.bindings = append(p.bindings, b)
	}
	for _, p := range policies {
		switch {
		case p.broken:
			// its errors are reported; the API server would not have it
		case len(p.bindings) == 0:
			s.note(p.ruleID, "no ValidatingAdmissionPolicyBinding in the input binds the ValidatingAdmissionPolicy "+p.name+
				", and the API server enforces a policy only through a binding")
		case p.usesAuthorizer:
			s.note(p.ruleID, "the ValidatingAdmissionPolicy "+p.name+" asks the authorizer about the requesting user, "+
				"and a scan of manifests has no user to ask")
		default:
			slices.SortFunc(p.bindings, func(a, b *binding) int { return cmp.Compare(a.spec.Name, b.spec.Name) })
			r := s.rule(p)
			if err := r.Validate(); err != nil {
				// A name Kubernetes accepts that a rule ID cannot hold ("a--b").
				s.Errors = append(s.Errors, scanError(p.obj, "metadata.name", fmt.Sprintf(
					"ValidatingAdmissionPolicy %s: its name cannot name a rule (%v); rename the policy to judge with it", p.name, err)))
				continue
			}
			s.Rules = append(s.Rules, r)
			s.bound = append(s.bound, p)
		}
	}
	finding.SortErrors(s.Errors)
	return s
}

// Select keeps the rules selected (all when selected is nil), so that the policies of the
// rules left out are not waited for.
func (s *Set) Select(selected func(*rules.Rule) bool) {
	if selected == nil {
		return
	}
	var keptRules []rules.Rule
	var kept []*policy
	for i := range s.Rules {
		if selected(&s.Rules[i]) {
			keptRules = append(keptRules, s.Rules[i])
			kept = append(kept, s.bound[i])
		}
	}
	s.Rules, s.bound = keptRules, kept
}

// NotApplied returns the coverage notes: policies not enforced, and objects or bindings that
// could not be judged, with why. Call it once the evaluation of the rules has finished.
func (s *Set) NotApplied() []finding.NotApplied {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.notes)
	slices.SortFunc(out, func(a, b finding.NotApplied) int {
		return cmp.Or(slices.Compare(a.Rules, b.Rules), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}

// note records a coverage note once.
func (s *Set) note(ruleID, reason string, namespaces ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := ruleID + "\x00" + reason + "\x00" + strings.Join(namespaces, ",")
	if s.noted[key] {
		return
	}
	s.noted[key] = true
	if namespaces == nil {
		namespaces = []string{}
	}
	s.notes = append(s.notes, finding.NotApplied{Rules: []string{ruleID}, Namespaces: namespaces, Reason: reason})
}

// scanError is an error about a policy or binding object, located at path.
func scanError(o *inventory.Object, path, msg string) finding.ScanError {
	return finding.ScanError{Location: o.Locate(path), Object: o.Ref(), Message: msg}
}

// severityOf is the severity of the findings a policy's Deny bindings give.
func severityOf(p *admissionregistrationv1.ValidatingAdmissionPolicy) (finding.Severity, error) {
	text, ok := p.Annotations[SeverityAnnotation]
	if !ok {
		return finding.High, nil
	}
	sev, err := finding.ParseSeverity(text)
	if err != nil {
		return finding.High, fmt.Errorf("annotation %s: a string of %d bytes that is not a severity (critical, high, medium, low or info)", SeverityAnnotation, len(text))
	}
	return sev, nil
}
