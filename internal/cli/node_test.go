package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"palisade.dev/palisade/internal/testfiles"
)

// TestNodeAuditsAMountedRoot runs palisade node on a kubeadm control plane's files mounted at
// --root, with a --proc that shows no process (the components then come from their static pod
// manifests), as the node-audit DaemonSet runs it, and pins verdicts the fixture decides.
func TestNodeAuditsAMountedRoot(t *testing.T) {
	root := t.TempDir()
	testfiles.CopyKubeadmTree(t, filepath.Join("..", "source", "node", "testdata", "kubeadm"), root)
	proc := filepath.Join(root, "proc")
	if err := os.MkdirAll(proc, 0o555); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runWithStdin(t, "", "node", "--root", root, "--proc", proc, "--hostname", "cp-1", "--show-passed", "-o", "json")
	var rep struct {
		jsonReport
		Passed struct {
			Count, NotApplicable int
			Results              []struct {
				Rule, Status string
				Object       struct{ Kind string }
			} `json:"results"`
		} `json:"passed"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s\n%s", err, errOut, out)
	}
	if code != 1 || len(rep.Errors) != 0 {
		t.Fatalf("exit code %d, errors %v; want 1 and none", code, rep.Errors)
	}
	verdict := map[string]string{}
	for _, f := range rep.Findings {
		verdict[f.Object.Kind+" "+f.Rule] = "fail"
	}
	for _, p := range rep.Passed.Results {
		verdict[p.Object.Kind+" "+p.Rule] = p.Status
	}
	for key, want := range map[string]string{
		"kube-apiserver apiserver/authorization-always-allow": "pass",
		"kube-apiserver apiserver/audit-log-path":             "fail",
		"etcd etcd/client-cert-auth":                          "pass",
		"Node files/static-pod-manifest-mode":                 "pass",
		"Node kubelet/anonymous-auth":                         "not-applicable",
	} {
		if verdict[key] != want {
			t.Errorf("%s: %q, want %q", key, verdict[key], want)
		}
	}
	if rep.Passed.Count == 0 || rep.Passed.NotApplicable == 0 {
		t.Errorf("passes %d, not applicable %d: both are counted", rep.Passed.Count, rep.Passed.NotApplicable)
	}
}
