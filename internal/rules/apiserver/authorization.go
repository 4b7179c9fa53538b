package apiserver

// The authorization rules: apiserver/authorization-always-allow, apiserver/authorization-node
// and apiserver/authorization-rbac judge the API server's authorizer chain.
//
// Restricted fields:
//   --authorization-mode, a list (AlwaysAllow when absent, the API server's default), or the
//   authorizers[].type of the AuthorizationConfiguration --authorization-config names (the
//   two are exclusive)
//
// Allowed values:
//   never AlwaysAllow; Node present; RBAC present. Modes are compared as list items, never as
//   substrings: "RBAC-webhook" is not RBAC.
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.6, 1.2.7, 1.2.8;
// https://kubernetes.io/docs/reference/access-authn-authz/authorization/

import (
	"fmt"
	"slices"
	"strings"

	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// authorizationModes returns the authorizers in order, and evidence for them. With
// --authorization-config it reads the file; a file that cannot be read returns violations.
func authorizationModes(ctx *rules.NodeContext) (modes []string, ev string, vs []rules.Violation) {
	if cfg := flag(ctx, "authorization-config"); cfg.Set() && cfg.Given() != "" {
		f, vs := nodeFile(ctx, "authorization-config", cfg.Given())
		if f == nil {
			return nil, "", vs
		}
		var doc struct {
			Authorizers []struct {
				Type string `json:"type"`
				Name string `json:"name"`
			} `json:"authorizers"`
		}
		j, err := yaml.YAMLToJSON(f.Data)
		if err == nil {
			err = sigsjson.UnmarshalCaseSensitivePreserveInts(j, &doc)
		}
		if err != nil {
			return nil, "", fail("authorization-config", fmt.Sprintf("%s, which --authorization-config names, is not a readable AuthorizationConfiguration: %v", cfg.Given(), err), evidence(ctx, "authorization-config", ""))
		}
		for _, a := range doc.Authorizers {
			modes = append(modes, a.Type)
		}
		return modes, fmt.Sprintf("authorizers [%s] in %s (%s)", strings.Join(modes, ", "), cfg.Given(), evidence(ctx, "authorization-config", "")), nil
	}
	v := flag(ctx, "authorization-mode")
	if !v.Set() {
		return []string{"AlwaysAllow"}, evidence(ctx, "authorization-mode", "AlwaysAllow"), nil
	}
	return v.List(), evidence(ctx, "authorization-mode", ""), nil
}

func authorizationRule(id, title string, sev finding.Severity, ref rules.Reference, desc, remedy string,
	judge func(modes []string) string) rules.Rule {
	return rules.Rule{
		ID: id, Title: title, Severity: sev, Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: desc, Fields: []string{"--authorization-mode", "--authorization-config authorizers[].type"},
		Allowed: []string{"never AlwaysAllow; Node and RBAC present, as list items"}, References: []rules.Reference{ref, docsAuthz},
		Remedy: remedy,
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			modes, ev, vs := authorizationModes(ctx)
			if modes == nil {
				return vs
			}
			if msg := judge(modes); msg != "" {
				path := "--authorization-mode"
				if flag(ctx, "authorization-config").Set() {
					path = "--authorization-config"
				}
				return []rules.Violation{{Path: path, Message: msg, Evidence: ev}}
			}
			ctx.Pass(ev)
			return nil
		},
	}
}

func authorizationAlwaysAllowRule() rules.Rule {
	return authorizationRule("apiserver/authorization-always-allow", "API server authorizes every request", finding.Critical, cisAuthzNotAlways,
		"AlwaysAllow authorizes every authenticated request, and every anonymous one when anonymous authentication is on: "+
			"RBAC is bypassed. It is the API server's default when neither --authorization-mode nor --authorization-config is given.",
		"Set --authorization-mode=Node,RBAC (and nothing that allows everything).",
		func(modes []string) string {
			if i := slices.Index(modes, "AlwaysAllow"); i >= 0 {
				if i == 0 {
					return "the first authorizer is AlwaysAllow: every request is authorized, whatever RBAC says"
				}
				return fmt.Sprintf("AlwaysAllow is authorizer %d of [%s]: every request the ones before it do not decide is authorized", i+1, strings.Join(modes, ", "))
			}
			return ""
		})
}

func authorizationNodeRule() rules.Rule {
	return authorizationRule("apiserver/authorization-node", "API server does not restrict kubelets with the Node authorizer", finding.Medium, cisAuthzNode,
		"The Node authorizer limits each kubelet to the objects of the pods bound to its node (their Secrets, ConfigMaps, volumes). "+
			"Without it, kubelets need broad RBAC rights, and one compromised node reads every Secret.",
		"Set --authorization-mode=Node,RBAC and run --enable-admission-plugins with NodeRestriction.",
		func(modes []string) string {
			if !slices.Contains(modes, "Node") {
				return fmt.Sprintf("the authorizers [%s] do not include Node: kubelets are not confined to their own pods' objects", strings.Join(modes, ", "))
			}
			return ""
		})
}

func authorizationRBACRule() rules.Rule {
	return authorizationRule("apiserver/authorization-rbac", "API server does not authorize with RBAC", finding.High, cisAuthzRBAC,
		"RBAC is how Kubernetes grants rights to users and service accounts. Without it, Roles and bindings have no effect, "+
			"and rights are whatever the other authorizers decide.",
		"Set --authorization-mode=Node,RBAC.",
		func(modes []string) string {
			if !slices.Contains(modes, "RBAC") {
				return fmt.Sprintf("the authorizers [%s] do not include RBAC: Roles and RoleBindings have no effect", strings.Join(modes, ", "))
			}
			return ""
		})
}
