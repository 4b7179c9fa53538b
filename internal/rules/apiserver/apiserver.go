// Package apiserver holds the node rules on the control plane's own processes: the API
// server, the controller manager and the scheduler, judged from their command lines (as the
// node source read them from /proc, a static pod manifest or a mirror pod) and from the files
// their flags name: the encryption provider configuration (judged by encryptionconfig, per
// resource) and the audit policy (evaluated by auditpolicy, first match wins). Each rule
// cites its CIS Kubernetes Benchmark v1.10.0 check. Flags are read as the component reads
// them (internal/flags): lists are lists, never substrings, the last occurrence of a scalar
// wins, and a flag that is not given has the component's default, which the evidence names.
package apiserver

import (
	"fmt"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/setting"
	"palisade.dev/palisade/internal/settings"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	declared := flagRules()
	for i := range declared {
		declared[i].Area = rules.AreaControlPlane
	}
	return append(setting.Rules(declared...),
		authorizationAlwaysAllowRule(), authorizationNodeRule(), authorizationRBACRule(),
		admissionAlwaysAdmitRule(), admissionNodeRestrictionRule(),
		admissionNotDisabledRule("ServiceAccount", cisServiceAccountPlug),
		admissionNotDisabledRule("NamespaceLifecycle", cisNamespaceLifecycle),
		admissionRecommendedRule("EventRateLimit", cisEventRateLimit),
		admissionRecommendedRule("AlwaysPullImages", cisAlwaysPullImages),
		admissionRecommendedRule("DenyServiceExternalIPs", cisDenyExternalIPs),
		anonymousAuthRule(), insecurePortRule(), cipherSuitesRule(),
		encryptionConfigRule(), encryptionProviderRule(), encryptionKeysFileRule(),
		auditLogPathRule(), auditPolicyFileRule(), auditSecretsRule(), auditPodAccessRule(), auditCatchAllRule(),
		auditOmitStagesRule(),
	)
}

var (
	apiServer         = []inventory.ComponentKind{inventory.KubeAPIServer}
	controllerManager = []inventory.ComponentKind{inventory.KubeControllerManager}
	scheduler         = []inventory.ComponentKind{inventory.KubeScheduler}
)

// flag is a setting of the component being judged, from the node's settings model.
func flag(ctx *rules.NodeContext, name string) settings.Setting {
	s, _ := ctx.Settings() // the command-line components' settings are always known
	return s.Get(name)
}

// evidence is a flag as written and where, or that it is not set and what its default is.
func evidence(ctx *rules.NodeContext, name, dflt string) string {
	return flag(ctx, name).Observed(dflt)
}

// fail is one violation naming the flag.
func fail(flag, message, evidence string) []rules.Violation {
	return []rules.Violation{{Path: "--" + flag, Message: message, Evidence: evidence}}
}

// minorBelow reports whether the scan targets a Kubernetes minor older than minor; the newest
// minor when none is given.
func minorBelow(o *rules.Options, minor int) bool {
	m, ok := o.KubernetesMinor()
	return ok && m < minor
}

// nodeFile is a file a flag names, as the node source found it. When it cannot be judged,
// it returns nil and either a violation saying why (missing, unreadable, not collected) or,
// for a command line read from a mirror pod by a cluster scan, which never sees the node's
// files, a not-applicable verdict recorded on ctx.
func nodeFile(ctx *rules.NodeContext, flag, path string) (*inventory.File, []rules.Violation) {
	f := ctx.Node.File(path)
	c := ctx.Component
	switch {
	case f == nil && c.Source == inventory.FromMirrorPod:
		ctx.NotApplicable(fmt.Sprintf("--%s names %s, a file on the control-plane node; a cluster scan reads the mirror pod's command line only (run palisade node there)", flag, path))
		return nil, nil
	case f == nil:
		return nil, fail(flag, fmt.Sprintf("%s, which --%s names, was not read: Palisade cannot judge what it holds", path, flag), evidence(ctx, flag, ""))
	case !f.Exists:
		return nil, fail(flag, fmt.Sprintf("%s, which --%s names, does not exist on the node: the %s would not start with it, or the file was removed since", path, flag, c.Kind), evidence(ctx, flag, ""))
	case f.Err != "":
		return nil, fail(flag, fmt.Sprintf("%s, which --%s names, could not be read: %s", path, flag, f.Err), evidence(ctx, flag, ""))
	case f.IsDir:
		return nil, fail(flag, fmt.Sprintf("%s, which --%s names, is a directory, not a file", path, flag), evidence(ctx, flag, ""))
	case f.Truncated:
		return nil, fail(flag, fmt.Sprintf("%s, which --%s names, is larger than Palisade reads; it was not judged", path, flag), evidence(ctx, flag, ""))
	}
	return f, nil
}

// boolFlag reads a boolean flag, dflt when it is not given; bad is the error of a value that
// is not a boolean (the component would not have started).
func boolFlag(ctx *rules.NodeContext, name string, dflt bool) (value bool, bad error) {
	v := flag(ctx, name)
	if !v.Set() {
		return dflt, nil
	}
	return v.Bool()
}
