package apiserver

// The admission rules judge which admission plugins the API server runs: the plugins enabled
// by default, plus --enable-admission-plugins, minus --disable-admission-plugins; or exactly
// the deprecated --admission-control list when it is given.
//
// Restricted fields:
//   --enable-admission-plugins, --disable-admission-plugins, --admission-control (lists)
//
// Allowed values:
//   AlwaysAdmit never enabled; NodeRestriction enabled (it is off by default); ServiceAccount
//   and NamespaceLifecycle not disabled (they are on by default); EventRateLimit,
//   AlwaysPullImages and DenyServiceExternalIPs enabled (recommended; Manual in CIS).
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.3, 1.2.9 to 1.2.14;
// https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/

import (
	"fmt"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/settings"
)

// defaultOnPlugins are the admission plugins the API server runs without being asked
// (k8s.io/kubernetes pkg/kubeapiserver/options DefaultOffAdmissionPlugins, v1.37) that these
// rules ask about.
var defaultOnPlugins = []string{"NamespaceLifecycle", "LimitRanger", "ServiceAccount", "DefaultStorageClass",
	"PersistentVolumeClaimResize", "DefaultTolerationSeconds", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook",
	"ResourceQuota", "StorageObjectInUseProtection", "Priority", "TaintNodesByCondition", "RuntimeClass",
	"CertificateApproval", "CertificateSigning", "ClusterTrustBundleAttest", "CertificateSubjectRestriction",
	"DefaultIngressClass", "PodSecurity", "ValidatingAdmissionPolicy", "MutatingAdmissionPolicy"}

// admission is whether a plugin runs and why.
type admission struct {
	on  bool
	why string // "listed in --enable-admission-plugins", "on by default", ...
	// flag is the flag that decided, for Violation.Path.
	flag string
}

func pluginState(s *settings.Component, plugin string) admission {
	if legacy := s.Get("admission-control"); legacy.Set() {
		if slices.Contains(legacy.List(), plugin) {
			return admission{true, "listed in the deprecated --admission-control, which replaces the default set", "admission-control"}
		}
		return admission{false, "not in the deprecated --admission-control, which replaces the default set", "admission-control"}
	}
	if slices.Contains(s.Get("disable-admission-plugins").List(), plugin) {
		return admission{false, "listed in --disable-admission-plugins", "disable-admission-plugins"}
	}
	if slices.Contains(s.Get("enable-admission-plugins").List(), plugin) {
		return admission{true, "listed in --enable-admission-plugins", "enable-admission-plugins"}
	}
	if slices.Contains(defaultOnPlugins, plugin) {
		return admission{true, "on by default and not disabled", "disable-admission-plugins"}
	}
	return admission{false, "off by default and not in --enable-admission-plugins", "enable-admission-plugins"}
}

func admissionEvidence(s *settings.Component) string {
	var parts []string
	for _, name := range []string{"enable-admission-plugins", "disable-admission-plugins", "admission-control"} {
		if w := s.Get(name).Written(); w != "" {
			parts = append(parts, w)
		}
	}
	if len(parts) == 0 {
		return "no admission plugin flags (the default plugins run) in " + s.Of.Describe()
	}
	return strings.Join(parts, " ") + " in " + s.Of.Describe()
}

// admissionRule completes r, a rule on the admission plugins, with what every such rule
// shares: the fields it reads, its scope, the admission documentation, and its evaluation by
// judge, which says why the plugins fail and the flag at fault, or "" when they pass.
func admissionRule(r rules.Rule, judge func(s *settings.Component) (string, string)) rules.Rule {
	r.Area, r.Scope, r.Components = rules.AreaControlPlane, rules.ScopeNode, apiServer
	r.Fields = []string{"--enable-admission-plugins", "--disable-admission-plugins", "--admission-control"}
	r.References = append(r.References, docsAdmission)
	r.Node = func(ctx *rules.NodeContext) []rules.Violation {
		s, _ := ctx.Settings()
		if msg, flag := judge(s); msg != "" {
			return fail(flag, msg, admissionEvidence(s))
		}
		ctx.Pass(admissionEvidence(s))
		return nil
	}
	return r
}

func admissionAlwaysAdmitRule() rules.Rule {
	return admissionRule(rules.Rule{ID: "apiserver/admission-always-admit", Title: "API server runs the AlwaysAdmit admission plugin",
		Severity: finding.High, References: []rules.Reference{cisAlwaysAdmit},
		Description: "AlwaysAdmit admits every request, whatever the other plugins decide. It is deprecated and has no use in a real cluster.",
		Remedy:      "Remove AlwaysAdmit from --enable-admission-plugins.", Allowed: []string{"AlwaysAdmit not enabled"}},
		func(of *settings.Component) (string, string) {
			if s := pluginState(of, "AlwaysAdmit"); s.on {
				return "AlwaysAdmit is " + s.why + ": every request is admitted", s.flag
			}
			return "", ""
		})
}

func admissionNodeRestrictionRule() rules.Rule {
	return admissionRule(rules.Rule{ID: "apiserver/admission-node-restriction", Title: "API server does not run the NodeRestriction admission plugin",
		Severity: finding.High, References: []rules.Reference{cisNodeRestriction, docsNodeAuthz},
		Description: "NodeRestriction limits what a kubelet may change: only its own Node object and the pods bound to it, and not the labels " +
			"reserved for the control plane (node-restriction.kubernetes.io/). Without it a compromised kubelet can relabel its node " +
			"to attract sensitive workloads, or change other nodes. It is off by default.",
		Remedy: "Add NodeRestriction to --enable-admission-plugins (and Node to --authorization-mode).", Allowed: []string{"NodeRestriction enabled"}},
		func(of *settings.Component) (string, string) {
			if s := pluginState(of, "NodeRestriction"); !s.on {
				return "NodeRestriction is " + s.why + ": kubelets may modify other nodes and their own node's labels", s.flag
			}
			return "", ""
		})
}

func admissionNotDisabledRule(plugin string, ref rules.Reference) rules.Rule {
	why := map[string]string{
		"ServiceAccount":     "pods are not given a service account, and may name one that does not exist or mount any token",
		"NamespaceLifecycle": "objects can be created in namespaces being deleted or that do not exist, and kube-system can be deleted",
	}[plugin]
	return admissionRule(rules.Rule{ID: "apiserver/admission-" + kebab(plugin), Title: "API server disables the " + plugin + " admission plugin",
		Severity: finding.Medium, References: []rules.Reference{ref},
		Description: plugin + " is on by default and should stay so: without it " + why + ".",
		Remedy:      "Remove " + plugin + " from --disable-admission-plugins (or from the deprecated --admission-control's omissions).",
		Allowed:     []string{plugin + " not disabled"}},
		func(of *settings.Component) (string, string) {
			if s := pluginState(of, plugin); !s.on {
				return fmt.Sprintf("%s is %s: %s", plugin, s.why, why), s.flag
			}
			return "", ""
		})
}

func admissionRecommendedRule(plugin string, ref rules.Reference) rules.Rule {
	why := map[string]string{
		"EventRateLimit":         "nothing bounds how fast clients can create Events, which a noisy or hostile client uses to flood the API server and etcd (it also needs --admission-control-config-file with its limits)",
		"AlwaysPullImages":       "a pod on a node where a private image is cached can run it without the pull secret that would authorize it",
		"DenyServiceExternalIPs": "anyone who may create Services can set spec.externalIPs and intercept traffic to those addresses (CVE-2020-8554)",
	}[plugin]
	return admissionRule(rules.Rule{ID: "apiserver/admission-" + kebab(plugin), Title: "API server does not run the " + plugin + " admission plugin",
		Severity: finding.Low, References: []rules.Reference{ref},
		Description: plugin + " is off by default. Without it " + why + ". The CIS Benchmark lists it as a Manual check: weigh it for the cluster.",
		Remedy:      "Add " + plugin + " to --enable-admission-plugins, or record why the cluster does without it by suppressing this rule.",
		Allowed:     []string{plugin + " enabled"}},
		func(of *settings.Component) (string, string) {
			if s := pluginState(of, plugin); !s.on {
				return fmt.Sprintf("%s is %s: %s", plugin, s.why, why), s.flag
			}
			return "", ""
		})
}

// kebab writes a plugin name as an ID slug: "NamespaceLifecycle" is "namespace-lifecycle".
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && !(s[i-1] >= 'A' && s[i-1] <= 'Z') {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
