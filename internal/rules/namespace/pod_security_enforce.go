package namespace

// namespace/pod-security-enforce: every namespace must enforce a Pod Security Standards level
// through Pod Security Admission, so that the API server itself rejects privileged pods there,
// whoever creates them and whichever tool deployed them.
//
// Restricted fields:
//   Namespace metadata.labels[pod-security.kubernetes.io/enforce]
//   (and every pod-security.kubernetes.io/* label, which must be valid)
//
// Allowed values:
//   enforce: baseline or restricted (privileged enforces nothing; no label leaves the cluster
//   default, privileged unless the admission configuration sets another)
//   every pod-security.kubernetes.io/{enforce,audit,warn} label: privileged, baseline or
//   restricted; every -version label: latest or v1.N. PodSecurity admission rejects a
//   Namespace with an invalid one (k8s.io/pod-security-admission admission.go,
//   ValidateNamespace), so none of its labels apply.
//
// A namespace the input uses without defining is reported too: from manifests, nothing shows
// that it is labelled.
//
// References: https://kubernetes.io/docs/concepts/security/pod-security-admission/;
// https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/;
// CIS Kubernetes Benchmark v1.10.0 5.2.1.

import (
	"fmt"

	"k8s.io/pod-security-admission/api"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/fix/remedytext"
	"palisade.dev/palisade/internal/rules"
)

// psaLabels are the Pod Security Admission labels of a Namespace and how each is parsed
// (k8s.io/pod-security-admission api/constants.go). It is a constant table.
var psaLabels = []struct {
	key   string
	parse func(string) error
}{
	{api.EnforceLevelLabel, parseLevel},
	{api.EnforceVersionLabel, parseVersion},
	{api.AuditLevelLabel, parseLevel},
	{api.AuditVersionLabel, parseVersion},
	{api.WarnLevelLabel, parseLevel},
	{api.WarnVersionLabel, parseVersion},
}

func parseLevel(s string) error {
	_, err := api.ParseLevel(s)
	return err
}

func parseVersion(s string) error {
	_, err := api.ParseVersion(s)
	return err
}

func podSecurityEnforceRule() rules.Rule {
	return rules.Rule{
		ID:       "namespace/pod-security-enforce",
		AutoFix:  rules.FixEdit,
		Title:    "Namespace does not enforce a Pod Security Standards level",
		Severity: finding.Medium,
		Area:     rules.AreaNamespace,
		Scope:    rules.ScopeNamespace,
		Description: "Pod Security Admission enforces the level named by a Namespace's " +
			"pod-security.kubernetes.io/enforce label: the API server rejects the pods that fail it, " +
			"whoever creates them. Without the label (or with privileged) it enforces nothing, unless " +
			"the cluster's admission configuration sets a default; an invalid value of any " +
			"pod-security.kubernetes.io label makes the API server reject the Namespace itself. A " +
			"namespace that the input uses but does not define is reported too, since nothing in the " +
			"input shows it labelled.",
		Fields: []string{"Namespace metadata.labels[pod-security.kubernetes.io/enforce]", "Namespace metadata.labels[pod-security.kubernetes.io/*]"},
		Allowed: []string{
			"enforce: baseline or restricted",
			"enforce, audit, warn: privileged, baseline or restricted; enforce-version, audit-version, warn-version: latest or v1.N",
		},
		References: []rules.Reference{docsPSALabels, docsPSA, pssLevels, cisPolicyControl},
		Remedy: "Define the Namespace in the manifests with the label pod-security.kubernetes.io/enforce: " +
			"restricted (or baseline where a workload truly needs more), and warn/audit at restricted to " +
			"see what would fail first.",
		Reads:     []string{"Namespace"},
		Namespace: checkPodSecurityEnforce,
	}
}

func checkPodSecurityEnforce(ctx *rules.NamespaceContext) []rules.Violation {
	if ctx.Object == nil {
		return []rules.Violation{{
			Message: fmt.Sprintf("namespace %q is used but its Namespace object is not in the input, so nothing shows that it enforces a Pod Security Standards level (label %s)%s",
				ctx.Name, api.EnforceLevelLabel, inputAlone(ctx, "the Namespace may exist in the cluster with the label")),
			Evidence: fmt.Sprintf("no Namespace %s in the input", ctx.Name),
		}}
	}
	labels := ctx.Object.Labels
	var out []rules.Violation
	for _, l := range psaLabels {
		value, ok := labels[l.key]
		if !ok {
			continue
		}
		if err := l.parse(value); err != nil {
			out = append(out, rules.Violation{
				Path: labelPath(l.key),
				Message: fmt.Sprintf("Namespace %q label %s=%q is invalid (%v): the API server rejects the Namespace, so no Pod Security level applies to it%s",
					ctx.Name, l.key, value, err, inputAlone(ctx, "the Namespace in the cluster may be labelled otherwise")),
				Evidence: fmt.Sprintf("%s=%q", l.key, value),
			})
		}
	}
	enforce, ok := labels[api.EnforceLevelLabel]
	switch {
	case !ok:
		out = append(out, rules.Violation{
			Path: "metadata.labels",
			Message: fmt.Sprintf("Namespace %q has no %s label: pods are admitted at the cluster's default level, privileged unless the admission configuration sets another%s",
				ctx.Name, api.EnforceLevelLabel, inputAlone(ctx, "the Namespace in the cluster may be labelled otherwise")),
			Evidence: fmt.Sprintf("labels of Namespace %s: no %s", ctx.Name, api.EnforceLevelLabel),
			Fix:      podSecurityLabelsFix(labels),
		})
	case api.Level(enforce) == api.LevelPrivileged:
		out = append(out, rules.Violation{
			Path: labelPath(api.EnforceLevelLabel),
			Message: fmt.Sprintf("Namespace %q enforces the privileged level (%s=privileged), which admits every pod, privileged ones included%s",
				ctx.Name, api.EnforceLevelLabel, inputAlone(ctx, "the Namespace in the cluster may be labelled otherwise")),
			Evidence: fmt.Sprintf("%s=%q", api.EnforceLevelLabel, enforce),
			Fix: []finding.Patch{{Path: labelPath(api.EnforceLevelLabel),
				Comment: "TODO(palisade): privileged admits every pod; enforce restricted, or baseline where a workload needs more"}},
		})
	}
	return out
}

// podSecurityLabelsFix sets the Pod Security Admission labels that a Namespace without an
// enforce label lacks, to remedytext's: enforce restricted, warn and audit restricted at
// latest. A label the Namespace has is kept: its author chose it.
func podSecurityLabelsFix(have map[string]string) []finding.Patch {
	want, err := remedytext.PodSecurityLabels("")
	if err != nil {
		return nil
	}
	var fix []finding.Patch
	for _, l := range psaLabels {
		if _, ok := have[l.key]; !ok && want[l.key] != "" {
			fix = append(fix, finding.Patch{Path: labelPath(l.key), Value: want[l.key]})
		}
	}
	return fix
}

func labelPath(key string) string {
	return "metadata.labels[" + key + "]"
}
