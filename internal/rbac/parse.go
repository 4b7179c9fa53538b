package rbac

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ParseSubject reads a subject as the CLI takes it: user:NAME, group:NAME or sa:NAMESPACE/NAME
// (see User, Group and ServiceAccount for the groups each is in).
func ParseSubject(s string) (Subject, error) {
	kind, name, ok := strings.Cut(s, ":")
	if !ok {
		return Subject{}, fmt.Errorf("subject of %d bytes: want user:NAME, group:NAME or sa:NAMESPACE/NAME", len(s))
	}
	switch kind {
	case "user", "group", "sa":
	default:
		return Subject{}, fmt.Errorf("subject kind of %d bytes: want user, group or sa", len(kind))
	}
	if err := checkName(name); err != nil {
		return Subject{}, fmt.Errorf("subject %s: %w", kind, err)
	}
	switch kind {
	case "user":
		return User(name), nil
	case "group":
		return Group(name), nil
	}
	ns, n, ok := strings.Cut(name, "/")
	if !ok || ns == "" || n == "" || strings.ContainsAny(ns, ":/") || strings.ContainsAny(n, ":/") {
		return Subject{}, errors.New("subject sa: want sa:NAMESPACE/NAME")
	}
	return ServiceAccount(ns, n), nil
}

// checkName refuses an empty name and one with spaces or control characters, which no
// authenticator produces and a shell quoting slip does.
func checkName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	if strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar }) >= 0 {
		return fmt.Errorf("name of %d bytes holds a space, a control character or invalid UTF-8", len(name))
	}
	return nil
}

// ParseRequest reads a request as the CLI takes it, in kubectl auth can-i's form:
//
//	VERB RESOURCE[.GROUP][/SUBRESOURCE] [NAME]
//	VERB /non/resource/url
//
// A resource without a group is looked up among the well-known resources of the built-in API
// groups (deployments is apps, say), and is in the core group when it is not one of them.
// The namespace is left for the caller to set.
func ParseRequest(args []string) (Attributes, error) {
	if len(args) < 2 || len(args) > 3 {
		return Attributes{}, fmt.Errorf("%d arguments: want VERB RESOURCE[/SUBRESOURCE] [NAME] or VERB /URL", len(args))
	}
	verb := args[0]
	if err := checkName(verb); err != nil {
		return Attributes{}, fmt.Errorf("verb: %w", err)
	}
	if strings.HasPrefix(args[1], "/") {
		if len(args) == 3 {
			return Attributes{}, errors.New("a non-resource URL takes no NAME")
		}
		if err := checkName(args[1]); err != nil {
			return Attributes{}, fmt.Errorf("URL: %w", err)
		}
		return Attributes{Verb: verb, NonResourceURL: args[1]}, nil
	}
	a := Attributes{Verb: verb}
	res, sub, hasSub := strings.Cut(args[1], "/")
	if hasSub && (sub == "" || strings.Contains(sub, "/")) {
		return Attributes{}, errors.New("resource: want RESOURCE[.GROUP][/SUBRESOURCE]")
	}
	a.Subresource = sub
	a.Resource, a.APIGroup, _ = strings.Cut(res, ".")
	if err := checkName(a.Resource); err != nil {
		return Attributes{}, fmt.Errorf("resource: %w", err)
	}
	if a.APIGroup == "" {
		a.APIGroup = wellKnown[a.Resource].group
	}
	if len(args) == 3 {
		if err := checkName(args[2]); err != nil {
			return Attributes{}, fmt.Errorf("name: %w", err)
		}
		a.Name = args[2]
	}
	return a, nil
}

// ClusterScoped reports whether a names a well-known cluster-scoped resource (nodes,
// namespaces, clusterroles ...), for which a namespace means nothing.
func ClusterScoped(a Attributes) bool {
	k, ok := wellKnown[a.Resource]
	return ok && k.group == a.APIGroup && k.clusterScoped
}

type resourceKind struct {
	group         string
	clusterScoped bool
}

// wellKnown are the resources of the built-in API groups of Kubernetes v1.37 (kubectl
// api-resources) whose name alone names them.
var wellKnown = func() map[string]resourceKind {
	m := map[string]resourceKind{}
	add := func(group string, cluster bool, names ...string) {
		for _, n := range names {
			m[n] = resourceKind{group: group, clusterScoped: cluster}
		}
	}
	add("", false, "pods", "services", "configmaps", "secrets", "serviceaccounts", "endpoints",
		"events", "limitranges", "persistentvolumeclaims", "podtemplates", "replicationcontrollers",
		"resourcequotas", "bindings")
	add("", true, "nodes", "namespaces", "persistentvolumes", "componentstatuses")
	add("apps", false, "deployments", "replicasets", "statefulsets", "daemonsets", "controllerrevisions")
	add("batch", false, "jobs", "cronjobs")
	add("autoscaling", false, "horizontalpodautoscalers")
	add("policy", false, "poddisruptionbudgets")
	add("networking.k8s.io", false, "networkpolicies", "ingresses")
	add("networking.k8s.io", true, "ingressclasses")
	add("rbac.authorization.k8s.io", false, "roles", "rolebindings")
	add("rbac.authorization.k8s.io", true, "clusterroles", "clusterrolebindings")
	add("storage.k8s.io", true, "storageclasses", "csidrivers", "csinodes", "volumeattachments")
	add("admissionregistration.k8s.io", true, "validatingwebhookconfigurations", "mutatingwebhookconfigurations",
		"validatingadmissionpolicies", "validatingadmissionpolicybindings")
	add("apiextensions.k8s.io", true, "customresourcedefinitions")
	add("certificates.k8s.io", true, "certificatesigningrequests")
	add("coordination.k8s.io", false, "leases")
	add("discovery.k8s.io", false, "endpointslices")
	add("scheduling.k8s.io", true, "priorityclasses")
	add("authentication.k8s.io", true, "tokenreviews")
	add("authorization.k8s.io", true, "subjectaccessreviews", "selfsubjectaccessreviews")
	add("authorization.k8s.io", false, "localsubjectaccessreviews")
	return m
}()
