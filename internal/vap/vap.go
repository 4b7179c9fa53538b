// Package vap writes the rules of the catalog that CEL can express exactly (rules.Rule.CEL) as
// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicies and their bindings, so that a
// cluster's API server enforces them without a webhook. It owns the shape of those objects:
// what they match (every workload kind, at the path its pod spec has), the variables the
// rules' expressions read, the names, the binding's actions and namespaces. It judges
// nothing itself and must not read inputs, flags or the cluster.
package vap

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/rules"
)

// Actions a binding can take on an object that fails a rule (ValidatingAdmissionPolicyBinding
// validationActions).
const (
	Deny  = admissionregistrationv1.Deny
	Warn  = admissionregistrationv1.Warn
	Audit = admissionregistrationv1.Audit
)

// Labels and annotations of the generated objects.
const (
	// ManagedByLabel marks the objects as Palisade's (app.kubernetes.io/managed-by).
	ManagedByLabel = "app.kubernetes.io/managed-by"
	managedBy      = "palisade"
	// RuleAnnotation names the rule a policy or binding enforces. Its domain is not
	// palisade.dev/, whose annotations on an object are exemptions (palisade.dev/ignore).
	RuleAnnotation = "policy.palisade.dev/rule"
	// SeverityLabel is the rule's severity, so that bindings can be selected by it.
	SeverityLabel = "policy.palisade.dev/severity"
)

// Options choose how the bindings enforce the policies.
type Options struct {
	// Action is what a binding does with an object that fails: Deny (the default), Warn or
	// Audit.
	Action admissionregistrationv1.ValidationAction
	// NamespaceSelector chooses the namespaces the bindings apply to; nil means every
	// namespace but kube-system (DefaultNamespaceSelector).
	NamespaceSelector *metav1.LabelSelector
}

// DefaultNamespaceSelector selects every namespace but kube-system, by the label the API server
// sets on every namespace (kubernetes.io/metadata.name, GA in v1.22).
func DefaultNamespaceSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system"},
	}}}
}

// Enforceable reports whether a ValidatingAdmissionPolicy can enforce the rule: it has CEL
// and is a pod rule (the only scope whose objects the policies here match).
func Enforceable(r *rules.Rule) bool {
	return len(r.CEL) > 0 && r.Scope == rules.ScopePod
}

// Pair is one rule's policy and the binding that puts it in force.
type Pair struct {
	Rule    *rules.Rule
	Policy  *admissionregistrationv1.ValidatingAdmissionPolicy
	Binding *admissionregistrationv1.ValidatingAdmissionPolicyBinding
}

// Generate makes a policy and a binding for every rule of rs that is Enforceable, in rule ID
// order; the others are left out (Enforceable says which).
func Generate(rs []*rules.Rule, opts Options) ([]Pair, error) {
	action := opts.Action
	if action == "" {
		action = Deny
	}
	switch action {
	case Deny, Warn, Audit:
	default:
		return nil, fmt.Errorf("validation action %q: want Deny, Warn or Audit", action)
	}
	selector := opts.NamespaceSelector
	if selector == nil {
		selector = DefaultNamespaceSelector()
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b *rules.Rule) int { return strings.Compare(a.ID, b.ID) })
	var out []Pair
	for _, r := range sorted {
		if !Enforceable(r) {
			continue
		}
		out = append(out, Pair{Rule: r, Policy: Policy(r), Binding: binding(r, action, selector)})
	}
	return out, nil
}

// Name is the name of a rule's policy and binding: "palisade-" and the rule ID with its slash
// made a dash (pod/run-as-non-root gives palisade-pod-run-as-non-root).
func Name(ruleID string) string { return "palisade-" + strings.ReplaceAll(ruleID, "/", "-") }

func objectMeta(r *rules.Rule) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:        Name(r.ID),
		Labels:      map[string]string{ManagedByLabel: managedBy, SeverityLabel: r.Severity.String()},
		Annotations: map[string]string{RuleAnnotation: r.ID},
	}
}

// Policy is the ValidatingAdmissionPolicy of a pod rule with CEL.
func Policy(r *rules.Rule) *admissionregistrationv1.ValidatingAdmissionPolicy {
	fail := admissionregistrationv1.Fail
	equivalent := admissionregistrationv1.Equivalent
	forbidden := metav1.StatusReasonForbidden
	message := fmt.Sprintf("%s (%s): %s. %s", r.ID, r.Severity, r.Title, r.Remedy)
	validations := make([]admissionregistrationv1.Validation, 0, len(r.CEL))
	for _, c := range r.CEL {
		v := admissionregistrationv1.Validation{Expression: c.Expression, Message: message, Reason: &forbidden}
		if c.MessageExpression != "" {
			// The message expression names what failed; the rule ID leads, so that the
			// API server's answer names the rule either way.
			v.MessageExpression = fmt.Sprintf("%q + (%s) + %q", r.ID+" ("+r.Severity.String()+"): "+r.Title+": ", c.MessageExpression, ". "+r.Remedy)
		}
		validations = append(validations, v)
	}
	return &admissionregistrationv1.ValidatingAdmissionPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: objectMeta(r),
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{
				MatchPolicy:   &equivalent,
				ResourceRules: workloadRules(),
			},
			Variables:   podVariables(),
			Validations: validations,
		},
	}
}

func binding(r *rules.Rule, action admissionregistrationv1.ValidationAction, selector *metav1.LabelSelector) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: objectMeta(r),
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        Name(r.ID),
			ValidationActions: []admissionregistrationv1.ValidationAction{action},
			MatchResources:    &admissionregistrationv1.MatchResources{NamespaceSelector: selector.DeepCopy()},
		},
	}
}

// WorkloadKinds are the kinds whose pods the policies judge, with the resource each is served
// as. Pods are judged on their ephemeralcontainers subresource too, the only way ephemeral
// containers are added.
var workloadResources = []struct {
	group     string
	resources []string
}{
	{"", []string{"pods", "pods/ephemeralcontainers", "replicationcontrollers"}},
	{"apps", []string{"daemonsets", "deployments", "replicasets", "statefulsets"}},
	{"batch", []string{"cronjobs", "jobs"}},
}

func workloadRules() []admissionregistrationv1.NamedRuleWithOperations {
	out := make([]admissionregistrationv1.NamedRuleWithOperations, 0, len(workloadResources))
	for _, w := range workloadResources {
		out = append(out, admissionregistrationv1.NamedRuleWithOperations{
			RuleWithOperations: admissionregistrationv1.RuleWithOperations{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule: admissionregistrationv1.Rule{
					APIGroups:   []string{w.group},
					APIVersions: []string{"v1"},
					Resources:   slices.Clone(w.resources),
				},
			},
		})
	}
	return out
}

// podVariables are the variables rules.CELCheck names. The pod spec is at spec in a Pod, at
// spec.jobTemplate.spec.template.spec in a CronJob and at spec.template.spec in the other
// workload kinds (inventory.PodTemplateOf). object is read through dyn() because a policy that
// matches several kinds is type-checked against each: the branch of another kind would not
// type-check, though it never runs.
func podVariables() []admissionregistrationv1.Variable {
	return []admissionregistrationv1.Variable{
		{Name: "spec", Expression: "object.kind == 'Pod' ? dyn(object).spec : " +
			"object.kind == 'CronJob' ? dyn(object).spec.jobTemplate.spec.template.spec : dyn(object).spec.template.spec"},
		{Name: "podSecurityContext", Expression: "variables.spec.?securityContext.orValue({})"},
		{Name: "containers", Expression: "variables.spec.?initContainers.orValue([]) + variables.spec.?containers.orValue([]) + " +
			"variables.spec.?ephemeralContainers.orValue([])"},
		{Name: "windows", Expression: "variables.spec.?os.?name.orValue('') == 'windows'"},
	}
}

// Write writes the policies and bindings as YAML, one document per object, each policy
// followed by its binding, keys in order, without the empty status and creation time that
// the API types would write.
func Write(w io.Writer, pairs []Pair) error {
	var buf bytes.Buffer
	for _, p := range pairs {
		for _, obj := range []runtime.Object{p.Policy, p.Binding} {
			content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
			if err != nil {
				return fmt.Errorf("converting the %s of %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, p.Rule.ID, err)
			}
			delete(content, "status")
			unstructured.RemoveNestedField(content, "metadata", "creationTimestamp")
			data, err := yaml.Marshal(content)
			if err != nil {
				return fmt.Errorf("encoding the %s of %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, p.Rule.ID, err)
			}
			buf.WriteString("---\n")
			buf.Write(data)
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}
