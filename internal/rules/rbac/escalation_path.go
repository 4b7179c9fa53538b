package rbac

// rbac/escalation-path: a subject that does not hold cluster-admin-equivalent rights but can
// reach them, through a sequence of steps each allowed by a grant: creating pods in a
// namespace whose ServiceAccount is stronger, creating a ServiceAccount's token, impersonating,
// binding a stronger role or escalating one, or running a privileged pod that takes a node's
// credentials. The RBAC engine finds the shortest such path for every subject of the input at
// once (rbac.Index.Escalations documents each step); this rule reports it.
//
// Restricted fields:
//   ClusterRoleBinding, RoleBinding subjects[*], roleRef; the bound roles' rules[*]; the
//   ServiceAccounts of the input and those bindings name; the pod-security.kubernetes.io/enforce
//   label of Namespaces; spec.serviceAccountName of pods and workloads.
//
// Allowed values:
//   subjects with no path to cluster-admin-equivalent rights, and subjects that hold them
//   already (rbac/cluster-admin-binding and rbac/wildcard-binding report those). Not reported
//   as starting points: subjects on the allow-list of the package documentation, paths whose
//   first step is a bootstrap binding, and a member whose first step is its group's grant (the
//   group's own finding reports the path). One finding per starting subject, at the subject of
//   the first step's binding: critical when one step suffices, high otherwise.
//
// From manifests the built-in ClusterRole cluster-admin is taken as every cluster has it; a
// namespace the input does not define is assumed to admit privileged pods, and the evidence
// says so.
//
// References: https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
// and the CIS Kubernetes Benchmark 5.1.4, 5.1.8 and 5.1.13 controls.

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	engine "palisade.dev/palisade/internal/rbac"
	"palisade.dev/palisade/internal/rules"
)

// escalationReads are the kinds the analysis reads whole: the RBAC objects and the
// Namespaces' labels.
var escalationReads = []string{"ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding", "Namespace"}

// escalationReadsReleased are the kinds the analysis reads only as a released object keeps
// them: the ServiceAccounts, by name. It reads the ServiceAccount each pod or workload runs as
// too, which a released object keeps (inventory.Object.ServiceAccountName), so a streaming
// scan need not keep every workload whole for it either.
var escalationReadsReleased = []string{"ServiceAccount"}

// escalationInputs are the kinds the analysis takes from the inventory: those it reads, and
// every kind that runs a pod.
var escalationInputs = slices.Concat(escalationReads, escalationReadsReleased, []string{
	"Pod", "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job", "CronJob", "ReplicationController"})

func escalationPathRule() rules.Rule {
	return rules.Rule{
		ID:       "rbac/escalation-path",
		Title:    "Subject that can escalate to cluster-admin-equivalent rights",
		Severity: finding.High,
		Area:     rules.AreaRBAC,
		Scope:    rules.ScopeObject,
		Kinds:    bindingKinds,
		Description: "A subject that may create pods in a namespace with a stronger ServiceAccount, create a " +
			"ServiceAccount's token, impersonate, bind or escalate roles, or run a privileged pod that takes a " +
			"node's credentials, holds every right it can reach that way. The finding gives the shortest path " +
			"from the subject to cluster-admin-equivalent rights, each step with the binding, role and rule that " +
			"allow it.",
		Fields: []string{"subjects[*]", "roleRef", "Role/ClusterRole: rules[*]", "ServiceAccount",
			"Namespace: metadata.labels[pod-security.kubernetes.io/enforce]", "pods and workloads: spec.serviceAccountName"},
		Allowed: []string{
			"subjects with no path to cluster-admin-equivalent rights",
			"subjects: group system:masters, system: component users (not system:anonymous), kube-system service accounts",
			"paths whose first step is a bootstrap binding of a system: role",
		},
		References: []rules.Reference{cisCreatePods, cisBindEscalate, cisTokenCreate, docsRBACGoodPract},
		Remedy: "Break the path at its first step: remove the grant it names, or narrow it with resourceNames or " +
			"to a namespace that holds no stronger ServiceAccount; keep powerful ServiceAccounts in namespaces " +
			"where few may create pods, and enforce the baseline Pod Security Standard where pods are created.",
		Reads:         escalationReads,
		ReadsReleased: escalationReadsReleased,
		Indexes:       []*rules.Index{pathsIndex},
		Object:        checkEscalationPath,
	}
}

func checkEscalationPath(ctx *rules.ObjectContext) []rules.Violation {
	if _, ok := bindingOf(ctx.Object); !ok {
		return nil
	}
	if ctx.Object.Labels[bootstrapLabel] == "rbac-defaults" {
		return nil
	}
	o, manifests := ctx.Object, fromInput(ctx.Options)
	ctx.Defer(func(inv *inventory.Inventory) []rules.Violation {
		b, _ := bindingOf(o)
		ref := engine.BindingRef{Kind: b.kind, Namespace: b.namespace, Name: b.name}
		var out []rules.Violation
		for _, path := range pathsOf(inv, manifests)[ref] {
			out = append(out, escalationViolation(b, path))
		}
		return out
	})
	return nil
}

// pathsIndex is the escalation paths of the whole inventory (pathsOf), which every binding's
// deferred check reads.
var pathsIndex = &rules.Index{Name: "RBAC escalation paths", Build: func(inv *inventory.Inventory, opts *rules.Options) {
	pathsOf(inv, fromInput(opts))
}}

// pathsKey is the inventory memo key of the escalation paths.
type pathsKey struct{ manifests bool }

// pathsOf returns the paths of inv by the binding of their first step, computed once per
// inventory for every binding that asks (Inventory.Memo).
func pathsOf(inv *inventory.Inventory, manifests bool) map[engine.BindingRef][]engine.Path {
	return inv.Memo(pathsKey{manifests}, func() any { return escalationPaths(inv, manifests) }).(map[engine.BindingRef][]engine.Path)
}

// escalationPaths computes the paths of inv by the binding of their first step.
func escalationPaths(inv *inventory.Inventory, manifests bool) map[engine.BindingRef][]engine.Path {
	from := map[engine.BindingRef][]engine.Path{}
	objs, sur := &engine.Objects{}, &engine.Surroundings{}
	for _, kind := range escalationInputs {
		for _, o := range inv.ByKind(kind) {
			if !objs.AddInventory(o) {
				sur.AddInventory(o)
			}
		}
	}
	src := engine.FromCluster
	if manifests {
		src = engine.FromManifests
		objs.AddClusterAdmin()
	}
	for _, path := range engine.Build(objs, src).Escalations(sur) {
		first := path.Steps[0].Grant
		if first == nil || first.Binding.Kind == "" || allowListedStart(path.Subject) || viaGroup(path.Subject, first.Subject) {
			continue
		}
		from[first.Binding] = append(from[first.Binding], path)
	}
	return from
}

// allowListedStart reports whether a path's subject is on the package's allow-list.
func allowListedStart(subject string) bool {
	kind, name, _ := strings.Cut(subject, ":")
	var s rbacv1.Subject
	switch kind {
	case "user":
		s = rbacv1.Subject{Kind: rbacv1.UserKind, Name: name}
	case "group":
		s = rbacv1.Subject{Kind: rbacv1.GroupKind, Name: name}
	case "sa":
		ns, n, _ := strings.Cut(name, "/")
		s = rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: n}
	}
	return binding{}.systemSubject(s)
}

// viaGroup reports whether the first step's grant names a group the subject is a member of,
// rather than the subject itself.
func viaGroup(subject string, granted rbacv1.Subject) bool {
	return granted.Kind == rbacv1.GroupKind && subject != "group:"+granted.Name
}

func escalationViolation(b binding, path engine.Path) rules.Violation {
	v := rules.Violation{
		Path: "subjects",
		Message: fmt.Sprintf("%s reaches cluster-admin-equivalent rights in %d step(s), the first through %s",
			path.Subject, len(path.Steps), b),
		Evidence: path.String(),
	}
	granted := path.Steps[0].Grant.Subject
	for i, s := range b.subjects {
		if s.Kind == granted.Kind && s.Name == granted.Name && (s.Kind != rbacv1.ServiceAccountKind || b.serviceAccountNamespace(s) == granted.Namespace) {
			v.Path = subjectPath(i)
			break
		}
	}
	if len(path.Assumptions) > 0 {
		v.Evidence += "; " + strings.Join(path.Assumptions, "; ")
	}
	if len(path.Steps) == 1 {
		v.Severity = new(finding.Critical)
	}
	return v
}
