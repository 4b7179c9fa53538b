package admissionpolicy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	"k8s.io/apiserver/pkg/cel/environment"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

// policy is one ValidatingAdmissionPolicy of the input, defaulted as the API server stores it
// and compiled as its admission plugin compiles it.
type policy struct {
	obj      *inventory.Object
	name     string
	ruleID   string
	spec     *admissionregistrationv1.ValidatingAdmissionPolicy
	severity finding.Severity
	// validator is the admission plugin's own evaluator of the policy.
	validator validating.Validator
	// broken is set when the API server would refuse the policy; its errors say why.
	broken bool
	// usesAuthorizer and readsNamespace say what the expressions read that a manifest does
	// not have: the authorizer, the namespace object.
	usesAuthorizer bool
	readsNamespace bool
	paramGVK       *schema.GroupVersionKind
	bindings       []*binding
}

// binding is one ValidatingAdmissionPolicyBinding of the input, defaulted.
type binding struct {
	obj  *inventory.Object
	spec *admissionregistrationv1.ValidatingAdmissionPolicyBinding
}

// servedVersions are the versions of the policy kinds read: v1, and v1beta1, whose fields
// are the same.
var servedVersions = []string{"v1", "v1beta1"}

// decodeInto fills out (a v1 policy or binding) from the object, whatever version it was
// written in: the versions read have the same fields.
func decodeInto(o *inventory.Object, out any) error {
	if !slices.Contains(servedVersions, o.GVK.Version) {
		return fmt.Errorf("%s %s is not served by the API server; write it as %s/v1", o.GVK.Version, o.GVK.Kind, Group)
	}
	var src any = o.Typed
	if o.Typed == nil {
		src = o.Content
	}
	if src == nil {
		return fmt.Errorf("the %s has no content left to read", o.GVK.Kind)
	}
	data, err := json.Marshal(src)
	if err != nil {
		return fmt.Errorf("encoding the %s: %w", o.GVK.Kind, err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("reading the %s as %s/v1: a document of %d bytes that does not fit its fields", o.GVK.Kind, Group, len(data))
	}
	return nil
}

var (
	authorizerReference = regexp.MustCompile(`\bauthorizer\b`)
	namespaceReference  = regexp.MustCompile(`\bnamespaceObject\b`)
)

// loadPolicy reads, defaults, checks and compiles one policy. It returns nil when the object
// cannot be read at all; a policy the API server would refuse is returned broken, with the
// errors saying why.
func loadPolicy(o *inventory.Object, env func() *environment.EnvSet) (*policy, []finding.ScanError) {
	spec := &admissionregistrationv1.ValidatingAdmissionPolicy{}
	if err := decodeInto(o, spec); err != nil {
		return nil, []finding.ScanError{scanError(o, "", "ValidatingAdmissionPolicy "+o.Name+": "+err.Error())}
	}
	defaultPolicy(spec)
	p := &policy{obj: o, name: spec.Name, ruleID: RulePrefix + spec.Name, spec: spec}
	var errs []finding.ScanError
	fail := func(path, msg string) {
		p.broken = true
		errs = append(errs, scanError(o, path, "ValidatingAdmissionPolicy "+p.name+": "+msg))
	}
	sev, err := severityOf(spec)
	if err != nil {
		fail("metadata.annotations["+SeverityAnnotation+"]", err.Error())
	}
	p.severity = sev
	for _, msg := range checkPolicy(spec) {
		fail(msg.path, msg.text)
	}
	if pk := spec.Spec.ParamKind; pk != nil {
		gv, err := schema.ParseGroupVersion(pk.APIVersion)
		if err != nil || pk.Kind == "" || gv.Version == "" {
			fail("spec.paramKind", "paramKind needs an apiVersion (group/version) and a kind")
		} else {
			gvk := gv.WithKind(pk.Kind)
			p.paramGVK = &gvk
		}
	}
	for _, e := range expressionsOf(spec) {
		if authorizerReference.MatchString(e.text) {
			p.usesAuthorizer = true
		}
		if namespaceReference.MatchString(e.text) {
			p.readsNamespace = true
		}
	}
	if m := spec.Spec.MatchConstraints; m != nil && !selectsEverything(m.NamespaceSelector) {
		p.readsNamespace = true
	}
	if p.broken {
		return p, errs
	}
	validator, compileErrs := compile(spec, env())
	for _, e := range compileErrs {
		fail(e.path, e.text)
	}
	p.validator = validator
	return p, errs
}

// selectsEverything reports whether a (defaulted) selector matches every label set.
func selectsEverything(s *metav1.LabelSelector) bool {
	return s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0)
}

// problem is what is wrong at a path of a policy or binding.
type problem struct{ path, text string }

// defaultPolicy sets the defaults the API server sets when it stores a policy
// (k8s.io/kubernetes pkg/apis/admissionregistration/v1/defaults.go).
func defaultPolicy(p *admissionregistrationv1.ValidatingAdmissionPolicy) {
	if p.Spec.FailurePolicy == nil {
		f := admissionregistrationv1.Fail
		p.Spec.FailurePolicy = &f
	}
	defaultMatchResources(p.Spec.MatchConstraints)
}

func defaultMatchResources(m *admissionregistrationv1.MatchResources) {
	if m == nil {
		return
	}
	if m.MatchPolicy == nil {
		e := admissionregistrationv1.Equivalent
		m.MatchPolicy = &e
	}
	if m.NamespaceSelector == nil {
		m.NamespaceSelector = &metav1.LabelSelector{}
	}
	if m.ObjectSelector == nil {
		m.ObjectSelector = &metav1.LabelSelector{}
	}
	for _, rs := range [][]admissionregistrationv1.NamedRuleWithOperations{m.ResourceRules, m.ExcludeResourceRules} {
		for i := range rs {
			if rs[i].Scope == nil {
				s := admissionregistrationv1.AllScopes
				rs[i].Scope = &s
			}
		}
	}
}

// checkPolicy reports what makes the API server refuse a policy, among what it checks.
func checkPolicy(p *admissionregistrationv1.ValidatingAdmissionPolicy) []problem {
	var out []problem
	m := p.Spec.MatchConstraints
	switch {
	case m == nil:
		out = append(out, problem{"spec", "spec.matchConstraints is required"})
	case len(m.ResourceRules) == 0:
		out = append(out, problem{"spec.matchConstraints", "spec.matchConstraints.resourceRules is required"})
	}
	if len(p.Spec.Validations) == 0 && len(p.Spec.AuditAnnotations) == 0 {
		out = append(out, problem{"spec", "a policy needs validations or auditAnnotations"})
	}
	if f := *p.Spec.FailurePolicy; f != admissionregistrationv1.Fail && f != admissionregistrationv1.Ignore {
		out = append(out, problem{"spec.failurePolicy", fmt.Sprintf("failurePolicy must be Fail or Ignore, not a string of %d bytes", len(f))})
	}
	if m != nil {
		for _, sel := range []struct {
			path string
			s    *metav1.LabelSelector
		}{{"spec.matchConstraints.namespaceSelector", m.NamespaceSelector}, {"spec.matchConstraints.objectSelector", m.ObjectSelector}} {
			if _, err := metav1.LabelSelectorAsSelector(sel.s); err != nil {
				out = append(out, problem{sel.path, "the selector is not valid: " + err.Error()})
			}
		}
	}
	return out
}

// expression is one CEL expression of a policy and where it is.
type expression struct {
	path, text string
}

// expressionsOf lists every CEL expression of a policy.
func expressionsOf(p *admissionregistrationv1.ValidatingAdmissionPolicy) []expression {
	var out []expression
	for i, v := range p.Spec.Variables {
		out = append(out, expression{fmt.Sprintf("spec.variables[%d].expression", i), v.Expression})
	}
	for i, c := range p.Spec.MatchConditions {
		out = append(out, expression{fmt.Sprintf("spec.matchConditions[%d].expression", i), c.Expression})
	}
	for i, v := range p.Spec.Validations {
		out = append(out, expression{fmt.Sprintf("spec.validations[%d].expression", i), v.Expression})
		if v.MessageExpression != "" {
			out = append(out, expression{fmt.Sprintf("spec.validations[%d].messageExpression", i), v.MessageExpression})
		}
	}
	for i, a := range p.Spec.AuditAnnotations {
		out = append(out, expression{fmt.Sprintf("spec.auditAnnotations[%d].valueExpression", i), a.ValueExpression})
	}
	return out
}

// compile compiles a policy exactly as the admission plugin does
// (k8s.io/apiserver/pkg/admission/plugin/policy/validating, compilePolicy), each expression
// once more on its own so that an error names the expression that has it.
func compile(p *admissionregistrationv1.ValidatingAdmissionPolicy, env *environment.EnvSet) (validating.Validator, []problem) {
	hasParams := p.Spec.ParamKind != nil
	vars := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: true}
	messageVars := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: false}
	mode := environment.StoredExpressions
	compiler, err := plugincel.NewCompositedCompiler(env)
	if err != nil {
		return nil, []problem{{"spec", "the CEL environment could not be built: " + err.Error()}}
	}
	var problems []problem
	check := func(path string, r plugincel.CompilationResult) {
		if r.Error != nil {
			problems = append(problems, problem{path, path + " does not compile: " + compilerMessage(r.Error.Detail)})
		}
	}
	for i, v := range p.Spec.Variables {
		check(fmt.Sprintf("spec.variables[%d].expression", i),
			compiler.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, vars, mode))
	}
	matchConditions := make([]plugincel.ExpressionAccessor, len(p.Spec.MatchConditions))
	for i := range p.Spec.MatchConditions {
		matchConditions[i] = (*matchconditions.MatchCondition)(&p.Spec.MatchConditions[i])
		check(fmt.Sprintf("spec.matchConditions[%d].expression", i), compiler.CompileCELExpression(matchConditions[i], vars, mode))
	}
	validations := make([]plugincel.ExpressionAccessor, len(p.Spec.Validations))
	messages := make([]plugincel.ExpressionAccessor, len(p.Spec.Validations))
	for i, v := range p.Spec.Validations {
		validations[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
		check(fmt.Sprintf("spec.validations[%d].expression", i), compiler.CompileCELExpression(validations[i], vars, mode))
		if v.MessageExpression != "" {
			messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
			check(fmt.Sprintf("spec.validations[%d].messageExpression", i), compiler.CompileCELExpression(messages[i], messageVars, mode))
		}
	}
	audits := make([]plugincel.ExpressionAccessor, len(p.Spec.AuditAnnotations))
	for i, a := range p.Spec.AuditAnnotations {
		audits[i] = &validating.AuditAnnotationCondition{Key: a.Key, ValueExpression: a.ValueExpression}
		check(fmt.Sprintf("spec.auditAnnotations[%d].valueExpression", i), compiler.CompileCELExpression(audits[i], vars, mode))
	}
	if len(problems) > 0 {
		return nil, problems
	}
	var matcher matchconditions.Matcher
	if len(matchConditions) > 0 {
		matcher = matchconditions.NewMatcher(compiler.CompileCondition(matchConditions, vars, mode), p.Spec.FailurePolicy, "policy", "validate", p.Name)
	}
	return validating.NewValidator(
		compiler.CompileCondition(validations, vars, mode),
		matcher,
		compiler.CompileCondition(audits, vars, mode),
		compiler.CompileCondition(messages, messageVars, mode),
		p.Spec.FailurePolicy,
		nil,
	), nil
}

// compilerMessage keeps the compiler's first error in its own words, and drops the lines in
// which it quotes the expression back with a caret: the error names the expression by its
// path, and the line and column are in the message. The errors after the first mostly follow
// from it; they are counted.
func compilerMessage(detail string) string {
	var errs []string
	for line := range strings.SplitSeq(detail, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "|") {
			continue
		}
		errs = append(errs, t)
	}
	if len(errs) == 0 {
		return "no message"
	}
	first := strings.TrimPrefix(errs[0], "compilation failed: ")
	switch n := strings.Count(detail, "ERROR: ") - 1; {
	case n == 1:
		first += " (and 1 more error)"
	case n > 1:
		first += fmt.Sprintf(" (and %d more errors)", n)
	}
	return first
}

// loadBinding reads, defaults and checks one binding; nil when the API server would refuse it.
func loadBinding(o *inventory.Object) (*binding, []finding.ScanError) {
	spec := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
	if err := decodeInto(o, spec); err != nil {
		return nil, []finding.ScanError{scanError(o, "", "ValidatingAdmissionPolicyBinding "+o.Name+": "+err.Error())}
	}
	defaultMatchResources(spec.Spec.MatchResources)
	var errs []finding.ScanError
	for _, pr := range checkBinding(spec) {
		errs = append(errs, scanError(o, pr.path, "ValidatingAdmissionPolicyBinding "+spec.Name+": "+pr.text))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &binding{obj: o, spec: spec}, nil
}

// checkBinding reports what makes the API server refuse a binding, among what it checks.
func checkBinding(b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) []problem {
	var out []problem
	if b.Spec.PolicyName == "" {
		out = append(out, problem{"spec", "spec.policyName is required"})
	}
	actions := b.Spec.ValidationActions
	if len(actions) == 0 {
		out = append(out, problem{"spec", "spec.validationActions is required"})
	}
	for i, a := range actions {
		if a != admissionregistrationv1.Deny && a != admissionregistrationv1.Warn && a != admissionregistrationv1.Audit {
			out = append(out, problem{fmt.Sprintf("spec.validationActions[%d]", i), fmt.Sprintf("a validation action is Deny, Warn or Audit, not a string of %d bytes", len(a))})
		}
		if slices.Index(actions, a) != i {
			out = append(out, problem{fmt.Sprintf("spec.validationActions[%d]", i), "validation action " + string(a) + " is given twice"})
		}
	}
	if slices.Contains(actions, admissionregistrationv1.Deny) && slices.Contains(actions, admissionregistrationv1.Warn) {
		out = append(out, problem{"spec.validationActions", "Deny and Warn cannot be used together"})
	}
	if r := b.Spec.ParamRef; r != nil {
		if (r.Name == "") == (r.Selector == nil) {
			out = append(out, problem{"spec.paramRef", "paramRef needs exactly one of name and selector"})
		}
		// Required in v1: the API server has no default for it (checked on v1.37).
		if r.ParameterNotFoundAction == nil {
			out = append(out, problem{"spec.paramRef", "spec.paramRef.parameterNotFoundAction is required"})
		} else if a := *r.ParameterNotFoundAction; a != admissionregistrationv1.DenyAction && a != admissionregistrationv1.AllowAction {
			out = append(out, problem{"spec.paramRef.parameterNotFoundAction", "parameterNotFoundAction is Allow or Deny"})
		}
	}
	if m := b.Spec.MatchResources; m != nil {
		for _, sel := range []*metav1.LabelSelector{m.NamespaceSelector, m.ObjectSelector} {
			if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
				out = append(out, problem{"spec.matchResources", "a selector is not valid: " + err.Error()})
			}
		}
	}
	return out
}
