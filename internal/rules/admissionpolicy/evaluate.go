package admissionpolicy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/policy/generic"
	"k8s.io/apiserver/pkg/admission/plugin/policy/matching"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	webhookrules "k8s.io/apiserver/pkg/admission/plugin/webhook/predicates/rules"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/kubernetes/scheme"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// rule makes the dynamic rule of a bound policy. It judges each object as it is read only as
// far as the object alone decides (do the policy's resource rules name its resource?), keeps
// the object's content if they do, and judges it once the input is complete: the namespaces
// and params the policy reads may come later in the input.
func (s *Set) rule(p *policy) rules.Rule {
	reads := []string{"Namespace"}
	if p.paramGVK != nil && p.paramGVK.Kind != "Namespace" {
		reads = append(reads, p.paramGVK.Kind)
	}
	names := make([]string, len(p.bindings))
	for i, b := range p.bindings {
		names[i] = b.spec.Name
	}
	return rules.Rule{
		ID:       p.ruleID,
		Title:    "ValidatingAdmissionPolicy " + p.name + " refuses the object",
		Severity: p.severity,
		Area:     rules.AreaGeneral,
		Scope:    rules.ScopeObject,
		Kinds:    []string{"*"},
		Description: "The ValidatingAdmissionPolicy " + p.name + " of the input, bound by " + strings.Join(names, ", ") +
			", judged by the API server's own CEL evaluation as a CREATE of each object of the input would be. " +
			"A binding's Deny action gives findings at the policy's severity, Warn at medium, Audit at info.",
		Remedy: "Change the object so that the policy's validations hold, or the policy or its binding if they are wrong.",
		Reads:  reads,
		Object: func(ctx *rules.ObjectContext) []rules.Violation {
			t, ok := s.target(p, ctx.Object)
			if !ok {
				return nil
			}
			defer s.contents.done(ctx.Object)
			if s.opts.Input != nil && p.paramGVK == nil {
				// The namespaces are known from the first reading of the input, and the
				// policy reads no params: judged now, nothing kept.
				return s.judge(s.opts.Input, nil, p, t)
			}
			// A policy's verdict is on the object as a whole: it is located at the object.
			ctx.Defer(func(inv *inventory.Inventory) []rules.Violation {
				namespaces := s.opts.Input
				if namespaces == nil {
					namespaces = inv
				}
				return s.judge(namespaces, inv, p, t)
			}, "")
			return nil
		},
	}
}

// target is an object a policy's resource rules name, as the API server would see it in the
// request to create it.
type target struct {
	obj        *inventory.Object
	content    *unstructured.Unstructured
	resource   schema.GroupVersionResource
	namespace  string // the request's namespace: the object's, or a Namespace's own name
	namespaced bool
	attr       admission.Attributes // without the object, for matching resource rules
}

// target keeps what the judgement of o needs, when the policy's resource rules name its
// resource; ok is false when they do not, or o is a kind admission policies never judge.
// The object's content, converted once for all the policies that judge it, is shared.
func (s *Set) target(p *policy, o *inventory.Object) (*target, bool) {
	t, ok := s.request(o)
	if !ok || !p.names(t) {
		return nil, false
	}
	content, err := s.contents.get(o, func() (*unstructured.Unstructured, error) {
		return requestObject(o, t.namespace, t.namespaced)
	}, s.policiesNaming(t))
	if err != nil {
		s.contents.done(o)
		s.note(p.ruleID, fmt.Sprintf("%s %s could not be judged: %v", o.GVK.Kind, objectName(o), err))
		return nil, false
	}
	t.content = content
	return t, true
}

// request is the request to create o, without its content; ok is false for kinds admission
// policies never judge.
func (s *Set) request(o *inventory.Object) (*target, bool) {
	// The API server never sends admission configuration to admission policies
	// (generic.Plugin's excluded resources), so that a policy cannot lock itself in.
	if o.GVK.Group == Group {
		return nil, false
	}
	resource, namespaced := s.mapper.resourceFor(o.GVK)
	t := &target{obj: o, resource: resource, namespaced: namespaced}
	if namespaced {
		t.namespace = o.Namespace
	}
	if o.GVK.Group == "" && o.GVK.Kind == "Namespace" {
		t.namespace = o.Name // as the API server sets it for a Namespace
	}
	t.attr = admission.NewAttributesRecord(nil, nil, o.GVK, t.namespace, o.Name, resource, "", admission.Create, nil, false, nil)
	return t, true
}

// names reports whether the policy's resource rules name the request's resource.
func (p *policy) names(t *target) bool {
	for _, r := range p.spec.Spec.MatchConstraints.ResourceRules {
		if (&webhookrules.Matcher{Rule: r.RuleWithOperations, Attr: t.attr}).Matches() {
			return true
		}
	}
	return false
}

// policiesNaming counts the bound policies whose resource rules name the request's resource:
// each of them asks for the object's content once.
func (s *Set) policiesNaming(t *target) int {
	n := 0
	for _, p := range s.bound {
		if p.names(t) {
			n++
		}
	}
	return n
}

// sharedContents holds the content of objects while the policies that judge them ask for it,
// so that an object is converted once however many policies judge it.
type sharedContents struct {
	mu      sync.Mutex
	entries map[*inventory.Object]*sharedContent
}

type sharedContent struct {
	content *unstructured.Unstructured
	err     error
	left    int
}

// get returns the content of o, made by make the first time; users is how many will ask.
func (c *sharedContents) get(o *inventory.Object, make func() (*unstructured.Unstructured, error), users int) (*unstructured.Unstructured, error) {
	c.mu.Lock()
	e := c.entries[o]
	if e == nil {
		e = &sharedContent{left: users}
		e.content, e.err = make()
		if users > 1 {
			if c.entries == nil {
				c.entries = map[*inventory.Object]*sharedContent{}
			}
			c.entries[o] = e
		}
	}
	c.mu.Unlock()
	return e.content, e.err
}

// done says one user of o's content has it; the last one lets it go.
func (c *sharedContents) done(o *inventory.Object) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[o]; e != nil {
		if e.left--; e.left <= 0 {
			delete(c.entries, o)
		}
	}
}

// requestObject is the object as the API server hands it to admission: plain data with its
// apiVersion, kind and namespace set.
func requestObject(o *inventory.Object, namespace string, namespaced bool) (*unstructured.Unstructured, error) {
	var m map[string]any
	switch {
	case o.Typed != nil:
		var err error
		if m, err = runtime.DefaultUnstructuredConverter.ToUnstructured(withDefaults(o.Typed)); err != nil {
			return nil, fmt.Errorf("converting the %T to plain data: %w", o.Typed, err)
		}
	case o.Content != nil:
		m = maps.Clone(o.Content)
		if meta, ok := m["metadata"].(map[string]any); ok {
			m["metadata"] = maps.Clone(meta)
		}
	default:
		return nil, errors.New("its content was released before it was judged")
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion(o.GVK.GroupVersion().String())
	u.SetKind(o.GVK.Kind)
	if namespaced && namespace != "" {
		u.SetNamespace(namespace)
	}
	return u, nil
}

func objectName(o *inventory.Object) string {
	if o.Namespace != "" {
		return o.Namespace + "/" + o.Name
	}
	return o.Name
}

// judgeContext is what the judgements over one complete inventory share: its namespaces, as
// the API server's namespace lister would give them, the matcher over them, and the params
// converted.
type judgeContext struct {
	mu        sync.Mutex
	inv       *inventory.Inventory
	indexer   cache.Indexer
	matcher   generic.PolicyMatcher
	undefined map[string]bool
	params    map[*inventory.Object]runtime.Object
}

func (s *Set) contextFor(inv *inventory.Inventory) *judgeContext {
	if inv == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if jc := s.contexts[inv]; jc != nil {
		return jc
	}
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	jc := &judgeContext{
		inv:       inv,
		indexer:   indexer,
		matcher:   generic.NewPolicyMatcher(matching.NewMatcher(listersv1.NewNamespaceLister(indexer), nil)),
		undefined: map[string]bool{},
		params:    map[*inventory.Object]runtime.Object{},
	}
	for _, ns := range inv.Namespaces() {
		jc.namespace(ns)
	}
	s.contexts[inv] = jc
	return jc
}

// namespace returns the namespace as the API server would have it: the input's Namespace
// object (its labels and annotations), or one with no labels of its own when the input does
// not define it. The API server labels every namespace with its name
// (kubernetes.io/metadata.name).
func (jc *judgeContext) namespace(name string) (ns *corev1.Namespace, defined bool) {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	if v, ok, _ := jc.indexer.GetByKey(name); ok {
		return v.(*corev1.Namespace), !jc.undefined[name]
	}
	ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if o := jc.inv.Get("Namespace", "", name); o != nil {
		maps.Copy(ns.Labels, o.Labels)
		ns.Annotations = maps.Clone(o.Annotations)
	} else {
		jc.undefined[name] = true
	}
	ns.Labels[corev1.LabelMetadataName] = name
	_ = jc.indexer.Add(ns)
	return ns, !jc.undefined[name]
}

// objectInterfaces are the scheme's, as the API server's; no resource has an equivalent in
// another group or version among the kinds a manifest holds.
var objectInterfaces = admission.NewObjectInterfacesFromScheme(scheme.Scheme)

// judge evaluates a policy on one object once the input is complete, as the API server's
// validating admission policy dispatcher does (k8s.io/apiserver/pkg/admission/plugin/policy/
// validating, dispatcher.Dispatch), and returns what it would refuse, warn about or audit.
//
// The namespaces are read from namespaces, the params from params (nil when the policy has
// none): both are the complete input.
func (s *Set) judge(namespaces, params *inventory.Inventory, p *policy, t *target) []rules.Violation {
	jc := s.contextFor(namespaces)
	o := t.obj
	var ns *corev1.Namespace
	if t.namespace != "" {
		var defined bool
		ns, defined = jc.namespace(t.namespace)
		if !defined && !s.opts.NamespacesComplete && s.readsNamespace(p) {
			s.note(p.ruleID, "the policy or its bindings read the labels of namespaces the input does not define (no Namespace object), "+
				"so what the cluster has there is unknown; pass --namespaces-complete to judge them from the input alone", t.namespace)
			return nil
		}
		if o.GVK.Group == "" && o.GVK.Kind == "Namespace" {
			ns = nil // the dispatcher gives no namespace object for a Namespace
		}
	}
	attr := admission.NewAttributesRecord(t.content, nil, o.GVK, t.namespace, o.Name, t.resource, "", admission.Create,
		&metav1.CreateOptions{}, false, &user.DefaultInfo{})
	matches, matchResource, matchKind, err := jc.matcher.DefinitionMatches(attr, objectInterfaces, validating.NewValidatingAdmissionPolicyAccessor(p.spec))
	if err != nil {
		return s.configError(p, nil, o, err)
	}
	if !matches {
		return nil
	}
	var out []rules.Violation
	for _, b := range p.bindings {
		matches, err := jc.matcher.BindingMatches(attr, objectInterfaces, validating.NewValidatingAdmissionPolicyBindingAccessor(b.spec))
		if err != nil {
			out = append(out, s.configError(p, b, o, err)...)
			continue
		}
		if !matches {
			continue
		}
		params, err := s.collectParams(s.contextFor(params), p, b, t.namespace)
		if err != nil {
			out = append(out, s.configError(p, b, o, err)...)
			continue
		}
		if len(params) == 0 {
			s.note(p.ruleID, "the ValidatingAdmissionPolicyBinding "+b.spec.Name+" finds no params in the input for "+
				objectName(o)+", and its parameterNotFoundAction Allow admits the object unjudged")
			continue
		}
		versioned := &admission.VersionedAttributes{Attributes: attr, VersionedKind: matchKind, VersionedObject: admission.NewLazyObject(t.content)}
		for _, param := range params {
			res := p.validator.Validate(context.Background(), matchResource, versioned, param, ns, celconfig.RuntimeCELCostBudget, nil)
			out = append(out, s.decisions(p, b, o, res)...)
		}
	}
	return out
}

// readsNamespace reports whether the policy or one of its bindings reads a namespace's labels.
func (s *Set) readsNamespace(p *policy) bool {
	if p.readsNamespace {
		return true
	}
	for _, b := range p.bindings {
		if m := b.spec.Spec.MatchResources; m != nil && !selectsEverything(m.NamespaceSelector) {
			return true
		}
	}
	return false
}

// decisions turns the validator's decisions into violations, through the binding's
// validation actions, as the dispatcher does.
func (s *Set) decisions(p *policy, b *binding, o *inventory.Object, res validating.ValidateResult) []rules.Violation {
	var out []rules.Violation
	for i, d := range res.Decisions {
		var path, which string
		if len(res.Decisions) == len(p.spec.Spec.Validations) {
			which = fmt.Sprintf("spec.validations[%d]", i)
		}
		switch d.Action {
		case validating.ActionAdmit:
			if d.Evaluation == validating.EvalError {
				s.note(p.ruleID, fmt.Sprintf("the policy could not be evaluated on %s %s (%s), and its failurePolicy Ignore admits it unjudged",
					o.GVK.Kind, objectName(o), oneLine(d.Message)))
			}
		case validating.ActionDeny:
			msg := d.Message
			if d.Evaluation == validating.EvalError {
				msg = "the policy could not be evaluated (" + oneLine(d.Message) + "), and its failurePolicy Fail refuses the object"
			}
			if v, ok := actionViolation(p, b, msg, path, which); ok {
				out = append(out, v)
			}
		}
	}
	for _, a := range res.AuditAnnotations {
		if a.Action == validating.AuditAnnotationActionError {
			// The dispatcher refuses on an audit annotation that fails under failurePolicy
			// Fail, whatever the binding's actions.
			out = append(out, deny(p, b, "an audit annotation could not be evaluated ("+oneLine(a.Error)+"), and the failurePolicy Fail refuses the object", ""))
		}
	}
	return out
}

// actionViolation is the finding of one failed validation under a binding's actions: Deny
// refuses (the policy's severity), Warn warns (medium), Audit records (info); the strongest
// action gives the severity.
func actionViolation(p *policy, b *binding, msg, path, which string) (rules.Violation, bool) {
	actions := b.spec.Spec.ValidationActions
	has := func(a admissionregistrationv1.ValidationAction) bool {
		for _, x := range actions {
			if x == a {
				return true
			}
		}
		return false
	}
	evidence := fmt.Sprintf("binding %s, validationActions %v", b.spec.Name, actions)
	if which != "" {
		evidence += ", " + which
	}
	var v rules.Violation
	switch {
	case has(admissionregistrationv1.Deny):
		v = deny(p, b, msg, path)
	case has(admissionregistrationv1.Warn):
		sev := finding.Medium
		v = rules.Violation{Path: path, Severity: &sev,
			Message: fmt.Sprintf("Validation failed for ValidatingAdmissionPolicy '%s' with binding '%s': %s", p.name, b.spec.Name, msg)}
	case has(admissionregistrationv1.Audit):
		sev := finding.Info
		v = rules.Violation{Path: path, Severity: &sev,
			Message: fmt.Sprintf("ValidatingAdmissionPolicy '%s' with binding '%s' would record in the audit log: %s", p.name, b.spec.Name, msg)}
	default:
		return v, false
	}
	v.Evidence = evidence
	return v, true
}

// deny is a refusal, worded as the API server words it.
func deny(p *policy, b *binding, msg, path string) rules.Violation {
	sev := p.severity
	text := fmt.Sprintf("ValidatingAdmissionPolicy '%s' denied request: %s", p.name, msg)
	if b != nil {
		text = fmt.Sprintf("ValidatingAdmissionPolicy '%s' with binding '%s' denied request: %s", p.name, b.spec.Name, msg)
	}
	return rules.Violation{Path: path, Severity: &sev, Message: text}
}

// configError is what the dispatcher does with a policy or binding it cannot apply to a
// request: refuse under failurePolicy Fail, admit under Ignore (which is a coverage note here).
func (s *Set) configError(p *policy, b *binding, o *inventory.Object, err error) []rules.Violation {
	what := "policy"
	if b != nil {
		what = "binding"
	}
	if *p.spec.Spec.FailurePolicy == admissionregistrationv1.Ignore {
		s.note(p.ruleID, fmt.Sprintf("the %s could not be applied to %s %s (%s), and its failurePolicy Ignore admits it unjudged",
			what, o.GVK.Kind, objectName(o), oneLine(err.Error())))
		return nil
	}
	return []rules.Violation{deny(p, b, "failed to configure "+what+": "+oneLine(err.Error()), "")}
}

// collectParams finds the params of a binding among the input's objects, as
// generic.CollectParams finds them in the API server's informer.
func (s *Set) collectParams(jc *judgeContext, p *policy, b *binding, namespace string) ([]runtime.Object, error) {
	ref := b.spec.Spec.ParamRef
	if p.paramGVK == nil || ref == nil || jc == nil {
		return []runtime.Object{nil}, nil
	}
	gvk := *p.paramGVK
	_, namespaced := s.mapper.resourceFor(gvk)
	paramNamespace := ""
	switch {
	case !namespaced && ref.Namespace != "":
		return nil, errors.New("paramRef.namespace must not be provided for a cluster-scoped `paramKind`")
	case namespaced && ref.Namespace != "":
		paramNamespace = ref.Namespace
	case namespaced && namespace == "":
		return nil, errors.New("cannot use namespaced paramRef in policy binding that matches cluster-scoped resources")
	case namespaced:
		paramNamespace = namespace
	}
	var selector labels.Selector
	if ref.Selector != nil {
		var err error
		if selector, err = metav1.LabelSelectorAsSelector(ref.Selector); err != nil {
			return nil, err
		}
	}
	var params []runtime.Object
	for _, o := range jc.inv.ByKind(gvk.Kind) {
		if o.GVK.Group != gvk.Group || o.Namespace != paramNamespace {
			continue
		}
		if ref.Name != "" && o.Name != ref.Name || selector != nil && !selector.Matches(labels.Set(o.Labels)) {
			continue
		}
		param, err := jc.param(o, gvk)
		if err != nil {
			return nil, fmt.Errorf("param %s: %w", objectName(o), err)
		}
		params = append(params, param)
		if ref.Name != "" {
			break // the API server has one object of a name
		}
	}
	if len(params) == 0 && *ref.ParameterNotFoundAction == admissionregistrationv1.DenyAction {
		return nil, errors.New("no params found for policy binding with `Deny` parameterNotFoundAction")
	}
	return params, nil
}

// param is a param object as CEL reads it, converted once.
func (jc *judgeContext) param(o *inventory.Object, gvk schema.GroupVersionKind) (runtime.Object, error) {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	if p, ok := jc.params[o]; ok {
		return p, nil
	}
	u, err := requestObject(o, o.Namespace, o.Namespace != "")
	if err != nil {
		return nil, err
	}
	u.SetAPIVersion(gvk.GroupVersion().String())
	jc.params[o] = u
	return u, nil
}

// oneLine keeps a message on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
