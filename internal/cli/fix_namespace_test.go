package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/fix/remedytext"
	"palisade.dev/palisade/internal/testfiles"
)

const (
	shopNamespace  = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
	shopDeployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n"
	shopQuota      = "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: mine\n  namespace: shop\nspec:\n  hard:\n    requests.cpu: \"2\"\n    requests.memory: 2Gi\n    pods: \"10\"\n"
)

// namespaceRules lists the namespace/ findings of a scan of path.
func namespaceRules(t *testing.T, path string) []string {
	t.Helper()
	_, out, errOut := runWithStdin(t, "", "scan", "-o", "json", "--fail-on", "none", path)
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON (%v); stderr: %s", err, errOut)
	}
	var ids []string
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Rule, "namespace/") {
			ids = append(ids, f.Rule)
		}
	}
	slices.Sort(ids)
	return ids
}

func TestFixWritesWhatANamespaceLacksBesideItsManifests(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		opts  remedytext.NamespaceOptions
	}{
		{"a namespace with nothing gets the policies, a quota and a limit range",
			map[string]string{"ns.yaml": shopNamespace, "app/web.yaml": shopDeployment}, remedytext.NamespaceOptions{}},
		{"what a namespace has is not written again",
			map[string]string{"ns.yaml": shopNamespace, "app/web.yaml": shopDeployment, "app/quota.yaml": shopQuota}, remedytext.NamespaceOptions{HasResourceQuota: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			testfiles.Write(t, dir, c.files)
			if got := namespaceRules(t, dir); len(got) == 0 {
				t.Fatal("the fixture has no namespace finding")
			}
			code, _, errOut := runWithStdin(t, "", "fix", dir)
			if code == 2 {
				t.Fatalf("fix failed: %s", errOut)
			}
			want, err := remedytext.NamespaceObjects("shop", c.opts)
			if err != nil {
				t.Fatal(err)
			}
			// Beside the Namespace, which is where the findings point.
			path := filepath.Join(dir, "namespace-shop.palisade.yaml")
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %v\n%s\nwant:\n%s", path, err, got, want)
			}
			if !strings.Contains(errOut, "1 new files written") || !strings.Contains(errOut, path) {
				t.Errorf("the summary does not name the new file:\n%s", errOut)
			}
			if left := namespaceRules(t, dir); len(left) > 0 {
				t.Errorf("namespace findings remain after fix: %v\n%s", left, errOut)
			}
			after := snapshot(t, dir)
			// Again, of the whole folder (which now holds the new file), and of the files
			// without it: their findings come back, and the file they ask for is there.
			var files []string
			for name := range c.files {
				files = append(files, filepath.Join(dir, name))
			}
			slices.Sort(files)
			for _, args := range [][]string{{dir}, files} {
				if _, _, errOut = runWithStdin(t, "", append([]string{"fix"}, args...)...); strings.Contains(errOut, "new files") || strings.Contains(errOut, "left alone") {
					t.Errorf("a second fix of %v wrote or refused a new file:\n%s", args, errOut)
				}
				for p, data := range snapshot(t, dir) {
					if !bytes.Equal(data, after[p]) {
						t.Errorf("a second fix of %v changed %s", args, p)
					}
				}
			}
		})
	}
}

func TestFixLabelsANamespaceForPodSecurityAdmission(t *testing.T) {
	dir := t.TempDir()
	testfiles.Write(t, dir, map[string]string{"ns.yaml": shopNamespace})
	if code, _, errOut := runWithStdin(t, "", "fix", "--rule", "namespace/pod-security-enforce", dir); code != 0 {
		t.Errorf("exit code %d, want 0; stderr: %s", code, errOut)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "ns.yaml"))
	want := shopNamespace + "  labels:\n" +
		"    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/enforce-version: latest\n" +
		"    pod-security.kubernetes.io/audit: restricted\n    pod-security.kubernetes.io/audit-version: latest\n" +
		"    pod-security.kubernetes.io/warn: restricted\n    pod-security.kubernetes.io/warn-version: latest\n"
	if string(got) != want {
		t.Errorf("ns.yaml:\n%s\nwant:\n%s", got, want)
	}
}

func TestFixDoesNotOverwriteAFileOfTheNewFilesName(t *testing.T) {
	dir := t.TempDir()
	mine := "# my own notes\n"
	testfiles.Write(t, dir, map[string]string{"ns.yaml": shopNamespace, "web.yaml": shopDeployment, "namespace-shop.palisade.yaml": mine})
	code, _, errOut := runWithStdin(t, "", "fix", "--fail-on", "low", "--rule", "namespace/limit-range", filepath.Join(dir, "ns.yaml"), filepath.Join(dir, "web.yaml"))
	if code != 1 {
		t.Errorf("exit code %d, want 1 (the namespace still lacks a LimitRange); stderr: %s", code, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "namespace-shop.palisade.yaml")); string(got) != mine {
		t.Errorf("the file was overwritten:\n%s", got)
	}
	if !strings.Contains(errOut, "left alone: "+filepath.Join(dir, "namespace-shop.palisade.yaml")+": already exists (15 bytes)") {
		t.Errorf("stderr does not say why nothing was written:\n%s", errOut)
	}
}

func TestFixDryRunShowsTheNewFileAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	testfiles.Write(t, dir, map[string]string{"ns.yaml": shopNamespace, "web.yaml": shopDeployment})
	_, out, errOut := runWithStdin(t, "", "fix", "--dry-run", "--rule", "namespace/limit-range", dir)
	want, _ := remedytext.NamespaceObjects("shop", remedytext.NamespaceOptions{HasDefaultDeny: true, HasResourceQuota: true})
	head := "--- /dev/null\n+++ " + filepath.Join(dir, "namespace-shop.palisade.yaml") + "\n@@ -0,0 +1," + strconv.Itoa(bytes.Count(want, []byte("\n"))) + " @@\n+"
	if !strings.HasPrefix(out, head) || !strings.Contains(out, "+kind: LimitRange\n") {
		t.Errorf("diff:\n%s\nwant it to start with:\n%s", out, head)
	}
	if _, err := os.Stat(filepath.Join(dir, "namespace-shop.palisade.yaml")); err == nil {
		t.Error("--dry-run wrote the file")
	}
	if !strings.Contains(errOut, "1 new files would be written") {
		t.Errorf("summary:\n%s", errOut)
	}
}

func TestFixAppendsWhatANamespaceLacksToStandardOutput(t *testing.T) {
	in := shopNamespace + "---\n" + shopDeployment
	code, out, errOut := runWithStdin(t, in, "fix", "--rule", "namespace/default-deny-network-policy", "-")
	if code != 0 {
		t.Errorf("exit code %d, want 0; stderr: %s", code, errOut)
	}
	objects, _ := remedytext.NamespaceObjects("shop", remedytext.NamespaceOptions{HasResourceQuota: true, HasLimitRange: true})
	if want := in + "---\n" + string(objects); out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
}

func TestFixPrintWritesControlPlaneTexts(t *testing.T) {
	dir := t.TempDir()
	enc := filepath.Join(dir, "enc.yaml")
	for _, c := range []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"the audit policy goes to standard output", []string{"--print", "audit-policy"}, 0, "kind: Policy", ""},
		{"the encryption configuration names its provider", []string{"--print", "encryption-config", "--provider", "aescbc"}, 0, "- aescbc:", ""},
		{"=FILE creates the file", []string{"--print", "encryption-config=" + enc}, 0, "", "wrote " + enc + " (mode 600)"},
		{"=FILE never overwrites a key", []string{"--print", "encryption-config=" + enc}, 2, "", "never overwritten"},
		{"an unknown text is named by its length", []string{"--print", "kubeconfig"}, 2, "", "not a value of 10 bytes"},
		{"an unknown provider is refused", []string{"--print", "encryption-config", "--provider", "kms"}, 2, "", "want secretbox or aescbc"},
		{"--print takes no path", []string{"--print", "audit-policy", "deploy/"}, 2, "", "takes no PATH (1 given)"},
		{"--provider needs --print", []string{"--provider", "aescbc", "deploy/"}, 2, "", "--provider applies to --print encryption-config"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runWithStdin(t, "", append([]string{"fix"}, c.args...)...)
			if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.err) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s\nwant %q and %q", code, c.code, out, errOut, c.out, c.err)
			}
		})
	}
	info, err := os.Stat(enc)
	if err != nil || info.Mode().Perm() != remedytext.EncryptionConfigMode {
		t.Errorf("%s: mode %v, %v; want %v", enc, info.Mode().Perm(), err, remedytext.EncryptionConfigMode)
	}
}

func TestFixDryRunMarksAMissingFinalNewline(t *testing.T) {
	in := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  hostPID: true\n  containers:\n  - name: sh\n    image: busybox"
	_, out, errOut := runWithStdin(t, in, "fix", "--dry-run", "--rule", "pod/host-pid", "-")
	want := "@@ -3,7 +3,6 @@\n metadata:\n   name: debug\n spec:\n-  hostPID: true\n   containers:\n   - name: sh\n     image: busybox\n\\ No newline at end of file\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("diff:\n%s\nwant it to end with:\n%s\nstderr: %s", out, want, errOut)
	}
}
