package podspec

// pod/automount-service-account-token, pod/default-service-account: the Kubernetes API identity
// a pod gets. Unless told otherwise, the kubelet mounts a token of the pod's ServiceAccount into
// every container (/var/run/secrets/kubernetes.io/serviceaccount), so whoever compromises any
// container can call the API server with that account's permissions. A pod that names no
// ServiceAccount runs as the namespace's "default" one, shared by every such pod, so that a
// permission granted for one workload is granted to all of them.
//
// Restricted fields:
//   pod/automount-service-account-token  spec.automountServiceAccountToken, and the
//                                        automountServiceAccountToken of the ServiceAccount the
//                                        pod uses (spec.serviceAccountName, default "default", in
//                                        the pod's namespace)
//   pod/default-service-account          spec.serviceAccountName (and the deprecated
//                                        spec.serviceAccount, which the API server copies into
//                                        serviceAccountName when that is empty)
//
// Allowed values:
//   pod/automount-service-account-token  the pod sets false; or the pod leaves it unset and the
//                                        ServiceAccount sets false. The pod's field wins over the
//                                        ServiceAccount's, so a pod's true re-enables the token.
//                                        A ServiceAccount that is not in the input is taken to
//                                        mount tokens (the API's default), and the finding says
//                                        it was judged from the input alone.
//   pod/default-service-account          a ServiceAccount name other than "default"
//
// References: CIS Kubernetes Benchmark 5.1.5 and 5.1.6;
// https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting
// (the pod's setting takes precedence); https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts

import (
	"cmp"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// defaultServiceAccount is the ServiceAccount a pod that names none runs as.
const defaultServiceAccount = "default"

func automountServiceAccountTokenRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/automount-service-account-token",
		AutoFix:  rules.FixEdit,
		Title:    "Service account token mounted automatically",
		Severity: finding.Medium,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "Unless the pod or its ServiceAccount sets automountServiceAccountToken: false, every " +
			"container gets a token for the Kubernetes API. Most applications never call the API, " +
			"and the token lets anyone who compromises a container act with the ServiceAccount's " +
			"permissions. The pod's setting wins over the ServiceAccount's.",
		Fields:     []string{"automountServiceAccountToken", "ServiceAccount: automountServiceAccountToken"},
		Allowed:    []string{"pod: false", "pod: unset, and its ServiceAccount: false"},
		References: []rules.Reference{cisServiceAccountToken, docsServiceAccounts},
		Remedy: "Set automountServiceAccountToken: false in the pod spec (or on its ServiceAccount, with the " +
			"pod's field unset). A workload that needs the API can mount a short-lived token with a " +
			"projected serviceAccountToken volume in the one container that uses it.",
		// The bindings it looks at only narrow the remedy (boundAccount), not the verdict, so
		// they are not named here: a cluster scan or a webhook that cannot list them still
		// judges the rule. Of a ServiceAccount it reads only what a released one keeps
		// (inventory.Object.AutomountServiceAccountToken).
		ReadsReleased: []string{"ServiceAccount"},
		Pod:           checkAutomountServiceAccountToken,
	}
}

func defaultServiceAccountRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/default-service-account",
		Title:    "Pod runs as the default service account",
		Severity: finding.Low,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A pod that names no ServiceAccount (or names \"default\") shares the namespace's " +
			"default ServiceAccount with every other such pod: any permission granted to it for one " +
			"workload is granted to all, and audit logs cannot tell the workloads apart.",
		Fields:     []string{"serviceAccountName", "serviceAccount (deprecated)"},
		Allowed:    []string{"a ServiceAccount name other than \"default\""},
		References: []rules.Reference{cisDefaultServiceAccount, docsDefaultSA},
		Remedy:     "Create a ServiceAccount for the workload (with automountServiceAccountToken: false unless it calls the API) and name it in spec.serviceAccountName.",
		// serviceAccountOf in CEL. On a Pod the API server's ServiceAccount admission fills in
		// "default" before any policy runs, which is what serviceAccountOf assumes too.
		CEL: []rules.CELCheck{{Expression: "variables.spec.?serviceAccountName.orValue('') != '' ? variables.spec.serviceAccountName != '" + defaultServiceAccount + "' : " +
			"variables.spec.?serviceAccount.orValue('') != '' && variables.spec.serviceAccount != '" + defaultServiceAccount + "'"}},
		Pod: checkDefaultServiceAccount,
	}
}

// serviceAccountOf returns the ServiceAccount a pod runs as and the field that says so: the
// API server copies the deprecated serviceAccount into an empty serviceAccountName, and the
// ServiceAccount admission plugin fills in "default" when both are empty.
func serviceAccountOf(spec *corev1.PodSpec) (name, source string) {
	switch {
	case spec.ServiceAccountName != "":
		return spec.ServiceAccountName, "serviceAccountName"
	case spec.DeprecatedServiceAccount != "":
		return spec.DeprecatedServiceAccount, "serviceAccount (deprecated)"
	default:
		return defaultServiceAccount, ""
	}
}

// tokenMounting is what the pod and its ServiceAccount say about mounting the token.
type tokenMounting struct {
	namespace, account string
	// podTrue is true when the pod itself sets automountServiceAccountToken: true (a pod that
	// sets false is never judged).
	podTrue   bool
	fromInput bool
	// evidence is false when the caller prints no evidence (rules.Options.NoEvidence).
	evidence bool
}

func checkAutomountServiceAccountToken(ctx *rules.PodContext) []rules.Violation {
	spec := ctx.Pod.Spec
	if spec.AutomountServiceAccountToken != nil && !*spec.AutomountServiceAccountToken {
		return nil
	}
	account, _ := serviceAccountOf(spec)
	tm := tokenMounting{
		namespace: ctx.Object.Namespace,
		account:   account,
		podTrue:   spec.AutomountServiceAccountToken != nil,
		fromInput: ctx.Options == nil || ctx.Options.FromManifests,
		evidence:  ctx.Options.WantsEvidence(),
	}
	path := ctx.Pod.SpecPath + ".automountServiceAccountToken"
	ctx.Defer(func(inv *inventory.Inventory) []rules.Violation {
		return tm.judge(inv, path)
	}, path)
	return nil
}

// evidenceText says what the pod and its ServiceAccount set.
func (tm tokenMounting) evidenceText(saName string, saFound bool, saSetting *bool) string {
	podSays, saSays := "unset", "unset"
	if tm.podTrue {
		podSays = "true"
	}
	if saSetting != nil {
		saSays = fmt.Sprint(*saSetting)
	}
	if !saFound {
		return fmt.Sprintf("pod automountServiceAccountToken: %s; ServiceAccount %s %s", podSays, saName, tm.absent())
	}
	return fmt.Sprintf("pod automountServiceAccountToken: %s; ServiceAccount %s automountServiceAccountToken: %s", podSays, saName, saSays)
}

// judge decides once the ServiceAccounts of the input are known.
func (tm tokenMounting) judge(inv *inventory.Inventory, path string) []rules.Violation {
	saName := tm.namespace + "/" + tm.account
	var saSetting *bool
	saFound := false
	if o := inv.Get("ServiceAccount", tm.namespace, tm.account); o != nil {
		saSetting, saFound = o.AutomountServiceAccountToken()
	}
	if saFound && saSetting != nil && !*saSetting && !tm.podTrue {
		return nil
	}

	var evidence string
	if tm.evidence {
		evidence = tm.evidenceText(saName, saFound, saSetting)
	}

	const risk = "every container gets a Kubernetes API token, and whoever compromises one acts with the ServiceAccount's permissions"
	var msg string
	switch {
	case tm.podTrue && saSetting != nil && !*saSetting:
		msg = "the pod sets automountServiceAccountToken: true, which overrides the false of its ServiceAccount " + saName + ": " + risk
	case tm.podTrue:
		msg = "the pod sets automountServiceAccountToken: true: " + risk
	case saFound:
		msg = "neither the pod nor its ServiceAccount " + saName + " sets automountServiceAccountToken: false: " + risk
	default:
		msg = "the pod does not set automountServiceAccountToken: false and its ServiceAccount " + saName + " " + tm.absent() +
			", so the token is taken to be mounted: " + risk
	}
	v := rules.Violation{Path: path, Message: msg, Evidence: evidence}
	// The remedy is safe only where nothing says a container uses the token: not when the pod
	// asks for it (true), nor when a binding of the input grants its account API access.
	if !tm.podTrue && !boundAccount(inv, tm.namespace, tm.account) {
		v.Fix = []finding.Patch{{Path: path, Value: false}}
	}
	return []rules.Violation{v}
}

// boundAccount reports whether a RoleBinding or ClusterRoleBinding of the input grants the
// ServiceAccount namespace/name anything, by name or through its groups: a workload whose
// account is granted API access is taken to use its token. A binding the scan has released
// (no other selected rule reads bindings) can no longer be read, so it is taken to grant.
// The bindings are read once per inventory (accountGrantsOf), not once per pod.
func boundAccount(inv *inventory.Inventory, namespace, name string) bool {
	g := inv.Memo(accountGrantsKey{}, func() any { return accountGrantsOf(inv) }).(*accountGrants)
	return g.every || g.namespaces[namespace] || g.accounts[accountRef{namespace, name}]
}

// accountGrantsKey is the inventory memo key of accountGrants.
type accountGrantsKey struct{}

// accountRef names a ServiceAccount.
type accountRef struct{ namespace, name string }

// accountGrants are the ServiceAccounts that the bindings of an inventory grant anything to.
type accountGrants struct {
	// every is true when every account is granted: through the group of every account, or a
	// ClusterRoleBinding that can no longer be read.
	every bool
	// namespaces are those whose every account is granted: through the group of the
	// namespace's accounts, or a RoleBinding of the namespace that can no longer be read.
	namespaces map[string]bool
	accounts   map[accountRef]bool
}

// accountGrantsOf reads the grants of every binding. A RoleBinding grants only accounts of its
// own namespace (a subject of another namespace is another namespace's account, which the
// binding does not reach); a ClusterRoleBinding grants an account subject in the namespace
// the subject names.
func accountGrantsOf(inv *inventory.Inventory) *accountGrants {
	g := &accountGrants{namespaces: map[string]bool{}, accounts: map[accountRef]bool{}}
	grant := func(subjects []rbacv1.Subject, bindingNS string, cluster bool) {
		for _, s := range subjects {
			switch {
			case s.Kind == rbacv1.ServiceAccountKind:
				if ns := cmp.Or(s.Namespace, bindingNS); cluster || ns == bindingNS {
					g.accounts[accountRef{ns, s.Name}] = true
				}
			case s.Kind != rbacv1.GroupKind:
			case s.Name == "system:serviceaccounts" && cluster:
				g.every = true
			case s.Name == "system:serviceaccounts":
				g.namespaces[bindingNS] = true
			default:
				if ns, ok := strings.CutPrefix(s.Name, "system:serviceaccounts:"); ok && (cluster || ns == bindingNS) {
					g.namespaces[ns] = true
				}
			}
		}
	}
	for _, o := range inv.ByKind("RoleBinding") {
		if o.Typed == nil {
			g.namespaces[o.Namespace] = true
		} else if rb, ok := o.Typed.(*rbacv1.RoleBinding); ok {
			grant(rb.Subjects, rb.Namespace, false)
		}
	}
	for _, o := range inv.ByKind("ClusterRoleBinding") {
		if o.Typed == nil {
			g.every = true
		} else if crb, ok := o.Typed.(*rbacv1.ClusterRoleBinding); ok {
			grant(crb.Subjects, "", true)
		}
	}
	return g
}

// absent says how a ServiceAccount that is not in the inventory was judged.
func (tm tokenMounting) absent() string {
	if tm.fromInput {
		return "is not in the input (judged from the input alone)"
	}
	return "was not found"
}

func checkDefaultServiceAccount(ctx *rules.PodContext) []rules.Violation {
	spec := ctx.Pod.Spec
	account, source := serviceAccountOf(spec)
	if account != defaultServiceAccount {
		return nil
	}
	var path, how, evidence string
	switch source {
	case "serviceAccountName":
		path, how = ctx.Pod.SpecPath+".serviceAccountName", "names"
		evidence = `serviceAccountName: "default"`
	case "":
		path, how = ctx.Pod.SpecPath+".serviceAccountName", "names no ServiceAccount (serviceAccountName unset), so it runs as"
		evidence = "serviceAccountName: unset; serviceAccount: unset"
	default:
		// The deprecated field says "default": point at it, it is what should change.
		path, how = ctx.Pod.SpecPath+".serviceAccount", "names, through the deprecated serviceAccount field,"
		evidence = `serviceAccountName: unset; serviceAccount (deprecated): "default"`
	}
	return []rules.Violation{{
		Path: path,
		Message: "the pod " + how + " the default ServiceAccount of namespace " + finding.Quote(ctx.Object.Namespace) +
			": every pod there that names none shares it, so a permission granted to one workload is granted to all of them",
		Evidence: evidence,
	}}
}
