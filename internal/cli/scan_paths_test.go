package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pathErrors reads the errors of a JSON report as "file: message".
func pathErrors(t *testing.T, out string) []string {
	t.Helper()
	var rep struct {
		Errors []struct {
			Message  string `json:"message"`
			Location struct {
				File string `json:"file"`
			} `json:"location"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON (%v):\n%s", err, out)
	}
	var errs []string
	for _, e := range rep.Errors {
		errs = append(errs, filepath.ToSlash(e.Location.File)+": "+e.Message)
	}
	return errs
}

// TestScanOfBadPaths pins, end to end, that a path that cannot be scanned as given (a link
// out of the scanned folder, a link loop) is an error on that path alone: the other paths
// are scanned, the report is written, the exit code is 2.
func TestScanOfBadPaths(t *testing.T) {
	const privileged = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext: {privileged: true}\n"
	tests := []struct {
		name string
		// setup builds the tree in the working folder and returns the arguments after scan.
		setup      func(t *testing.T) []string
		wantCode   int
		wantErrors []string // "file: part of the message"
		wantRule   bool     // pod/privileged is reported (the good path was scanned)
	}{
		{
			name: "a folder link out of the scanned folder is reported, not followed",
			setup: func(t *testing.T) []string {
				mustSymlink(t, "../outside", "repo/out")
				return []string{"repo"}
			},
			wantCode:   2,
			wantErrors: []string{"repo/out: points outside the scanned folder; not followed"},
		},
		{
			name: "a link to the filesystem root is reported, not walked",
			setup: func(t *testing.T) []string {
				mustSymlink(t, "/", "repo/root")
				return []string{"repo"}
			},
			wantCode:   2,
			wantErrors: []string{"repo/root: points outside the scanned folder; not followed"},
		},
		{
			name: "--follow-symlinks follows a link out of the scanned folder",
			setup: func(t *testing.T) []string {
				mustSymlink(t, "../outside", "repo/out")
				return []string{"repo", "--follow-symlinks"}
			},
			wantCode: 1, wantRule: true,
		},
		{
			name: "a link loop given as the first path is an error on that path; the others are scanned",
			setup: func(t *testing.T) []string {
				mustSymlink(t, "a.yaml", "a.yaml")
				return []string{"a.yaml", "outside"}
			},
			wantCode:   2,
			wantErrors: []string{"a.yaml: cannot read: too many levels of symbolic links"},
			wantRule:   true,
		},
		{
			name: "a path through a file given first is an error on that path; the others are scanned",
			setup: func(t *testing.T) []string {
				return []string{"outside/pod.yaml/child", "outside"}
			},
			wantCode:   2,
			wantErrors: []string{"outside/pod.yaml/child: cannot read: not a directory"},
			wantRule:   true,
		},
		{
			name: "a name too long given first is an error on that path; the others are scanned",
			setup: func(t *testing.T) []string {
				return []string{strings.Repeat("x", 300), "outside"}
			},
			wantCode:   2,
			wantErrors: []string{strings.Repeat("x", 300) + ": cannot read: file name too long"},
			wantRule:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			for name, data := range map[string]string{
				"repo/cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\n",
				"outside/pod.yaml": privileged,
			} {
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"scan", "-o", "json", "--rule", "pod/privileged"}, tt.setup(t)...)
			code, out, errOut := run(t, args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.wantCode, errOut)
			}
			errs := pathErrors(t, out)
			if len(errs) != len(tt.wantErrors) {
				t.Fatalf("errors %q, want %q", errs, tt.wantErrors)
			}
			for i, w := range tt.wantErrors {
				if !strings.HasPrefix(errs[i], w) {
					t.Errorf("error %q, want %q...", errs[i], w)
				}
			}
			if got := strings.Contains(out, `"pod/privileged"`); got != tt.wantRule {
				t.Errorf("pod/privileged reported: %v, want %v", got, tt.wantRule)
			}
		})
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestScanStandardInputTwice pins that "-" given twice is a usage error (exit 2, before any
// report): standard input can be read once, and the second would pass as empty.
func TestScanStandardInputTwice(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"dash once is read", []string{"-"}, 0},
		{"dash twice is refused", []string{"-", "-"}, 2},
		{"dash twice among other paths is refused", []string{"-", "../../examples/hardened", "-"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runWithStdin(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\n",
				append([]string{"scan", "--fail-on", "none"}, tt.args...)...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.want, errOut)
			}
			if tt.want == 2 {
				if !strings.Contains(errOut, "standard input (-) is given") || out != "" {
					t.Errorf("stderr %q, stdout %d bytes; want the usage error alone", errOut, len(out))
				}
			}
		})
	}
}

// TestScanKustomizationHelmCharts pins, end to end, kustomizations with helmCharts: without
// --enable-helm an error that says to pass it (exit 2, the report still written); with it the
// chart rendered from its local folder and judged, findings at the chart template's lines.
func TestScanKustomizationHelmCharts(t *testing.T) {
	tests := []struct {
		name      string
		flags     []string
		wantCode  int
		wantError string
		wantAt    string // file:line of pod/privileged
	}{
		{name: "without --enable-helm the error says to pass it", wantCode: 2, wantError: "pass --enable-helm to palisade scan"},
		{name: "with --enable-helm the chart is rendered locally and judged", flags: []string{"--enable-helm"}, wantCode: 1,
			wantAt: "app/charts/web/templates/deployment.yaml:14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			for name, data := range map[string]string{
				"app/kustomization.yaml":                   "namespace: shop\nhelmCharts:\n- name: web\n  releaseName: shop\n",
				"app/charts/web/Chart.yaml":                "apiVersion: v2\nname: web\nversion: 1.0.0\n",
				"app/charts/web/values.yaml":               "privileged: true\n",
				"app/charts/web/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        securityContext: {privileged: {{ .Values.privileged }}}\n        image: registry.example/web:1.0\n",
			} {
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, out, errOut := run(t, append([]string{"scan", "-o", "json", "--rule", "pod/privileged", "app"}, tt.flags...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.wantCode, errOut)
			}
			errs := pathErrors(t, out)
			if tt.wantError != "" {
				if len(errs) != 1 || !strings.Contains(errs[0], tt.wantError) || !strings.HasPrefix(errs[0], "app/kustomization.yaml") {
					t.Errorf("errors %q, want one in app/kustomization.yaml saying %q", errs, tt.wantError)
				}
				return
			}
			if len(errs) > 0 {
				t.Errorf("errors %q", errs)
			}
			var rep jsonReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			var at []string
			for _, f := range rep.Findings {
				at = append(at, fmt.Sprintf("%s:%d", filepath.ToSlash(f.Location.File), f.Location.Line))
			}
			if len(at) != 1 || at[0] != tt.wantAt {
				t.Errorf("pod/privileged at %v, want %s", at, tt.wantAt)
			}
		})
	}
}
