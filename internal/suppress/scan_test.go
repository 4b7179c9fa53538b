package suppress_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/suppress"
	"palisade.dev/palisade/internal/testscan"
)

// TestScanWithSuppression runs the whole scan pipeline over testdata/scan: the config is found
// upward from the scanned folder, disables a rule, lowers a severity and exempts the CNI
// DaemonSet; objects exempt themselves by annotation, on their metadata or on their pod
// template's (which the streaming scan has let go of by then); a misspelt rule ID or annotation
// key is a scan error at its line and exempts nothing.
func TestScanWithSuppression(t *testing.T) {
	c := testCatalog(t)
	dir := filepath.Join("testdata", "scan")
	cfgPath, ok := suppress.FindConfig(filepath.Join(dir, "apps"))
	if want := filepath.Join(dir, suppress.ConfigFileName); !ok || cfgPath != want {
		t.Fatalf("FindConfig = %q, %v; want %q", cfgPath, ok, want)
	}
	cfg, err := suppress.LoadConfig(cfgPath, c)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}

	tests := []struct {
		name        string
		annotations bool
		findings    []string
		suppressed  []string
		errors      []string
	}{
		{
			name:        "config and annotations",
			annotations: true,
			findings: []string{
				"apps/shop.yaml:27:11 pod/image-digest Deployment/shop/legacy info",
				"apps/shop.yaml:43:9 pod/privileged Pod/shop/debug critical",
				"system/cilium.yaml:35:7 pod/host-network DaemonSet/kube-system/node-exporter high",
			},
			suppressed: []string{
				"apps/shop.yaml:1:1 namespace/network-policy Namespace/shop medium (annotation: policies are applied by the mesh operator)",
				"apps/shop.yaml:24:7 pod/host-network Deployment/shop/legacy high (annotation: vendor image needs raw sockets; ticket OPS-12)",
				"apps/shop.yaml:29:13 pod/privileged Deployment/shop/legacy critical (annotation: vendor image needs raw sockets; ticket OPS-12)",
				"apps/shop.yaml:64:13 pod/privileged Deployment/shop/agent critical (annotation: the agent loads kernel modules)",
				"system/cilium.yaml:14:7 pod/host-network DaemonSet/kube-system/cilium-agent high (config: CNI needs the host network)",
				"system/cilium.yaml:19:13 pod/privileged DaemonSet/kube-system/cilium-agent critical (config: CNI needs the host network)",
			},
			errors: []string{
				`apps/shop.yaml:37:5: annotation palisade.dev/ignore: unknown rule "pod/privilegd" (did you mean "pod/privileged"?); the annotation exempts nothing`,
				"apps/shop.yaml:58:9: unknown annotation palisade.io/ignore (did you mean palisade.dev/ignore?); it exempts nothing",
			},
		},
		{
			name:        "no annotation exemptions",
			annotations: false,
			findings: []string{
				"apps/shop.yaml:1:1 namespace/network-policy Namespace/shop medium",
				"apps/shop.yaml:24:7 pod/host-network Deployment/shop/legacy high",
				"apps/shop.yaml:27:11 pod/image-digest Deployment/shop/legacy info",
				"apps/shop.yaml:29:13 pod/privileged Deployment/shop/legacy critical",
				"apps/shop.yaml:43:9 pod/privileged Pod/shop/debug critical",
				"apps/shop.yaml:64:13 pod/privileged Deployment/shop/agent critical",
				"system/cilium.yaml:35:7 pod/host-network DaemonSet/kube-system/node-exporter high",
			},
			suppressed: []string{
				"system/cilium.yaml:14:7 pod/host-network DaemonSet/kube-system/cilium-agent high (config: CNI needs the host network)",
				"system/cilium.yaml:19:13 pod/privileged DaemonSet/kube-system/cilium-agent critical (config: CNI needs the host network)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scan.Manifests(context.Background(), scan.Request{
				Paths:   []string{dir},
				Load:    manifest.Options{Namespace: "default"},
				Catalog: c,
				Policy:  &suppress.Policy{Config: cfg, Catalog: c, Annotations: tt.annotations},
			})
			located := func(fs []finding.Finding) []string {
				var out []string
				for _, f := range fs {
					if f.RuleID == "pod/cpu-limit" {
						t.Errorf("rule pod/cpu-limit is disabled by the config, but reported %s", f.Object)
					}
					s := fmt.Sprintf("%s:%d:%d %s %s %s", rel(t, dir, f.Location.File), f.Location.Line, f.Location.Column, f.RuleID, f.Object, f.Severity)
					if f.Suppression != nil {
						s += fmt.Sprintf(" (%s: %s)", f.Suppression.Source, f.Suppression.Reason)
					}
					out = append(out, s)
				}
				return out
			}
			var errs []string
			for _, e := range res.Errors {
				e.Location.File = rel(t, dir, e.Location.File)
				errs = append(errs, e.Error())
			}
			compare(t, "findings", located(testscan.Active(t, res)), tt.findings)
			compare(t, "suppressed", located(res.Suppressed), tt.suppressed)
			compare(t, "errors", errs, tt.errors)
			if got := res.ExitCode(finding.High); got != 2 && len(tt.errors) > 0 {
				t.Errorf("exit code = %d, want 2 for a scan with errors", got)
			}
		})
	}
}

func rel(t *testing.T, dir, file string) string {
	t.Helper()
	r, err := filepath.Rel(dir, file)
	if err != nil {
		t.Fatalf("finding in %s, outside %s", file, dir)
	}
	return filepath.ToSlash(r)
}

func compare(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

// The scan must not evaluate a rule the config disables, rather than evaluate and drop it.
func TestScanSkipsDisabledRules(t *testing.T) {
	c := testCatalog(t)
	cfg := &suppress.Config{Disable: []string{"pod/*"}}
	var evaluated []string
	for _, r := range c.All() {
		if cfg.Selected(r) {
			evaluated = append(evaluated, r.ID)
		}
	}
	if !slices.Equal(evaluated, []string{"namespace/network-policy"}) {
		t.Errorf("selected rules = %v", evaluated)
	}
	res := scan.Manifests(context.Background(), scan.Request{
		Paths: []string{filepath.Join("testdata", "scan")}, Load: manifest.Options{Namespace: "default"},
		Catalog: c, Rules: rules.Options{}, Policy: &suppress.Policy{Config: cfg, Catalog: c, Annotations: true},
	})
	for _, f := range slices.Concat(testscan.Active(t, res), res.Suppressed) {
		if strings.HasPrefix(f.RuleID, "pod/") {
			t.Errorf("disabled rule %s reported on %s", f.RuleID, f.Object)
		}
	}
}
