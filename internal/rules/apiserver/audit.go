package apiserver

// The audit rules: apiserver/audit-log-path (a log backend), apiserver/audit-policy-file (a
// policy the API server accepts), and what that policy logs, evaluated by auditpolicy with the
// API server's first-match semantics: apiserver/audit-secrets-metadata-only,
// apiserver/audit-pod-access, apiserver/audit-catch-all and apiserver/audit-omit-request-received.
//
// Restricted fields:
//   --audit-log-path, --audit-webhook-config-file, --audit-policy-file and the Policy it names
//
// Allowed values:
//   a log backend; a valid audit.k8s.io/v1 Policy in which secrets, configmaps and
//   tokenreviews are never logged above Metadata by any rule reached first, pods/exec, attach,
//   portforward and proxy are logged, a final rule logs every other request at Metadata or
//   above, and omitStages holds RequestReceived
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.16, 3.2.1, 3.2.2;
// https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/

import (
	"errors"
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/auditpolicy"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func auditLogPathRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/audit-log-path", Title: "API server writes no audit log", Severity: finding.High,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "Audit events go to a log file (--audit-log-path) or a webhook (--audit-webhook-config-file). With " +
			"neither, nothing records who did what in the cluster.",
		Fields:     []string{"--audit-log-path", "--audit-webhook-config-file"},
		Allowed:    []string{"--audit-log-path set (\"-\" is standard output), or --audit-webhook-config-file set"},
		References: []rules.Reference{cisAuditLogPath, docsAudit},
		Remedy:     "Set --audit-log-path=/var/log/kubernetes/audit/audit.log (mounted from the host) together with --audit-policy-file.",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			if v := flag(ctx, "audit-log-path"); v.Set() && v.Given() != "" {
				ctx.Pass(evidence(ctx, "audit-log-path", ""))
				return nil
			}
			if v := flag(ctx, "audit-webhook-config-file"); v.Set() && v.Given() != "" {
				ctx.Pass(evidence(ctx, "audit-webhook-config-file", "") + " (webhook backend)")
				return nil
			}
			return fail("audit-log-path", "neither --audit-log-path nor --audit-webhook-config-file is set: the API server records no audit events", evidence(ctx, "audit-log-path", ""))
		},
	}
}

// policy reads the audit policy the flag names. Without the flag it returns violations when
// requireFlag is set, else records the rule as not applicable. A policy the API server loads
// leniently (unknown fields) is returned with its *LenientError.
func policy(ctx *rules.NodeContext, requireFlag bool) (*auditpolicy.Policy, string, error, []rules.Violation) {
	v := flag(ctx, "audit-policy-file")
	if !v.Set() || v.Given() == "" {
		if requireFlag {
			return nil, "", nil, fail("audit-policy-file", "--audit-policy-file is not set: without a policy the API server writes no audit events at all, whatever backend is configured", evidence(ctx, "audit-policy-file", ""))
		}
		ctx.NotApplicable("--audit-policy-file is not set; apiserver/audit-policy-file reports that.")
		return nil, "", nil, nil
	}
	f, vs := nodeFile(ctx, "audit-policy-file", v.Given())
	if f == nil {
		if !requireFlag && vs != nil {
			// apiserver/audit-policy-file reports the file; the policy's contents are unknown.
			ctx.NotApplicable(fmt.Sprintf("%s could not be judged; apiserver/audit-policy-file reports why.", v.Given()))
			return nil, "", nil, nil
		}
		return nil, "", nil, vs
	}
	type parsed struct {
		p   *auditpolicy.Policy
		err error
	}
	r := ctx.Memo("apiserver/audit-policy:"+v.Given(), func() any {
		p, err := auditpolicy.Parse(v.Given(), f.Data)
		return parsed{p, err}
	}).(parsed)
	p, err := r.p, r.err
	if p == nil {
		if !requireFlag {
			ctx.NotApplicable(fmt.Sprintf("%s is not a policy the API server accepts; apiserver/audit-policy-file reports why.", v.Given()))
			return nil, "", nil, nil
		}
		return nil, "", nil, fail("audit-policy-file", err.Error()+" (--audit-policy-file)", evidence(ctx, "audit-policy-file", ""))
	}
	return p, evidence(ctx, "audit-policy-file", ""), err, nil
}

func auditPolicyFileRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/audit-policy-file", Title: "API server has no usable audit policy", Severity: finding.High,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "Without --audit-policy-file the API server logs no audit events at all. The file must be an " +
			"audit.k8s.io/v1 Policy with at least one rule, or the API server does not start; fields it does not know are " +
			"ignored with a warning, so a misspelt field (omitStage, level in the wrong place) silently does nothing.",
		Fields:     []string{"--audit-policy-file"},
		Allowed:    []string{"set, naming a valid audit.k8s.io/v1 Policy without unknown fields"},
		References: []rules.Reference{cisAuditPolicy, docsAudit},
		Remedy:     "Write an audit Policy (start from the example in the Kubernetes auditing documentation) and set --audit-policy-file to it.",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			p, ev, err, vs := policy(ctx, true)
			if p == nil {
				return vs
			}
			var lenient *auditpolicy.LenientError
			if errors.As(err, &lenient) {
				low := finding.Low
				return []rules.Violation{{Path: "--audit-policy-file", Severity: &low, Evidence: ev, Message: err.Error()}}
			}
			ctx.Pass(fmt.Sprintf("%d rules in %s", len(p.Rules), ev))
			return nil
		},
	}
}

// rule names a policy rule for evidence: "rules[2] (level RequestResponse)", or "no rule".
func ruleRef(p *auditpolicy.Policy, i int) string {
	if i < 0 {
		return "no rule matches (level None)"
	}
	return fmt.Sprintf("rules[%d] (level %s)", i, p.Rules[i].Level)
}

func auditSecretsRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/audit-secrets-metadata-only", Title: "Audit policy writes Secret values into the log", Severity: finding.High,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "Requests for secrets, configmaps and tokenreviews should be logged at Metadata only: at Request a write " +
			"carries the object, at RequestResponse a read returns it, and the audit log then holds every Secret value and " +
			"reviewed token. The policy is evaluated as the API server evaluates it, first match wins, for every user, group " +
			"and namespace it names: a rule at RequestResponse for group \"\" with an empty resources list, or for \"*\", placed " +
			"before the secrets rule catches secrets first.",
		Fields:     []string{"--audit-policy-file rules[*]"},
		Allowed:    []string{"secrets, configmaps, tokenreviews: None or Metadata for every request"},
		References: []rules.Reference{cisAuditPolicyCovers, docsAudit},
		Remedy: "Put a rule `level: Metadata` for resources secrets and configmaps (group \"\") and tokenreviews " +
			"(group authentication.k8s.io) before any rule at Request or RequestResponse that could match them.",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			p, ev, _, vs := policy(ctx, false)
			if p == nil {
				return vs
			}
			a := p.Assess()
			var out []rules.Violation
			var passed []string
			for _, r := range []auditpolicy.Range{a.Secrets, a.ConfigMaps, a.TokenReviews} {
				switch {
				case r.Leaks():
					out = append(out, rules.Violation{Path: "--audit-policy-file", Evidence: ev,
						Message: fmt.Sprintf("%s are logged at %s by %s for %q: the log holds their values", r.What, r.Leak.Level, ruleRef(p, r.Leak.Rule), r.Leak.Request)})
				case r.Most.Level.Rank() > auditpolicy.LevelMetadata.Rank():
					low := finding.Low
					out = append(out, rules.Violation{Path: "--audit-policy-file", Evidence: ev, Severity: &low,
						Message: fmt.Sprintf("%s are logged at %s by %s for %q: above Metadata, though these requests carry no values", r.What, r.Most.Level, ruleRef(p, r.Most.Rule), r.Most.Request)})
				default:
					passed = append(passed, fmt.Sprintf("%s at most %s (%s)", r.What, r.Most.Level, ruleRef(p, r.Most.Rule)))
				}
			}
			if len(out) == 0 {
				ctx.Pass(strings.Join(passed, "; ") + " in " + ev)
			}
			return out
		},
	}
}

func auditPodAccessRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/audit-pod-access", Title: "Audit policy does not log exec, attach, port-forward or proxy", Severity: finding.Medium,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "pods/exec, pods/attach, pods/portforward, pods/proxy and services/proxy reach into running workloads, and " +
			"writes to pods and their controllers change what runs: an ordinary user's requests for them should be logged. " +
			"The verdict is for a user and namespace the policy does not single out; exceptions it makes for named users or " +
			"groups are shown in the evidence.",
		Fields:     []string{"--audit-policy-file rules[*]"},
		Allowed:    []string{"Metadata or above for an ordinary user's exec, attach, port-forward, proxy and workload writes"},
		References: []rules.Reference{cisAuditPolicyCovers, docsAudit},
		Remedy:     "Add a rule `level: Metadata` for pods/exec, pods/attach, pods/portforward, pods/proxy and services/proxy, and log writes to workloads, before any rule at None that could match them.",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			p, ev, _, vs := policy(ctx, false)
			if p == nil {
				return vs
			}
			a := p.Assess()
			var out []rules.Violation
			var notes []string
			for _, r := range []auditpolicy.Range{a.Exec, a.Attach, a.PortForward, a.Proxy, a.Workloads} {
				if r.Typical.Level == auditpolicy.LevelNone {
					out = append(out, rules.Violation{Path: "--audit-policy-file", Evidence: ev,
						Message: fmt.Sprintf("%s are not logged: %s for %q", r.What, ruleRef(p, r.Typical.Rule), r.Typical.Request)})
					continue
				}
				note := fmt.Sprintf("%s at %s (%s)", r.What, r.Typical.Level, ruleRef(p, r.Typical.Rule))
				if r.Least.Level == auditpolicy.LevelNone {
					note += fmt.Sprintf(", but not for %q (%s)", r.Least.Request, ruleRef(p, r.Least.Rule))
				}
				notes = append(notes, note)
			}
			if len(out) == 0 {
				ctx.Pass(strings.Join(notes, "; ") + " in " + ev)
			}
			return out
		},
	}
}

func auditCatchAllRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/audit-catch-all", Title: "Audit policy drops requests no rule names", Severity: finding.Medium,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "A request no rule matches is not logged (level None). A last rule with no conditions at Metadata or " +
			"above logs everything the rules before it do not name, custom resources included. Rules after such a catch-all " +
			"are never reached.",
		Fields:     []string{"--audit-policy-file rules[*]"},
		Allowed:    []string{"a rule with no conditions at Metadata or above, last"},
		References: []rules.Reference{cisAuditPolicyCovers, docsAudit},
		Remedy:     "End the policy with `- level: Metadata`.",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			p, ev, _, vs := policy(ctx, false)
			if p == nil {
				return vs
			}
			a := p.Assess()
			switch {
			case a.Other.Level == auditpolicy.LevelNone:
				return fail("audit-policy-file", fmt.Sprintf("requests no rule names are not logged: %s for %q", ruleRef(p, a.Other.Rule), a.Other.Request), ev)
			case a.CatchAll >= 0 && a.CatchAll < len(p.Rules)-1:
				low := finding.Low
				return []rules.Violation{{Path: "--audit-policy-file", Severity: &low, Evidence: ev,
					Message: fmt.Sprintf("rules[%d] matches every request, so the %d rules after it are never reached", a.CatchAll, len(p.Rules)-1-a.CatchAll)}}
			}
			ctx.Pass(fmt.Sprintf("other requests at %s (%s) in %s", a.Other.Level, ruleRef(p, a.Other.Rule), ev))
			return nil
		},
	}
}

func auditOmitStagesRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/audit-omit-request-received", Title: "Audit policy logs the RequestReceived stage", Severity: finding.Info,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "Every request is logged at RequestReceived and again at ResponseComplete; the first event adds nothing " +
			"the second does not have, and doubles the volume of the log (and the cost of keeping it for 30 days).",
		Fields:     []string{"--audit-policy-file omitStages"},
		Allowed:    []string{"omitStages contains RequestReceived"},
		References: []rules.Reference{docsAudit},
		Remedy:     "Add `omitStages: [RequestReceived]` at the top level of the policy.",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			p, ev, _, vs := policy(ctx, false)
			if p == nil {
				return vs
			}
			if !p.Assess().OmitsRequestReceived {
				return fail("audit-policy-file", "the policy's omitStages does not hold RequestReceived: every request is logged twice", ev)
			}
			ctx.Pass("omitStages [RequestReceived] in " + ev)
			return nil
		},
	}
}
