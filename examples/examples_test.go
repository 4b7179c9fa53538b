// Package examples holds the manifests the README scans; this test keeps them honest: the
// hardened shop scans clean, and every mistake planted in the insecure one is found where
// it is written.
package examples

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/helm"
	"palisade.dev/palisade/internal/source/kustomize"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testfiles"
	"palisade.dev/palisade/internal/testscan"
)

func scanExample(t *testing.T, path string) *scan.Result {
	t.Helper()
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatalf("catalog: %v", err)
	}
	chart, err := helm.New(helm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Manifests(context.Background(), scan.Request{
		Paths:   []string{path},
		Load:    manifest.Options{Expanders: []manifest.Expander{chart, kustomize.New()}},
		Catalog: catalog,
		Rules:   rules.Options{PSSVersion: "latest"},
	})
	for _, e := range res.Errors {
		t.Errorf("scan error: %s: %s", e.Location, e.Message)
	}
	return res
}

// TestCleanExamples pins that the secure examples have no finding, except what they cannot
// fix themselves: a chart does not own the namespace it is installed in.
func TestCleanExamples(t *testing.T) {
	tests := []struct {
		path    string
		allowed string // a rule ID prefix whose findings are expected
	}{
		{"hardened", ""},
		{filepath.Join("kustomize", "overlays", "production"), ""},
		{filepath.Join("helm", "web"), "namespace/"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			for _, f := range testscan.Active(t, scanExample(t, tt.path)) {
				if tt.allowed != "" && strings.HasPrefix(f.RuleID, tt.allowed) {
					continue
				}
				t.Errorf("%s %s %s/%s: %s", f.Location, f.RuleID, f.Object.Kind, f.Object.Name, f.Message)
			}
		})
	}
}

// TestInsecureExample pins that each mistake of the insecure shop is reported on the line
// that holds it (namespace-level findings anywhere in the file that defines the namespace).
func TestInsecureExample(t *testing.T) {
	active := testscan.Active(t, scanExample(t, "insecure"))
	tests := []struct {
		file, line, rule string // line: text of the offending line; "" for any line
	}{
		{"namespace.yaml", "", "namespace/pod-security-enforce"},
		{"namespace.yaml", "", "namespace/resource-quota"},
		{"namespace.yaml", "", "namespace/limit-range"},
		{"namespace.yaml", "", "namespace/default-deny-network-policy"},
		{"web.yaml", "annotation:", "manifest/unknown-field"},
		{"web.yaml", "image: nginx:latest", "pod/image-tag"},
		{"web.yaml", "    spec:", "pod/default-service-account"},
		{"web.yaml", "    spec:", "pod/automount-service-account-token"},
		{"web.yaml", "- name: web", "pod/run-as-non-root"},
		{"web.yaml", "- name: web", "pod/memory-limit"},
		{"api.yaml", "runtime/defailt", "manifest/invalid-value"},
		{"api.yaml", "image: registry.example.com/shop/api", "pod/image-tag"},
		{"api.yaml", "- NET_RAW", "pod/dangerous-capabilities"},
		{"api.yaml", "- SYS_PTRACE", "pod/dangerous-capabilities"},
		{"api.yaml", "value: Sup3rS3cret!", "pod/credentials-in-env"},
		{"db.yaml", "runAsUser: 0", "pod/run-as-root-user"},
		{"db.yaml", "hostPort: 5432", "pod/host-port"},
		{"db.yaml", "path: /var/lib/shop/postgres", "pod/host-path"},
		{"db.yaml", "image: postgres:16", "pod/image-digest"},
		{"db.yaml", "value: Sup3rS3cret!", "pod/credentials-in-env"},
		{"backup.yaml", "privileged: true", "pod/privileged"},
		{"backup.yaml", "path: /var/backups", "pod/host-path"},
		{"backup.yaml", "image: postgres:latest", "pod/image-tag"},
		{"backup.yaml", "value: Sup3rS3cret!", "pod/credentials-in-env"},
		{"networkpolicy.yaml", "- form:", "manifest/unknown-field"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.rule+"/"+strings.TrimSpace(tt.line), func(t *testing.T) {
			file := filepath.Join("insecure", tt.file)
			line := 0
			if tt.line != "" {
				line = testfiles.LineOf(t, file, tt.line)
			}
			if !found(active, file, line, tt.rule) {
				t.Errorf("no %s at %s:%d (%q)", tt.rule, file, line, tt.line)
			}
		})
	}
}

// found reports whether a finding at file:line is of rule, or names rule among the other rules
// its one cause breaks (one cause is one finding: pod/host-port may speak through the finding
// of the Pod Security Standard that the same hostPort breaks).
func found(fs []finding.Finding, file string, line int, rule string) bool {
	for _, f := range fs {
		if f.Location.File != file || (line != 0 && f.Location.Line != line) {
			continue
		}
		if f.RuleID == rule || slices.Contains(f.AlsoBreaks(), rule) {
			return true
		}
	}
	return false
}
