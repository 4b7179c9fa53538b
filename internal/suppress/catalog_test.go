package suppress_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/manifest"
)

// testCatalog is a small catalog of simple rules, so that these tests do not depend on the
// built-in rules and their evolution.
func testCatalog(t *testing.T) *rules.Catalog {
	t.Helper()
	podRule := func(id string, sev finding.Severity, check func(*rules.PodContext) []rules.Violation) rules.Rule {
		return rules.Rule{
			ID: id, Title: id, Severity: sev, Area: rules.AreaWorkload, Scope: rules.ScopePod,
			Description: "test rule " + id, Remedy: "fix " + id, Pod: check,
		}
	}
	c, err := rules.NewCatalog(
		podRule("pod/host-network", finding.High, func(ctx *rules.PodContext) []rules.Violation {
			if !ctx.Pod.Spec.HostNetwork {
				return nil
			}
			return []rules.Violation{{Path: ctx.Pod.SpecPath + ".hostNetwork", Message: "hostNetwork is true"}}
		}),
		podRule("pod/privileged", finding.Critical, func(ctx *rules.PodContext) []rules.Violation {
			var out []rules.Violation
			for _, c := range ctx.Pod.Containers() {
				if sc := c.SecurityContext; sc != nil && sc.Privileged != nil && *sc.Privileged {
					out = append(out, rules.Violation{Path: c.Path + ".securityContext.privileged", Container: c.Name, Message: "privileged"})
				}
			}
			return out
		}),
		podRule("pod/cpu-limit", finding.Medium, func(ctx *rules.PodContext) []rules.Violation {
			var out []rules.Violation
			for _, c := range ctx.Pod.Containers() {
				if _, ok := c.Resources.Limits[corev1.ResourceCPU]; !ok {
					out = append(out, rules.Violation{Path: c.Path + ".resources.limits.cpu", Container: c.Name, Message: "no cpu limit"})
				}
			}
			return out
		}),
		podRule("pod/image-digest", finding.Low, func(ctx *rules.PodContext) []rules.Violation {
			var out []rules.Violation
			for _, c := range ctx.Pod.Containers() {
				if !strings.Contains(c.Image, "@sha256:") {
					out = append(out, rules.Violation{Path: c.Path + ".image", Container: c.Name, Message: "image not pinned by digest"})
				}
			}
			return out
		}),
		rules.Rule{
			ID: "namespace/network-policy", Title: "default-deny NetworkPolicy", Severity: finding.Medium,
			Area: rules.AreaNamespace, Scope: rules.ScopeNamespace,
			Description: "test rule", Remedy: "add one",
			Namespace: func(ctx *rules.NamespaceContext) []rules.Violation {
				for _, o := range ctx.Inventory.InNamespace(ctx.Name) {
					if o.GVK.Kind == "NetworkPolicy" {
						return nil
					}
				}
				return []rules.Violation{{Message: "no NetworkPolicy in namespace " + ctx.Name}}
			},
		},
	)
	if err != nil {
		t.Fatalf("building the test catalog: %v", err)
	}
	return c
}

// loadYAML decodes manifests given as text, as the scan would read them from standard input.
func loadYAML(t *testing.T, text string) *inventory.Inventory {
	t.Helper()
	res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Namespace: "default", Stdin: strings.NewReader(text)})
	if len(res.Errors) > 0 {
		t.Fatalf("loading test manifests: %v", res.Errors)
	}
	return res.Inventory
}
