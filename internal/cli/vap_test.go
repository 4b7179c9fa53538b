package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestVAP(t *testing.T) {
	tests := []struct {
		name string
		args []string
		// code is the exit code; want and notWant are in stdout, errWant in stderr.
		code             int
		want, notWant    []string
		errWant          string
		documentsAtLeast int
	}{
		{
			name: "every enforceable rule, denied, kube-system left out",
			args: []string{"vap"}, documentsAtLeast: 30,
			want: []string{"name: palisade-pod-privileged", "validationActions:\n  - Deny", "operator: NotIn", "- kube-system",
				"- pods/ephemeralcontainers", "- cronjobs", "policy.palisade.dev/rule: pod/run-as-non-root"},
			notWant: []string{"palisade-pod-host-port", "palisade-pss-", "creationTimestamp", "status:"},
		},
		{
			name:    "severity threshold leaves lower rules out",
			args:    []string{"vap", "--severity-at-least", "critical"},
			want:    []string{"palisade-pod-privileged", "palisade-pod-host-pid", "palisade-pod-windows-host-process"},
			notWant: []string{"palisade-pod-run-as-non-root", "palisade-pod-read-only-root-filesystem"},
		},
		{
			name:    "action and namespace selector reach the bindings",
			args:    []string{"vap", "--rule", "pod/privileged", "--action", "warn", "--namespace-selector", "env in (prod),team notin (ops)"},
			want:    []string{"- Warn", "key: env", "operator: In", "key: team", "operator: NotIn"},
			notWant: []string{"kube-system", "palisade-pod-host-pid"},
		},
		{
			name: "a pattern keeps what can be enforced and names the rest",
			args: []string{"vap", "--rule", "pod/*"},
			want: []string{"palisade-pod-seccomp"}, notWant: []string{"palisade-pod-image-tag"},
			errWant: "pod/image-tag",
		},
		{
			name: "a rule named that cannot be enforced is an error, not left out silently",
			args: []string{"vap", "--rule", "pod/host-port"}, code: 2,
			errWant: "--rule pod/host-port: a ValidatingAdmissionPolicy cannot enforce this rule exactly",
		},
		{
			name: "an unknown rule is an error",
			args: []string{"vap", "--rule", "pod/privilegd"}, code: 2, errWant: "pod/privileged",
		},
		{
			name: "an unknown action is an error",
			args: []string{"vap", "--action", "Block"}, code: 2, errWant: "--action",
		},
		{
			name: "a bad namespace selector is an error",
			args: []string{"vap", "--namespace-selector", "a in ("}, code: 2, errWant: "--namespace-selector",
		},
		{
			name: "nothing enforceable selected is an error",
			args: []string{"vap", "--rule", "rbac/*"}, code: 2, errWant: "no rule selected",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q", w)
				}
			}
			if tt.errWant != "" && !strings.Contains(errOut, tt.errWant) {
				t.Errorf("stderr = %q; want it to contain %q", errOut, tt.errWant)
			}
			if n := strings.Count(out, "---\n"); n < tt.documentsAtLeast {
				t.Errorf("%d documents, want at least %d", n, tt.documentsAtLeast)
			}
			for i, doc := range strings.Split(out, "---\n")[1:] {
				var v map[string]any
				if err := yaml.Unmarshal([]byte(doc), &v); err != nil || v["kind"] == nil {
					t.Errorf("document %d is not an object: %v", i+1, err)
				}
			}
		})
	}
}

// TestVAPOutputIsDeterministicAndPassesScan writes the policies to a file twice, and scans them
// with every rule at the strictest threshold: Palisade's own output must draw no finding.
func TestVAPOutputIsDeterministicAndPassesScan(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	for _, f := range []string{first, second} {
		if code, _, errOut := run(t, "vap", "-o", f); code != 0 {
			t.Fatalf("vap -o %s: exit code %d: %s", f, code, errOut)
		}
	}
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	if len(a) == 0 || string(a) != string(b) {
		t.Fatalf("two runs wrote different output (%d and %d bytes)", len(a), len(b))
	}
	code, out, errOut := run(t, "scan", "--fail-on", "info", first)
	if code != 0 {
		t.Fatalf("scan of the generated policies: exit code %d\n%s\n%s", code, out, errOut)
	}
}
