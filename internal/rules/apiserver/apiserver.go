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
	"strings"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	var out []rules.Rule
	for _, f := range flagRules() {
		out = append(out, f.rule())
	}
	return append(out,
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

// where names the component's command line for evidence: "kube-apiserver (process
// /proc/1234/cmdline)".
func where(c *inventory.Component) string {
	return string(c.Kind) + " (" + string(c.Source) + " " + c.Path + ")"
}

// written is a flag as it stands on the command line: "--profiling=false", "--audit-log-path
// /var/log/audit.log", "--profiling" for a bare boolean; every occurrence of a list flag.
func written(c *inventory.Component, name string) string {
	occ := c.Flags.Occurrences(name)
	if len(occ) == 0 {
		return ""
	}
	parts := make([]string, len(occ))
	for i, o := range occ {
		// Index is where the value was read: the argument itself for --name=value and a bare
		// boolean, the next one for "--name value".
		if strings.Contains(o.Arg, "=") || o.Index < len(c.Args) && c.Args[o.Index] == o.Arg {
			parts[i] = o.Arg
		} else {
			parts[i] = o.Arg + " " + o.Value
		}
	}
	return strings.Join(parts, " ")
}

// evidence is a flag as written and where, or that it is not set and what its default is.
func evidence(c *inventory.Component, name, dflt string) string {
	if w := written(c, name); w != "" {
		return w + " in " + where(c)
	}
	if dflt == "" {
		return "--" + name + " not set in " + where(c)
	}
	return "--" + name + " not set (default " + dflt + ") in " + where(c)
}

// lookup returns a flag's value.
func lookup(c *inventory.Component, name string) flags.Value { return c.Flags.Lookup(name) }

// boolFlag reads a boolean flag, its default when it is not given; bad is the error of a value
// that is not a boolean (the component would not have started).
func boolFlag(c *inventory.Component, name string, dflt bool) (value bool, bad error) {
	v := lookup(c, name)
	if !v.Given {
		return dflt, nil
	}
	return v.Bool()
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
		return nil, fail(flag, fmt.Sprintf("%s, which --%s names, was not read: Palisade cannot judge what it holds", path, flag), evidence(c, flag, ""))
	case !f.Exists:
		return nil, fail(flag, fmt.Sprintf("%s, which --%s names, does not exist on the node: the %s would not start with it, or the file was removed since", path, flag, c.Kind), evidence(c, flag, ""))
	case f.Err != "":
		return nil, fail(flag, fmt.Sprintf("%s, which --%s names, could not be read: %s", path, flag, f.Err), evidence(c, flag, ""))
	case f.IsDir:
		return nil, fail(flag, fmt.Sprintf("%s, which --%s names, is a directory, not a file", path, flag), evidence(c, flag, ""))
	case f.Truncated:
		return nil, fail(flag, fmt.Sprintf("%s, which --%s names, is larger than Palisade reads; it was not judged", path, flag), evidence(c, flag, ""))
	}
	return f, nil
}
