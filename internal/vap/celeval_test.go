package vap_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/cel/environment"

	"palisade.dev/palisade/internal/inventory"
)

// compiledPolicy is a ValidatingAdmissionPolicy compiled as the API server's validating
// admission policy plugin compiles it (compilePolicy in
// k8s.io/apiserver/pkg/admission/plugin/policy/validating/plugin.go): the same environment,
// variables, validations and message expressions.
type compiledPolicy struct {
	name      string
	validator validating.Validator
}

func compilePolicy(p *admissionregistrationv1.ValidatingAdmissionPolicy) (*compiledPolicy, error) {
	envSet := environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion())
	compiler, err := plugincel.NewCompositedCompiler(envSet)
	if err != nil {
		return nil, err
	}
	withAuthorizer := plugincel.OptionalVariableDeclarations{HasAuthorizer: true}
	without := plugincel.OptionalVariableDeclarations{}
	vars := make([]plugincel.NamedExpressionAccessor, len(p.Spec.Variables))
	for i, v := range p.Spec.Variables {
		vars[i] = &validating.Variable{Name: v.Name, Expression: v.Expression}
	}
	compiler.CompileAndStoreVariables(vars, withAuthorizer, environment.StoredExpressions)
	validations := make([]plugincel.ExpressionAccessor, len(p.Spec.Validations))
	messages := make([]plugincel.ExpressionAccessor, len(p.Spec.Validations))
	for i, v := range p.Spec.Validations {
		validations[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
		if v.MessageExpression != "" {
			messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
		}
	}
	validator := validating.NewValidator(
		compiler.CompileCondition(validations, withAuthorizer, environment.StoredExpressions),
		nil,
		compiler.CompileCondition(nil, withAuthorizer, environment.StoredExpressions),
		compiler.CompileCondition(messages, without, environment.StoredExpressions),
		p.Spec.FailurePolicy,
		nil,
	)
	var errs []error
	for i, v := range p.Spec.Validations {
		if err := compileOne(compiler, &validating.ValidationCondition{Expression: v.Expression}, i); err != nil {
			errs = append(errs, err)
		}
		if v.MessageExpression != "" {
			if err := compileOne(compiler, &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}, i); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return &compiledPolicy{name: p.Name, validator: validator}, errors.Join(errs...)
}

// compileOne reports a compile error of one expression (the validator itself only reports one
// at evaluation time, as an error decision).
func compileOne(compiler *plugincel.CompositedCompiler, expr plugincel.ExpressionAccessor, i int) error {
	ev := compiler.CompileCondition([]plugincel.ExpressionAccessor{expr},
		plugincel.OptionalVariableDeclarations{HasAuthorizer: true}, environment.StoredExpressions)
	type compileErrors interface{ CompilationErrors() []error }
	if ce, ok := ev.(compileErrors); ok {
		if errs := ce.CompilationErrors(); len(errs) > 0 {
			return fmt.Errorf("validation %d: %w", i, errors.Join(errs...))
		}
	}
	return nil
}

// verdict is what a policy decided about one object.
type verdict struct {
	denied   bool
	messages []string
	// errors are evaluation errors; with failurePolicy Fail the API server refuses the object
	// for them, but a generated policy must never have any.
	errors []string
	cost   int64
}

// resources are the resources the policies match, by kind.
var resources = map[string]schema.GroupVersionResource{
	"Pod":                   {Version: "v1", Resource: "pods"},
	"ReplicationController": {Version: "v1", Resource: "replicationcontrollers"},
	"Deployment":            {Group: "apps", Version: "v1", Resource: "deployments"},
	"StatefulSet":           {Group: "apps", Version: "v1", Resource: "statefulsets"},
	"DaemonSet":             {Group: "apps", Version: "v1", Resource: "daemonsets"},
	"ReplicaSet":            {Group: "apps", Version: "v1", Resource: "replicasets"},
	"Job":                   {Group: "batch", Version: "v1", Resource: "jobs"},
	"CronJob":               {Group: "batch", Version: "v1", Resource: "cronjobs"},
}

// admissionObject is the object as a policy sees it: the typed value as plain data, with its
// kind and the API version of the resource the policies match.
func admissionObject(o *inventory.Object) (*unstructured.Unstructured, schema.GroupVersionResource, bool) {
	gvr, ok := resources[o.GVK.Kind]
	if !ok || o.Typed == nil {
		return nil, gvr, false
	}
	if _, ok := inventory.PodTemplateOf(o); !ok {
		return nil, gvr, false
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.Typed)
	if err != nil {
		return nil, gvr, false
	}
	u := &unstructured.Unstructured{Object: content}
	u.SetAPIVersion(gvr.GroupVersion().String())
	u.SetKind(o.GVK.Kind)
	return u, gvr, true
}

func (p *compiledPolicy) evaluate(ctx context.Context, obj *unstructured.Unstructured, gvr schema.GroupVersionResource) verdict {
	gvk := obj.GroupVersionKind()
	attrs := admission.NewAttributesRecord(obj, nil, gvk, obj.GetNamespace(), obj.GetName(), gvr, "",
		admission.Create, nil, true, &user.DefaultInfo{Name: "tester"})
	versioned := &admission.VersionedAttributes{Attributes: attrs, VersionedKind: gvk, VersionedObject: admission.NewLazyObject(obj)}
	res := p.validator.Validate(ctx, gvr, versioned, nil, nil, celconfig.RuntimeCELCostBudget, nil)
	var v verdict
	for _, d := range res.Decisions {
		switch d.Evaluation {
		case validating.EvalDeny:
			v.denied = true
			v.messages = append(v.messages, d.Message)
		case validating.EvalError:
			v.errors = append(v.errors, d.Message)
		}
	}
	return v
}

func (v verdict) String() string {
	switch {
	case len(v.errors) > 0:
		return "error: " + strings.Join(v.errors, "; ")
	case v.denied:
		return "denied: " + strings.Join(v.messages, "; ")
	}
	return "admitted"
}

type admissionInput struct {
	obj *unstructured.Unstructured
	gvr schema.GroupVersionResource
}
