package kustomize_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/kustomize"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testfiles"
)

var (
	examples   = filepath.Join("..", "..", "..", "examples", "kustomize")
	base       = filepath.Join(examples, "base")
	production = filepath.Join(examples, "overlays", "production")
)

func load(t *testing.T, paths ...string) *manifest.Result {
	t.Helper()
	return manifest.Load(context.Background(), paths, manifest.Options{Expanders: []manifest.Expander{kustomize.New()}})
}

func names(inv *inventory.Inventory) []string {
	var out []string
	for _, o := range inv.Objects() {
		out = append(out, o.GVK.Kind+" "+o.Namespace+"/"+o.Name)
	}
	return out
}

func TestMatch(t *testing.T) {
	dir := t.TempDir()
	testfiles.Write(t, dir, map[string]string{
		"yaml/kustomization.yaml": "resources: []\n",
		"yml/kustomization.yml":   "resources: []\n",
		"bare/Kustomization":      "resources: []\n",
		"none/deployment.yaml":    "kind: Deployment\n",
	})
	k := kustomize.New()
	for sub, want := range map[string]bool{"yaml": true, "yml": true, "bare": true, "none": false} {
		if got := k.Match(filepath.Join(dir, sub)); got != want {
			t.Errorf("Match(%s) = %v, want %v", sub, got, want)
		}
	}
}

// TestOverlayObjects pins what the production overlay builds and where each object is said
// to come from.
func TestOverlayObjects(t *testing.T) {
	res := load(t, production)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	tests := []struct {
		kind, namespace, name string
		file                  string
	}{
		{"Namespace", "", "shop-prod", filepath.Join(production, "namespace.yaml")},
		{"ResourceQuota", "shop-prod", "prod-quota", filepath.Join(production, "guardrails.yaml")},
		{"LimitRange", "shop-prod", "prod-container-defaults", filepath.Join(production, "guardrails.yaml")},
		{"NetworkPolicy", "shop-prod", "prod-default-deny", filepath.Join(production, "networkpolicy.yaml")},
		{"ServiceAccount", "shop-prod", "prod-api", filepath.Join(base, "serviceaccount.yaml")},
		{"Deployment", "shop-prod", "prod-api", filepath.Join(base, "deployment.yaml")},
		{"Service", "shop-prod", "prod-api", filepath.Join(base, "service.yaml")},
	}
	for _, tt := range tests {
		o := res.Inventory.Get(tt.kind, tt.namespace, tt.name)
		if o == nil {
			t.Errorf("no %s %s/%s; objects: %v", tt.kind, tt.namespace, tt.name, names(res.Inventory))
			continue
		}
		if o.Origin.File != tt.file {
			t.Errorf("%s %s: File = %q, want %q", tt.kind, tt.name, o.Origin.File, tt.file)
		}
		for k := range o.Annotations {
			if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "alpha.config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") {
				t.Errorf("%s %s: build annotation %s leaked into the object", tt.kind, tt.name, k)
			}
		}
	}

	// A generated object is placed in the kustomization that generates it.
	var generated *inventory.Object
	for _, o := range res.Inventory.ByKind("ConfigMap") {
		if strings.HasPrefix(o.Name, "prod-api-config-") {
			generated = o
		}
	}
	if generated == nil {
		t.Fatalf("no generated ConfigMap prod-api-config-*; objects: %v", names(res.Inventory))
	}
	if want := filepath.Join(production, "kustomization.yaml"); generated.Origin.File != want || generated.Locate("data").Line != 1 {
		t.Errorf("generated ConfigMap at %s, want %s:1", generated.Locate("data"), want)
	}

	dep := res.Inventory.Get("Deployment", "shop-prod", "prod-api").Typed.(*appsv1.Deployment)
	c := dep.Spec.Template.Spec.Containers[0]
	if want := "registry.example.com/shop/api@sha256:4b7c3a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"; c.Image != want {
		t.Errorf("image = %q, want %q (the overlay's digest)", c.Image, want)
	}
	if c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem || c.Resources.Limits.Memory().String() != "512Mi" {
		t.Errorf("the overlay's patch is not applied: securityContext %+v, resources %+v", c.SecurityContext, c.Resources)
	}
}

// TestOverlayLocations pins that fields are located in the source file of the resource: on
// their own line when the source has them, else on their nearest parent there.
func TestOverlayLocations(t *testing.T) {
	res := load(t, production)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	deployment := filepath.Join(base, "deployment.yaml")
	dep := res.Inventory.Get("Deployment", "shop-prod", "prod-api")
	if dep == nil {
		t.Fatalf("no Deployment; objects: %v", names(res.Inventory))
	}
	tests := []struct {
		path, text string
	}{
		{"kind", "kind: Deployment"},
		{"metadata.name", "  name: api"},
		{"spec.template.spec.securityContext.runAsNonRoot", "runAsNonRoot: true"},
		{"spec.template.spec.containers[0].image", "image: registry.example.com/shop/api"},
		{"spec.template.spec.volumes[1].secret.items[0].key", "key: password"},
		{"spec.template.spec.containers[0].securityContext.capabilities.drop[0]", "- ALL"},
		// Added by the overlay's patch: the base has only the parent.
		{"spec.template.spec.containers[0].resources.limits.memory", "- name: api"},
		{"spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem", "  securityContext:\n            allowPrivilegeEscalation"},
		{"spec.template.spec.volumes[0].emptyDir", "      volumes:"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			loc := dep.Locate(tt.path)
			text := tt.text
			if first, _, ok := strings.Cut(text, "\n"); ok {
				text = first
			}
			want := lineOfAfter(t, deployment, text, tt.text)
			if loc.File != deployment || loc.Line != want {
				t.Errorf("Locate(%s) = %s, want %s:%d", tt.path, loc, deployment, want)
			}
		})
	}
}

// lineOfAfter finds the line holding first; when full spans two lines, the line whose next
// line holds the second part.
func lineOfAfter(t *testing.T, file, first, full string) int {
	t.Helper()
	_, second, ok := strings.Cut(full, "\n")
	if !ok {
		return testfiles.LineOf(t, file, first)
	}
	data, _ := os.ReadFile(file)
	lines := strings.Split(string(data), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if strings.Contains(lines[i], first) && strings.Contains(lines[i+1], strings.TrimSpace(second)) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line %q followed by %q", file, first, second)
	return 0
}

// TestUserBuildMetadataKept pins that a kustomization's own buildMetadata still applies
// while origins are tracked.
func TestUserBuildMetadataKept(t *testing.T) {
	dir := t.TempDir()
	testfiles.Write(t, dir, map[string]string{
		"kustomization.yaml": "buildMetadata: [managedByLabel]\nresources:\n  - cm.yaml\n",
		"cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n",
	})
	res := load(t, dir)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	o := res.Inventory.Get("ConfigMap", "default", "settings")
	if o == nil {
		t.Fatalf("no ConfigMap; objects: %v", names(res.Inventory))
	}
	if !strings.HasPrefix(o.Labels["app.kubernetes.io/managed-by"], "kustomize-") {
		t.Errorf("labels = %v, want the managed-by label the kustomization asks for", o.Labels)
	}
	if o.Origin.File != filepath.Join(dir, "cm.yaml") || o.Locate("data.a").Line != 6 {
		t.Errorf("data.a at %s, want %s:6", o.Locate("data.a"), filepath.Join(dir, "cm.yaml"))
	}
}

// TestBrokenKustomizations pins that a kustomization that cannot be built is one error at its
// kustomization file, naming the cause, and that the other paths still load.
func TestBrokenKustomizations(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		line  int
		want  []string
	}{
		{
			name:  "resource file missing",
			files: map[string]string{"app/kustomization.yaml": "resources:\n  - cm.yaml\n  - missing.yaml\n", "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"},
			line:  3,
			want:  []string{"resource missing.yaml: no such file or folder"},
		},
		{
			name: "resource missing in a base",
			files: map[string]string{
				"app/kustomization.yaml":  "resources:\n  - ../base\n",
				"base/kustomization.yaml": "resources:\n  - gone.yaml\n",
			},
			line: 2,
			want: []string{"../base", "gone.yaml"},
		},
		{
			name:  "kustomization that is not YAML",
			files: map[string]string{"app/kustomization.yaml": "resources: [a.yaml\n"},
			want:  []string{"building"},
		},
		{
			name:  "unknown field",
			files: map[string]string{"app/kustomization.yaml": "resourcez:\n  - a.yaml\n"},
			want:  []string{"resourcez"},
		},
		{
			name: "file outside the kustomization's folder",
			files: map[string]string{
				"app/kustomization.yaml": "resources:\n  - ../outside.yaml\n",
				"outside.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\n",
			},
			line: 2,
			want: []string{"outside.yaml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			testfiles.Write(t, dir, tt.files)
			res := load(t, filepath.Join(dir, "app"), base)
			if len(res.Errors) != 1 {
				t.Fatalf("errors = %v, want exactly one", res.Errors)
			}
			e := res.Errors[0]
			if want := filepath.Join(dir, "app", "kustomization.yaml"); e.Location.File != want || e.Location.Line != tt.line {
				t.Errorf("error at %s, want %s line %d: %s", e.Location, want, tt.line, e.Message)
			}
			for _, w := range append(tt.want, "kustomize") {
				if !strings.Contains(e.Message, w) {
					t.Errorf("error %q does not mention %q", e.Message, w)
				}
			}
			if res.Inventory.Get("Deployment", "default", "api") == nil {
				t.Errorf("the other path did not load; objects: %v", names(res.Inventory))
			}
		})
	}
}
