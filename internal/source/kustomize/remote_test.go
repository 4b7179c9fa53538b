package kustomize_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"palisade.dev/palisade/internal/source/kustomize"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testfiles"
)

const notFetched = "not fetched; Palisade does not reach the network during a scan unless --allow-remote-resources is given"

// proxyConnections counts connections to the proxy TestMain points HTTP and HTTPS at. Go
// reads the proxy settings once per process, so the proxy is set up once, before any test.
var proxyConnections atomic.Int32

func TestMain(m *testing.M) {
	proxy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		for {
			c, err := proxy.Accept()
			if err != nil {
				return
			}
			proxyConnections.Add(1)
			c.Close()
		}
	}()
	url := "http://" + proxy.Addr().String()
	for _, v := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"} {
		os.Setenv(v, url)
	}
	os.Unsetenv("NO_PROXY")
	os.Unsetenv("no_proxy")
	code := m.Run()
	proxy.Close()
	os.Exit(code)
}

// networkTrap makes any attempt to fetch visible and harmless for the rest of the test: HTTP
// and HTTPS go to the proxy of TestMain, which only counts connections (a server on loopback
// is never proxied), and git is a program that records that it ran. It returns that record.
func networkTrap(t *testing.T) (gitRan string) {
	t.Helper()
	bin := t.TempDir()
	gitRan = filepath.Join(bin, "git-ran")
	script := fmt.Sprintf("#!/bin/sh\necho \"$@\" >> '%s'\nexit 1\n", gitRan)
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	return gitRan
}

// forbidNetwork sets the trap and fails the test if anything was fetched.
func forbidNetwork(t *testing.T) {
	t.Helper()
	gitRan := networkTrap(t)
	before := proxyConnections.Load()
	t.Cleanup(func() {
		if n := proxyConnections.Load() - before; n > 0 {
			t.Errorf("%d connections were attempted", n)
		}
		if data, err := os.ReadFile(gitRan); err == nil {
			t.Errorf("git was run: %s", data)
		}
	})
}

// TestRemoteEntriesNotFetched pins that a kustomization naming anything Kustomize would fetch
// is not built: one error, at the kustomization file and line of the entry (in a nested base
// when that is where it is), with nothing fetched, and the other paths still load.
func TestRemoteEntriesNotFetched(t *testing.T) {
	deployment := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n"
	tests := []struct {
		name  string
		files map[string]string
		file  string // where the error is, relative to the test folder
		line  int
		want  string
	}{
		{
			name: "git base in resources",
			files: map[string]string{
				"app/kustomization.yaml": "resources:\n  - cm.yaml\n  - github.com/example/platform//base?ref=v1.2.0\n",
				"app/cm.yaml":            deployment,
			},
			file: "app/kustomization.yaml", line: 3,
			want: "remote resource github.com/example/platform//base?ref=v1.2.0: " + notFetched,
		},
		{
			name:  "scp-like git URL in bases",
			files: map[string]string{"app/kustomization.yaml": "bases:\n  - git@github.com:example/platform.git//base\n"},
			file:  "app/kustomization.yaml", line: 2,
			want: "remote base git@github.com:example/platform.git//base: " + notFetched,
		},
		{
			name:  "https file",
			files: map[string]string{"app/kustomization.yml": "namespace: shop\nresources:\n- https://raw.githubusercontent.com/example/platform/v1/deploy.yaml\n"},
			file:  "app/kustomization.yml", line: 3,
			want: "remote resource https://raw.githubusercontent.com/example/platform/v1/deploy.yaml: " + notFetched,
		},
		{
			name: "git URL only in a nested local base",
			files: map[string]string{
				"app/kustomization.yaml":       "resources:\n  - ../base\n",
				"base/kustomization.yaml":      "resources:\n  - ../platform\n",
				"platform/Kustomization":       "# shared platform pieces\nresources:\n  - cm.yaml\n  - ssh://git@git.example.com/platform/base.git?ref=v1\n",
				"platform/cm.yaml":             deployment,
				"unrelated/kustomization.yaml": "resources:\n  - https://example.com/never-read.yaml\n",
			},
			file: "platform/Kustomization", line: 4,
			want: "remote resource ssh://git@git.example.com/platform/base.git?ref=v1: " + notFetched,
		},
		{
			name:  "component",
			files: map[string]string{"app/kustomization.yaml": "components:\n  - https://github.com/example/platform//components/tls\n"},
			file:  "app/kustomization.yaml", line: 2,
			want: "remote component https://github.com/example/platform//components/tls: " + notFetched,
		},
		{
			name: "patch path",
			files: map[string]string{
				"app/kustomization.yaml": "resources:\n  - cm.yaml\npatches:\n  - target:\n      kind: ConfigMap\n    path: https://example.com/patches/cm.yaml\n",
				"app/cm.yaml":            deployment,
			},
			file: "app/kustomization.yaml", line: 6,
			want: "remote patch https://example.com/patches/cm.yaml: " + notFetched,
		},
		{
			name:  "generator file",
			files: map[string]string{"app/kustomization.yaml": "configMapGenerator:\n  - name: settings\n    files:\n      - app.properties=https://example.com/app.properties\n"},
			file:  "app/kustomization.yaml", line: 4,
			want: "remote generator file https://example.com/app.properties: " + notFetched,
		},
		{
			name: "built-in transformer configured in a local file",
			files: map[string]string{
				"app/kustomization.yaml": "resources:\n  - cm.yaml\ntransformers:\n  - patcher.yaml\n",
				"app/cm.yaml":            deployment,
				"app/patcher.yaml":       "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: patcher\npath: https://example.com/patch.yaml\ntarget:\n  kind: ConfigMap\n",
			},
			file: "app/patcher.yaml", line: 5,
			want: "remote patch https://example.com/patch.yaml: " + notFetched,
		},
		{
			name: "several remote entries",
			files: map[string]string{
				"app/kustomization.yaml": "resources:\n  - https://example.com/a.yaml\n  - https://example.com/b.yaml\ncrds:\n  - https://example.com/crd.yaml\n",
			},
			file: "app/kustomization.yaml", line: 2,
			want: "remote resource https://example.com/a.yaml: " + notFetched + " (2 more remote entries in this build)",
		},
		{
			name:  "password in the URL is masked",
			files: map[string]string{"app/kustomization.yaml": "resources:\n  - https://deploy:s3cret@git.example.com/org/repo//base\n"},
			file:  "app/kustomization.yaml", line: 2,
			want: "remote resource https://deploy:xxxxx@git.example.com/org/repo//base: " + notFetched,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forbidNetwork(t)
			dir := t.TempDir()
			testfiles.Write(t, dir, tt.files)
			res := load(t, filepath.Join(dir, "app"), base)
			if len(res.Errors) != 1 {
				t.Fatalf("errors = %v, want exactly one", res.Errors)
			}
			e := res.Errors[0]
			if want := filepath.Join(dir, filepath.FromSlash(tt.file)); e.Location.File != want || e.Location.Line != tt.line {
				t.Errorf("error at %s, want %s line %d: %s", e.Location, want, tt.line, e.Message)
			}
			if !strings.HasSuffix(e.Message, tt.want) || !strings.Contains(e.Message, "kustomize: building ") {
				t.Errorf("error %q, want it to end with %q", e.Message, tt.want)
			}
			if strings.Contains(e.Message, "s3cret") {
				t.Errorf("error %q shows the password", e.Message)
			}
			if res.Inventory.Get("Deployment", "default", "api") == nil {
				t.Errorf("the other path did not load; objects: %v", names(res.Inventory))
			}
		})
	}
}

// TestLocalOnlyBuilds pins that a kustomization reading only this disk is still built, with
// nothing fetched: local bases, components, patches, generator files and plugin configs, and
// a base shared twice.
func TestLocalOnlyBuilds(t *testing.T) {
	forbidNetwork(t)
	dir := t.TempDir()
	testfiles.Write(t, dir, map[string]string{
		"app/kustomization.yaml": `resources:
  - ../base
  - ../other
components:
  - ../component
patches:
  - path: patch.yaml
configMapGenerator:
  - name: settings
    files:
      - app.properties
transformers:
  - labels.yaml
`,
		"app/patch.yaml":               "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\ndata:\n  patched: \"yes\"\n",
		"app/app.properties":           "a=b\n",
		"app/labels.yaml":              "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: labels\nlabels:\n  team: shop\nfieldSpecs:\n  - path: metadata/labels\n    create: true\n",
		"base/kustomization.yaml":      "resources:\n  - cm.yaml\n",
		"base/cm.yaml":                 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\n",
		"other/kustomization.yaml":     "namePrefix: other-\nresources:\n  - ../shared\n",
		"shared/kustomization.yaml":    "resources:\n  - cm.yaml\n",
		"shared/cm.yaml":               "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n",
		"component/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - cm.yaml\n",
		"component/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: component\n",
	})
	res := load(t, filepath.Join(dir, "app"))
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	for _, name := range []string{"base", "other-shared", "component"} {
		o := res.Inventory.Get("ConfigMap", "default", name)
		if o == nil {
			t.Errorf("no ConfigMap %s; objects: %v", name, names(res.Inventory))
			continue
		}
		if o.Labels["team"] != "shop" {
			t.Errorf("ConfigMap %s labels = %v, want the transformer's team=shop", name, o.Labels)
		}
	}
	if o := res.Inventory.Get("ConfigMap", "default", "base"); o != nil && o.Content == nil && o.Typed == nil {
		t.Errorf("ConfigMap base has no content")
	}
}

// TestAllowRemoteResources pins that the Expander told to allow remote resources lets
// Kustomize fetch as kustomize build would: an http file from a server on loopback is built,
// and a git URL is handed to git.
func TestAllowRemoteResources(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fetched\ndata:\n  a: b\n")
	}))
	defer server.Close()
	dir := t.TempDir()
	testfiles.Write(t, dir, map[string]string{
		"http/kustomization.yaml": "resources:\n  - " + server.URL + "/cm.yaml\n",
		"git/kustomization.yaml":  "resources:\n  - github.com/example/platform//base?ref=v1\n",
	})
	gitRan := networkTrap(t)
	allowing := &kustomize.Kustomization{AllowRemoteResources: true}
	res := manifest.Load(context.Background(), []string{filepath.Join(dir, "http"), filepath.Join(dir, "git")},
		manifest.Options{Expanders: []manifest.Expander{allowing}})

	o := res.Inventory.Get("ConfigMap", "default", "fetched")
	if o == nil {
		t.Fatalf("the fetched ConfigMap is missing; objects: %v; errors: %v", names(res.Inventory), res.Errors)
	}
	if want := filepath.Join(dir, "http"); o.Origin.File != want {
		t.Errorf("fetched ConfigMap placed in %q, want its kustomization folder %q", o.Origin.File, want)
	}
	if _, err := os.Stat(gitRan); err != nil {
		t.Errorf("git was not run for the git URL: %v", err)
	}
	for _, e := range res.Errors {
		if strings.Contains(e.Message, "not fetched") {
			t.Errorf("error %q, want Kustomize's own fetching", e.Message)
		}
	}
}

// TestRemoteWalkBounds pins that the walk ends on bases that name each other (left for
// Kustomize to report) and refuses bases nested too deep to check.
func TestRemoteWalkBounds(t *testing.T) {
	forbidNetwork(t)
	t.Run("cycle", func(t *testing.T) {
		dir := t.TempDir()
		testfiles.Write(t, dir, map[string]string{
			"app/kustomization.yaml":  "resources:\n  - ../loop\n",
			"loop/kustomization.yaml": "resources:\n  - ../app\n",
		})
		res := load(t, filepath.Join(dir, "app"))
		if len(res.Errors) != 1 || strings.Contains(res.Errors[0].Message, "not fetched") {
			t.Errorf("errors = %v, want Kustomize's own error about the cycle", res.Errors)
		}
	})
	t.Run("too deep", func(t *testing.T) {
		dir := t.TempDir()
		files := map[string]string{"app/kustomization.yaml": "resources:\n  - ../b1\n"}
		for i := 1; i <= 70; i++ {
			files[fmt.Sprintf("b%d/kustomization.yaml", i)] = fmt.Sprintf("resources:\n  - ../b%d\n", i+1)
		}
		testfiles.Write(t, dir, files)
		res := load(t, filepath.Join(dir, "app"))
		if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "nest more than 64 deep") {
			t.Fatalf("errors = %v, want one about nesting", res.Errors)
		}
		if want := filepath.Join(dir, "b64", "kustomization.yaml"); res.Errors[0].Location.File != want || res.Errors[0].Location.Line != 2 {
			t.Errorf("error at %s, want %s:2", res.Errors[0].Location, want)
		}
	})
}

// TestRemoteEntryBehindSymlink pins that bases are found where Kustomize finds them: from the
// real folder of a kustomization reached through a symbolic link.
func TestRemoteEntryBehindSymlink(t *testing.T) {
	forbidNetwork(t)
	dir := t.TempDir()
	testfiles.Write(t, dir, map[string]string{
		"real/app/kustomization.yaml":  "resources:\n  - ../base\n",
		"real/base/kustomization.yaml": "resources:\n  - https://example.com/deploy.yaml\n",
	})
	if err := os.MkdirAll(filepath.Join(dir, "links"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "real", "app"), filepath.Join(dir, "links", "app")); err != nil {
		t.Fatal(err)
	}
	res := load(t, filepath.Join(dir, "links", "app"))
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, notFetched) {
		t.Fatalf("errors = %v, want the not-fetched one", res.Errors)
	}
	real, err := filepath.EvalSymlinks(filepath.Join(dir, "real", "base", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Errors[0].Location; got.File != real || got.Line != 2 {
		t.Errorf("error at %s, want %s:2", got, real)
	}
}
