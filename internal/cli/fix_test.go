package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/testfiles"
)

// snapshot reads every file under dir.
func snapshot(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		out[path] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// copyTree copies the files of src into dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	for path, data := range snapshot(t, src) {
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, data, 0o640); err != nil {
			t.Fatal(err)
		}
	}
}

// remediable lists the findings of a scan that carry a remedy.
func remediable(t *testing.T, path string) []string {
	t.Helper()
	_, out, errOut := runWithStdin(t, "", "scan", "-o", "json", "--fail-on", "none", path)
	var rep struct {
		Findings []struct {
			Rule     string            `json:"rule"`
			Fix      []json.RawMessage `json:"fix"`
			Location struct{ File string }
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON (%v); stderr: %s", err, errOut)
	}
	var ids []string
	for _, f := range rep.Findings {
		if len(f.Fix) > 0 {
			ids = append(ids, f.Rule+" "+f.Location.File)
		}
	}
	return ids
}

func TestFixDryRunPrintsTheExamplesDiffAndChangesNothing(t *testing.T) {
	examples := filepath.Join("..", "..", "examples")
	before := snapshot(t, examples)
	code, out, errOut := runWithStdin(t, "", "fix", "--dry-run", examples)
	if code != 1 {
		t.Errorf("exit code %d, want 1 (findings without a remedy remain); stderr: %s", code, errOut)
	}
	testfiles.Golden(t, filepath.Join("testdata", "fix", "examples-dry-run.diff"), []byte(out))
	for path, data := range snapshot(t, examples) {
		if !bytes.Equal(data, before[path]) {
			t.Errorf("--dry-run changed %s", path)
		}
	}
	if !strings.Contains(errOut, "files would change") || !strings.Contains(errOut, "kustomize/base/deployment.yaml") {
		t.Errorf("summary lacks the files or the kustomization's advice:\n%s", errOut)
	}
}

func TestFixRewritesFilesInPlaceLeavingNothingRemediableAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "insecure"), dir)
	if len(remediable(t, dir)) == 0 {
		t.Fatal("the insecure examples have no finding with a remedy")
	}
	code, _, errOut := runWithStdin(t, "", "fix", dir)
	if code == 2 {
		t.Fatalf("fix failed: %s", errOut)
	}
	if left := remediable(t, dir); len(left) > 0 {
		t.Errorf("findings with a remedy remain after fix: %v\n%s", left, errOut)
	}
	info, err := os.Stat(filepath.Join(dir, "web.yaml"))
	if err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("the file's mode was not kept: %v %v", info.Mode(), err)
	}
	after := snapshot(t, dir)
	_, _, errOut = runWithStdin(t, "", "fix", dir)
	if !strings.Contains(errOut, "0 files changed") {
		t.Errorf("a second fix changed something:\n%s", errOut)
	}
	for path, data := range snapshot(t, dir) {
		if !bytes.Equal(data, after[path]) {
			t.Errorf("a second fix changed %s", path)
		}
	}
}

func TestFixReadsStandardInputAndWritesStandardOutput(t *testing.T) {
	in := "# the pod\napiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  namespace: tools\nspec:\n  hostPID: true   # for strace\n  containers:\n  - name: sh\n    image: busybox@sha256:" + strings.Repeat("a", 64) + "\n"
	code, out, errOut := runWithStdin(t, in, "fix", "--rule", "pod/host-pid", "-")
	if code != 0 {
		t.Errorf("exit code %d, want 0; stderr: %s", code, errOut)
	}
	want := strings.Replace(in, "  hostPID: true   # for strace\n", "", 1)
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	code, out, _ = runWithStdin(t, in, "fix", "--rule", "pod/host-pid", "--dry-run", "-")
	if code != 0 || !strings.Contains(out, " spec:\n-  hostPID: true   # for strace\n   containers:\n") {
		t.Errorf("--dry-run on stdin: exit %d, diff:\n%s", code, out)
	}
}

func TestFixLeavesAFileAloneWhenAnEditIsUnsafe(t *testing.T) {
	dir := t.TempDir()
	src := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostPID: true\n  containers:\n  - name: a\n    image: nginx\n    securityContext: &sc\n      runAsUser: 1000\n  - name: b\n    image: nginx\n    securityContext: *sc\n"
	path := filepath.Join(dir, "pod.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runWithStdin(t, "", "fix", "--rule", "pod/host-pid", "--rule", "pod/allow-privilege-escalation", path)
	if code != 1 {
		t.Errorf("exit code %d, want 1; stderr: %s", code, errOut)
	}
	if data, _ := os.ReadFile(path); string(data) != src {
		t.Errorf("the file changed:\n%s", data)
	}
	if !strings.Contains(errOut, "left alone: "+path) || !strings.Contains(errOut, "anchored value") {
		t.Errorf("stderr does not say why the file was left alone:\n%s", errOut)
	}
}

func TestFixNeverEditsARenderedChartAndSaysWhatToChange(t *testing.T) {
	chart := filepath.Join("testdata", "fix", "chart")
	template := filepath.Join(chart, "templates", "deployment.yaml")
	values := filepath.Join(chart, "values.yaml")
	cases := []struct {
		name, rule, want string
	}{
		{"a field set to a value names the value's line", "pod/host-pid",
			values + ":2: remove hostPID (pod/host-pid, read at " + template + ":14:7)"},
		{"a field of a mapping written with toYaml names the value's line", "pod/allow-privilege-escalation",
			values + ":8: set securityContext.allowPrivilegeEscalation: false (pod/allow-privilege-escalation, read at " + template + ":22:13)"},
		{"a field the mapping's value lacks names the mapping's line", "pod/seccomp",
			values + ":7: set securityContext.seccompProfile.type: RuntimeDefault (pod/seccomp, read at " + template + ":21:11)"},
		{"a field the template writes itself names the template line", "pod/host-network",
			template + ":15:7: pod/host-network: remove spec.template.spec.hostNetwork"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, chart)
			_, _, errOut := runWithStdin(t, "", "fix", "--rule", tc.rule, chart)
			for path, data := range snapshot(t, chart) {
				if !bytes.Equal(data, before[path]) {
					t.Errorf("fix changed %s of a chart", path)
				}
			}
			if !strings.Contains(errOut, "  "+tc.want+"\n") {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut)
			}
		})
	}
}
